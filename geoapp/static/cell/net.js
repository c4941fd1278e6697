/* Talking to the server on a poor connection: requests, the offline banner, the log-in
 * in place.
 *
 * send() answers {status, ok, body}; a request that never reached the server rejects
 * with err.network = true (the caller may queue it: geoappCell.queue). A 401 (the
 * session ended) opens a log-in form at the top of the page without touching any
 * form the user is writing; once logged in, the same request is sent again.
 */
(function () {
  "use strict";

  var C = window.geoappCell;
  var T = C.T, P = C.P, el = C.el;
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var lastFailed = false;  // the last request could not reach the server

  function online() { return navigator.onLine !== false && !lastFailed; }

  function banner() {
    var b = document.getElementById("net-banner");
    var off = !online();
    b.hidden = !off;
    b.textContent = off ? T.offline : "";
    document.body.classList.toggle("is-offline", off);
  }

  function reached() {
    if (lastFailed) { lastFailed = false; banner(); }
  }

  window.addEventListener("offline", banner);
  window.addEventListener("online", function () {
    lastFailed = false;
    banner();
    C.notice(T.online_again, false);
  });

  // ------------------------------------------------------------ log in in place

  var loggingIn = null;  // one log-in for every request that met a 401

  function relogin() {
    if (loggingIn) return loggingIn;
    loggingIn = new Promise(function (resolve) {
      var slot = document.getElementById("relogin-slot");
      var user = el("input", { name: "username", autocomplete: "username", required: true,
        value: P.me ? P.me.username : "" });
      var pass = el("input", { name: "password", type: "password", autocomplete: "current-password",
        required: true });
      var err = el("p", { className: "form-error", role: "alert", hidden: true });
      var form = el("form", { className: "relogin", id: "relogin" },
        el("p", { className: "relogin-title", text: T.login_title }),
        el("label", null, T.username, user), el("label", null, T.password, pass), err,
        el("button", { type: "submit", className: "primary", text: T.login }));
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        err.hidden = true;
        logIn(user.value, pass.value).then(function (ok) {
          if (!ok) { err.hidden = false; err.textContent = T.login_failed; pass.select(); return; }
          form.remove();
          loggingIn = null;
          resolve();
        }, function () { err.hidden = false; err.textContent = T.network; });
      });
      C.clear(slot);
      slot.appendChild(form);
      (user.value ? pass : user).focus({ preventScroll: true });
    });
    return loggingIn;
  }

  // The log-in page's own form, posted from here: a fresh CSRF token from GET /login
  // (it is the session's, so the page's requests use it afterwards).
  function logIn(username, password) {
    return fetch(P.login_url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var field = doc.querySelector('input[name="csrf_token"]');
        var m = doc.querySelector('meta[name="csrf-token"]');
        var token = field ? field.value : (m ? m.getAttribute("content") : csrf);
        var body = new URLSearchParams({ csrf_token: token, username: username, password: password });
        return fetch(P.login_url, { method: "POST", body: body, credentials: "same-origin" })
          .then(function (r) {
            var ok = r.ok && !/\/login$/.test(new URL(r.url).pathname);
            if (ok) {
              csrf = token;
              // the new page's own token, in case the session was made anew
              return r.text().then(function (page) {
                var d = new DOMParser().parseFromString(page, "text/html");
                var mm = d.querySelector('meta[name="csrf-token"]');
                if (mm) csrf = mm.getAttribute("content");
                return true;
              });
            }
            return false;
          });
      });
  }

  // ------------------------------------------------------------------ requests

  // method, url, body (FormData, a plain object as JSON, or null), extra headers
  function send(method, url, body, headers) {
    function attempt() {
      var h = { "Accept": "application/json", "X-CSRFToken": csrf };
      var payload = body;
      if (body && !(body instanceof FormData)) {
        h["Content-Type"] = "application/json";
        payload = JSON.stringify(body);
      }
      Object.keys(headers || {}).forEach(function (k) { h[k] = headers[k]; });
      return fetch(url, { method: method, headers: h, body: payload, credentials: "same-origin",
        cache: "no-store" })
        .then(function (r) {
          reached();
          if (r.status === 401) return relogin().then(attempt);
          return r.json().catch(function () { return null; }).then(function (j) {
            return { status: r.status, ok: r.ok, body: j };
          });
        }, function () {
          lastFailed = true;
          banner();
          var e = new Error(T.network);
          e.network = true;
          throw e;
        });
    }
    return attempt();
  }

  function getJson(url) {
    return send("GET", url, null).then(function (r) {
      if (!r.ok) { var e = new Error(String(r.status)); e.status = r.status; throw e; }
      return r.body;
    });
  }

  function errorText(r) {
    var b = r.body;
    return T.failed + "（" + r.status + "）" + (b && b.message ? "：" + b.message : "");
  }

  banner();
  C.net = { send: send, getJson: getJson, online: online, banner: banner, errorText: errorText,
            relogin: relogin };
})();
