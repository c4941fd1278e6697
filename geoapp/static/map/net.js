/* The leader's map: fetching JSON from the app, and what the page shows while it does —
 * a loading veil until the cells are in, a banner with 重试 when a load failed or the
 * network is gone, and points greyed out ("gm-stale") whenever they may be out of date,
 * so that old points are never presented as current. */
(function (M) {
  "use strict";

  var T = M.T;
  var retry = null;   // what 重试 runs: the last load that failed

  // a worker that has just started answers 503 "preparing" with Retry-After while it builds
  // the map's data (geoapp.web.warmup): say so and ask again, the veil staying up
  var PREPARING_TRIES = 90;

  M.fetchJSON = function (url, options, tries) {
    return fetch(url, Object.assign({ credentials: "same-origin", headers: { Accept: "application/json" } }, options || {}))
      .then(function (r) {
        var left = tries === undefined ? PREPARING_TRIES : tries;
        if (r.status === 503 && left > 0 && r.headers.get("Retry-After")) {
          var wait = Math.min(10, Number(r.headers.get("Retry-After")) || 2) * 1000;
          return r.json().catch(function () { return {}; }).then(function (body) {
            if (body && body.error === "preparing") {
              M.setStatus(body.message);
              // said on the veil itself (its role=status reads it out), not only in the corner
              document.getElementById("map-loading").textContent = body.message;
            }
            return new Promise(function (done) { setTimeout(done, wait); });
          }).then(function () { return M.fetchJSON(url, options, left - 1); });
        }
        if (!r.ok) throw new Error(r.status + " " + url);
        return r.json();
      });
  };

  function area() { return document.querySelector(".map-area"); }

  // the veil over the map while the cells load (a blank map says nothing)
  M.loading = function (on) {
    document.getElementById("map-loading").hidden = !on;
    area().classList.toggle("gm-busy", !!on);
  };

  function banner(text) {
    document.getElementById("map-banner-text").textContent = text;
    document.getElementById("map-banner").hidden = false;
  }

  // a load failed: say so, grey out what is on the map, offer to load again
  M.failed = function (what, again) {
    retry = again;
    area().classList.add("gm-stale");
    var offline = navigator.onLine === false;
    banner((offline ? T.offline : T.load_failed) + " · " + (what === "cells" ? T.cells_failed : T.stale_points));
    M.setStatus(T.failed);
  };

  // a load succeeded: what is shown is current again
  M.loaded = function () {
    retry = null;
    area().classList.remove("gm-stale");
    document.getElementById("map-banner").hidden = true;
  };

  M.wireNet = function () {
    document.getElementById("map-retry").addEventListener("click", function () {
      if (retry) retry();
    });
    window.addEventListener("offline", function () {
      area().classList.add("gm-stale");
      banner(T.offline + " · " + T.stale_points);
    });
    // back online: load again what failed (or the points, which may have changed)
    window.addEventListener("online", function () {
      if (retry) retry(); else if (M.state.cells) M.loadPoints();
    });
  };
})(window.geoappMapApp);
