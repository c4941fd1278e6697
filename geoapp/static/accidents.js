/* /accidents: record or edit an accident through POST /api/accidents and
 * PUT /api/accidents/<id> (geoapp.web.accidents); the page reloads to show the saved list. */
(function () {
  "use strict";
  var form = document.getElementById("accident-form");
  if (!form) return;  // a reader's page: no form
  var t = JSON.parse(document.getElementById("page-config").textContent).t;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var out = form.querySelector(".error");
  var title = document.getElementById("accident-form-title");
  var names = ["code", "occurred_on", "occurred_time", "type", "deaths", "serious_injuries",
    "injuries", "loss", "state", "lon", "lat", "address", "enterprise", "enterprise_id", "note", "authority"];

  document.querySelectorAll("#accidents button.edit").forEach(function (button) {
    button.addEventListener("click", function () {
      var a = JSON.parse(button.dataset.accident);
      names.forEach(function (name) {
        var v = a[name];
        form.elements[name].value = v === null || v === undefined ? "" : v;
      });
      form.dataset.id = a.id;
      title.textContent = t.edit.replace("{code}", a.code);
      form.scrollIntoView({block: "start"});
    });
  });
  form.addEventListener("reset", function () {
    form.dataset.id = "";
    title.textContent = t["new"];
    out.textContent = "";
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    out.textContent = "";
    var body = {};
    names.forEach(function (name) {
      var v = form.elements[name].value.trim();
      if (v !== "") body[name] = v;
    });
    var id = form.dataset.id;
    fetch(id ? "/api/accidents/" + id : "/api/accidents", {
      method: id ? "PUT" : "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify(body)})
      .then(function (r) {
        if (r.ok) { out.textContent = t.saved; window.location.reload(); return; }
        return r.json().then(function (d) {
          out.textContent = (d.message || t.failed) + (d.field ? "（" + d.field + "）" : "");
        });
      }).catch(function () { out.textContent = t.failed; });
  });
})();
