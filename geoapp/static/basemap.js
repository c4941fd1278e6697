/* The maps' base layers, one script for the three maps (the leader's map, the cell page,
 * the planner's admission map): geoappBasemap.add(map[, control]).
 *
 * It reads /basemap/meta.json (geoapp.web.basemap) and adds
 *  - the installed offline basemap: raster tiles as an L.tileLayer, vector tiles (MVT)
 *    drawn by protomaps-leaflet, vendored in static/vendor and loaded only then;
 *  - the 天地图 layers (a map and its labels each) when the server has a key.
 * The first is shown; with more than one they are base layers of the layer control
 * (``control``, or a new one). Without either the map has no base layer and works as
 * before. geoappBasemap.ready resolves with the layers added (for drivers and tests).
 */
(function () {
  "use strict";

  // /basemap/meta.json beside this script's /static/ (the app may sit under a prefix)
  var META_URL = document.currentScript.src.replace(/static\/basemap\.js(\?.*)?$/, "basemap/meta.json");
  var MAX_ZOOM = 19;  // the maps' deepest zoom; tiles past the file's own are stretched
  var resolveReady;
  var ready = new Promise(function (res) { resolveReady = res; });

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = src;
      s.onload = resolve;
      s.onerror = function () { reject(new Error("cannot load " + src)); };
      document.head.appendChild(s);
    });
  }

  function bounds(b) {
    return L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
  }

  // A plain style for any vector tileset (an office's own schema): water blue, areas
  // grey, lines darker, all by geometry type; the Protomaps schema gets its own style.
  var WATER = /water|ocean|river|lake|sea|水/i;
  function genericRules(layers) {
    var P = window.protomapsL, rules = [];
    layers.forEach(function (name) {
      var water = WATER.test(name);
      rules.push({ dataLayer: name, filter: function (z, f) { return f.geomType === 3; },
        symbolizer: new P.PolygonSymbolizer({ fill: water ? "#a8c8e8" : "#e4e1d8", opacity: water ? 1 : 0.8 }) });
      rules.push({ dataLayer: name, filter: function (z, f) { return f.geomType === 2; },
        symbolizer: new P.LineSymbolizer({ color: water ? "#7aa6d6" : "#9a958a", width: 1 }) });
    });
    return rules;
  }

  function offlineLayer(b) {
    var common = { attribution: b.attribution || "", bounds: bounds(b.bounds),
      minZoom: 0, maxZoom: MAX_ZOOM };
    if (b.kind === "raster") {
      return Promise.resolve(L.tileLayer(b.tiles, L.extend(common, {
        minNativeZoom: b.minzoom, maxNativeZoom: b.maxzoom, className: "geoapp-basemap" })));
    }
    var load = window.protomapsL ? Promise.resolve() : loadScript(meta.renderer);
    return load.then(function () {
      var P = window.protomapsL;
      var options = L.extend(common, { url: b.tiles, maxDataZoom: b.maxzoom,
        className: "geoapp-basemap" });
      if (b.protomaps) {
        options.flavor = "light";
        options.lang = document.documentElement.lang === "en" ? "en" : "zh";
      } else {
        options.paintRules = genericRules(b.vector_layers || []);
        options.labelRules = [];
        options.backgroundColor = "#f4f2ec";
      }
      return P.leafletLayer(options);
    });
  }

  function tiandituLayer(t) {
    return L.layerGroup(t.urls.map(function (url) {
      return L.tileLayer(url, { subdomains: "01234567", maxZoom: MAX_ZOOM, maxNativeZoom: 18,
        attribution: "© 天地图" });
    }));
  }

  var meta = null;

  function add(map, control) {
    // Leaflet's own credit carries a national flag, which government deployments remove
    if (map.attributionControl) map.attributionControl.setPrefix(false);
    fetch(META_URL, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (m) {
        meta = m;
        var bases = [];
        var offline = m.basemap ? offlineLayer(m.basemap).then(function (layer) {
          bases.push([m.label, layer]);
        }).catch(function (e) { console.error("geoapp basemap:", e); }) : Promise.resolve();
        return offline.then(function () {
          m.tianditu.forEach(function (t) { bases.push([t.name, tiandituLayer(t)]); });
          if (!bases.length) return [];
          // a basemap's licence is shown, also on a map made without the control
          if (!map.attributionControl) L.control.attribution({ prefix: false }).addTo(map);
          bases[0][1].addTo(map);
          if (bases.length > 1 || control) {
            var c = control || L.control.layers(null, null, { collapsed: true }).addTo(map);
            bases.forEach(function (b) { c.addBaseLayer(b[1], b[0]); });
          }
          return bases;
        });
      })
      .catch(function (e) { console.error("geoapp basemap:", e); return []; })
      .then(resolveReady);
    return ready;
  }

  window.geoappBasemap = { add: add, ready: ready };
})();
