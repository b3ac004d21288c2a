// The leaders' and reporters' journeys (issue 17) at 360 and 1280 px, with
// axe-core (WCAG 2.1 AA) on every page they visit: the work list as cards
// without sideways scrolling, a named handler and "mine", a reroute that
// asks for confirmation, the list as XLSX, the receiver list following the
// organisation, the draft kept in the browser, and the reporter's road from
// submit to closed with the content-free notices in the demo's mail folder.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startServer } from "./support/server.js";
import { RECEIVER_LEADER, SENDER_LEADER, caseState, fillValid, send, signIn, submitReport } from "./support/flows.js";
import { assertAccessible, launch, missingBrowser, newPage } from "./support/browser.js";

const skip = missingBrowser();
const WIDTHS = [360, 1280];
const REPORTER = "kari.nordmann@horten.example.no";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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

/** A fresh report, reviewed and sent on to Medisinsk klinikk by the sender's leader. */
async function dispatchedCase(browser, server) {
  const reporter = await newPage(browser);
  const caseNumber = await submitReport(reporter, server.baseUrl);
  await reporter.context().close();
  const sender = await newPage(browser);
  await signIn(sender, server, SENDER_LEADER);
  await sender.goto(`${server.baseUrl}/saker/${caseNumber}`);
  await send(sender, "#a-videre-mottaker ~ form button[type=submit]");
  assert.equal(await caseState(sender), "Sendt til mottaker");
  await sender.context().close();
  return caseNumber;
}

describe("the leader's journey", { skip: skip || false, timeout: 300_000 }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer();
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const width of WIDTHS) {
    test(`filter, assign, reroute with confirmation and export at ${width} px`, async () => {
      const caseNumber = await dispatchedCase(browser, server);
      const page = await newPage(browser, width);
      await signIn(page, server, RECEIVER_LEADER);

      // The work list and its filters: no sideways scrolling; cards on a phone.
      await assertAccessible(page, `work list at ${width}`);
      await assertNoSidewaysScroll(page, `work list at ${width}`);
      const row = page.locator(`table.cases tr:has(a[href="/saker/${caseNumber}"])`);
      assert.equal(await row.evaluate((tr) => getComputedStyle(tr).display), width < 700 ? "block" : "table-row");
      await page.selectOption("#status", "dispatched");
      await page.check("#forfalt");
      await page.uncheck("#forfalt");
      await send(page, "button:text('Vis saker')");
      assert.equal(new URL(page.url()).searchParams.get("status"), "dispatched");
      assert.ok(await page.locator(`a[href="/saker/${caseNumber}"]`).isVisible());
      await assertAccessible(page, `filtered list at ${width}`);
      await assertNoSidewaysScroll(page, `filtered list at ${width}`);

      // A named handler, found again under "mine".
      await page.goto(`${server.baseUrl}/saker/${caseNumber}`);
      await assertAccessible(page, `case at ${width}`);
      await page.selectOption("#handler", { label: RECEIVER_LEADER });
      await send(page, "#saksbehandler ~ form button[type=submit]");
      assert.match(await page.locator("#utfort").innerText(), /Saksbehandleren er lagret/);
      await page.goto(`${server.baseUrl}/saker?mine=1`);
      assert.ok(await page.locator(`a[href="/saker/${caseNumber}"]`).isVisible(), "listed under mine");
      assert.match(await page.locator(`td[data-label="Saksbehandler"]`).first().innerText(), /klinikkledelse\.med/);
      await assertAccessible(page, `mine at ${width}`);
      await assertNoSidewaysScroll(page, `mine at ${width}`);

      // The list as XLSX.
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.locator("a:text('som Excel-fil (XLSX)')").click(),
      ]);
      assert.equal(download.suggestedFilename(), "saker.xlsx");

      // Reroute: refused without the confirmation, then lands on the list saying where it went.
      await page.goto(`${server.baseUrl}/saker/${caseNumber}`);
      await page.selectOption("#target_unit", "siv-kir");
      await page.fill("#reroute_reason", "Gjelder operasjonen.");
      const refused = await send(page, "#a-videre ~ form button[type=submit]");
      assert.equal(refused.status(), 422);
      assert.equal(await page.getAttribute("#reroute_confirm", "aria-invalid"), "true");
      assert.match(await page.locator("#feilsammendrag").innerText(), /Kryss av for at du vil sende saken videre/);
      assert.equal(await page.inputValue("#reroute_reason"), "Gjelder operasjonen.", "what was typed survives");
      await assertAccessible(page, `reroute refused at ${width}`);
      await page.check("#reroute_confirm");
      await send(page, "#a-videre ~ form button[type=submit]");
      assert.equal(new URL(page.url()).pathname, "/saker");
      assert.match(await page.locator("#utfort").innerText(), new RegExp(`Sak ${caseNumber} er sendt videre til Kirurgisk klinikk`));
      await assertAccessible(page, `after reroute at ${width}`);
      await page.context().close();
    });
  }
});

