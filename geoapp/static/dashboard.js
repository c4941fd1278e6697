/* The leader's dashboard (驾驶舱): the map of /api/map/cells coloured by /api/dashboard's
 * levels at a month's end, the KPI cards as filters, the red-cell and overdue lists, the
 * month slider (each month's state comes from the server: nothing is rebuilt here).
 *
 * Every text from the data reaches the DOM through textContent (static/dom.js), never
 * innerHTML; UI strings come translated from the page (config.t).
 * For drivers (tests): window.geoappDashboard.ready resolves once the map is drawn;
 * #dashboard[data-state] is "ready" and [data-month] the month shown after each load.
 */
(function () {
  "use strict";

  var config = window.geoappDom.config();
  var T = config.t;
  var el = window.geoappDom.el;
  var root = document.getElementById("dashboard");
  var slider = document.getElementById("db-slider");
  var state = {
    month: config.month,
    data: null,        // the /api/dashboard document shown
    shapes: null,      // the /api/map/cells document (shapes, names, villages)
    polygons: [],      // one Leaflet polygon per shape, by index
    at: {},            // cell code -> index in data.cells
    filter: null,      // the pressed KPI card's key, or null
    request: 0,        // the last load asked for: an older answer is dropped
  };

  var map = L.map("db-map", { zoomSnap: 0.25, attributionControl: false, minZoom: 3 });
  map.setView([35, 105], 4);
  L.control.scale({ imperial: false }).addTo(map);

  function fetchJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error(r.status + " " + url);
        return r.json();
      });
  }

  var decodeGeometry = window.geoappGeometry.decode;  // static/geometry.js

  // ---- which cells a KPI card selects -------------------------------------------------

  function figures(code) {
    var c = state.data.cells, i = state.at[code];
    if (i === undefined) return null;
    return { level: c.levels[c.level[i]], open: c.open[i], overdue: c.overdue[i], major_open: c.major_open[i] };
  }

  function selected(code) {
    var f = figures(code);
    if (!f) return false;
    switch (state.filter) {
      case "red_cells": return f.level === "red";
      case "open": return f.open > 0;
      case "overdue": return f.overdue > 0;
      case "major_open": return f.major_open > 0;
      default: return true;
    }
  }

  // ---- the map --------------------------------------------------------------------------

  function cellStyle(code) {
    var f = figures(code);
    if (!f) return { color: "#999", weight: 0.5, fillColor: "#ccc", fillOpacity: 0.15 };
    var colour = config.colours[f.level] || "#ccc";
    if (state.filter && !selected(code)) {
      return { color: "#aaa", weight: 0.5, fillColor: colour, fillOpacity: 0.08 };
    }
    return { color: f.overdue ? "#111" : "#fff", weight: f.overdue ? 2.5 : 1,
             fillColor: colour, fillOpacity: 0.7 };
  }

  function drawShapes(doc) {
    state.shapes = doc;
    var n = doc.code.length;
    var renderer = n > 3000 ? L.canvas({ padding: 0.3 }) : L.svg({ padding: 0.3 });
    for (var i = 0; i < n; i++) {
      // styled as drawn (the month's data are in by now): 10⁴ cells are not styled twice
      var poly = L.polygon(decodeGeometry(doc.geom[i], doc.quantum, doc.origin[0], doc.origin[1]),
        Object.assign({ renderer: renderer, className: "db-cell" }, cellStyle(doc.code[i])));
      poly.dbIndex = i;
      poly.on("click", onCellClick);
      poly.addTo(map);
      var path = poly.getElement && poly.getElement();
      if (path) path.setAttribute("data-code", doc.code[i]);  // for readers of the SVG
      state.polygons.push(poly);
    }
    if (doc.bounds) map.fitBounds([[doc.bounds[1], doc.bounds[0]], [doc.bounds[3], doc.bounds[2]]]);
  }

  function restyle() {
    if (!state.shapes) return;
    state.polygons.forEach(function (poly, i) {
      var code = state.shapes.code[i];
      poly.setStyle(cellStyle(code));
      if (state.filter && selected(code)) poly.bringToFront();
    });
  }

  function row(label, value) {
    return el("tr", null, el("th", { text: label }), el("td", { text: String(value) }));
  }

  function openCell(i, latlng) {
    var code = state.shapes.code[i], f = figures(code);
    var village = state.shapes.villages[state.shapes.village[i]];
    var body = el("div", { className: "db-popup", "data-code": code },
      el("h3", null, state.shapes.name[i] + " ", el("small", { text: code })),
      el("p", { text: (village ? village[0] : "") }),
      f ? el("table", null,
        row(T.month_end + " " + state.data.month, T.levels[f.level] || f.level),
        row(T.open, f.open), row(T.overdue, f.overdue), row(T.major_open, f.major_open))
        : el("p", { text: T.not_in_data }),
      el("a", { href: config.urls.cell_page + encodeURIComponent(code), text: T.open_cell_page + " →" }));
    L.popup({ maxWidth: 300 }).setLatLng(latlng || state.polygons[i].getCenter())
      .setContent(body).openOn(map);
  }

  function onCellClick(e) {
    L.DomEvent.stopPropagation(e);
    openCell(e.target.dbIndex, e.latlng);
  }

  function showCell(code) {
    var i = state.shapes ? state.shapes.code.indexOf(code) : -1;
    if (i < 0) return;
    map.fitBounds(state.polygons[i].getBounds(), { maxZoom: 15, padding: [40, 40] });
    openCell(i);
  }

  // ---- the KPIs and the lists ------------------------------------------------------------

  function fillKpis(k) {
    Object.keys(k).forEach(function (key) {
      var node = document.querySelector("#kpi-" + key + " .db-kpi-value");
      if (node) node.textContent = String(k[key]);
    });
    var rate = document.querySelector("#kpi-rate .db-kpi-value");
    rate.textContent = k.rectification_rate === null ? "—"
      : (Math.round(k.rectification_rate * 1000) / 10).toFixed(1) + "%";
  }

  // A list as the pressed card (or none) selects it: the server picked each card's rows
  // (at most a hundred, in order) and counted them all; "more" says how many are left out.
  function replace(list, items, count, empty) {
    while (list.firstChild) list.removeChild(list.firstChild);
    if (!items.length) list.appendChild(el("li", { className: "db-empty", text: empty }));
    items.forEach(function (item) { list.appendChild(item); });
    if (count > items.length) {
      list.appendChild(el("li", { className: "db-more", text: T.more + " " + (count - items.length) }));
    }
  }

  function picked(list) {
    var key = state.filter || "all";
    return { rows: list.lists[key].map(function (i) { return list.items[i]; }), count: list.counts[key] };
  }

  function fillLists() {
    var d = state.data;
    var red = picked(d.red_cells);
    replace(document.getElementById("db-red"), red.rows.map(function (c) {
      return el("li", { className: "db-red-item", "data-code": c.code },
        el("button", { type: "button", className: "db-link" },
          el("b", { text: c.name }), " ", el("small", { text: c.code })),
        el("span", { className: "db-where", text: [c.town, c.village].filter(Boolean).join(" · ") }),
        el("span", { className: "db-figs" },
          el("span", { text: T.open + " " + c.open }),
          el("span", { className: c.overdue ? "db-alert" : "", text: T.overdue + " " + c.overdue }),
          el("span", { text: T.major_open + " " + c.major_open })));
    }), red.count, T.no_red);
    document.getElementById("db-red-count").textContent = String(red.count);
    var overdue = picked(d.overdue);
    replace(document.getElementById("db-overdue"), overdue.rows.map(function (h) {
      return el("li", { className: "db-overdue-item db-hz-" + h.level, "data-code": h.code, "data-cell": h.cell_code || "" },
        el("button", { type: "button", className: "db-link" },
          el("b", { text: h.code }), " ", el("span", { text: T.hazard_levels[h.level] || h.level }),
          h.listed ? el("span", { className: "db-listed", text: T.listed }) : null),
        el("span", { className: "db-desc", text: h.description || "" }),
        el("span", { className: "db-where", text: [h.village, h.cell, h.point].filter(Boolean).join(" · ") }),
        el("span", { className: "db-figs" },
          el("span", { className: "db-alert", text: T.overdue + " " + h.days_overdue + " " + T.days }),
          el("span", { text: T.states[h.state] || h.state || "" })));
    }), overdue.count, T.no_overdue);
    document.getElementById("db-overdue-count").textContent = String(overdue.count);
  }

  function onListClick(e) {
    var item = e.target.closest("li[data-code]");
    if (!item || !e.target.closest("button")) return;
    showCell(item.dataset.cell !== undefined ? item.dataset.cell : item.dataset.code);
  }
  document.getElementById("db-red").addEventListener("click", onListClick);
  document.getElementById("db-overdue").addEventListener("click", onListClick);

  function applyFilter(restyled) {
    document.querySelectorAll(".db-kpi[data-kpi]").forEach(function (card) {
      card.setAttribute("aria-pressed", card.dataset.kpi === state.filter ? "true" : "false");
    });
    var note = document.getElementById("db-filter-note");
    note.hidden = !state.filter;
    if (state.filter) {
      note.textContent = T.filtered + ": " +
        document.querySelector("#kpi-" + state.filter + " .db-kpi-label").textContent;
    }
    if (!restyled) restyle();
    fillLists();
  }

  document.querySelectorAll(".db-kpi[data-kpi]").forEach(function (card) {
    card.addEventListener("click", function () {
      state.filter = state.filter === card.dataset.kpi ? null : card.dataset.kpi;
      if (state.data) applyFilter();
    });
  });

  // ---- a month ---------------------------------------------------------------------------

  function setData(data) {
    state.data = data;
    state.at = {};
    data.cells.code.forEach(function (code, i) { state.at[code] = i; });
  }

  function show(data, fresh) {
    map.closePopup();  // a cell's popup holds the figures of the month it was opened in
    if (state.data !== data) setData(data);
    document.getElementById("db-asof").textContent = data.month + " " + T.month_end +
      (data.to_date ? " · " + T.to_date : "");
    fillKpis(data.kpis);
    ["villages", "trend"].forEach(function (name) {
      document.getElementById("db-chart-" + name).src =
        config.urls.charts + name + ".svg?month=" + encodeURIComponent(data.month);
    });
    applyFilter(fresh);
    root.dataset.month = data.month;
    root.dataset.state = "ready";
  }

  function load(month) {
    var ticket = ++state.request;
    state.month = month;
    root.dataset.state = "loading";
    document.getElementById("db-slider-month").textContent = month;
    slider.setAttribute("aria-valuetext", month);
    return fetchJSON(config.urls.api + "?month=" + encodeURIComponent(month)).then(function (data) {
      if (ticket !== state.request) return;
      show(data);
      var url = new URL(window.location.href);
      url.searchParams.set("month", month);
      window.history.replaceState(null, "", url.toString());
    }).catch(function (err) {
      if (ticket === state.request) root.dataset.state = "failed";
      throw err;
    });
  }

  var pending = null;
  slider.addEventListener("input", function () {
    var month = config.months[Number(slider.value)];
    document.getElementById("db-slider-month").textContent = month;
    clearTimeout(pending);  // a drag asks for the month it stops at, not every one it passes
    pending = setTimeout(function () { load(month); }, 150);
  });

  window.geoappDashboard = {
    map: map,
    ready: Promise.all([fetchJSON(config.urls.cells), fetchJSON(config.urls.api + "?month=" + encodeURIComponent(state.month))])
      .then(function (got) {
        setData(got[1]);
        drawShapes(got[0]);
        show(got[1], true);  // the shapes were drawn in this month's colours
      }).catch(function (err) {
        root.dataset.state = "failed";
        throw err;
      }),
    load: load,
  };
})();
