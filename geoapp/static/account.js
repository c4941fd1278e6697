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

/* /account: personal access tokens for desktop GIS (geoapp.web.tokens): make one (its text is
 * shown once, here, and nowhere else), list them, revoke one. Texts: #tokens-config. */
(function () {
  "use strict";
  var form = document.getElementById("token-form");
  if (!form) return;  // enterprise accounts have no tokens
  var t = JSON.parse(document.getElementById("tokens-config").textContent).t;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var body = document.querySelector("#tokens tbody");
  var once = document.getElementById("token-once");

  function send(method, url, data) {
    return fetch(url, {method: method, credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: data === undefined ? undefined : JSON.stringify(data)})
      .then(function (r) {
        if (r.status === 204) return {};
        return r.json().catch(function () { return {}; }).then(function (d) {
          if (!r.ok) throw new Error(d.message || t.failed);
          return d;
        });
      });
  }

  function cell(text) {
    var td = document.createElement("td");
    td.textContent = text;
    return td;
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleString() : t.never;
  }

  function row(token) {
    var tr = document.createElement("tr");
    tr.dataset.id = token.id;
    if (token.revoked) tr.className = "inactive";
    tr.appendChild(cell(token.name));
    var prefix = document.createElement("td");
    var code = document.createElement("code");
    code.textContent = token.prefix + "…";
    prefix.appendChild(code);
    tr.appendChild(prefix);
    tr.appendChild(cell(when(token.created_at)));
    tr.appendChild(cell(token.last_used_at ? when(token.last_used_at) : t.never));
    tr.appendChild(cell(token.revoked ? t.revoked : t.live));
    var actions = document.createElement("td");
    actions.className = "actions";
    if (!token.revoked) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "revoke";
      button.textContent = t.revoke;
      var err = document.createElement("span");
      err.className = "error";
      err.setAttribute("role", "alert");
      button.addEventListener("click", function () {
        if (!window.confirm(t.confirm)) return;
        send("DELETE", "/api/me/tokens/" + token.id).then(load)
          .catch(function (e) { err.textContent = e.message; });
      });
      actions.appendChild(button);
      actions.appendChild(err);
    }
    tr.appendChild(actions);
    return tr;
  }

  function load() {
    return send("GET", "/api/me/tokens").then(function (d) {
      body.textContent = "";
      d.tokens.forEach(function (token) { body.appendChild(row(token)); });
      document.getElementById("tokens-empty").hidden = d.tokens.length > 0;
    });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var err = form.querySelector(".error");
    err.textContent = "";
    send("POST", "/api/me/tokens", {name: form.elements.namedItem("name").value}).then(function (d) {
      form.reset();
      once.querySelector(".token").textContent = d.token;
      once.querySelector(".copied").textContent = "";
      once.hidden = false;
      document.getElementById("token-howto").open = true;
      return load();
    }).catch(function (e) { err.textContent = e.message; });
  });

  once.querySelector(".copy").addEventListener("click", function () {
    var text = once.querySelector(".token").textContent, note = once.querySelector(".copied");
    if (!navigator.clipboard) { note.textContent = t.copy_failed; return; }
    navigator.clipboard.writeText(text).then(function () { note.textContent = t.copied; },
                                             function () { note.textContent = t.copy_failed; });
  });

  load().catch(function () {});
})();
