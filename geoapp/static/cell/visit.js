/* The visit form (巡查记录) of a point: its layer's checklist, a note, photos, the position.
 *
 * Each item is 合格 / 不合格 / 不适用 (three big buttons) with its own note; then the
 * overall note and 1–9 photos. The phone's position, when it gives one, goes with the
 * visit (with its accuracy); the server answers the distance to the point, shown after
 * the save. A failed item then offers one tap to register a hazard at the point,
 * pre-filled with the item and the visit's photos.
 */
(function () {
  "use strict";

  var C = window.geoappCell;
  var T = C.T, P = C.P, el = C.el;
  var checklists = {};  // point id -> items (kept for offline use)

  // The point's items: from the page's data when it has them (no request: a visit can
  // start offline), else from GET /api/points/<id>/checklist (kept for the next time).
  function checklist(pid) {
    var key = "geoapp.checklist." + pid;
    var f = C.state.points[pid], layer = f && C.LAYERS[f.properties.layer];
    if (layer && layer.inspection && Array.isArray(f.properties.checklist)) {
      return Promise.resolve(layer.inspection.checklist.filter(function (item) {
        return f.properties.checklist.indexOf(item.key) >= 0;
      }));
    }
    if (checklists[pid]) return Promise.resolve(checklists[pid]);
    return C.net.getJson(P.point_url + pid + "/checklist").then(function (items) {
      checklists[pid] = items;
      try { localStorage.setItem(key, JSON.stringify(items)); } catch (e) { /* no room */ }
      return items;
    }, function (err) {
      var kept = null;
      try { kept = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { kept = null; }
      if (kept) return kept;
      throw err;
    });
  }

  function locate(status) {
    var pos = { lon: null, lat: null, accuracy_m: null };
    if (!navigator.geolocation) { status.textContent = T.position_none; return pos; }
    status.textContent = T.position_wait;
    navigator.geolocation.getCurrentPosition(function (p) {
      pos.lon = p.coords.longitude; pos.lat = p.coords.latitude;
      pos.accuracy_m = Math.round(p.coords.accuracy * 10) / 10;
      status.textContent = C.fill(T.position_ok, { a: Math.round(p.coords.accuracy) });
      status.dataset.located = "1";
    }, function () { status.textContent = T.position_none; },
    { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
    return pos;
  }

  // onSaved(): the page reloads its data; the form shows the result in its place
  function build(point, onSaved) {
    var pid = point.properties.id;
    var box = el("div", { className: "visit", dataset: { point: String(pid) } },
      el("p", { className: "loading", text: "…" }));
    checklist(pid).then(function (items) {
      C.clear(box);
      box.appendChild(form(point, items, box, onSaved));
    }, function (err) {
      C.clear(box);
      box.appendChild(el("p", { className: "form-error", text: T.load_failed + "：" + err.message }));
    });
    return box;
  }

  function form(point, items, box, onSaved) {
    var pid = point.properties.id;
    var draftKey = "visit." + pid;
    var list = el("ol", { className: "checklist" }, items.map(function (item) {
      return el("li", { dataset: { key: item.key } },
        el("p", { className: "item-label", text: item.label }),
        C.segmented("item." + item.key, [["ok", T.results.ok], ["fail", T.results.fail], ["na", T.results.na]],
          null, null),
        el("input", { name: "note." + item.key, maxlength: "500", placeholder: T.item_note,
          "aria-label": item.label + " " + T.item_note, className: "item-note" }));
    }));
    var note = el("textarea", { name: "note", rows: "2", maxlength: "2000", placeholder: T.visit_note,
      "aria-label": T.visit_note });
    var photos = C.photos.picker(T.photos);
    var where = el("p", { className: "position", role: "status" });
    var error = el("p", { className: "form-error", role: "alert", hidden: true });
    var submit = el("button", { type: "submit", className: "primary", text: T.submit_visit });
    var f = el("form", { className: "visit-form", autocomplete: "off" },
      el("h4", { text: T.visit_title + " · " + point.properties.name }),
      list, note, photos.node, where, error, submit);
    var pos = locate(where);
    C.drafts.keep(f, draftKey);
    var clientId = null;
    // "answer every item" goes as soon as every item has its answer, not only at the next save
    f.addEventListener("change", function () {
      if (error.hidden || error.textContent !== T.checklist_missing) return;
      if (items.every(function (item) { return f.elements["item." + item.key].value; })) error.hidden = true;
    });

    f.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var answers = {}, notes = {}, missing = null;
      items.forEach(function (item) {
        var v = f.elements["item." + item.key].value;
        if (!v && !missing) missing = item.key;
        answers[item.key] = v;
        var n = f.elements["note." + item.key].value.trim();
        if (n) notes[item.key] = n;
      });
      if (missing) {
        error.hidden = false;
        error.textContent = T.checklist_missing;
        list.querySelector('li[data-key="' + missing + '"]').scrollIntoView({ block: "center" });
        return;
      }
      error.hidden = true;
      clientId = clientId || C.uuid();
      var json = { checklist: answers, notes: notes, note: note.value, client_id: clientId };
      if (pos.lon !== null) { json.lon = pos.lon; json.lat = pos.lat; json.accuracy_m = pos.accuracy_m; }
      submit.disabled = true;
      var sentPhotos;
      photos.ready().then(function (files) {
        sentPhotos = files;
        return C.queue.save({ kind: "visit", url: P.point_url + pid + "/inspections",
          label: T.visit_title + " · " + point.properties.name, json: json, files: files });
      }).then(function (res) {
        if (res.error) {
          var b = res.error.body;
          error.hidden = false;
          error.textContent = (b && b.field && T.fields[b.field] ? T.fields[b.field] + "：" : "") +
            (b && b.message ? b.message : C.net.errorText(res.error));
          return;
        }
        C.drafts.drop(draftKey);
        var failed = items.filter(function (i) { return answers[i.key] === "fail"; })
          .map(function (i) { return { item: i, note: notes[i.key] || "" }; });
        C.clear(box);
        box.appendChild(result(point, res, failed, sentPhotos));
        if (res.stored && onSaved) onSaved(res.stored);
      }).catch(function (err) {
        error.hidden = false;
        error.textContent = err.message || T.network;
      }).then(function () { submit.disabled = false; });
    });
    return f;
  }

  // After the save: where it was made, and one tap per failed item to register a hazard.
  function result(point, res, failed, blobs) {
    var rec = res.stored;
    var where = rec ? (rec.distance_m === null || rec.distance_m === undefined ? T.visit_no_position
      : C.fill(T.visit_distance, { d: Math.round(rec.distance_m) })) : T.queued;
    var out = el("div", { className: "visit-result", role: "status" },
      el("p", { className: "ok" }, el("b", { text: rec ? T.visit_saved : T.queued }),
        rec ? el("span", { className: "distance", dataset: { distance: String(rec.distance_m) }, text: " · " + where }) : null),
      rec ? C.photos.gallery(rec.photos) : null);
    failed.forEach(function (x) {
      var slot = el("div", { className: "from-item" });
      var b = el("button", { type: "button", className: "record from-item-button",
        dataset: { key: x.item.key }, text: T.record_from_item + "：" + x.item.label });
      b.addEventListener("click", function () {
        b.hidden = true;
        slot.appendChild(C.hazardForm.build(point, {
          description: x.item.label + "（" + T.results.fail + "）" + (x.note ? "：" + x.note : ""),
          photos: blobs, key: x.item.key,
          onSaved: function (h) {
            slot.remove();
            C.reload().then(function () { if (h) C.hazards.focus(h.id); });
          },
        }));
      });
      out.append(el("p", { className: "failed-item" }, el("span", { text: T.failed_item + "：" + x.item.label })), b, slot);
    });
    return out;
  }

  C.visit = { build: build };
})();
