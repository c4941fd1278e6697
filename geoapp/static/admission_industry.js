/* The industry field of the planner's page: a GB/T 4754-2017 code or a name, searched on
 * the server (GET /api/industries?q=…, ranked there: a class before its group, a group
 * before its division). A code typed in full that is in the list is taken at once and the
 * list closes; ArrowDown opens it again (e.g. from a division down to its classes), Escape
 * or leaving the field closes it. Names in English where the list has them and the page is
 * English. Text reaches the DOM through textContent only (static/dom.js).
 *
 * window.geoappIndustry.attach({input, list, picked, url, lang}) → {code()}: the code
 * chosen, or null while none is.
 */
(function () {
  "use strict";

  var el = window.geoappDom.el;

  function attach(o) {
    var state = { code: null, suggestions: [], active: -1 };
    var searchSeq = 0, searchTimer = null;

    function nameOf(it) { return o.lang === "en" && it.name_en ? it.name_en : it.name; }

    function typedCode(text) {
      var t = text.trim().toUpperCase();
      return /^[A-T]?\d{2,4}$/.test(t) ? t.replace(/^[A-T]/, "") : null;
    }

    function search(q, pickExact) {
      var seq = ++searchSeq;
      if (!q.trim()) { state.suggestions = []; state.active = -1; show(); return; }
      fetch(o.url + "?limit=12&q=" + encodeURIComponent(q.trim()), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (doc) {
          if (seq !== searchSeq) return;  // a later keystroke's answer wins
          var results = doc ? doc.results : [];
          var code = typedCode(q);
          var exact = code && results.filter(function (it) { return it.code === code; })[0];
          if (pickExact && exact) { pick(exact, true); return; }
          state.suggestions = results;
          state.active = -1;
          show();
        });
    }

    function show() {
      o.list.textContent = "";
      state.suggestions.forEach(function (it, i) {
        var li = el("li", { role: "option", "data-code": it.code,
                            "aria-selected": i === state.active ? "true" : "false" },
          [el("code", { text: it.code }), nameOf(it)]);
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); pick(it); });
        o.list.appendChild(li);
      });
      o.input.setAttribute("aria-expanded", state.suggestions.length ? "true" : "false");
    }

    // keepText: the planner typed the code; their text stays as typed
    function pick(it, keepText) {
      state.code = it.code;
      if (!keepText) o.input.value = it.code + " " + nameOf(it);
      o.picked.textContent = "";
      o.picked.appendChild(el("code", { text: it.code }));
      o.picked.appendChild(document.createTextNode(nameOf(it)));
      state.suggestions = []; state.active = -1;
      show();
    }

    o.input.addEventListener("input", function () {
      state.code = null;
      o.picked.textContent = "";
      var q = o.input.value;
      clearTimeout(searchTimer);
      searchTimer = setTimeout(function () { search(q, true); }, 120);
    });
    o.input.addEventListener("blur", function () {
      state.suggestions = []; state.active = -1; show();
    });
    o.input.addEventListener("keydown", function (e) {
      var n = state.suggestions.length;
      if (e.key === "ArrowDown" && !n) { search(o.input.value, false); e.preventDefault(); }
      else if (e.key === "ArrowDown") { state.active = (state.active + 1) % n; show(); e.preventDefault(); }
      else if (e.key === "ArrowUp" && n) { state.active = (state.active + n - 1) % n; show(); e.preventDefault(); }
      else if (e.key === "Enter" && state.active >= 0) { pick(state.suggestions[state.active]); e.preventDefault(); }
      else if (e.key === "Escape" && n) { state.suggestions = []; show(); e.preventDefault(); }
    });

    return { code: function () { return state.code; } };
  }

  window.geoappIndustry = { attach: attach };
})();
