/* Drafts: a visit or hazard being written survives a reload and a lost connection.
 *
 * keep(form, key) stores the form's named fields in localStorage at every change and
 * puts back what was stored under that key; drop(key) forgets it once saved. Photos
 * are not kept in a draft (they are large; they are kept once the form is sent, in the
 * queue).
 */
(function () {
  "use strict";

  var C = window.geoappCell;
  var PREFIX = "geoapp.draft." + C.P.code + ".";

  function values(form) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (e) {
      if (!e.name || e.type === "file" || e.type === "submit" || e.type === "button") return;
      if (e.type === "radio") { if (e.checked) out[e.name] = e.value; return; }
      if (e.type === "checkbox") { out[e.name] = e.checked; return; }
      out[e.name] = e.value;
    });
    return out;
  }

  function apply(form, saved) {
    Array.prototype.forEach.call(form.elements, function (e) {
      if (!e.name || !(e.name in saved) || e.type === "file") return;
      var v = saved[e.name];
      if (e.type === "radio") e.checked = e.value === v;
      else if (e.type === "checkbox") e.checked = !!v;
      else e.value = v;
      e.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  function read(key) {
    try { return JSON.parse(localStorage.getItem(PREFIX + key) || "null"); } catch (e) { return null; }
  }

  function write(key, data) {
    try { localStorage.setItem(PREFIX + key, JSON.stringify(data)); } catch (e) { /* full: no draft */ }
  }

  // Restore the draft (true when there was one), then keep it up to date.
  function keep(form, key) {
    var saved = read(key);
    var restoring = false;
    if (saved) { restoring = true; apply(form, saved); restoring = false; }
    function save() { if (!restoring) write(key, values(form)); }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    return !!saved;
  }

  function drop(key) {
    try { localStorage.removeItem(PREFIX + key); } catch (e) { /* nothing kept */ }
  }

  function has(key) { return !!read(key); }

  C.drafts = { keep: keep, drop: drop, has: has };
})();
