/* The grid member's cell page: map, point tables, hazards and their history.
 *
 * Data comes from the page's JSON twin (/api/cells/<code>). Every string from
 * the data reaches the page through textContent or an attribute set from
 * script, never through innerHTML, so names such as <img onerror=…> stay text.
 * UI strings come translated from the page (#page-config, its "t").
 *
 * window.geoappReady resolves once the data is drawn (for browser tests).
 */
(function () {
  "use strict";

  var P = window.geoappDom.config();
  var T = P.t;
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var CSRF = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var LEVEL_RANK = { red: 4, orange: 3, yellow: 2, blue: 1 };
  var STATE_RANK = { open: 1, rectifying: 2, awaiting_acceptance: 3, closed: 4 };
  var LAYERS = {};
  P.layers.forEach(function (l) { LAYERS[l.code] = l; });

  var state = {
    data: null,
    points: {},          // id -> point feature (inside and nearby)
    hazardFilter: { layer: "", level: "", state: "" },
    pointFilter: { layer: "", risk: "" },
    sort: {},            // table id -> {key, dir}
    notes: {},           // hazard id -> typed note, kept across redraws
    messages: {},        // hazard id -> {text, error}
  };

  // ------------------------------------------------------------------ helpers

  var el = window.geoappDom.el;  // static/dom.js: text only, never HTML

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  var timeParts = new Intl.DateTimeFormat("en-GB", {
    timeZone: P.timezone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });

  // "2026-04-15 09:30" in the territory's time zone (layers/risk.toml hazards.timezone)
  function localTime(iso) {
    var parts = {};
    timeParts.formatToParts(new Date(iso)).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":" + parts.minute;
  }

  function tel(phone) { return String(phone || "").replace(/[^0-9+]/g, ""); }

  function levelBadge(code) {
    var lv = P.levels[code] || { label: code };
    return el("span", { className: "level-badge level-" + code, dataset: { level: code },
      text: lv.label });
  }

  function formatValue(field, value) {
    if (value === null || value === undefined || value === "") return "—";
    if (typeof value === "boolean") return value ? T.yes : T.no;
    if (Array.isArray(value)) return value.length ? value.join("、") : "—";
    return String(value);
  }

  var noticeTimer = null;

  // A page-wide message over the top of the screen; it goes away by itself.
  function notice(text, isError) {
    var n = document.getElementById("notice");
    n.textContent = text || "";
    n.hidden = !text;
    n.classList.toggle("error", !!isError);
    clearTimeout(noticeTimer);
    if (text) noticeTimer = setTimeout(function () { n.hidden = true; }, isError ? 12000 : 6000);
  }

  function compare(a, b) {
    if (a === b) return 0;
    if (a === null || a === undefined || a === "") return 1;
    if (b === null || b === undefined || b === "") return -1;
    if (typeof a === "number" && typeof b === "number") return a - b;
    return String(a).localeCompare(String(b), "zh-CN");
  }

  function sorted(tableId, rows, getters) {
    var s = state.sort[tableId];
    if (!s || !getters[s.key]) return rows;
    var get = getters[s.key];
    var dir = s.dir === "desc" ? -1 : 1;
    return rows.slice().sort(function (x, y) {
      var c = compare(get(x), get(y));
      return c === 0 ? 0 : dir * c;
    });
  }

  // A header button sorts its table: first ascending, then descending.
  function sortHeader(thead, tableId, redraw) {
    thead.querySelectorAll("th[data-key]").forEach(function (th) {
      var s = state.sort[tableId];
      th.setAttribute("aria-sort", s && s.key === th.dataset.key
        ? (s.dir === "desc" ? "descending" : "ascending") : "none");
      var button = th.querySelector("button");
      if (!button || button.dataset.bound) return;
      button.dataset.bound = "1";
      button.addEventListener("click", function () {
        var cur = state.sort[tableId];
        state.sort[tableId] = { key: th.dataset.key,
          dir: cur && cur.key === th.dataset.key && cur.dir === "asc" ? "desc" : "asc" };
        redraw();
      });
    });
  }

  function headerLabels(table) {
    return Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
  }

  function cell(label, className) {
    var td = el("td", { className: className });
    if (label) td.dataset.label = label;
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === undefined || c === null || c === false) continue;
      td.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return td;
  }

  // ---------------------------------------------------------------- the header

  function drawHeader(data) {
    var p = data.properties;
    var badge = document.getElementById("cell-level");
    badge.className = "level-badge level-" + p.risk_level;
    badge.dataset.level = p.risk_level;
    badge.textContent = (P.levels[p.risk_level] || {}).label || p.risk_level;
    var fig = document.getElementById("cell-figures");
    clear(fig);
    ["total", "open", "overdue", "major_open", "listed_open"].forEach(function (k) {
      var n = p.hazards[k] || 0;
      fig.appendChild(el("span", { className: "figure fig-" + k + (n && k !== "total" ? " hot" : "") },
        T.figures[k] + " ", el("b", { text: String(n) })));
    });
  }

  // ------------------------------------------------------------------- the map

  var map = null, overlay = null, markers = {}, fitted = false;

  function markerIcon(f, outside) {
    var p = f.properties;
    var layer = LAYERS[p.layer];
    var box = el("span", { className: "pin level-" + p.risk_level + (outside ? " outside" : "") },
      layer ? layer.label.charAt(0) : "?");
    return L.divIcon({ html: box, className: "pin-wrap", iconSize: [22, 22], iconAnchor: [11, 11] });
  }

  function tooltip(f, outside) {
    var p = f.properties;
    var layer = LAYERS[p.layer];
    return el("div", { className: "tip" },
      el("b", { text: p.name }), el("br"),
      (layer ? layer.label : p.layer) + " · " + ((P.levels[p.risk_level] || {}).label || ""),
      outside ? el("div", { text: T.outside + " · " + T.distance + " " +
        Math.round(p.distance_m || 0) + " " + T.metres }) : null);
  }

  function drawMap(data) {
    if (!map) {
      map = L.map("cell-map", { attributionControl: false, zoomSnap: 0.25 });
    }
    if (overlay) overlay.remove();
    overlay = L.featureGroup().addTo(map);
    markers = {};
    var colour = (P.levels[data.properties.risk_level] || {}).colour || "#666";
    var outline = L.geoJSON(data.geometry, {
      style: { color: colour, weight: 3, fillColor: colour, fillOpacity: 0.12 },
      interactive: false,
    }).addTo(overlay);
    function add(f, outside) {
      var c = f.geometry.coordinates;
      // the worst on top: a red point must not hide under yellow ones
      var m = L.marker([c[1], c[0]], { icon: markerIcon(f, outside), keyboard: true,
        title: f.properties.name, zIndexOffset: 1000 * (LEVEL_RANK[f.properties.risk_level] || 0) })
        .bindTooltip(tooltip(f, outside), { direction: "top", offset: [0, -10] })
        .on("click", function () { focusPoint(f.properties.id); })
        .addTo(overlay);
      markers[f.properties.id] = m;
    }
    data.points.features.forEach(function (f) { add(f, false); });
    data.outside_points_nearby.features.forEach(function (f) { add(f, true); });
    if (!fitted) {
      map.fitBounds(overlay.getBounds().extend(outline.getBounds()), { padding: [16, 16] });
      fitted = true;
    }
  }

  function focusPoint(id) {
    var row = document.getElementById("point-" + id);
    if (!row) {  // filtered out: show everything again
      state.pointFilter = { layer: "", risk: "" };
      document.querySelectorAll("#point-filters select").forEach(function (s) { s.value = ""; });
      drawPoints();
      row = document.getElementById("point-" + id);
    }
    if (!row) return;
    document.querySelectorAll("tr.point.focus").forEach(function (r) { r.classList.remove("focus"); });
    row.classList.add("focus");
    row.scrollIntoView({ behavior: "smooth", block: "center" });
  }

  // ----------------------------------------------------------- point tables

  function openHazardCounts() {
    var counts = {};
    state.data.hazard_list.forEach(function (h) {
      if (h.state !== "closed") counts[h.point_id] = (counts[h.point_id] || 0) + 1;
    });
    return counts;
  }

  var POINT_SORT = {
    name: function (f) { return f.properties.name; },
    key: function (f) { return f.properties.key; },
    risk: function (f) { return -LEVEL_RANK[f.properties.risk_level]; },
    open: function (f) { return -(state.openCounts[f.properties.id] || 0); },
    distance: function (f) { return f.properties.distance_m; },
  };

  function pointTable(id, layerLabel, features, outside) {
    var head = [
      ["name", T.name], ["key", T.key], ["risk", T.risk], ["open", T.open_hazards],
    ];
    if (outside) head.push(["distance", T.distance]);
    var canRecord = P.can_write && !outside;
    var table = el("table", { id: id, className: "cards sortable points" });
    var tr = el("tr");
    head.forEach(function (h) {
      tr.appendChild(el("th", { dataset: { key: h[0] } }, el("button", { type: "button", text: h[1] })));
    });
    if (canRecord) tr.appendChild(el("th", { className: "act" }));
    table.appendChild(el("thead", null, tr));
    var tbody = el("tbody");
    sorted(id, features, POINT_SORT).forEach(function (f) {
      var p = f.properties;
      var layer = LAYERS[p.layer];
      var details = el("details", { className: "attrs" }, el("summary", { text: T.details }));
      var dl = el("dl");
      if (outside) dl.append(el("dt", { text: layerLabel }), el("dd", { text: layer ? layer.label : p.layer }));
      (layer ? layer.fields : []).forEach(function (field) {
        var v = p.attrs[field.name];
        var dd = el("dd");
        if (/phone$/.test(field.name) && tel(v)) dd.appendChild(el("a", { href: "tel:" + tel(v), text: String(v) }));
        else dd.textContent = formatValue(field, v);
        dl.append(el("dt", { text: field.label }), dd);
      });
      details.appendChild(dl);
      var risk = el("span", null, levelBadge(p.risk_level));
      if (p.inherent_level !== p.risk_level) {
        risk.append(" ", el("small", { className: "inherent",
          text: "(" + T.inherent + " " + ((P.levels[p.inherent_level] || {}).label || "") + ")" }));
      }
      var open = state.openCounts[p.id] || 0;
      var row = el("tr", { id: "point-" + p.id, className: "point" + (outside ? " outside" : ""),
        dataset: { id: String(p.id), layer: p.layer, level: p.risk_level } },
        cell(T.name, "name", el("span", { className: "pname", text: p.name }), details),
        cell(T.key, "key", p.key),
        cell(T.risk, "risk", risk),
        cell(T.open_hazards, "open" + (open ? " hot" : ""), String(open)));
      if (outside) row.appendChild(cell(T.distance, "distance",
        Math.round(p.distance_m || 0) + " " + T.metres));
      if (canRecord) {
        var b = el("button", { type: "button", className: "record", text: T.record });
        b.addEventListener("click", function () { startRecord(p.id); });
        row.appendChild(cell("", "act", b));
      }
      tbody.appendChild(row);
    });
    table.appendChild(tbody);
    sortHeader(table.tHead, id, drawPoints);
    return table;
  }

  function drawPoints() {
    var box = document.getElementById("point-tables");
    clear(box);
    var f = state.pointFilter;
    var shown = 0;
    function keep(feat) { return !f.risk || feat.properties.risk_level === f.risk; }
    P.layers.forEach(function (layer) {
      if (f.layer && f.layer !== layer.code) return;
      var feats = state.data.points.features.filter(function (x) {
        return x.properties.layer === layer.code && keep(x);
      });
      shown += feats.length;
      var section = el("section", { className: "layer-table", dataset: { layer: layer.code } },
        el("h3", null, layer.label + " ", el("span", { className: "count", text: "(" + feats.length + ")" })));
      section.appendChild(feats.length ? pointTable("points-" + layer.code, layer.label, feats, false)
        : el("p", { className: "empty", text: T.no_points }));
      box.appendChild(section);
    });
    var near = state.data.outside_points_nearby.features.filter(function (x) {
      return (!f.layer || x.properties.layer === f.layer) && keep(x);
    });
    if (near.length) {
      box.appendChild(el("section", { className: "layer-table outside-table", dataset: { layer: "outside" } },
        el("h3", null, T.outside + " ", el("span", { className: "count", text: "(" + near.length + ")" })),
        pointTable("points-outside", T.fields.point_id, near, true)));
    }
    document.getElementById("point-count").textContent = "(" + state.data.points.features.length + ")";
  }

  // ---------------------------------------------------------------- hazards

  var HAZARD_SORT = {
    code: function (h) { return h.code; },
    point: function (h) { return (state.points[h.point_id] || { properties: {} }).properties.name; },
    description: function (h) { return h.description; },
    level: function (h) { return h.level === "major" ? 0 : 1; },
    source: function (h) { return T.sources[h.source]; },
    found_on: function (h) { return h.found_on; },
    deadline: function (h) { return h.deadline; },
    responsible: function (h) { return h.responsible_unit || h.responsible_person; },
    listed: function (h) { return h.listed ? 0 : 1; },
    state: function (h) { return STATE_RANK[h.state]; },
  };

  function hazardShown(h) {
    var f = state.hazardFilter;
    var point = state.points[h.point_id];
    if (f.layer && (!point || point.properties.layer !== f.layer)) return false;
    if (f.level && h.level !== f.level) return false;
    if (f.state === "unclosed") return h.state !== "closed";
    if (f.state === "overdue") return h.overdue;
    if (f.state && h.state !== f.state) return false;
    return true;
  }

  function historyList(h) {
    var ol = el("ol", { className: "history" });
    h.events.slice().reverse().forEach(function (e) {
      var move = e.from_state
        ? T.states[e.from_state] + " → " + T.states[e.to_state]
        : (T.event_actions[e.action] || e.action) + " → " + T.states[e.to_state];
      ol.appendChild(el("li", { dataset: { action: e.action } },
        el("time", { datetime: e.at, text: localTime(e.at) }), " ",
        el("span", { className: "actor", text: e.actor }), " ",
        el("span", { className: "move", text: move }),
        e.note ? el("div", { className: "event-note", text: e.note }) : null));
    });
    return ol;
  }

  function hazardBody(h, labels) {
    var point = state.points[h.point_id];
    var pp = point ? point.properties : { name: "#" + h.point_id, layer: "" };
    var layer = LAYERS[pp.layer];
    var tbody = el("tbody", { className: "hazard" + (h.overdue ? " is-overdue" : "") +
      (h.level === "major" ? " is-major" : ""),
      dataset: { id: String(h.id), state: h.state, level: h.level, version: String(h.version) } });
    var stateCell = cell(labels[9], "state",
      el("span", { className: "state state-" + h.state, text: T.states[h.state] }));
    if (h.overdue) stateCell.append(" ", el("span", { className: "badge overdue", text: T.overdue }));
    var deadline = cell(labels[6], "deadline", h.deadline);
    if (h.overdue) deadline.classList.add("late");
    var resp = [h.responsible_unit, h.responsible_person].filter(Boolean).join(" / ") || "—";
    var pointCell = cell(labels[1], "point", el("span", { text: pp.name }));
    if (layer) pointCell.append(" ", el("small", { className: "layer", text: layer.label }));
    tbody.appendChild(el("tr", { className: "summary" },
      cell(labels[0], "code", h.code),
      pointCell,
      cell(labels[2], "description", el("span", { className: "desc", text: h.description })),
      cell(labels[3], "hlevel", el("span", { className: "hlevel hlevel-" + h.level,
        text: T.hazard_levels[h.level] })),
      cell(labels[4], "source", T.sources[h.source] || h.source),
      cell(labels[5], "found", h.found_on),
      deadline,
      cell(labels[7], "responsible", resp),
      cell(labels[8], "listed", h.listed ? el("span", { className: "badge listed", text: T.listed }) : "—"),
      stateCell));

    var work = el("div", { className: "work" });
    if (P.can_write && h.actions.length) {
      var note = el("textarea", { className: "note", rows: "2", maxlength: "2000",
        placeholder: T.note, "aria-label": T.note });
      note.value = state.notes[h.id] || "";
      note.addEventListener("input", function () { state.notes[h.id] = note.value; });
      var actions = el("div", { className: "actions" });
      h.actions.forEach(function (a) {
        var b = el("button", { type: "button", className: "action action-" + a,
          dataset: { action: a }, text: T.actions[a] || a });
        b.addEventListener("click", function () { move(h, a, tbody); });
        actions.appendChild(b);
      });
      work.append(note, actions);
    }
    var msg = state.messages[h.id];
    work.appendChild(el("p", { className: "msg" + (msg && msg.error ? " error" : ""),
      role: "status", text: msg ? msg.text : "", hidden: !msg }));
    var detail = el("td", { colspan: "10", className: "detail" }, el("div", { className: "panes" },
      work, el("div", { className: "hist" }, el("h4", { text: T.history }), historyList(h))));
    tbody.appendChild(el("tr", { className: "detail-row" }, detail));
    return tbody;
  }

  function drawHazards() {
    var table = document.getElementById("hazard-table");
    var labels = headerLabels(table);
    Array.prototype.slice.call(table.tBodies).forEach(function (b) { b.remove(); });
    // until a column is chosen: hazards still to close first, each group as the API orders it
    var list = state.data.hazard_list.filter(hazardShown);
    list = state.sort["hazard-table"] ? sorted("hazard-table", list, HAZARD_SORT)
      : list.filter(function (h) { return h.state !== "closed"; })
        .concat(list.filter(function (h) { return h.state === "closed"; }));
    list.forEach(function (h) { table.appendChild(hazardBody(h, labels)); });
    document.getElementById("hazard-empty").hidden = list.length > 0;
    document.getElementById("hazard-count").textContent =
      "(" + list.length + " / " + state.data.hazard_list.length + ")";
    sortHeader(table.tHead, "hazard-table", drawHazards);
  }

  function drawCellHistory() {
    var events = [];
    state.data.hazard_list.forEach(function (h) {
      h.events.forEach(function (e) { events.push({ e: e, h: h }); });
    });
    events.sort(function (a, b) { return a.e.at < b.e.at ? 1 : a.e.at > b.e.at ? -1 : 0; });
    var ol = document.getElementById("cell-events");
    clear(ol);
    events.slice(0, 30).forEach(function (x) {
      var e = x.e;
      ol.appendChild(el("li", { dataset: { hazard: String(x.h.id) } },
        el("time", { datetime: e.at, text: localTime(e.at) }), " ",
        el("span", { className: "hcode", text: x.h.code }), " ",
        el("span", { className: "actor", text: e.actor }), " ",
        el("span", { className: "move", text: (e.from_state ? T.states[e.from_state]
          : (T.event_actions[e.action] || e.action)) + " → " + T.states[e.to_state] }),
        e.note ? el("div", { className: "event-note", text: e.note }) : null));
    });
  }

  // ----------------------------------------------------------------- writing

  function post(url, body, extraHeaders) {
    var headers = { "Content-Type": "application/json", "X-CSRFToken": CSRF,
      "Accept": "application/json" };
    Object.keys(extraHeaders || {}).forEach(function (k) { headers[k] = extraHeaders[k]; });
    return fetch(url, { method: "POST", headers: headers, body: JSON.stringify(body),
      credentials: "same-origin" });
  }

  function errorText(response, body) {
    return T.failed + "（" + response.status + "）" + (body && body.message ? "：" + body.message : "");
  }

  function move(h, action, tbody) {
    delete state.messages[h.id];
    notice("");
    // the server records the logged-in user as the actor
    var body = { action: action, note: state.notes[h.id] || "" };
    tbody.querySelectorAll(".actions button").forEach(function (b) { b.disabled = true; });
    post(P.hazard_url + h.id + "/transitions", body, { "If-Match": '"' + h.version + '"' })
      .then(function (r) {
        return r.json().catch(function () { return null; }).then(function (j) {
          if (r.status === 412) {
            state.messages[h.id] = { text: T.conflict, error: true };
            notice(T.conflict, true);
            return refresh();
          }
          if (!r.ok) {
            state.messages[h.id] = { text: errorText(r, j), error: true };
            return refresh();
          }
          // show the new state and history at once, then refresh levels and figures
          replaceHazard(j);
          delete state.notes[h.id];
          state.messages[h.id] = { text: T.moved + "：" + T.states[j.state], error: false };
          var labels = headerLabels(document.getElementById("hazard-table"));
          tbody.replaceWith(hazardBody(j, labels));
          drawCellHistory();
          return refresh();
        });
      })
      .catch(function () {
        state.messages[h.id] = { text: T.network, error: true };
        drawHazards();
      });
  }

  function replaceHazard(h) {
    var list = state.data.hazard_list;
    for (var i = 0; i < list.length; i++) if (list[i].id === h.id) list[i] = h;
  }

  function startRecord(pointId) {
    var panel = document.getElementById("new-hazard-panel");
    var form = document.getElementById("new-hazard");
    if (!panel) return;
    panel.open = true;
    form.elements.point_id.value = String(pointId);
    panel.scrollIntoView({ behavior: "smooth", block: "start" });
    form.elements.description.focus({ preventScroll: true });
  }

  function fillPointSelect() {
    var form = document.getElementById("new-hazard");
    if (!form) return;
    var select = form.elements.point_id;
    var current = select.value;
    clear(select);
    select.appendChild(el("option", { value: "", text: T.choose_point }));
    P.layers.forEach(function (layer) {
      var feats = state.data.points.features.filter(function (f) { return f.properties.layer === layer.code; });
      if (!feats.length) return;
      var group = el("optgroup", { label: layer.label });
      feats.forEach(function (f) {
        group.appendChild(el("option", { value: String(f.properties.id),
          text: f.properties.name + (f.properties.key ? "（" + f.properties.key + "）" : "") }));
      });
      select.appendChild(group);
    });
    select.value = current;
  }

  function formError(form, field, text) {
    var box = form.querySelector(".form-error");
    form.querySelectorAll("[aria-invalid]").forEach(function (n) { n.removeAttribute("aria-invalid"); });
    if (!text) { box.hidden = true; box.textContent = ""; return; }
    box.hidden = false;
    box.textContent = (field && T.fields[field] ? T.fields[field] + "：" : "") + text;
    var input = field && form.elements[field];
    if (input && input.setAttribute) { input.setAttribute("aria-invalid", "true"); input.focus(); }
  }

  function bindForm() {
    var form = document.getElementById("new-hazard");
    if (!form) return;
    var plan = document.getElementById("plan-fields");
    function syncPlan() { plan.hidden = form.elements.level.value !== "major"; }
    form.querySelectorAll('input[name="level"]').forEach(function (r) { r.addEventListener("change", syncPlan); });
    form.elements.found_on.addEventListener("change", function () {
      form.elements.deadline.min = form.elements.found_on.value;
    });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var e = form.elements;
      var body = {
        level: e.level.value, source: e.source.value, description: e.description.value,
        found_on: e.found_on.value, deadline: e.deadline.value,
        responsible_unit: e.responsible_unit.value, responsible_person: e.responsible_person.value,
        listed: e.listed.checked,
      };
      if (body.level === "major") {
        body.plan = {};
        ["goal", "measures", "funds", "emergency_plan"].forEach(function (k) {
          body.plan[k] = e["plan." + k].value;
        });
      }
      var submit = form.querySelector('button[type="submit"]');
      submit.disabled = true;
      notice("");
      formError(form, null, "");
      post(P.new_hazard_url + e.point_id.value + "/hazards", body)
        .then(function (r) {
          return r.json().catch(function () { return null; }).then(function (j) {
            if (r.status !== 201) {
              // a named field: its label and the reason say it all
              formError(form, j && j.field, j && j.field && j.message ? j.message : errorText(r, j));
              return;
            }
            var keepFound = e.found_on.value;
            form.reset();
            e.found_on.value = keepFound;
            syncPlan();
            state.messages[j.id] = { text: T.created.replace("{code}", j.code), error: false };
            notice(T.created.replace("{code}", j.code), false);
            return refresh().then(function () {
              var row = document.querySelector('.hazard[data-id="' + j.id + '"]');
              if (row) { row.classList.add("fresh"); row.scrollIntoView({ behavior: "smooth", block: "center" }); }
            });
          });
        })
        .catch(function () { formError(form, null, T.network); })
        .then(function () { submit.disabled = false; });
    });
  }

  function bindFilters() {
    document.querySelectorAll("#hazard-filters select").forEach(function (s) {
      s.addEventListener("change", function () { state.hazardFilter[s.name] = s.value; drawHazards(); });
    });
    document.querySelectorAll("#point-filters select").forEach(function (s) {
      s.addEventListener("change", function () { state.pointFilter[s.name] = s.value; drawPoints(); });
    });
  }

  // ------------------------------------------------------------------ loading

  function draw(data) {
    state.data = data;
    state.points = {};
    data.points.features.concat(data.outside_points_nearby.features).forEach(function (f) {
      state.points[f.properties.id] = f;
    });
    state.openCounts = openHazardCounts();
    drawHeader(data);
    drawMap(data);
    drawHazards();
    drawPoints();
    drawCellHistory();
    fillPointSelect();
  }

  function refresh() {
    return fetch(P.data_url, { headers: { Accept: "application/json" }, credentials: "same-origin",
      cache: "no-store" })
      .then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(draw);
  }

  bindFilters();
  bindForm();
  window.geoappReady = refresh().then(function () { return true; }, function (err) {
    notice(T.load_failed + "：" + err.message, true);
    throw err;
  });
})();
