// Every page that exists today, in its normal and its error state:
// zero axe-core violations (WCAG 2.0/2.1 A and AA), a title that says where
// you are, lang="nb", screenshots at 360 and 1280 px, reflow at 320 px,
// visible focus, and hints and errors tied to their fields.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startServer } from "./support/server.js";
import { ADMIN, RECEIVER_LEADER, SENDER_LEADER, caseState, fillValid, send, signIn, signInLink, submitReport } from "./support/flows.js";
import {
  assertAccessible,
  assertFocusVisible,
  assertPageBasics,
  focused,
  launch,
  missingBrowser,
  newPage,
  screenshotsAndReflow,
} from "./support/browser.js";

const skip = missingBrowser();

/** Tabs through the whole page: every stop shows where focus is. Returns the stops. */
async function assertEveryStopVisible(page) {
  await page.locator("body").focus();
  const stops = [];
  for (let i = 0; i < 120; i++) {
    await page.keyboard.press("Tab");
    const f = await focused(page);
    if (f === "body") break;
    if (stops.at(-1) === f) continue; // a date or month input has one stop per part
    stops.push(f);
    await assertFocusVisible(page);
  }
  return stops;
}

/** The checks every page gets. */
async function checkPage(page, name, title) {
  await assertPageBasics(page, title);
  await assertAccessible(page, name);
  await screenshotsAndReflow(page, name);
}

describe("every page", { skip: skip || false, timeout: 300_000 }, () => {
  let server;
  let browser;
  let page;
  before(async () => {
    server = await startServer();
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("the report form", async () => {
    page = await newPage(browser);
    const res = await page.goto(`${server.baseUrl}/`);
    assert.equal(res.status(), 200);
    await checkPage(page, "form", "Meld avvik – Samavvik");
    const text = await page.locator("main").innerText();
    assert.match(text, /kryptert/, "says the content is protected");
    assert.match(text, /kvittering/i, "says what happens next");
  });

  test("every hint is tied to its field", async () => {
    const loose = await page.$$eval(".hint[id]", (hints) =>
      hints
        .filter((h) => !document.querySelector(`[aria-describedby~="${h.id}"]`))
        .map((h) => h.id),
    );
    assert.deepEqual(loose, []);
    const unlabelled = await page.$$eval("input:not([type=hidden]), select, textarea", (els) =>
      els.filter((el) => !el.labels || el.labels.length !== 1).map((el) => el.id),
    );
    assert.deepEqual(unlabelled, [], "every field has exactly one label");
  });

  test("every stop in the tab order shows where focus is", async () => {
    await page.goto(`${server.baseUrl}/`);
    const stops = [];
    for (let i = 0; i < 80; i++) {
      await page.keyboard.press("Tab");
      const f = await focused(page);
      if (f === "body" || stops.at(-1) === f) {
        if (f === "body") break;
        continue; // a date input has one stop per part
      }
      stops.push(f);
      await assertFocusVisible(page);
    }
    assert.ok(stops.includes("description") && stops.includes("button:Send meldingen"), stops.join(" → "));
  });

  test("the form with errors", async () => {
    await page.goto(`${server.baseUrl}/`);
    await page.fill("#description", "Noe er skrevet");
    await send(page);
    await checkPage(page, "form-errors", /^Feil i skjemaet \(\d+\) – Meld avvik – Samavvik$/);
    // Each error message is tied to its field.
    const loose = await page.$$eval(".field-error[id]", (errs) =>
      errs.filter((e) => !document.querySelector(`[aria-describedby~="${e.id}"]`)).map((e) => e.id),
    );
    assert.deepEqual(loose, []);
    assert.ok((await page.locator("[aria-invalid=true]").count()) >= 5, "fields in error are marked invalid");
  });

  test("the form after an expired session (CSRF notice)", async () => {
    await page.goto(`${server.baseUrl}/`);
    await page.fill("#description", "Skrevet før pausen");
    await page.context().clearCookies();
    await send(page);
    assert.match(await page.locator("#melding").innerText(), /Av sikkerhetshensyn/);
    await checkPage(page, "form-csrf-notice", "Meldingen er ikke sendt – Meld avvik – Samavvik");
  });

  let followUpUrl;
  test("the receipt", async () => {
    await page.goto(`${server.baseUrl}/`);
    await fillValid(page);
    await send(page);
    await checkPage(page, "receipt", /^Kvittering for SA-\d{4}-\d{5} – Samavvik$/);
    const text = await page.locator("main").innerText();
    assert.match(text, /Hva skjer nå/);
    assert.match(text, /kryptert/);
    assert.match(text, /Meldingen går først til din leder for vurdering, deretter til Medisinsk klinikk/);
    followUpUrl = await page.locator(".follow-link a").getAttribute("href");
    assert.match(followUpUrl, /\/oppfolging\/[A-Za-z0-9_-]{43}$/);
  });

  test("the follow-up page", async () => {
    await page.goto(followUpUrl);
    await checkPage(page, "follow-up", /^Status for sak SA-\d{4}-\d{5} – Samavvik$/);
    const text = await page.locator("main").innerText();
    assert.match(text, /Status\s+Hos lederen din for vurdering/);
    assert.match(text, /Meldt, venter på gjennomgang hos nærmeste leder/);
    assert.match(text, /Mottakerens frister starter når lederen din har sendt meldingen videre/);
    assert.equal(await page.locator("#legg-til").innerText(), "Legg til opplysninger");
    assert.equal(await page.locator("#addition").getAttribute("aria-describedby"), "addition-hint");
  });

  test("the follow-up page with an error (nothing written)", async () => {
    const res = await send(page);
    assert.equal(res.status(), 422);
    await checkPage(page, "follow-up-error", /^Ikke lagt til – Status for sak SA-\d{4}-\d{5} – Samavvik$/);
    assert.equal(await focused(page), "feilsammendrag", "the error summary has focus");
    assert.equal(await page.locator("#addition").getAttribute("aria-invalid"), "true");
  });

  test("404: a page that does not exist", async () => {
    const res = await page.goto(`${server.baseUrl}/finnes-ikke`);
    assert.equal(res.status(), 404);
    await checkPage(page, "not-found", "Fant ikke siden – Samavvik");
  });

  test("404: a follow-up link that is wrong", async () => {
    const res = await page.goto(`${server.baseUrl}/oppfolging/${"A".repeat(43)}`);
    assert.equal(res.status(), 404);
    await assertPageBasics(page, "Fant ikke siden – Samavvik");
    await assertAccessible(page, "follow-up 404");
  });

  test("a description far longer than allowed: the form says so and keeps the text", async () => {
    await page.goto(`${server.baseUrl}/`);
    await fillValid(page);
    // Pasted far more than the form allows (maxlength does not stop scripts or old browsers).
    // The report form takes attachments, so its body limit is large: the length rule answers.
    await page.$eval("#description", (el) => (el.value = "x".repeat(300 * 1024)));
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/meld")),
      page.locator("button[type=submit]").click(),
    ]);
    await page.waitForLoadState();
    assert.equal(res.status(), 422);
    await checkPage(page, "too-long", /^Feil i skjemaet \(\d+\) – Meld avvik – Samavvik$/);
    assert.equal((await page.inputValue("#description")).length, 300 * 1024, "the pasted text is kept");
  });

  test("413: an addition too large to send", async () => {
    await page.goto(followUpUrl);
    await page.$eval("#addition", (el) => {
      el.removeAttribute("maxlength");
      el.value = "x".repeat(600 * 1024);
    });
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST"),
      page.locator("#addition").locator("xpath=ancestor::form").locator("button[type=submit]").click(),
    ]);
    await page.waitForLoadState();
    assert.equal(res.status(), 413);
    await checkPage(page, "too-large", "Meldingen er for stor – Samavvik");
    await page.context().close();
  });
});

