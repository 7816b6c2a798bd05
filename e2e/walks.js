// The walks the guide's pictures come from, each in one place: the browser tests call
// them to check the portal (every assertion and axe check is in here), and make-guide.js
// calls the very same functions to build the guide without a test run. Keeping one copy
// means a picture in the guide is always of a walk the tests have checked.
//
// Each walk takes `{ browser, base, database }` of a running portal whose taxpayer has
// never enabled API access (a fresh one: startPortal's defaults) and the guide Chapter to
// photograph into. The second argument of `guide.shoot` is the QA test case the picture
// shows, by its id at /help/test-cases.json (null where a picture shows none).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { addGspClient, logIn, logInAsTrainer, submitForm, TAXPAYER } from "./portal.js";
import { assertFitsScreen, checkA11y, openContext, PHONE } from "./a11y.js";

export const STATUS_ENABLED = /^API access is enabled until \d{2}\/\d{2}\/\d{4} \d{2}:\d{2} (AM|PM) IST$/;
const statusText = async (page) => (await page.locator("#api-access-status").textContent()).trim();

/** Pictures the "other-ways" chapter has when its three walks have all run. */
export const OTHER_WAYS_SHOTS = 5;

/**
 * Steps 1 to 7 of the manual on `page`, for `account` ({ username, password, gstin,
 * greeting }: the Dashboard's heading begins "Welcome " and `greeting`), from the login
 * page at `loginAddress` to a Confirm of Yes for 7 Days; then a reload shows that the
 * choice sticks. Every page is checked with axe. `atStep(caseId, caption)` is awaited at
 * each step the guide pictures (the QA case and the caption the picture has there), with
 * the page in that step's state. Returns the status line the Confirm left.
 */
export async function walkToSevenDays(page, loginAddress, account, atStep) {
  // 1. Log in with username and password.
  await page.goto(loginAddress);
  await checkA11y(page, "the login page");
  await page.getByLabel("Username").fill(account.username);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "LOGIN" }).focus();
  await atStep("TC-01", "Open the portal's Login page, type your username and password, and click LOGIN.");
  await page.getByRole("button", { name: "LOGIN" }).click();
  await page.getByRole("heading", { name: `Welcome ${account.greeting}` }).waitFor();
  assert.ok(await page.getByText(account.gstin).isVisible());
  await checkA11y(page, "the Dashboard");

  // 2. Go to My Profile.
  await page.getByRole("link", { name: "View Profile" }).focus();
  await atStep("TC-02", "The Dashboard greets you by your business name. Click View Profile to go to My Profile (My Profile is also in the menu under your name).");
  await page.getByRole("link", { name: "View Profile" }).click();
  await page.getByRole("heading", { name: "My Profile" }).waitFor();
  await checkA11y(page, "My Profile");

  // 3. In Quick Links, choose Manage API Access.
  const quickLinks = page.getByRole("complementary", { name: "Quick Links" });
  await quickLinks.getByRole("link", { name: "Manage API Access" }).focus();
  await atStep("TC-03", "My Profile shows your registration details. In the Quick Links panel on the right, click Manage API Access.");
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
  await atStep("TC-04", "The Manage API Access page says whether access is on now. Under Enable API Request, select Yes.");
  await page.getByRole("radio", { name: "Yes" }).check();
  await duration.waitFor({ state: "visible" });
  await checkA11y(page, "Manage API Access with Yes chosen");
  await atStep("TC-05", "With Yes selected, the Duration drop-down appears below it. (Selecting No hides it again.)");

  // 6. Choose a duration.
  const labels = await duration.locator("option").allTextContents();
  assert.deepEqual(labels, ["Select", "6 Hours", "12 Hours", "1 Day", "2 Days", "7 Days", "15 Days", "30 Days"]);
  await duration.selectOption({ label: "7 Days" });
  await page.getByRole("button", { name: "CONFIRM" }).focus();
  await atStep("TC-06", "Pick how long the software may act for you, anything from 6 Hours to 30 Days; here 7 Days.");

  // 7. Confirm.
  await page.getByRole("button", { name: "CONFIRM" }).click();
  await page.getByRole("status").filter({ hasText: "Your choice has been saved." }).waitFor();
  const enabledText = (await status.textContent()).trim();
  assert.match(enabledText, STATUS_ENABLED);
  await checkA11y(page, "Manage API Access after Confirm");
  await atStep("TC-07", "Click CONFIRM. The page tells you the choice was saved and until when API access is enabled, in Indian Standard Time. The change is also listed under Recent changes.");

  // The choice sticks: a reload shows it with Yes checked and 7 days left; the
  // drop-down starts at Select, since a Confirm would start a new period.
  await page.reload();
  assert.equal((await status.textContent()).trim(), enabledText);
  assert.ok(await page.getByRole("radio", { name: "Yes" }).isChecked());
  assert.equal((await page.locator("#api-access-left").textContent()).trim(), "Ends in 7 days.");
  assert.equal(await duration.inputValue(), "");
  const firstRow = page.getByRole("table").getByRole("row").nth(1);
  assert.match(await firstRow.textContent(), /Yes\s*7 Days/);
  return enabledText;
}

