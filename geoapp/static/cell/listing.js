/* 挂牌督办 on an open hazard row: the listing record, and for those who may list
 * (page_config.can_list: supervisor, leader, admin by default) the one step that can
 * come next: list (level, unit, deadline), publish the listing, 摘牌 after close-out,
 * publish the 摘牌. The server checks every step (geoapp.web.listings); a listing
 * carried over from the old yes/no flag has no known date and says so.
 */
(function () {
  "use strict";

  var C = window.geoappCell;
  var T = C.T, P = C.P, el = C.el;
  var L = T.listing;

  function value(x) { return x || L.unknown; }

  // the record as a definition list, or nothing for a hazard never listed
  function record(h) {
    var g = h.listing;
    if (!g) return null;
    function late(on) { return on ? " " + L.late : ""; }
    return el("dl", { className: "facts listing-record" },
      el("dt", { text: L.level }), el("dd", { text: g.level_label ? L.levels[g.level] : L.unknown }),
      el("dt", { text: L.unit }), el("dd", { text: value(g.unit) }),
      el("dt", { text: L.listed_on }),
      el("dd", { className: g.listed_on_known ? "" : "unknown", text: g.listed_on || L.unknown_date }),
      el("dt", { text: L.deadline }), el("dd", { text: value(g.deadline) }),
      el("dt", { text: L.published_on }),
      el("dd", { className: g.publish_late ? "late" : "",
        text: g.published_on ? g.published_on + late(g.publish_late)
          : (g.publish_due_on ? C.fill(L.due_by, { d: g.publish_due_on }) + late(g.publish_late)
            : L.not_published) }),
      g.delisted_on ? [
        el("dt", { text: L.delisted_on }), el("dd", { text: g.delisted_on }),
        el("dt", { text: L.delisting_published_on }),
        el("dd", { className: g.delisting_publish_late ? "late" : "",
          text: g.delisting_published_on ? g.delisting_published_on + late(g.delisting_publish_late)
            : C.fill(L.due_by, { d: g.delisting_publish_due_on }) + late(g.delisting_publish_late) })
      ] : null);
  }

  // a date, today by default; a step's date is not in the future (a deadline may be)
  function dateInput(name, future) {
    var input = el("input", { type: "date", name: name, required: true, value: P.today });
    if (!future) input.max = P.today;
    return input;
  }

  function field(label, input) {
    return el("label", { className: "field wide" }, el("span", { text: label }), input);
  }

  // what was chosen or typed in a step's form, by hazard and step: the row is rebuilt
  // when its details arrive or another hazard moves, and a half-filled form must survive
  var kept = {};

  function keepValues(form, key) {
    var names = [].slice.call(form.elements).map(function (e) { return e.name; })
      .filter(function (n, i, all) { return n && all.indexOf(n) === i; });
    var saved = kept[key] || {};
    names.forEach(function (n) { if (n in saved) form.elements[n].value = saved[n]; });
    function save() {
      kept[key] = {};
      names.forEach(function (n) { kept[key][n] = form.elements[n].value; });
    }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
  }

  // the next step's form: list, publish the listing, 摘牌, publish the 摘牌; null if none
  function stepForm(h, done) {
    if (!P.can_list) return null;
    var g = h.listing, url = P.hazard_url + h.id, make;
    if (!g && h.state !== "closed") {
      make = function () {
        var deadline = dateInput("deadline", true);
        deadline.value = h.deadline >= P.today ? h.deadline : P.today;
        deadline.min = P.today;
        return { url: url + "/listing", label: L.list, fields: [
          C.segmented("level", Object.keys(L.levels).map(function (k) { return [k, L.levels[k]]; }),
            "county", L.level),
          field(L.unit, el("input", { name: "unit", required: true, maxlength: "200" })),
          field(L.deadline, deadline)],
          body: function (e) { return { level: e.level.value, unit: e.unit.value, deadline: e.deadline.value }; } };
      };
    } else if (g && !g.published_on) {
      make = function () {
        return { url: url + "/listing/publish", label: L.publish_listing,
          fields: [field(L.published_date, dateInput("date"))],
          body: function (e) { return { kind: "listed", date: e.date.value }; } };
      };
    } else if (g && !g.delisted_on && h.state === "closed") {
      make = function () {
        return { url: url + "/delisting", label: L.delist,
          fields: [field(L.delisted_date, dateInput("date"))],
          body: function (e) { return { date: e.date.value }; } };
      };
    } else if (g && g.delisted_on && !g.delisting_published_on) {
      make = function () {
        return { url: url + "/listing/publish", label: L.publish_delisting,
          fields: [field(L.published_date, dateInput("date"))],
          body: function (e) { return { kind: "delisted", date: e.date.value }; } };
      };
    }
    if (!make) return null;
    var step = make();
    var error = el("p", { className: "form-error", role: "alert", hidden: true });
    var form = el("form", { className: "listing-form", dataset: { step: step.label } },
      step.fields, error,
      el("div", { className: "actions" },
        el("button", { type: "submit", className: "primary", text: step.label })));
    var key = h.id + " " + step.url + " " + step.label;
    keepValues(form, key);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (!C.net.online()) { error.hidden = false; error.textContent = T.needs_online; return; }
      form.querySelector("button[type=submit]").disabled = true;
      C.net.send("POST", step.url, step.body(form.elements)).then(function (r) {
        if (!r.ok) {
          form.querySelector("button[type=submit]").disabled = false;
          error.hidden = false;
          error.textContent = (r.body && r.body.field && L.fields[r.body.field]
            ? L.fields[r.body.field] + "：" : "") + C.net.errorText(r);
          return;
        }
        delete kept[key];
        done(r.body, step.label);
      }, function () {
        form.querySelector("button[type=submit]").disabled = false;
        error.hidden = false;
        error.textContent = T.network;
      });
    });
    return form;
  }

  // the section of a hazard's open row: heading, record, next step (null if nothing to show)
  function box(h, done) {
    var rec = record(h), form = stepForm(h, done);
    if (!rec && !form) return null;
    return el("section", { className: "listing", dataset: { listed: h.listing ? "yes" : "no" } },
      el("h4", { text: T.listed }), rec, form);
  }

  C.listing = { box: box };
})();
