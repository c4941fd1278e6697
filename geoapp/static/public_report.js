/* The public's report form (/report): the place from the phone's position or a tap on the map
 * (WGS84 both: Leaflet and the Geolocation API speak WGS84), then a multipart POST to
 * /api/public-reports with the page's CSRF token; the answer's receipt code is shown.
 * Every text reaches the DOM through textContent (static/dom.js), never innerHTML.
 * For drivers (tests): window.prMap is the Leaflet map.
 */
(function () {
  "use strict";

  var config = window.geoappDom.config();
  var T = config.t;
  var $ = function (id) { return document.getElementById(id); };

  var map = L.map("pr-map", { zoomSnap: 0.5, maxZoom: 19 });
  window.prMap = map;
  map.attributionControl.setPrefix(false);  // Leaflet's credit carries a flag: removed
  config.tiles.forEach(function (url) {
    L.tileLayer(url, { subdomains: "01234567", maxZoom: 18, attribution: "© 天地图" }).addTo(map);
  });
  if (config.bounds) {
    var b = config.bounds;
    map.fitBounds([[b[1], b[0]], [b[3], b[2]]]);
  } else {
    map.setView([31.5, 120.3], 11);
  }
  L.control.scale({ imperial: false }).addTo(map);
  var marker = null;

  function fmt(v) { return (Math.round(v * 1e6) / 1e6).toFixed(6); }

  function setPlace(lat, lon, text) {
    $("pr-lat").value = fmt(lat);
    $("pr-lon").value = fmt(lon);
    if (marker) marker.setLatLng([lat, lon]);
    else marker = L.marker([lat, lon]).addTo(map);
    $("pr-place").textContent = text + "（" + fmt(lon) + ", " + fmt(lat) + "）";
  }

  map.on("click", function (e) { setPlace(e.latlng.lat, e.latlng.lng, T.tapped); });

  $("pr-locate").addEventListener("click", function () {
    if (!navigator.geolocation) { $("pr-place").textContent = T.no_location; return; }
    $("pr-place").textContent = T.locating;
    navigator.geolocation.getCurrentPosition(function (pos) {
      var c = pos.coords;
      setPlace(c.latitude, c.longitude, T.located.replace("%(m)s", Math.round(c.accuracy)));
      map.setView([c.latitude, c.longitude], Math.max(map.getZoom(), 16));
    }, function () {
      $("pr-place").textContent = T.no_location;
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });

  function showError(text) {
    $("pr-error").textContent = text;
    $("pr-error").hidden = false;
  }

  $("pr-form").addEventListener("submit", function (e) {
    e.preventDefault();
    $("pr-error").hidden = true;
    if (!$("pr-lon").value) { showError(T.need_place); return; }
    if ($("pr-photos").files.length > config.max_photos) {
      showError(T.too_many.replace("%(n)s", config.max_photos));
      return;
    }
    var button = $("pr-submit");
    button.disabled = true;
    button.dataset.label = button.dataset.label || button.textContent;
    button.textContent = T.sending;
    fetch(config.urls.file, { method: "POST", body: new FormData($("pr-form")),
                              credentials: "same-origin" })
      .then(function (r) {
        return r.json().then(function (body) { return { ok: r.ok, body: body }; });
      })
      .then(function (res) {
        if (!res.ok) { showError(T.failed + (res.body.message || "")); return; }
        $("pr-form").hidden = true;
        $("pr-code").textContent = res.body.code;
        $("pr-follow").setAttribute("href", res.body.url);
        $("pr-done").hidden = false;
      })
      .catch(function () { showError(T.network); })
      .then(function () { button.disabled = false; button.textContent = button.dataset.label; });
  });

  $("pr-lookup").addEventListener("submit", function (e) {
    e.preventDefault();
    var code = $("pr-lookup-code").value.trim();
    if (code) window.location.href = $("pr-lookup").getAttribute("action")
      .replace("CODE", encodeURIComponent(code));
  });
})();
