/* The leader's map: the points in view from /api/map/points — markers (colour = level,
 * shape = layer), clusters from the server or markercluster. */
(function (M) {
  "use strict";

  var state = M.state, map = M.map, F = M.F, el = M.el, T = M.T, LEVELS = M.LEVELS;

  var clusterGroups = {};   // layer -> L.markerClusterGroup (client-side clustering)
  var serverGroups = {};    // layer -> L.layerGroup (server-side clusters)

  function shapeClass(layerIndex) { return "gm-shape-" + (layerIndex % 10); }  // map.css: ten shapes

  function clusterIcon(count, level, flags, size) {
    var node = el("div", { className: "gm-cluster gm-lv-" + LEVELS[level] + (flags & 2 ? " gm-overdue" : ""),
      text: String(count) });
    return L.divIcon({ html: node, className: "gm-cluster-icon", iconSize: [size, size] });
  }

  function sizeFor(count) { return count < 10 ? 24 : count < 100 ? 30 : count < 1000 ? 36 : 42; }

  function groupFor(code) {
    if (!clusterGroups[code]) {
      clusterGroups[code] = L.markerClusterGroup({
        chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 40,
        spiderfyOnMaxZoom: true, disableClusteringAtZoom: 19, zoomToBoundsOnClick: false,
        iconCreateFunction: function (cluster) {
          var worst = 3, flags = 0;
          cluster.getAllChildMarkers().forEach(function (m) {
            worst = Math.min(worst, m.gmLevel); flags |= m.gmFlags;
          });
          var n = cluster.getChildCount();
          return clusterIcon(n, worst, flags, sizeFor(n));
        },
      });
      clusterGroups[code].on("clusterclick", function (e) {
        var cluster = e.layer;
        tapCluster(cluster.getLatLng(), cluster.getChildCount(), function () { cluster.zoomToBounds({ padding: [20, 20] }); });
      });
      F.layers[code].addLayer(clusterGroups[code]);
      serverGroups[code] = L.layerGroup();
      F.layers[code].addLayer(serverGroups[code]);
    }
    return clusterGroups[code];
  }

  // A tap on a cluster over a cell opens that cell (a cluster covers the middle of a
  // cell, where a finger lands), with a button to zoom to the points; elsewhere it zooms.
  function tapCluster(latlng, count, zoom) {
    var i = map.hasLayer(F.cells) ? M.cellAt(latlng) : -1;
    if (i < 0) { zoom(); return; }
    M.openCell(i, latlng, { count: count, go: zoom });
  }

  function pointMarker(p, layers) {
    // p: [id, layer, level, lon, lat, flags, outside, name, visit, last_visit]
    var cls = "gm-pt " + shapeClass(p[1]) + " gm-lv-" + LEVELS[p[2]] +
      (p[5] & 2 ? " gm-overdue" : "") + (p[6] ? " gm-outside" : "");
    var node = el("span", { className: cls, "data-id": String(p[0]), "data-visit": p[8] || "" });
    // a point overdue for a visit carries a red dot (the legend says so)
    if (p[8] === "overdue") node = el("span", null, [node, el("span", { className: "visit-dot visit-overdue" })]);
    var marker = L.marker([p[4], p[3]], {
      icon: L.divIcon({ html: node, className: "gm-pt-icon", iconSize: [18, 18], iconAnchor: [9, 9] }),
      keyboard: false,
    });
    marker.gmId = p[0]; marker.gmLevel = p[2]; marker.gmFlags = p[5];
    var name = p[7], layerLabel = T.layers[layers[p[1]]] || layers[p[1]];
    if (M.HOVER) {
      marker.bindTooltip(function () {
        return el("span", null, [name, el("br"), el("small", { text: layerLabel + (p[6] ? " · " + T.outside : "") +
          (p[8] ? " · " + T.visits[p[8]] : "") })]);
      }, { className: "gm-tooltip", direction: "top", offset: [0, -8] });
    }
    marker.on("click", function () { M.openPoint(p[0], marker.getLatLng()); });
    return marker;
  }

  function activeLayers() {
    return state.cells.layers.filter(function (code) { return map.hasLayer(F.layers[code]); });
  }

  // a filter on the points themselves (not only on the area) is set
  M.pointFilterOn = function () {
    var f = state.filters;
    return !!(f.hazard || f.outside || f.visit || f.levels.length < 4);
  };

  var KEY_ABOVE = 200;   // fewer points than this are all shown at any zoom

  // Only the points that matter (red, overdue, outside every cell: key=1) while the whole
  // territory is in view and holds too many points to read, unless the user asked for all
  // or filters the points.
  M.keyOnly = function () {
    if (state.allPoints || M.pointFilterOn() || state.homeZoom === null || map.getZoom() >= state.homeZoom + 2) return false;
    var c = state.cells, active = activeLayers(), n = 0;
    for (var i = 0; i < c.code.length; i++) {
      for (var k = 0; k < c.layers.length; k++) if (active.indexOf(c.layers[k]) >= 0) n += c.counts[i][k];
    }
    return n > KEY_ABOVE;
  };

  // the points query; ``bounds`` and ``zoom`` default to the view (padded)
  M.pointsUrl = function (bounds, zoom, key) {
    var b = bounds || map.getBounds().pad(0.25), f = state.filters;
    var bbox = [Math.max(-180, b.getWest()), Math.max(-90, b.getSouth()),
                Math.min(180, b.getEast()), Math.min(90, b.getNorth())]
      .map(function (v) { return v.toFixed(5); }).join(",");
    var params = new URLSearchParams({ bbox: bbox, zoom: String(Math.round(zoom === undefined ? map.getZoom() : zoom)),
                                       layers: activeLayers().join(",") });
    if (f.levels.length < 4) params.set("levels", f.levels.join(","));
    ["town", "village", "cell", "hazard", "outside", "visit"].forEach(function (k) { if (f[k]) params.set(k, f[k]); });
    if (key) params.set("key", "1");
    return M.config.urls.points + "?" + params.toString();
  };

  // every point passing the filters in the whole territory (for lists and zooming to them)
  M.matchingPoints = function () {
    // the world: points outside every cell lie beyond the cells' bounds
    if (!activeLayers().length || !state.filters.levels.length) return Promise.resolve({ points: [], clusters: [], total: 0 });
    return M.fetchJSON(M.pointsUrl(L.latLngBounds([-90, -180], [90, 180]), 22, false));
  };

  // from a change of view until that view's points are drawn the map says it is busy
  // (aria-busy), so a reader (or a test) knows the markers shown are about to be replaced
  var pointsTimer = null, pointsSeq = 0, settled = [];
  function busy(on) {
    if (on) { map.getContainer().setAttribute("aria-busy", "true"); return; }
    map.getContainer().removeAttribute("aria-busy");
    settled.splice(0).forEach(function (done) { done(); });
  }
  // resolves once no load of points is pending: the points of the view are drawn
  M.pointsSettled = function () {
    if (!map.getContainer().hasAttribute("aria-busy")) return Promise.resolve();
    return new Promise(function (done) { settled.push(done); });
  };
  M.loadPoints = function () {
    clearTimeout(pointsTimer);
    busy(true);
    return new Promise(function (resolve) {
      pointsTimer = setTimeout(function () {
        var seq = ++pointsSeq;
        pointsTimer = null;
        function done() { if (seq === pointsSeq && pointsTimer === null) busy(false); resolve(); }
        M.doLoadPoints().then(done, done);
      }, 120);
    });
  };

  M.doLoadPoints = function () {
    if (!state.cells) return Promise.resolve();
    if (state.pointsAbort) state.pointsAbort.abort();
    var layers = state.cells.layers;
    if (!activeLayers().length || !state.filters.levels.length) {
      layers.forEach(function (code) { groupFor(code).clearLayers(); serverGroups[code].clearLayers(); });
      state.lastPoints = { total: 0, outside: 0 };
      showVisitCounts(null);
      M.updateCounts(); M.setStatus("");
      M.showEmpty();
      return Promise.resolve();
    }
    var ctrl = window.AbortController ? new AbortController() : null;
    state.pointsAbort = ctrl;
    var key = M.keyOnly();
    M.setStatus(T.loading_points);
    return M.fetchJSON(M.pointsUrl(undefined, undefined, key), ctrl ? { signal: ctrl.signal } : {}).then(function (data) {
      M.loaded();
      var perLayer = {};
      layers.forEach(function (code) { perLayer[code] = []; groupFor(code).clearLayers(); serverGroups[code].clearLayers(); });
      data.points.forEach(function (p) { perLayer[layers[p[1]]].push(pointMarker(p, layers)); });
      layers.forEach(function (code) { if (perLayer[code].length) groupFor(code).addLayers(perLayer[code]); });
      (data.clusters || []).forEach(function (c) {
        // c: [layer, lon, lat, count, level, flags, outside]
        var m = L.marker([c[2], c[1]], { icon: clusterIcon(c[3], c[4], c[5], sizeFor(c[3])), keyboard: false });
        var label = (T.layers[layers[c[0]]] || layers[c[0]]) + " · " + c[3] + " " + T.cluster_title;
        if (M.HOVER) m.bindTooltip(function () { return el("span", { text: label + " · " + T.zoom_in }); }, { className: "gm-tooltip", direction: "top" });
        m.on("click", function () {
          tapCluster(m.getLatLng(), c[3], function () { map.setView(m.getLatLng(), Math.min(map.getZoom() + 2, map.getMaxZoom())); });
        });
        serverGroups[layers[c[0]]].addLayer(m);
      });
      data.key = key;
      state.lastPoints = data;
      showVisitCounts(data.visits);
      M.updateCounts();
      M.setStatus((key ? T.key_points + " " + data.total + " · " + T.key_hint : T.points_shown + " " + data.total) +
        (data.mode === "clusters" ? " · " + T.clustered : "") +
        (data.outside ? " · " + T.outside + " " + data.outside : ""));
      M.showEmpty();
    }).catch(function (err) {
      if (err && err.name === "AbortError") return;
      if (window.console) console.error(err);
      M.failed("points", function () { M.doLoadPoints(); });
    });
  };

  // the points in view per visit status, beside each choice of the filter
  function showVisitCounts(counts) {
    document.querySelectorAll("#f-visits .visit-count").forEach(function (b) {
      b.textContent = counts ? String(counts[b.getAttribute("data-visit")]) : "0";
    });
  }
})(window.geoappMapApp);
