// The account menu under the taxpayer's name: Logout, and Change Password (a weak new
// password is refused next to its field; a good one replaces the old one for login).

import { test } from "node:test";
import assert from "node:assert/strict";
import { usePortal, logIn, TAXPAYER } from "../portal.js";
import { checkA11y } from "../a11y.js";

const portal = usePortal();

const NEW_PASSWORD = "Kolam#2027";

async function openAccountMenu(page) {
  await page.getByText(`Account menu of ${TAXPAYER.legalName}`).click();
  await page.getByRole("link", { name: "Change Password" }).first().waitFor();
  await checkA11y(page, "a page with the account menu open");
}

async function logOut(page) {
  await openAccountMenu(page);
  await page.getByRole("button", { name: "Logout" }).click();
  await page.getByRole("heading", { name: "Login" }).waitFor();
  await page.getByText("You have logged out.").waitFor();
  await checkA11y(page, "the login page after logout");
}

test("Logout ends the session: the portal's pages ask for a login again", async () => {
  const page = await portal.browser.newPage();
  try {
    await logIn(page, portal.base);
    await checkA11y(page, "the Dashboard");
    // A navigation item this training copy does not offer leads to a page saying so.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Services" }).click();
    await page.getByRole("heading", { level: 1, name: "Services" }).waitFor();
    await checkA11y(page, "a page this portal does not offer");
    await logOut(page);

    // Going back to a page of the portal now leads to the login form.
    await page.goto(`${portal.base}/profile/api-access`);
    await page.getByRole("heading", { name: "Login" }).waitFor();
    assert.equal(await page.getByRole("heading", { name: "Manage API Access" }).count(), 0);
    await checkA11y(page, "the login page asked for Manage API Access");
  } finally {
    await page.close();
  }
});

test("Change Password refuses a weak password, then takes a good one", async () => {
  const page = await portal.browser.newPage();
  try {
    await logIn(page, portal.base);
    await openAccountMenu(page);
    await page.getByRole("link", { name: "Change Password" }).first().click();
    await page.getByRole("heading", { name: "Change Password" }).waitFor();
    await checkA11y(page, "Change Password");

    // Too weak: no digit, no special character.
    await page.getByLabel("Current Password").fill(TAXPAYER.password);
    await page.getByLabel("New Password").fill("Kolamkolam");
    await page.getByLabel("Confirm Password").fill("Kolamkolam");
    await page.getByRole("button", { name: "SUBMIT" }).click();
    await page.locator(".field-error").filter({ hasText: "The password needs at least one digit (0-9)." }).waitFor();
    assert.equal(await page.getByLabel("New Password").getAttribute("aria-invalid"), "true");
    await checkA11y(page, "Change Password with a weak new password");

    await page.getByLabel("Current Password").fill(TAXPAYER.password);
    await page.getByLabel("New Password").fill(NEW_PASSWORD);
    await page.getByLabel("Confirm Password").fill(NEW_PASSWORD);
    await page.getByRole("button", { name: "SUBMIT" }).click();
    await page.getByRole("heading", { name: "My Profile" }).waitFor();
    await page.getByRole("status").filter({ hasText: /^Your password has been changed\./ }).waitFor();
    await checkA11y(page, "My Profile after a password change");
    await logOut(page);

    // The old password no longer opens the account; the new one does.
    await page.getByLabel("Username").fill(TAXPAYER.username);
    await page.getByLabel("Password").fill(TAXPAYER.password);
    await page.getByRole("button", { name: "LOGIN" }).click();
    await page.getByText("Invalid Username or Password. Please try again.").waitFor();
    await checkA11y(page, "the login page after a wrong password");
    await logIn(page, portal.base, { username: TAXPAYER.username, password: NEW_PASSWORD });
    await page.getByRole("heading", { name: `Welcome ${TAXPAYER.legalName}` }).waitFor();
  } finally {
    await page.close();
  }
});
