// The leaders' and reporters' journeys (issue 17) at 360 and 1280 px, on
// SQLite and on PostgreSQL, with axe-core (WCAG 2.1 AA) on every page they
// visit (each test fails if a page it loaded was never checked): the work
// list as cards without sideways scrolling, search by case number, a named
// handler and "mine", a reroute that asks for confirmation, the list as
// XLSX, acknowledge → answer with a measure → close with each confirmation
// banner, the notification settings changed by keyboard, the receiver list
// following the organisation, the draft kept in the browser, and the
// reporter's road from submit to closed with the content-free notices in
// the demo's mail folder.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { engines, startServer } from "./support/server.js";
import { RECEIVER_LEADER, SENDER_LEADER, caseState, fillValid, send, signIn, submitReport } from "./support/flows.js";
import { assertAccessible, focused, launch, missingBrowser, newPage, tabTo } from "./support/browser.js";

const skip = missingBrowser();
// Under CI an unreachable PostgreSQL throws here: the file fails, it does not skip.
const ENGINES = skip ? [] : engines();
const WIDTHS = [360, 1280];
const REPORTER = "kari.nordmann@horten.example.no";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- every page visited is checked -------------------------------------

const visits = new WeakMap();
/** Signed-in leaders' contexts, kept for the next test (closed with the browser). */
const kept = new WeakSet();

/**
 * Remembers every document `page` loads (DOMContentLoaded comes before
 * `goto` or a navigation wait returns), so `done` can insist that `check`
 * ran on each.
 */
function track(page) {
  const seen = [];
  visits.set(page, seen);
  page.on("domcontentloaded", () => seen.push({ url: page.url(), checked: false }));
  return page;
}

/**
 * A fresh page in a fresh context, tracked. Not with JavaScript off:
 * axe-core runs as JavaScript in the page, so such a page cannot be
 * checked (the same pages are, with JavaScript, here and in pages.test.js).
 */
async function open(browser, width, options) {
  const page = await newPage(browser, width, options);
  if (options?.javaScriptEnabled !== false) return track(page);
  visits.set(page, null);
  return page;
}

/** axe-core (WCAG 2.0/2.1 A and AA) on the document now shown. */
async function check(page, what) {
  await assertAccessible(page, what);
  const seen = visits.get(page);
  if (seen?.length) seen.at(-1).checked = true;
}

/** Closes the page (and its context, unless a leader's); fails if a document it loaded went unchecked. */
async function done(page) {
  const seen = visits.get(page);
  if (seen === null) return page.context().close(); // JavaScript off: see `open`
  assert.ok(seen?.length > 0, "the page was tracked and loaded a document");
  const unchecked = seen.filter((v) => !v.checked).map((v) => v.url);
  const context = page.context();
  await page.close();
  if (!kept.has(context)) await context.close();
  assert.deepEqual(unchecked, [], "every page visited was checked with axe-core");
}

/** Goes to `path` on the server and checks the page. */
async function visit(page, server, path, what) {
  const res = await page.goto(`${server.baseUrl}${path}`);
  await check(page, what);
  return res;
}

/** Presses `button` (a selector), waits for the next page and checks it. */
async function submit(page, button, what) {
  const res = await send(page, button);
  await check(page, what);
  return res;
}


// ---- helpers -------------------------------------------------------------

/** No sideways scrolling of the page, nor inside the work list's region. */
async function assertNoSidewaysScroll(page, what) {
  const m = await page.evaluate(() => {
    const region = document.querySelector(".table-scroll");
    return {
      page: document.documentElement.scrollWidth,
      view: document.documentElement.clientWidth,
      region: region ? region.scrollWidth - region.clientWidth : 0,
    };
  });
  assert.ok(m.page <= m.view, `${what}: the page scrolls sideways (${m.page} > ${m.view})`);
  assert.ok(m.region <= 1, `${what}: the list scrolls sideways inside its region (${m.region} px)`);
}

/** Undoes quoted-printable (soft breaks and =XX bytes as UTF-8). */
function decode(raw) {
  const soft = raw.replace(/=\r?\n/g, "");
  return Buffer.from(
    soft.replace(/=([0-9A-F]{2})/gi, (_, h) => String.fromCharCode(parseInt(h, 16))),
    "latin1",
  ).toString("utf8");
}

