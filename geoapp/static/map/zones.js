/* The leader's map: functional zones (功能区). Off at first; the first time the layer is
 * switched on (layer control or the filter panel) /api/map/zones is fetched and each zone
 * drawn as an outline in its grade's colour (A–D → the four risk colours, one scale:
 * geoapp.domain.zone_grades) over a dark casing, so an A zone's red line still shows on
 * red cells, with its name and grade as a label. The outlines let taps through to the
 * cells below; the label opens the zone's popup (grade, score, date, body, its page). */
(function (M) {
  "use strict";

  var map = M.map, F = M.F, T = M.T, el = M.el;
  var loading = null;

  function pane(name, z, taps) {
    var p = map.createPane(name);
    p.style.zIndex = String(z);
    if (!taps) p.style.pointerEvents = "none";
    return name;
  }

  function popup(p) {
    var grade = p.grade ? T.grades[p.grade] || p.grade : T.zone_ungraded;
    var rows = [[T.zone_kind, p.kind], [T.zone_grade, grade]];
    if (p.grade_source === "assessment") {
      rows.push([T.zone_assessed, p.assessed_on]);
    } else if (p.grade_source === "ledger") {
      rows.push([T.zone_score, T.zone_from_ledger + " " + p.park_score]);
    }
    return el("div", { className: "gm-zone-popup" },
      el("b", { text: p.name }), " ", el("code", { text: p.code }),
      el("table", {}, rows.map(function (r) {
        return el("tr", {}, el("th", { text: r[0] }), el("td", { text: r[1] }));
      })),
      el("a", { href: M.config.urls.zone_page + encodeURIComponent(p.code), text: T.open_zone_page }));
  }

  function draw(doc) {
    pane("gmZones", 430, false);       // above the cells and village lines, below the labels
    pane("gmZoneLabels", 595, true);   // the labels take taps: they open the popup
    F.zones.clearLayers();
    doc.zones.features.forEach(function (f) {
      var p = f.properties, colour = p.colour || "#6b7280";
      var data = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
      var rings = data.map(function (poly) {
        return poly.map(function (ring) { return ring.map(function (c) { return [c[1], c[0]]; }); });
      });
      F.zones.addLayer(L.polygon(rings, { pane: "gmZones", interactive: false, fill: false,
        color: "#1f2a36", weight: 6, opacity: 0.85 }));
      F.zones.addLayer(L.polygon(rings, { pane: "gmZones", interactive: false, fillColor: colour,
        fillOpacity: 0.08, color: colour, weight: 3, opacity: 1, dashArray: "10 5",
        className: "gm-zone gm-zone-" + (p.grade || "none") }));
      var label = el("span", { className: "gm-zone-label", dataset: { zone: p.code } },
        el("b", { className: "gm-zone-grade", dataset: { swatch: colour }, text: p.grade || "–" }),
        el("span", { text: p.name }));
      window.geoappDom.paintSwatches(label);
      F.zones.addLayer(L.marker([p.label_at[1], p.label_at[0]], {
        pane: "gmZoneLabels", keyboard: true, title: p.name,
        icon: L.divIcon({ className: "gm-label-icon", html: label, iconSize: null }),
      }).bindPopup(function () { return popup(p); }));
    });
  }

  function load() {
    if (!loading) {
      loading = M.fetchJSON(M.config.urls.zones).then(draw).catch(function (err) {
        loading = null;  // tried again when the layer is next switched on
        M.setStatus(T.zones_failed);
        if (window.console) console.error(err);
      });
    }
    return loading;
  }

  F.zones.on("add", load);
  if (map.hasLayer(F.zones)) load();
  // for drivers (tests): resolves once the zones are drawn
  M.loadZones = load;
})(window.geoappMapApp);
