/* The cell's map: its outline and its points (and the outside points nearest it).
 *
 * Folded by default on a phone (the lists come first); drawn the first time it is
 * opened, when Leaflet can measure its box. A tap on a point opens its row.
 */
(function () {
  "use strict";

  var C = window.geoappCell;
  var T = C.T, P = C.P, el = C.el, LAYERS = C.LAYERS;
  var map = null, overlay = null, fitted = false;

  function markerIcon(f, outside) {
    var p = f.properties;
    var layer = LAYERS[p.layer];
    var box = el("span", { className: "pin level-" + p.risk_level + (outside ? " outside" : "") },
      layer ? layer.label.charAt(0) : "?");
    return L.divIcon({ html: box, className: "pin-wrap", iconSize: [28, 28], iconAnchor: [14, 14] });
  }

  function tooltip(f, outside) {
    var p = f.properties;
    var layer = LAYERS[p.layer];
    return el("div", { className: "tip" },
      el("b", { text: p.name }), el("br"),
      (layer ? layer.label : p.layer) + " · " + ((P.levels[p.risk_level] || {}).label || ""),
      outside ? el("div", { text: T.outside + " · " + T.distance + " " +
        Math.round(p.distance_m || 0) + " " + T.metres }) : null);
  }

  function draw(data) {
    var panel = document.getElementById("map-panel");
    if (!panel.open || !window.L) return;
    if (!map) window.geoappBasemap.add(map = L.map("cell-map", { attributionControl: false, zoomSnap: 0.25 }));
    if (overlay) overlay.remove();
    overlay = L.featureGroup().addTo(map);
    var colour = (P.levels[data.properties.risk_level] || {}).colour || "#666";
    var outline = L.geoJSON(data.geometry, {
      style: { color: colour, weight: 3, fillColor: colour, fillOpacity: 0.12 }, interactive: false,
    }).addTo(overlay);
    function add(f, outside) {
      var c = f.geometry.coordinates;
      // the worst on top: a red point must not hide under yellow ones
      L.marker([c[1], c[0]], { icon: markerIcon(f, outside), keyboard: true, title: f.properties.name,
        zIndexOffset: 1000 * (C.LEVEL_RANK[f.properties.risk_level] || 0) })
        .bindTooltip(tooltip(f, outside), { direction: "top", offset: [0, -12] })
        .on("click", function () { C.points.focus(f.properties.id); })
        .addTo(overlay);
    }
    data.points.features.forEach(function (f) { add(f, false); });
    data.outside_points_nearby.features.forEach(function (f) { add(f, true); });
    map.invalidateSize();
    if (!fitted) {
      map.fitBounds(overlay.getBounds().extend(outline.getBounds()), { padding: [16, 16] });
      fitted = true;
    }
  }

  var panel = document.getElementById("map-panel");
  // open on a wide screen, where it fits beside the lists
  if (window.matchMedia && window.matchMedia("(min-width: 900px)").matches) panel.open = true;
  panel.addEventListener("toggle", function () { if (C.state.data) draw(C.state.data); });

  C.map = { draw: draw };
})();
