/* /admin/accounts: create, save a row's changes, deactivate/activate, reset a password,
 * through /api/admin/accounts (geoapp.web.admin_accounts). A one-time password is shown
 * once in #one-time and nowhere else. */
(function () {
  "use strict";
  var t = JSON.parse(document.getElementById("page-config").textContent).t;
  var token = document.querySelector('meta[name="csrf-token"]').content;

  function send(method, url, body) {
    return fetch(url, {method: method, credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token},
      body: body === undefined ? undefined : JSON.stringify(body)})
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) {
          if (!r.ok) throw new Error(data.message || t.failed);
          return data;
        });
      });
  }

  function showPassword(username, password) {
    var box = document.getElementById("one-time");
    box.querySelector(".user").textContent = username;
    box.querySelector(".password").textContent = password;
    box.hidden = false;
    box.scrollIntoView({block: "center"});
  }

  function cells(text) {
    return text.split(/[,，\s]+/).filter(Boolean);
  }

  // "town:示范镇（虚构）, village:320205999001": names may hold spaces, so commas only
  function areas(text) {
    return text.split(/[,，]+/).map(function (a) { return a.trim(); }).filter(Boolean);
  }

  document.getElementById("create-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var f = ev.target, err = f.querySelector(".error");
    err.textContent = "";
    send("POST", "/api/admin/accounts", {
      username: f.username.value, role: f.role.value, display_name: f.display_name.value,
      email: f.email.value, phone: f.phone.value, cells: cells(f.cells.value),
      areas: areas(f.areas.value),
      enterprise: f.role.value === "enterprise" ? f.enterprise.value : "",
      department: f.role.value === "supervisor" ? f.department.value : ""
    }).then(function (data) {
      // the list reloads with the new row; the password stays on screen once, in this tab
      sessionStorage.setItem("geoapp-one-time",
                             JSON.stringify([data.account.username, data.password]));
      window.location.reload();
    }).catch(function (e) { err.textContent = e.message; });
  });

  // a reload after creating keeps the one-time password on screen for this tab only
  var kept = sessionStorage.getItem("geoapp-one-time");
  if (kept) {
    sessionStorage.removeItem("geoapp-one-time");
    var pair = JSON.parse(kept);
    showPassword(pair[0], pair[1]);
  }

  document.querySelectorAll("#accounts tr[data-id]").forEach(function (row) {
    var id = row.dataset.id, user = row.dataset.username, err = row.querySelector(".error");
    function field(name) { return row.querySelector('[name="' + name + '"]').value; }
    row.querySelector(".save").addEventListener("click", function () {
      err.textContent = "";
      send("PATCH", "/api/admin/accounts/" + id, {
        display_name: field("display_name"), email: field("email"), phone: field("phone"),
        role: field("role"),
        cells: field("role") === "grid" ? cells(field("cells")) : [],
        areas: areas(field("areas")),
        enterprise: field("role") === "enterprise" ? field("enterprise") : "",
        department: field("role") === "supervisor" ? field("department") : ""
      }).then(function (data) {
        err.textContent = Object.keys(data.changed).length ? t.saved : t.unchanged;
        row.querySelector('[name="cells"]').value = data.account.cells.join(", ");
        row.querySelector('[name="areas"]').value = data.account.areas.join(", ");
      }).catch(function (e) { err.textContent = e.message; });
    });
    row.querySelector(".toggle").addEventListener("click", function (ev) {
      var active = ev.target.dataset.active !== "true";
      if (!active && !window.confirm(t.confirm_off.replace("{u}", user))) return;
      send("POST", "/api/admin/accounts/" + id + "/active", {active: active}).then(function (data) {
        ev.target.dataset.active = String(data.account.active);
        ev.target.textContent = data.account.active ? t.off : t.on;
        row.querySelector(".state").textContent = data.account.active ? t.on : t.off;
        row.classList.toggle("inactive", !data.account.active);
      }).catch(function (e) { err.textContent = e.message; });
    });
    row.querySelector(".reset").addEventListener("click", function () {
      if (!window.confirm(t.confirm_reset.replace("{u}", user))) return;
      send("POST", "/api/admin/accounts/" + id + "/password").then(function (data) {
        showPassword(user, data.password);
      }).catch(function (e) { err.textContent = e.message; });
    });
  });
})();
