// Failed logins: each wrong password is answered with the same neutral message, and
// after five in a row the account is locked, so that even the right password is
// refused until the lock ends.

import { test } from "node:test";
import assert from "node:assert/strict";
import { usePortal, submitForm, TAXPAYER } from "../portal.js";
import { checkA11y } from "../a11y.js";

const portal = usePortal();

async function tryLogin(page, password) {
  await page.getByLabel("Username").fill(TAXPAYER.username);
  await page.getByLabel("Password").fill(password);
  await submitForm(page, page.getByRole("button", { name: "LOGIN" }));
  const alert = page.getByRole("alert");
  await alert.waitFor();
  return (await alert.textContent()).trim();
}

test("five wrong passwords lock the account, and then the right one is refused too", async () => {
  const page = await portal.browser.newPage();
  try {
    await page.goto(`${portal.base}/login`);
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      assert.equal(await tryLogin(page, `Wrong@${attempt}xyz`), "Invalid Username or Password. Please try again.");
    }
    await checkA11y(page, "the login page after a wrong password");

    const locked = await tryLogin(page, "Wrong@5xyz");
    assert.match(locked, /^Too many failed logins: this account is locked until \d{2}\/\d{2}\/\d{4} \d{2}:\d{2} (AM|PM) IST\./);
    await checkA11y(page, "the login page with the account locked");

    // The right password does not open a locked account.
    assert.match(await tryLogin(page, TAXPAYER.password), /^Too many failed logins/);
    assert.equal(await page.getByRole("heading", { name: /^Welcome / }).count(), 0);
    await page.getByRole("heading", { name: "Login" }).waitFor();
  } finally {
    await page.close();
  }
});
