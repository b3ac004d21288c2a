// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // Move focus to the error summary (or the "not sent" notice) so keyboard
  // and screen-reader users hear what to fix first. The autofocus attribute
  // does the same without JavaScript; this covers browsers that ignore it.
  var summary = document.getElementById("feilsammendrag") || document.getElementById("melding");
  if (summary && document.activeElement !== summary) { summary.focus(); }

  // A link in the error summary focuses its field (as the browser does) and
  // also scrolls the field's question into view: without this, the label or
  // legend above the field ends up hidden above the top of the screen.
  var links = document.querySelectorAll("#feilsammendrag a[href^='#']");
  Array.prototype.forEach.call(links, function (link) {
    link.addEventListener("click", function (event) {
      var field = document.getElementById(link.getAttribute("href").slice(1));
      if (!field) { return; }
      var group = field.closest("fieldset");
      var question = group ? group.querySelector("legend") : document.querySelector("label[for='" + field.id + "']");
      event.preventDefault();
      (question || field).scrollIntoView({ block: "start" });
      field.focus({ preventScroll: true });
    });
  });
});

// Routing preview: when the reporter has said who sends and who receives,
// ask the server where the report would go and say so under the free-text
// field. A POST with the form's CSRF token, so the free text never lands in
// a URL. Without JavaScript the receipt says the same after sending.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[action='/meld']");
  var out = document.getElementById("route-preview");
  if (!form || !out || !window.fetch || !window.URLSearchParams) { return; }
  var names = ["sender_unit", "receiver_org", "receiver_unit", "receiver_hint", "csrf_token"];
  var timer = null;
  var last = "";
  function ask() {
    if (!form.elements["sender_unit"].value || !form.elements["receiver_org"].value) {
      out.hidden = true;
      last = "";
      return;
    }
    var body = new URLSearchParams();
    names.forEach(function (n) {
      var el = form.elements[n];
      if (el) { body.append(n, el.value); }
    });
    var key = body.toString();
    if (key === last) { return; }
    last = key;
    fetch("/api/ruting", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: key
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (answer) {
      if (!answer || !answer.message) { out.hidden = true; out.textContent = ""; return; }
      out.textContent = answer.message;
      out.className = answer.ok ? "route-preview" : "route-preview route-preview-warning";
      out.hidden = false;
    }).catch(function () { out.hidden = true; });
  }
  function later() {
    clearTimeout(timer);
    timer = setTimeout(ask, 350);
  }
  ["sender_unit", "receiver_org", "receiver_unit"].forEach(function (n) {
    var el = form.elements[n];
    if (el) { el.addEventListener("change", later); }
  });
  var hint = form.elements["receiver_hint"];
  if (hint) { hint.addEventListener("input", later); }
  later();
});
