// The app embedded in the workbench on another origin (contract §6), through the
// example page frontend/workbench-example/index.html served on its own port.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startPortal, startWorkbench, openBrowser, expiredToken, screenshot } from "../lib/harness.mjs";

let portal;
let allowed;
let stranger;
before(async () => {
  allowed = await startWorkbench();
  stranger = await startWorkbench();
  portal = await startPortal({ allowedOrigins: [allowed.origin] });
});
after(async () => {
  await portal?.stop();
  await allowed?.stop();
  await stranger?.stop();
});

async function withBrowser(body) {
  const browser = await openBrowser({ width: 1280, height: 900 });
  try {
    await body(browser);
  } finally {
    await browser.close();
  }
}

const events = (page) => page.evaluate(() => window.portalEvents);
const portalFrame = (page) => page.frameLocator("#portal-frame");

test("the handshake: ready, auth from the allowed parent, data shown", async () => {
  await withBrowser(async ({ page }) => {
    const token = portal.token();
    await page.goto(allowed.url({ portal: `${portal.url}/`, token, autoload: "1" }));
    const frame = portalFrame(page);
    await frame.locator(".plan-name").waitFor();
    assert.equal((await frame.locator(".plan-name").textContent()).trim(), "专业版");
    assert.deepEqual(await events(page), ["portal:ready"]);
    const app = page.frames().find((f) => f.url().startsWith(portal.url));
    assert.ok(app, "the portal's frame");
    assert.ok(!app.url().includes("token"), "the token never was in the frame's address");
    const stored = await app.evaluate(() => [localStorage.length, sessionStorage.length, document.cookie]);
    assert.deepEqual(stored, [0, 0, ""], "the token is kept in memory only");
    await screenshot(page, "embedded-workbench-zh");
  });
});

test("embedded with ?token= in the frame's address: read, then removed", async () => {
  await withBrowser(async ({ page }) => {
    const token = portal.token();
    await page.goto(allowed.url({ portal: `${portal.url}/`, token, mode: "url", autoload: "1", lang: "en" }));
    const frame = portalFrame(page);
    await frame.getByRole("heading", { name: "Overview", level: 1 }).waitFor();
    await frame.locator(".plan-name").waitFor();
    const app = page.frames().find((f) => f.url().startsWith(portal.url));
    assert.ok(!app.url().includes(token), `token still in ${app.url()}`);
    assert.equal(new URL(app.url()).searchParams.get("lang"), "en");
  });
});

test("a parent that is not allowed cannot embed the app", async () => {
  await withBrowser(async ({ page }) => {
    const token = portal.token();
    // frame-ancestors keeps the browser from showing the app at all: it says so on the
    // console when it refuses the frame, which is when the check below can be made.
    const refused = page.waitForEvent("console", {
      predicate: (message) => message.text().includes("frame-ancestors"),
      timeout: 20_000,
    });
    await page.goto(stranger.url({ portal: `${portal.url}/`, token, autoload: "1" }));
    await refused;
    const frames = page.frames().map((f) => f.url());
    assert.ok(!frames.some((url) => url.startsWith(portal.url)), `the app was framed: ${frames}`);
    assert.equal(await portalFrame(page).locator(".plan-name").count(), 0);
    assert.deepEqual(await events(page), []);
  });
});

test("even where the frame loads, a parent that is not allowed gets nothing and signs in no one", async () => {
  await withBrowser(async ({ page, context }) => {
    // Take the server's frame-ancestors away, to test the app's own origin check.
    await context.route(`${portal.url}/**`, async (route) => {
      const response = await route.fetch();
      const headers = { ...response.headers() };
      delete headers["content-security-policy"];
      await route.fulfill({ response, headers });
    });
    const token = portal.token();
    await page.goto(stranger.url({ portal: `${portal.url}/`, token, autoload: "1" }));
    const frame = portalFrame(page);
    await frame.getByText("正在等待工作台登录…").waitFor();
    // Count the messages the app's window receives, with a listener added after the
    // app's own: once it has seen both, the app has handled them too.
    const app = page.frames().find((f) => f.url().startsWith(portal.url));
    await app.evaluate(() => {
      window.testSeen = 0;
      window.addEventListener("message", () => {
        window.testSeen += 1;
      });
    });
    // The page sends the token anyway, to the portal's origin.
    await page.locator("#send").click();
    await page.locator("#send").click();
    await app.waitForFunction(() => window.testSeen === 2);
    // Let the app's reactive effects run (they would replace the waiting notice).
    await app.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    assert.ok(await frame.getByText("正在等待工作台登录…").isVisible(), "the token was accepted");
    assert.equal(await frame.locator(".plan-name").count(), 0, "the token was accepted");
    assert.deepEqual(await events(page), [], "the app posted to a parent not in the list");
    // Ten seconds without a handshake: the app says this site may not embed it, and
    // what the operator must set (§16), instead of waiting forever.
    const refusal = frame.locator(".embed-refused");
    await refusal.waitFor({ timeout: 20_000 });
    assert.match(await refusal.textContent(), /^此网站不能嵌入客户控制台.*PORTAL_ALLOWED_PARENT_ORIGINS/);
    assert.equal(await frame.getByText("正在等待工作台登录…").count(), 0);
  });
});

test("a 401 makes the app post portal:token-expired, then a new token resumes", async () => {
  await withBrowser(async ({ page }) => {
    await page.goto(allowed.url({ portal: `${portal.url}/`, token: expiredToken(), autoload: "1" }));
    await page.waitForFunction(() => window.portalEvents.includes("portal:token-expired"));
    assert.deepEqual(await events(page), ["portal:ready", "portal:token-expired"]);
    const frame = portalFrame(page);
    await frame.getByText("登录已过期，正在等待工作台提供新的登录凭证…").waitFor();
    assert.equal(await frame.locator(".plan-name").count(), 0);

    await page.locator("#token").fill(portal.token());
    await page.locator("#send").click();
    await frame.locator(".plan-name").waitFor();
    assert.deepEqual(await events(page), ["portal:ready", "portal:token-expired"]);
  });
});
