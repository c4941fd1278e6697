/* /admin/imports: upload → the server's dry run (a table of problems, or the preview of what
 * the import would change) → 确认导入 or 取消, through /api/admin/imports
 * (geoapp.web.admin_imports). Both steps run on the server as jobs this page polls, with a
 * progress bar; the upload's id is kept in localStorage, so a reload picks the job up again.
 * Nothing is written before 确认导入. */
(function () {
  "use strict";
  var t = JSON.parse(document.getElementById("page-config").textContent).t;
  var token = document.querySelector('meta[name="csrf-token"]').content;
  var form = document.getElementById("upload-form");
  var problems = document.getElementById("problems");
  var preview = document.getElementById("preview");
  var result = document.getElementById("result");
  var bar = document.getElementById("progress");
  var KEY = "geoapp.import";
  var current = null;

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    row.appendChild(td);
  }

  function send(method, url, body) {
    return fetch(url, {method: method, credentials: "same-origin", body: body,
      headers: {"X-CSRFToken": token}})
      .then(function (r) {
        if (r.status === 204) return {};
        return r.json().catch(function () { return {message: t.failed}; }).then(function (data) {
          if (!r.ok) { var e = new Error(data.message || t.failed); e.data = data; throw e; }
          return data;
        });
      });
  }

  function hideAll() {
    problems.hidden = preview.hidden = result.hidden = bar.hidden = true;
  }

  function showProblems(data) {
    var body = problems.querySelector("tbody");
    body.textContent = "";
    (data.problems || []).forEach(function (p) {
      var tr = document.createElement("tr");
      cell(tr, p.row); cell(tr, p.column); cell(tr, p.reason);
      body.appendChild(tr);
    });
    problems.querySelector(".summary").textContent = data.message || "";
    problems.hidden = false;
  }

  function counts(s) {
    return t.added + " " + s.created + " · " + t.updated + " " + s.updated + " · " +
      t.unchanged + " " + s.unchanged + " · " + t.outside + " " + s.outside;
  }

  function showPreview(data) {
    var s = data.preview;
    preview.querySelector(".counts").textContent = data.filename + "：" + counts(s);
    var notes = preview.querySelector(".notes");
    notes.textContent = "";
    s.notes.forEach(function (n) {
      var li = document.createElement("li"); li.textContent = n; notes.appendChild(li);
    });
    var body = preview.querySelector(".changes tbody");
    body.textContent = "";
    s.changes.forEach(function (c) {
      var tr = document.createElement("tr");
      tr.className = c.action;
      cell(tr, t[c.action] || c.action); cell(tr, c.key); cell(tr, c.name);
      cell(tr, c.fields.join("、"));
      body.appendChild(tr);
    });
    var outside = preview.querySelector(".outside");
    var list = outside.querySelector("ul");
    list.textContent = "";
    s.outside_points.forEach(function (p) {
      var li = document.createElement("li");
      li.textContent = p.key + " " + (p.name || "");
      list.appendChild(li);
    });
    outside.hidden = !s.outside_points.length;
    preview.hidden = false;
  }

  // the phase first: a dry run ("checking") writes nothing, so its "write" stage compares
  function showProgress(p, state) {
    var meter = bar.querySelector("progress");
    if (p && p.total) {
      meter.value = Math.round(100 * p.done / p.total);
    } else {
      meter.removeAttribute("value");  // a stage without a count: indeterminate
    }
    var dry = state === "checking";
    var key = p && p.stage === "write" && dry ? "compare" : p && p.stage;
    var stage = key && t.stages[key] ? t.stages[key] : "";
    bar.querySelector(".stage").textContent = (dry ? t.phase_check : t.phase_import) + "：" +
      stage +
      (p && p.total ? " " + p.done + " / " + p.total : "");
    bar.hidden = false;
  }

  function finished(message) {
    localStorage.removeItem(KEY);
    result.textContent = message;
    result.hidden = false;
  }

  function follow(data) {
    current = data.id;
    localStorage.setItem(KEY, data.id);
    hideAll();
    if (data.state === "checking" || data.state === "importing") {
      if (data.stalled) { finished(t.stalled); return; }
      showProgress(data.progress, data.state);
      setTimeout(function () {
        send("GET", "/api/admin/imports/" + data.id).then(follow).catch(function (e) {
          finished(e.message);
        });
      }, 700);
    } else if (data.state === "previewed") {
      showPreview(data);
    } else if (data.state === "rejected" || data.state === "failed") {
      localStorage.removeItem(KEY);
      showProblems(data);
    } else if (data.state === "committed") {
      finished(t.done + "：" + counts(data.result));
      setTimeout(function () { window.location.reload(); }, 1500);
    }
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var err = form.querySelector(".error");
    err.textContent = "";
    hideAll();
    send("POST", "/api/admin/imports", new FormData(form)).then(follow).catch(function (e) {
      err.textContent = e.message;
    });
  });

  document.getElementById("commit").addEventListener("click", function () {
    send("POST", "/api/admin/imports/" + current + "/commit").then(follow).catch(function (e) {
      form.querySelector(".error").textContent = e.message;
    });
  });

  document.getElementById("cancel").addEventListener("click", function () {
    send("POST", "/api/admin/imports/" + current + "/cancel").then(function () {
      hideAll();
      finished(t.cancelled);
      form.reset();
    });
  });

  // a reload while a job runs (or a preview waits): pick it up again
  var kept = localStorage.getItem(KEY);
  if (kept) {
    send("GET", "/api/admin/imports/" + kept).then(function (data) {
      if (data.state === "committed") localStorage.removeItem(KEY);
      else follow(data);
    }).catch(function () { localStorage.removeItem(KEY); });
  }
})();
