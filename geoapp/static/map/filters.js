/* The leader's map: the filter panel (area, levels, layers, hazards, visits) and what it
 * changes — the cells' styles, the counts, the points loaded. */
(function (M) {
  "use strict";

  var state = M.state, map = M.map, F = M.F, el = M.el, T = M.T;

  // a longer cell list (GEOAPP_MAP_CELL_OPTIONS) is read by no one, and a province's 10⁵
  // options took the page seconds to lay out: past it the list waits for a town or village
  var MAX_CELL_OPTIONS = M.config.cell_options;

  function option(value, label) {
    return el("option", { value: value, text: label });
  }

  function refill(select, entries) {
    var keep = select.value;
    while (select.options.length > 1) select.remove(1);
    entries.forEach(function (e) { select.appendChild(option(e[0], e[1])); });
    select.value = entries.some(function (e) { return e[0] === keep; }) ? keep : "";
  }

  M.fillAreaSelects = function () {
    var c = state.cells, f = state.filters;
    refill(document.getElementById("f-town"), c.towns.map(function (t) { return [t, t]; }));
    var seen = Object.create(null), villages = [];
    c.villages.forEach(function (v) {
      if ((!f.town || c.towns[v[1]] === f.town) && !seen[v[0]]) { seen[v[0]] = true; villages.push([v[0], v[0]]); }
    });
    refill(document.getElementById("f-village"), villages);
    var cells = [];
    for (var i = 0; i < c.code.length; i++) {
      var v = c.villages[c.village[i]];
      if (f.town && c.towns[v[1]] !== f.town) continue;
      if (f.village && v[0] !== f.village) continue;
      cells.push([c.code[i], c.code[i] + " " + c.name[i]]);
    }
    var select = document.getElementById("f-cell");
    select.disabled = cells.length > MAX_CELL_OPTIONS;
    select.options[0].textContent = select.disabled ? T.cells_pick_area : T.all;
    refill(select, select.disabled ? [] : cells);
  };

  M.readFilters = function () {
    var f = state.filters;
    f.town = document.getElementById("f-town").value;
    f.village = document.getElementById("f-village").value;
    f.cell = document.getElementById("f-cell").value;
    f.hazard = document.getElementById("f-hazard").value;
    f.outside = document.getElementById("f-outside").value;
    var visit = document.querySelector("#f-visits input:checked");
    f.visit = visit ? visit.value : "";
    f.levels = Array.prototype.slice.call(document.querySelectorAll("#f-levels input:checked"))
      .map(function (x) { return x.value; });
  };

  // after a filter changed, show what matches: the matching cells, or for a filter on the
  // points alone (outside every cell, a visit status) the matching points; no filter at all
  // brings the whole territory back
  var zoomSeq = 0;  // only the latest change zooms (an earlier answer may come late)
  M.zoomToMatches = function () {
    var f = state.filters, seq = ++zoomSeq;
    var any = f.town || f.village || f.cell || M.pointFilterOn();
    if (!any) { M.whenStill(M.fitTerritory); return Promise.resolve(); }
    if (!(f.outside === "only" || f.visit)) {
      var bounds = M.matchingBounds();
      if (bounds) M.whenStill(function () { map.fitBounds(bounds, { padding: [24, 24], maxZoom: 17, animate: false }); });
      return Promise.resolve();
    }
    return M.matchingPoints().then(function (data) {
      if (seq !== zoomSeq) return;
      var at = data.points.map(function (p) { return [p[4], p[3]]; })
        .concat((data.clusters || []).map(function (c) { return [c[2], c[1]]; }));
      if (at.length) M.whenStill(function () { map.fitBounds(L.latLngBounds(at), { padding: [40, 40], maxZoom: 16, animate: false }); });
    }).catch(function () {});
  };

  M.filtersChanged = function (id) {
    M.readFilters();
    if (id === "f-town" || id === "f-village") { M.fillAreaSelects(); M.readFilters(); }
    M.restyleCells();
    M.updateCounts();
    M.updateCellLabels();
    M.showEmpty();
    M.zoomToMatches();
    M.loadPoints();
    M.refreshList();
  };

  function onFilterChange(e) {
    M.filtersChanged(e && e.target ? e.target.id : "");
  }

  // every filter back to "all"; ``quiet``: without reloading (the caller sets one next)
  M.resetFilters = function (quiet) {
    ["f-town", "f-village", "f-cell", "f-hazard", "f-outside"].forEach(function (id) {
      document.getElementById(id).value = "";
    });
    document.querySelectorAll("#f-levels input").forEach(function (box) { box.checked = true; });
    document.querySelector("#f-visits input[value='']").checked = true;
    M.readFilters(); M.fillAreaSelects(); M.readFilters();
    if (!quiet) { M.closeList(); M.filtersChanged(""); }
  };

  // a check box's words: its label's own text (not the counts or swatches in it)
  function labelText(input) {
    return Array.prototype.filter.call(input.parentNode.childNodes, function (n) { return n.nodeType === 3; })
      .map(function (n) { return n.textContent; }).join("").trim();
  }

  // the filters in force, in the words of the panel (for "nothing matches: …")
  function describeFilters() {
    var f = state.filters, parts = [];
    ["f-town", "f-village", "f-cell", "f-hazard", "f-outside"].forEach(function (id) {
      var sel = document.getElementById(id);
      if (sel.value) parts.push(sel.options[sel.selectedIndex].textContent.trim());
    });
    if (f.levels.length < 4) {
      parts.push(Array.prototype.map.call(document.querySelectorAll("#f-levels input:checked"), labelText)
        .join("/") || T.no_level);
    }
    var visit = document.querySelector("#f-visits input:checked");
    if (f.visit && visit) parts.push(labelText(visit));
    return parts.join("、");
  }

  // nothing matches: say why and offer to clear (a grey map with "0" says nothing)
  M.showEmpty = function () {
    var box = document.getElementById("map-empty"), f = state.filters;
    var any = f.town || f.village || f.cell || M.pointFilterOn();
    var cells = 0;
    for (var i = 0; state.cells && i < state.cells.code.length; i++) if (M.cellMatches(i)) cells++;
    var p = state.lastPoints, text = "";
    if (any && !cells && !(f.outside === "only")) text = T.empty_cells;
    else if (any && p && p.total === 0) text = T.empty_points;
    box.hidden = !text;
    if (text) document.getElementById("map-empty-text").textContent = text + " — " + T.filters_in_force + describeFilters();
  };

  M.updateCounts = function () {
    if (!state.cells) return;
    var n = 0;
    for (var i = 0; i < state.cells.code.length; i++) if (M.cellMatches(i)) n++;
    var p = state.lastPoints;
    var text = T.cell + " " + n + " / " + state.cells.code.length;
    if (p) text += " · " + T.points_shown + " " + p.total + " (" + T.outside + " " + p.outside + ")";
    document.getElementById("f-counts").textContent = text;
  };

  // a checkbox's overlay: the cells, the zones (static/map/zones.js) or a point layer
  function overlayOf(value) {
    return value === "cells" ? F.cells : value === "zones" ? F.zones : F.layers[value];
  }

  function syncLayerChecks() {
    document.querySelectorAll("#f-layers input").forEach(function (box) {
      var layer = overlayOf(box.value);
      box.checked = map.hasLayer(layer);
    });
  }

  M.wireFilters = function () {
    ["f-town", "f-village", "f-cell", "f-hazard", "f-outside"].forEach(function (id) {
      document.getElementById(id).addEventListener("change", onFilterChange);
    });
    document.querySelectorAll("#f-levels input, #f-visits input").forEach(function (box) {
      box.addEventListener("change", onFilterChange);
    });
    document.querySelectorAll("#f-layers input").forEach(function (box) {
      box.addEventListener("change", function () {
        var layer = overlayOf(box.value);
        if (box.checked) map.addLayer(layer); else map.removeLayer(layer);
      });
    });
    map.on("overlayadd overlayremove layeradd layerremove", function () { syncLayerChecks(); });
    map.on("overlayadd overlayremove", function (e) {
      if (e.layer === F.zones) return;  // drawn by zones.js; the points stay as they are
      if (e.layer !== F.cells) M.loadPoints(); else M.loadExactTiles();
    });
    document.getElementById("f-reset").addEventListener("click", function () { M.resetFilters(); });
    document.getElementById("map-empty-clear").addEventListener("click", function () { M.resetFilters(); });
    document.getElementById("f-all-points").addEventListener("change", function (e) {
      state.allPoints = e.target.checked;
      M.loadPoints();
    });
  };

  // the filter panel: beside the map on wide screens (open), over it on phones (closed)
  function panelOpen() {
    var panel = document.getElementById("map-filters");
    if (panel.classList.contains("open")) return true;
    if (panel.classList.contains("closed")) return false;
    return window.innerWidth > 700;
  }

  M.setPanel = function (open) {
    var panel = document.getElementById("map-filters");
    panel.classList.toggle("open", open);
    panel.classList.toggle("closed", !open);
    document.getElementById("filters-toggle").setAttribute("aria-expanded", open ? "true" : "false");
    map.invalidateSize();
  };

  M.wirePanel = function () {
    document.getElementById("filters-toggle").addEventListener("click", function () {
      M.setPanel(!panelOpen());
    });
    M.setPanel(panelOpen());
    document.getElementById("legend-more").open = window.innerWidth > 700;
  };
})(window.geoappMapApp);
