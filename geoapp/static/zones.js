/* /zones/<code>: a new assessment through POST /api/zones/<code>/assessments
 * (geoapp.web.zones). On success the page reloads: the grade in force and the history
 * are the server's; a refusal names its field, which is marked and focused. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("page-config").textContent), t = config.t;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var form = document.getElementById("assessment-form");
  var out = form.querySelector(".error"), ok = form.querySelector(".ok");

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    out.textContent = ""; ok.textContent = "";
    form.querySelectorAll("[aria-invalid]").forEach(function (n) { n.removeAttribute("aria-invalid"); });
    var body = {};
    ["assessed_on", "score", "grade", "body", "note"].forEach(function (name) {
      var v = form.elements[name].value.trim();
      if (v !== "") body[name] = name === "score" && !isNaN(Number(v)) ? Number(v) : v;
    });
    form.querySelector("button").disabled = true;
    fetch(config.url, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify(body)})
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (d) {
          if (r.ok) { ok.textContent = t.saved; window.location.reload(); return; }
          var field = d.field && form.elements[d.field];
          out.textContent = (field ? field.parentNode.firstChild.textContent.trim() + "：" : "") +
            (d.message || t.failed);
          if (field) { field.setAttribute("aria-invalid", "true"); field.focus(); }
          form.querySelector("button").disabled = false;
        });
      }).catch(function () { out.textContent = t.failed; form.querySelector("button").disabled = false; });
  });
})();