describe("the report form: receivers and the draft", { skip: skip || false, timeout: 300_000 }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer();
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const unitValues = (page) =>
    page.$$eval("#receiver_unit option", (os) => os.map((o) => o.value).filter((v) => v));

  test("the receiver's units follow the organisation chosen", async () => {
    const page = await newPage(browser, 360);
    await page.goto(`${server.baseUrl}/`);
    await page.selectOption("#receiver_org", "siv");
    const siv = await unitValues(page);
    assert.ok(siv.length > 3 && siv.every((v) => v.startsWith("siv-")), `only SiV's units: ${siv}`);
    await page.selectOption("#receiver_unit", "siv-med");
    await page.selectOption("#receiver_org", "horten");
    const horten = await unitValues(page);
    assert.ok(horten.length > 0 && horten.every((v) => v.startsWith("horten")), `only Horten's units: ${horten}`);
    assert.equal(await page.inputValue("#receiver_unit"), "", "a unit of the other organisation is not kept");
    await assertAccessible(page, "form with receiver filtered");
    await page.context().close();

    // Without JavaScript every unit is there, grouped; the server checks the pair.
    const plain = await newPage(browser, 1280, { javaScriptEnabled: false });
    await plain.goto(`${server.baseUrl}/`);
    assert.ok((await plain.locator("#receiver_unit optgroup").count()) > 2);
    await fillValid(plain);
    await plain.selectOption("#receiver_org", "horten");
    const res = await send(plain);
    assert.equal(res.status(), 422);
    assert.match(await plain.locator("#feilsammendrag").innerText(), /Horten/);
    await plain.context().close();
  });

  for (const width of WIDTHS) {
    test(`the draft stays on this device only, and goes on send, at ${width} px`, async () => {
      const page = await newPage(browser, width);
      const posted = [];
      page.on("request", (r) => {
        if (r.method() === "POST") posted.push(`${r.url()} ${r.postData() ?? ""}`);
      });
      await page.goto(`${server.baseUrl}/`);
      assert.match(await page.locator("#utkast").innerText(), /bare i denne nettleseren på denne enheten/);
      await assertAccessible(page, `form with the draft notice at ${width}`);
      const draft = () => page.evaluate(() => localStorage.getItem("samavvik-utkast"));

      await page.fill("#description", "UTKAST-1 Epikrisen manglet.");
      await page.check("#kind-avvik");
      await sleep(600);
      assert.match(await draft(), /UTKAST-1/);
      await page.reload();
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
      assert.equal(await page.inputValue("#description"), "");
      assert.match(await page.locator("#utkast").innerText(), /Utkast lagres ikke på denne enheten/);
      await assertAccessible(page, `form with drafts off at ${width}`);
      await page.click("button:text('Lagre utkast på denne enheten')");

      // Sending clears the draft.
      await fillValid(page);
      await sleep(600);
      assert.notEqual(await draft(), null);
      await send(page, "button:text('Send meldingen')");
      assert.match(await page.title(), /^Kvittering for SA-/);
      assert.equal(await draft(), null, "the draft is gone once the report is sent");
      await page.context().close();
    });
  }
});

