/* The leader's map, shared core: the page's config and texts, the Leaflet map, the state
 * every module reads, and small DOM helpers. The other scripts in static/map/ add to the
 * one namespace window.geoappMapApp (M); main.js starts them.
 *
 * Every text from the data reaches the DOM through textContent or attribute setters,
 * never innerHTML; UI strings come translated from the page (config.t).
 * For drivers (tests): window.geoappMap is the Leaflet map, window.geoappReady resolves
 * when cells and the first points are drawn, window.geoappMapUi has helpers.
 */
(function () {
  "use strict";

  var config = window.geoappDom.config();
  var F = window.geoappFolium;
  var el = window.geoappDom.el;  // static/dom.js: text only, never HTML

  // THE place where the Leaflet map object comes in (folium's skeleton made it): anything
  // that adds to every map (a basemap, controls) hooks in here, once.
  var map = F.map;
  window.geoappMap = map;
  window.geoappBasemap.add(map, F.control);  // base layers: static/basemap.js
  // without a basemap nothing else sets these; markercluster needs a maximum zoom
  if (map.options.maxZoom === undefined) map.setMaxZoom(19);
  L.control.scale({ imperial: false }).addTo(map);
  if (map.attributionControl) map.attributionControl.setPrefix(false);  // no flag, no ad

  var M = window.geoappMapApp = {
    config: config, T: config.t, F: F, map: map, el: el,
    LEVELS: ["red", "orange", "yellow", "blue"],
    // cells are filled at this opacity, and the legend's and headline's swatches are shown
    // at the same one, so that the colour on the map is the colour in the legend
    FILL: 0.72,
    // tooltips only where there is a mouse: on a touch screen a tap would leave them open
    HOVER: !!(window.matchMedia && window.matchMedia("(hover: hover)").matches),
  };

  M.state = {
    cells: null,          // the decoded /api/map/cells payload
    polygons: [],         // one Leaflet polygon per cell, by index
    exact: {},            // cell index -> true once exact geometry replaced the overview
    tilesLoaded: {},
    filters: { town: "", village: "", cell: "", levels: M.LEVELS.slice(), hazard: "", outside: "", visit: "" },
    pointsAbort: null,
    lastPoints: null,
    allPoints: false,     // the user asked for every point even at the territory's zoom
    homeZoom: null,       // the zoom that shows the whole territory (set by fitTerritory)
  };

  M.row = function (label, value) {
    var v = value instanceof Node ? value : document.createTextNode(value === null || value === undefined ? "—" : String(value));
    return el("tr", null, [el("th", { text: label }), el("td", null, [v])]);
  };

  M.levelPill = function (level) {
    return el("span", { className: "pill gm-lv-" + level, text: M.T.levels[level] || level });
  };

  M.setStatus = function (text) {
    document.getElementById("map-status").textContent = text;
  };

  // run ``fn`` once the map is not zooming: a view set during Leaflet's zoom animation is
  // undone when the animation ends
  M.whenStill = function (fn) {
    if (map._animatingZoom) map.once("zoomend", function () { M.whenStill(fn); }); else fn();
  };

  M.clear = function (node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  };
})();
