/* /department: a department's account records a supervisory measure on one of its sector's
 * hazards through POST /api/measures (which checks the sector again); a saved one reloads
 * the page, which the server draws from what is stored. */
(function () {
  "use strict";
  var t = geoappDom.config().t;
  var token = document.querySelector('meta[name="csrf-token"]').content;

  document.querySelectorAll(".dept-hazard").forEach(function (card) {
    var form = card.querySelector(".measure-form"), msg = card.querySelector(".msg");
    if (!form) return;  // a closed hazard: no form
    card.querySelector(".open-measure").addEventListener("click", function () {
      form.hidden = !form.hidden;
    });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      msg.textContent = "";
      var body = {hazard_id: Number(card.dataset.hazardId)};
      ["kind", "date", "unit", "recipient", "note", "referred_to"].forEach(function (name) {
        var v = form.elements[name].value.trim();
        if (v || name !== "referred_to") body[name] = v;
      });
      form.querySelector("button").disabled = true;
      fetch("/api/measures", {method: "POST", credentials: "same-origin",
                              headers: {"X-CSRFToken": token, "Content-Type": "application/json"},
                              body: JSON.stringify(body)})
        .then(function (r) {
          if (r.ok) { msg.textContent = t.saved; window.location.reload(); return; }
          return r.json().catch(function () { return {}; }).then(function (d) {
            throw new Error(d.message || t.failed);
          });
        })
        .catch(function (err) {
          msg.textContent = err.message;
          form.querySelector("button").disabled = false;
        });
    });
  });
})();
