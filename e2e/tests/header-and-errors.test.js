// The header as on the portal (the name and its menu at the top right, a menu that
// closes on Escape, a click outside or when the focus leaves it, and never stands
// in the way of the page's own buttons), and forms that list every error first and
// move the focus there.

import { test } from "node:test";
import assert from "node:assert/strict";
import { usePortal, logIn, TAXPAYER } from "../portal.js";
import { checkA11y } from "../a11y.js";

const portal = usePortal();

const menuName = (page) => page.getByText(`Account menu of ${TAXPAYER.legalName}`);
const menuOpen = (page) => page.locator("details.user-menu").evaluate((d) => d.open);

test("the name and its menu sit at the top right of the header and close as a menu should", async () => {
  const context = await portal.browser.newContext({ viewport: { width: 1366, height: 900 } });
  const page = await context.newPage();
  try {
    await logIn(page, portal.base);
    const header = page.getByRole("banner");
    const name = header.locator("summary");
    await name.waitFor();
    const box = await name.boundingBox();
    const headerBox = await header.boundingBox();
    assert.ok(box.x + box.width > 1366 * 0.7, `the name is at the right, not at x=${box.x}`);
    assert.ok(box.y >= headerBox.y && box.y + box.height <= headerBox.y + headerBox.height, "the name is in the header");

    // Escape closes it and gives the focus back to the name.
    await menuName(page).click();
    assert.equal(await menuOpen(page), true);
    await checkA11y(page, "the Dashboard with the account menu open");
    await page.keyboard.press("Escape");
    assert.equal(await menuOpen(page), false);

    // The open menu does not cover View Profile: a click there opens My Profile
    // (the menu closes on the way), it does not log out.
    await menuName(page).click();
    await page.getByRole("link", { name: "View Profile" }).click();
    await page.getByRole("heading", { name: "My Profile" }).waitFor();
    assert.equal(await menuOpen(page), false);

    // Focus leaving the menu closes it.
    await menuName(page).click();
    await page.getByRole("button", { name: "Logout" }).focus();
    await page.keyboard.press("Tab");
    assert.equal(await menuOpen(page), false);
    assert.equal(await page.getByRole("heading", { name: "My Profile" }).count(), 1, "still logged in");
  } finally {
    await context.close();
  }
});

test("a failed Confirm and Change Password start with every error, and the focus is there", async () => {
  const page = await portal.browser.newPage();
  try {
    await logIn(page, portal.base);
    await page.goto(`${portal.base}/profile/api-access`);
    await page.getByRole("radio", { name: "Yes" }).check();
    await page.getByRole("button", { name: "CONFIRM" }).click();
    const summary = page.getByRole("alert").filter({ hasText: "Please correct the following" });
    await summary.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), "error-summary");
    const link = summary.getByRole("link", { name: "Choose how long API access should stay enabled." });
    assert.equal(await link.getAttribute("href"), "#duration");
    await checkA11y(page, "Manage API Access with the error summary");

    await page.goto(`${portal.base}/profile/change-password`);
    await page.getByLabel("Current Password").fill("Wrong@2026x");
    await page.getByLabel("New Password").fill("weak");
    await page.getByLabel("Confirm Password").fill("other");
    await page.getByRole("button", { name: "SUBMIT" }).click();
    await summary.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), "error-summary");
    const hrefs = await summary.getByRole("link").evaluateAll((links) => links.map((a) => a.getAttribute("href")));
    assert.deepEqual(hrefs, ["#current-password", "#new-password", "#confirm-password"]);
    await checkA11y(page, "Change Password with every error listed");
  } finally {
    await page.close();
  }
});
