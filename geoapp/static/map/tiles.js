/* The leader's map in tile mode (config.tiles, past GEOAPP_MAP_TILE_CELLS cells or
 * GEOAPP_MAP_TILE_POINTS points): cells and points drawn from the app's vector tiles
 * (/tiles/cells|points/{z}/{x}/{y}.mvt) by protomaps-leaflet, the Leaflet canvas layer
 * the offline basemap already uses (static/vendor/protomaps-leaflet). The map keeps the
 * cells' properties (/api/map/cells?geometry=0) for the filters, counts, lists and popups;
 * the filters go to the server as the tiles' query, and a tap asks the drawn tiles what is
 * under it to open the same popups as in the JSON mode. */
(function (M) {
  "use strict";

  var tiles = M.config.tiles || {};
  if (!tiles.cells && !tiles.points) return;
  var state = M.state, map = M.map, F = M.F, T = M.T, P = window.protomapsL;
  var colours = M.config.colours;
  var cellLayer = null, pointLayer = null, cellQuery = null, pointQuery = null;
  state.tileMode = tiles;

  // the filters as the tiles' query (the same parameters as /api/map/points)
  function filterQuery(forPoints, key) {
    var f = state.filters, q = new URLSearchParams();
    if (f.levels.length < 4) q.set("levels", f.levels.join(","));
    ["town", "village", "cell", "hazard"].forEach(function (k) { if (f[k]) q.set(k, f[k]); });
    if (forPoints) {
      ["outside", "visit"].forEach(function (k) { if (f[k]) q.set(k, f[k]); });
      q.set("layers", state.cells.layers.filter(function (c) { return map.hasLayer(F.layers[c]); }).join(","));
      if (key) q.set("key", "1");
    }
    return q.toString();
  }

  function vectorLayer(url, rules, pane) {
    // levelDiff 0: one 256-pixel tile per map tile, the tiles the server caches
    return P.leafletLayer({ url: url, paintRules: rules, labelRules: [], levelDiff: 0, maxDataZoom: 18,
                            attribution: "", pane: pane });
  }

  function cellRules() {
    return [
      { dataLayer: "cells", symbolizer: new P.PolygonSymbolizer({
        fill: function (z, f) { return colours[f.props.risk_level] || "#999"; }, opacity: M.FILL }) },
      // white edges; a cell with an overdue hazard gets a thick black one, as in the JSON mode;
      // zoomed out (a village's cells merged, no code) a white edge would hide the colour
      // (a canvas ignores a line width of 0: the edge is made transparent instead)
      { dataLayer: "cells", symbolizer: new P.LineSymbolizer({
        color: function (z, f) {
          if (f.props.overdue > 0) return "#111";
          return f.props.code === "" ? "rgba(255,255,255,0)" : "#ffffff"; },
        width: function (z, f) {
          if (f.props.overdue > 0) return f.props.code === "" ? 1.5 : 3;
          return 1; } }) },
    ];
  }

  function pointRules() {
    return [{ dataLayer: "points", symbolizer: new P.CircleSymbolizer({
      radius: function (z) { return z >= 14 ? 6 : 4; }, stroke: "#ffffff", width: 1.5,
      fill: function (z, f) { return colours[f.props.risk_level] || "#999"; } }) }];
  }

  function setCells() {
    var query = filterQuery(false);
    if (cellLayer && query === cellQuery) return;
    if (cellLayer) F.cells.removeLayer(cellLayer);
    cellQuery = query;
    cellLayer = vectorLayer(M.config.urls.vt_cells + "{z}/{x}/{y}.mvt?" + query, cellRules(), "overlayPane");
    F.cells.addLayer(cellLayer);
    M.tileLayers = { cells: cellLayer, points: pointLayer };
  }

  function setPoints() {
    var key = M.keyOnly(), query = filterQuery(true, key);
    if (!pointLayer || query !== pointQuery) {
      if (pointLayer) map.removeLayer(pointLayer);
      pointQuery = query;
      pointLayer = vectorLayer(M.config.urls.vt_points + "{z}/{x}/{y}.mvt?" + query, pointRules(), "markerPane");
      map.addLayer(pointLayer);
    }
    M.tileLayers = { cells: cellLayer, points: pointLayer };  // for drivers (tests)
    state.lastPoints = null;  // no totals: the tiles carry what is drawn, not counts
    M.updateCounts();
    M.setStatus(key ? T.key_points + " · " + T.key_hint : "");
    return Promise.resolve();
  }

  if (tiles.cells) {
    M.config.urls.cells += "?geometry=0";
    M.drawCells = function (data) { state.cells = data; setCells(); };
    M.restyleCells = setCells;
    M.loadExactTiles = function () {};
    // no shapes here: a cell's bounds are those of its label places (enough to zoom to)
    M.matchingBounds = function () {
      var c = state.cells, at = [];
      for (var i = 0; i < c.code.length; i++) if (M.cellMatches(i)) at.push([c.label_at[i][1], c.label_at[i][0]]);
      return at.length ? L.latLngBounds(at).pad(0.5) : null;
    };
  }
  if (tiles.points) {
    M.doLoadPoints = function () { return state.cells ? setPoints() : Promise.resolve(); };
  }

  // a tap: the nearest point drawn within a few pixels (asked of /api/map/points with the
  // same filters, so the popup is of a point the tiles show), else the cell under it
  map.on("click", function (e) {
    var at = e.latlng;
    var near = pointLayer && map.hasLayer(pointLayer) ? nearestPoint(at) : Promise.resolve(null);
    near.then(function (id) {
      if (id !== null) { M.openPoint(id, at); return; }
      if (tiles.cells && cellLayer && map.hasLayer(F.cells)) {
        var cell = first(cellLayer.queryTileFeaturesDebug(at.lng, at.lat, 1), "cells");
        if (cell && cell.code) M.openCell(M.cellIndex(cell.code), at);
        // zoomed out, a feature is a village's cells of one level (no one cell): closer
        else if (cell) map.setView(at, Math.min(map.getZoom() + 2, map.getMaxZoom()));
      }
    });
  });

  function nearestPoint(at) {
    var p = map.latLngToContainerPoint(at), r = 8;
    var sw = map.containerPointToLatLng([p.x - r, p.y + r]), ne = map.containerPointToLatLng([p.x + r, p.y - r]);
    var url = M.pointsUrl(L.latLngBounds(sw, ne), 22, M.keyOnly());
    return M.fetchJSON(url).then(function (data) {
      var best = null, dist = Infinity;
      data.points.forEach(function (row) {
        var d = map.latLngToContainerPoint([row[4], row[3]]).distanceTo(p);
        if (d < dist) { dist = d; best = row[0]; }
      });
      return best;
    }).catch(function () { return null; });
  }

  function first(found, layer) {
    var best = null;
    found.forEach(function (list) {
      list.forEach(function (hit) { if (!best && hit.layerName === layer) best = hit.feature.props; });
    });
    return best;
  }
  M.cellAt = function () { return -1; };
})(window.geoappMapApp);
