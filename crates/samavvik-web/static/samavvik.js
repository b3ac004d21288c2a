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
  var names = ["sender_unit", "sender_subunit", "receiver_org", "receiver_unit", "receiver_hint", "csrf_token"];
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
  // The ward typed (or picked from the list) names whose leader reviews first.
  ["receiver_hint", "sender_subunit"].forEach(function (n) {
    var el = form.elements[n];
    if (el) { el.addEventListener("input", later); }
  });
  later();
});

// Patient identity in free text: a fødselsnummer or D-number (eleven digits,
// or six and five with a space between, passing both mod-11 checks) typed
// where it does not belong gets the server's bokmål message next to the
// field before sending. No network call; the server refuses it anyway
// (samavvik_core::identity, which this mirrors).
document.addEventListener("DOMContentLoaded", function () {
  var notHere = "Pasientens identitet skal ikke skrives her. Fjern fødselsnummeret eller D-nummeret. " +
    "Trenger mottakeren å vite hvem pasienten er, skriv det i feltet «Pasientens navn og fødselsdato».";
  var notInHandling = "Pasientens identitet skal ikke skrives i saksbehandlingen. Fjern fødselsnummeret " +
    "eller D-nummeret. Pasienten står i meldingen, i feltet «Pasientens navn og fødselsdato».";
  var notInAddition = "Pasientens identitet skal ikke skrives her. Fjern fødselsnummeret eller " +
    "D-nummeret. Trenger mottakeren å vite hvem pasienten er, tar de kontakt med deg.";
  var patientNote = "Navn og fødselsdato er som regel nok. Fødselsnummer er lov her, men trengs sjelden.";
  var reportFields = ["receiver_hint", "description", "event_place", "immediate_measures", "improvement_suggestion", "internal_reference"];

  function control(digits, weights) {
    var sum = 0;
    for (var i = 0; i < weights.length; i++) { sum += digits[i] * weights[i]; }
    var c = 11 - (sum % 11);
    return c === 11 ? 0 : (c === 10 ? -1 : c);
  }
  function isId(d) {
    var day = d[0] * 10 + d[1];
    var mm = d[2] * 10 + d[3];
    var month = mm % 40;
    return ((day >= 1 && day <= 31) || (day >= 41 && day <= 71)) && month >= 1 && month <= 12 && mm < 93 &&
      control(d, [3, 7, 6, 1, 8, 9, 4, 5, 2]) === d[9] && control(d, [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]) === d[10];
  }
  function containsId(text) {
    var re = /(^|[^0-9])([0-9]{6})[ \u00a0]?([0-9]{5})(?![0-9])/g;
    var m;
    while ((m = re.exec(text)) !== null) {
      var digits = (m[2] + m[3]).split("").map(Number);
      if (isId(digits)) { return true; }
      re.lastIndex = m.index + 1;
    }
    return false;
  }
  function watch(field, message) {
    var note = document.createElement("p");
    note.className = "route-preview route-preview-warning";
    note.setAttribute("role", "status");
    note.hidden = true;
    note.textContent = message;
    field.insertAdjacentElement("afterend", note);
    function check() { note.hidden = !containsId(field.value); }
    field.addEventListener("input", check);
    check();
  }

  var report = document.querySelector("form[action='/meld']");
  if (report) {
    reportFields.forEach(function (name) {
      var field = report.elements[name];
      if (field) { watch(field, notHere); }
    });
    var patient = report.elements["patient_identification"];
    if (patient) { watch(patient, patientNote); }
  }
  Array.prototype.forEach.call(document.querySelectorAll("form[action^='/saker/'] textarea"), function (field) {
    watch(field, notInHandling);
  });
  var addition = document.querySelector("form[action^='/oppfolging/'] textarea");
  if (addition) { watch(addition, notInAddition); }
});

// "Kopier lenke" on the receipt and the follow-up page: shown only when the
// browser can copy; without it the link is there to select by hand.
document.addEventListener("DOMContentLoaded", function () {
  var holders = document.querySelectorAll("[data-copy-target]");
  Array.prototype.forEach.call(holders, function (holder) {
    var link = document.querySelector(holder.getAttribute("data-copy-target"));
    var button = holder.querySelector("[data-copy-link]");
    var status = holder.querySelector(".copy-status");
    if (!link || !button || !navigator.clipboard || !window.isSecureContext) { return; }
    holder.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(link.href).then(function () {
        status.textContent = "Lenken er kopiert. Lim den inn der du tar vare på den.";
      }, function () {
        status.textContent = "Kunne ikke kopiere. Merk lenken og kopier den selv.";
      });
    });
  });
});

