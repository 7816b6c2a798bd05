// Starts a real portal for the browser tests: a fresh database in a temporary folder,
// one taxpayer added through the command line, the server on a free port. Also starts
// Debian's chromium through Playwright, and logs a taxpayer in by the login form.
// usePortal() puts the first two together as the setup and teardown each test file shares.

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, afterEach, before, beforeEach } from "node:test";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
export const BIN = process.env.GST_PORTAL_BIN ?? path.join(here, "..", "target", "debug", "gst-portal");

export const TAXPAYER = {
  username: "meera.textiles",
  password: "Meera@2026",
  gstin: "33AAFPS4321K1ZQ",
  legalName: "Meera Textiles",
};

/** The trainer console's password in the portals the demo-mode walks start. */
export const TRAINER_PASSWORD = "Trainer-e2e-2026";

/**
 * startPortal's options for a portal in demo mode: the demo data instead of the test
 * taxpayer, no captcha, and the trainer password above.
 */
export const DEMO_PORTAL = {
  taxpayer: false,
  serveArgs: ["--demo", "--no-captcha", "--trainer-password", TRAINER_PASSWORD],
};

/**
 * Starts a portal on a fresh database. `serveArgs` go after `serve` (for example
 * `["--demo", "--no-captcha"]` or `["--idle-timeout-minutes", "1"]`); `taxpayer: false`
 * leaves out the test taxpayer (the demo data brings its own).
 */
export async function startPortal({ serveArgs = [], taxpayer = true } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), "gst-portal-e2e-"));
  const database = path.join(dir, "portal.db");
  if (taxpayer) {
    const add = spawnSync(
      BIN,
      [
        "--database", database, "taxpayer", "add",
        "--username", TAXPAYER.username,
        "--gstin", TAXPAYER.gstin,
        "--legal-name", TAXPAYER.legalName,
        "--password-stdin",
      ],
      { input: `${TAXPAYER.password}\n`, encoding: "utf8" },
    );
    if (add.status !== 0) {
      throw new Error(`taxpayer add failed: ${add.stderr}`);
    }
  }
  const child = spawn(BIN, ["--database", database, "serve", "--bind", "127.0.0.1:0", ...serveArgs], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: "warn" },
  });
  // Should the test process end without running its after() hooks (an uncaught error,
  // a timeout of the whole file), the portal still goes with it.
  const reap = () => child.kill("SIGKILL");
  process.once("exit", reap);
  let stderr = "";
  child.stderr.on("data", (d) => { stderr += d; });
  const base = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`the portal did not start:\n${out}\n${stderr}`)), 60_000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)\//);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the portal exited with ${code}:\n${out}\n${stderr}`));
    });
  });
  return {
    base,
    database,
    async stop() {
      process.removeListener("exit", reap);
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Registers a GSP client with the command line; returns its credentials.
export function addGspClient(database, name) {
  const out = spawnSync(BIN, ["--database", database, "gsp-client", "add", "--name", name, "--plain"], { encoding: "utf8" });
  if (out.status !== 0) {
    throw new Error(`gsp-client add failed: ${out.stderr}`);
  }
  const clientId = out.stdout.match(/clientid:\s+(\S+)/)[1];
  const clientSecret = out.stdout.match(/client-secret:\s+(\S+)/)[1];
  return { clientId, clientSecret };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * The setup every test file shares. Registers node:test hooks in the calling file (or
 * `describe`) that start a portal and launch chromium before its tests, and close both
 * after them. `serveArgs` and `taxpayer` are passed to startPortal. With `perTest: true`
 * each test gets a portal of its own on a fresh database, while the file keeps one browser.
 * `setup(fixture)`, if given, runs in the same hook once both are up (for each portal
 * started), for a file's own preparation such as logging in or registering a GSP client.
 *
 * Call it at the top level of a test file and keep the object it returns: its `base`,
 * `database` and `browser` can be read in the tests and in `setup`.
 */
export function usePortal({ perTest = false, setup, ...portalOptions } = {}) {
  let server;
  let browser;

  // Reading these where nothing has been started (at the top of the file, say, before
  // the hooks have run) would otherwise end in an unclear "undefined" error much later.
  const started = (value, what) => {
    if (value === undefined) {
      throw new Error(`usePortal: no ${what} yet; use it inside a test or in the setup option`);
    }
    return value;
  };
  const fixture = {
    get base() {
      return started(server, "portal").base;
    },
    get database() {
      return started(server, "portal").database;
    },
    get browser() {
      return started(browser, "browser");
    },
  };

  const startServer = async () => {
    server = await startPortal(portalOptions);
  };
  const stopServer = async () => {
    const running = server;
    server = undefined;
    await running?.stop();
  };
  const launch = async () => {
    browser = await launchBrowser();
  };
  const closeBrowser = async () => {
    const open = browser;
    browser = undefined;
    await open?.close();
  };

  // A file's extra preparation goes through `setup` rather than a before() hook of its
  // own: node:test starts a top-level before() hook as soon as it is registered, without
  // waiting for the ones registered earlier, so such a hook could run before the portal
  // is up.
  if (perTest) {
    before(launch);
    beforeEach(async () => {
      await startServer();
      await setup?.(fixture);
    });
    afterEach(stopServer);
    after(closeBrowser);
  } else {
    before(async () => {
      await startServer();
      await launch();
      await setup?.(fixture);
    });
    // The portal is stopped even when closing the browser fails, so that no server
    // outlives the test file.
    after(async () => {
      try {
        await closeBrowser();
      } finally {
        await stopServer();
      }
    });
  }

  return fixture;
}

/** Step 1 of the manual: logs in by the form's labels and waits for the Dashboard. */
export async function logIn(page, base, { username, password } = TAXPAYER) {
  await page.goto(`${base}/login`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "LOGIN" }).click();
  await page.getByRole("heading", { name: /^Welcome / }).waitFor();
}

/** Opens /trainer, logs in by the form it sends the trainer to, and waits for the console. */
export async function logInAsTrainer(page, base) {
  await page.goto(`${base}/trainer`);
  await page.getByRole("heading", { name: "Trainer console: login" }).waitFor();
  await page.getByLabel("Trainer password").fill(TRAINER_PASSWORD);
  await page.getByRole("button", { name: "LOGIN" }).click();
  await page.getByRole("heading", { name: "Trainer console", exact: true }).waitFor();
}

/** Reads "DD/MM/YYYY HH:MM AM IST" as shown on the pages into a Date. */
export function parseIst(text) {
  const m = text.match(/(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}) (AM|PM) IST/);
  if (!m) {
    throw new Error(`no IST time in ${JSON.stringify(text)}`);
  }
  const [, dd, mm, yyyy, hh, min, ampm] = m;
  const hour = (Number(hh) % 12) + (ampm === "PM" ? 12 : 0);
  return new Date(`${yyyy}-${mm}-${dd}T${String(hour).padStart(2, "0")}:${min}:00+05:30`);
}

/**
 * Clicks a button that sends a form and waits until the page that answers has loaded.
 * Needed where the answer looks like the page it replaces (the same message again).
 */
export async function submitForm(page, button) {
  await Promise.all([page.waitForEvent("load"), button.click()]);
}
