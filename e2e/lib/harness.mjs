// The browser tests' harness: the real `portal serve` (release binary, fresh SQLite file,
// demo data), tokens from `portal token`, the example workbench page on other origins,
// and Debian's headless Chromium driven by playwright-core (no browser download).

import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, mkdirSync, rmSync, existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import net from "node:net";
import { chromium } from "playwright-core";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const PORTAL_BIN = process.env.PORTAL_BIN ?? join(ROOT, "target", "release", "portal");
export const DIST = process.env.PORTAL_STATIC_DIR ?? join(ROOT, "dist");
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
export const SCREENSHOTS = join(ROOT, "artifacts", "screenshots");
const SECRET = "e2e-secret-0123456789abcdef-0123456789";

export async function freePort() {
  return new Promise((ok, fail) => {
    const server = net.createServer();
    server.unref();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

async function waitFor(url, ms = 20_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer within ${ms} ms`);
}

/**
 * Starts `portal serve` on a fresh database with the demo data.
 * @param {{allowedOrigins?: string[], demoSignIn?: boolean, env?: Record<string, string>}} options
 *   `env`: more settings (e.g. the SMTP server of `startSmtpSink`).
 */
export async function startPortal({ allowedOrigins = [], demoSignIn = false, env: more = {} } = {}) {
  if (!existsSync(PORTAL_BIN)) throw new Error(`no portal binary at ${PORTAL_BIN}: run \`just build\``);
  if (!existsSync(join(DIST, "index.html"))) throw new Error(`no built app in ${DIST}: run \`just build\``);
  const dir = mkdtempSync(join(tmpdir(), "portal-e2e-"));
  const port = await freePort();
  const internalPort = await freePort();
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite://${join(dir, "portal.db")}?mode=rwc`,
    PORTAL_JWT_SECRET: SECRET,
    // Many tests share one server and one address: limits are tested in the API suite.
    PORTAL_RATE_LIMIT: "1000",
    PORTAL_BIND: `127.0.0.1:${port}`,
    // The platform's calls and the metrics have a listener of their own (§17).
    PORTAL_INTERNAL_BIND: `127.0.0.1:${internalPort}`,
    PORTAL_ALLOWED_PARENT_ORIGINS: allowedOrigins.join(","),
    PORTAL_STATIC_DIR: DIST,
    PORTAL_DEMO_SIGN_IN: demoSignIn ? "true" : "false",
    // The demo data is what the tests read: no scheduled run bills it meanwhile.
    PORTAL_BILLING_RUN_AT: "off",
    RUST_LOG: process.env.RUST_LOG ?? "warn",
    ...more,
  };
  delete env.REDIS_URL;
  execFileSync(PORTAL_BIN, ["seed", "--demo"], { env, stdio: ["ignore", "ignore", "inherit"] });
  const child = spawn(PORTAL_BIN, ["serve"], { env, stdio: ["ignore", "ignore", "inherit"] });
  const url = `http://127.0.0.1:${port}`;
  const internalUrl = `http://127.0.0.1:${internalPort}`;
  await waitFor(`${url}/healthz`);
  await waitFor(`${internalUrl}/healthz`);
  /** The address of `path` on the listener that serves it. */
  const urlOf = (path) => (path.startsWith("/api/internal/") || path === "/metrics" ? internalUrl : url) + path;
  return {
    url,
    internalUrl,
    urlOf,
    origin: url,
    /** A signed token, as the platform would mint it. */
    token({ customer = "cust_demo", user = "user_e2e", role = "admin", ttl = 3600 } = {}) {
      return execFileSync(
        PORTAL_BIN,
        ["token", "--customer", customer, "--user", user, "--role", role, "--ttl", String(ttl)],
        { env, encoding: "utf8" },
      ).trim();
    },
    /** A token of one of the platform's own services (role `service`, no customer). */
    serviceToken({ user = "billing-service", ttl = 3600 } = {}) {
      return execFileSync(PORTAL_BIN, ["token", "--user", user, "--role", "service", "--ttl", String(ttl)], {
        env,
        encoding: "utf8",
      }).trim();
    },
    /** Calls the API as a test would check it, outside the browser. */
    async api(path, token) {
      const res = await fetch(urlOf(path), { headers: { Authorization: `Bearer ${token}` } });
      if (!res.ok) throw new Error(`${path}: ${res.status}`);
      return res.json();
    },
    /** Sends `body` with `method` and the bearer token; the status and the JSON answer, if any. */
    async send(method, path, token, body) {
      const res = await fetch(urlOf(path), {
        method,
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : null };
    },
    /** POSTs a JSON body to the API, as another of the platform's programs would. */
    async post(path, token, body) {
      const res = await fetch(urlOf(path), {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return res.json();
    },
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A token signed with the test servers' key whose `exp` is an hour past: what a
 * workbench holds when its session ran out. (`portal token` only mints live ones.)
 */
export function expiredToken({ customer = "cust_demo", user = "user_e2e", role = "admin" } = {}) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const exp = Math.floor(Date.now() / 1000) - 3600;
  const unsigned = `${part({ alg: "HS256", typ: "JWT" })}.${part({ customer_id: customer, user_id: user, role, exp })}`;
  const signature = createHmac("sha256", SECRET).update(unsigned).digest("base64url");
  return `${unsigned}.${signature}`;
}

/** Serves the example workbench page (frontend/workbench-example) on its own origin. */
export async function startWorkbench() {
  const page = readFileSync(join(ROOT, "frontend", "workbench-example", "index.html"));
  const port = await freePort();
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(page);
  });
  await new Promise((r) => server.listen(port, "127.0.0.1", r));
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    url(params) {
      return `${origin}/?${new URLSearchParams(params)}`;
    },
    stop: () => new Promise((r) => server.close(r)),
  };
}

/** Debian's Chromium, headless, on a fresh profile. */
export async function openBrowser({ width = 1280, height = 900 } = {}) {
  const profile = mkdtempSync(join(tmpdir(), "portal-e2e-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: { width, height },
    locale: "en-US",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Saves a screenshot as a test artifact: artifacts/screenshots/{name}.png. */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * Waits until no part of the page is loading: each card or section of a page has its own
 * request (its own `Loader`), and until it answers it shows a `.state.loading` placeholder.
 * For checks about the whole page (e.g. its width) after waiting for one part of it.
 */
export async function settled(page) {
  await page.locator("main .state.loading").first().waitFor({ state: "detached" });
}

/** Once every part of the page is drawn, the page is no wider than the viewport. */
export async function noSidewaysScroll(page, what = "the page") {
  await settled(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${what} is ${overflow}px wider than the viewport`);
}

/** Everything the page keeps in web storage, as one string. */
export async function webStorage(page) {
  return page.evaluate(() => {
    const dump = (s) => Array.from({ length: s.length }, (_, i) => `${s.key(i)}=${s.getItem(s.key(i))}`);
    return [...dump(localStorage), ...dump(sessionStorage)].join("\n");
  });
}

/** `¥1,234.50` from the API's `"1234.50"`, as the app writes CNY. */
export function yuan(amount) {
  const [int, frac] = amount.split(".");
  return `¥${Number(int).toLocaleString("en-US")}.${frac}`;
}

/** Fen of a decimal string (`"999.00"` → 99900), exact for amounts of stubs. */
const fen = (amount) => Math.round(Number(amount) * 100);
const decimal = (f) => `${f < 0 ? "-" : ""}${Math.floor(Math.abs(f) / 100)}.${String(Math.abs(f) % 100).padStart(2, "0")}`;

/**
 * A stubbed line with its VAT (contract §14) at `rate` (a decimal string): the tax is
 * `amount × rate / (1 + rate)` to the fen, half away from zero.
 */
export function withTax(line, rate = "0.06") {
  const r = Math.round(Number(rate) * 10_000);
  const amount = fen(line.amount);
  const tax = Math.sign(amount) * Math.floor((2 * Math.abs(amount) * r + 10_000 + r) / (2 * (10_000 + r)));
  return { ...line, tax_rate: rate, net_amount: decimal(amount - tax), tax_amount: decimal(tax) };
}

/** The tax members of a stubbed document of `lines` (each already `withTax`). */
export function taxTotals(lines, prefix = "") {
  const parts = new Map();
  for (const l of lines) {
    const part = parts.get(l.tax_rate) ?? [0, 0, 0];
    parts.set(l.tax_rate, [part[0] + fen(l.net_amount), part[1] + fen(l.tax_amount), part[2] + fen(l.amount)]);
  }
  const sum = (i) => [...parts.values()].reduce((s, p) => s + p[i], 0);
  return {
    [`${prefix}net_amount`]: decimal(sum(0)),
    [`${prefix}tax_amount`]: decimal(sum(1)),
    // Lowest rate first, as the API orders them.
    [`${prefix}tax_breakdown`]: [...parts.entries()].sort(([a], [b]) => Number(a) - Number(b)).map(([tax_rate, p]) => ({
      tax_rate,
      net_amount: decimal(p[0]),
      tax_amount: decimal(p[1]),
      amount: decimal(p[2]),
    })),
  };
}

/** A stubbed document (invoice, preview, upcoming bill) with its tax members from its lines. */
export function taxedDoc(body, amountInWords = "（大写）") {
  const projected = body.projected_lines ? taxTotals(body.projected_lines, "projected_") : {};
  return { ...body, ...taxTotals(body.lines), ...projected, amount_in_words: amountInWords };
}
