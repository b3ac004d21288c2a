// A reporter on a busy shift, keyboard only: fills in and sends the form,
// gets it wrong first, follows the error summary to each field, and opens
// the follow-up link from the receipt. Then the leaders, keyboard only: the
// reporter's leader signs in with the link from the mail and forwards the
// report; the receiving leader acknowledges, answers with a measure and
// closes it with a lesson learned; the secretariat downloads the report.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startServer } from "./support/server.js";
import { RECEIVER_LEADER, SENDER_LEADER, signInLink } from "./support/flows.js";
import { assertFocusVisible, focused, launch, missingBrowser, newPage, tabTo } from "./support/browser.js";

const skip = missingBrowser();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe("keyboard only", { skip: skip || false, timeout: 240_000 }, () => {
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

  /** Tab once; focus must land on `id` and be visible. */
  async function tab(page, id) {
    await page.keyboard.press("Tab");
    assert.equal(await focused(page), id, `Tab should reach #${id}`);
    await assertFocusVisible(page);
  }
  const value = (page, id) => page.$eval(`#${id}`, (el) => el.value);
  const checked = (page, id) => page.$eval(`#${id}`, (el) => el.checked);
  /** Press Enter on a link or button and wait for the page it leads to. */
  async function enterAndLoad(page) {
    await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
  }

  async function mailFor(caseNumber) {
    for (let i = 0; i < 100; i++) {
      const found = server.mails().filter((m) => m.includes(caseNumber));
      if (found.length) return found;
      await sleep(100);
    }
    assert.fail(`no mail for ${caseNumber} in ${server.mailDir}`);
  }

  /** From the receipt: Tab to the follow-up link, Enter, check the status page. */
  async function openFollowUp(page, caseNumber) {
    await tabTo(page, (f) => f.startsWith("a:http") && f.includes("/oppfolging/"));
    await assertFocusVisible(page);
    await enterAndLoad(page);
    assert.equal(await page.title(), `Status for sak ${caseNumber} – Samavvik`);
    const main = await page.locator("main").innerText();
    assert.match(main, /Status\s+Hos lederen din for vurdering/);
    assert.match(main, /Meldt, venter på gjennomgang hos nærmeste leder/);
    assert.match(main, /Medisinsk klinikk/);
    // The reporter can add information while the leader reviews, by keyboard too.
    await tabTo(page, "addition");
    await assertFocusVisible(page);
    assert.equal(await page.locator("#legg-til").innerText(), "Legg til opplysninger");
  }

  test("fill in and send the form, then open the follow-up page", async () => {
    const page = await newPage(browser, 1280);
    await page.goto(`${server.baseUrl}/`);
    assert.equal(await page.title(), "Meld avvik – Samavvik");

    // The skip link comes first, shows itself when focused and moves focus to the main content.
    await page.keyboard.press("Tab");
    assert.equal(await focused(page), "a:#hovedinnhold");
    await assertFocusVisible(page);
    const skipBox = await page.locator(".skip-link").boundingBox();
    assert.ok(skipBox && skipBox.x >= 0 && skipBox.y >= 0, "skip link is on screen when focused");
    await page.keyboard.press("Enter");
    assert.equal(await focused(page), "hovedinnhold");

    // The tab order follows the order on screen: the draft notice's
    // buttons (shown with JavaScript, above the form) and then the questions.
    await tab(page, "button:Ikke lagre utkast");
    await tab(page, "button:Slett utkast");
    await tab(page, "kind-avvik");
    await page.keyboard.press("ArrowDown"); // arrow keys move within a radio group and check
    assert.equal(await focused(page), "kind-uonsket-hendelse");
    await page.keyboard.press("ArrowUp");
    assert.ok(await checked(page, "kind-avvik"), "Avvik chosen with the arrow keys");

    await tab(page, "event_month");
    await page.keyboard.press("ArrowDown"); // the current month, the first after "Velg måned"
    assert.match(await value(page, "event_month"), /^\d{4}-\d{2}$/);

    await tab(page, "sender_unit");
    await page.keyboard.type("Horten kommune, h"); // type-ahead in a closed select
    assert.equal(await value(page, "sender_unit"), "horten-hjemmetjeneste");

    await tab(page, "sender_subunit"); // optional; left empty
    await tab(page, "receiver_org");
    await page.keyboard.type("Sykehuset");
    assert.equal(await value(page, "receiver_org"), "siv");

    await tab(page, "receiver_unit");
    await page.keyboard.type("Medisinsk");
    assert.equal(await value(page, "receiver_unit"), "siv-med");

    await tab(page, "receiver_hint");
    const categories = await page.$$eval("input[name=category]", (els) => els.map((e) => e.id));
    for (const id of categories) await tab(page, id);
    await page.keyboard.press("Space");
    assert.ok(await checked(page, categories.at(-1)), "Space ticks a checkbox");
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Space");
    assert.ok(await checked(page, categories.at(-2)));
    await page.keyboard.press("Tab");

    // The agreement clause (optional) comes between the categories and the consequence.
    await tab(page, "agreement_clause");
    await page.keyboard.type("Utskrivningsklare");
    assert.equal(await value(page, "agreement_clause"), "utskrivningsklare");

    const consequences = await page.$$eval("input[name=consequence]", (els) => els.map((e) => e.id));
    await tab(page, consequences[0]);
    await page.keyboard.press("Space");
    assert.ok(await checked(page, consequences[0]));

    await tab(page, "patient_group");
    await page.keyboard.press("ArrowDown");
    assert.notEqual(await value(page, "patient_group"), "");

    const canary = `kanari-${Date.now()}`;
    await tab(page, "description");
    await page.keyboard.type(`Epikrisen kom ikke med pasienten. ${canary}`);
    const fields = ["event_date", "event_time", "event_place", "patient_identification", "immediate_measures", "improvement_suggestion", "internal_reference"];
    for (const id of fields) {
      await tabTo(page, id, { max: 4 }); // a date or time input has one stop per part
    }
    await tab(page, "attachments");
    await tab(page, "reporter_name");
    await page.keyboard.type("Kari Nordmann");
    await tab(page, "reporter_email");
    await page.keyboard.type("kari.nordmann@horten.kommune.no");
    await tab(page, "reporter_phone");
    await page.keyboard.press("Tab");
    assert.equal(await focused(page), "button:Send meldingen");
    await assertFocusVisible(page);
    await enterAndLoad(page);

    // The receipt.
    assert.match(await page.title(), /^Kvittering for SA-\d{4}-\d{5} – Samavvik$/);
    const caseNumber = (await page.title()).match(/SA-\d{4}-\d{5}/)[0];
    const main = await page.locator("main").innerText();
    assert.match(main, /Meldingen er sendt/);
    assert.match(main, /Medisinsk klinikk/);
    assert.match(main, /Hva skjer nå/);
    assert.match(main, /Meldingen går først til din leder for vurdering, deretter til Medisinsk klinikk/);
    assert.ok(!main.includes(canary), "the receipt does not echo what was written");

    // The notification reached the mail sink, without content.
    const mails = await mailFor(caseNumber);
    for (const m of mails) {
      assert.ok(!m.includes(canary), "no content in mail");
      assert.ok(!m.includes("kari.nordmann"), "not the reporter's address");
      assert.ok(!m.includes("/oppfolging/"), "not the private follow-up link");
    }

    await openFollowUp(page, caseNumber);
    await page.context().close();
  });

  test("missing fields: the summary takes focus, each error leads to its field, typed values survive", async () => {
    const page = await newPage(browser, 360);
    await page.goto(`${server.baseUrl}/`);

    await tabTo(page, "receiver_unit");
    await page.keyboard.type("Medisinsk");
    await tabTo(page, "description");
    const story = "Jeg skrev dette og vil ikke skrive det igjen – æøå";
    await page.keyboard.type(story);
    await tabTo(page, "reporter_phone");
    await page.keyboard.type("33 08 50 00");
    await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]); // Enter in a field sends the form

    assert.match(await page.title(), /^Feil i skjemaet \(\d+\) – Meld avvik – Samavvik$/);
    assert.equal(await focused(page), "feilsammendrag", "the error summary has focus");
    await assertFocusVisible(page);
    assert.match(await page.locator("#feilsammendrag").innerText(), /Skjemaet er ikke sendt/);
    assert.equal(await value(page, "description"), story);
    assert.equal(await value(page, "reporter_phone"), "33 08 50 00");
    assert.equal(await value(page, "receiver_unit"), "siv-med");

    const targets = await page.$$eval("#feilsammendrag a", (as) => as.map((a) => a.getAttribute("href").slice(1)));
    assert.ok(targets.length >= 6, `errors listed: ${targets}`);
    for (const id of ["kind-avvik", "event_month", "sender_unit", "receiver_org", "patient_group", "reporter_name"]) {
      assert.ok(targets.includes(id), `the summary links to #${id}`);
    }

    // Follow each link from the summary, fix the field there, go back up.
    const fix = {
      "kind-avvik": () => page.keyboard.press("Space"),
      event_month: () => page.keyboard.press("ArrowDown"),
      sender_unit: () => page.keyboard.type("Horten kommune, h"),
      receiver_org: () => page.keyboard.type("Sykehuset"),
      consequence: () => page.keyboard.press("Space"),
      category: () => page.keyboard.press("Space"),
      patient_group: () => page.keyboard.press("ArrowDown"),
      reporter_name: () => page.keyboard.type("Kari Nordmann"),
    };
    for (const [i, id] of targets.entries()) {
      const link = `a:#${id}`;
      if (i === 0) await page.keyboard.press("Tab");
      else await tabTo(page, link, { back: true, max: 80 });
      assert.equal(await focused(page), link);
      await assertFocusVisible(page);
      await page.keyboard.press("Enter");
      assert.equal(await focused(page), id, `the link to #${id} moves focus to the field`);
      const question = page.locator(`label[for="${id}"], fieldset:has(#${id}) > legend`).first();
      assert.ok(await question.isVisible(), `#${id}'s question is visible`);
      const box = await question.boundingBox();
      assert.ok(box.y >= 0 && box.y < 800, `#${id}'s question is scrolled into view (y=${box.y})`);
      const action = fix[id] ?? fix[id.split("-")[0]];
      assert.ok(action, `a fix for #${id}`);
      await action();
    }

    await tabTo(page, "button:Send meldingen", { max: 80 });
    await enterAndLoad(page);
    assert.match(await page.title(), /^Kvittering for SA-\d{4}-\d{5} – Samavvik$/, await page.locator("main").innerText());
    const caseNumber = (await page.title()).match(/SA-\d{4}-\d{5}/)[0];
    await openFollowUp(page, caseNumber);
    await page.context().close();
  });

  test("without JavaScript: the summary still takes focus, its links still lead to the fields, the form still sends", async () => {
    const page = await newPage(browser, 1280, { javaScriptEnabled: false });
    await page.goto(`${server.baseUrl}/`);
    await tabTo(page, "button:Send meldingen", { max: 80 });
    await enterAndLoad(page);
    assert.match(await page.title(), /^Feil i skjemaet/);
    assert.equal(await focused(page), "feilsammendrag", "autofocus, not script, puts focus on the summary");
    await page.keyboard.press("Tab");
    assert.equal(await focused(page), "a:#kind-avvik");
    await page.keyboard.press("Enter");
    assert.equal(await focused(page), "kind-avvik", "the browser follows the link to the field");
    await page.keyboard.press("Space");
    await tab(page, "event_month");
    await page.keyboard.press("ArrowDown");
    await tab(page, "sender_unit");
    await page.keyboard.type("Horten kommune, h");
    await tab(page, "sender_subunit"); // the optional ward or section comes next
    await tab(page, "receiver_org");
    await page.keyboard.type("Sykehuset");
    await tabTo(page, (f) => f.startsWith("category-"));
    await page.keyboard.press("Space");
    await tabTo(page, (f) => f.startsWith("consequence-"));
    await page.keyboard.press("Space");
    await tab(page, "patient_group");
    await page.keyboard.press("ArrowDown");
    await tab(page, "description");
    await page.keyboard.type("Sendt uten JavaScript.");
    await tabTo(page, "reporter_name");
    await page.keyboard.type("Kari Nordmann");
    await tabTo(page, "reporter_phone");
    await page.keyboard.type("33 08 50 00");
    await enterAndLoad(page);
    assert.match(await page.title(), /^Kvittering for SA-\d{4}-\d{5} – Samavvik$/);
    assert.equal(await page.locator("#route-preview").count(), 0, "no routing preview on the receipt");
    await page.context().close();
  });

  test("an expired session keeps what was typed and says to send again", async () => {
    const page = await newPage(browser, 1280);
    await page.goto(`${server.baseUrl}/`);
    await tabTo(page, "description");
    await page.keyboard.type("Skrevet før pausen");
    await page.context().clearCookies(); // as if the CSRF cookie had expired
    await tabTo(page, "button:Send meldingen", { max: 80 });
    await enterAndLoad(page);

    assert.equal(await page.title(), "Meldingen er ikke sendt – Meld avvik – Samavvik");
    assert.equal(await focused(page), "melding", "the notice has focus");
    assert.match(await page.locator("#melding").innerText(), /Av sikkerhetshensyn må skjemaet sendes på nytt/);
    assert.equal(await value(page, "description"), "Skrevet før pausen");

    // Sending again now passes the CSRF check (and stops at the missing fields).
    await tabTo(page, "button:Send meldingen", { max: 80 });
    await enterAndLoad(page);
    assert.match(await page.title(), /^Feil i skjemaet/);
    assert.equal(await value(page, "description"), "Skrevet før pausen");
    await page.context().close();
  });

  /** Tab to the element, check that focus shows, press Enter and wait for the next page. */
  async function go(page, target, opts) {
    await tabTo(page, target, opts);
    await assertFocusVisible(page);
    await enterAndLoad(page);
  }
  const state = (page) => page.locator(".facts dt:text-is('Status') + dd").first().innerText();
  const history = (page) => page.locator("#historikk + .table-scroll").innerText();

  /** Asks for a link, opens it from the mail, presses "Logg inn": ends on the work list. */
  async function signInByKeyboard(page, email) {
    await page.goto(`${server.baseUrl}/logg-inn`);
    assert.equal(await page.title(), "Logg inn – Samavvik");
    await tabTo(page, "email");
    await assertFocusVisible(page);
    await page.keyboard.type(email);
    await enterAndLoad(page); // Enter in the field sends the form
    assert.equal(await page.title(), "Sjekk e-posten din – Samavvik");
    await page.goto(await signInLink(server, email)); // as if clicked in the mail program
    assert.equal(await page.title(), "Bekreft innlogging – Samavvik");
    await go(page, "button:Logg inn");
    assert.equal(await page.title(), "Saker – Samavvik");
    assert.equal(new URL(page.url()).pathname, "/saker");
  }

  /** A report by keyboard (JavaScript on), from Horten hjemmetjeneste to Medisinsk klinikk. */
  async function reportByKeyboard(page, story) {
    await page.goto(`${server.baseUrl}/`);
    await tabTo(page, "kind-avvik");
    await page.keyboard.press("Space");
    await tab(page, "event_month");
    await page.keyboard.press("ArrowDown");
    await tab(page, "sender_unit");
    await page.keyboard.type("Horten kommune, h");
    await tab(page, "sender_subunit"); // the optional ward or section comes next
    await tab(page, "receiver_org");
    await page.keyboard.type("Sykehuset");
    await tab(page, "receiver_unit");
    await page.keyboard.type("Medisinsk");
    await tabTo(page, (f) => f.startsWith("category-"));
    await page.keyboard.press("Space");
    await tabTo(page, (f) => f.startsWith("consequence-"));
    await page.keyboard.press("Space");
    await tabTo(page, "patient_group");
    await page.keyboard.press("ArrowDown");
    await tab(page, "description");
    await page.keyboard.type(story);
    await tabTo(page, "reporter_name", { max: 20 }); // date and time have a stop per part
    await page.keyboard.type("Kari Nordmann");
    await tabTo(page, "reporter_phone");
    await page.keyboard.type("33 08 50 00");
    await go(page, "button:Send meldingen");
    assert.match(await page.title(), /^Kvittering for SA-\d{4}-\d{5} – Samavvik$/);
    return (await page.title()).match(/SA-\d{4}-\d{5}/)[0];
  }

  test("leaders: sign in from the mail, forward, acknowledge, answer with a measure and close", async () => {
    const reporter = await newPage(browser, 1280);
    const caseNumber = await reportByKeyboard(reporter, "Epikrisen kom ikke med pasienten.");
    await reporter.context().close();
    const caseLink = (f) => f === `a:/saker/${caseNumber}`;

    // The reporter's nearest leader reviews and forwards.
    const sender = await newPage(browser, 1280);
    await signInByKeyboard(sender, SENDER_LEADER);
    await go(sender, caseLink);
    assert.equal(await sender.title(), `Sak ${caseNumber} – Samavvik`);
    assert.equal(await state(sender), "Til gjennomgang hos nærmeste leder");
    await tabTo(sender, "supplement");
    await assertFocusVisible(sender);
    await sender.keyboard.type("Pasienten ble sendt hjem dagen etter.");
    await go(sender, "button:Send til Medisinsk klinikk");
    assert.equal(await state(sender), "Sendt til mottaker");
    assert.match(await history(sender), /Gjennomgått av nærmeste leder og sendt til mottaker/);
    assert.equal(await sender.locator("#a-videre-mottaker").count(), 0, "nothing left to forward");
    await sender.context().close();

    // The receiving klinikk's leader: filters the work list, opens the case.
    const receiver = await newPage(browser, 1280);
    await signInByKeyboard(receiver, RECEIVER_LEADER);
    await tabTo(receiver, "status");
    await assertFocusVisible(receiver);
    await receiver.keyboard.type("Sendt til");
    assert.equal(await value(receiver, "status"), "dispatched");
    await go(receiver, "button:Vis saker");
    assert.equal(new URL(receiver.url()).searchParams.get("status"), "dispatched");
    await go(receiver, caseLink);
    assert.equal(await state(receiver), "Sendt til mottaker");
    assert.match(await receiver.locator("#innhold + .section-hint + .prose").innerText(), /Epikrisen kom ikke/);

    await go(receiver, "button:Bekreft mottak");
    assert.equal(await state(receiver), "Mottaker har bekreftet mottak");
    assert.match(await history(receiver), /Mottak bekreftet/);

    // The answer: a text, a measure chosen by keyboard, who is responsible, and a due date.
    await tabTo(receiver, "answer_text");
    await assertFocusVisible(receiver);
    await receiver.keyboard.type("Vi har endret rutinen for utskrivning.");
    await tab(receiver, "measure_category_1");
    await receiver.keyboard.type("Rutine"); // type-ahead in a closed select
    assert.equal(await value(receiver, "measure_category_1"), "rutineendring");
    await tab(receiver, "measure_description_1");
    await receiver.keyboard.type("Ny sjekkliste ved utskrivning.");
    await tab(receiver, "measure_responsible_1");
    await receiver.keyboard.type("Avdelingsleder medisinsk sengepost");
    await tab(receiver, "measure_due_1");
    // Day and month alike, so the date reads the same in dd.mm.åååå and mm/dd/yyyy.
    await receiver.keyboard.type("03032027");
    assert.equal(await value(receiver, "measure_due_1"), "2027-03-03");
    await tabTo(receiver, "shareable", { max: 20 });
    await receiver.keyboard.press("Space");
    assert.ok(await checked(receiver, "shareable"));
    await go(receiver, "button:Send svar");
    assert.equal(await state(receiver), "Besvart");
    const answered = await receiver.locator("main").innerText();
    assert.match(answered, /Rutineendring\s+Ny sjekkliste ved utskrivning\.\s+Avdelingsleder medisinsk sengepost\s+\S.*2027/);

    // Close with a lesson learned.
    await tabTo(receiver, "lesson");
    await assertFocusVisible(receiver);
    await receiver.keyboard.type("Epikrisen følger pasienten, også ved utskrivning på kvelden.");
    await go(receiver, "button:Lukk saken");
    assert.equal(await state(receiver), "Lukket");
    assert.match(await history(receiver), /Lukket/);
    // Handling is over: what is left on a closed case is following up its
    // result (marking the measure done, proposing a lesson for FSU,
    // raising the case to FSU).
    const left = await receiver.locator("form input[name=action]").evaluateAll((inputs) => inputs.map((i) => i.value).sort());
    assert.deepEqual(left, ["measure-done", "propose-lesson", "raise-to-fsu"], "no handling actions left on a closed case");
    await receiver.context().close();
  });

  test("secretariat: signs in and downloads the annual report as PDF", async () => {
    const page = await newPage(browser, 1280);
    await signInByKeyboard(page, "samhandlingssjef@helsefellesskapet.example.no");
    await go(page, "a:/rapporter");
    assert.equal(await page.title(), "Rapporter – Samavvik");
    await tabTo(page, "periode");
    await assertFocusVisible(page);
    const period = await value(page, "periode");
    assert.match(period, /^\d{4}$/, "the current year's annual report is offered first");
    await tab(page, "button:Forhåndsvis");
    await enterAndLoad(page);
    // This year holds only the few reports sent above: publishing it would
    // give the total away, and the page says so in words.
    assert.match(await page.locator("#avvist").innerText(), /kan ikke publiseres/);
    // Last year's report (no cases): three steps down the list, by keyboard.
    const lastYear = String(Number(period) - 1);
    await tabTo(page, "periode");
    for (let i = 0; i < 3; i++) await page.keyboard.press("ArrowDown");
    assert.equal(await value(page, "periode"), lastYear);
    await tab(page, "button:Forhåndsvis");
    await enterAndLoad(page);
    assert.match(await page.locator("main").innerText(), /Forhåndsvisning og nedlasting registrerer ingenting/);
    await tabTo(page, `a:/rapporter?periode=${lastYear}&format=pdf`);
    await assertFocusVisible(page);
    const [download] = await Promise.all([page.waitForEvent("download"), page.keyboard.press("Enter")]);
    assert.equal(download.suggestedFilename(), `samhandlingsavvik-${lastYear}.pdf`);
    const file = await download.path();
    const bytes = (await import("node:fs")).readFileSync(file);
    assert.equal(bytes.subarray(0, 5).toString(), "%PDF-");
    await page.context().close();
  });
});
