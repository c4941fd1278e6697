/* The leader's map: the headline's figures as buttons. A tap filters the map to what the
 * figure counts, zooms to it and lists it beside the map (cells of a level; points with
 * such hazards, or outside every cell); a second tap, or ×, clears it. */
(function (M) {
  "use strict";

  var state = M.state, map = M.map, el = M.el, T = M.T, LEVELS = M.LEVELS;
  var MAX_ITEMS = 200;
  var active = null;   // the pressed button's data-filter

  function press(filter) {
    active = filter;
    document.querySelectorAll("#headline [data-filter]").forEach(function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-filter") === filter ? "true" : "false");
    });
  }

  function apply(filter) {
    var kind = filter.split(":")[0], value = filter.split(":")[1];
    M.resetFilters(true);
    if (kind === "level") {
      document.querySelectorAll("#f-levels input").forEach(function (box) { box.checked = box.value === value; });
    } else if (kind === "hazard") {
      document.getElementById("f-hazard").value = value;
    } else if (kind === "outside") {
      document.getElementById("f-outside").value = value;
    }
    press(filter);
    M.filtersChanged("");
  }

  function item(children, onClick) {
    var btn = el("button", { type: "button" }, children);
    btn.addEventListener("click", function () {
      onClick();
      if (window.innerWidth <= 700) document.getElementById("map-list").classList.add("gm-folded");
    });
    return el("li", null, [btn]);
  }

  function title(filter) {
    var b = document.querySelector("#headline [data-filter='" + filter + "']");
    return b ? (b.getAttribute("aria-label") || b.querySelector(".hl-label").textContent).trim() : "";
  }

  // the list of what the pressed figure counts, from the filters now in force
  M.refreshList = function () {
    if (!active) return;
    var list = document.getElementById("map-list"), items = document.getElementById("map-list-items");
    var note = document.getElementById("map-list-note");
    list.hidden = false;
    list.classList.remove("gm-folded");
    document.getElementById("map-list-title").textContent = title(active);
    M.clear(items);
    note.textContent = T.loading;
    if (active.indexOf("level:") === 0) {
      var c = state.cells, n = 0;
      for (var i = 0; i < c.code.length; i++) {
        if (!M.cellMatches(i)) continue;
        n++;
        (function (i) {
          var v = c.villages[c.village[i]];
          items.appendChild(item([el("b", { text: c.name[i] }), " ", el("small", { text: c.code[i] + " · " + v[0] })],
            function () {
              map.fitBounds(state.polygons[i].getBounds(), { padding: [30, 30], maxZoom: 16 });
              M.openCell(i);
            }));
        })(i);
      }
      note.textContent = n + " " + T.cell;
      return;
    }
    M.matchingPoints().then(function (data) {
      M.clear(items);
      var layers = state.cells.layers;
      data.points.slice(0, MAX_ITEMS).forEach(function (p) {
        items.appendChild(item([
          el("span", { className: "pill gm-lv-" + LEVELS[p[2]], text: T.levels[LEVELS[p[2]]] }), " ",
          el("b", { text: p[7] }), " ", el("small", { text: T.layers[layers[p[1]]] || layers[p[1]] })],
          function () {
            map.setView([p[4], p[3]], Math.max(map.getZoom(), 16), { animate: false });
            M.openPoint(p[0], L.latLng(p[4], p[3]));
          }));
      });
      note.textContent = data.total + " " + T.points +
        (data.total > Math.min(MAX_ITEMS, data.points.length) ? " · " + T.list_more : "");
    }).catch(function () { note.textContent = T.failed; });
  };

  M.closeList = function () {
    press(null);
    document.getElementById("map-list").hidden = true;
  };

  M.wireHeadline = function () {
    document.querySelectorAll("#headline [data-filter]").forEach(function (b) {
      b.addEventListener("click", function () {
        var filter = b.getAttribute("data-filter");
        if (active === filter) M.resetFilters(); else apply(filter);
      });
    });
    document.getElementById("map-list-close").addEventListener("click", function () { M.resetFilters(); });
    // on a phone the list folds to its title while a chosen item is on the map
    document.getElementById("map-list-title").addEventListener("click", function () {
      document.getElementById("map-list").classList.toggle("gm-folded");
    });
  };
})(window.geoappMapApp);