/**
 * The manual's seven steps at 1280 px: enables API access for 7 days, then disables it.
 * Saves the "seven-steps" chapter once its pictures are complete.
 */
export async function walkSevenSteps({ browser, base }, guide) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    await walkToSevenDays(
      page,
      `${base}/login`,
      { ...TAXPAYER, greeting: TAXPAYER.legalName },
      (caseId, caption) => guide.shoot(page, caseId, caption),
    );
    const guideFile = guide.save();
    const html = readFileSync(guideFile, "utf8");
    const images = html.match(/src="data:image\/png;base64,/g) ?? [];
    assert.ok(images.length >= 7, `the guide holds ${images.length} pictures`);
    // Every step's picture is numbered by its test case.
    for (const n of [1, 2, 3, 4, 5, 6, 7]) {
      assert.ok(html.includes(`data-test-case="TC-0${n}"`), `the guide has no figure TC-0${n}`);
    }

    // Ending access early: No, then Confirm.
    const duration = page.getByLabel("Duration");
    await page.getByRole("radio", { name: "No" }).check();
    await duration.waitFor({ state: "hidden" });
    await page.getByRole("button", { name: "CONFIRM" }).click();
    await page.getByRole("status").filter({ hasText: "Your choice has been saved." }).waitFor();
    assert.match(await statusText(page), /^API access is disabled since \d{2}\/\d{2}\/\d{4} \d{2}:\d{2} (AM|PM) IST$/);
    assert.equal(await page.getByRole("table").getByRole("row").count(), 3);
    await checkA11y(page, "Manage API Access after No");
  } finally {
    await page.close();
  }
}

/**
 * The GSP story: access on, a GSP client (registered here by the command line) takes a
 * token with the OTP the taxpayer reads under Messages, "Applications with access" lists
 * it, No empties the list and the GSP's next call is refused. Saves the "gsp-story" chapter.
 */
