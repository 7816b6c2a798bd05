// The manual's seven steps, walked in a real browser by visible labels and roles. Every
// page reached is checked with axe, and each step is photographed for the guide.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { usePortal, TAXPAYER } from "../portal.js";
import { checkA11y, openContext } from "../a11y.js";
import { Chapter } from "../guide.js";

const portal = usePortal();

const STATUS_ENABLED = /^API access is enabled until \d{2}\/\d{2}\/\d{4} \d{2}:\d{2} (AM|PM) IST$/;

test("a taxpayer enables API access for 7 days, then disables it, and the choice sticks", async () => {
  const page = await portal.browser.newPage({ viewport: { width: 1280, height: 800 } });
  const guide = new Chapter("seven-steps");
  try {
    // 1. Log in with username and password.
    await page.goto(`${portal.base}/login`);
    await checkA11y(page, "the login page");
    await page.getByLabel("Username").fill(TAXPAYER.username);
    await page.getByLabel("Password").fill(TAXPAYER.password);
    await page.getByRole("button", { name: "LOGIN" }).focus();
    await guide.shoot(page, "Open the portal's Login page, type your username and password, and click LOGIN.");
    await page.getByRole("button", { name: "LOGIN" }).click();
    await page.getByRole("heading", { name: `Welcome ${TAXPAYER.legalName}` }).waitFor();
    assert.ok(await page.getByText(TAXPAYER.gstin).isVisible());
    await checkA11y(page, "the Dashboard");

    // 2. Go to My Profile.
    await page.getByRole("link", { name: "View Profile" }).focus();
    await guide.shoot(page, "The Dashboard greets you by your business name. Click View Profile to go to My Profile (My Profile is also in the menu under your name).");
    await page.getByRole("link", { name: "View Profile" }).click();
    await page.getByRole("heading", { name: "My Profile" }).waitFor();
    await checkA11y(page, "My Profile");

    // 3. In Quick Links, choose Manage API Access.
    const quickLinks = page.getByRole("complementary", { name: "Quick Links" });
    await quickLinks.getByRole("link", { name: "Manage API Access" }).focus();
    await guide.shoot(page, "My Profile shows your registration details. In the Quick Links panel on the right, click Manage API Access.");
    await quickLinks.getByRole("link", { name: "Manage API Access" }).click();
    await page.getByRole("heading", { name: "Manage API Access" }).waitFor();
    const status = page.locator("#api-access-status");
    assert.equal((await status.textContent()).trim(), "API access is disabled (it has never been enabled)");

    // With "No" chosen the Duration drop-down is hidden.
    const duration = page.getByLabel("Duration");
    assert.ok(await page.getByRole("radio", { name: "No" }).isChecked());
    await duration.waitFor({ state: "hidden" });
    await checkA11y(page, "Manage API Access with No chosen");

    // 4-5. Select Yes: the Duration drop-down appears.
    await page.getByRole("radio", { name: "Yes" }).focus();
    await guide.shoot(page, "The Manage API Access page says whether access is on now. Under Enable API Request, select Yes.");
    await page.getByRole("radio", { name: "Yes" }).check();
    await duration.waitFor({ state: "visible" });
    await checkA11y(page, "Manage API Access with Yes chosen");
    await guide.shoot(page, "With Yes selected, the Duration drop-down appears below it. (Selecting No hides it again.)");

    // 6. Choose a duration.
    const labels = await duration.locator("option").allTextContents();
    assert.deepEqual(labels, ["Select", "6 Hours", "12 Hours", "1 Day", "2 Days", "7 Days", "15 Days", "30 Days"]);
    await duration.selectOption({ label: "7 Days" });
    await page.getByRole("button", { name: "CONFIRM" }).focus();
    await guide.shoot(page, "Pick how long the software may act for you, anything from 6 Hours to 30 Days; here 7 Days.");

    // 7. Confirm.
    await page.getByRole("button", { name: "CONFIRM" }).click();
    await page.getByRole("status").filter({ hasText: "Your choice has been saved." }).waitFor();
    const enabledText = (await status.textContent()).trim();
    assert.match(enabledText, STATUS_ENABLED);
    await checkA11y(page, "Manage API Access after Confirm");
    await guide.shoot(page, "Click CONFIRM. The page tells you the choice was saved and until when API access is enabled, in Indian Standard Time. The change is also listed under Recent changes.");
    const guideFile = guide.save();
    const images = readFileSync(guideFile, "utf8").match(/src="data:image\/png;base64,/g) ?? [];
    assert.ok(images.length >= 7, `the guide holds ${images.length} pictures`);

    // The choice sticks: a reload shows it with Yes and 7 Days selected.
    await page.reload();
    assert.equal((await status.textContent()).trim(), enabledText);
    assert.ok(await page.getByRole("radio", { name: "Yes" }).isChecked());
    assert.equal(await duration.inputValue(), "168");
    const firstRow = page.getByRole("table").getByRole("row").nth(1);
    assert.match(await firstRow.textContent(), /Yes\s*7 Days/);

    // Ending access early: No, then Confirm.
    await page.getByRole("radio", { name: "No" }).check();
    await duration.waitFor({ state: "hidden" });
    await page.getByRole("button", { name: "CONFIRM" }).click();
    await page.getByRole("status").filter({ hasText: "Your choice has been saved." }).waitFor();
    assert.equal((await status.textContent()).trim(), "API access is disabled");
    assert.equal(await page.getByRole("table").getByRole("row").count(), 3);
    await checkA11y(page, "Manage API Access after No");
  } finally {
    await page.close();
  }
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
    await page.getByText("Choose how long API access should stay enabled.").waitFor();
    await checkA11y(page, "Manage API Access with a missing duration, without JavaScript");
    await duration.selectOption({ label: "6 Hours" });
    await page.getByRole("button", { name: "CONFIRM" }).click();
    await page.getByRole("status").filter({ hasText: "Your choice has been saved." }).waitFor();
    assert.match((await page.locator("#api-access-status").textContent()).trim(), STATUS_ENABLED);
  } finally {
    await context.close();
  }
});
