// Attachments (issue 17) at 360 and 1280 px, on SQLite and PostgreSQL, with
// axe-core (WCAG 2.1 AA) on every page: the reporter attaches a JPEG whose
// EXIF holds GPS coordinates, a wrong file is refused with what was typed
// kept and a request to choose the files again, and the sender's leader
// downloads the photo from the case page with the metadata gone.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { engines, startServer } from "./support/server.js";
import { SENDER_LEADER, fillValid, send, signIn } from "./support/flows.js";
import { assertAccessible, launch, missingBrowser, newPage } from "./support/browser.js";

const skip = missingBrowser();
// Under CI an unreachable PostgreSQL throws here: the file fails, it does not skip.
const ENGINES = skip ? [] : engines();
const WIDTHS = [360, 1280];

function segment(marker, body) {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([head, body]);
}

/** A JPEG (segment structure only) whose EXIF carries GPS coordinates. */
function jpegWithGps() {
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, Buffer.from("JFIF\0\x01\x01\0\0\x01\0\x01\0\0", "latin1")),
    segment(0xe1, Buffer.from("Exif\0\0MM\0*\0\0\0\x08GPSLatitude 59.2681N GPSLongitude 10.4076E", "latin1")),
    segment(0xdb, Buffer.alloc(65)),
    segment(0xc0, Buffer.from("\x08\0\x01\0\x01\x01\x01\x11\0", "latin1")),
    segment(0xc4, Buffer.alloc(20)),
    segment(0xda, Buffer.from("\x01\x01\0\0\x3f\0", "latin1")),
    Buffer.from([0x12, 0xff, 0x00, 0x34, 0xff, 0xd9]),
  ]);
}

for (const engine of ENGINES) {
  describe(`attachments (${engine})`, { skip: skip || false, timeout: 600_000 }, () => {
    let browser;
    let server;
    before(async () => {
      server = await startServer([], { engine });
      browser = await launch();
    });
    after(async () => {
      await browser?.close();
      await server?.stop();
    });

    for (const width of WIDTHS) {
      test(`a photo is sent without its GPS and the leader downloads it (${width} px)`, async () => {
        const reporter = await newPage(browser, width);
        await reporter.goto(`${server.baseUrl}/`);
        await assertAccessible(reporter, "report form");
        await fillValid(reporter);

        // A program renamed to .pdf: refused, the text kept, the files asked for again.
        await reporter.setInputFiles("#attachments", {
          name: "rapport.pdf",
          mimeType: "application/pdf",
          buffer: Buffer.from("MZ\x90\0\x03\0\0\0This program cannot be run in DOS mode", "latin1"),
        });
        await send(reporter);
        await assertAccessible(reporter, "form with a refused file");
        assert.match(await reporter.locator("#feilsammendrag").innerText(), /«rapport\.pdf» er ikke en PDF-, PNG- eller JPEG-fil/);
        assert.equal(await reporter.inputValue("#description"), "Epikrisen kom ikke med pasienten.");
        assert.match(await reporter.locator("#attachments-error").innerText(), /Velg filene på nytt/);

        await reporter.setInputFiles("#attachments", { name: "skade.jpg", mimeType: "image/jpeg", buffer: jpegWithGps() });
        await send(reporter);
        await assertAccessible(reporter, "receipt");
        const title = await reporter.title();
        const caseNumber = title.match(/SA-\d{4}-\d{5}/)?.[0];
        assert.ok(caseNumber, title);
        await reporter.context().close();

        const leader = await newPage(browser, width);
        await signIn(leader, server, SENDER_LEADER, { check: assertAccessible });
        await leader.goto(`${server.baseUrl}/saker/${caseNumber}`);
        await assertAccessible(leader, "case page with an attachment");
        const link = leader.getByRole("link", { name: "skade.jpg" });
        assert.equal(await link.getAttribute("href"), `/saker/${caseNumber}/vedlegg/1`);
        const [download] = await Promise.all([leader.waitForEvent("download"), link.click()]);
        assert.equal(download.suggestedFilename(), "skade.jpg");
        const chunks = [];
        for await (const c of await download.createReadStream()) chunks.push(c);
        const bytes = Buffer.concat(chunks);
        assert.deepEqual([...bytes.subarray(0, 2)], [0xff, 0xd8], "still a JPEG");
        assert.ok(!bytes.includes("GPSLatitude"), "the GPS position is gone");
        assert.ok(!bytes.includes("Exif"), "the EXIF block is gone");
        await leader.context().close();
      });
    }
  });
}
