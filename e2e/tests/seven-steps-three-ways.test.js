// The manual's seven steps again, three more ways a person may come: with JavaScript
// turned off, on a phone 375 pixels wide, and with the keyboard alone. Each walk starts
// from the login page and ends with the status text after CONFIRM. A few pictures of
// each walk go into the guide's chapter "other-ways".

import { test, after } from "node:test";
import assert from "node:assert/strict";
import { usePortal, submitForm, TAXPAYER } from "../portal.js";
import { assertFitsScreen, checkA11y, openContext, PHONE } from "../a11y.js";
import { Chapter } from "../guide.js";

const guide = new Chapter("other-ways");
const SHOTS = 5;

// Each walk starts from a taxpayer who has never enabled access: a fresh portal each.
const portal = usePortal({ perTest: true });

after(() => {
  // Only a complete chapter replaces the one a previous run saved.
  if (guide.shots.length === SHOTS) {
    guide.save();
  }
});

const STATUS_ENABLED = /^API access is enabled until \d{2}\/\d{2}\/\d{4} \d{2}:\d{2} (AM|PM) IST$/;
const statusText = async (page) => (await page.locator("#api-access-status").textContent()).trim();

test("without JavaScript: the Duration drop-down is always there and the steps still work", async () => {
  const context = await openContext(portal.browser, { javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    await page.goto(`${portal.base}/login`);
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
    assert.equal(await statusText(page), "API access is disabled");
  } finally {
    await context.close();
  }
});

test("on a phone 375 pixels wide: every step fits the screen", async () => {
  const context = await openContext(portal.browser, PHONE);
  try {
    const page = await context.newPage();
    await page.goto(`${portal.base}/login`);
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
      "On a phone everything is in one column and the menu wraps onto several lines. Tap Yes, pick a duration, then tap CONFIRM.",
    );
    await page.getByRole("button", { name: "CONFIRM" }).tap();
    await page.getByRole("status").filter({ hasText: "Your choice has been saved." }).waitFor();
    assert.match(await statusText(page), STATUS_ENABLED);
    await assertFitsScreen(page, "Manage API Access after Confirm");
    await guide.shoot(
      page,
      "After CONFIRM on a phone: the saved message and the new status, as on a computer. Wide tables such as Recent changes scroll sideways inside their box.",
    );

    // The account menu opens and fits too.
    await page.getByText(`Account menu of ${TAXPAYER.legalName}`).tap();
    await page.getByRole("button", { name: "Logout" }).waitFor();
    await assertFitsScreen(page, "the open account menu");

    // The page for GSP developers, with its long curl examples, fits as well: the
    // examples scroll inside their boxes, and those boxes can take the focus.
    await page.goto(`${portal.base}/taxpayerapi`);
    await page.getByRole("heading", { name: "GSP API simulator" }).waitFor();
    await assertFitsScreen(page, "the API simulator's page");
  } finally {
    await context.close();
  }
});

test("with the keyboard alone: Tab, arrow keys, Space and Enter", async () => {
  const context = await openContext(portal.browser);
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
    await page.goto(`${portal.base}/login`);
    await checkA11y(page, "the login page");
    await tabTo(page.getByLabel("Username"), "Username");
    await keys.type(TAXPAYER.username);
    await tabTo(page.getByLabel("Password"), "Password");
    await keys.type(TAXPAYER.password);
    await keys.press("Enter");
    await page.getByRole("heading", { name: `Welcome ${TAXPAYER.legalName}` }).waitFor();
    await checkA11y(page, "the Dashboard");

    // The first Tab on a page reaches the skip link, which jumps over the navigation.
    await keys.press("Tab");
    const skip = page.getByRole("link", { name: "Skip to main content" });
    assert.ok(await skip.evaluate((el) => el === document.activeElement));
    assert.ok(await skip.isVisible(), "the skip link shows when it has the focus");
    await guide.shoot(
      page,
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

    // 7. Tab to CONFIRM and press Space.
    await tabTo(page.getByRole("button", { name: "CONFIRM" }), "CONFIRM");
    await guide.shoot(
      page,
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
    assert.equal(await statusText(page), "API access is disabled");
  } finally {
    await context.close();
  }
});
