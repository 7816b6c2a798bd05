// The GSP story in a real browser: access on, a GSP client takes a token with the OTP
// the taxpayer reads under Messages, "Applications with access" lists it, No empties
// the list and the GSP's next call is refused. The taxpayer's pages are photographed
// for the guide's second chapter and checked with axe.

import { test } from "node:test";
import assert from "node:assert/strict";
import { usePortal, addGspClient, TAXPAYER } from "../portal.js";
import { checkA11y } from "../a11y.js";
import { Chapter } from "../guide.js";

let gsp;

const portal = usePortal({
  setup({ database }) {
    gsp = addGspClient(database, "Sahaj Returns");
  },
});

async function api(path, { body, headers = {} } = {}) {
  const res = await fetch(`${portal.base}${path}`, {
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

test("No shuts the GSP out at once", async () => {
  const page = await portal.browser.newPage({ viewport: { width: 1280, height: 800 } });
  const guide = new Chapter("gsp-story");
  try {
    await page.goto(`${portal.base}/login`);
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
    await guide.shoot(page, "API access is on for 30 days. No GSP or ASP software holds a session yet: the list under Applications with access is empty.");

    // The GSP asks for an OTP; it arrives under Messages in the user menu.
    assert.equal((await authenticate({ action: "OTPREQUEST" })).json.status_cd, "1");
    await page.getByText(`Account menu of ${TAXPAYER.legalName}`).click();
    await page.getByRole("link", { name: "Messages" }).click();
    await page.getByRole("heading", { name: "Messages" }).waitFor();
    await checkA11y(page, "Messages");
    await guide.shoot(page, "The GSP software asks the portal for an OTP. It is sent to the taxpayer, like a text message, and can be read under Messages in the menu under the business name. The taxpayer gives it to the GSP.");
    const message = await page.locator("#message-list li").first().textContent();
    assert.match(message, new RegExp(`GSTIN ${TAXPAYER.gstin}`));
    const otp = message.match(/\b(\d{6})\b/)[1];

    // With the OTP the GSP gets a token and reads the profile.
    const token = await authenticate({ action: "AUTHTOKEN", otp });
    assert.equal(token.status, 201);
    assert.equal(token.json.expiry, 360);
    const ok = await profile(token.json.auth_token);
    assert.equal(ok.status, 200);
    assert.equal(ok.json.data.gstin, TAXPAYER.gstin);

    // The taxpayer sees it under "Applications with access".
    await page.goto(`${portal.base}/profile/api-access`);
    const apps = page.getByRole("table").filter({ hasText: "Application" }).first();
    await apps.getByRole("cell", { name: "Sahaj Returns" }).waitFor();
    await checkA11y(page, "Manage API Access with an application listed");
    await guide.shoot(page, "With the OTP the GSP gets a session. Manage API Access now lists it under Applications with access, with when it started, when it was last used and when it ends.");

    // No: the list empties and the GSP's very next call is refused.
    await page.getByRole("radio", { name: "No" }).check();
    await page.getByRole("button", { name: "CONFIRM" }).click();
    await page.getByRole("status").filter({ hasText: "API access is disabled" }).waitFor();
    await page.getByText("No GSP or ASP application holds a session for you now.").waitFor();
    await checkA11y(page, "Manage API Access after No");
    await guide.shoot(page, "Choosing No and CONFIRM ends access and every GSP session at once: the list is empty again, and Recent changes records how many sessions the No ended. The GSP's next call is refused.");
    guide.save();
    const cut = await profile(token.json.auth_token);
    assert.equal(cut.status, 403);
    assert.equal(cut.json.error.error_cd, "AUTH4037");
  } finally {
    await page.close();
  }
});
