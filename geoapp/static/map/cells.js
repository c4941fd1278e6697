/* The leader's map: the cells — drawn from /api/map/cells, styled by level and filters,
 * exact geometry by tile once zoomed in. */
(function (M) {
  "use strict";

  var state = M.state, map = M.map, F = M.F, el = M.el, T = M.T, LEVELS = M.LEVELS;

  M.decodeGeometry = window.geoappGeometry.decode;  // static/geometry.js

  M.hazardFigures = function (i) {
    var h = state.cells.hazards[i];
    return { open: h[0], overdue: h[1], major_open: h[2], listed_open: h[3], closed: h[4],
             major_overdue: h[5] || 0, major_stock_open: h[6] || 0, major_increment_year: h[7] || 0 };
  };

  M.cellMatches = function (i) {
    var c = state.cells, f = state.filters;
    if (f.levels.indexOf(LEVELS[c.level[i]]) < 0) return false;
    if (f.cell && c.code[i] !== f.cell) return false;
    var v = c.villages[c.village[i]];
    if (f.village && v[0] !== f.village) return false;
    if (f.town && c.towns[v[1]] !== f.town) return false;
    if (f.hazard) {
      var h = M.hazardFigures(i);
      var key = { open: "open", overdue: "overdue", major_open: "major_open", listed: "listed_open",
                  major_overdue: "major_overdue", major_stock: "major_stock_open",
                  major_increment: "major_increment_year" }[f.hazard];
      if (!h[key]) return false;
    }
    return true;
  };

  function cellStyle(i) {
    var c = state.cells, level = LEVELS[c.level[i]];
    var h = M.hazardFigures(i);
    var on = M.cellMatches(i);
    if (!on) {
      return { color: "#999", weight: 0.6, opacity: 0.6, fillColor: "#bbb", fillOpacity: 0.08, dashArray: null };
    }
    if (h.overdue > 0) {
      return { color: "#111", weight: 3, opacity: 1, fillColor: M.config.colours[level], fillOpacity: M.FILL, dashArray: null };
    }
    return { color: "#ffffff", weight: 1, opacity: 0.9, fillColor: M.config.colours[level], fillOpacity: M.FILL, dashArray: null };
  }

  M.drawCells = function (data) {
    state.cells = data;
    var n = data.code.length;
    var renderer = n > 3000 ? L.canvas({ padding: 0.3 }) : L.svg({ padding: 0.3 });
    var q = data.quantum, ox = data.origin[0], oy = data.origin[1];
    var overdueLayers = [];
    for (var i = 0; i < n; i++) {
      var poly = L.polygon(M.decodeGeometry(data.geom[i], q, ox, oy),
        Object.assign({ renderer: renderer, className: "gm-cell gm-cell-" + LEVELS[data.level[i]] }, cellStyle(i)));
      poly.gmIndex = i;
      poly.on("click", onCellClick);
      state.polygons.push(poly);
      F.cells.addLayer(poly);
      if (data.hazards[i][1] > 0) overdueLayers.push(poly);
    }
    overdueLayers.forEach(function (p) { p.bringToFront(); });
    Object.keys(data.badge).forEach(function (k) {
      var i = Number(k), at = data.badge[k], n = data.hazards[i][3];
      var badge = el("span", { className: "gm-badge", text: T.badge_listed + (n > 1 ? n : "") });
      var marker = L.marker([at[1], at[0]], {
        icon: L.divIcon({ className: "gm-badge-icon", html: badge, iconSize: null }),
        keyboard: false, interactive: true, zIndexOffset: 1000,
      });
      marker.gmIndex = i;
      marker.on("click", onCellClick);
      F.cells.addLayer(marker);
    });
    if (M.HOVER) {
      F.cells.bindTooltip(function (layer) {
        var i = layer.gmIndex;
        if (i === undefined) return "";
        return el("span", null, [state.cells.name[i] + " ", el("small", { text: state.cells.code[i] })]);
      }, { sticky: true, className: "gm-tooltip", direction: "top" });
    }
  };

  // the swatches of the legend, the filters and the headline at the cells' own opacity
  M.paintSwatches = function () {
    document.querySelectorAll("#map-legend .swatch, #f-levels .swatch, #headline .swatch").forEach(function (s) {
      s.style.opacity = String(M.FILL);
    });
  };

  function inRing(ring, x, y) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i].lng, yi = ring[i].lat, xj = ring[j].lng, yj = ring[j].lat;
      if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }

  // the cell under a place on the map (-1: none); a tap on a cluster asks this
  M.cellAt = function (latlng) {
    for (var i = 0; i < state.polygons.length; i++) {
      var poly = state.polygons[i];
      if (!poly.getBounds().contains(latlng)) continue;
      var rings = poly.getLatLngs(), parts = L.LineUtil.isFlat(rings[0]) ? [rings] : rings;
      for (var k = 0; k < parts.length; k++) {
        var hit = inRing(parts[k][0], latlng.lng, latlng.lat);
        for (var h = 1; hit && h < parts[k].length; h++) if (inRing(parts[k][h], latlng.lng, latlng.lat)) hit = false;
        if (hit) return i;
      }
    }
    return -1;
  };

  // the bounds of the cells passing the filters (null: none)
  M.matchingBounds = function () {
    var bounds = null;
    for (var i = 0; i < state.polygons.length; i++) {
      if (!M.cellMatches(i)) continue;
      var b = state.polygons[i].getBounds();
      bounds = bounds ? bounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast());
    }
    return bounds;
  };

  M.restyleCells = function () {
    for (var i = 0; i < state.polygons.length; i++) state.polygons[i].setStyle(cellStyle(i));
  };

  function onCellClick(e) {
    L.DomEvent.stopPropagation(e);
    M.openCell(e.target.gmIndex, e.latlng);
  }

  M.cellIndex = function (code) {
    return state.cells ? state.cells.code.indexOf(code) : -1;
  };

  // exact geometry by tile once zoomed in past the overview's precision
  M.loadExactTiles = function () {
    var c = state.cells;
    if (!c || map.getZoom() < c.detail.from_zoom || !map.hasLayer(F.cells)) return;
    var z = c.detail.tile_zoom, b = map.getBounds();
    var nw = map.project(b.getNorthWest(), z).divideBy(256).floor();
    var se = map.project(b.getSouthEast(), z).divideBy(256).floor();
    for (var x = nw.x; x <= se.x; x++) {
      for (var y = nw.y; y <= se.y; y++) {
        var key = z + "/" + x + "/" + y;
        if (state.tilesLoaded[key]) continue;
        state.tilesLoaded[key] = true;
        M.fetchJSON(M.config.urls.tile + key).then(applyExact).catch(function () {});
      }
    }
  };

  function applyExact(tile) {
    var q = tile.quantum, ox = tile.origin[0], oy = tile.origin[1];
    tile.code.forEach(function (code, k) {
      var i = M.cellIndex(code);
      if (i < 0 || state.exact[i]) return;
      state.exact[i] = true;
      state.polygons[i].setLatLngs(M.decodeGeometry(tile.geom[k], q, ox, oy));
    });
  }
})(window.geoappMapApp);