// The leaders' pages: sign-in, the work list, the case page in each state
// and for each side, an action that fails, and the audit log.
describe("leader pages", { skip: skip || false, timeout: 300_000 }, () => {
  let server;
  let browser;
  let caseNumber;
  before(async () => {
    server = await startServer();
    browser = await launch();
    const reporter = await newPage(browser);
    caseNumber = await submitReport(reporter, server.baseUrl);
    await reporter.context().close();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("sign-in: ask for a link, with an error, check your mail, confirm", async () => {
    const page = await newPage(browser);
    const res = await page.goto(`${server.baseUrl}/logg-inn`);
    assert.equal(res.status(), 200);
    await checkPage(page, "sign-in", "Logg inn – Samavvik");
    assert.equal(await page.locator("h1").innerText(), "Logg inn som leder");

    await page.fill("#email", "ikke-en-adresse");
    assert.equal((await send(page)).status(), 422);
    await checkPage(page, "sign-in-error", "Feil i skjemaet – Logg inn – Samavvik");
    assert.equal(await focused(page), "feilsammendrag", "the error summary has focus");
    assert.equal(await page.inputValue("#email"), "ikke-en-adresse", "what was typed survives");
    assert.equal(await page.getAttribute("#email", "aria-describedby"), "email-error");
    assert.equal(await page.getAttribute("#feilsammendrag a", "href"), "#email");

    await page.fill("#email", SENDER_LEADER);
    assert.equal((await send(page)).status(), 200);
    await checkPage(page, "sign-in-sent", "Sjekk e-posten din – Samavvik");
    assert.match(await page.locator("main").innerText(), /Lenken virker én gang, i 15 minutter/);

    const link = await signInLink(server, SENDER_LEADER);
    await page.goto(link);
    await checkPage(page, "sign-in-confirm", "Bekreft innlogging – Samavvik");
    await send(page);
    assert.equal(new URL(page.url()).pathname, "/saker");

    // The link works once: a second time it says so, and offers a new one.
    const again = await newPage(browser);
    await again.goto(link);
    assert.equal((await send(again)).status(), 410);
    await checkPage(again, "sign-in-used-link", "Lenken virker ikke – Samavvik");
    assert.match(await again.locator("main").innerText(), /allerede brukt/);
    await again.context().close();
    await page.context().close();
  });

  test("the sending leader: work list and the case under review", async () => {
    const page = await newPage(browser);
    await signIn(page, server, SENDER_LEADER);
    await checkPage(page, "inbox", "Saker – Samavvik");
    assert.ok(await page.locator(`table.cases a[href="/saker/${caseNumber}"]`).isVisible(), "the case is listed");
    assert.equal(await page.getAttribute(".table-scroll", "tabindex"), "0", "the wide table scrolls by keyboard");
    const stops = await assertEveryStopVisible(page);
    for (const stop of ["button:Logg ut", "status", "button:Vis saker", `a:/saker/${caseNumber}`]) {
      assert.ok(stops.includes(stop), `${stop} in the tab order: ${stops.join(" → ")}`);
    }

    await page.goto(`${server.baseUrl}/saker/${caseNumber}`);
    await checkPage(page, "case-sender-review", `Sak ${caseNumber} – Samavvik`);
    assert.equal(await caseState(page), "Til gjennomgang hos nærmeste leder");
    for (const id of ["a-videre-mottaker", "a-tilbake", "a-trekk"]) {
      assert.ok(await page.locator(`#${id}`).isVisible(), `#${id}: the reviewing leader's actions`);
    }
    await page.fill("#supplement", "Pasienten ble sendt hjem dagen etter.");
    await send(page, "#a-videre-mottaker ~ form button[type=submit]");
    assert.equal(await caseState(page), "Sendt til mottaker");
    await page.context().close();
  });

  test("the receiving leader: the case in each state, and an answer without a measure", async () => {
    const page = await newPage(browser);
    await signIn(page, server, RECEIVER_LEADER);
    await page.goto(`${server.baseUrl}/saker?status=dispatched`);
    await checkPage(page, "inbox-filtered", "Saker – Samavvik");
    await page.goto(`${server.baseUrl}/saker/${caseNumber}`);
    assert.equal(await caseState(page), "Sendt til mottaker");
    await checkPage(page, "case-dispatched", `Sak ${caseNumber} – Samavvik`);

    await send(page, "#a-bekreft ~ form button[type=submit]");
    assert.equal(await caseState(page), "Mottaker har bekreftet mottak");
    await checkPage(page, "case-acknowledged", `Sak ${caseNumber} – Samavvik`);
    const stops = await assertEveryStopVisible(page);
    for (const stop of ["answer_text", "measure_category_1", "measure_description_1", "measure_due_1", "shareable", "button:Send svar", "target_unit"]) {
      assert.ok(stops.includes(stop), `${stop} in the tab order: ${stops.join(" → ")}`);
    }

    // An answer without any measure: 422, the summary has focus and leads to the field.
    await page.fill("#answer_text", "Vi har sett på saken.");
    assert.equal((await send(page, "#a-svar ~ form button[type=submit]")).status(), 422);
    await checkPage(page, "case-answer-error", `Ikke lagret – Sak ${caseNumber} – Samavvik`);
    assert.equal(await focused(page), "feilsammendrag", "the error summary has focus");
    assert.match(await page.locator("#feilsammendrag").innerText(), /Velg minst ett tiltak/);
    assert.equal(await page.getAttribute("#feilsammendrag a", "href"), "#measure_category_1");
    assert.equal(await page.getAttribute("#measure_category_1", "aria-invalid"), "true");
    assert.equal(await page.inputValue("#answer_text"), "Vi har sett på saken.", "what was typed survives");

    await page.selectOption("#measure_category_1", "rutineendring");
    await page.fill("#measure_description_1", "Ny sjekkliste ved utskrivning på kvelden.");
    await page.fill("#measure_responsible_1", "Avdelingsleder medisinsk sengepost");
    await page.fill("#measure_due_1", "2027-01-31");
    await send(page, "#a-svar ~ form button[type=submit]");
    assert.equal(await caseState(page), "Besvart");
    await checkPage(page, "case-answered", `Sak ${caseNumber} – Samavvik`);
    assert.equal(await page.getAttribute("#lesson", "aria-describedby"), "lesson-hint");

    await page.fill("#lesson", "Epikrisen følger pasienten, også ved utskrivning på kvelden.");
    await send(page, "#a-lukk ~ form button[type=submit]");
    assert.equal(await caseState(page), "Lukket");
    await checkPage(page, "case-closed", `Sak ${caseNumber} – Samavvik`);
    await page.context().close();
  });

  test("the audit log (the demo's system owner)", async () => {
    const page = await newPage(browser);
    await signIn(page, server, ADMIN);
    const res = await page.goto(`${server.baseUrl}/admin/logg`);
    assert.equal(res.status(), 200);
    await checkPage(page, "audit", "Tilgangslogg – Samavvik");
    assert.match(await page.locator("table").innerText(), /view-sealed/);
    await page.goto(`${server.baseUrl}/admin/logg?sak=${caseNumber}`);
    await checkPage(page, "audit-filtered", "Tilgangslogg – Samavvik");
    // The report page (new; the admin may use it too): the page itself, not the download.
    assert.equal((await page.goto(`${server.baseUrl}/rapporter`)).status(), 200);
    await checkPage(page, "reports", "Rapporter – Samavvik");
    await page.context().close();
  });
});
