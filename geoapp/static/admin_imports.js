/* /admin/imports: upload → the server's dry run (a table of problems, or the preview of what
 * the import would change) → 确认导入 or 取消, through /api/admin/imports
 * (geoapp.web.admin_imports). Nothing is written before 确认导入. */
(function () {
  "use strict";
  var t = JSON.parse(document.getElementById("page-config").textContent).t;
  var token = document.querySelector('meta[name="csrf-token"]').content;
  var form = document.getElementById("upload-form");
  var problems = document.getElementById("problems");
  var preview = document.getElementById("preview");
  var result = document.getElementById("result");
  var current = null;

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    row.appendChild(td);
  }

  function post(url, body) {
    return fetch(url, {method: "POST", credentials: "same-origin", body: body,
      headers: {"X-CSRFToken": token}})
      .then(function (r) {
        if (r.status === 204) return {};
        return r.json().catch(function () { return {message: t.failed}; }).then(function (data) {
          if (!r.ok) { var e = new Error(data.message || t.failed); e.data = data; throw e; }
          return data;
        });
      });
  }

  function showProblems(data) {
    var body = problems.querySelector("tbody");
    body.textContent = "";
    (data.problems || []).forEach(function (p) {
      var tr = document.createElement("tr");
      cell(tr, p.row); cell(tr, p.column); cell(tr, p.reason);
      body.appendChild(tr);
    });
    problems.querySelector(".summary").textContent = data.message;
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

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var err = form.querySelector(".error");
    err.textContent = "";
    problems.hidden = preview.hidden = result.hidden = true;
    post("/api/admin/imports", new FormData(form)).then(function (data) {
      current = data.id;
      showPreview(data);
    }).catch(function (e) {
      if (e.data && e.data.problems) showProblems(e.data);
      else err.textContent = e.message;
    });
  });

  document.getElementById("commit").addEventListener("click", function () {
    post("/api/admin/imports/" + current + "/commit").then(function (data) {
      preview.hidden = true;
      result.textContent = t.done + "：" + counts(data.result);
      result.hidden = false;
      setTimeout(function () { window.location.reload(); }, 1500);
    }).catch(function (e) {
      if (e.data && e.data.problems) { preview.hidden = true; showProblems(e.data); }
      else form.querySelector(".error").textContent = e.message;
    });
  });

  document.getElementById("cancel").addEventListener("click", function () {
    post("/api/admin/imports/" + current + "/cancel").then(function () {
      preview.hidden = true;
      result.textContent = t.cancelled;
      result.hidden = false;
      form.reset();
    });
  });
})();