/** Waits for a mail to `to` about `caseNumber` whose text matches `pattern`; returns it decoded. */
async function mailTo(server, to, caseNumber, pattern) {
  const toRe = new RegExp(`^To:.*${to.replace(/[.]/g, "\\.")}`, "im");
  for (let i = 0; i < 100; i++) {
    const found = server
      .mails()
      .map(decode)
      .find((m) => toRe.test(m) && m.includes(caseNumber) && pattern.test(m.replace(/\s+/g, " ")));
    if (found) return found;
    await sleep(100);
  }
  assert.fail(`no mail to ${to} about ${caseNumber} matching ${pattern}`);
}

/** The confirmation banner's text. */
const banner = (page) => page.locator("#utfort").innerText();

/**
 * A fresh report (with the reporter's address when `email` is given),
 * reviewed and sent on to Medisinsk klinikk by the sender's leader.
 */
async function dispatchedCase(ctx, width, { email } = {}) {
  const { browser, server } = ctx;
  const reporter = await open(browser, width);
  const caseNumber = await submitReport(reporter, server.baseUrl, { check, email });
  await done(reporter);
  const sender = await ctx.leader(SENDER_LEADER, width);
  await visit(sender, server, `/saker/${caseNumber}`, "case for the sender's leader");
  await submit(sender, "#a-videre-mottaker ~ form button[type=submit]", "case sent on");
  assert.equal(await caseState(sender), "Sendt til mottaker");
  assert.match(await banner(sender), /Meldingen er sendt til Medisinsk klinikk/);
  await done(sender);
  return caseNumber;
}

/**
 * Fills in «Svar med tiltak» with one measure (found by the fields' labels,
 * so fields added to the form later do not break it) and sends it.
 */
async function answerWithMeasure(page, what) {
  const answer = page.locator("section:has(#a-svar) form");
  await answer.getByLabel("Svar", { exact: true }).fill("Vi har endret rutinen for utskrivning.");
  const measure = answer.locator("fieldset").first();
  await measure.getByLabel("Type tiltak").selectOption("rutineendring");
  await measure.getByLabel("Ansvarlig").fill("Avdelingsleder");
  await measure.getByLabel("Frist").fill("2027-01-31");
  // The measure's description, where the form has one.
  const about = measure.getByLabel(/beskrivelse/i);
  if ((await about.count()) > 0) await about.first().fill("Sjekkliste for epikrise ved utskrivning.");
  return submit(page, "#a-svar ~ form button[type=submit]", what);
}

/**
 * Starts a server on `engine` and Chromium for one describe block.
 * `ctx.leader(email, width)` is a page on the work list for a leader, who
 * signs in (every page checked) only the first time: the server sends one
 * person at most three sign-in links in 15 minutes.
 */
function serverAndBrowser(engine) {
  const ctx = {};
  const leaders = new Map();
  ctx.leader = async (email, width) => {
    const context = leaders.get(email);
    if (!context) {
      const page = await open(ctx.browser, width);
      await signIn(page, ctx.server, email, { check });
      leaders.set(email, page.context());
      kept.add(page.context());
      return page;
    }
    const page = track(await context.newPage());
    await page.setViewportSize({ width, height: 800 });
    await visit(page, ctx.server, "/saker", `work list for ${email} at ${width}`);
    return page;
  };
  before(async () => {
    ctx.server = await startServer([], { engine });
    ctx.browser = await launch();
  });
  after(async () => {
    await ctx.browser?.close();
    await ctx.server?.stop();
  });
  return ctx;
}

