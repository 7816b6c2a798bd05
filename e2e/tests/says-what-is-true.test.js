// Every screen says what is true, in the portal's words and one time format: the
// demo taxpayers carry business names, the banner shows the portal's time, Manage
// API Access says how long is left (and when it is ending soon), since when access
// is off, and which parts are extras of this copy; the login page has the portal's
// other links; a lock after a time-machine jump says which clock it follows; the
// trainer's Reset tells the taxpayers it logged them out; and on a phone the
// console's tables do not cut off a column.

import { test } from "node:test";
import assert from "node:assert/strict";
import { usePortal, logIn, submitForm } from "../portal.js";
import { assertFitsScreen, checkA11y, openContext, PHONE } from "../a11y.js";

const TRAINER_PASSWORD = "Trainer-e2e-2026";
const PASSWORD = "Demo@2026";
const IST = /\d{2}\/\d{2}\/\d{4} \d{2}:\d{2} (AM|PM) IST/;

const portal = usePortal({
  taxpayer: false,
  serveArgs: ["--demo", "--no-captcha", "--trainer-password", TRAINER_PASSWORD],
});

async function trainerPage(context) {
  const page = await context.newPage();
  await page.goto(`${portal.base}/trainer/login`);
  await page.getByLabel("Trainer password").fill(TRAINER_PASSWORD);
  await page.getByRole("button", { name: "LOGIN" }).click();
  await page.getByRole("heading", { name: "Trainer console" }).waitFor();
  return page;
}

test("the login page's other links lead to a page that says they are not in this copy", async () => {
  const page = await portal.browser.newPage();
  try {
    await page.goto(`${portal.base}/login`);
    for (const name of ["Forgot Username", "Forgot Password", "First time login"]) {
      await page.getByRole("link", { name }).click();
      await page.getByRole("heading", { name }).waitFor();
      await page.getByText(`"${name}" is part of the real GST Portal, but this training portal does not offer it.`).waitFor();
      await page.goBack();
    }
  } finally {
    await page.close();
  }
});

test("a demo taxpayer sees a business name, the portal's time and what is left of the period", async () => {
  const page = await portal.browser.newPage({ viewport: { width: 1366, height: 900 } });
  try {
    await logIn(page, portal.base, { username: "demo.ending", password: PASSWORD });
    const banner = page.getByRole("region", { name: "Training portal" });
    assert.match(await banner.innerText(), new RegExp(`Portal time: ${IST.source}`));

    const menu = page.locator("details.user-menu summary");
    const name = (await menu.innerText()).trim();
    assert.doesNotMatch(name, /access|ending|minutes/i, "the case is not the name");
    await menu.click();
    assert.match(await page.getByText(/^Last Logged In at /).innerText(), new RegExp(`^Last Logged In at ${IST.source}$`));
    await page.keyboard.press("Escape");

    await page.goto(`${portal.base}/profile/api-access`);
    assert.match(await page.locator("#api-access-status").innerText(), new RegExp(`^API access is enabled until ${IST.source}$`));
    assert.match(await page.locator("#api-access-left").innerText(), /^Ends in (2\d|30) minutes\.$/);
    // Ending soon is said in words, not only by colour.
    await page.getByText("Ending soon", { exact: true }).waitFor();
    await page.getByText("An extra of this training copy: the real GST Portal does not show this list.").waitFor();
    await page.getByText("An extra of this training copy: the real GST Portal does not show this history.").waitFor();
    await checkA11y(page, "Manage API Access with access ending soon");
  } finally {
    await page.close();
  }
});

test("switched off: the page says since when", async () => {
  const page = await portal.browser.newPage();
  try {
    await logIn(page, portal.base, { username: "demo.disabled", password: PASSWORD });
    await page.goto(`${portal.base}/profile/api-access`);
    assert.match(await page.locator("#api-access-status").innerText(), new RegExp(`^API access is disabled since ${IST.source}$`));
    assert.equal(await page.getByText("Ending soon").count(), 0);
  } finally {
    await page.close();
  }
});

test("after a time-machine jump a lock says it follows real time; a Reset says why the taxpayer must log in again", async () => {
  const trainerContext = await portal.browser.newContext();
  const taxpayerContext = await portal.browser.newContext();
  try {
    const trainer = await trainerPage(trainerContext);
    await submitForm(trainer, trainer.getByRole("button", { name: "+1 day" }));
    await trainer.getByRole("status").filter({ hasText: /^Demo clock: / }).waitFor();

    const taxpayer = await taxpayerContext.newPage();
    await taxpayer.goto(`${portal.base}/login`);
    await taxpayer.getByLabel("Username").fill("demo.locked");
    await taxpayer.getByLabel("Password").fill(PASSWORD);
    await taxpayer.getByRole("button", { name: "LOGIN" }).click();
    const lock = taxpayer.getByRole("alert").filter({ hasText: "locked until" });
    assert.match(await lock.innerText(), /\(Locks follow real time, which the demo clock does not move\.\)$/);

    await logIn(taxpayer, portal.base, { username: "demo.enabled", password: PASSWORD });
    await trainer.goto(`${portal.base}/trainer/reset`);
    await trainer.getByLabel("Yes, put the demo data back").check();
    await submitForm(trainer, trainer.getByRole("button", { name: "RESET" }));
    await trainer.getByRole("heading", { name: "Trainer console" }).waitFor();

    await taxpayer.goto(`${portal.base}/profile/api-access`);
    await taxpayer.getByText("The trainer reset the demo; log in again.").waitFor();
    assert.equal(await taxpayer.getByText("timed out").count(), 0);
  } finally {
    await trainerContext.close();
    await taxpayerContext.close();
  }
});

test("on a phone the console's overview becomes cards and the live feed says it scrolls sideways", async () => {
  const context = await openContext(portal.browser, PHONE);
  try {
    const trainer = await trainerPage(context);
    await assertFitsScreen(trainer, "the trainer console");
    const lock = trainer.locator('#overview td[data-label="Login lock"]').first();
    const box = await lock.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 375, `the Login lock cell is on screen: ${JSON.stringify(box)}`);
    const hint = await trainer.locator(".table-scroll").first().evaluate((el) => getComputedStyle(el, "::before").content);
    assert.match(hint, /Scroll sideways/);
  } finally {
    await context.close();
  }
});
