// Starts a real portal for the browser tests: a fresh database in a temporary folder,
// one taxpayer added through the command line, the server on a free port. Also starts
// Debian's chromium through Playwright.

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
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

export async function startPortal() {
  const dir = mkdtempSync(path.join(tmpdir(), "gst-portal-e2e-"));
  const database = path.join(dir, "portal.db");
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
  const child = spawn(BIN, ["--database", database, "serve", "--bind", "127.0.0.1:0"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: "warn" },
  });
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
  const out = spawnSync(BIN, ["--database", database, "gsp-client", "add", "--name", name], { encoding: "utf8" });
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
