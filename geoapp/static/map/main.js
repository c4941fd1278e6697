/* The leader's map: starts the modules of static/map/ once the cells are loaded (again on
 * 重试 if they were not). */
(function (M) {
  "use strict";

  var state = M.state, map = M.map;

  // resolves once cells and the first points are drawn; a failed load waits for 重试
  // instead (the banner says so, and geoappMapFailed() tells drivers)
  var resolveReady;
  window.geoappReady = new Promise(function (res) { resolveReady = res; });

  // the whole territory, clear of the legend where there is room beside it
  function fitTerritory() {
    var b = state.cells && state.cells.bounds, legend = document.getElementById("map-legend");
    if (!b) return;
    var size = map.getSize(), pad = [10, 10];
    if (size.x > 700) pad = [legend.offsetWidth + 20, 10];
    else pad = [10, legend.offsetHeight + 10];
    state.fitting = true;
    map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { animate: false, paddingTopLeft: [10, 10], paddingBottomRight: pad });
    state.homeZoom = map.getZoom();
    state.fitting = false;
    state.autoFit = true;
  }
  M.fitTerritory = fitTerritory;

  function wireMap() {
    M.fillAreaSelects();
    M.wireFilters();
    M.wireHeadline();
    M.readFilters();
    map.on("moveend", function () { M.loadPoints(); M.loadExactTiles(); M.updateCellLabels(); });
    // until someone moves the map, keep the whole territory in view when the window resizes
    map.on("dragstart zoomstart", function () { if (!state.fitting) state.autoFit = false; });
    map.on("resize", function () { if (state.autoFit) fitTerritory(); });
    document.getElementById("map-home").addEventListener("click", function () {
      map.closePopup();
      M.whenStill(fitTerritory);
    });
  }

  function start() {
    M.loading(true);
    M.setStatus(M.T.loading);
    return M.fetchJSON(M.config.urls.cells).then(function (data) {
      M.loaded();
      M.drawCells(data);
      M.drawVillages(data);
      wireMap();
      if (data.bounds) fitTerritory();
      M.updateCounts();
      M.updateCellLabels();
      M.loadExactTiles();
      // the fit's own load of points (moveend) may replace this one: ready once drawn
      return M.doLoadPoints().then(M.pointsSettled);
    }).then(function () {
      M.loading(false);
      resolveReady(map);
    }).catch(function (err) {
      M.loading(false);
      M.failed("cells", start);
      if (window.console) console.error(err);
    });
  }

  M.wirePanel();
  M.wireSearch();
  M.wireNet();
  M.paintSwatches();
  start();
  window.geoappMapFailed = function () { return !document.getElementById("map-banner").hidden; };

  window.geoappMapUi = {
    state: state,
    openCell: function (code) { return M.openCell(M.cellIndex(code)); },
    openPoint: function (id) { return M.openPoint(id); },
    loadPoints: function () { return M.doLoadPoints(); },
    cellPolygon: function (code) { return state.polygons[M.cellIndex(code)]; },
    fitTerritory: function () { fitTerritory(); },
  };
})(window.geoappMapApp);
