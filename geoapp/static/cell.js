/* The grid member's cell page: loads its data and draws every part of it.
 *
 * The parts are in static/cell/ (loaded before this file, each on window.geoappCell):
 * core (data, texts, helpers), net (requests, offline banner, log-in in place), queue
 * (saves made offline), drafts, photos (downscaled in the browser), hazard_form, visit,
 * hazards, points, todo and map. Data comes from the page's JSON twin
 * (/api/cells/<code>); UI strings come translated from the page (#page-config "t").
 *
 * window.geoappReady resolves once the data is drawn (for browser tests).
 */
(function () {
  "use strict";

  var C = window.geoappCell;
  var T = C.T, P = C.P, el = C.el, state = C.state;

  function drawHeader(data) {
    var p = data.properties;
    var badge = document.getElementById("cell-level");
    badge.className = "level-badge level-" + p.risk_level;
    badge.dataset.level = p.risk_level;
    badge.textContent = (P.levels[p.risk_level] || {}).label || p.risk_level;
    var fig = document.getElementById("cell-figures");
    C.clear(fig);
    ["open", "overdue", "major_open", "listed_open", "total"].forEach(function (k) {
      var n = p.hazards[k] || 0;
      fig.appendChild(el("span", { className: "figure fig-" + k + (n && k !== "total" ? " hot" : "") },
        T.figures[k] + " ", el("b", { text: String(n) })));
    });
    drawReasons(data.level_reasons);
  }

  // 定级依据: each point it names opens that point's row below
  function drawReasons(reasons) {
    var box = document.getElementById("level-reasons");
    C.clear(box);
    box.appendChild(window.geoappReasons.list(reasons, {
      href: function (id) { return "#point-" + id; },
      open: function (id) {
        if (window.history.replaceState) window.history.replaceState(null, "", "#point-" + id);
        C.points.focus(id);
      },
      name: function (id) { return state.points[id] ? state.points[id].properties.name : null; },
    }));
  }

  // 登记新隐患 at any point of the cell (and, for those allowed, the outside ones near it)
  function fillPointSelect() {
    var select = document.getElementById("new-hazard-point");
    if (!select) return;
    var current = select.value;
    C.clear(select);
    select.appendChild(el("option", { value: "", text: T.choose_point }));
    function group(label, feats) {
      if (!feats.length) return;
      select.appendChild(el("optgroup", { label: label }, feats.map(function (f) {
        return el("option", { value: String(f.properties.id),
          text: f.properties.name + (f.properties.key ? "（" + f.properties.key + "）" : "") });
      })));
    }
    P.layers.forEach(function (layer) {
      group(layer.label, state.data.points.features.filter(function (f) { return f.properties.layer === layer.code; }));
    });
    if (P.can_write_outside) group(T.outside, state.data.outside_points_nearby.features);
    select.value = current;
  }

  function bindNewHazard() {
    var select = document.getElementById("new-hazard-point");
    if (!select) return;
    select.addEventListener("change", function () {
      var slot = document.getElementById("new-hazard-slot");
      C.clear(slot);
      var f = state.points[Number(select.value)];
      if (!f) return;
      slot.appendChild(C.hazardForm.build(f, { onSaved: function (h) {
        C.clear(slot);
        select.value = "";
        document.getElementById("new-hazard-panel").open = false;
        reload().then(function () { if (h) C.hazards.focus(h.id); });
      } }));
    });
  }

  function bindFilters() {
    document.querySelectorAll("#hazard-filters select").forEach(function (s) {
      s.addEventListener("change", function () { state.hazardFilter[s.name] = s.value; C.hazards.draw(); });
    });
    document.querySelectorAll("#point-filters select").forEach(function (s) {
      s.addEventListener("change", function () { state.pointFilter[s.name] = s.value; C.points.draw(); });
    });
  }

  function draw(data) {
    state.data = data;
    state.people = data.people || {};
    // the cell's hazards, then those at the outside points listed with it
    state.hazards = data.hazard_list.concat(data.outside_hazard_list || []);
    state.points = {};
    data.points.features.concat(data.outside_points_nearby.features).forEach(function (f) {
      state.points[f.properties.id] = f;
    });
    drawHeader(data);
    C.todo.draw();
    C.hazards.draw();
    C.points.draw();
    C.hazards.cellHistory();
    fillPointSelect();
    C.map.draw(data);
  }

  // Loading shows (body.is-loading, #cell-loading); a failed load says so with 重试, and
  // what is still on the page from an earlier load is greyed (body.is-stale): never old
  // data presented as current.
  function loadState(loading, err) {
    document.body.classList.toggle("is-loading", loading);
    document.getElementById("cell-loading").hidden = !loading;
    var box = document.getElementById("cell-load-failed");
    box.hidden = !err;
    document.body.classList.toggle("is-stale", !!err && !!state.data);
    if (err) {
      document.getElementById("cell-load-failed-text").textContent = T.load_failed +
        (err.network ? "（" + T.network + "）" : "：" + err.message) + (state.data ? " · " + T.stale : "");
    }
  }

  function reload() {
    loadState(true, null);
    return C.net.getJson(P.data_url).then(function (data) {
      draw(data);
      loadState(false, null);
    }, function (err) {
      loadState(false, err);
      throw err;
    });
  }
  C.reload = function () {
    return reload().catch(function () {});
  };
  document.getElementById("cell-retry").addEventListener("click", function () {
    C.reload().then(function () { C.queue.flush(); });
  });
  window.addEventListener("online", function () {
    if (!document.getElementById("cell-load-failed").hidden) C.reload();
  });

  // a save sent from the queue: show it
  C.queue.onSent(function () { C.reload(); });

  bindFilters();
  bindNewHazard();
  window.geoappReady = reload().then(function () {
    C.queue.flush();
    // a link to one hazard (the inbox's: /cells/<code>#hazard-<id>) opens its row
    var linked = /^#hazard-(\d+)$/.exec(window.location.hash);
    if (linked) C.hazards.focus(Number(linked[1]));
    // a link to one point (定级依据 on the map: /cells/<code>#point-<id>) opens its row
    var point = /^#point-(\d+)$/.exec(window.location.hash);
    if (point) C.points.focus(Number(point[1]));
    return true;
  }, function (err) {
    throw err;  // shown by loadState, with 重试
  });
})();
