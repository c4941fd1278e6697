/* /enterprise: an enterprise account's self-check, hazard registration and steps, through
 * the same APIs as every account (geoapp.web.inspections, geoapp.web.hazards). Each form
 * posts multipart/form-data with its photos; a saved one reloads the page, which the
 * server draws from what is stored. */
(function () {
  "use strict";
  var cfg = geoappDom.config();
  var t = cfg.t;
  var el = geoappDom.el;
  var token = document.querySelector('meta[name="csrf-token"]').content;

  function post(url, form, headers) {
    var h = {"X-CSRFToken": token};
    Object.keys(headers || {}).forEach(function (k) { h[k] = headers[k]; });
    return fetch(url, {method: "POST", credentials: "same-origin", headers: h, body: form})
      .then(function (r) {
        if (r.ok) return r.json();
        return r.json().catch(function () { return {}; }).then(function (d) {
          throw new Error(d.message || t.failed);
        });
      });
  }

  function busy(form, on) {
    form.querySelectorAll("button").forEach(function (b) { b.disabled = on; });
  }

  function run(card, form, url, body, headers) {
    var msg = card.querySelector(".msg");
    msg.textContent = "";
    busy(form, true);
    post(url, body, headers).then(function () {
      msg.textContent = t.saved;
      window.location.reload();
    }).catch(function (err) {
      msg.textContent = err.message;
      busy(form, false);
    });
  }

  function photos(form, body) {
    var input = form.querySelector('input[type="file"]');
    if (input) Array.prototype.forEach.call(input.files, function (f) { body.append("photos", f); });
  }

  function loadChecklist(card, form) {
    var box = form.querySelector(".items");
    if (box.dataset.loaded) return;
    box.appendChild(el("p", {className: "loading", text: t.loading}));
    fetch("/api/points/" + card.dataset.pointId + "/checklist", {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (items) {
        box.querySelector(".loading").remove();
        box.dataset.loaded = "1";
        items.forEach(function (item) {
          var row = el("div", {className: "item", dataset: {key: item.key}},
                       el("span", {className: "label", text: item.label}));
          ["ok", "fail", "na"].forEach(function (v) {
            row.appendChild(el("label", {className: "choice"},
              el("input", {type: "radio", name: "item-" + item.key, value: v,
                           checked: v === "ok"}), t[v]));
          });
          box.appendChild(row);
        });
      }).catch(function () { box.textContent = t.failed; });
  }

  document.querySelectorAll(".ent-point").forEach(function (card) {
    var check = card.querySelector(".check-form");
    var hazard = card.querySelector(".hazard-form");
    card.querySelector(".open-check").addEventListener("click", function () {
      check.hidden = !check.hidden;
      hazard.hidden = true;
      if (!check.hidden) loadChecklist(card, check);
    });
    card.querySelector(".open-hazard").addEventListener("click", function () {
      hazard.hidden = !hazard.hidden;
      check.hidden = true;
    });
    check.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var answers = {};
      check.querySelectorAll(".item").forEach(function (row) {
        var picked = row.querySelector("input:checked");
        answers[row.dataset.key] = picked ? picked.value : "na";
      });
      var body = new FormData();
      body.append("checklist", JSON.stringify(answers));
      body.append("note", check.note.value);
      body.append("client_id", crypto.randomUUID ? crypto.randomUUID() : "");
      photos(check, body);
      run(card, check, "/api/points/" + card.dataset.pointId + "/inspections", body);
    });
    hazard.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var body = new FormData();
      ["description", "level", "deadline", "responsible_person"].forEach(function (k) {
        if (hazard[k].value) body.append(k, hazard[k].value);
      });
      body.append("source", "self_check");
      body.append("found_on", cfg.today);
      photos(hazard, body);
      run(card, hazard, "/api/points/" + card.dataset.pointId + "/hazards", body);
    });
  });

  document.querySelectorAll(".ent-hazard").forEach(function (card) {
    var form = card.querySelector(".step-form");
    if (!form) return;
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var body = new FormData();
      body.append("action", form.dataset.action);
      body.append("note", form.note.value);
      photos(form, body);
      run(card, form, "/api/hazards/" + card.dataset.hazardId + "/transitions", body,
          {"If-Match": '"' + card.dataset.version + '"'});
    });
  });
})();
