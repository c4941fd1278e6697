/* 定级依据: why a cell or a point has its level (the API's ``level_reasons``), as a list.
 *
 * One renderer for the cell page and the leader's map. Each reason is a line with the
 * colour of the level it gives; a reason naming one point links to it (opts.href(id), and
 * opts.open(id) when given: the page shows the point in place instead of following the
 * link); "and N more" names its points by opts.name(id) when the page knows them.
 * Texts come translated from the server and reach the DOM through textContent only.
 */
(function () {
  "use strict";

  var el = window.geoappDom.el;

  function link(id, text, opts) {
    var a = el("a", { className: "reason-link", href: opts.href(id), dataset: { point: String(id) },
      text: text });
    if (opts.open) {
      a.addEventListener("click", function (e) {
        if (e.ctrlKey || e.metaKey || e.shiftKey) return;  // a new tab follows the link
        e.preventDefault();
        opts.open(id);
      });
    }
    return a;
  }

  // reasons: [{rule, level, text, point_ids}]; opts: href(id), open(id)?, name(id)?
  function list(reasons, opts) {
    opts = opts || {};
    return el("ul", { className: "level-reasons" }, (reasons || []).map(function (r) {
      var ids = r.point_ids || [];
      var body = r.text;
      if (opts.href && ids.length === 1 && r.rule.indexOf("area_") !== 0) body = link(ids[0], r.text, opts);
      var more = null;
      if (opts.href && r.rule === "more_points") {
        more = el("span", { className: "reason-more" }, ids.map(function (id, k) {
          return [k ? "、" : "：", link(id, (opts.name && opts.name(id)) || "#" + id, opts)];
        }));
      }
      return el("li", { className: "reason reason-" + r.rule, dataset: { rule: r.rule, level: r.level } },
        el("span", { className: "reason-dot reason-" + r.level, "aria-hidden": "true" }), body, more);
    }));
  }

  window.geoappReasons = { list: list };
})();