describe("the reporter's journey", { skip: skip || false, timeout: 300_000 }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer();
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const width of WIDTHS) {
    test(`submit, returned, resubmitted, answered and closed, with notices, at ${width} px`, async () => {
      const reporter = await newPage(browser, width);
      await reporter.goto(`${server.baseUrl}/`);
      await fillValid(reporter);
      await reporter.fill("#reporter_email", REPORTER);
      await send(reporter, "button:text('Send meldingen')");
      const caseNumber = (await reporter.title()).match(/SA-\d{4}-\d{5}/)[0];
      await assertAccessible(reporter, `receipt at ${width}`);
      const followUp = await reporter.locator(".follow-link a").getAttribute("href");

      // The nearest leader returns it; the reporter is told, without content.
      const sender = await newPage(browser, width);
      await signIn(sender, server, SENDER_LEADER);
      await sender.goto(`${server.baseUrl}/saker/${caseNumber}`);
      await sender.fill("#return_message", "Legg til når på dagen det skjedde.");
      await send(sender, "#a-tilbake ~ form button[type=submit]");
      await assertAccessible(sender, `case returned at ${width}`);
      const returned = await mailTo(server, REPORTER, caseNumber, /sendt meldingen tilbake til deg/);
      assert.ok(!returned.includes("Epikrisen") && !returned.includes("Legg til når"), "content-free");

      // The reporter adds what was asked for on the follow-up page.
      await reporter.goto(followUp);
      await assertAccessible(reporter, `follow-up returned at ${width}`);
      assert.match(await reporter.locator("main").innerText(), /Legg til når på dagen det skjedde/);
      await reporter.fill("#addition", "Det skjedde rundt klokka 22.");
      await send(reporter, "button:text('Legg til')");
      await assertAccessible(reporter, `follow-up resubmitted at ${width}`);

      // The leader sends it on; the receiver answers and closes.
      await sender.goto(`${server.baseUrl}/saker/${caseNumber}`);
      await send(sender, "#a-videre-mottaker ~ form button[type=submit]");
      assert.equal(await caseState(sender), "Sendt til mottaker");
      await mailTo(server, REPORTER, caseNumber, /sendt den videre til mottakeren/);
      await sender.context().close();

      const receiver = await newPage(browser, width);
      await signIn(receiver, server, RECEIVER_LEADER);
      await receiver.goto(`${server.baseUrl}/saker/${caseNumber}`);
      await send(receiver, "#a-bekreft ~ form button[type=submit]");
      await receiver.fill("#answer_text", "Vi har endret rutinen for utskrivning.");
      await receiver.selectOption("#measure_category_1", "rutineendring");
      await receiver.fill("#measure_responsible_1", "Avdelingsleder");
      await receiver.fill("#measure_due_1", "2027-01-31");
      await send(receiver, "#a-svar ~ form button[type=submit]");
      assert.equal(await caseState(receiver), "Besvart");
      await assertAccessible(receiver, `case answered at ${width}`);
      await mailTo(server, REPORTER, caseNumber, /Mottakeren har besvart saken/);
      await receiver.fill("#lesson", "Epikrisen følger pasienten.");
      await send(receiver, "#a-lukk ~ form button[type=submit]");
      assert.equal(await caseState(receiver), "Lukket");
      await mailTo(server, REPORTER, caseNumber, /Saken er lukket/);
      await receiver.context().close();

      await reporter.goto(followUp);
      assert.match(await reporter.locator("main").innerText(), /Lukket/);
      await assertAccessible(reporter, `follow-up closed at ${width}`);
      await reporter.context().close();
    });
  }
});
