/* The pages' one DOM builder. Every text from the data reaches the page through
 * textContent or attribute setters here, never innerHTML (names, descriptions and notes
 * are user-entered and may hold markup).
 *
 * geoappDom.config(): the page's data and texts (#page-config, see base.html).
 * geoappDom.el(tag, props, ...children): props.text → textContent, props.className,
 * props.dataset → data-*, anything else an attribute (true → present, false/null → left
 * out); children are nodes, strings or numbers (as text), or arrays of them.
 */
(function () {
  "use strict";

  function append(node, c) {
    if (c === undefined || c === null || c === false) return;
    if (Array.isArray(c)) { c.forEach(function (x) { append(node, x); }); return; }
    node.appendChild(typeof c === "string" || typeof c === "number"
      ? document.createTextNode(String(c)) : c);
  }

  function el(tag, props) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) {
      var v = props[k];
      if (v === undefined || v === null || v === false) return;
      if (k === "text") node.textContent = v;
      else if (k === "className") node.className = v;
      else if (k === "dataset") Object.keys(v).forEach(function (d) { node.dataset[d] = v[d]; });
      else node.setAttribute(k, v === true ? "" : v);
    });
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  // Legend swatches coloured from data (data-swatch="#e60012"): set through element.style,
  // which the Content-Security-Policy allows, where an inline style= attribute is refused.
  function paintSwatches(root) {
    (root || document).querySelectorAll("[data-swatch]").forEach(function (node) {
      node.style.background = node.dataset.swatch;
    });
  }
  paintSwatches();

  // The page's data and translated texts (config.t), handed over the one way every page
  // uses: <script id="page-config" type="application/json"> written by base.html.
  function config() {
    return JSON.parse(document.getElementById("page-config").textContent);
  }

  window.geoappDom = { el: el, paintSwatches: paintSwatches, config: config };
})();
