// The login captcha of a demo portal: "Show another image" swaps the image in place
// and keeps what was typed; without JavaScript it reloads the form and keeps the
// username; Enter in a field still logs in; a captcha error puts the focus on the
// captcha field.

import { test } from "node:test";
import assert from "node:assert/strict";
import { usePortal } from "../portal.js";
import { checkA11y } from "../a11y.js";

const portal = usePortal({ serveArgs: ["--demo", "--trainer-password", "Trainer@2026"], taxpayer: false });
const USERNAME = "demo.enabled";
const PASSWORD = "Demo@2026";

test("another image comes in place, keeps what was typed, and Enter still logs in", async () => {
  const page = await portal.browser.newPage({ viewport: { width: 1366, height: 900 } });
  try {
    await page.goto(`${portal.base}/login`);
    await page.getByLabel("Username").fill(USERNAME);
    await page.getByLabel("Password").fill(PASSWORD);
    const image = page.getByRole("img", { name: /Captcha/ });
    const first = await image.getAttribute("src");
    await page.getByRole("button", { name: "Show another image" }).click();
    await page.getByRole("status").filter({ hasText: "A new image is shown." }).waitFor({ state: "attached" });
    assert.notEqual(await image.getAttribute("src"), first);
    assert.ok(await image.evaluate((img) => img.complete && img.naturalWidth > 0), "the new image loaded");
    assert.equal(await page.getByLabel("Username").inputValue(), USERNAME);
    assert.equal(await page.getByLabel("Password").inputValue(), PASSWORD);
    assert.equal(await page.evaluate(() => document.activeElement.id), "captcha");
    await checkA11y(page, "the login page with the captcha");

    // Enter submits the login, not another image; a wrong captcha then takes the focus.
    await page.getByLabel("Type the characters").fill("000000");
    await page.getByLabel("Password").press("Enter");
    await page.getByText("The characters you typed do not match the image.").first().waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), "captcha");
    assert.equal(await page.getByLabel("Username").inputValue(), USERNAME);
  } finally {
    await page.close();
  }
});

test("without JavaScript another image reloads the form and keeps the username", async () => {
  const context = await portal.browser.newContext({ javaScriptEnabled: false, viewport: { width: 375, height: 800 } });
  const page = await context.newPage();
  try {
    await page.goto(`${portal.base}/login`);
    await page.getByLabel("Username").fill(USERNAME);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Show another image" }).click();
    await page.getByText("Here is another image.").waitFor();
    assert.equal(await page.getByLabel("Username").inputValue(), USERNAME);
    assert.equal(await page.getByLabel("Password").inputValue(), "", "a password is never sent back");
    assert.equal(await page.evaluate(() => document.activeElement.id), "password");
    assert.equal(await page.getByText("do not match").count(), 0, "no error for asking");
  } finally {
    await context.close();
  }
});
