/* The cell page's shared pieces: its data and texts, the page state, small helpers.
 *
 * Every script of the page (static/cell/*.js, then cell.js) hangs its part on
 * window.geoappCell; this one comes first. Strings from the data reach the page
 * through geoappDom.el (textContent), never innerHTML.
 */
(function () {
  "use strict";

  var P = window.geoappDom.config();
  var T = P.t;
  var el = window.geoappDom.el;
  var LAYERS = {};
  P.layers.forEach(function (l) { LAYERS[l.code] = l; });

  var state = {
    data: null,
    hazards: [],         // the cell's and its nearby outside points' hazards
    points: {},          // id -> point feature (inside and nearby)
    people: {},          // username -> name
    hazardFilter: { layer: "", level: "", state: "" },
    pointFilter: { layer: "", risk: "", visit: "" },
    open: {},            // row id ("h12", "p5") -> expanded
    notes: {},           // hazard id -> typed transition note, kept across redraws
    messages: {},        // hazard id -> {text, error}
  };

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

  function fill(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (m, k) {
      return values[k] === undefined ? m : String(values[k]);
    });
  }

  function levelBadge(code) {
    var lv = P.levels[code] || { label: code };
    return el("span", { className: "level-badge level-" + code, dataset: { level: code },
      text: lv.label });
  }

  function formatValue(value) {
    if (value === null || value === undefined || value === "") return "—";
    if (typeof value === "boolean") return value ? T.yes : T.no;
    if (Array.isArray(value)) return value.length ? value.join("、") : "—";
    return String(value);
  }

  // a person by name: the accounts in events are usernames; imports stay as written
  function person(username) {
    return state.people[username] || username;
  }

  // days from today (the page's pinned day) to an ISO date
  function daysUntil(iso) {
    var a = Date.parse(P.today + "T00:00:00Z"), b = Date.parse(iso + "T00:00:00Z");
    return Math.round((b - a) / 86400000);
  }

  function addDays(iso, n) {
    var d = new Date(Date.parse(iso + "T00:00:00Z") + n * 86400000);
    return d.toISOString().slice(0, 10);
  }

  // a client-made id, so that a save sent twice (a retry, the offline queue) is stored once
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  var noticeTimer = null;

  // A page-wide message at the top of the screen; it goes away by itself.
  function notice(text, isError) {
    var n = document.getElementById("notice");
    n.textContent = text || "";
    n.hidden = !text;
    n.classList.toggle("error", !!isError);
    clearTimeout(noticeTimer);
    if (text) noticeTimer = setTimeout(function () { n.hidden = true; }, isError ? 12000 : 6000);
  }

  // a segmented choice (big buttons, one tap): radio inputs styled as buttons
  function segmented(name, options, value, label) {
    var box = el("fieldset", { className: "seg", dataset: { name: name } },
      label ? el("legend", { text: label }) : null);
    options.forEach(function (o) {
      var input = el("input", { type: "radio", name: name, value: o[0] });
      if (o[0] === value) input.checked = true;
      box.appendChild(el("label", { className: "seg-" + o[0] }, input, el("span", { text: o[1] })));
    });
    return box;
  }

  function pointName(id) {
    var f = state.points[id];
    return f ? f.properties.name : "#" + id;
  }

  window.geoappCell = {
    P: P, T: T, el: el, LAYERS: LAYERS, state: state,
    clear: clear, localTime: localTime, tel: tel, fill: fill, levelBadge: levelBadge,
    formatValue: formatValue, person: person, daysUntil: daysUntil, addDays: addDays,
    uuid: uuid, notice: notice, segmented: segmented, pointName: pointName,
    LEVEL_RANK: { red: 4, orange: 3, yellow: 2, blue: 1 },
  };
})();
