/* The office's queue of public reports (/public-reports): GET /api/public-reports, one card per
 * report (place, photos, steps), and the triage steps the role may take (config.steps), posted
 * with If-Match. Every text from the data reaches the DOM through textContent (static/dom.js).
 */
(function () {
  "use strict";

  var config = window.geoappDom.config();
  var T = config.t;
  var el = window.geoappDom.el;
  var $ = function (id) { return document.getElementById(id); };
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var state = "";

  function load() {
    var url = config.urls.queue + (state ? "?state=" + state : "");
    return fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (list) {
        var ol = $("pq-list");
        ol.textContent = "";
        if (!list.length) ol.appendChild(el("li", { className: "empty", text: T.none }));
        list.forEach(function (r) { ol.appendChild(card(r)); });
      });
  }

  function post(url, body, version) {
    var headers = { "Content-Type": "application/json", "X-CSRFToken": token };
    if (version) headers["If-Match"] = '"' + version + '"';
    return fetch(url, { method: "POST", credentials: "same-origin", headers: headers,
                        body: JSON.stringify(body) })
      .then(function (r) {
        return r.json().then(function (b) {
          if (!r.ok) { $("pq-error").textContent = b.message || String(r.status); $("pq-error").hidden = false; }
          else $("pq-error").hidden = true;
          return load();
        });
      });
  }

  function field(label, input) { return el("label", null, label, input); }

  function actions(r) {
    var box = el("div", { className: "pq-actions" });
    if (r.state === "verified" || r.state === "rejected") {
      if (r.state === "verified" && config.steps.reward) {
        var amount = el("input", { type: "number", min: "1", step: "1", className: "pq-amount",
                                   value: r.reward ? r.reward.amount : "" });
        var on = el("input", { type: "date", className: "pq-on",
                               value: r.reward ? r.reward.on : config.today });
        var paid = el("input", { type: "checkbox", className: "pq-paid",
                                 checked: r.reward ? r.reward.paid : false });
        var save = el("button", { type: "button", className: "pq-reward", text: T.reward });
        save.addEventListener("click", function () {
          post(config.urls.reward.replace("/0/", "/" + r.id + "/"),
               { amount: Number(amount.value), on: on.value, paid: paid.checked });
        });
        box.appendChild(el("div", { className: "pq-reward-row" }, field(T.amount, amount),
                           field(T.on, on), field(T.paid, paid), save));
      }
      return box;
    }
    var note = el("textarea", { rows: "2", className: "pq-note", placeholder: T.note });
    var reply = el("textarea", { rows: "2", className: "pq-reply", placeholder: T.reply });
    var point = el("input", { type: "number", min: "1", className: "pq-point", placeholder: T.point });
    box.appendChild(field(T.note_label, note));
    box.appendChild(field(T.reply_label, reply));
    if (config.steps.verify) box.appendChild(field(T.point_label, point));
    var buttons = el("div", { className: "pq-buttons" });
    ["start", "verify", "reject", "reply"].forEach(function (action) {
      if (!config.steps[action] || (action === "start" && r.state !== "received")) return;
      var b = el("button", { type: "button", className: "pq-do-" + action, text: config.actions[action] });
      b.addEventListener("click", function () {
        var body = { action: action, note: note.value, reply: reply.value };
        if (action === "verify" && point.value) body.point_id = Number(point.value);
        post(config.urls.triage.replace("/0/", "/" + r.id + "/"), body, r.version);
      });
      buttons.appendChild(b);
    });
    box.appendChild(buttons);
    return box;
  }

  function card(r) {
    var where = r.outside
      ? T.outside.replace("%(cell)s", r.cell_code || "—").replace("%(m)s", Math.round(r.nearest_m || 0))
      : T.cell.replace("%(cell)s", r.cell_code || "—");
    var photos = el("div", { className: "pq-photos" }, r.photos.map(function (p) {
      return el("a", { href: p.url, target: "_blank" }, el("img", { src: p.thumb_url, alt: "" }));
    }));
    var steps = el("ol", { className: "pq-steps" }, r.events.map(function (e) {
      return el("li", null, e.at.slice(0, 16).replace("T", " ") + " " + e.actor + " · " +
                (config.actions[e.action] || e.action) + (e.note ? T.colon + e.note : "") +
                (e.reply ? " · " + T.replied + e.reply : ""));
    }));
    var li = el("li", { className: "pq-card state-" + r.state, dataset: { id: String(r.id) } },
      el("h2", null, el("span", { className: "pq-state", text: r.state_label }), " ",
         el("span", { className: "pq-cat", text: r.category_label }), " ",
         el("small", { text: r.code })),
      el("p", { className: "pq-desc", text: r.description }),
      el("p", { className: "pq-where", text: where + " · " + r.lon.toFixed(6) + ", " + r.lat.toFixed(6) +
                " · " + r.created_at.slice(0, 16).replace("T", " ") }),
      r.phone !== undefined ? el("p", { className: "pq-phone", text: T.phone + (r.phone || "—") }) : null,
      r.hazard_id ? el("p", { className: "pq-hazard", text: T.hazard + r.hazard_id }) : null,
      r.reward ? el("p", { className: "pq-rewarded", text: T.rewarded + r.reward.amount + " · " +
                           r.reward.on + " · " + (r.reward.paid ? T.paid : T.unpaid) }) : null,
      photos, steps, actions(r));
    return li;
  }

  document.querySelectorAll("#pq-filters a").forEach(function (a) {
    a.addEventListener("click", function (e) {
      e.preventDefault();
      state = a.dataset.state;
      document.querySelectorAll("#pq-filters a").forEach(function (x) {
        x.classList.toggle("current", x === a);
      });
      load();
    });
  });
  window.pqReady = load();
})();
