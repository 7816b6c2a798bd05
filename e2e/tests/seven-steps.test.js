// The manual's seven steps, walked in a real browser by visible labels and roles. Every
// page reached is checked with axe, and each step is photographed for the guide. The
// walk itself is in walks.js, shared with `npm run guide`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { usePortal, TAXPAYER } from "../portal.js";
import { checkA11y, openContext } from "../a11y.js";
import { Chapter } from "../guide.js";
import { STATUS_ENABLED, walkSevenSteps } from "../walks.js";

const portal = usePortal();

test("a taxpayer enables API access for 7 days, then disables it, and the choice sticks", async () => {
  await walkSevenSteps(portal, new Chapter("seven-steps"));
});

test("the drop-down stays visible without JavaScript and the server still decides", async () => {
  const context = await openContext(portal.browser, { javaScriptEnabled: false });
  const page = await context.newPage();
  try {
    await page.goto(`${portal.base}/profile/api-access`);
    await checkA11y(page, "the login page reached from Manage API Access, without JavaScript");
    await page.getByLabel("Username").fill(TAXPAYER.username);
    await page.getByLabel("Password").fill(TAXPAYER.password);
    await page.getByRole("button", { name: "LOGIN" }).click();
    await page.getByRole("heading", { name: "Manage API Access" }).waitFor();
    const duration = page.getByLabel("Duration");
    assert.ok(await duration.isVisible());
    await page.getByRole("radio", { name: "Yes" }).check();
    await page.getByRole("button", { name: "CONFIRM" }).click();
    // Yes without a duration: the message is next to the field, nothing is stored.
    await page.locator(".field-error").filter({ hasText: "Choose how long API access should stay enabled." }).waitFor();
    await checkA11y(page, "Manage API Access with a missing duration, without JavaScript");
    await duration.selectOption({ label: "6 Hours" });
    await page.getByRole("button", { name: "CONFIRM" }).click();
    await page.getByRole("status").filter({ hasText: "Your choice has been saved." }).waitFor();
    assert.match((await page.locator("#api-access-status").textContent()).trim(), STATUS_ENABLED);
  } finally {
    await context.close();
  }
});
