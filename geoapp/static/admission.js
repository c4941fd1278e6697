/* The planner's admission check: pick a site on the map (click a point, or click the
 * vertices of a polygon) or type it, choose an industry, POST /api/admission-check,
 * show the verdict, its reasons and what the site touches.
 *
 * Every text from the data or the user reaches the DOM through textContent or
 * attribute setters, never innerHTML (Leaflet tooltips get DOM nodes, not strings).
 * UI strings come translated from the page (config.t).
 * Before any check the map shows the zones labelled (name and grade), the cells in their
 * four colours, the towns' outlines and the major hazard installations (/api/zones and
 * /api/admission/layers, fetched at load). A new mode (point ↔ polygon) or a failed check
 * clears the last verdict; a site refused as swapped (经纬度颠倒) is offered the exchange
 * as a button. The industry field is static/admission_industry.js.
 * For drivers (tests): window.admMap is the Leaflet map, window.admZonesReady resolves
 * when the zones and the backdrop are drawn, window.admLastResult is the last result
 * (null after a clear).
 */
(function () {
  "use strict";

  var config = window.geoappDom.config();
  var T = config.t;
  var $ = function (id) { return document.getElementById(id); };

  var el = window.geoappDom.el;  // static/dom.js: text only, never HTML

  // ---- the map ------------------------------------------------------------------------

  var map = L.map("adm-map", { zoomSnap: 0.25, doubleClickZoom: false, maxZoom: 19 });
  window.geoappBasemap.add(map);  // base layers: static/basemap.js
  window.admMap = map;
  L.control.scale({ imperial: false }).addTo(map);
  if (config.bounds) {
    var b = config.bounds;
    map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [10, 10] });
  } else {
    map.setView([35, 105], 4);
  }
  // ---- the backdrop, before any check ------------------------------------------------

  var ZONE_STYLE = { color: "#6a3d9a", weight: 1.5, fillColor: "#6a3d9a", fillOpacity: 0.06 };
  var cellLayer = L.geoJSON(null, {
    interactive: false,
    style: function (f) {
      return { color: "#555", weight: 0.6, fillColor: config.colours[f.properties.risk_level] || "#999",
               fillOpacity: 0.22, className: "adm-cell level-" + f.properties.risk_level };
    },
  }).addTo(map);
  var zoneLayer = L.geoJSON(null, {
    style: ZONE_STYLE,
    onEachFeature: function (f, layer) {
      var p = f.properties;
      // name and grade: the park's grade (A–D) where it has one, and its four-colour level
      var grade = [T.levels[p.risk_level] || p.risk_level];
      if (p.park_grade) grade.unshift(T.park_grade.replace("{grade}", p.park_grade));
      layer.bindTooltip(el("span", null, [p.name, el("small", { text: grade.join(" · ") })]),
        { permanent: true, direction: "center", className: "adm-zone-label" });
    },
  }).addTo(map);
  var townLayer = L.geoJSON(null, {
    interactive: false,
    style: { color: "#333", weight: 2, dashArray: "8 5", fill: false, className: "adm-town" },
  }).addTo(map);
  var installations = L.layerGroup().addTo(map);

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.json() : null;
    });
  }
  var zonesDrawn = getJSON(config.urls.zones).then(function (doc) {
    if (doc) zoneLayer.addData(doc);
  });
  var backdropDrawn = getJSON(config.urls.layers).then(function (doc) {
    if (!doc) return;
    cellLayer.addData(doc.cells);
    townLayer.addData(doc.towns);
    doc.major_hazards.features.forEach(function (f) {
      var p = f.properties, c = f.geometry.coordinates;
      L.circleMarker([c[1], c[0]], { radius: 5, className: "adm-mh", weight: 1.5, color: "#fff",
                                     fillColor: config.colours[p.risk_level] || "#e60012", fillOpacity: 1 })
        .bindTooltip(el("span", { text: T.installation + T.colon + p.name + (p.grade ? " · " + p.grade : "") }))
        .addTo(installations);
    });
  });
  window.admZonesReady = Promise.all([zonesDrawn, backdropDrawn]).then(declutter);

  // A zone's label shows while the zone is wide enough on screen to carry it and the label
  // does not cover another's (the larger zone first); else its name waits for a closer zoom.
  function declutter() {
    var zones = [];
    zoneLayer.eachLayer(function (layer) {
      var b = layer.getBounds();
      var a = map.latLngToContainerPoint(b.getNorthWest()), z = map.latLngToContainerPoint(b.getSouthEast());
      zones.push({ layer: layer, width: z.x - a.x, size: (z.x - a.x) * (z.y - a.y) });
    });
    zones.sort(function (p, q) { return q.size - p.size; });
    var taken = [];
    zones.forEach(function (zone) {
      zone.layer.closeTooltip();
      if (zone.width < 48) return;
      zone.layer.openTooltip();
      var tip = zone.layer.getTooltip().getElement();
      var r = tip && tip.getBoundingClientRect();
      if (r && taken.some(function (t) {
        return r.left < t.right && t.left < r.right && r.top < t.bottom && t.top < r.bottom;
      })) { zone.layer.closeTooltip(); return; }
      if (r) taken.push(r);
    });
  }
  map.on("zoomend", declutter);

  var draft = L.layerGroup().addTo(map);
  var result = L.layerGroup().addTo(map);
  var state = { mode: "point", vertices: [] };

  function fmt(v) { return (Math.round(v * 1e6) / 1e6).toFixed(6); }

  function drawDraft() {
    draft.clearLayers();
    var v = state.vertices;
    if (!v.length) return;
    if (state.mode === "point" || v.length === 1) {
      L.circleMarker(v[0], { radius: 7, color: "#fff", weight: 2, fillColor: "#1565c0", fillOpacity: 1 }).addTo(draft);
    } else {
      L.polygon(v, { color: "#1565c0", weight: 2, dashArray: state.closed ? null : "4 4", fillOpacity: 0.15 }).addTo(draft);
      v.forEach(function (p) { L.circleMarker(p, { radius: 4, color: "#1565c0", fillOpacity: 1 }).addTo(draft); });
    }
  }

  // Map clicks are WGS84. While the box holds what the map wrote, the coordinate system is
  // locked to WGS84 (read as GCJ-02 they would land hundreds of metres away); typing in
  // the box unlocks it. Conversions happen on the server only (geoapp/crs.py).
  function writeCoords(points) {
    $("adm-coords").value = points.map(function (p) { return fmt(p.lng) + "," + fmt(p.lat); })
      .join("\n");
    $("adm-crs").value = "wgs84";
    state.mapText = $("adm-coords").value;  // what the map wrote
    lockCrs();
  }

  function lockCrs() {
    var fromMap = state.mapText !== undefined && state.mapText !== "" &&
      $("adm-coords").value === state.mapText;
    $("adm-crs").disabled = fromMap;
    $("adm-crs-note").hidden = !fromMap;
  }
  $("adm-coords").addEventListener("input", lockCrs);

  function syncText() {
    writeCoords(state.vertices);
    $("adm-vertices").textContent = T.vertices.replace("{n}", state.vertices.length);
  }

  function sameVertex(a, b) {
    // Leaflet fires two clicks before a dblclick, a pixel or so apart at most
    return a && b && map.latLngToContainerPoint(a).distanceTo(map.latLngToContainerPoint(b)) < 3;
  }

  map.on("click", function (e) {
    if (state.mode === "point") {
      state.vertices = [e.latlng];
    } else {
      if (state.closed) { state.vertices = []; state.closed = false; }
      if (sameVertex(state.vertices[state.vertices.length - 1], e.latlng)) return;
      state.vertices.push(e.latlng);
    }
    syncText();
    drawDraft();
  });
  map.on("dblclick", function () { finishPolygon(); });

  function finishPolygon() {
    if (state.mode === "polygon" && state.vertices.length >= 3) {
      state.closed = true;
      drawDraft();
    }
  }

  // The verdict on screen belongs to the site it was given for: a new mode, a cleared site
  // or a failed check takes it away (map, result panel, print link).
  function clearResult() {
    result.clearLayers();
    zoneLayer.setStyle(ZONE_STYLE);
    $("adm-result").hidden = true;
    $("adm-print").href = "#";
    $("adm-fix").hidden = true;
    window.admLastResult = null;
  }

  function setMode(mode) {
    clearResult();
    $("adm-error").textContent = "";
    state.mode = mode;
    state.vertices = [];
    state.closed = false;
    draft.clearLayers();
    $("adm-draw-tools").hidden = mode !== "polygon";
    $("adm-mode-hint").textContent = mode === "polygon" ? $("adm-mode-hint").dataset.polygon : $("adm-mode-hint").dataset.point;
  }
  $("adm-mode-hint").dataset.point = $("adm-mode-hint").textContent;
  $("adm-mode-hint").dataset.polygon = T.polygon_hint;
  Array.prototype.forEach.call(document.querySelectorAll("input[name=mode]"), function (r) {
    r.addEventListener("change", function () { if (r.checked) setMode(r.value); });
  });
  $("adm-undo").addEventListener("click", function () {
    state.vertices.pop(); state.closed = false; syncText(); drawDraft();
  });
  $("adm-finish").addEventListener("click", finishPolygon);
  $("adm-clear").addEventListener("click", function () {
    state.vertices = []; state.closed = false; draft.clearLayers(); clearResult();
    $("adm-coords").value = "";
    lockCrs();
  });

  // ---- the industry (static/admission_industry.js) ----------------------------------

  var industry = window.geoappIndustry.attach({
    input: $("adm-industry"), list: $("adm-industry-list"), picked: $("adm-industry-picked"),
    url: config.urls.industries, lang: config.lang,
  });

  // ---- the check ----------------------------------------------------------------------

  function siteFromText() {
    var lines = $("adm-coords").value.split(/\n+/).map(function (s) { return s.trim(); }).filter(Boolean);
    var pts = [];
    for (var i = 0; i < lines.length; i++) {
      var parts = lines[i].split(/[\s,，;；]+/).filter(Boolean).map(Number);
      if (parts.length !== 2 || !isFinite(parts[0]) || !isFinite(parts[1])) return null;
      var last = pts[pts.length - 1];
      if (last && last[0] === parts[0] && last[1] === parts[1]) continue; // a repeated vertex
      pts.push(parts);
    }
    if (pts.length === 1) return { type: "Point", coordinates: pts[0] };
    if (pts.length >= 3) {
      var ring = pts.slice();
      var a = ring[0], z = ring[ring.length - 1];
      if (a[0] !== z[0] || a[1] !== z[1]) ring.push(a);
      return { type: "Polygon", coordinates: [ring] };
    }
    return null;
  }

  function industryCode() {
    if (industry.code()) return industry.code();
    var typed = $("adm-industry").value.trim().split(/\s+/)[0] || "";
    return /^[A-Ta-t]?\d{2,4}$/.test(typed) ? typed : "";
  }

  // a site the server found swapped (经纬度颠倒): its suggestion, written back into the box
  function writeSite(site) {
    var pts = site.type === "Point" ? [site.coordinates] : site.coordinates[0].slice(0, -1);
    $("adm-coords").value = pts.map(function (p) { return p[0] + "," + p[1]; }).join("\n");
    lockCrs();
  }

  function offerFix(doc) {
    var s = doc.suggestion;
    if (doc.error !== "swapped_coordinates" || !s || ["Point", "Polygon"].indexOf(s.site.type) < 0) return;
    var button = $("adm-swap");
    button.textContent = T.swap;
    button.onclick = function () {
      writeSite(s.site);
      $("adm-crs").value = s.crs;
      $("adm-fix").hidden = true;
      $("adm-form").requestSubmit();
    };
    $("adm-fix").hidden = false;
  }

  $("adm-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var err = $("adm-error");
    err.textContent = "";
    $("adm-fix").hidden = true;
    function refuse(text) { clearResult(); err.textContent = text; }
    if (!$("adm-coords").value.trim()) { refuse(T.pick_site); return; }
    var site = siteFromText();
    if (!site) { refuse(T.bad_coords); return; }
    var industry = industryCode();
    if (!industry) { refuse(T.pick_industry); return; }
    var body = { site: site, crs: $("adm-crs").value, industry: industry };
    var token = document.querySelector('meta[name="csrf-token"]');
    $("adm-check").disabled = true;
    err.textContent = T.checking;
    fetch(config.urls.check, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json",
                 "X-CSRFToken": token ? token.content : "" },
      body: JSON.stringify(body),
    }).then(function (r) {
      return r.json().catch(function () { return { message: r.status + " " + r.statusText }; })
        .then(function (doc) { return { ok: r.ok, doc: doc }; });
    }).then(function (res) {
      $("adm-check").disabled = false;
      if (!res.ok) {
        refuse(T.failed + T.colon + (res.doc.message || ""));
        offerFix(res.doc);
        return;
      }
      err.textContent = "";
      render(res.doc);
    }).catch(function (ex) {
      $("adm-check").disabled = false;
      refuse(T.failed + T.colon + ex);
    });
  });

  // a remark in brackets, a label in square ones: full-width in Chinese, ASCII in English
  function paren(text) { return T.parens[0] + text + T.parens[1]; }

  function tag(verdict) {
    return el("span", { className: "adm-tag v-" + verdict, text: T.verdicts[verdict] });
  }

  function reasonNode(r) {
    var head = el("div", null, [
      el("b", { text: T.brackets[0] + T.lists[r.list] + T.brackets[1] }),
      (r.clause ? r.clause + T.colon : "") + r.text,
    ]);
    var node = el("div", { className: "adm-reason" }, [head]);
    node.appendChild(el("div", { className: "note", text: r.code + " " + (r.industry_name || "") }));
    if (r.conditions && r.conditions.length) {
      node.appendChild(el("div", { text: T.conditions + T.colon }));
      node.appendChild(el("ol", null, r.conditions.map(function (c) { return el("li", { text: c }); })));
    }
    if (r.match === "partial") node.appendChild(el("div", { className: "note", text: T.match_partial }));
    // a zone without a catalogue gives a reason with no source document
    if (r.source) node.appendChild(el("div", { className: "src", text: T.source + T.colon + r.source }));
    return node;
  }

  function zoneBox(title, verdict, reasons, catalogue, emptyText) {
    var h = el("h3", null, [title, tag(verdict)]);
    if (catalogue && catalogue.synthetic) h.appendChild(el("span", { className: "adm-tag synthetic", text: T.synthetic }));
    var box = el("div", { className: "adm-zone" }, [h]);
    if (reasons.length) reasons.forEach(function (r) { box.appendChild(reasonNode(r)); });
    else box.appendChild(el("div", { className: "adm-reason", text: catalogue ? emptyText : T.no_catalogue }));
    return box;
  }

  function render(doc) {
    window.admLastResult = doc;
    $("adm-result").hidden = false;
    var v = $("adm-verdict");
    v.className = "adm-verdict v-" + doc.verdict;
    v.textContent = T.verdicts[doc.verdict];
    $("adm-meta").textContent = T.number + T.colon + doc.number + " · " + doc.industry.code + " " +
      doc.industry.name + " · " + doc.crs_label + " · " + doc.checked_at.replace("T", " ").slice(0, 19) +
      " (UTC" + doc.checked_at.slice(19) + ")";
    var zones = $("adm-zones");
    zones.textContent = "";
    if (doc.outside_zones) {
      var near = doc.nearest_zone;
      var title = T.outside + (near ? T.clause + T.nearest_zone + T.colon + near.name + paren(near.code) + T.comma +
        T.distance + " " + Math.round(near.distance_m) + " " + T.metres : "");
      zones.appendChild(zoneBox(title, doc.verdict, doc.reasons, doc.outside_catalogue, T.no_reasons));
    }
    doc.zones.forEach(function (z) {
      // the part of a polygon site outside every zone answers to the outside catalogue
      var title = z.code === "outside"
        ? T.outside_part + paren(Math.round(z.area_m2) + " " + T.square_metres)
        : z.name + paren(z.code);
      zones.appendChild(zoneBox(title, z.verdict, z.reasons, z.catalogue, T.no_reasons));
    });
    if (doc.adjacent_zones && doc.adjacent_zones.length) {
      zones.appendChild(el("p", { className: "note", text: T.adjacent_zones + T.colon +
        doc.adjacent_zones.map(function (z) { return z.name + paren(z.code); }).join(T.list_mark) }));
    }
    var cells = $("adm-cells");
    cells.textContent = "";
    if (!doc.cells.length) cells.appendChild(el("li", { className: "empty", text: T.no_cells }));
    doc.cells.forEach(function (c) {
      cells.appendChild(el("li", null, [
        el("span", { className: "swatch level-" + c.risk_level }),
        el("span", null, [el("b", { text: c.code }), " " + c.name]), el("span"),
        el("span", { className: "dist", text: T.levels[c.risk_level] || c.risk_level }),
      ]));
    });
    var hz = $("adm-hazards");
    hz.textContent = "";
    if (!doc.nearby_major_hazards.length) hz.appendChild(el("li", { className: "empty", text: T.no_hazards }));
    doc.nearby_major_hazards.forEach(function (h, i) {
      hz.appendChild(el("li", null, [
        el("span", { className: "adm-hz-n", text: String(i + 1) }), el("span", { text: h.name }),
        el("span", { className: "grade", text: h.grade || "—" }),
        el("span", { className: "dist", text: h.distance_m.toFixed(1) + " " + T.metres }),
      ]));
    });
    $("adm-print").href = doc.print_url;  // the registered sheet, with its number
    drawResult(doc);
    // on a phone the result sits below the form: bring it into view
    if (window.matchMedia("(max-width: 720px)").matches) $("adm-result").scrollIntoView({ behavior: "smooth" });
  }

  function drawResult(doc) {
    result.clearLayers();
    draft.clearLayers();
    doc.buffers.forEach(function (b) {
      L.geoJSON(b.geometry, { interactive: false, style: { color: "#1565c0", weight: 1.5, dashArray: "6 5", fill: false } }).addTo(result);
    });
    doc.cells.forEach(function (c) {
      L.geoJSON(c.geometry, { interactive: false, style: { color: "#222", weight: 2, fillColor: config.colours[c.risk_level], fillOpacity: 0.25 } }).addTo(result);
    });
    var site = L.geoJSON(doc.site, {
      style: function (f) {
        return f.geometry.type === "Point" ? { color: "#fff", weight: 2, fillColor: "#1565c0", fillOpacity: 1 }
          : { color: "#1565c0", weight: 3, fillOpacity: 0.25 };
      },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, { radius: 7, color: "#fff", weight: 2, fillColor: "#1565c0", fillOpacity: 1 });
      },
    }).addTo(result);
    site.bindTooltip(el("span", { text: T.site }));
    doc.nearby_major_hazards.forEach(function (h, i) {
      // numbered as in the list (and the print sheet); the icon's only HTML is that number
      var icon = L.divIcon({ className: "adm-hz adm-hz-" + (h.risk_level || "red"), html: String(i + 1),
                             iconSize: [20, 20], iconAnchor: [10, 10] });
      L.marker([h.lat, h.lon], { icon: icon, keyboard: false })
        .bindTooltip(el("span", { text: (i + 1) + ". " + h.name + " · " + (h.grade || "") + " · " + h.distance_m.toFixed(1) + " " + T.metres }))
        .addTo(result);
    });
    var touched = {};
    doc.zones.forEach(function (z) { touched[z.code] = true; });
    zoneLayer.setStyle(function (f) {
      return touched[f.properties.code]
        ? { color: "#6a3d9a", weight: 3, fillColor: "#6a3d9a", fillOpacity: 0.12 }
        : ZONE_STYLE;
    });
    var bounds = L.geoJSON(doc.buffers.length ? doc.buffers[doc.buffers.length - 1].geometry : doc.site).getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 17 });
  }
})();
