/* /account: change one's own password through POST /api/me/password (geoapp.web.account). */
(function () {
  "use strict";
  var t = JSON.parse(document.getElementById("page-config").textContent).t;
  var token = document.querySelector('meta[name="csrf-token"]').content;
  var form = document.getElementById("password-form");
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var out = form.querySelector(".error");
    out.textContent = "";
    if (form.new.value !== form.again.value) { out.textContent = t.mismatch; return; }
    fetch("/api/me/password", {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token},
      body: JSON.stringify({current: form.current.value, "new": form.new.value})})
      .then(function (r) {
        if (r.ok) { form.reset(); out.textContent = t.saved; return; }
        return r.json().then(function (d) { out.textContent = d.message || t.failed; });
      }).catch(function () { out.textContent = t.failed; });
  });
})();
