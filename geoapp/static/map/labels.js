/* The leader's map: names on the map. Village outlines and names at every zoom (from
 * village_geom / village_at of /api/map/cells); cell names once few enough cells are in
 * view to read them. Both sit in panes that let taps through to the cells below. */
(function (M) {
  "use strict";

  var state = M.state, map = M.map, el = M.el;
  var MAX_CELL_LABELS = 80;   // more names than this in view are unreadable
  var villageLayer = L.layerGroup(), cellLabels = L.layerGroup();

  function pane(name, z) {
    var p = map.createPane(name);
    p.style.zIndex = String(z);
    p.style.pointerEvents = "none";
    return name;
  }

  function label(at, text, className) {
    return L.marker([at[1], at[0]], {
      pane: "gmLabels", interactive: false, keyboard: false,
      icon: L.divIcon({ className: "gm-label-icon", html: el("span", { className: className, text: text }), iconSize: null }),
    });
  }

  M.drawVillages = function (data) {
    pane("gmVillages", 420);   // above the cells (400), below the points (600)
    pane("gmLabels", 590);
    villageLayer.clearLayers();
    var geoms = data.village_geom || [], q = data.quantum, ox = data.origin[0], oy = data.origin[1];
    geoms.forEach(function (g) {
      if (!g.length) return;
      villageLayer.addLayer(L.polygon(M.decodeGeometry(g, q, ox, oy), {
        pane: "gmVillages", interactive: false, fill: false, color: "#1f2a36", weight: 2.2,
        opacity: 0.85, dashArray: "6 4", className: "gm-village",
      }));
    });
    villageLayer.addTo(map);
    cellLabels.addTo(map);
  };

  // Room for a name on screen: a box around it (CJK about 1 em a character) that meets no
  // name placed before; names that would overlap are left out until zoomed in.
  function placer() {
    var taken = [];
    return function (at, text, px) {
      var p = map.latLngToContainerPoint([at[1], at[0]]);
      var w = 0;
      for (var k = 0; k < text.length; k++) w += text.charCodeAt(k) > 255 ? px : px * 0.6;
      var box = [p.x - w / 2 - 3, p.y - px, p.x + w / 2 + 3, p.y + px];
      for (var t = 0; t < taken.length; t++) {
        var o = taken[t];
        if (box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3]) return false;
      }
      taken.push(box);
      return true;
    };
  }

  // the names in view: villages' always (where they fit), cells' when few enough cells
  // are in view to read them
  M.updateCellLabels = function () {
    cellLabels.clearLayers();
    var c = state.cells;
    if (!c || !c.label_at) return;
    var b = map.getBounds(), fits = placer(), small = window.innerWidth <= 700;
    (c.village_at || []).forEach(function (at, v) {
      if (b.contains([at[1], at[0]]) && fits(at, c.villages[v][0], small ? 12 : 13)) {
        cellLabels.addLayer(label(at, c.villages[v][0], "gm-village-label"));
      }
    });
    if (!map.hasLayer(M.F.cells)) return;
    var inView = [];
    for (var i = 0; i < c.code.length; i++) {
      var at = c.label_at[i];
      if (at && b.contains([at[1], at[0]])) inView.push(i);
      if (inView.length > MAX_CELL_LABELS) return;
    }
    inView.forEach(function (i) {
      var at = [c.label_at[i][0], c.label_at[i][1]];
      if (!fits([at[0], at[1]], c.name[i], 11)) return;
      cellLabels.addLayer(label(at, c.name[i], "gm-cell-label" + (M.cellMatches(i) ? "" : " gm-dim")));
    });
  };
})(window.geoappMapApp);
