// The accessibility check itself: a check that never fails proves nothing, so here it
// is shown a login page whose Username field has lost its label, once with JavaScript
// and once without, and must fail both times naming axe's "label" rule.

import { test } from "node:test";
import assert from "node:assert/strict";
import { usePortal } from "../portal.js";
import { checkA11y, openContext } from "../a11y.js";

const portal = usePortal();

test("the check passes the login page and fails it once the Username label is gone", async () => {
  const page = await portal.browser.newPage();
  try {
    await page.goto(`${portal.base}/login`);
    await checkA11y(page, "the login page");
    await page.locator("label[for=username]").evaluate((label) => label.remove());
    await assert.rejects(checkA11y(page, "the broken login page"), /"rule": "label"/);
  } finally {
    await page.close();
  }
});

test("without JavaScript the check reads the page the portal sent, and fails it too", async () => {
  const context = await openContext(portal.browser, { javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    await page.goto(`${portal.base}/login`);
    await checkA11y(page, "the login page without JavaScript");
    // The same page as served, minus the label, as a broken template would send it.
    await page.route(`${portal.base}/login`, async (route) => {
      const response = await route.fetch();
      const body = (await response.text()).replace(/<label for="username">[^]*?<\/label>/, "");
      await route.fulfill({ response, body });
    });
    await page.goto(`${portal.base}/login`);
    await assert.rejects(checkA11y(page, "the broken login page"), /"rule": "label"/);
  } finally {
    await context.close();
  }
});