// The receiver's units follow the organisation chosen: when SiV is picked,
// no kommune unit is offered, and the reverse. Without JavaScript every
// unit is listed, grouped by organisation, and the server refuses a unit
// of another organisation with a message at the field.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form[action='/meld']");
  if (!form) { return; }
  var org = form.elements["receiver_org"];
  var unit = form.elements["receiver_unit"];
  if (!org || !unit) { return; }
  var groups = Array.prototype.slice.call(unit.querySelectorAll("optgroup[data-org]"));
  function filter() {
    var chosen = org.value;
    var selected = unit.value;
    groups.forEach(function (g) {
      var keep = !chosen || g.getAttribute("data-org") === chosen;
      if (keep && !g.parentNode) { unit.appendChild(g); }
      if (!keep && g.parentNode) { g.parentNode.removeChild(g); }
    });
    // Keep the directory's order when groups come back.
    groups.forEach(function (g) { if (g.parentNode) { unit.appendChild(g); } });
    unit.value = selected;
    if (unit.value !== selected) { unit.value = ""; }
  }
  org.addEventListener("change", filter);
  filter();
});

// A draft of the report kept in this browser while typing, so a nurse
// called away does not lose the text. Stored with localStorage on this
// device only (nothing is sent to the server before "Send"), removed when
// the report is sent, and never kept after «Ikke lagre utkast».
document.addEventListener("DOMContentLoaded", function () {
  var KEY = "samavvik-utkast";
  var OFF = "samavvik-utkast-av";
  var store;
  try { store = window.localStorage; store.getItem(KEY); } catch (e) { return; }
  // The receipt: the report is sent, so its draft goes.
  if (document.querySelector(".receipt")) { store.removeItem(KEY); return; }
  var form = document.querySelector("form[action='/meld']");
  if (!form) { return; }
  var skip = { csrf_token: true, idempotency_key: true };
  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && !skip[el.name] && el.type !== "submit" && el.type !== "button" && el.type !== "hidden" && el.type !== "file";
    });
  }
  function collect() {
    var data = {};
    fields().forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") {
        if (!el.checked) { return; }
        (data[el.name] = data[el.name] || []).push(el.value);
      } else if (el.value) {
        data[el.name] = [el.value];
      }
    });
    return data;
  }
  function restore(data) {
    fields().forEach(function (el) {
      var values = data[el.name];
      if (!values) { return; }
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = values.indexOf(el.value) >= 0;
      } else if (!el.value) {
        el.value = values[0];
      }
      el.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  var box = document.createElement("div");
  box.className = "notice draft-notice";
  box.id = "utkast";
  var text = document.createElement("p");
  var status = document.createElement("p");
  status.setAttribute("role", "status");
  var buttons = document.createElement("p");
  buttons.className = "draft-buttons";
  var stop = document.createElement("button");
  stop.type = "button";
  stop.className = "button button-secondary";
  stop.textContent = "Ikke lagre utkast";
  var clear = document.createElement("button");
  clear.type = "button";
  clear.className = "button button-secondary";
  clear.textContent = "Slett utkast";
  var start = document.createElement("button");
  start.type = "button";
  start.className = "button button-secondary";
  start.textContent = "Lagre utkast på denne enheten";
  buttons.appendChild(stop);
  buttons.appendChild(clear);
  buttons.appendChild(start);
  box.appendChild(text);
  box.appendChild(buttons);
  box.appendChild(status);
  form.insertBefore(box, form.firstChild);

  function on() { return store.getItem(OFF) !== "1"; }
  function show() {
    text.textContent = on()
      ? "Mens du skriver, lagres et utkast bare i denne nettleseren på denne enheten, ikke hos oss. " +
        "Det slettes når du sender meldingen. Bruker du en PC som andre også bruker, velg «Ikke lagre utkast»."
      : "Utkast lagres ikke på denne enheten.";
    stop.hidden = !on();
    clear.hidden = !on();
    start.hidden = on();
  }
  var timer = null;
  function save() {
    if (!on()) { return; }
    clearTimeout(timer);
    timer = setTimeout(function () {
      try { store.setItem(KEY, JSON.stringify({ at: Date.now(), fields: collect() })); } catch (e) { /* full or blocked */ }
    }, 300);
  }
  stop.addEventListener("click", function () {
    clearTimeout(timer);
    store.removeItem(KEY);
    store.setItem(OFF, "1");
    show();
    status.textContent = "Utkastet er slettet, og nye utkast lagres ikke på denne enheten.";
    start.focus();
  });
  clear.addEventListener("click", function () {
    clearTimeout(timer);
    store.removeItem(KEY);
    status.textContent = "Utkastet er slettet fra denne enheten. Det du har skrevet, står fortsatt i skjemaet.";
  });
  start.addEventListener("click", function () {
    store.removeItem(OFF);
    show();
    save();
    status.textContent = "Utkast lagres nå på denne enheten mens du skriver.";
    stop.focus();
  });
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  form.addEventListener("submit", function () {
    clearTimeout(timer);
    store.removeItem(KEY);
  });

  // A page the server filled in (errors, an expired session) shows what
  // was sent; the draft only fills a fresh form.
  var fresh = !document.getElementById("feilsammendrag") && !document.getElementById("melding");
  var saved = null;
  try { saved = JSON.parse(store.getItem(KEY) || "null"); } catch (e) { saved = null; }
  if (on() && fresh && saved && saved.fields) {
    restore(saved.fields);
    var when = new Date(saved.at);
    status.textContent = "Utkastet ditt fra " + when.toLocaleString("nb-NO", { dateStyle: "short", timeStyle: "short" }) +
      " er hentet fram. Se over det før du sender.";
  }
  show();
});
