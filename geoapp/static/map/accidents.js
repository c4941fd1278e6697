/* The leader's map: the accidents layer (生产安全事故), switched on in the filter panel. Its
 * points come from /api/accidents.geojson (the reader's area only), each a red-bordered
 * black diamond whose popup gives the accident's figures. Texts come from the checkbox's
 * data-t; every value reaches the DOM through textContent (static/dom.js). */
(function (M) {
  "use strict";
  var box = document.getElementById("f-accident-layer");
  if (!box) return;
  var map = M.map, el = M.el, t = JSON.parse(box.dataset.t);
  // their own pane above the point layers and clusters (markerPane is 600): an accident is
  // never hidden under the enterprise it happened at
  map.createPane("accidents").style.zIndex = 640;
  var group = L.layerGroup(), loaded = null;
  // the diamond is an inner element (fixed markup, no data): Leaflet places the icon itself
  // by its transform, which a rotation on it would undo
  var icon = L.divIcon({ className: "gm-accident", iconSize: [16, 16],
                         html: '<span class="gm-accident-shape"></span>' });

  function popup(p) {
    var rows = [
      [t.grade, p.grade_label], [t.deaths, p.deaths], [t.serious, p.serious_injuries],
      [t.injuries, p.injuries], [t.loss, p.loss], [t.state, p.state_label],
      [t.place, p.address || "—"], [t.unit, p.enterprise || "—"]];
    return el("div", { className: "gm-accident-popup" }, [
      el("strong", { text: p.code + " · " + p.occurred_on + " · " + p.type_label }),
      el("table", null, rows.map(function (r) { return M.row(r[0], r[1]); }))]);
  }

  function load() {
    if (loaded) return loaded;
    loaded = M.fetchJSON(box.dataset.url).then(function (data) {
      data.features.forEach(function (f) {
        var c = f.geometry.coordinates;
        var marker = L.marker([c[1], c[0]], { icon: icon, keyboard: true, pane: "accidents",
                                              title: f.properties.code });
        marker.bindPopup(function () { return popup(f.properties); });
        marker.feature = f;
        group.addLayer(marker);
      });
      document.getElementById("f-accident-count").textContent = String(data.features.length);
    }).catch(function (err) {
      loaded = null;
      M.setStatus(t.failed);
      if (window.console) console.error(err);
    });
    return loaded;
  }

  box.addEventListener("change", function () {
    if (box.checked) { load(); map.addLayer(group); } else map.removeLayer(group);
  });
  window.geoappAccidents = { layer: group, load: load };
})(window.geoappMapApp);
