// Every page that exists today, in its normal and its error state:
// zero axe-core violations (WCAG 2.0/2.1 A and AA), a title that says where
// you are, lang="nb", screenshots at 360 and 1280 px, reflow at 320 px,
// visible focus, and hints and errors tied to their fields.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startServer } from "./support/server.js";
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

/** Fills in a valid report (by mouse-free API calls; the keyboard flow is tested elsewhere). */
async function fillValid(page) {
  await page.check("#kind-avvik");
  await page.selectOption("#event_month", { index: 1 });
  await page.selectOption("#sender_unit", "horten-hjemmetjeneste");
  await page.selectOption("#receiver_org", "siv");
  await page.selectOption("#receiver_unit", "siv-med");
  await page.locator("input[name=category]").first().check();
  await page.locator("input[name=consequence]").first().check();
  await page.selectOption("#patient_group", { index: 1 });
  await page.fill("#description", "Epikrisen kom ikke med pasienten.");
  await page.fill("#reporter_name", "Kari Nordmann");
  await page.fill("#reporter_phone", "33 08 50 00");
}

async function send(page) {
  await Promise.all([page.waitForNavigation(), page.locator("button[type=submit]").click()]);
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
    followUpUrl = await page.locator(".follow-link a").getAttribute("href");
    assert.match(followUpUrl, /\/oppfolging\/[A-Za-z0-9_-]{43}$/);
  });

  test("the follow-up page", async () => {
    await page.goto(followUpUrl);
    await checkPage(page, "follow-up", /^Status for sak SA-\d{4}-\d{5} – Samavvik$/);
    assert.match(await page.locator("main").innerText(), /Sendt til mottaker/);
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

  test("413: a report too large to send", async () => {
    await page.goto(`${server.baseUrl}/`);
    await fillValid(page);
    // Pasted far more than the form allows (maxlength does not stop scripts or old browsers).
    await page.$eval("#description", (el) => (el.value = "x".repeat(300 * 1024)));
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith("/meld")),
      page.locator("button[type=submit]").click(),
    ]);
    await page.waitForLoadState();
    assert.equal(res.status(), 413);
    await checkPage(page, "too-large", "Meldingen er for stor – Samavvik");
    await page.context().close();
  });
});
