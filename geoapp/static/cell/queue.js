/* Saves made without a connection: kept on the phone, sent when it returns.
 *
 * A save is {kind, url, label, json, files}: ``json`` holds its fields (with its
 * client_id, made once when the form is sent, so that the server stores it once however
 * often it is sent), ``files`` the photos (already downscaled). With photos it goes as
 * multipart/form-data (objects as JSON text), without as JSON. A save that cannot reach
 * the server waits in localStorage (photos as data URLs) and is sent again on the
 * "online" event, on the next page load, every 20 s, or at a tap on 立即发送.
 */
(function () {
  "use strict";

  var C = window.geoappCell;
  var T = C.T, el = C.el;
  var KEY = "geoapp.queue.v1";
  var listeners = [];
  var memory = null;  // when localStorage is full or refused: this page's life only
  var flushing = null;

  function load() {
    if (memory) return memory.slice();
    try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; }
  }

  function store(list) {
    try { localStorage.setItem(KEY, JSON.stringify(list)); memory = null; }
    catch (e) { memory = list.slice(); }
    draw();
  }

  function formData(json, files) {
    var fd = new FormData();
    Object.keys(json).forEach(function (k) {
      var v = json[k];
      if (v === null || v === undefined) return;
      fd.append(k, typeof v === "object" ? JSON.stringify(v)
        : typeof v === "boolean" ? (v ? "true" : "false") : String(v));
    });
    (files || []).forEach(function (f, i) {
      fd.append("photos", f, f.name || ("photo-" + (i + 1) + ".jpg"));
    });
    return fd;
  }

  function body(entry) {
    return entry.files && entry.files.length ? formData(entry.json, entry.files) : entry.json;
  }

  function toDataUrl(blob) {
    return new Promise(function (resolve, reject) {
      var r = new FileReader();
      r.onload = function () { resolve({ name: blob.name || "photo.jpg", type: blob.type, data: r.result }); };
      r.onerror = reject;
      r.readAsDataURL(blob);
    });
  }

  function fromDataUrl(f) {
    var parts = f.data.split(","), bin = atob(parts[1]);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var blob = new Blob([bytes], { type: f.type || "image/jpeg" });
    blob.name = f.name;
    return blob;
  }

  function enqueue(entry) {
    return Promise.all((entry.files || []).map(toDataUrl)).then(function (files) {
      var list = load();
      list.push({ kind: entry.kind, url: entry.url, label: entry.label, json: entry.json,
        files: files, at: new Date().toISOString() });
      store(list);
      return { queued: true };
    });
  }

  // Save now if possible, else keep it for later. Answers {stored: body, status},
  // {queued: true} or {error: response}.
  function save(entry) {
    if (!C.net.online()) return enqueue(entry);
    return C.net.send("POST", entry.url, body(entry)).then(function (r) {
      if (r.ok) return { stored: r.body, status: r.status };
      if (r.status >= 500) return enqueue(entry);  // the server is away: try again later
      return { error: r };
    }, function (err) {
      if (err.network) return enqueue(entry);
      throw err;
    });
  }

  var problems = [];

  function flush() {
    if (flushing) return flushing;
    var list = load();
    if (!list.length) return Promise.resolve(0);
    var sent = 0;
    function next() {
      var current = load();
      if (!current.length) return sent;
      var entry = current[0];
      var files = (entry.files || []).map(fromDataUrl);
      var payload = files.length ? formData(entry.json, files) : entry.json;
      return C.net.send("POST", entry.url, payload).then(function (r) {
        if (r.status >= 500) return sent;  // later
        var rest = load().filter(function (x) { return x.json.client_id !== entry.json.client_id; });
        store(rest);
        if (r.ok) {
          sent += 1;
          listeners.forEach(function (fn) { fn(entry, r.body); });
        } else {
          problems.push(C.fill(T.queue_failed, { label: entry.label,
            message: (r.body && r.body.message) || r.status }));
          draw();
        }
        return next();
      }, function () { return sent; });
    }
    flushing = next().then(function (n) {
      flushing = null;
      if (n) C.notice(T.queue_sent, false);
      return n;
    }, function (e) { flushing = null; throw e; });
    return flushing;
  }

  function draw() {
    var box = document.getElementById("queue-box");
    if (!box) return;
    var n = load().length;
    box.hidden = !n && !problems.length;
    document.getElementById("queue-count").textContent = n ? C.fill(T.queue_count, { n: n }) : "";
    document.getElementById("queue-send").hidden = !n;
    var ul = document.getElementById("queue-problems");
    C.clear(ul);
    problems.forEach(function (p) { ul.appendChild(el("li", { className: "form-error", text: p })); });
  }

  function onSent(fn) { listeners.push(fn); }

  document.getElementById("queue-send").addEventListener("click", function () { flush(); });
  window.addEventListener("online", function () { flush(); });
  setInterval(function () { if (load().length && navigator.onLine !== false) flush(); }, 20000);
  draw();

  C.queue = { save: save, flush: flush, onSent: onSent, pending: function () { return load(); },
              formData: formData };
})();
