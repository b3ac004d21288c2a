// Debian's Chromium driven by playwright-core, plus the checks every page
// gets: axe-core (WCAG 2.0/2.1 A and AA), screenshots, reflow and focus.

import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { AxeBuilder } from "@axe-core/playwright";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.SAMAVVIK_CHROMIUM ?? "/usr/bin/chromium";
export const ARTIFACTS = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../artifacts");

/**
 * Why the suite cannot run here, or null. Under CI a missing browser is an
 * error (the caller fails), elsewhere the suite skips and says so.
 */
export function missingBrowser() {
  if (existsSync(CHROMIUM)) return null;
  const why = `Chromium not found at ${CHROMIUM} (apt-get install chromium)`;
  if (process.env.CI) throw new Error(`${why}; CI must not skip the browser tests`);
  console.warn(`\n*** SKIPPING browser tests: ${why} ***\n`);
  return why;
}

/** Headless Chromium with a fresh temporary profile (playwright makes and removes it). */
export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
      "--disable-quic",
      "--lang=nb-NO", // date fields and the like as a Norwegian browser shows them
    ],
  });
}

/** A fresh context (no cookies) with a phone-sized or desktop viewport. */
export async function newPage(browser, width = 1280, { javaScriptEnabled = true } = {}) {
  const context = await browser.newContext({
    viewport: { width, height: 800 },
    javaScriptEnabled,
    locale: "nb-NO",
    timezoneId: "Europe/Oslo",
  });
  return context.newPage();
}

/**
 * axe-core with the WCAG 2.0 and 2.1 A and AA rules: zero violations.
 * SAMAVVIK_AXE_BEST_PRACTICE=1 adds axe's best-practice rules (heading order,
 * landmarks, ...) for a stricter look by hand.
 */
export async function assertAccessible(page, what) {
  const tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
  if (process.env.SAMAVVIK_AXE_BEST_PRACTICE) tags.push("best-practice");
  const result = await new AxeBuilder({ page }).withTags(tags).analyze();
  const report = result.violations
    .map((v) => `- ${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(" ")}: ${n.failureSummary}`).join("\n")}`)
    .join("\n");
  assert.equal(result.violations.length, 0, `axe violations on ${what}:\n${report}`);
  assert.ok(result.passes.length > 0, `axe ran on ${what}`);
}

/**
 * Full-page screenshots at 360 and 1280 px, and the reflow check at 320 CSS
 * px (the width of 1280 px at 400 % zoom): no horizontal scrolling.
 * Leaves the viewport at its original size.
 */
export async function screenshotsAndReflow(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const original = page.viewportSize();
  for (const width of [360, 1280]) {
    await page.setViewportSize({ width, height: 800 });
    await page.screenshot({ path: path.join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 320, height: 640 });
  const overflow = await page.evaluate(() => {
    const doc = document.documentElement;
    const wide = [...document.querySelectorAll("body *")]
      .filter((el) => el.getBoundingClientRect().right > doc.clientWidth + 0.5)
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}.${el.className}`);
    return { scrollWidth: doc.scrollWidth, wide };
  });
  assert.ok(
    overflow.scrollWidth <= 320,
    `${name} scrolls sideways at 320 px (scrollWidth ${overflow.scrollWidth}): ${overflow.wide.join(", ")}`,
  );
  await page.setViewportSize(original);
}

/** The things every page must have: lang="nb", its title, one h1. */
export async function assertPageBasics(page, title) {
  assert.equal(await page.getAttribute("html", "lang"), "nb");
  const actual = await page.title();
  if (title instanceof RegExp) assert.match(actual, title);
  else assert.equal(actual, title);
  assert.equal(await page.locator("h1").count(), 1, "one h1");
}

/** Where keyboard focus is now: the element's id, a link's href, or tag and text. */
export function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return "body";
    if (el.id) return el.id;
    if (el.tagName === "A") return `a:${el.getAttribute("href")}`;
    return `${el.tagName.toLowerCase()}:${(el.textContent || "").trim().slice(0, 60)}`;
  });
}

/**
 * Presses Tab (or Shift+Tab) until focus is on `target` (an id or a
 * predicate on the `focused` string); fails after `max` presses.
 */
export async function tabTo(page, target, { back = false, max = 60 } = {}) {
  const key = back ? "Shift+Tab" : "Tab";
  const hit = typeof target === "function" ? target : (f) => f === target;
  const seen = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key);
    const f = await focused(page);
    seen.push(f);
    if (hit(f)) return seen;
  }
  assert.fail(`${key} never reached ${target}; focus went through: ${seen.join(" → ")}`);
}

/**
 * The focused element must look different from the unfocused one: an
 * outline of at least 2 px, or a box-shadow.
 */
export async function assertFocusVisible(page) {
  const styles = await page.evaluate(() => {
    const el = document.activeElement;
    const pick = (s) => ({ outlineStyle: s.outlineStyle, outlineWidth: s.outlineWidth, outlineColor: s.outlineColor, boxShadow: s.boxShadow });
    const focusedStyle = pick(getComputedStyle(el));
    const matches = el.matches(":focus-visible");
    el.blur();
    const plain = pick(getComputedStyle(el));
    el.focus({ focusVisible: true });
    return { id: el.id || el.tagName, focusedStyle, plain, matches };
  });
  const f = styles.focusedStyle;
  const outline = f.outlineStyle !== "none" && parseFloat(f.outlineWidth) >= 2;
  const shadow = f.boxShadow && f.boxShadow !== "none";
  assert.ok(styles.matches, `${styles.id} matches :focus-visible after keyboard focus`);
  assert.ok(outline || shadow, `${styles.id} has a visible focus indicator: ${JSON.stringify(f)}`);
  assert.notDeepEqual(f, styles.plain, `${styles.id} looks different when focused`);
}
