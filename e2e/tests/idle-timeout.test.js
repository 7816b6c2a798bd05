// A session left idle ends: the next page asked for leads to the login form with a
// notice that the session timed out.
//
// How the time passes. The idle timeout runs on the server's own clock, and the demo
// time machine deliberately does not move sessions, so the only honest way to show it
// in a browser is to let real time pass. The portal for this file is started with the
// smallest timeout it accepts, one minute. The wait is not a guess at how long
// something takes: every response carries the server's Date, the session's idle clock
// restarts with each request (CSS and images included), so the test waits until one
// minute plus a margin has passed since the last response the browser got, and checks
// that nothing was asked of the server meanwhile. This keeps the suite's run time
// about one minute longer, which the brief allows; nothing shorter would prove the same.

import { test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as wait } from "node:timers/promises";
import { usePortal, logIn, TAXPAYER } from "../portal.js";
import { checkA11y } from "../a11y.js";

const IDLE_MINUTES = 1;
// The Date header counts whole seconds, and the server compares whole seconds too.
const MARGIN_MS = 2_500;

const portal = usePortal({ serveArgs: ["--idle-timeout-minutes", String(IDLE_MINUTES)] });

test("after a minute without a request the session has timed out", async () => {
  const context = await portal.browser.newContext();
  let lastServerTime = 0;
  context.on("response", (response) => {
    const date = Date.parse(response.headers().date ?? "");
    if (Number.isFinite(date)) {
      lastServerTime = Math.max(lastServerTime, date);
    }
  });
  const page = await context.newPage();
  try {
    await logIn(page, portal.base);
    await page.getByRole("link", { name: "View Profile" }).click();
    await page.getByRole("heading", { name: "My Profile" }).waitFor();
    await page.waitForLoadState("load");
    await checkA11y(page, "My Profile");

    // Wait until the session's idle minute is over on the server's clock (which is
    // this machine's clock: the portal runs here).
    let deadline = lastServerTime + IDLE_MINUTES * 60_000 + MARGIN_MS;
    while (Date.now() < deadline) {
      await wait(deadline - Date.now());
      deadline = lastServerTime + IDLE_MINUTES * 60_000 + MARGIN_MS;
    }

    // The person comes back and clicks a link on the page they left open.
    await page.getByRole("complementary", { name: "Quick Links" }).getByRole("link", { name: "Manage API Access" }).click();
    await page.getByRole("heading", { name: "Login" }).waitFor();
    await page.getByText("Your session has timed out. Please log in again.").waitFor();
    await checkA11y(page, "the login page after a timeout");

    // Logging in again leads back to the page that was asked for.
    await page.getByLabel("Username").fill(TAXPAYER.username);
    await page.getByLabel("Password").fill(TAXPAYER.password);
    await page.getByRole("button", { name: "LOGIN" }).click();
    await page.getByRole("heading", { name: "Manage API Access" }).waitFor();
    assert.match(page.url(), /\/profile\/api-access$/);
  } finally {
    await context.close();
  }
});
