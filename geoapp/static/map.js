/* The leader's map: fills folium's skeleton (window.geoappFolium) from /api/map/...
 *
 * Every text from the data reaches the DOM through textContent or attribute setters,
 * never innerHTML; UI strings come translated from the page (config.t).
 * For drivers (tests): window.geoappMap is the Leaflet map, window.geoappReady resolves
 * when cells and the first points are drawn, window.geoappMapUi has helpers.
 */
(function () {
  "use strict";

  var config = window.geoappDom.config();
  var T = config.t;
  var F = window.geoappFolium;
  var map = F.map;
  window.geoappBasemap.add(map, F.control);  // base layers: static/basemap.js
  window.geoappMap = map;
  // without a basemap nothing else sets these; markercluster needs a maximum zoom
  if (map.options.maxZoom === undefined) map.setMaxZoom(19);
  L.control.scale({ imperial: false }).addTo(map);

  var resolveReady, rejectReady;
  window.geoappReady = new Promise(function (res, rej) { resolveReady = res; rejectReady = rej; });

  var LEVELS = ["red", "orange", "yellow", "blue"];
  var state = {
    cells: null,          // the decoded /api/map/cells payload
    polygons: [],         // one Leaflet polygon per cell, by index
    exact: {},            // cell index -> true once exact geometry replaced the overview
    tilesLoaded: {},
    filters: { town: "", village: "", cell: "", levels: LEVELS.slice(), hazard: "", outside: "", visit: "" },
    pointsAbort: null,
    lastPoints: null,
  };

  // ---- small DOM helpers (textContent only) ------------------------------------------

  var el = window.geoappDom.el;  // static/dom.js: text only, never HTML

  function row(label, value) {
    var v = value instanceof Node ? value : document.createTextNode(value === null || value === undefined ? "—" : String(value));
    return el("tr", null, [el("th", { text: label }), el("td", null, [v])]);
  }

  function levelPill(level) {
    return el("span", { className: "pill gm-lv-" + level, text: T.levels[level] || level });
  }

  function fetchJSON(url, options) {
    return fetch(url, Object.assign({ credentials: "same-origin", headers: { Accept: "application/json" } }, options || {}))
      .then(function (r) {
        if (!r.ok) throw new Error(r.status + " " + url);
        return r.json();
      });
  }

  function setStatus(text) {
    document.getElementById("map-status").textContent = text;
  }

  // ---- cells ---------------------------------------------------------------------------

  function decodeGeometry(polys, q, ox, oy) {
    return polys.map(function (rings) {
      return rings.map(function (ring) {
        var x = 0, y = 0, out = new Array(ring.length / 2);
        for (var i = 0; i < ring.length; i += 2) {
          x += ring[i]; y += ring[i + 1];
          out[i / 2] = [oy + y * q, ox + x * q];
        }
        return out;
      });
    });
  }

  function hazardFigures(i) {
    var h = state.cells.hazards[i];
    return { open: h[0], overdue: h[1], major_open: h[2], listed_open: h[3], closed: h[4] };
  }

  function cellMatches(i) {
    var c = state.cells, f = state.filters;
    if (f.levels.indexOf(LEVELS[c.level[i]]) < 0) return false;
    if (f.cell && c.code[i] !== f.cell) return false;
    var v = c.villages[c.village[i]];
    if (f.village && v[0] !== f.village) return false;
    if (f.town && c.towns[v[1]] !== f.town) return false;
    if (f.hazard) {
      var h = hazardFigures(i);
      var key = { open: "open", overdue: "overdue", major_open: "major_open", listed: "listed_open" }[f.hazard];
      if (!h[key]) return false;
    }
    return true;
  }

  function cellStyle(i) {
    var c = state.cells, level = LEVELS[c.level[i]];
    var h = hazardFigures(i);
    var on = cellMatches(i);
    if (!on) {
      return { color: "#999", weight: 0.6, opacity: 0.6, fillColor: "#bbb", fillOpacity: 0.08, dashArray: null };
    }
    if (h.overdue > 0) {
      return { color: "#111", weight: 3, opacity: 1, fillColor: config.colours[level], fillOpacity: 0.6, dashArray: null };
    }
    return { color: "#ffffff", weight: 1, opacity: 0.9, fillColor: config.colours[level], fillOpacity: 0.6, dashArray: null };
  }

  function drawCells(data) {
    state.cells = data;
    var n = data.code.length;
    var renderer = n > 3000 ? L.canvas({ padding: 0.3 }) : L.svg({ padding: 0.3 });
    var q = data.quantum, ox = data.origin[0], oy = data.origin[1];
    var overdueLayers = [];
    for (var i = 0; i < n; i++) {
      var poly = L.polygon(decodeGeometry(data.geom[i], q, ox, oy),
        Object.assign({ renderer: renderer, className: "gm-cell gm-cell-" + LEVELS[data.level[i]] }, cellStyle(i)));
      poly.gmIndex = i;
      poly.on("click", onCellClick);
      state.polygons.push(poly);
      F.cells.addLayer(poly);
      if (data.hazards[i][1] > 0) overdueLayers.push(poly);
    }
    overdueLayers.forEach(function (p) { p.bringToFront(); });
    Object.keys(data.badge).forEach(function (k) {
      var i = Number(k), at = data.badge[k], n = data.hazards[i][3];
      var badge = el("span", { className: "gm-badge", text: T.badge_listed + (n > 1 ? n : "") });
      var marker = L.marker([at[1], at[0]], {
        icon: L.divIcon({ className: "gm-badge-icon", html: badge, iconSize: null }),
        keyboard: false, interactive: true, zIndexOffset: 1000,
      });
      marker.gmIndex = i;
      marker.on("click", onCellClick);
      F.cells.addLayer(marker);
    });
    F.cells.bindTooltip(function (layer) {
      var i = layer.gmIndex;
      if (i === undefined) return "";
      return el("span", null, [state.cells.name[i] + " ", el("small", { text: state.cells.code[i] })]);
    }, { sticky: true, className: "gm-tooltip", direction: "top" });
    fillAreaSelects();
  }

  function restyleCells() {
    for (var i = 0; i < state.polygons.length; i++) state.polygons[i].setStyle(cellStyle(i));
  }

  function onCellClick(e) {
    L.DomEvent.stopPropagation(e);
    openCell(e.target.gmIndex, e.latlng);
  }

  function cellIndex(code) {
    return state.cells ? state.cells.code.indexOf(code) : -1;
  }

  function openCell(i, latlng) {
    var c = state.cells;
    if (i < 0 || i === undefined) return null;
    var code = c.code[i], v = c.villages[c.village[i]], h = hazardFigures(i), level = LEVELS[c.level[i]];
    var total = h.open + h.closed;
    var counts = el("table", { className: "counts" });
    c.layers.forEach(function (layer, k) { counts.appendChild(row(T.layers[layer] || layer, c.counts[i][k])); });
    var hz = el("table", { className: "hazard-figures" }, [
      row(T.open, h.open), row(T.overdue, el("span", { className: h.overdue ? "overdue" : "", text: String(h.overdue) })),
      row(T.major_open, h.major_open), row(T.listed_open, h.listed_open), row(T.closed, h.closed),
      row(T.rate, total ? Math.round(h.closed / total * 1000) / 10 + "%" : "—"),
    ]);
    var members = el("tbody", null, [row(T.member, T.loading)]);
    var reasons = el("div", { className: "gm-reasons-slot" });
    var link = el("a", { className: "link", href: config.urls.cell_page + encodeURIComponent(code), text: T.open_cell_page + " →" });
    var box = el("div", { id: "cell-popup", className: "gm-popup gm-cell-popup", "data-code": code }, [
      el("h3", null, [c.name[i] + " ", el("span", { className: "code", text: code })]),
      el("table", null, [row(T.village, v[0]), row(T.town, c.towns[v[1]]), row(T.risk_level, levelPill(level))]),
      reasons,
      el("table", { className: "members" }, [members]),
      el("div", { className: "section", text: T.points }), counts,
      el("div", { className: "section", text: T.hazards }), hz, link,
    ]);
    if (!latlng) latlng = state.polygons[i].getCenter();
    // clear of the zoom buttons (left) and the filters button (top)
    var popup = L.popup({ maxWidth: 320, autoPanPaddingTopLeft: [56, 60] }).setLatLng(latlng).setContent(box).openOn(map);
    fetchJSON(config.urls.cell + encodeURIComponent(code)).then(function (detail) {
      var why = reasonsBlock(detail.level_reasons, code);
      if (why) reasons.appendChild(why);
      var ms = detail.properties.members || [];
      while (members.firstChild) members.removeChild(members.firstChild);
      if (!ms.length) members.appendChild(row(T.member, T.none));
      ms.forEach(function (m) {
        var phone = m.phone ? el("a", { href: "tel:" + String(m.phone).replace(/[^0-9+\-]/g, ""), text: m.phone }) : null;
        members.appendChild(row(T.member, el("span", null, [m.name || "", phone ? " " : null, phone])));
      });
      popup.update();  // grown by the reasons and members: laid out and panned into view again
    }).catch(function () {
      while (members.firstChild) members.removeChild(members.firstChild);
      members.appendChild(row(T.member, T.failed));
    });
    return box;
  }

  // 定级依据 in a popup (static/reasons.js): ``reasons`` of /api/cells/<code> (a cell's: a
  // point it names opens that point's popup here, or its row on the cell page in a new tab)
  // or a point's own (no links: they are about the point shown)
  function reasonsBlock(reasons, code) {
    if (!reasons || !reasons.length) return null;
    return el("div", { className: "gm-reasons" }, [
      el("div", { className: "section", text: T.level_reasons }),
      window.geoappReasons.list(reasons, code === null ? {} : {
        href: function (id) { return config.urls.cell_page + encodeURIComponent(code) + "#point-" + id; },
        open: function (id) { openPoint(id); },
      }),
    ]);
  }

  // exact geometry by tile once zoomed in past the overview's precision
  function loadExactTiles() {
    var c = state.cells;
    if (!c || map.getZoom() < c.detail.from_zoom || !map.hasLayer(F.cells)) return;
    var z = c.detail.tile_zoom, b = map.getBounds();
    var nw = map.project(b.getNorthWest(), z).divideBy(256).floor();
    var se = map.project(b.getSouthEast(), z).divideBy(256).floor();
    for (var x = nw.x; x <= se.x; x++) {
      for (var y = nw.y; y <= se.y; y++) {
        var key = z + "/" + x + "/" + y;
        if (state.tilesLoaded[key]) continue;
        state.tilesLoaded[key] = true;
        fetchJSON(config.urls.tile + key).then(applyExact).catch(function () {});
      }
    }
  }

  function applyExact(tile) {
    var q = tile.quantum, ox = tile.origin[0], oy = tile.origin[1];
    tile.code.forEach(function (code, k) {
      var i = cellIndex(code);
      if (i < 0 || state.exact[i]) return;
      state.exact[i] = true;
      state.polygons[i].setLatLngs(decodeGeometry(tile.geom[k], q, ox, oy));
    });
  }

  // ---- filters -------------------------------------------------------------------------

  function option(value, label) {
    return el("option", { value: value, text: label });
  }

  function refill(select, entries) {
    var keep = select.value;
    while (select.options.length > 1) select.remove(1);
    entries.forEach(function (e) { select.appendChild(option(e[0], e[1])); });
    select.value = entries.some(function (e) { return e[0] === keep; }) ? keep : "";
  }

  function fillAreaSelects() {
    var c = state.cells, f = state.filters;
    refill(document.getElementById("f-town"), c.towns.map(function (t) { return [t, t]; }));
    var villages = c.villages.filter(function (v) { return !f.town || c.towns[v[1]] === f.town; })
      .map(function (v) { return v[0]; });
    villages = villages.filter(function (v, k) { return villages.indexOf(v) === k; });
    refill(document.getElementById("f-village"), villages.map(function (v) { return [v, v]; }));
    var cells = [];
    for (var i = 0; i < c.code.length; i++) {
      var v = c.villages[c.village[i]];
      if (f.town && c.towns[v[1]] !== f.town) continue;
      if (f.village && v[0] !== f.village) continue;
      cells.push([c.code[i], c.code[i] + " " + c.name[i]]);
    }
    refill(document.getElementById("f-cell"), cells);
  }

  function readFilters() {
    var f = state.filters;
    f.town = document.getElementById("f-town").value;
    f.village = document.getElementById("f-village").value;
    f.cell = document.getElementById("f-cell").value;
    f.hazard = document.getElementById("f-hazard").value;
    f.outside = document.getElementById("f-outside").value;
    var visit = document.querySelector("#f-visits input:checked");
    f.visit = visit ? visit.value : "";
    f.levels = Array.prototype.slice.call(document.querySelectorAll("#f-levels input:checked"))
      .map(function (x) { return x.value; });
    document.getElementById("hl-outside").setAttribute("aria-pressed", f.outside === "only" ? "true" : "false");
  }

  function zoomToArea() {
    var f = state.filters;
    if (!f.town && !f.village && !f.cell) return;
    var bounds = null;
    for (var i = 0; i < state.polygons.length; i++) {
      var c = state.cells, v = c.villages[c.village[i]];
      if (f.cell && c.code[i] !== f.cell) continue;
      if (f.village && v[0] !== f.village) continue;
      if (f.town && c.towns[v[1]] !== f.town) continue;
      var b = state.polygons[i].getBounds();
      bounds = bounds ? bounds.extend(b) : L.latLngBounds(b.getSouthWest(), b.getNorthEast());
    }
    if (bounds) map.fitBounds(bounds, { padding: [20, 20] });
  }

  function onFilterChange(e) {
    var id = e && e.target ? e.target.id : "";
    readFilters();
    if (id === "f-town" || id === "f-village") fillAreaSelects();
    readFilters();
    restyleCells();
    updateCounts();
    if (id === "f-town" || id === "f-village" || id === "f-cell") zoomToArea();
    loadPoints();
  }

  function updateCounts() {
    if (!state.cells) return;
    var n = 0;
    for (var i = 0; i < state.cells.code.length; i++) if (cellMatches(i)) n++;
    var p = state.lastPoints;
    var text = T.cell + " " + n + " / " + state.cells.code.length;
    if (p) text += " · " + T.points_shown + " " + p.total + " (" + T.outside + " " + p.outside + ")";
    document.getElementById("f-counts").textContent = text;
  }

  function syncLayerChecks() {
    document.querySelectorAll("#f-layers input").forEach(function (box) {
      var layer = box.value === "cells" ? F.cells : F.layers[box.value];
      box.checked = map.hasLayer(layer);
    });
  }

  function wireFilters() {
    ["f-town", "f-village", "f-cell", "f-hazard", "f-outside"].forEach(function (id) {
      document.getElementById(id).addEventListener("change", onFilterChange);
    });
    document.querySelectorAll("#f-levels input, #f-visits input").forEach(function (box) {
      box.addEventListener("change", onFilterChange);
    });
    document.querySelectorAll("#f-layers input").forEach(function (box) {
      box.addEventListener("change", function () {
        var layer = box.value === "cells" ? F.cells : F.layers[box.value];
        if (box.checked) map.addLayer(layer); else map.removeLayer(layer);
      });
    });
    map.on("overlayadd overlayremove layeradd layerremove", function () { syncLayerChecks(); });
    map.on("overlayadd overlayremove", function (e) {
      if (e.layer !== F.cells) loadPoints(); else loadExactTiles();
    });
    document.getElementById("f-reset").addEventListener("click", function () {
      ["f-town", "f-village", "f-cell", "f-hazard", "f-outside"].forEach(function (id) {
        document.getElementById(id).value = "";
      });
      document.querySelectorAll("#f-levels input").forEach(function (box) { box.checked = true; });
      document.querySelector("#f-visits input[value='']").checked = true;
      readFilters(); fillAreaSelects(); restyleCells(); updateCounts(); loadPoints();
    });
    document.getElementById("hl-outside").addEventListener("click", function () {
      var sel = document.getElementById("f-outside");
      sel.value = sel.value === "only" ? "" : "only";
      setPanel(true);
      onFilterChange({ target: sel });
    });
  }

  // the filter panel: beside the map on wide screens (open), over it on phones (closed)
  function panelOpen() {
    var panel = document.getElementById("map-filters");
    if (panel.classList.contains("open")) return true;
    if (panel.classList.contains("closed")) return false;
    return window.innerWidth > 700;
  }

  function setPanel(open) {
    var panel = document.getElementById("map-filters");
    panel.classList.toggle("open", open);
    panel.classList.toggle("closed", !open);
    document.getElementById("filters-toggle").setAttribute("aria-expanded", open ? "true" : "false");
    map.invalidateSize();
  }

  function wirePanel() {
    document.getElementById("filters-toggle").addEventListener("click", function () {
      setPanel(!panelOpen());
    });
    setPanel(panelOpen());
    document.getElementById("legend-more").open = window.innerWidth > 700;
  }

  // ---- points --------------------------------------------------------------------------

  var clusterGroups = {};   // layer -> L.markerClusterGroup (client-side clustering)
  var serverGroups = {};    // layer -> L.layerGroup (server-side clusters)

  function shapeClass(layerIndex) { return "gm-shape-" + (layerIndex % 4); }

  function clusterIcon(count, level, flags, size) {
    var node = el("div", { className: "gm-cluster gm-lv-" + LEVELS[level] + (flags & 2 ? " gm-overdue" : ""),
      text: String(count) });
    return L.divIcon({ html: node, className: "gm-cluster-icon", iconSize: [size, size] });
  }

  function sizeFor(count) { return count < 10 ? 24 : count < 100 ? 30 : count < 1000 ? 36 : 42; }

  function groupFor(code) {
    if (!clusterGroups[code]) {
      clusterGroups[code] = L.markerClusterGroup({
        chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 50,
        spiderfyOnMaxZoom: true, disableClusteringAtZoom: 19,
        iconCreateFunction: function (cluster) {
          var worst = 3, flags = 0;
          cluster.getAllChildMarkers().forEach(function (m) {
            worst = Math.min(worst, m.gmLevel); flags |= m.gmFlags;
          });
          var n = cluster.getChildCount();
          return clusterIcon(n, worst, flags, sizeFor(n));
        },
      });
      F.layers[code].addLayer(clusterGroups[code]);
      serverGroups[code] = L.layerGroup();
      F.layers[code].addLayer(serverGroups[code]);
    }
    return clusterGroups[code];
  }

  function pointMarker(p, layers) {
    // p: [id, layer, level, lon, lat, flags, outside, name, visit, last_visit]
    var cls = "gm-pt " + shapeClass(p[1]) + " gm-lv-" + LEVELS[p[2]] +
      (p[5] & 2 ? " gm-overdue" : "") + (p[6] ? " gm-outside" : "");
    var node = el("span", { className: cls, "data-id": String(p[0]), "data-visit": p[8] || "" });
    // a point overdue for a visit carries a red dot (the legend says so)
    if (p[8] === "overdue") node = el("span", null, [node, el("span", { className: "visit-dot visit-overdue" })]);
    var marker = L.marker([p[4], p[3]], {
      icon: L.divIcon({ html: node, className: "gm-pt-icon", iconSize: [18, 18], iconAnchor: [9, 9] }),
      keyboard: false,
    });
    marker.gmId = p[0]; marker.gmLevel = p[2]; marker.gmFlags = p[5];
    var name = p[7], layerLabel = T.layers[layers[p[1]]] || layers[p[1]];
    marker.bindTooltip(function () {
      return el("span", null, [name, el("br"), el("small", { text: layerLabel + (p[6] ? " · " + T.outside : "") +
        (p[8] ? " · " + T.visits[p[8]] : "") })]);
    }, { className: "gm-tooltip", direction: "top", offset: [0, -8] });
    marker.on("click", function () { openPoint(p[0], marker.getLatLng()); });
    return marker;
  }

  function activeLayers() {
    return state.cells.layers.filter(function (code) { return map.hasLayer(F.layers[code]); });
  }

  function pointsUrl() {
    var b = map.getBounds().pad(0.25), f = state.filters;
    var bbox = [Math.max(-180, b.getWest()), Math.max(-90, b.getSouth()),
                Math.min(180, b.getEast()), Math.min(90, b.getNorth())]
      .map(function (v) { return v.toFixed(5); }).join(",");
    var params = new URLSearchParams({ bbox: bbox, zoom: String(Math.round(map.getZoom())),
                                       layers: activeLayers().join(",") });
    if (f.levels.length < 4) params.set("levels", f.levels.join(","));
    ["town", "village", "cell", "hazard", "outside", "visit"].forEach(function (k) { if (f[k]) params.set(k, f[k]); });
    return config.urls.points + "?" + params.toString();
  }

  var pointsTimer = null;
  function loadPoints() {
    clearTimeout(pointsTimer);
    return new Promise(function (resolve) {
      pointsTimer = setTimeout(function () { doLoadPoints().then(resolve, resolve); }, 120);
    });
  }

  function doLoadPoints() {
    if (!state.cells) return Promise.resolve();
    if (state.pointsAbort) state.pointsAbort.abort();
    var layers = state.cells.layers;
    if (!activeLayers().length || !state.filters.levels.length) {
      layers.forEach(function (code) { groupFor(code).clearLayers(); serverGroups[code].clearLayers(); });
      state.lastPoints = { total: 0, outside: 0 };
      showVisitCounts(null);
      updateCounts(); setStatus("");
      return Promise.resolve();
    }
    var ctrl = window.AbortController ? new AbortController() : null;
    state.pointsAbort = ctrl;
    return fetchJSON(pointsUrl(), ctrl ? { signal: ctrl.signal } : {}).then(function (data) {
      var perLayer = {};
      layers.forEach(function (code) { perLayer[code] = []; groupFor(code).clearLayers(); serverGroups[code].clearLayers(); });
      data.points.forEach(function (p) { perLayer[layers[p[1]]].push(pointMarker(p, layers)); });
      layers.forEach(function (code) { if (perLayer[code].length) groupFor(code).addLayers(perLayer[code]); });
      (data.clusters || []).forEach(function (c) {
        // c: [layer, lon, lat, count, level, flags, outside]
        var m = L.marker([c[2], c[1]], { icon: clusterIcon(c[3], c[4], c[5], sizeFor(c[3])), keyboard: false });
        var label = (T.layers[layers[c[0]]] || layers[c[0]]) + " · " + c[3] + " " + T.cluster_title;
        m.bindTooltip(function () { return el("span", { text: label + " · " + T.zoom_in }); }, { className: "gm-tooltip", direction: "top" });
        m.on("click", function () { map.setView(m.getLatLng(), Math.min(map.getZoom() + 2, map.getMaxZoom())); });
        serverGroups[layers[c[0]]].addLayer(m);
      });
      state.lastPoints = data;
      showVisitCounts(data.visits);
      updateCounts();
      setStatus(T.points_shown + " " + data.total + (data.mode === "clusters" ? " · " + T.clustered : "") +
        (data.outside ? " · " + T.outside + " " + data.outside : ""));
    }).catch(function (err) {
      if (err && err.name === "AbortError") return;
      if (window.console) console.error(err);
      setStatus(T.failed);
    });
  }

  // the points in view per visit status, beside each choice of the filter
  function showVisitCounts(counts) {
    document.querySelectorAll("#f-visits .visit-count").forEach(function (b) {
      b.textContent = counts ? String(counts[b.getAttribute("data-visit")]) : "0";
    });
  }

  function visitText(p) {
    if (!p.visit) return "—";
    return el("span", { className: "visit-" + p.visit + "-text" }, [
      el("span", { className: "visit-dot visit-" + p.visit }), " " + T.visits[p.visit]]);
  }

  function openPoint(id, latlng) {
    var box = el("div", { id: "point-popup", className: "gm-popup gm-point-popup", "data-id": String(id) },
      [el("p", { className: "muted", text: T.loading })]);
    var popup = L.popup({ maxWidth: 320, autoPanPaddingTopLeft: [56, 60] }).setContent(box);
    if (latlng) popup.setLatLng(latlng).openOn(map);
    return fetchJSON(config.urls.point + id).then(function (f) {
      var p = f.properties;
      while (box.firstChild) box.removeChild(box.firstChild);
      box.appendChild(el("h3", { text: p.name }));
      var where;
      if (p.outside) {
        where = T.outside + (p.cell ? " · " + T.nearest + " " + p.cell.code + " " + p.cell.name : "") +
          (p.distance_m !== null && p.distance_m !== undefined ? " · " + T.distance_m + " " + Math.round(p.distance_m) : "");
      } else {
        where = p.cell ? p.cell.code + " " + p.cell.name + " (" + p.cell.village + ")" : "—";
      }
      var t = el("table", null, [row(T.points, p.layer_label), row(T.risk_level, levelPill(p.risk_level)),
        row(p.outside ? T.outside : T.in_cell, where),
        row(T.last_visit, p.last_visit || T.never), row(T.visit_status, visitText(p))]);
      if (p.next_visit_due) t.appendChild(row(T.next_visit_due, p.next_visit_due));
      p.fields.forEach(function (fl) { t.appendChild(row(fl.label, fl.value)); });
      box.appendChild(t);
      var why = reasonsBlock(p.level_reasons, null);
      if (why) box.appendChild(why);
      box.appendChild(el("div", { className: "section", text: T.open_hazards + " (" + p.open_hazards.length + ")" }));
      if (!p.open_hazards.length) box.appendChild(el("p", { className: "muted", text: T.none }));
      p.open_hazards.forEach(function (h) {
        box.appendChild(el("div", { className: "hazard" }, [
          el("b", { text: (T.hazard_levels[h.level] || h.level) + " · " + (T.states[h.state] || h.state) }),
          h.listed ? el("span", { className: "gm-badge", text: T.badge_listed, title: T.listed_open }) : null,
          el("div", { text: h.description }),
          el("div", { className: "muted hazard-source", text: h.source_label }),
          el("div", { className: h.overdue ? "overdue" : "muted",
                      text: T.deadline + " " + h.deadline + (h.overdue ? " · " + T.overdue : "") }),
        ]));
      });
      var code = p.cell_code || (p.cell && p.cell.code);
      if (code) box.appendChild(el("a", { className: "link", href: config.urls.cell_page + encodeURIComponent(code), text: T.open_cell_page + " →" }));
      if (!latlng) {
        var c = f.geometry.coordinates;
        popup.setLatLng([c[1], c[0]]).openOn(map);
      } else {
        popup.update();
      }
      return box;
    }).catch(function () {
      while (box.firstChild) box.removeChild(box.firstChild);
      box.appendChild(el("p", { text: T.failed }));
      return box;
    });
  }

  // ---- search --------------------------------------------------------------------------

  function wireSearch() {
    var form = document.getElementById("search-form"), list = document.getElementById("search-results");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var q = document.getElementById("search-input").value.trim();
      while (list.firstChild) list.removeChild(list.firstChild);
      if (!q) return;
      fetchJSON(config.urls.search + "?" + new URLSearchParams({ q: q }).toString()).then(function (data) {
        if (!data.results.length) list.appendChild(el("li", { className: "muted", text: T.no_results }));
        data.results.forEach(function (r) {
          var btn = el("button", { type: "button", "data-id": String(r.id) }, [
            el("span", { className: "pill gm-lv-" + r.risk_level, text: T.levels[r.risk_level] || r.risk_level }), " ", r.name,
            el("small", { text: (T.layers[r.layer] || r.layer) + " · " + (r.cell_code || T.outside) }),
          ]);
          btn.addEventListener("click", function () {
            map.setView([r.lat, r.lon], Math.max(map.getZoom(), 17));
            openPoint(r.id, L.latLng(r.lat, r.lon));
            if (window.innerWidth <= 700) setPanel(false);
          });
          list.appendChild(el("li", null, [btn]));
        });
      }).catch(function () { list.appendChild(el("li", { text: T.failed })); });
    });
  }

  // the whole territory, clear of the legend where there is room beside it
  function fitTerritory() {
    var b = state.cells.bounds, legend = document.getElementById("map-legend");
    var size = map.getSize(), pad = [10, 10];
    if (size.x > 700) pad = [legend.offsetWidth + 20, 10];
    else pad = [10, legend.offsetHeight + 10];
    state.fitting = true;
    map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { animate: false, paddingTopLeft: [10, 10], paddingBottomRight: pad });
    state.fitting = false;
    state.autoFit = true;
  }

  // ---- start ---------------------------------------------------------------------------

  wirePanel();
  wireSearch();
  setStatus(T.loading);
  fetchJSON(config.urls.cells).then(function (data) {
    drawCells(data);
    wireFilters();
    readFilters();
    if (data.bounds) fitTerritory();
    map.on("moveend", function () { loadPoints(); loadExactTiles(); });
    // until someone moves the map, keep the whole territory in view when the window resizes
    map.on("dragstart zoomstart", function () { if (!state.fitting) state.autoFit = false; });
    map.on("resize", function () { if (state.autoFit) fitTerritory(); });
    updateCounts();
    loadExactTiles();
    return doLoadPoints();
  }).then(function () {
    resolveReady(map);
  }).catch(function (err) {
    setStatus(T.failed);
    rejectReady(err);
  });

  window.geoappMapUi = {
    state: state,
    openCell: function (code) { return openCell(cellIndex(code)); },
    openPoint: function (id) { return openPoint(id); },
    loadPoints: function () { return doLoadPoints(); },
    cellPolygon: function (code) { return state.polygons[cellIndex(code)]; },
    fitTerritory: function () { fitTerritory(); },
  };
})();
