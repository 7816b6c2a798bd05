// The period running out, shown with the demo mode's time machine: the demo taxpayer
// whose access ends 30 minutes after start sees it enabled; the trainer moves the
// portal's clock an hour ahead; the taxpayer's page now says access is disabled and when
// the period ended. Back to real time, the same period is running again, because the
// state is worked out from the stored end and the clock, not by a background job.

import { test } from "node:test";
import assert from "node:assert/strict";
import { usePortal, logIn, parseIst, submitForm } from "../portal.js";
import { assertFitsScreen, checkA11y, openContext, PHONE } from "../a11y.js";

const TRAINER_PASSWORD = "Trainer-e2e-2026";
const ENDING = { username: "demo.ending", password: "Demo@2026" };

const portal = usePortal({
  taxpayer: false,
  serveArgs: ["--demo", "--no-captcha", "--trainer-password", TRAINER_PASSWORD],
});

test("the trainer moves the clock past the end of the period and the page shows access ended", async () => {
  // The taxpayer and the trainer are two people with two browsers.
  const taxpayerContext = await portal.browser.newContext();
  const trainerContext = await portal.browser.newContext();
  try {
    const taxpayer = await taxpayerContext.newPage();
    await logIn(taxpayer, portal.base, ENDING);
    await taxpayer.getByRole("region", { name: "Training portal" }).waitFor();
    await checkA11y(taxpayer, "the Dashboard in demo mode");
    await taxpayer.getByRole("link", { name: "View Profile" }).click();
    await taxpayer.getByRole("complementary", { name: "Quick Links" }).getByRole("link", { name: "Manage API Access" }).click();
    await taxpayer.getByRole("heading", { name: "Manage API Access" }).waitFor();
    await checkA11y(taxpayer, "Manage API Access in demo mode");
    const status = taxpayer.locator("#api-access-status");
    const running = (await status.textContent()).trim();
    assert.match(running, /^API access is enabled until /);
    const end = parseIst(running);
    assert.ok(end - Date.now() > 0 && end - Date.now() <= 31 * 60_000, `ends within half an hour, not ${end}`);

    const trainer = await trainerContext.newPage();
    await trainer.goto(`${portal.base}/trainer/login`);
    await checkA11y(trainer, "the trainer login");
    await trainer.getByLabel("Trainer password").fill(TRAINER_PASSWORD);
    await trainer.getByRole("button", { name: "LOGIN" }).click();
    await trainer.getByRole("heading", { name: "Trainer console" }).waitFor();
    await checkA11y(trainer, "the trainer console");

    await submitForm(trainer, trainer.getByRole("button", { name: "+1 hour" }));
    await trainer.getByRole("status").filter({ hasText: /^Demo clock: / }).waitFor();
    await checkA11y(trainer, "the trainer console with the clock moved");

    // The taxpayer looks again: the period is over, and the page says when it ended.
    await taxpayer.reload();
    const ended = (await status.textContent()).trim();
    assert.match(ended, /^API access is disabled: the period ended on \d{2}\/\d{2}\/\d{4} \d{2}:\d{2} (AM|PM) IST$/);
    assert.equal(parseIst(ended).getTime(), end.getTime());
    await checkA11y(taxpayer, "Manage API Access after the period ended");

    // Back to real time: the stored end is still ahead, so access runs again.
    await submitForm(trainer, trainer.getByRole("button", { name: "Back to real time" }));
    await trainer.getByRole("status").filter({ hasText: /^Demo clock: / }).waitFor();
    await taxpayer.reload();
    assert.equal((await status.textContent()).trim(), running);

    // The console links to the API simulator's page for GSP developers.
    await trainer.getByRole("link", { name: "GSP API simulator" }).click();
    await trainer.getByRole("heading", { level: 1 }).waitFor();
    await checkA11y(trainer, "the API simulator's page");
  } finally {
    await taxpayerContext.close();
    await trainerContext.close();
  }
});

test("the trainer console works on a phone 375 pixels wide", async () => {
  const context = await openContext(portal.browser, PHONE);
  try {
    const trainer = await context.newPage();
    await trainer.goto(`${portal.base}/trainer/login`);
    await assertFitsScreen(trainer, "the trainer login");
    await trainer.getByLabel("Trainer password").fill(TRAINER_PASSWORD);
    await trainer.getByRole("button", { name: "LOGIN" }).tap();
    await trainer.getByRole("heading", { name: "Trainer console" }).waitFor();
    await assertFitsScreen(trainer, "the trainer console");

    // Every time machine button can be reached on the screen, and one tap works.
    for (const name of ["+1 hour", "+6 hours", "+1 day", "+7 days", "+30 days", "Back to real time"]) {
      const box = await trainer.getByRole("button", { name }).boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= 375, `${name} sits at ${box.x}..${box.x + box.width}`);
    }
    await Promise.all([trainer.waitForEvent("load"), trainer.getByRole("button", { name: "+6 hours" }).tap()]);
    await trainer.getByRole("status").filter({ hasText: /^Demo clock: / }).waitFor();
    await assertFitsScreen(trainer, "the trainer console with the clock moved");
    await Promise.all([trainer.waitForEvent("load"), trainer.getByRole("button", { name: "Back to real time" }).tap()]);

    await trainer.goto(`${portal.base}/trainer/reset`);
    await assertFitsScreen(trainer, "the reset confirmation");
  } finally {
    await context.close();
  }
});
