/* The leader's map: a cell's and a point's popup, with 定级依据 (static/reasons.js). */
(function (M) {
  "use strict";

  var state = M.state, map = M.map, el = M.el, T = M.T, LEVELS = M.LEVELS, row = M.row;
  var config = M.config;

  // A popup that fits in the map: never taller than the map less the controls, kept clear
  // of the zoom and filter buttons (top left) and the layer control (top right), so that
  // its × can always be tapped and its top never hides under the headline.
  function popupOptions() {
    // the content's box plus the popup's frame and tip (about 60 px) within the padding
    var h = map.getSize().y;
    return { maxWidth: 320, maxHeight: Math.max(160, h - 170), autoPanPaddingTopLeft: [52, 56],
             autoPanPaddingBottomRight: [52, 20] };
  }
  M.popupOptions = popupOptions;

  // ``zoom``: opened by a tap on a cluster over the cell — a button zooms to its points
  M.openCell = function (i, latlng, zoom) {
    var c = state.cells;
    if (i < 0 || i === undefined) return null;
    var code = c.code[i], v = c.villages[c.village[i]], h = M.hazardFigures(i), level = LEVELS[c.level[i]];
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
    var zoomButton = null;
    if (zoom) {
      zoomButton = el("button", { type: "button", className: "gm-zoom-points", text: T.zoom_in + " " + zoom.count + " " + T.cluster_title });
      zoomButton.addEventListener("click", function () { map.closePopup(); zoom.go(); });
    }
    var box = el("div", { id: "cell-popup", className: "gm-popup gm-cell-popup", "data-code": code }, [
      el("h3", null, [c.name[i] + " ", el("span", { className: "code", text: code })]),
      zoomButton,
      el("table", null, [row(T.village, v[0]), row(T.town, c.towns[v[1]]), row(T.risk_level, M.levelPill(level))]),
      reasons,
      el("table", { className: "members" }, [members]),
      el("div", { className: "section", text: T.points }), counts,
      el("div", { className: "section", text: T.hazards }), hz, link,
    ]);
    if (!latlng) latlng = c.label_at ? L.latLng(c.label_at[i][1], c.label_at[i][0]) : state.polygons[i].getCenter();
    // clear of the zoom buttons (left) and the filters button (top)
    var popup = L.popup(popupOptions()).setLatLng(latlng).setContent(box).openOn(map);
    M.fetchJSON(config.urls.cell + encodeURIComponent(code)).then(function (detail) {
      var why = reasonsBlock(detail.level_reasons, code);
      if (why) reasons.appendChild(why);
      var ms = detail.properties.members || [];
      M.clear(members);
      if (!ms.length) members.appendChild(row(T.member, T.none));
      ms.forEach(function (m) {
        var phone = m.phone ? el("a", { href: "tel:" + String(m.phone).replace(/[^0-9+\-]/g, ""), text: m.phone }) : null;
        members.appendChild(row(T.member, el("span", null, [m.name || "", phone ? " " : null, phone])));
      });
      popup.update();  // grown by the reasons and members: laid out and panned into view again
    }).catch(function () {
      M.clear(members);
      members.appendChild(row(T.member, T.failed));
    });
    return box;
  };

  // on a phone the layer control steps aside while a popup is open (it would cover the ×)
  map.on("popupopen", function () { map.getContainer().classList.add("gm-popup-open"); });
  map.on("popupclose", function () { map.getContainer().classList.remove("gm-popup-open"); });

  // 定级依据 in a popup (static/reasons.js): ``reasons`` of /api/cells/<code> (a cell's: a
  // point it names opens that point's popup here, or its row on the cell page in a new tab)
  // or a point's own (no links: they are about the point shown)
  function reasonsBlock(reasons, code) {
    if (!reasons || !reasons.length) return null;
    return el("div", { className: "gm-reasons" }, [
      el("div", { className: "section", text: T.level_reasons }),
      window.geoappReasons.list(reasons, code === null ? {} : {
        href: function (id) { return config.urls.cell_page + encodeURIComponent(code) + "#point-" + id; },
        open: function (id) { M.openPoint(id); },
      }),
    ]);
  }

  function visitText(p) {
    if (!p.visit) return "—";
    return el("span", { className: "visit-" + p.visit + "-text" }, [
      el("span", { className: "visit-dot visit-" + p.visit }), " " + T.visits[p.visit]]);
  }

  M.openPoint = function (id, latlng) {
    var box = el("div", { id: "point-popup", className: "gm-popup gm-point-popup", "data-id": String(id) },
      [el("p", { className: "muted", text: T.loading })]);
    var popup = L.popup(popupOptions()).setContent(box);
    if (latlng) popup.setLatLng(latlng).openOn(map);
    return M.fetchJSON(config.urls.point + id).then(function (f) {
      var p = f.properties;
      M.clear(box);
      box.appendChild(el("h3", { text: p.name }));
      var where;
      if (p.outside) {
        where = T.outside + (p.cell ? " · " + T.nearest + " " + p.cell.code + " " + p.cell.name : "") +
          (p.distance_m !== null && p.distance_m !== undefined ? " · " + T.distance_m + " " + Math.round(p.distance_m) : "");
      } else {
        where = p.cell ? p.cell.code + " " + p.cell.name + " (" + p.cell.village + ")" : "—";
      }
      var t = el("table", null, [row(T.points, p.layer_label), row(T.risk_level, M.levelPill(p.risk_level)),
        row(p.outside ? T.outside : T.in_cell, where), row(T.authority, p.authority || "—"),
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
      M.clear(box);
      box.appendChild(el("p", { text: T.failed }));
      return box;
    });
  };
})(window.geoappMapApp);
