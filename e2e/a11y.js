// The accessibility check every browser test runs on each page it reaches: axe-core
// (pinned in package.json) looks at the page as it is on screen, and any violation of
// impact "serious" or "critical" fails the test with the rule, the help text and the
// offending elements. Lesser findings are written to stderr so that they are seen
// without failing the run.
//
// The portal's Content-Security-Policy allows only its own scripts. page.evaluate goes
// through the DevTools protocol, which that policy does not cover, so axe's source is
// evaluated into the page as it is; no page needs its policy relaxed.
//
// A page in a context with JavaScript turned off cannot evaluate anything. For those,
// the HTML the portal sent is kept as it arrives and replayed at the same address in a
// scratch context where the portal's own scripts are blocked: the same markup and the
// same style sheet, still without the page's scripts, with axe evaluated from outside.

import { createRequire } from "node:module";
import assert from "node:assert/strict";

const require = createRequire(import.meta.url);
const axe = require("axe-core");

const FAILING = new Set(["serious", "critical"]);
const noScriptContexts = new WeakSet();
const lastDocument = new WeakMap();
const reported = new Set();

/** A phone's screen, for `openContext`: 375 CSS pixels wide, touch, double density. */
export const PHONE = {
  viewport: { width: 375, height: 667 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};

/**
 * Fails unless the page fits its screen's width (nothing a person on a phone would
 * have to scroll sideways to see), then runs the accessibility check.
 */
export async function assertFitsScreen(page, what) {
  const screen = page.viewportSize().width;
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= screen, `${what} is ${width} pixels wide on a ${screen} pixel screen`);
  await checkA11y(page, `${what} at ${screen} pixels wide`);
}

/** Opens a browser context; remembers whether JavaScript is off so checks can adapt. */
export async function openContext(browser, options = {}) {
  const context = await browser.newContext(options);
  if (options.javaScriptEnabled === false) {
    noScriptContexts.add(context);
    context.on("page", keepDocuments);
  }
  return context;
}

function keepDocuments(page) {
  page.on("response", (response) => {
    const request = response.request();
    const redirect = response.status() >= 300 && response.status() < 400;
    if (request.isNavigationRequest() && request.frame() === page.mainFrame() && !redirect) {
      // The body is read at once: it can be gone after the next navigation. A failure
      // is kept, not thrown, and reported by the check that needs the body.
      const kept = response.body().then(
        (body) => ({ body, headers: response.headers() }),
        (error) => ({ error }),
      );
      lastDocument.set(page, kept);
    }
  });
}

/**
 * Runs axe on the page as it is now and fails on serious or critical violations.
 * `what` names the page or state in the failure message.
 */
export async function checkA11y(page, what) {
  const violations = noScriptContexts.has(page.context())
    ? await runOnReplay(page)
    : await runAxe(page);
  const failing = violations.filter((v) => FAILING.has(v.impact));
  for (const v of violations.filter((v) => !FAILING.has(v.impact))) {
    const key = `${v.id} ${new URL(page.url()).pathname}`;
    if (!reported.has(key)) {
      reported.add(key);
      process.stderr.write(`axe (${v.impact}) on ${what}: ${v.id}: ${v.help}\n`);
    }
  }
  if (failing.length > 0) {
    assert.fail(
      `axe found serious or critical problems on ${what} (${page.url()}):\n` +
        JSON.stringify(failing.map(describe), null, 2),
    );
  }
}

async function runAxe(page) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) {
    await page.evaluate(axe.source);
  }
  const result = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ["violations"] }),
  );
  return result.violations;
}

async function runOnReplay(page) {
  const kept = lastDocument.get(page);
  assert.ok(kept, "no document was kept for this page; was it opened with openContext?");
  const { body, headers, error } = await kept;
  if (error) {
    throw error;
  }
  const url = page.url();
  const scratch = await page.context().browser().newContext({ viewport: page.viewportSize() });
  try {
    await scratch.route("**/*", (route) => {
      const request = route.request();
      if (request.url() === url && request.isNavigationRequest()) {
        return route.fulfill({ status: 200, headers, body });
      }
      if (request.resourceType() === "script") {
        return route.abort();
      }
      return route.continue();
    });
    const replay = await scratch.newPage();
    await replay.goto(url);
    return await runAxe(replay);
  } finally {
    await scratch.close();
  }
}

function describe(v) {
  return {
    rule: v.id,
    impact: v.impact,
    help: v.help,
    elements: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary}`),
  };
}
