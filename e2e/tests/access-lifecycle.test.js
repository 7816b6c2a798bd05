// After the seven steps: No ends access at once, access can be switched on again with a
// shorter duration, and a duration that is not in the list, posted by a person who
// edited the form, is answered with a clear message and changes nothing.

import { test } from "node:test";
import assert from "node:assert/strict";
import { usePortal, logIn, parseIst, submitForm, TAXPAYER } from "../portal.js";
import { checkA11y } from "../a11y.js";

let page;

// The tests follow one another on one page, logged in once; it closes with the browser.
const portal = usePortal({
  async setup({ browser, base }) {
    page = await browser.newPage();
    await logIn(page, base);
  },
});

const HOUR = 3_600_000;

async function openManageApiAccess() {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "My Profile" }).click();
  await page.getByRole("heading", { name: "My Profile" }).waitFor();
  await page.getByRole("complementary", { name: "Quick Links" }).getByRole("link", { name: "Manage API Access" }).click();
  await page.getByRole("heading", { name: "Manage API Access" }).waitFor();
}

async function confirm(choice, durationLabel) {
  await page.getByRole("radio", { name: choice }).check();
  if (durationLabel) {
    await page.getByLabel("Duration").selectOption({ label: durationLabel });
  }
  await submitForm(page, page.getByRole("button", { name: "CONFIRM" }));
  await page.getByRole("status").filter({ hasText: "Your choice has been saved." }).waitFor();
  await checkA11y(page, `Manage API Access after confirming ${choice} ${durationLabel ?? ""}`);
}

const statusText = async () => (await page.locator("#api-access-status").textContent()).trim();
const changeRows = () => page.getByRole("table").filter({ hasText: "Changed at" }).getByRole("row");

test("No ends access at once, and the Dashboard says so too", async () => {
  await openManageApiAccess();
  await checkA11y(page, "Manage API Access, never enabled");
  // The help the page offers, and back. (The footer of every page links to the same
  // help, so the link is looked for in the page's main part.)
  await page.getByRole("main").getByRole("link", { name: "Help on API access" }).click();
  await page.getByRole("heading", { level: 1 }).waitFor();
  await checkA11y(page, "the help on API access");
  await page.goBack();
  await page.getByRole("heading", { name: "Manage API Access" }).waitFor();
  await confirm("Yes", "30 Days");
  const until = parseIst(await statusText());
  assert.ok(Math.abs(until - Date.now() - 720 * HOUR) < 5 * 60_000, `30 days from now, not ${until}`);

  await confirm("No");
  assert.match(await statusText(), /^API access is disabled since \d{2}\/\d{2}\/\d{4} \d{2}:\d{2} (AM|PM) IST$/);
  assert.ok(await page.getByRole("radio", { name: "No" }).isChecked());
  assert.ok(await page.getByLabel("Duration").isHidden());
  // Newest first: the No, then the Yes before it.
  assert.match(await changeRows().nth(1).textContent(), /No/);
  assert.match(await changeRows().nth(2).textContent(), /Yes\s*30 Days/);

  await page.getByRole("link", { name: "Dashboard" }).first().click();
  await page.getByRole("heading", { name: `Welcome ${TAXPAYER.legalName}` }).waitFor();
  await page.getByText("API access is disabled").waitFor();
  await checkA11y(page, "the Dashboard with access off");
});

test("access can be switched on again with a shorter duration", async () => {
  await openManageApiAccess();
  await confirm("Yes", "6 Hours");
  const until = parseIst(await statusText());
  assert.ok(Math.abs(until - Date.now() - 6 * HOUR) < 5 * 60_000, `6 hours from now, not ${until}`);
  // The drop-down starts at Select again (a Confirm starts a new period); the time
  // left is said in words, and under six hours it is flagged as ending soon.
  assert.equal(await page.getByLabel("Duration").inputValue(), "");
  assert.match((await page.locator("#api-access-left").textContent()).trim(), /^Ends in (5 hours 59 minutes|6 hours)\.$/);
  await page.getByText("Ending soon", { exact: true }).waitFor();
  assert.equal(await changeRows().count(), 4);
  assert.match(await changeRows().nth(1).textContent(), /Yes\s*6 Hours/);

  // The shorter period holds after a fresh visit.
  await page.reload();
  assert.match(await statusText(), /^API access is enabled until /);
  assert.equal(parseIst(await statusText()).getTime(), until.getTime());
});

test("a duration that is not in the list gets a clear message and changes nothing", async () => {
  await openManageApiAccess();
  const before = await statusText();
  const rowsBefore = await changeRows().count();

  // A person edits the form in the browser's developer tools so that "12 Hours"
  // sends 5, then presses CONFIRM: the server must not trust the drop-down.
  await page.getByLabel("Duration").evaluate((select) => {
    select.querySelector('option[value="12"]').value = "5";
  });
  await page.getByLabel("Duration").selectOption({ label: "12 Hours" });
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && r.url().endsWith("/profile/api-access")),
    page.getByRole("button", { name: "CONFIRM" }).click(),
  ]);
  assert.equal(response.status(), 422);
  // The message stands next to the field (and again in the error summary above).
  const message = page.locator(".field-error").filter({ hasText: "Choose one of the durations in the list (6 hours to 30 days)." });
  await message.waitFor();

  // The message is tied to the drop-down, so a screen reader reads it with the field.
  const duration = page.getByLabel("Duration");
  assert.equal(await duration.getAttribute("aria-invalid"), "true");
  const describedBy = await duration.getAttribute("aria-describedby");
  assert.equal(await message.getAttribute("id"), describedBy);
  await checkA11y(page, "Manage API Access with a duration not in the list");

  // Nothing changed: the status above the form and, after a fresh visit, the list.
  assert.equal(await statusText(), before);
  await openManageApiAccess();
  assert.equal(await statusText(), before);
  assert.equal(await changeRows().count(), rowsBefore);
  assert.match(await changeRows().nth(1).textContent(), /Yes\s*6 Hours/);
});