for (const engine of ENGINES) {
  describe(`the leader's journey on ${engine}`, { skip: skip || false, timeout: 600_000 }, () => {
    const ctx = serverAndBrowser(engine);

    for (const width of WIDTHS) {
      test(`filter, assign, reroute with confirmation and export at ${width} px`, async () => {
        const { server } = ctx;
        const caseNumber = await dispatchedCase(ctx, width);
        const page = await ctx.leader(RECEIVER_LEADER, width);

        // The work list and its filters: no sideways scrolling; cards on a phone.
        await assertNoSidewaysScroll(page, `work list at ${width}`);
        const row = page.locator(`table.cases tr:has(a[href="/saker/${caseNumber}"])`);
        assert.equal(await row.evaluate((tr) => getComputedStyle(tr).display), width < 700 ? "block" : "table-row");
        await page.selectOption("#status", "dispatched");
        await page.check("#forfalt");
        await page.uncheck("#forfalt");
        await submit(page, "button:text('Vis saker')", `filtered list at ${width}`);
        assert.equal(new URL(page.url()).searchParams.get("status"), "dispatched");
        assert.ok(await page.locator(`a[href="/saker/${caseNumber}"]`).isVisible());
        await assertNoSidewaysScroll(page, `filtered list at ${width}`);

        // A named handler, found again under "mine".
        await visit(page, server, `/saker/${caseNumber}`, `case at ${width}`);
        await page.selectOption("#handler", { label: RECEIVER_LEADER });
        await submit(page, "#saksbehandler ~ form button[type=submit]", `handler saved at ${width}`);
        assert.match(await banner(page), /Saksbehandleren er lagret/);
        await visit(page, server, "/saker?mine=1", `mine at ${width}`);
        assert.ok(await page.locator(`a[href="/saker/${caseNumber}"]`).isVisible(), "listed under mine");
        assert.match(await page.locator(`td[data-label="Saksbehandler"]`).first().innerText(), /klinikkledelse\.med/);
        await assertNoSidewaysScroll(page, `mine at ${width}`);

        // The list as XLSX.
        const [download] = await Promise.all([
          page.waitForEvent("download"),
          page.locator("a:text('som Excel-fil (XLSX)')").click(),
        ]);
        assert.equal(download.suggestedFilename(), "saker.xlsx");

        // Reroute: refused without the confirmation, then lands on the list saying where it went.
        await visit(page, server, `/saker/${caseNumber}`, `case before reroute at ${width}`);
        await page.selectOption("#target_unit", "siv-kir");
        await page.fill("#reroute_reason", "Gjelder operasjonen.");
        const refused = await submit(page, "#a-videre ~ form button[type=submit]", `reroute refused at ${width}`);
        assert.equal(refused.status(), 422);
        assert.equal(await page.getAttribute("#reroute_confirm", "aria-invalid"), "true");
        assert.match(await page.locator("#feilsammendrag").innerText(), /Kryss av for at du vil sende saken videre/);
        assert.equal(await page.inputValue("#reroute_reason"), "Gjelder operasjonen.", "what was typed survives");
        await page.check("#reroute_confirm");
        await submit(page, "#a-videre ~ form button[type=submit]", `after reroute at ${width}`);
        assert.equal(new URL(page.url()).pathname, "/saker");
        assert.match(await banner(page), new RegExp(`Sak ${caseNumber} er sendt videre til Kirurgisk klinikk`));
        await done(page);
      });

      test(`search by case number, acknowledge, answer with a measure and close at ${width} px`, async () => {
        const { server } = ctx;
        const caseNumber = await dispatchedCase(ctx, width, { email: REPORTER });
        const page = await ctx.leader(RECEIVER_LEADER, width);

        // The search: a number that is not theirs is explained and kept; theirs opens the case.
        const search = page.getByRole("search").getByLabel("Saksnummer");
        await search.fill("SA-1999-00001");
        await submit(page, "button:text('Finn saken')", `search not found at ${width}`);
        assert.match(await page.locator("#ikke-funnet").innerText(), /Fant ingen sak med nummer «SA-1999-00001»/);
        assert.equal(await search.inputValue(), "SA-1999-00001", "what was typed survives");
        await search.fill(caseNumber.toLowerCase());
        await submit(page, "button:text('Finn saken')", `case found by search at ${width}`);
        assert.equal(new URL(page.url()).pathname, `/saker/${caseNumber}`);
        assert.equal(await caseState(page), "Sendt til mottaker");

        // Acknowledge, answer with a measure, close: a banner after each.
        await submit(page, "#a-bekreft ~ form button[type=submit]", `acknowledged at ${width}`);
        assert.match(await banner(page), /Mottaket er bekreftet/);
        await answerWithMeasure(page, `answered at ${width}`);
        assert.match(await banner(page), /Svaret er lagret/);
        assert.equal(await caseState(page), "Besvart");
        assert.match(await page.locator("main").innerText(), /Avdelingsleder/, "the measure is shown on the case");
        await page.getByLabel("Læringspunkt", { exact: true }).fill("Epikrisen følger pasienten.");
        await submit(page, "#a-lukk ~ form button[type=submit]", `closed at ${width}`);
        assert.match(await banner(page), /Saken er lukket/);
        assert.equal(await caseState(page), "Lukket");
        await done(page);

        // The reporter hears of it, without content.
        const closed = await mailTo(server, REPORTER, caseNumber, /Saken er lukket/);
        assert.ok(!closed.includes("Epikrisen") && !closed.includes("utskrivning"), "content-free");
      });

      test(`notification settings changed by keyboard at ${width} px`, async () => {
        const { server } = ctx;
        const page = await ctx.leader(RECEIVER_LEADER, width);
        await page.getByRole("link", { name: "Varsler" }).first().click();
        await page.waitForURL("**/varsler");
        await check(page, `notification settings at ${width}`);
        const before = await page.isChecked("#varsling-each") ? "each" : "digest";
        const after = before === "each" ? "digest" : "each";

        // Tab lands on the chosen radio button; an arrow key chooses the other.
        await page.locator("body").focus();
        await tabTo(page, `varsling-${before}`);
        await page.keyboard.press(before === "digest" ? "ArrowDown" : "ArrowUp");
        assert.equal(await focused(page), `varsling-${after}`);
        await tabTo(page, "button:Lagre");
        await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
        await check(page, `notification settings saved at ${width}`);
        assert.match(await banner(page), /Valget ditt er lagret/);
        assert.ok(await page.isChecked(`#varsling-${after}`), "the new choice is shown");

        // Stored on the server: a fresh load shows it.
        await visit(page, server, "/varsler", `notification settings again at ${width}`);
        assert.ok(await page.isChecked(`#varsling-${after}`), "the new choice is kept");
        await done(page);
      });
    }
  });

  // The form's journeys once: the units come from the directory and the
  // draft stays in the browser, so the database plays no part.
  if (engine === ENGINES[0]) describe(`the report form on ${engine}: receivers and the draft`, { skip: skip || false, timeout: 600_000 }, () => {
    const ctx = serverAndBrowser(engine);

    const unitValues = (page) =>
      page.$$eval("#receiver_unit option", (os) => os.map((o) => o.value).filter((v) => v));

    test("the receiver's units follow the organisation chosen", async () => {
      const { server, browser } = ctx;
      const page = await open(browser, 360);
      await visit(page, server, "/", "form");
      await page.selectOption("#receiver_org", "siv");
      const siv = await unitValues(page);
      assert.ok(siv.length > 3 && siv.every((v) => v.startsWith("siv-")), `only SiV's units: ${siv}`);
      await page.selectOption("#receiver_unit", "siv-med");
      await page.selectOption("#receiver_org", "horten");
      const horten = await unitValues(page);
      assert.ok(horten.length > 0 && horten.every((v) => v.startsWith("horten")), `only Horten's units: ${horten}`);
      assert.equal(await page.inputValue("#receiver_unit"), "", "a unit of the other organisation is not kept");
      await check(page, "form with receiver filtered");
      await done(page);

      // Without JavaScript every unit is there, grouped; the server checks the pair.
      const plain = await open(browser, 1280, { javaScriptEnabled: false });
      await plain.goto(`${server.baseUrl}/`);
      assert.ok((await plain.locator("#receiver_unit optgroup").count()) > 2);
      await fillValid(plain);
      await plain.selectOption("#receiver_org", "horten");
      const res = await send(plain);
      assert.equal(res.status(), 422);
      assert.match(await plain.locator("#feilsammendrag").innerText(), /Horten/);
      await done(plain);
    });

    for (const width of WIDTHS) {
      test(`the draft stays on this device only, and goes on send, at ${width} px`, async () => {
        const { server, browser } = ctx;
        const page = await open(browser, width);
        const posted = [];
        page.on("request", (r) => {
          if (r.method() === "POST") posted.push(`${r.url()} ${r.postData() ?? ""}`);
        });
        await visit(page, server, "/", `form with the draft notice at ${width}`);
        assert.match(await page.locator("#utkast").innerText(), /bare i denne nettleseren på denne enheten/);
        const draft = () => page.evaluate(() => localStorage.getItem("samavvik-utkast"));

        await page.fill("#description", "UTKAST-1 Epikrisen manglet.");
        await page.check("#kind-avvik");
        await sleep(600);
        assert.match(await draft(), /UTKAST-1/);
        await page.reload();
        await check(page, `form with the draft restored at ${width}`);
        assert.equal(await page.inputValue("#description"), "UTKAST-1 Epikrisen manglet.", "restored after a reload");
        assert.ok(await page.isChecked("#kind-avvik"));
        assert.match(await page.locator("#utkast").innerText(), /er hentet fram/);
        assert.ok(!posted.some((p) => p.includes("UTKAST")), `nothing of the draft was sent: ${posted}`);

        // «Slett utkast»: gone from the device, still in the form.
        await page.click("button:text('Slett utkast')");
        assert.equal(await draft(), null);
        assert.equal(await page.inputValue("#description"), "UTKAST-1 Epikrisen manglet.");

        // «Ikke lagre utkast»: nothing is kept any more, not even after typing.
        await page.click("button:text('Ikke lagre utkast')");
        await page.fill("#description", "UTKAST-2 på en delt PC.");
        await sleep(600);
        assert.equal(await draft(), null);
        await page.reload();
        await check(page, `form with drafts off at ${width}`);
        assert.equal(await page.inputValue("#description"), "");
        assert.match(await page.locator("#utkast").innerText(), /Utkast lagres ikke på denne enheten/);
        await page.click("button:text('Lagre utkast på denne enheten')");

        // Sending clears the draft.
        await fillValid(page);
        await sleep(600);
        assert.notEqual(await draft(), null);
        await submit(page, "button:text('Send meldingen')", `receipt after a draft at ${width}`);
        assert.match(await page.title(), /^Kvittering for SA-/);
        assert.equal(await draft(), null, "the draft is gone once the report is sent");
        await done(page);
      });
    }
  });

  describe(`the reporter's journey on ${engine}`, { skip: skip || false, timeout: 600_000 }, () => {
    const ctx = serverAndBrowser(engine);

    for (const width of WIDTHS) {
      test(`submit, returned, resubmitted, answered and closed, with notices, at ${width} px`, async () => {
        const { server, browser } = ctx;
        const reporter = await open(browser, width);
        await visit(reporter, server, "/", `form at ${width}`);
        await fillValid(reporter);
        await reporter.fill("#reporter_email", REPORTER);
        await submit(reporter, "button:text('Send meldingen')", `receipt at ${width}`);
        const caseNumber = (await reporter.title()).match(/SA-\d{4}-\d{5}/)[0];
        const followUp = await reporter.locator(".follow-link a").getAttribute("href");

        // The nearest leader returns it; the reporter is told, without content.
        const sender = await ctx.leader(SENDER_LEADER, width);
        await visit(sender, server, `/saker/${caseNumber}`, `case for review at ${width}`);
        await sender.fill("#return_message", "Legg til når på dagen det skjedde.");
        await submit(sender, "#a-tilbake ~ form button[type=submit]", `case returned at ${width}`);
        const returned = await mailTo(server, REPORTER, caseNumber, /sendt meldingen tilbake til deg/);
        assert.ok(!returned.includes("Epikrisen") && !returned.includes("Legg til når"), "content-free");

        // The reporter adds what was asked for on the follow-up page.
        await reporter.goto(followUp);
        await check(reporter, `follow-up returned at ${width}`);
        assert.match(await reporter.locator("main").innerText(), /Legg til når på dagen det skjedde/);
        await reporter.fill("#addition", "Det skjedde rundt klokka 22.");
        await submit(reporter, "button:text('Legg til')", `follow-up resubmitted at ${width}`);

        // The leader sends it on; the receiver answers and closes.
        await visit(sender, server, `/saker/${caseNumber}`, `case resubmitted at ${width}`);
        await submit(sender, "#a-videre-mottaker ~ form button[type=submit]", `case sent on at ${width}`);
        assert.equal(await caseState(sender), "Sendt til mottaker");
        await mailTo(server, REPORTER, caseNumber, /sendt den videre til mottakeren/);
        await done(sender);

        const receiver = await ctx.leader(RECEIVER_LEADER, width);
        await visit(receiver, server, `/saker/${caseNumber}`, `case received at ${width}`);
        await submit(receiver, "#a-bekreft ~ form button[type=submit]", `case acknowledged at ${width}`);
        await answerWithMeasure(receiver, `case answered at ${width}`);
        assert.equal(await caseState(receiver), "Besvart");
        await mailTo(server, REPORTER, caseNumber, /Mottakeren har besvart saken/);
        await receiver.getByLabel("Læringspunkt", { exact: true }).fill("Epikrisen følger pasienten.");
        await submit(receiver, "#a-lukk ~ form button[type=submit]", `case closed at ${width}`);
        assert.equal(await caseState(receiver), "Lukket");
        await mailTo(server, REPORTER, caseNumber, /Saken er lukket/);
        await done(receiver);

        await reporter.goto(followUp);
        await check(reporter, `follow-up closed at ${width}`);
        assert.match(await reporter.locator("main").innerText(), /Lukket/);
        await done(reporter);
      });
    }
  });
}
