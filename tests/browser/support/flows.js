// Steps several tests share: a valid report, and a leader's sign-in link
// read from the demo's mail directory.

import assert from "node:assert/strict";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The demo directory's people (deploy/directory.toml, `samavvik demo`). */
export const SENDER_LEADER = "leder.hjemmetjenesten@horten.example.no";
export const RECEIVER_LEADER = "klinikkledelse.med@siv.example.no";
export const ADMIN = "systemeier@samavvik.example.no";

/** Fills in a valid report from Horten hjemmetjeneste to Medisinsk klinikk (API calls, not keys). */
export async function fillValid(page) {
  await page.check("#kind-avvik");
  await page.selectOption("#event_month", { index: 1 });
  await page.selectOption("#sender_unit", "horten-hjemmetjeneste");
  await page.selectOption("#receiver_org", "siv");
  await page.selectOption("#receiver_unit", "siv-med");
  await page.locator("input[name=category]").first().check();
  await page.selectOption("#agreement_clause", "vet-ikke");
  await page.locator("input[name=consequence]").first().check();
  await page.selectOption("#patient_group", { index: 1 });
  await page.fill("#description", "Epikrisen kom ikke med pasienten.");
  await page.fill("#event_time", "14:30");
  await page.fill("#internal_reference", "EQS-4711");
  await page.fill("#reporter_name", "Kari Nordmann");
  await page.fill("#reporter_phone", "33 08 50 00");
}

/** Clicks the page's (first) submit button and waits for the next page. */
export async function send(page, button = "button[type=submit]") {
  const [res] = await Promise.all([page.waitForNavigation(), page.locator(button).first().click()]);
  return res;
}

/**
 * Sends a valid report; returns its case number. `check(page, what)`, if
 * given, is awaited on each page loaded (e.g. axe-core).
 */
export async function submitReport(page, baseUrl, { check = async () => {}, email } = {}) {
  await page.goto(`${baseUrl}/`);
  await check(page, "report form");
  await fillValid(page);
  if (email) await page.fill("#reporter_email", email);
  await send(page);
  await check(page, "receipt");
  const title = await page.title();
  assert.match(title, /^Kvittering for SA-\d{4}-\d{5} – Samavvik$/);
  return title.match(/SA-\d{4}-\d{5}/)[0];
}

/** Undoes quoted-printable: soft line breaks and =XX bytes (as UTF-8). */
function decodeQuotedPrintable(text) {
  const soft = text.replace(/=\r?\n/g, "");
  const bytes = [];
  for (let i = 0; i < soft.length; i++) {
    const hex = soft.slice(i + 1, i + 3);
    if (soft[i] === "=" && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i], "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

const usedLinks = new Set();

/**
 * The newest unused sign-in link mailed to `email` ("Logg inn i Samavvik"),
 * waiting up to 10 s for the outbox worker to write it.
 */
export async function signInLink(server, email) {
  for (let i = 0; i < 100; i++) {
    for (const raw of server.mails()) {
      const [head] = raw.split(/\r?\n\r?\n/, 1);
      if (!/^Subject: Logg inn i Samavvik/im.test(head)) continue;
      if (!new RegExp(`^To:.*${email.replace(/[.]/g, "\\.")}`, "im").test(head)) continue;
      const body = decodeQuotedPrintable(raw);
      const link = body.match(/https?:\/\/[^\s"<>]+\/logg-inn\/[A-Za-z0-9_-]{43}/)?.[0];
      assert.ok(link, `a sign-in link in the mail to ${email}`);
      if (usedLinks.has(link)) continue;
      usedLinks.add(link);
      return link;
    }
    await sleep(100);
  }
  assert.fail(`no sign-in mail to ${email} in ${server.mailDir}`);
}

/**
 * Signs `email` in (API calls, not keys) and leaves the page on the work
 * list. `check(page, what)`, if given, is awaited on each page loaded.
 */
export async function signIn(page, server, email, { check = async () => {} } = {}) {
  await page.goto(`${server.baseUrl}/logg-inn`);
  await check(page, "sign-in page");
  await page.fill("#email", email);
  await send(page);
  await check(page, "sign-in link sent");
  await page.goto(await signInLink(server, email));
  await check(page, "sign-in confirmation");
  await send(page);
  assert.equal(new URL(page.url()).pathname, "/saker");
  await check(page, "work list after sign-in");
}

/** The case's state as its page shows it. */
export function caseState(page) {
  return page.locator(".facts dt:text-is('Status') + dd").first().innerText();
}
