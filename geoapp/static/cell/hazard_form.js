/* The new-hazard form, opened at a point (or from a failed checklist item).
 *
 * Pre-filled from the point: the responsible unit, person and phone from its ledger
 * fields (page_config.prefill names them per layer), found today, source 督导检查; the
 * deadline is one tap (3/7/15/30 days) or a date. The 五到位 plan shows for 重大 only.
 * Photos (1–9, downscaled) go with it; the save carries a client_id, so the offline
 * queue or a retry stores it once. The form is a draft until saved (geoappCell.drafts).
 */
(function () {
  "use strict";

  var C = window.geoappCell;
  var T = C.T, P = C.P, el = C.el;
  var PLAN = ["goal", "measures", "funds", "emergency_plan"];

  function prefill(point) {
    var p = point.properties, attrs = p.attrs || {};
    var out = {};
    Object.keys(P.prefill).forEach(function (what) {
      P.prefill[what].some(function (f) {
        var v = f === "@name" ? p.name : attrs[f];
        if (v !== null && v !== undefined && String(v).trim() !== "") { out[what] = String(v); return true; }
        return false;
      });
    });
    return out;
  }

  function field(label, control, wide) {
    return el("label", { className: "field" + (wide ? " wide" : "") }, el("span", { text: label }), control);
  }

  // opts: {description, photos: [Blob], key: draft key suffix, onSaved(hazard|null)}
  function build(point, opts) {
    opts = opts || {};
    var pid = point.properties.id;
    var pre = prefill(point);
    var draftKey = "hazard." + pid + (opts.key ? "." + opts.key : "");
    var F = T.fields;

    var source = el("select", { name: "source" },
      ["inspection", "self_check", "public_report"].map(function (s) {
        return el("option", { value: s, text: T.sources[s] });
      }));
    var description = el("textarea", { name: "description", rows: "3", maxlength: "2000", required: true });
    description.value = opts.description || "";
    var found = el("input", { type: "date", name: "found_on", value: P.today, max: P.today, required: true });
    var deadline = el("input", { type: "date", name: "deadline", min: P.today, required: true });
    var chips = el("div", { className: "chips" }, P.deadline_days.map(function (n) {
      var b = el("button", { type: "button", className: "chip", dataset: { days: String(n) },
        text: C.fill(T.deadline_in, { n: n }) });
      b.addEventListener("click", function () {
        deadline.value = C.addDays(found.value || P.today, n);
        deadline.dispatchEvent(new Event("change", { bubbles: true }));
      });
      return b;
    }));
    var unit = el("input", { name: "responsible_unit", maxlength: "200", value: pre.unit || "" });
    var personInput = el("input", { name: "responsible_person", maxlength: "100", value: pre.person || "" });
    function call(number) {  // beside the unit or the person the number belongs to
      return number && C.tel(number)
        ? el("a", { className: "tel", href: "tel:" + C.tel(number), text: T.call + " " + number }) : null;
    }
    var plan = el("fieldset", { className: "plan wide", hidden: true },
      el("legend", { text: T.plan + "（五到位）" }),
      PLAN.map(function (k) {
        return field(F["plan." + k], el("textarea", { name: "plan." + k, rows: "2", maxlength: "2000" }), true);
      }));
    var photos = C.photos.picker(T.photos);
    if (opts.photos) photos.set(opts.photos);
    var error = el("p", { className: "form-error wide", role: "alert", hidden: true });
    var submit = el("button", { type: "submit", className: "primary wide", text: T.submit_hazard });
    var level = C.segmented("level", [["general", T.hazard_levels.general], ["major", T.hazard_levels.major]],
      "general", F.level);

    var form = el("form", { className: "hazard-form", autocomplete: "off", dataset: { point: String(pid) } },
      el("p", { className: "form-point wide" }, el("b", { text: point.properties.name })),
      level,
      field(F.description, description, true),
      field(F.source, source),
      field(F.found_on, found),
      el("div", { className: "field wide deadline" }, el("span", { text: F.deadline }), chips, deadline),
      el("div", { className: "field wide person" }, field(F.responsible_unit, unit), call(pre.unit_phone)),
      el("div", { className: "field wide person" }, field(F.responsible_person, personInput),
        call(pre.person_phone)),
      plan, el("div", { className: "wide" }, photos.node), error, submit);

    function syncPlan() { plan.hidden = form.elements.level.value !== "major"; }
    form.addEventListener("change", function (ev) {
      if (ev.target.name === "level") syncPlan();
      if (ev.target === found) deadline.min = found.value;
    });
    C.drafts.keep(form, draftKey);
    syncPlan();

    function showError(name, text) {
      form.querySelectorAll("[aria-invalid]").forEach(function (n) { n.removeAttribute("aria-invalid"); });
      error.hidden = !text;
      error.textContent = text ? (name && F[name] ? F[name] + "：" : "") + text : "";
      var input = name && form.elements[name];
      if (input && input.setAttribute) { input.setAttribute("aria-invalid", "true"); input.focus(); }
    }

    var clientId = null;  // one id per saving of this form, kept over retries
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var e = form.elements;
      var json = {
        level: e.level.value, source: source.value, description: description.value,
        found_on: found.value, deadline: deadline.value,
        responsible_unit: unit.value, responsible_person: personInput.value,
      };
      if (json.level === "major") {
        json.plan = {};
        PLAN.forEach(function (k) { json.plan[k] = e["plan." + k].value; });
      }
      clientId = clientId || C.uuid();
      json.client_id = clientId;
      submit.disabled = true;
      showError(null, "");
      photos.ready().then(function (files) {
        return C.queue.save({ kind: "hazard", url: P.point_url + pid + "/hazards",
          label: T.record + " · " + point.properties.name, json: json, files: files });
      }).then(function (res) {
        if (res.error) {
          var b = res.error.body;
          showError(b && b.field, b && b.field && b.message ? b.message : C.net.errorText(res.error));
          return;
        }
        C.drafts.drop(draftKey);
        clientId = null;
        if (res.queued) C.notice(T.queued, false);
        else C.notice(C.fill(T.created, { code: res.stored.code }), false);
        if (opts.onSaved) opts.onSaved(res.stored || null);
      }).catch(function (err) { showError(null, err.message || T.network); })
        .then(function () { submit.disabled = false; });
    });
    return form;
  }

  C.hazardForm = { build: build, prefill: prefill };
})();
