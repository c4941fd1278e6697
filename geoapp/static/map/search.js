/* The leader's map: search by name (/api/map/search); a result opens its point. */
(function (M) {
  "use strict";

  var map = M.map, el = M.el, T = M.T;

  M.wireSearch = function () {
    var form = document.getElementById("search-form"), list = document.getElementById("search-results");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var q = document.getElementById("search-input").value.trim();
      M.clear(list);
      if (!q) return;
      M.fetchJSON(M.config.urls.search + "?" + new URLSearchParams({ q: q }).toString()).then(function (data) {
        if (!data.results.length) list.appendChild(el("li", { className: "muted", text: T.no_results }));
        data.results.forEach(function (r) {
          var btn = el("button", { type: "button", "data-id": String(r.id) }, [
            el("span", { className: "pill gm-lv-" + r.risk_level, text: T.levels[r.risk_level] || r.risk_level }), " ", r.name,
            el("small", { text: (T.layers[r.layer] || r.layer) + " · " + (r.cell_code || T.outside) }),
          ]);
          btn.addEventListener("click", function () {
            // at once (no animation): the popup then pans itself into view from a still map
            map.setView([r.lat, r.lon], Math.max(map.getZoom(), 17), { animate: false });
            M.openPoint(r.id, L.latLng(r.lat, r.lon));
            if (window.innerWidth <= 700) M.setPanel(false);
          });
          list.appendChild(el("li", null, [btn]));
        });
      }).catch(function () { list.appendChild(el("li", { text: T.failed })); });
    });
  };
})(window.geoappMapApp);
