/* The hazards: one compact row each, opened with a tap; the closed ones folded away.
 *
 * An open row shows the hazard's facts, its next steps (with a note and, for 提请验收,
 * the 整改后照片), the edit form for its descriptive fields, and its history, where an
 * edit lists each field as old → new. Steps need the connection (a step is checked
 * against the hazard's version: If-Match); the page says so when it is offline.
 */
(function () {
  "use strict";

  var C = window.geoappCell;
  var T = C.T, P = C.P, el = C.el, state = C.state;
  var STATE_RANK = { open: 1, rectifying: 2, awaiting_acceptance: 3, closed: 4 };
  var pickers = {};   // hazard id -> after-photo picker, kept across redraws
  var editing = {};   // hazard id -> true while its edit form is open
  var photos = {};    // hazard id -> its photos (GET /api/hazards/<id>), read when opened
  var confirming = {}; // hazard id -> the step (accept / reject) whose confirmation is open
  // the fields an edit may change (PATCH /api/hazards/<id>); the level is the
  // supervising authority's decision (page_config.can_decide); 挂牌督办 has steps of
  // its own (cell/listing.js)
  var EDITABLE = ["description", "responsible_unit", "responsible_person"];
  var DECIDED = ["level"];

  // a hazard at an outside point: only for those who may write outside every cell
  function canWrite(h) {
    var f = state.points[h.point_id];
    return f ? C.points.canWrite(f) : false;
  }

  function shown(h) {
    var f = state.hazardFilter;
    var point = state.points[h.point_id];
    if (f.layer && (!point || point.properties.layer !== f.layer)) return false;
    if (f.level && h.level !== f.level) return false;
    if (f.state === "unclosed") return h.state !== "closed";
    if (f.state === "overdue") return h.overdue;
    if (f.state && h.state !== f.state) return false;
    return true;
  }

  function changeText(field, pair, labels) {
    var label = (labels && labels[field]) || T.fields[field] || field;
    function v(x) {
      if (field === "level") return T.hazard_levels[x] || C.formatValue(x);
      if (field === "source") return T.sources[x] || C.formatValue(x);
      if (x && typeof x === "object" && !Array.isArray(x)) return JSON.stringify(x);
      return C.formatValue(x);
    }
    return label + "：" + v(pair[0]) + " → " + v(pair[1]);
  }

  function eventLine(e) {
    if (e.changes && Object.keys(e.changes).length) {
      return (T.event_actions[e.action] || T.changes);
    }
    if (e.from_state && e.to_state && e.from_state !== e.to_state) {
      return T.states[e.from_state] + " → " + T.states[e.to_state];
    }
    return (T.event_actions[e.action] || T.actions[e.action] || e.action) +
      (e.to_state && !e.from_state ? " → " + T.states[e.to_state] : "");
  }

  // events: hazard or point events (or {e, h} pairs for the cell's history); shots:
  // photos with the event they came with (event_id)
  function historyList(events, withCode, shots, labels) {
    var ol = el("ol", { className: "history" });
    events.forEach(function (x) {
      var e = x.e || x;
      var mine = (shots || []).filter(function (p) { return e.id !== undefined && p.event_id === e.id; });
      var changes = e.changes ? el("ul", { className: "changes" }, Object.keys(e.changes).map(function (k) {
        return el("li", { dataset: { field: k }, text: changeText(k, e.changes[k], labels) });
      })) : null;
      ol.appendChild(el("li", { dataset: { action: e.action, kind: e.kind || "" } },
        el("time", { datetime: e.at, text: C.localTime(e.at) }), " ",
        withCode && x.h ? el("span", { className: "hcode", text: x.h.code + " " }) : null,
        el("span", { className: "actor", text: C.person(e.actor) }), " ",
        el("span", { className: "move", text: eventLine(e) }),
        changes,
        e.note ? el("div", { className: "event-note", text: e.note }) : null,
        C.photos.gallery(mine)));
    });
    return ol;
  }

  function facts(h, pp) {
    var resp = [h.responsible_unit, h.responsible_person].filter(Boolean).join(" / ") || "—";
    var pre = state.points[h.point_id] ? C.hazardForm.prefill(state.points[h.point_id]) : {};
    var dl = el("dl", { className: "facts" },
      el("dt", { text: T.fields.point_id }), el("dd", { text: pp.name }),
      el("dt", { text: T.fields.source }), el("dd", { text: T.sources[h.source] || h.source }),
      el("dt", { text: T.fields.found_on }), el("dd", { text: h.found_on }),
      el("dt", { text: T.fields.deadline }), el("dd", { className: "deadline" + (h.overdue ? " late" : "") },
        h.deadline, extended(h) ? el("span", { className: "original", text: " " +
          C.fill(T.extensions.original, { date: h.original_deadline }) }) : null),
      el("dt", { text: T.fields.responsible_unit + "/" + T.fields.responsible_person }),
      el("dd", null, resp, pre.phone && C.tel(pre.phone)
        ? [" ", el("a", { className: "tel", href: "tel:" + C.tel(pre.phone), text: pre.phone })] : null),
      el("dt", { text: T.listed }), el("dd", { text: h.listed ? T.yes : T.no }),
      el("dt", { text: T.fields.authority }), el("dd", { className: "authority", text: h.authority || "—" }));
    return dl;
  }

  // the steps this account may take on the hazard (my_actions: the server's duties rules;
  // the server checks each step again)
  function steps(h) { return h.my_actions || []; }
  // the deadline in force is not the one first set: an extension (延期) was granted
  function extended(h) { return h.original_deadline && h.original_deadline !== h.deadline; }

  function actionsBox(h, row) {
    var work = el("div", { className: "work" });
    var mine = steps(h);
    if (!(canWrite(h) && mine.length)) return work;
    if (confirming[h.id] && mine.indexOf(confirming[h.id]) >= 0) {
      work.appendChild(confirmPanel(h, confirming[h.id], row));
      return work;
    }
    // a note for the steps that take an optional one; accept and reject ask in their panel
    if (mine.some(function (a) { return !needsNote(a); })) {
      var note = el("textarea", { className: "note", rows: "2", maxlength: "2000",
        placeholder: T.note, "aria-label": T.note });
      note.value = state.notes[h.id] || "";
      note.addEventListener("input", function () { state.notes[h.id] = note.value; });
      work.appendChild(note);
    }
    if (mine.indexOf("submit") >= 0) {
      pickers[h.id] = pickers[h.id] || C.photos.picker(T.after_photos);
      work.appendChild(pickers[h.id].node);
    }
    var actions = el("div", { className: "actions" });
    mine.forEach(function (a) {
      var b = el("button", { type: "button", className: "action action-" + a,
        dataset: { action: a }, text: T.actions[a] || a });
      b.addEventListener("click", function () {
        if (needsNote(a)) { confirming[h.id] = a; redrawRow(h); }
        else move(h, a, row, state.notes[h.id] || "");
      });
      actions.appendChild(b);
    });
    work.appendChild(actions);
    return work;
  }

  function needsNote(a) { return (P.needs_note || []).indexOf(a) >= 0; }

  // 验收 / 退回 ask first: what will happen, the note it needs, confirm or cancel
  function confirmPanel(h, a, row) {
    var words = T.confirm[a] || T.confirm.accept;
    var titleId = "confirm-title-" + h.id;
    var note = el("textarea", { className: "note", name: "confirm-note", rows: "3", maxlength: "2000",
      "aria-label": words.note, required: true });
    note.value = state.notes[h.id] || "";
    note.addEventListener("input", function () { state.notes[h.id] = note.value; });
    var error = el("p", { className: "form-error", role: "alert", hidden: true });
    var ok = el("button", { type: "button", className: "primary confirm-ok confirm-ok-" + a,
      dataset: { confirm: a }, text: T.confirm.ok });
    var cancel = el("button", { type: "button", className: "confirm-cancel", text: T.cancel });
    var panel = el("div", { className: "confirm confirm-" + a, role: "dialog",
      "aria-labelledby": titleId, dataset: { action: a } },
      el("h4", { id: titleId, text: T.confirm.title + T.actions[a] }),
      el("p", { className: "confirm-what", text: words.what }),
      el("dl", { className: "facts" },
        el("dt", { text: T.hazard }), el("dd", { text: h.code + " " + h.description }),
        el("dt", { text: T.submitted_by }), el("dd", { text: h.submitted_by ? C.person(h.submitted_by) : "—" })),
      el("label", { className: "field wide" }, el("span", { text: words.note }), note),
      error, el("div", { className: "actions" }, ok, cancel));
    cancel.addEventListener("click", function () { delete confirming[h.id]; redrawRow(h); });
    ok.addEventListener("click", function () {
      if (!note.value.trim()) {
        error.hidden = false;
        error.textContent = words.note_missing;
        note.setAttribute("aria-invalid", "true");
        note.focus();
        return;
      }
      delete confirming[h.id];
      move(h, a, row, note.value);
    });
    setTimeout(function () { note.focus(); }, 0);
    return panel;
  }

  function editForm(h, row) {
    var inputs = {
      description: el("textarea", { name: "description", rows: "3", maxlength: "2000" }),
      responsible_unit: el("input", { name: "responsible_unit", maxlength: "200" }),
      responsible_person: el("input", { name: "responsible_person", maxlength: "100" }),
    };
    EDITABLE.forEach(function (k) { inputs[k].value = h[k] || ""; });
    var fields = EDITABLE.slice();
    var decided = null;
    if (P.can_decide) {
      fields = fields.concat(DECIDED);
      decided = [C.segmented("level", [["general", T.hazard_levels.general], ["major", T.hazard_levels.major]],
        h.level, T.fields.level)];
    }
    var error = el("p", { className: "form-error", role: "alert", hidden: true });
    var cancel = el("button", { type: "button", text: T.cancel });
    var form = el("form", { className: "edit-form" },
      EDITABLE.map(function (k) {
        return el("label", { className: "field wide" }, el("span", { text: T.fields[k] }), inputs[k]);
      }), decided, error, el("div", { className: "actions" },
        el("button", { type: "submit", className: "primary", text: T.save }), cancel));
    if (decided) {
      inputs.level = { get value() { return form.elements.level.value; } };
    }
    cancel.addEventListener("click", function () { delete editing[h.id]; redrawRow(h); });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var body = {};
      fields.forEach(function (k) {
        var before = typeof h[k] === "boolean" ? h[k] : (h[k] || "");
        if (before !== inputs[k].value) body[k] = inputs[k].value;
      });
      if (!Object.keys(body).length) { delete editing[h.id]; redrawRow(h); return; }
      C.net.send("PATCH", P.hazard_url + h.id, body, { "If-Match": '"' + h.version + '"' })
        .then(function (r) {
          if (!r.ok) {
            error.hidden = false;
            error.textContent = (r.body && r.body.field && T.fields[r.body.field] ? T.fields[r.body.field] + "：" : "") +
              (r.status === 412 ? T.conflict : C.net.errorText(r));
            if (r.status === 412) C.reload();
            return;
          }
          delete editing[h.id];
          state.messages[h.id] = { text: T.edited, error: false };
          replace(r.body);
          C.reload();
        }, function () { error.hidden = false; error.textContent = T.needs_online; });
    });
    return form;
  }

  function row(h) {
    var point = state.points[h.point_id];
    var pp = point ? point.properties : { name: "#" + h.point_id, layer: "" };
    var id = "h" + h.id;
    var open = !!state.open[id];
    var node = el("article", { className: "row hazard" + (h.overdue ? " is-overdue" : "") +
      (h.level === "major" ? " is-major" : ""), id: "hazard-" + h.id,
      dataset: { id: String(h.id), state: h.state, level: h.level, version: String(h.version) } });
    var head = el("button", { type: "button", className: "row-head", "aria-expanded": open ? "true" : "false" },
      el("span", { className: "line1" },
        el("span", { className: "hlevel hlevel-" + h.level, text: T.hazard_levels[h.level] }),
        el("span", { className: "desc", text: h.description })),
      el("span", { className: "line2" },
        el("span", { className: "pname", text: pp.name }),
        el("span", { className: "state state-" + h.state, text: T.states[h.state] }),
        h.overdue ? el("span", { className: "badge overdue", text: T.overdue }) : null,
        h.listed ? el("span", { className: "badge listed", text: T.listed }) : null,
        extended(h) && h.state !== "closed" ? el("span", { className: "badge extended", text: T.extensions.extended }) : null,
        h.state !== "closed" ? el("span", { className: "due" + (h.overdue ? " late" : ""), text: h.deadline }) : null,
        el("span", { className: "code", text: h.code })));
    head.addEventListener("click", function () {
      state.open[id] = !state.open[id];
      redrawRow(h);
    });
    node.appendChild(head);
    if (open) {
      var msg = state.messages[h.id];
      var body = el("div", { className: "row-body" },
        el("p", { className: "msg" + (msg && msg.error ? " error" : ""), role: "status",
          text: msg ? msg.text : "", hidden: !msg }),
        facts(h, pp));
      var listing = C.listing.box(h, function (fresh, label) {
        replace(fresh);
        state.messages[h.id] = { text: label + "：" + T.saved, error: false };
        redrawRow(fresh);
        C.reload();
      });
      if (listing) body.appendChild(listing);
      var shots = photos[h.id];
      // the row is drawn again when its photos and extensions arrive: until then it
      // says it is busy, so a reader (or a test) knows the buttons may be replaced
      if (shots == null) body.setAttribute("aria-busy", "true");
      if (shots === undefined) {
        photos[h.id] = null;  // asked for once per opening of the page
        C.net.getJson(P.hazard_url + h.id).then(function (j) {
          photos[h.id] = j.photos || [];
          C.extensions.keep(h.id, j.extensions);
          if (state.open[id]) redrawRow(current(h.id) || h);
        }, function () {
          delete photos[h.id];  // asked again at the next drawing; not busy meanwhile
          var shown = document.querySelector("#hazard-" + h.id + " .row-body");
          if (shown) shown.removeAttribute("aria-busy");
        });
      } else if (shots && shots.length && !shots.some(function (p) { return p.event_id; })) {
        body.appendChild(C.photos.gallery(shots));
      }
      var ext = C.extensions.box(h, canWrite(h), function (fresh) { replace(fresh); redrawRow(fresh); });
      if (ext) body.appendChild(ext);
      if (editing[h.id]) body.appendChild(editForm(h, node));
      else {
        body.appendChild(actionsBox(h, node));
        if (canWrite(h) && h.state !== "closed") {
          var edit = el("button", { type: "button", className: "edit", text: T.edit });
          edit.addEventListener("click", function () { editing[h.id] = true; redrawRow(h); });
          body.appendChild(edit);
        }
      }
      body.appendChild(C.measures.box({ hazard_id: h.id }));
      body.append(el("h4", { text: T.history }), historyList(h.events.slice().reverse(), false, shots));
      node.appendChild(body);
    }
    return node;
  }

  function redrawRow(h) {
    var old = document.getElementById("hazard-" + h.id);
    var fresh = row(h);
    if (old) old.replaceWith(fresh);
    return fresh;
  }

  function current(hid) {
    return state.hazards.filter(function (x) { return x.id === hid; })[0];
  }

  function replace(h) {
    var list = state.hazards;
    for (var i = 0; i < list.length; i++) if (list[i].id === h.id) list[i] = h;
  }

  function move(h, action, node, text) {
    delete state.messages[h.id];
    C.notice("");
    if (!C.net.online()) { state.messages[h.id] = { text: T.needs_online, error: true }; redrawRow(h); return; }
    node.querySelectorAll(".actions button").forEach(function (b) { b.disabled = true; });
    var picker = action === "submit" ? pickers[h.id] : null;
    var ready = picker ? picker.ready() : Promise.resolve([]);
    ready.then(function (files) {
      if (action === "submit" && h.level === "major" && P.major_submit_needs_photo && !files.length) {
        state.messages[h.id] = { text: T.photo_required, error: true };
        redrawRow(h);
        return null;
      }
      var json = { action: action, note: text };
      var body = files.length ? C.queue.formData(json, files) : json;
      return C.net.send("POST", P.hazard_url + h.id + "/transitions", body, { "If-Match": '"' + h.version + '"' })
        .then(function (r) {
          if (r.status === 412) {
            state.messages[h.id] = { text: T.conflict, error: true };
            C.notice(T.conflict, true);
            return C.reload();
          }
          if (!r.ok) {
            state.messages[h.id] = { text: C.net.errorText(r), error: true };
            return C.reload();
          }
          replace(r.body);
          photos[h.id] = r.body.photos;
          C.extensions.keep(h.id, r.body.extensions);
          delete state.notes[h.id];
          delete pickers[h.id];
          state.messages[h.id] = { text: T.moved + "：" + T.states[r.body.state], error: false };
          redrawRow(r.body);
          return C.reload();
        });
    }).catch(function () {
      state.messages[h.id] = { text: T.network, error: true };
      redrawRow(h);
    });
  }

  function draw() {
    var list = state.hazards.filter(shown);
    var live = list.filter(function (h) { return h.state !== "closed"; });
    var closed = list.filter(function (h) { return h.state === "closed"; });
    // worst first: overdue, then by state and deadline
    live.sort(function (a, b) {
      return (b.overdue - a.overdue) || (STATE_RANK[a.state] - STATE_RANK[b.state]) ||
        (a.deadline < b.deadline ? -1 : a.deadline > b.deadline ? 1 : 0);
    });
    var box = document.getElementById("hazard-list");
    C.clear(box);
    live.forEach(function (h) { box.appendChild(row(h)); });
    var fold = document.getElementById("closed-hazards");
    var cbox = document.getElementById("closed-list");
    C.clear(cbox);
    closed.forEach(function (h) { cbox.appendChild(row(h)); });
    fold.hidden = !closed.length;
    document.getElementById("closed-summary").textContent = C.fill(T.closed_fold, { n: closed.length });
    document.getElementById("hazard-empty").hidden = list.length > 0;
    document.getElementById("hazard-count").textContent =
      "(" + live.length + " / " + state.hazards.length + ")";
  }

  function cellHistory() {
    var events = [];
    state.hazards.forEach(function (h) {
      h.events.forEach(function (e) { events.push({ e: e, h: h }); });
    });
    events.sort(function (a, b) { return a.e.at < b.e.at ? 1 : a.e.at > b.e.at ? -1 : 0; });
    var ol = document.getElementById("cell-events");
    var fresh = historyList(events.slice(0, 30), true);
    fresh.id = "cell-events";
    fresh.className = "events";
    ol.replaceWith(fresh);
  }

  // open a hazard's row and bring it into view
  function focus(id) {
    var h = state.hazards.filter(function (x) { return x.id === id; })[0];
    if (!h) return;
    if (h.state === "closed") document.getElementById("closed-hazards").open = true;
    state.open["h" + id] = true;
    var node = redrawRow(h);
    if (node) node.scrollIntoView({ behavior: "smooth", block: "start" });
  }

  C.hazards = { draw: draw, cellHistory: cellHistory, focus: focus, historyList: historyList };
})();
