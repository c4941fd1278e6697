/* Supervisory measures (督办措施) on a hazard's or an enterprise's detail: the list, and for
 * supervisors, leaders and admins (page_config.can_measure) the form that records one.
 *
 * The measures come with the cell's data (state.data.measures: those on its points and
 * their hazards). A form is kept per target across the page's redraws, so a refresh never
 * loses what is being typed; a recorded measure reloads the page's data.
 */
(function () {
  "use strict";

  var C = window.geoappCell;
  var T = C.T, P = C.P, el = C.el, state = C.state;
  var KINDS = ["letter", "notice", "interview", "exposure", "three_letters_one_meeting", "referral"];
  var forms = {};   // "hazard:12" / "enterprise:5" -> its form node

  function taken(target) {
    return (state.data && state.data.measures || []).filter(function (m) {
      return target.hazard_id ? m.hazard_id === target.hazard_id
        : m.point_id === target.enterprise_id;
    });
  }

  function item(m) {
    var att = m.attachment;
    return el("li", { className: "measure", dataset: { id: String(m.id), kind: m.kind } },
      el("span", { className: "badge measure-kind", text: T.measure_kinds[m.kind] || m.kind }), " ",
      el("time", { datetime: m.date, text: m.date }), " ",
      el("span", { className: "measure-who", text: m.unit + " → " + m.recipient }),
      m.referred_to ? el("span", { className: "measure-referred", text: "（" + T.measure.referred_to + "：" + m.referred_to + "）" }) : null,
      m.note ? el("div", { className: "event-note", text: m.note }) : null,
      att ? el("div", { className: "measure-file" }, el("a", {
        href: P.measures_url + "/" + m.id + "/attachment", text: T.measure.attachment + "：" + att.name })) : null,
      el("div", { className: "measure-by", text: T.measure.recorded_by + " " + C.person(m.recorded_by) }));
  }

  function list(target, withCode) {
    var mine = taken(target);
    if (!mine.length) return el("p", { className: "empty measures-empty", text: T.measure.none });
    return el("ol", { className: "measures" }, mine.map(function (m) {
      var li = item(m);
      if (withCode && m.hazard_code) li.insertBefore(el("span", { className: "hcode", text: m.hazard_code + " " }), li.firstChild);
      return li;
    }));
  }

  function field(label, input, wide) {
    return el("label", { className: "field" + (wide ? " wide" : "") }, el("span", { text: label }), input);
  }

  function form(target, defaults) {
    var key = target.hazard_id ? "hazard:" + target.hazard_id : "enterprise:" + target.enterprise_id;
    if (forms[key]) return forms[key];
    var kind = el("select", { name: "kind" }, KINDS.map(function (k) {
      return el("option", { value: k, text: T.measure_kinds[k] });
    }));
    var date = el("input", { type: "date", name: "date", max: P.today, value: P.today, required: true });
    var unit = el("input", { name: "unit", maxlength: "200", required: true });
    var recipient = el("input", { name: "recipient", maxlength: "200", required: true });
    recipient.value = (defaults && defaults.recipient) || "";
    var referred = el("input", { name: "referred_to", maxlength: "200" });
    var referredField = field(T.measure.referred_to, referred, true);
    referredField.hidden = true;
    var note = el("textarea", { name: "note", rows: "2", maxlength: "2000" });
    var file = el("input", { type: "file", name: "attachment", accept: "application/pdf,image/jpeg,image/png,image/webp" });
    var error = el("p", { className: "form-error", role: "alert", hidden: true });
    var submit = el("button", { type: "submit", className: "primary", text: T.measure.save });
    kind.addEventListener("change", function () { referredField.hidden = kind.value !== "referral"; });
    var node = el("details", { className: "panel measure-panel" },
      el("summary", { text: T.measure.record }),
      el("form", { className: "measure-form" },
        field(T.measure.kind, kind), field(T.measure.date, date),
        field(T.measure.unit, unit, true), field(T.measure.recipient, recipient, true),
        referredField, field(T.measure.note, note, true),
        field(T.measure.attachment + T.measure.attachment_hint, file, true),
        error, el("div", { className: "actions" }, submit)));
    node.querySelector("form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (!C.net.online()) { error.hidden = false; error.textContent = T.needs_online; return; }
      var fd = new FormData();
      fd.append(target.hazard_id ? "hazard_id" : "enterprise_id", String(target.hazard_id || target.enterprise_id));
      [kind, date, unit, recipient, note].forEach(function (x) { fd.append(x.name, x.value); });
      if (kind.value === "referral") fd.append("referred_to", referred.value);
      if (file.files && file.files[0]) fd.append("attachment", file.files[0], file.files[0].name);
      submit.disabled = true;
      C.net.send("POST", P.measures_url, fd).then(function (r) {
        submit.disabled = false;
        if (!r.ok) {
          error.hidden = false;
          error.textContent = (r.body && r.body.field && T.measure[r.body.field] ? T.measure[r.body.field] + "：" : "") +
            C.net.errorText(r);
          return;
        }
        delete forms[key];
        C.notice(T.measure.saved);
        C.reload();
      }, function () { submit.disabled = false; error.hidden = false; error.textContent = T.network; });
    });
    forms[key] = node;
    return node;
  }

  // The measures section of a detail: target {hazard_id} or {enterprise_id}
  function box(target, defaults) {
    return el("section", { className: "measures-box", dataset: { target: target.hazard_id ? "hazard" : "enterprise" } },
      el("h4", { text: T.measure.title }),
      list(target, !!target.enterprise_id),
      P.can_measure ? form(target, defaults) : null);
  }

  C.measures = { box: box };
})();
