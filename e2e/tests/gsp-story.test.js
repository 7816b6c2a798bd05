// The GSP story in a real browser: access on, a GSP client takes a token with the OTP
// the taxpayer reads under Messages, "Applications with access" lists it, No empties
// the list and the GSP's next call is refused.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startPortal, launchBrowser, addGspClient, TAXPAYER } from "../portal.js";

let portal;
let browser;
let gsp;

before(async () => {
  portal = await startPortal();
  gsp = addGspClient(portal.database, "Sahaj Returns");
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await portal?.stop();
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
  const page = await browser.newPage();
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

    // The GSP asks for an OTP; it arrives under Messages in the user menu.
    assert.equal((await authenticate({ action: "OTPREQUEST" })).json.status_cd, "1");
    await page.getByText(`Account menu of ${TAXPAYER.legalName}`).click();
    await page.getByRole("link", { name: "Messages" }).click();
    await page.getByRole("heading", { name: "Messages" }).waitFor();
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

    // No: the list empties and the GSP's very next call is refused.
    await page.getByRole("radio", { name: "No" }).check();
    await page.getByRole("button", { name: "CONFIRM" }).click();
    await page.getByRole("status").filter({ hasText: "API access is disabled" }).waitFor();
    await page.getByText("No GSP or ASP application holds a session for you now.").waitFor();
    const cut = await profile(token.json.auth_token);
    assert.equal(cut.status, 403);
    assert.equal(cut.json.error.error_cd, "AUTH4037");
  } finally {
    await page.close();
  }
});
