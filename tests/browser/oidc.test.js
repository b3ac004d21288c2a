// A leader signs in through an OpenID provider in Chromium: `samavvik demo
// --oidc` runs the bundled test provider (npm oidc-provider, Node), the
// sign-in page offers its button, the provider's own login and confirmation
// pages are filled in by keyboard, and the leader lands in the inbox. The
// sign-in page with the provider buttons has no axe-core violations.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { repoRoot, startServer } from "./support/server.js";
import { assertAccessible, launch, missingBrowser, newPage } from "./support/browser.js";

const providerInstalled = existsSync(path.join(repoRoot, "tests/support/oidc-provider/node_modules/oidc-provider"));
if (!providerInstalled && process.env.CI) {
  throw new Error("CI must run the OpenID provider: npm ci --prefix tests/support/oidc-provider");
}
const skip = missingBrowser() || (!providerInstalled && "tests/support/oidc-provider is not installed (npm ci there)");

describe("sign-in through an OpenID provider", { skip: skip || false, timeout: 120_000 }, () => {
  let server;
  let browser;
  before(async () => {
    server = await startServer(["--oidc"]);
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test("the HelseID-style button, the provider's login page, and into the inbox", async () => {
    const page = await newPage(browser);
    await page.goto(`${server.baseUrl}/logg-inn`);
    await assertAccessible(page, "sign-in page with provider buttons");
    const button = page.getByRole("button", { name: "Logg inn med HelseID (demo)" });
    await button.focus();
    await Promise.all([page.waitForURL(/\/interaction\//), page.keyboard.press("Enter")]);

    // The provider's development login page: any user name and password.
    await page.locator("input[name=login]").fill("med");
    await page.locator("input[name=password]").fill("demo");
    await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
    // Native clients are always asked to confirm.
    if (await page.locator("input[name=prompt][value=consent]").count()) {
      await Promise.all([page.waitForNavigation(), page.locator("button[type=submit]").press("Enter")]);
    }
    await page.waitForURL(`${server.baseUrl}/saker`);
    assert.match(await page.title(), /Samavvik/);
    assert.equal(await page.locator("a[href='/logg-inn']").count(), 0, "signed in, not sent back");
    await page.close();
  });
});
