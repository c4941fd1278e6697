/* Extensions (延期) on an opened hazard: its requests with their states, the request form
 * for the responsible side (page_config.can_request_extension) and, for a supervisor
 * (page_config.can_decide_extension), approve / refuse with a note.
 *
 * The hazard's requests come with GET /api/hazards/<id> (``extensions``), read when its
 * row is opened (hazards.js keeps them here: keep()). Requests and decisions need the
 * connection; after one, the hazard is read again (its deadline may have moved).
 */
(function () {
  "use strict";

  var C = window.geoappCell;
  var T = C.T, P = C.P, el = C.el, state = C.state;
  var lists = {};    // hazard id -> its extension requests, oldest first
  var drafts = {};   // hazard id -> {until, reason, note} typed, kept across redraws
  var X = T.extensions;

  function keep(hid, list) { lists[hid] = list || []; }

  function draft(hid) { return (drafts[hid] = drafts[hid] || { until: "", reason: "", note: "" }); }

  function item(e) {
    return el("li", { className: "ext ext-" + e.state, dataset: { id: String(e.id), state: e.state } },
      el("span", { className: "ext-state", text: X.states[e.state] || e.state }), " ",
      el("span", { className: "ext-dates", text: e.old_deadline + " → " + e.until }), " ",
      el("span", { className: "actor", text: C.person(e.requested_by) }),
      el("div", { className: "event-note", text: X.reason + "：" + e.reason }),
      e.decided_by ? el("div", { className: "event-note", text:
        C.person(e.decided_by) + "（" + C.localTime(e.decided_at) + "）" +
        (e.decision_note ? "：" + e.decision_note : "") }) : null);
  }

  // after a request or decision: the hazard again (deadline, history, requests), then the cell
  function done(h, message, redraw) {
    state.messages[h.id] = { text: message, error: false };
    delete drafts[h.id];
    return C.net.getJson(P.hazard_url + h.id).then(function (fresh) {
      keep(h.id, fresh.extensions);
      redraw(fresh);
      return C.reload();
    });
  }

  function failed(h, r, redraw) {
    var b = r.body || {};
    var field = b.field && X.fields[b.field] ? X.fields[b.field] + "：" : "";
    state.messages[h.id] = { text: field + (b.message || C.net.errorText(r)), error: true };
    redraw(h);
  }

  function requestForm(h, redraw) {
    var d = draft(h.id);
    var until = el("input", { type: "date", name: "until", min: C.addDays(h.deadline, 1),
      "aria-label": X.until });
    until.value = d.until;
    var reason = el("textarea", { name: "reason", rows: "2", maxlength: "2000",
      placeholder: X.reason_hint, "aria-label": X.reason });
    reason.value = d.reason;
    until.addEventListener("input", function () { d.until = until.value; });
    reason.addEventListener("input", function () { d.reason = reason.value; });
    var submit = el("button", { type: "submit", className: "primary", text: X.submit });
    var form = el("form", { className: "ext-form" },
      el("label", { className: "field" }, el("span", { text: X.until }), until),
      el("label", { className: "field wide" }, el("span", { text: X.reason }), reason),
      el("p", { className: "ext-rule", text: X.rule }),
      el("div", { className: "actions" }, submit));
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (!C.net.online()) { state.messages[h.id] = { text: T.needs_online, error: true }; redraw(h); return; }
      submit.disabled = true;
      C.net.send("POST", P.hazard_url + h.id + "/extensions", { until: until.value, reason: reason.value })
        .then(function (r) {
          if (!r.ok) return failed(h, r, redraw);
          return done(h, X.requested, redraw);
        }, function () { state.messages[h.id] = { text: T.network, error: true }; redraw(h); });
    });
    return el("details", { className: "panel ext-request", open: !!(d.until || d.reason) },
      el("summary", { text: X.request }), form);
  }

  function decisionBox(h, e, redraw) {
    var d = draft(h.id);
    var note = el("textarea", { className: "note", name: "note", rows: "2", maxlength: "2000",
      placeholder: X.note_hint, "aria-label": X.note });
    note.value = d.note;
    note.addEventListener("input", function () { d.note = note.value; });
    var buttons = [[true, X.approve, "primary"], [false, X.refuse, ""]].map(function (b) {
      var button = el("button", { type: "button", className: "ext-" + (b[0] ? "approve" : "refuse") +
        (b[2] ? " " + b[2] : ""), text: b[1] });
      button.addEventListener("click", function () {
        if (!C.net.online()) { state.messages[h.id] = { text: T.needs_online, error: true }; redraw(h); return; }
        box.querySelectorAll("button").forEach(function (x) { x.disabled = true; });
        C.net.send("POST", P.extension_url + e.id + "/decision", { approve: b[0], note: note.value })
          .then(function (r) {
            if (!r.ok) return failed(h, r, redraw);
            return done(h, b[0] ? X.approved : X.refused, redraw);
          }, function () { state.messages[h.id] = { text: T.network, error: true }; redraw(h); });
      });
      return button;
    });
    var box = el("div", { className: "ext-decide" },
      el("p", { className: "ext-ask", text: C.fill(X.decide_title, { until: e.until, old: e.old_deadline }) }),
      note, el("div", { className: "actions" }, buttons));
    return box;
  }

  // The block under an opened hazard's facts; ``writable``: the user may write its cell.
  function box(h, writable, redraw) {
    var list = lists[h.id];
    if (list === undefined) return null;  // not read yet: the row is drawn again once it is
    var pending = list.filter(function (e) { return e.state === "requested"; })[0];
    var node = el("section", { className: "extensions", dataset: { hazard: String(h.id) } },
      list.length ? el("h4", { text: X.title }) : null,
      list.length ? el("ol", { className: "ext-list" }, list.map(item)) : null);
    if (pending && P.can_decide_extension) node.appendChild(decisionBox(h, pending, redraw));
    if (!pending && writable && P.can_request_extension && h.state !== "closed" &&
        h.deadline >= P.today) {
      node.appendChild(requestForm(h, redraw));
    }
    return node.childNodes.length ? node : null;
  }

  C.extensions = { keep: keep, box: box };
})();