export async function walkGspStory({ browser, base, database }, guide) {
  const gsp = addGspClient(database, "Sahaj Returns");

  async function api(path, { body, headers = {} } = {}) {
    const res = await fetch(`${base}${path}`, {
      method: body ? "POST" : "GET",
      headers: {
        clientid: gsp.clientId,
        "client-secret": gsp.clientSecret,
        ...(body ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, json: await res.json() };
  }
  const authenticate = (body) => api("/taxpayerapi/v1.0/authenticate", { body: { username: TAXPAYER.username, app_key: "k", ...body } });
  const profile = (token) =>
    api("/taxpayerapi/v1.0/profile", { headers: { "auth-token": token, username: TAXPAYER.username, gstin: TAXPAYER.gstin } });

  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    await page.goto(`${base}/login`);
    await page.getByLabel("Username").fill(TAXPAYER.username);
    await page.getByLabel("Password").fill(TAXPAYER.password);
    await page.getByRole("button", { name: "LOGIN" }).click();
    await page.getByRole("heading", { name: `Welcome ${TAXPAYER.legalName}` }).waitFor();

    // Before access is enabled the GSP is refused.
    const refused = await authenticate({ action: "OTPREQUEST" });
    assert.equal(refused.json.error.error_cd, "AUTH4037");

    await page.getByRole("link", { name: "View Profile" }).click();
    await page.getByRole("complementary", { name: "Quick Links" }).getByRole("link", { name: "Manage API Access" }).click();
    await page.getByRole("radio", { name: "Yes" }).check();
    await page.getByLabel("Duration").selectOption({ label: "30 Days" });
    await page.getByRole("button", { name: "CONFIRM" }).click();
    await page.getByRole("status").filter({ hasText: "Your choice has been saved." }).waitFor();
    assert.equal(await page.getByRole("heading", { name: "Applications with access" }).isVisible(), true);
    await page.getByText("No GSP or ASP application holds a session for you now.").waitFor();
    await checkA11y(page, "Manage API Access with access on");
    await guide.shoot(page, "TC-07", "API access is on for 30 days. No GSP or ASP software holds a session yet: the list under Applications with access is empty.");

    // The GSP asks for an OTP; it arrives under Messages in the user menu. (No QA case
    // covers the OTP message itself.)
    // The menu counts it as new until the Messages page has shown it.
    assert.equal((await authenticate({ action: "OTPREQUEST" })).json.status_cd, "1");
    await page.reload();
    const menu = page.getByText(`Account menu of ${TAXPAYER.legalName}`);
    assert.match(await menu.textContent(), /, 1 unread message$/);
    await menu.click();
    const messagesLink = page.getByRole("link", { name: "Messages" });
    assert.equal((await messagesLink.innerText()).replace(/\s+/g, " "), "Messages 1 new");
    await messagesLink.click();
    await page.getByRole("heading", { name: "Messages" }).waitFor();
    await page.getByRole("status").filter({ hasText: "1 new message since you last looked." }).waitFor();
    await page.locator("#message-list li").first().getByText("New", { exact: true }).waitFor();
    assert.equal(await page.getByText("unread message").count(), 0, "the header's count is gone once seen");
    await checkA11y(page, "Messages");
    await guide.shoot(page, null, "The GSP software asks the portal for an OTP. It is sent to the taxpayer, like a text message, and can be read under Messages in the menu under the business name; the menu counts it as new until this page has shown it. The taxpayer gives it to the GSP.");
    const message = await page.locator("#message-list li").first().textContent();
    assert.match(message, new RegExp(`GSTIN ${TAXPAYER.gstin}`));
    const otp = message.match(/\b(\d{6})\b/)[1];

    // With the OTP the GSP gets a token and reads the profile.
    const token = await authenticate({ action: "AUTHTOKEN", otp });
    assert.equal(token.status, 200);
    assert.equal(token.json.expiry, 360);
    const ok = await profile(token.json.auth_token);
    assert.equal(ok.status, 200);
    assert.equal(ok.json.data.gstin, TAXPAYER.gstin);

    // The taxpayer sees it under "Applications with access" (no QA case for that list).
    await page.goto(`${base}/profile/api-access`);
    const apps = page.getByRole("table").filter({ hasText: "Application" }).first();
    await apps.getByRole("cell", { name: "Sahaj Returns" }).waitFor();
    await checkA11y(page, "Manage API Access with an application listed");
    await guide.shoot(page, null, "With the OTP the GSP gets a session. Manage API Access now lists it under Applications with access, with when it started, when it was last used and when it ends.");

    // Before Confirm, the page says what No will do to the open session.
    await page.getByText("Choosing No ends API access at once and disconnects the 1 GSP session that is open now.").waitFor();

    // No: the list empties, the notice counts the session it ended, and the GSP's
    // very next call is refused.
    await page.getByRole("radio", { name: "No" }).check();
    await page.getByRole("button", { name: "CONFIRM" }).click();
    await page.getByRole("status").filter({ hasText: "API access is disabled" }).waitFor();
    await page.getByRole("status").filter({ hasText: "GSP sessions ended: 1." }).waitFor();
    await page.getByText("No GSP or ASP application holds a session for you now.").waitFor();
    await checkA11y(page, "Manage API Access after No");
    await guide.shoot(page, "TC-08", "Choosing No and CONFIRM ends access and every GSP session at once: the list is empty again, and Recent changes records how many sessions the No ended. The GSP's next call is refused.");
    guide.save();
    const cut = await profile(token.json.auth_token);
    assert.equal(cut.status, 403);
    assert.equal(cut.json.error.error_cd, "AUTH4037");
  } finally {
    await page.close();
  }
}

/**
 * The seven steps with JavaScript turned off: the Duration drop-down is always there.
 * One picture for "other-ways"; the chapter is saved by whoever runs all three walks.
 */
export async function walkWithoutJavaScript({ browser, base }, guide) {
  const context = await openContext(browser, { javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await checkA11y(page, "the login page without JavaScript");
    await page.getByLabel("Username").fill(TAXPAYER.username);
    await page.getByLabel("Password").fill(TAXPAYER.password);
    await page.getByRole("button", { name: "LOGIN" }).click();
    await page.getByRole("heading", { name: `Welcome ${TAXPAYER.legalName}` }).waitFor();
    await checkA11y(page, "the Dashboard without JavaScript");

    await page.getByRole("link", { name: "View Profile" }).click();
    await page.getByRole("heading", { name: "My Profile" }).waitFor();
    await checkA11y(page, "My Profile without JavaScript");

    await page.getByRole("complementary", { name: "Quick Links" }).getByRole("link", { name: "Manage API Access" }).click();
    await page.getByRole("heading", { name: "Manage API Access" }).waitFor();
    await checkA11y(page, "Manage API Access without JavaScript");
    // Nothing can hide the drop-down, so it is there from the start, with No chosen.
    assert.ok(await page.getByRole("radio", { name: "No" }).isChecked());
    assert.ok(await page.getByLabel("Duration").isVisible());
    await guide.shoot(
      page,
      "TC-04",
      "Without JavaScript the Duration drop-down is always on the page. Choose Yes and a duration to switch access on; with No chosen, the portal ignores the drop-down.",
    );

    await page.getByRole("radio", { name: "Yes" }).check();
    await page.getByLabel("Duration").selectOption({ label: "7 Days" });
    await page.getByRole("button", { name: "CONFIRM" }).click();
    await page.getByRole("status").filter({ hasText: "Your choice has been saved." }).waitFor();
    assert.match(await statusText(page), STATUS_ENABLED);
    await checkA11y(page, "Manage API Access after Confirm, without JavaScript");

    // A duration left at "Select" while No is chosen is ignored: No is saved.
    await page.getByRole("radio", { name: "No" }).check();
    await page.getByLabel("Duration").selectOption({ label: "Select" });
    await submitForm(page, page.getByRole("button", { name: "CONFIRM" }));
    await page.getByRole("status").filter({ hasText: "Your choice has been saved." }).waitFor();
    assert.match(await statusText(page), /^API access is disabled since \d{2}\/\d{2}\/\d{4} \d{2}:\d{2} (AM|PM) IST$/);
  } finally {
    await context.close();
  }
}

/** The seven steps on a phone 375 px wide, by touch: every page fits. Two pictures. */
export async function walkOnPhone({ browser, base }, guide) {
  const context = await openContext(browser, PHONE);
  try {
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await assertFitsScreen(page, "the login page");
    await page.getByLabel("Username").tap();
    await page.getByLabel("Username").fill(TAXPAYER.username);
    await page.getByLabel("Password").tap();
    await page.getByLabel("Password").fill(TAXPAYER.password);
    await page.getByRole("button", { name: "LOGIN" }).tap();
    await page.getByRole("heading", { name: `Welcome ${TAXPAYER.legalName}` }).waitFor();
    await assertFitsScreen(page, "the Dashboard");

    await page.getByRole("link", { name: "View Profile" }).tap();
    await page.getByRole("heading", { name: "My Profile" }).waitFor();
    await assertFitsScreen(page, "My Profile");

    const link = page.getByRole("complementary", { name: "Quick Links" }).getByRole("link", { name: "Manage API Access" });
    await link.tap();
    await page.getByRole("heading", { name: "Manage API Access" }).waitFor();
    await assertFitsScreen(page, "Manage API Access");

    await page.getByRole("radio", { name: "Yes" }).tap();
    const duration = page.getByLabel("Duration");
    await duration.waitFor({ state: "visible" });
    const box = await duration.boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 375, `the drop-down sits at ${box.x}..${box.x + box.width}`);
    await duration.selectOption({ label: "7 Days" });
    await guide.shoot(
      page,
      "TC-06",
      "On a phone everything is in one column and the menu wraps onto several lines. Tap Yes, pick a duration, then tap CONFIRM.",
    );
    await page.getByRole("button", { name: "CONFIRM" }).tap();
    await page.getByRole("status").filter({ hasText: "Your choice has been saved." }).waitFor();
    assert.match(await statusText(page), STATUS_ENABLED);
    await assertFitsScreen(page, "Manage API Access after Confirm");
    await guide.shoot(
      page,
      "TC-07",
      "After CONFIRM on a phone: the saved message and the new status, as on a computer. Wide tables such as Recent changes scroll sideways inside their box.",
    );

    // The account menu opens and fits too.
    await page.getByText(`Account menu of ${TAXPAYER.legalName}`).tap();
    await page.getByRole("button", { name: "Logout" }).waitFor();
    await assertFitsScreen(page, "the open account menu");

    // The page for GSP developers, with its long curl examples, fits as well: the
    // examples scroll inside their boxes, and those boxes can take the focus.
    await page.goto(`${base}/taxpayerapi`);
    await page.getByRole("heading", { name: "GSP API simulator" }).waitFor();
    await assertFitsScreen(page, "the API simulator's page");
  } finally {
    await context.close();
  }
}

/** The seven steps with the keyboard alone: Tab, arrow keys, Space and Enter. Two pictures. */
export async function walkByKeyboard({ browser, base }, guide) {
  const context = await openContext(browser);
  try {
    const page = await context.newPage();
    const keys = page.keyboard;

    // Presses Tab until `target` has the focus, as a person would watch the focus move.
    async function tabTo(target, what) {
      const trail = [];
      for (let presses = 0; presses < 40; presses += 1) {
        if (await target.evaluate((el) => el === document.activeElement)) {
          return;
        }
        await keys.press("Tab");
        trail.push(await page.evaluate(() => {
          const el = document.activeElement;
          return `${el.tagName.toLowerCase()} "${(el.getAttribute("aria-label") ?? el.textContent ?? "").trim().slice(0, 30)}"`;
        }));
      }
      assert.fail(`Tab never reached ${what}; the focus went to: ${trail.join(", ")}`);
    }

    // 1. Log in.
    await page.goto(`${base}/login`);
    await checkA11y(page, "the login page");
    await tabTo(page.getByLabel("Username"), "Username");
    await keys.type(TAXPAYER.username);
    await tabTo(page.getByLabel("Password"), "Password");
    await keys.type(TAXPAYER.password);
    await keys.press("Enter");
    await page.getByRole("heading", { name: `Welcome ${TAXPAYER.legalName}` }).waitFor();
    await checkA11y(page, "the Dashboard");

    // The first Tab on a page reaches the skip link, which jumps over the navigation.
    // The skip link is not one of the QA cases, so this picture carries none.
    await keys.press("Tab");
    const skip = page.getByRole("link", { name: "Skip to main content" });
    assert.ok(await skip.evaluate((el) => el === document.activeElement));
    assert.ok(await skip.isVisible(), "the skip link shows when it has the focus");
    await guide.shoot(
      page,
      null,
      "By keyboard: the first Tab on every page shows a \"Skip to main content\" link; press Enter on it to jump past the menus.",
    );

    // 2. My Profile.
    await tabTo(page.getByRole("link", { name: "View Profile" }), "View Profile");
    await keys.press("Enter");
    await page.getByRole("heading", { name: "My Profile" }).waitFor();
    await checkA11y(page, "My Profile");

    // 3. Quick Links: Manage API Access.
    await tabTo(
      page.getByRole("complementary", { name: "Quick Links" }).getByRole("link", { name: "Manage API Access" }),
      "Manage API Access in Quick Links",
    );
    await keys.press("Enter");
    await page.getByRole("heading", { name: "Manage API Access" }).waitFor();
    await checkA11y(page, "Manage API Access");

    // 4-5. Tab reaches the chosen radio button (No); an arrow key moves the choice to
    // Yes, and the Duration drop-down appears.
    const yes = page.getByRole("radio", { name: "Yes" });
    await tabTo(page.getByRole("radio", { name: "No" }), "the No radio button");
    await keys.press("ArrowLeft");
    assert.ok(await yes.isChecked());
    const duration = page.getByLabel("Duration");
    await duration.waitFor({ state: "visible" });

    // 6. Tab to Duration; arrow down through the list to 7 Days.
    await tabTo(duration, "Duration");
    for (let presses = 0; presses < 10 && (await duration.inputValue()) !== "168"; presses += 1) {
      await keys.press("ArrowDown");
    }
    assert.equal(await duration.inputValue(), "168");
    assert.equal(await duration.locator("option:checked").textContent(), "7 Days");
    await checkA11y(page, "Manage API Access with Yes and 7 Days chosen");

    // 7. Tab to CONFIRM and press Space. The picture shows the state of step 6 (a
    // duration chosen, CONFIRM next), as the seven-steps chapter's TC-06 does.
    await tabTo(page.getByRole("button", { name: "CONFIRM" }), "CONFIRM");
    await guide.shoot(
      page,
      "TC-06",
      "Tab moves the focus from field to field and a ring shows where it is. The arrow keys choose Yes or No and move through the durations; on CONFIRM, press Space or Enter.",
    );
    await keys.press("Space");
    await page.getByRole("status").filter({ hasText: "Your choice has been saved." }).waitFor();
    assert.match(await statusText(page), STATUS_ENABLED);
    await checkA11y(page, "Manage API Access after Confirm");

    // Back to No by the keyboard: the drop-down hides again and No is saved.
    await tabTo(yes, "the Yes radio button");
    await keys.press("ArrowRight");
    assert.ok(await page.getByRole("radio", { name: "No" }).isChecked());
    await duration.waitFor({ state: "hidden" });
    await tabTo(page.getByRole("button", { name: "CONFIRM" }), "CONFIRM");
    await Promise.all([page.waitForEvent("load"), keys.press("Enter")]);
    assert.match(await statusText(page), /^API access is disabled since \d{2}\/\d{2}\/\d{4} \d{2}:\d{2} (AM|PM) IST$/);
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------------
// Classroom mode (demo mode only). These walks need a portal started with DEMO_PORTAL
// (portal.js), which knows the trainer password; they make their own trainees.

/** The width the trainer's pictures are taken at: a common laptop screen. */
const LAPTOP = { viewport: { width: 1366, height: 768 } };

/** A trainee's card on the printed sheet, read by its labels. */
async function readCard(card) {
  const field = async (label) => (await card.locator(`dt:text-is("${label}") + dd`).textContent()).trim();
  const business = card.locator(".card__business");
  return {
    username: await field("Username"),
    password: await field("Password"),
    address: await field("Open"),
    // The business line is the trade name; the legal name the Dashboard greets by
    // begins with it.
    greeting: (await business.evaluate((el) => el.firstChild.textContent)).trim(),
    gstin: (await business.locator(".card__gstin").textContent()).replace(/^GSTIN\s+/, "").trim(),
  };
}

/**
 * The board's cell for `username` under the column headed `step` ("Logged in"...).
 * The locator is found afresh each time it is used, so it follows the board across
 * the refreshes that replace the table.
 */
async function boardCell(board, username, step) {
  const headings = (await board.locator("#board-table thead th").allTextContents()).map((t) => t.trim());
  const column = headings.indexOf(step);
  assert.ok(column > 0, `the board has no column "${step}": ${headings.join(", ")}`);
  const row = board.locator("#board-table tbody tr").filter({
    has: board.locator("th .board__user").getByText(username, { exact: true }),
  });
  return row.locator("th, td").nth(column);
}

/** Waits, up to two of the board's refreshes, until the cell says when the step happened. */
async function boardShows(board, username, step, text = /^✓ .*\d{2}\/\d{2}\/\d{4} \d{2}:\d{2} (AM|PM) IST$/) {
  const cell = await boardCell(board, username, step);
  try {
    await cell.filter({ hasText: text }).waitFor({ timeout: 15_000 });
  } catch {
    assert.fail(`the board did not come to show "${step}" for ${username} by itself; the cell says "${(await cell.textContent()).trim()}"`);
  }
  return (await cell.textContent()).trim();
}

/** Tries a password on the login page and returns what the alert says. */
async function tryPassword(page, username, password) {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await submitForm(page, page.getByRole("button", { name: "LOGIN" }));
  const alert = page.getByRole("alert");
  await alert.waitFor();
  return (await alert.textContent()).trim();
}

/**
 * Issue 14's classroom story, as the trainer and three trainees live it, each in a
 * browser context of their own (own cookies, as on their own machines):
 *
 * 1. The trainer logs in to the console, adds 3 trainees under Trainees and controls
 *    and opens the printable sheet: a card per trainee with username, password, the
 *    address and its QR code.
 * 2. Trainee 1 opens the address on their card, logs in with the printed password and
 *    walks the manual's seven steps to a Confirm of Yes for 7 Days.
 * 3. Meanwhile the progress board, open on the trainer's screen and never reloaded,
 *    fills in each of those steps by itself.
 * 4. Trainee 2 locks their account with wrong passwords while trainee 3 is logged in;
 *    the trainer unlocks trainee 2 from the console; trainee 2 logs in, and trainee 3's
 *    session is still alive.
 *
 * The trainer's screens are photographed at 1366 px (the board and the sheet also at
 * 375 px, the sheet also as printed) for the "classroom" chapter, which is saved at the end.
 */
export async function walkClassroom({ browser, base }, guide) {
  const contexts = [];
  const newContext = async (options = LAPTOP) => {
    const context = await openContext(browser, options);
    contexts.push(context);
    return context;
  };
  try {
    // 1. The trainer's console, its Classroom section, and three trainees.
    const trainer = await (await newContext()).newPage();
    await logInAsTrainer(trainer, base);
    await checkA11y(trainer, "the trainer console");
    const classroomSection = trainer.getByRole("region", { name: "Classroom" });
    // The tests' portal listens on 127.0.0.1: the console says a room cannot reach it.
    await classroomSection.getByRole("note").filter({ hasText: "trainees on other machines cannot reach it" }).waitFor();
    assert.ok((await classroomSection.locator(".address-list").textContent()).includes(base));
    await guide.shoot(trainer, null, "On the trainer console, the Classroom section gives the address trainees open. This portal listens on this computer only, so it says how to start it for a room. Click Trainees and controls.", { part: classroomSection });
    await classroomSection.getByRole("link", { name: "Trainees and controls" }).click();
    await trainer.getByRole("heading", { name: "Classroom", level: 1 }).waitFor();
    assert.equal(new URL(trainer.url()).pathname, "/trainer/classroom");
    await trainer.getByText("No trainees yet.").waitFor();
    await checkA11y(trainer, "the classroom page with no trainees");

    await trainer.getByLabel("How many trainees").fill("3");
    await trainer.getByRole("button", { name: "ADD TRAINEES" }).click();
    await trainer.getByRole("status").filter({ hasText: "3 trainee(s) added." }).waitFor();
    await trainer.getByRole("heading", { name: "Trainees (3)" }).waitFor();
    const trainees = trainer.locator("#trainees tbody tr");
    assert.equal(await trainees.count(), 3);
    assert.deepEqual(await trainees.locator('td[data-label="Username"]').allTextContents(), ["trainee01", "trainee02", "trainee03"]);
    await checkA11y(trainer, "the classroom page with three trainees");
    await guide.shoot(trainer, null, "Type how many trainees you need and click ADD TRAINEES. Each one gets a username, a fictitious business and GSTIN, and a password. The buttons on a trainee's row act on that trainee alone.");

    // The printable sheet: one card per trainee.
    await trainer.getByRole("link", { name: "Printable sheet" }).click();
    await trainer.getByRole("heading", { name: "Trainee sheet (3 cards)" }).waitFor();
    await checkA11y(trainer, "the printable sheet");
    const cardBoxes = trainer.getByRole("article");
    assert.equal(await cardBoxes.count(), 3);
    const cards = [];
    for (const card of await cardBoxes.all()) {
      const read = await readCard(card);
      assert.equal(await card.getAttribute("aria-label"), `Card of ${read.username}`);
      assert.match(read.password, /^\S{8,}$/, `${read.username}'s card shows no password`);
      assert.equal(read.address, `${base}/login`);
      assert.match(read.gstin, /^\d{2}[A-Z]{5}\d{4}[A-Z]\dZ[0-9A-Z]$/);
      // The QR code is an SVG from the portal itself, and it has loaded.
      const qr = card.getByRole("img", { name: `QR code of ${read.address}` });
      assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), `${read.username}'s QR code did not load`);
      const svg = await trainer.context().request.get(new URL(await qr.getAttribute("src"), base).href);
      assert.equal(svg.status(), 200);
      assert.match(svg.headers()["content-type"], /^image\/svg\+xml/);
      assert.match(await svg.text(), /<svg[\s>]/);
      cards.push(read);
    }
    assert.deepEqual(cards.map((c) => c.username), ["trainee01", "trainee02", "trainee03"]);
    await guide.shoot(trainer, null, "Click Printable sheet: a card for each trainee with the address to open (also as a QR code), their username and their password.");

    // Printed: the heading and the instructions go, and the cards sit two abreast.
    await trainer.emulateMedia({ media: "print" });
    assert.equal(await trainer.locator(".sheet-intro").isVisible(), false);
    const columns = await trainer.locator(".sheet").evaluate((el) => getComputedStyle(el).gridTemplateColumns.split(" ").length);
    assert.equal(columns, 2);
    await guide.shoot(trainer, null, "Print it (Ctrl+P). On paper only the cards remain, two to a row; cut along the dashed lines and hand each trainee their card.");
    await trainer.emulateMedia({ media: "screen" });

    // The same sheet on a phone: the cards stack and fit the screen.
    const phone = await (await newContext(PHONE)).newPage();
    await logInAsTrainer(phone, base);
    await phone.goto(`${base}/trainer/classroom/sheet`);
    await assertFitsScreen(phone, "the printable sheet");
    await guide.shoot(phone, null, "On a phone the sheet shows one card under another, so a trainee's password can be read out from it.");

    // 2-3. The board is open on the trainer's screen before trainee 1 starts, and
    // stays open: a mark left in the page shows that it is never reloaded.
    await trainer.goto(`${base}/trainer/classroom/board`);
    await trainer.getByRole("heading", { name: "Progress board" }).waitFor();
    await checkA11y(trainer, "the progress board");
    const [first, second, third] = cards;
    for (const step of ["Logged in", "Opened My Profile", "Opened Manage API Access", "Confirmed Yes"]) {
      assert.equal((await (await boardCell(trainer, first.username, step)).textContent()).trim(), "Not yet");
    }
    await trainer.evaluate(() => { window.boardNeverReloaded = true; });

    const one = await (await newContext()).newPage();
    await walkToSevenDays(one, first.address, first, async (caseId) => {
      // Just logged in: the board picks it up by itself, within a refresh or two.
      if (caseId === "TC-02") {
        await boardShows(trainer, first.username, "Logged in");
        assert.equal((await (await boardCell(trainer, first.username, "Opened My Profile")).textContent()).trim(), "Not yet");
      }
    });
    await boardShows(trainer, first.username, "Opened My Profile");
    await boardShows(trainer, first.username, "Opened Manage API Access");
    await boardShows(trainer, first.username, "Confirmed Yes", /^✓ 7 Days, \d{2}\/\d{2}\/\d{4} \d{2}:\d{2} (AM|PM) IST$/);
    assert.equal((await (await boardCell(trainer, first.username, "Confirmed No")).textContent()).trim(), "Not yet");
    assert.equal(await trainer.evaluate(() => window.boardNeverReloaded), true, "the board was reloaded");
    const totals = trainer.getByRole("list", { name: "Trainees per step" });
    assert.match(await totals.textContent(), /Logged in: 1\/3/);
    assert.match(await totals.textContent(), /Confirmed Yes: 1\/3/);
    // The others have done nothing yet.
    for (const other of [second, third]) {
      assert.equal((await (await boardCell(trainer, other.username, "Logged in")).textContent()).trim(), "Not yet");
    }
    await checkA11y(trainer, "the progress board after a trainee's steps");
    await guide.shoot(trainer, null, "Open the Progress board while the room works. It fills in by itself: when each trainee logged in, opened My Profile and Manage API Access, and the duration of their Yes.");

    await phone.goto(`${base}/trainer/classroom/board`);
    await boardShows(phone, first.username, "Confirmed Yes", /7 Days/);
    await assertFitsScreen(phone, "the progress board");
    await guide.shoot(phone, null, "On a phone the board's table scrolls sideways inside its box; the totals above it fit the screen.");

    await trainer.getByRole("link", { name: "Projector view" }).click();
    await trainer.getByRole("heading", { name: /^Classroom progress/ }).waitFor();
    await boardShows(trainer, first.username, "Confirmed Yes", /7 Days/);
    await trainer.getByText("No GSP calls yet.").waitFor();
    await checkA11y(trainer, "the projector view");
    await guide.shoot(trainer, null, "For the wall screen, open the Projector view: the same board in large type, and below it the GSP calls with their results in words.");

    // 4. Trainee 3 logs in and stays; trainee 2 locks their account.
    const three = await (await newContext()).newPage();
    await logIn(three, base, third);
    const two = await (await newContext()).newPage();
    await two.goto(second.address);
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      assert.equal(await tryPassword(two, second.username, `Wrong@${attempt}xyz`), "Invalid Username or Password. Please try again.");
    }
    assert.match(await tryPassword(two, second.username, "Wrong@5xyz"), /^Too many failed logins: this account is locked until /);
    assert.match(await tryPassword(two, second.username, second.password), /^Too many failed logins/, "the printed password opened a locked account");

    // The trainer sees the lock on the classroom page and ends it.
    await trainer.goto(`${base}/trainer/classroom`);
    const lockOf = (username) => trainer.locator("#trainees tbody tr").filter({ hasText: username }).locator('td[data-label="Login lock"]');
    assert.match((await lockOf(second.username).textContent()).trim(), /^Locked until \d{2}\/\d{2}\/\d{4} /);
    assert.equal((await lockOf(third.username).textContent()).trim(), "-");
    await checkA11y(trainer, "the classroom page with a trainee locked");
    await trainer.getByRole("button", { name: `Unlock ${second.username}` }).focus();
    await guide.shoot(trainer, null, "A trainee who typed five wrong passwords is locked out, as the Login lock column shows. Click Unlock on their row: they can log in again, and nobody else is logged out.");
    await trainer.getByRole("button", { name: `Unlock ${second.username}` }).click();
    await trainer.getByRole("status").filter({ hasText: `${second.username} is unlocked and can log in again.` }).waitFor();
    assert.equal((await lockOf(second.username).textContent()).trim(), "-");

    // Trainee 2 gets in with the printed password; trainees 3 and 1 are still logged in.
    await logIn(two, base, second);
    await three.goto(`${base}/profile`);
    await three.getByRole("heading", { name: "My Profile" }).waitFor();
    await three.getByText(third.gstin).first().waitFor();
    await one.reload();
    await one.getByRole("heading", { name: "Manage API Access" }).waitFor();
    assert.match(await statusText(one), STATUS_ENABLED);
    guide.save();
  } finally {
    for (const context of contexts) {
      await context.close();
    }
  }
}

/**
 * The trainer shows a demo taxpayer's screens from the console, in one browser: "Log in
 * as" opens a new tab that trades a one-time ticket at /login/as/… for a taxpayer
 * session; the console's own session, in a cookie of its own, is untouched, so the
 * trainer flips back to it without logging in. Logging out of either tab leaves the other.
 */
export async function walkLogInAs({ browser, base }) {
  const context = await openContext(browser, LAPTOP);
  const stranger = await openContext(browser);
  try {
    const tickets = [];
    context.on("request", (request) => {
      if (/\/login\/as\/[^/]+$/.test(new URL(request.url()).pathname)) {
        tickets.push(request.url());
      }
    });
    const consoleTab = await context.newPage();
    await logInAsTrainer(consoleTab, base);
    const accounts = consoleTab.getByRole("region", { name: "Demo accounts and GSP credentials" });
    await checkA11y(consoleTab, "the trainer console");

    // "Log in as" opens the taxpayer's Dashboard in a new tab.
    const logInAs = async () => {
      const [tab] = await Promise.all([
        context.waitForEvent("page"),
        accounts.getByRole("button", { name: "Log in as demo.enabled" }).click(),
      ]);
      await tab.getByRole("heading", { name: /^Welcome / }).waitFor();
      assert.equal(new URL(tab.url()).pathname, "/dashboard");
      return tab;
    };
    const tab = await logInAs();
    const legalName = (await tab.getByRole("heading", { name: /^Welcome / }).textContent()).trim().replace(/^Welcome /, "");
    assert.equal(tickets.length, 1, "the new tab went through one /login/as/ ticket");
    // It is the taxpayer the console lists as demo.enabled.
    const listed = accounts.locator("tbody tr").filter({ hasText: "demo.enabled" });
    const gstin = (await listed.locator('td[data-label="GSTIN"]').textContent()).trim();
    await tab.getByText(gstin).first().waitFor();

    // The trainer shows the taxpayer's Manage API Access page, as the manual reaches it.
    await tab.getByRole("link", { name: "View Profile" }).click();
    await tab.getByRole("complementary", { name: "Quick Links" }).getByRole("link", { name: "Manage API Access" }).click();
    await tab.getByRole("heading", { name: "Manage API Access" }).waitFor();
    assert.match(await statusText(tab), STATUS_ENABLED);
    await checkA11y(tab, "a demo taxpayer's Manage API Access, opened from the console");

    // Two sessions side by side in one browser, each in a cookie of its own.
    const names = (await context.cookies()).map((c) => c.name);
    assert.ok(names.includes("gst_trainer"), `no trainer cookie among ${names}`);
    assert.ok(names.includes("gst_session"), `no taxpayer cookie among ${names}`);

    // The ticket was good once: another browser that tries it is turned away.
    const reuse = await stranger.newPage();
    const refused = await reuse.goto(tickets[0]);
    assert.equal(refused.status(), 410);
    await reuse.getByText("This Log in as link has been used or is more than a minute old.").waitFor();

    // Back on the console tab: still logged in, and its forms still work.
    await consoleTab.bringToFront();
    await consoleTab.reload();
    await consoleTab.getByRole("heading", { name: "Trainer console", exact: true }).waitFor();
    await submitForm(consoleTab, consoleTab.getByRole("button", { name: "Back to real time" }));
    await consoleTab.getByRole("status").filter({ hasText: /^Demo clock: / }).waitFor();

    // Logging out of the taxpayer's tab leaves the console open.
    await tab.bringToFront();
    await tab.getByText(`Account menu of ${legalName}`).click();
    await tab.getByRole("button", { name: "Logout" }).click();
    await tab.getByRole("heading", { name: "Login", exact: true }).waitFor();
    await consoleTab.bringToFront();
    await consoleTab.reload();
    await consoleTab.getByRole("heading", { name: "Trainer console", exact: true }).waitFor();
    await tab.goto(`${base}/profile/api-access`);
    await tab.getByRole("heading", { name: "Login", exact: true }).waitFor();
    await tab.close();

    // And the other way round: logging out of the console leaves the taxpayer's tab.
    const again = await logInAs();
    await consoleTab.bringToFront();
    await submitForm(consoleTab, consoleTab.getByRole("button", { name: "Log out of the console" }));
    await consoleTab.goto(`${base}/trainer`);
    await consoleTab.getByRole("heading", { name: "Trainer console: login" }).waitFor();
    await again.bringToFront();
    await again.goto(`${base}/profile/api-access`);
    await again.getByRole("heading", { name: "Manage API Access" }).waitFor();
  } finally {
    await stranger.close();
    await context.close();
  }
}
