/* The points: one compact row each (name, kind, visit status, open hazards), opened
 * with a tap to show its ledger fields, 巡查 and 登记隐患, its visits and its history.
 *
 * A form opened in a row (a visit, a hazard) lives in a slot that survives the page's
 * redraws, so a refresh of the data never loses what is being typed.
 */
(function () {
  "use strict";

  var C = window.geoappCell;
  var T = C.T, P = C.P, el = C.el, state = C.state, LAYERS = C.LAYERS;
  var slots = {};     // point id -> the node of its open form (or a visit's result)
  var VISIT_RANK = { overdue: 0, due: 1, visited: 2 };

  function openCounts() {
    var counts = {};
    state.hazards.forEach(function (h) {
      if (h.state !== "closed") counts[h.point_id] = (counts[h.point_id] || 0) + 1;
    });
    return counts;
  }

  function visitBadge(v) {
    if (!v) return null;
    return el("span", { className: "visit-badge visit-" + v.status, dataset: { visit: v.status },
      text: T.visit[v.status] });
  }

  function canWrite(f) {
    return f.properties.cell_code ? P.can_write : (P.can_write_outside && f.properties.outside);
  }

  function attrs(f, outside) {
    var p = f.properties, layer = LAYERS[p.layer];
    var dl = el("dl", { className: "facts" });
    if (outside) dl.append(el("dt", { text: T.fields.point_id }), el("dd", { text: layer ? layer.label : p.layer }),
      el("dt", { text: T.distance }), el("dd", { text: Math.round(p.distance_m || 0) + " " + T.metres }));
    if (p.visit) {
      dl.append(el("dt", { text: T.last_visit }), el("dd", { text: p.visit.last_visit_on || T.never }),
        el("dt", { text: T.next_due }), el("dd", { text: p.visit.next_due || "—" }));
    }
    // 主管部门: the derived department (the ledger's own, when given, is what it says)
    if (p.authority) dl.append(el("dt", { text: T.fields.authority }), el("dd", { className: "authority", text: p.authority }));
    (layer ? layer.fields : []).forEach(function (field) {
      var v = (p.attrs || {})[field.name];
      if (v === null || v === undefined || v === "" || field.name === "authority") return;
      var dd = el("dd");
      if (/phone$/.test(field.name) && C.tel(v)) dd.appendChild(el("a", { className: "tel", href: "tel:" + C.tel(v), text: String(v) }));
      else dd.textContent = C.formatValue(v);
      dl.append(el("dt", { text: field.label }), dd);
    });
    return dl;
  }

  function openSlot(pid, node) {
    slots[pid] = node;
    var holder = document.querySelector('#point-' + pid + ' .slot');
    if (holder) { C.clear(holder); holder.appendChild(node); }
    node.scrollIntoView({ behavior: "smooth", block: "start" });
  }

  function startVisit(f) {
    var pid = f.properties.id;
    openSlot(pid, C.visit.build(f, function () { C.reload(); }));
  }

  function startHazard(f, opts) {
    var pid = f.properties.id;
    openSlot(pid, C.hazardForm.build(f, Object.assign({}, opts || {}, {
      onSaved: function (h) {
        delete slots[pid];
        C.reload().then(function () { if (h) C.hazards.focus(h.id); else redraw(pid); });
      },
    })));
  }

  function inspections(pid, box) {
    C.net.getJson(P.point_url + pid + "/inspections").then(function (list) {
      C.clear(box);
      if (!list.length) { box.appendChild(el("p", { className: "empty", text: T.no_inspections })); return; }
      box.appendChild(el("ol", { className: "history" }, list.slice(0, 5).map(function (v) {
        var fails = Object.keys(v.checklist || {}).filter(function (k) { return v.checklist[k] === "fail"; });
        return el("li", { dataset: { id: String(v.id) } },
          el("time", { datetime: v.inspected_at, text: C.localTime(v.inspected_at) }), " ",
          el("span", { className: "actor", text: v.inspector ? v.inspector.name || v.inspector.username : "" }),
          v.distance_m !== null && v.distance_m !== undefined
            ? el("span", { className: "distance", text: " · " + C.fill(T.visit_distance, { d: Math.round(v.distance_m) }) }) : null,
          fails.length ? el("span", { className: "fails", text: " · " + T.results.fail + " " + fails.length }) : null,
          v.note ? el("div", { className: "event-note", text: v.note }) : null,
          C.photos.gallery(v.photos));
      })));
    }, function () { C.clear(box); });
  }

  function pointEvents(pid, box) {
    C.net.getJson(P.point_url + pid + "/events").then(function (list) {
      C.clear(box);
      if (!list.length) return;
      var f = state.points[pid], layer = f && LAYERS[f.properties.layer], labels = {};
      (layer ? layer.fields : []).forEach(function (x) { labels[x.name] = x.label; });
      box.append(el("h4", { text: T.point_history }), C.hazards.historyList(list, false, null, labels));
    }, function () { C.clear(box); });
  }

  function row(f, outside, counts) {
    var p = f.properties, layer = LAYERS[p.layer];
    var id = "p" + p.id;
    var open = !!state.open[id];
    var n = counts[p.id] || 0;
    var node = el("article", { className: "row point" + (outside ? " outside" : ""), id: "point-" + p.id,
      dataset: { id: String(p.id), layer: p.layer, level: p.risk_level, visit: p.visit ? p.visit.status : "" } });
    var head = el("button", { type: "button", className: "row-head", "aria-expanded": open ? "true" : "false" },
      el("span", { className: "line1" }, C.levelBadge(p.risk_level), el("span", { className: "pname", text: p.name })),
      el("span", { className: "line2" },
        el("span", { className: "layer", text: layer ? layer.label : p.layer }),
        visitBadge(p.visit),
        n ? el("span", { className: "open-count hot", text: T.open_hazards + " " + n }) : null,
        C.drafts.has("visit." + p.id) || C.drafts.has("hazard." + p.id)
          ? el("span", { className: "badge draft", text: T.draft }) : null,
        outside ? el("span", { className: "distance", text: Math.round(p.distance_m || 0) + " " + T.metres }) : null,
        p.key ? el("span", { className: "code", text: p.key }) : null));
    head.addEventListener("click", function () { state.open[id] = !state.open[id]; redraw(p.id); });
    node.appendChild(head);
    if (open || slots[p.id]) {
      var body = el("div", { className: "row-body" });
      if (canWrite(f)) {
        var bar = el("div", { className: "actions" });
        if (!outside) {
          var v = el("button", { type: "button", className: "primary visit-button", text: T.visit_action });
          v.addEventListener("click", function () { startVisit(f); });
          bar.appendChild(v);
        }
        var r = el("button", { type: "button", className: "record", text: T.record });
        r.addEventListener("click", function () { startHazard(f); });
        bar.appendChild(r);
        body.appendChild(bar);
      }
      var slot = el("div", { className: "slot" });
      if (slots[p.id]) slot.appendChild(slots[p.id]);
      body.appendChild(slot);
      if (open) {
        // 定级依据: why this point has its level (its own reasons, without its name)
        if (p.level_reasons && p.level_reasons.length) {
          body.append(el("h4", { text: T.level_reasons }), window.geoappReasons.list(p.level_reasons));
        }
        body.appendChild(attrs(f, outside));
        // an enterprise's supervisory measures (its own and its hazards'); a letter or an
        // interview goes to its principal by default
        if (p.layer === "enterprise") {
          body.appendChild(C.measures.box({ enterprise_id: p.id },
            { recipient: (p.attrs || {}).principal || p.name }));
        }
        if (!outside) {
          var visits = el("div", { className: "visits" });
          body.append(el("h4", { text: T.inspections }), visits);
          inspections(p.id, visits);
        }
        var hist = el("div", { className: "point-events" });
        body.appendChild(hist);
        pointEvents(p.id, hist);
      }
      node.appendChild(body);
    }
    return node;
  }

  function redraw(pid) {
    var old = document.getElementById("point-" + pid);
    var f = state.points[pid];
    if (!old || !f) return;
    old.replaceWith(row(f, !f.properties.cell_code || f.properties.outside, openCounts()));
  }

  function draw() {
    var box = document.getElementById("point-tables");
    C.clear(box);
    var flt = state.pointFilter;
    var counts = openCounts();
    function keep(x) {
      return (!flt.risk || x.properties.risk_level === flt.risk) &&
        (!flt.visit || (x.properties.visit && x.properties.visit.status === flt.visit));
    }
    function order(a, b) {
      var va = a.properties.visit, vb = b.properties.visit;
      return ((va ? VISIT_RANK[va.status] : 3) - (vb ? VISIT_RANK[vb.status] : 3)) ||
        ((C.LEVEL_RANK[b.properties.risk_level] || 0) - (C.LEVEL_RANK[a.properties.risk_level] || 0)) ||
        String(a.properties.name).localeCompare(String(b.properties.name), "zh-CN");
    }
    P.layers.forEach(function (layer) {
      if (flt.layer && flt.layer !== layer.code) return;
      var feats = state.data.points.features.filter(function (x) {
        return x.properties.layer === layer.code && keep(x);
      }).sort(order);
      if (!feats.length) return;
      box.appendChild(el("section", { className: "layer-rows", dataset: { layer: layer.code } },
        el("h3", null, layer.label + " ", el("span", { className: "count", text: "(" + feats.length + ")" })),
        el("div", { className: "rows" }, feats.map(function (x) { return row(x, false, counts); }))));
    });
    var near = state.data.outside_points_nearby.features.filter(function (x) {
      return (!flt.layer || x.properties.layer === flt.layer) && !flt.visit && keep(x);
    });
    if (near.length) {
      box.appendChild(el("section", { className: "layer-rows outside-rows", dataset: { layer: "outside" } },
        el("h3", null, T.outside + " ", el("span", { className: "count", text: "(" + near.length + ")" })),
        el("div", { className: "rows" }, near.map(function (x) { return row(x, true, counts); }))));
    }
    if (!box.firstChild) box.appendChild(el("p", { className: "empty", text: T.no_points }));
    document.getElementById("point-count").textContent = "(" + state.data.points.features.length + ")";
  }

  function focus(pid, then) {
    var f = state.points[pid];
    if (!f) return;
    if (!document.getElementById("point-" + pid)) {
      state.pointFilter = { layer: "", risk: "", visit: "" };
      document.querySelectorAll("#point-filters select").forEach(function (s) { s.value = ""; });
      draw();
    }
    state.open["p" + pid] = true;
    redraw(pid);
    var node = document.getElementById("point-" + pid);
    if (then) then(f);
    else if (node) node.scrollIntoView({ behavior: "smooth", block: "start" });
  }

  C.points = { draw: draw, focus: focus, startVisit: startVisit, startHazard: startHazard,
               canWrite: canWrite };
})();
