/* /admin/basemap: upload a basemap file (checked on the server, then put in place) or
 * remove it, through /api/admin/basemap (geoapp.web.basemap); the page reloads to show
 * the basemap now installed. A refused file's reason is shown as the server words it. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("page-config").textContent);
  var t = config.t;
  var token = document.querySelector('meta[name="csrf-token"]').content;
  var form = document.getElementById("upload-form");
  var error = form.querySelector(".error");
  var status = form.querySelector(".status");
  var remove = document.getElementById("remove");

  function send(method, body) {
    return fetch(config.api, {
      method: method, credentials: "same-origin", body: body, headers: { "X-CSRFToken": token },
    }).then(function (r) {
      if (r.status === 413) throw new Error(t.too_large);
      return r.json().catch(function () { return { message: t.failed }; }).then(function (data) {
        if (!r.ok) throw new Error(data.message || t.failed);
        return data;
      });
    });
  }

  function failed(e) {
    status.textContent = "";
    error.textContent = e.message;
    form.querySelector("button").disabled = false;
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    error.textContent = "";
    status.textContent = t.uploading;
    form.querySelector("button").disabled = true;
    send("POST", new FormData(form)).then(function () { location.reload(); }, failed);
  });

  if (remove) remove.addEventListener("click", function () {
    if (!window.confirm(t.confirm_remove)) return;
    send("DELETE").then(function () { location.reload(); }, failed);
  });
})();
