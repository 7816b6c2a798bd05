// The manual's seven steps, walked in a real browser by visible labels and roles.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startPortal, launchBrowser, TAXPAYER } from "../portal.js";

let portal;
let browser;

before(async () => {
  portal = await startPortal();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await portal?.stop();
});

const STATUS_ENABLED = /^API access is enabled until \d{2}\/\d{2}\/\d{4} \d{2}:\d{2} (AM|PM) IST$/;

test("a taxpayer enables API access for 7 days, then disables it, and the choice sticks", async () => {
  const page = await browser.newPage();
  try {
    // 1. Log in with username and password.
    await page.goto(`${portal.base}/login`);
    await page.getByLabel("Username").fill(TAXPAYER.username);
    await page.getByLabel("Password").fill(TAXPAYER.password);
    await page.getByRole("button", { name: "LOGIN" }).click();
    await page.getByRole("heading", { name: `Welcome ${TAXPAYER.legalName}` }).waitFor();
    assert.ok(await page.getByText(TAXPAYER.gstin).isVisible());

    // 2. Go to My Profile.
    await page.getByRole("link", { name: "View Profile" }).click();
    await page.getByRole("heading", { name: "My Profile" }).waitFor();

    // 3. In Quick Links, choose Manage API Access.
    const quickLinks = page.getByRole("complementary", { name: "Quick Links" });
    await quickLinks.getByRole("link", { name: "Manage API Access" }).click();
    await page.getByRole("heading", { name: "Manage API Access" }).waitFor();
    const status = page.locator("#api-access-status");
    assert.equal((await status.textContent()).trim(), "API access is disabled (it has never been enabled)");

    // With "No" chosen the Duration drop-down is hidden.
    const duration = page.getByLabel("Duration");
    assert.ok(await page.getByRole("radio", { name: "No" }).isChecked());
    await duration.waitFor({ state: "hidden" });

    // 4-5. Select Yes: the Duration drop-down appears.
    await page.getByRole("radio", { name: "Yes" }).check();
    await duration.waitFor({ state: "visible" });

    // 6. Choose a duration.
    const labels = await duration.locator("option").allTextContents();
    assert.deepEqual(labels, ["Select", "6 Hours", "12 Hours", "1 Day", "2 Days", "7 Days", "15 Days", "30 Days"]);
    await duration.selectOption({ label: "7 Days" });

    // 7. Confirm.
    await page.getByRole("button", { name: "CONFIRM" }).click();
    await page.getByRole("status").filter({ hasText: "Your choice has been saved." }).waitFor();
    const enabledText = (await status.textContent()).trim();
    assert.match(enabledText, STATUS_ENABLED);

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
  } finally {
    await page.close();
  }
});

test("the drop-down stays visible without JavaScript and the server still decides", async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  try {
    await page.goto(`${portal.base}/profile/api-access`);
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
    await duration.selectOption({ label: "6 Hours" });
    await page.getByRole("button", { name: "CONFIRM" }).click();
    await page.getByRole("status").filter({ hasText: "Your choice has been saved." }).waitFor();
    assert.match((await page.locator("#api-access-status").textContent()).trim(), STATUS_ENABLED);
  } finally {
    await context.close();
  }
});
