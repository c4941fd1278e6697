/* 待办: what the day asks of the grid member, at the top of the page.
 *
 * Four groups: points due for a visit, overdue visits, hazards waiting for my step
 * (a grid member rectifies: 待整改 and 整改中; the others accept: 待验收), and open
 * hazards past their deadline or due within 7 days. Each entry is one tap: a point opens
 * with its visit form, a hazard opens its row. A long group shows its first few and
 * a tap that filters the list to all of them.
 */
(function () {
  "use strict";

  var C = window.geoappCell;
  var T = C.T, P = C.P, el = C.el, state = C.state;
  var SHOWN = 3;

  function group(key, title, items, more) {
    if (!items.length) return null;
    var ul = el("ul", { className: "todo-items" }, items.slice(0, SHOWN).map(function (it) {
      var b = el("button", { type: "button", className: "todo-item", dataset: it.data },
        el("span", { className: "what", text: it.text }), it.extra ? el("span", { className: "extra", text: it.extra }) : null);
      b.addEventListener("click", it.go);
      return el("li", null, b);
    }));
    if (items.length > SHOWN && more) {
      var all = el("button", { type: "button", className: "todo-more",
        text: C.fill(T.todo.all, { n: items.length }) });
      all.addEventListener("click", more);
      ul.appendChild(el("li", null, all));
    }
    return el("section", { className: "todo-group", dataset: { group: key } },
      el("h3", null, title + " ", el("span", { className: "count", text: String(items.length) })), ul);
  }

  function pointItems(status) {
    return state.data.points.features.filter(function (f) {
      return f.properties.visit && f.properties.visit.status === status;
    }).sort(function (a, b) {
      return String(a.properties.visit.next_due || "").localeCompare(String(b.properties.visit.next_due || ""));
    }).map(function (f) {
      var p = f.properties;
      return { text: p.name, extra: p.visit.last_visit_on ? T.last_visit + " " + p.visit.last_visit_on : T.never,
        data: { point: String(p.id) },
        go: function () {
          C.points.focus(p.id, C.points.canWrite(f) ? C.points.startVisit : null);
        } };
    });
  }

  function hazardItem(h, extra) {
    return { text: h.description, extra: C.pointName(h.point_id) + " · " + extra,
      data: { hazard: String(h.id) }, go: function () { C.hazards.focus(h.id); } };
  }

  function filterPoints(status) {
    return function () {
      state.pointFilter.visit = status;
      document.querySelector('#point-filters select[name="visit"]').value = status;
      C.points.draw();
      document.getElementById("points").scrollIntoView({ behavior: "smooth", block: "start" });
    };
  }

  function draw() {
    var box = document.getElementById("todo-lists");
    C.clear(box);
    var role = P.me ? P.me.role : null;
    var mine = role === "grid" ? ["open", "rectifying"] : ["awaiting_acceptance"];
    var live = state.hazards.filter(function (h) { return h.state !== "closed"; });
    // and a step of it is this account's (my_actions: e.g. not a hazard it submitted itself)
    var waiting = live.filter(function (h) {
      var f = state.points[h.point_id];
      return mine.indexOf(h.state) >= 0 && f && C.points.canWrite(f) && (h.my_actions || []).length;
    })
      .map(function (h) { return hazardItem(h, T.states[h.state]); });
    // overdue first (the longest overdue on top), then those due within 7 days
    var soon = live.filter(function (h) { return C.daysUntil(h.deadline) <= 7; })
      .sort(function (a, b) { return a.deadline < b.deadline ? -1 : 1; })
      .map(function (h) {
        var d = C.daysUntil(h.deadline);
        return hazardItem(h, d < 0 ? C.fill(T.todo.late, { n: -d })
          : d === 0 ? T.todo.today : C.fill(T.todo.days_left, { n: d }));
      });
    var parts = [
      group("due", T.todo.due, pointItems("due"), filterPoints("due")),
      group("overdue-visits", T.todo.overdue_visits, pointItems("overdue"), filterPoints("overdue")),
      group("mine", T.todo.mine, waiting, function () {
        state.hazardFilter.state = "unclosed";
        document.querySelector('#hazard-filters select[name="state"]').value = "unclosed";
        C.hazards.draw();
        document.getElementById("hazards").scrollIntoView({ behavior: "smooth", block: "start" });
      }),
      group("deadline", T.todo.deadline, soon, null),
    ].filter(Boolean);
    if (!parts.length) box.appendChild(el("p", { className: "empty", text: T.todo.empty }));
    parts.forEach(function (p) { box.appendChild(p); });
  }

  C.todo = { draw: draw };
})();
