// The app opened on its own (not embedded): sign-in by ?token= or the demo button, the
// token's handling, what a member may not do, the language switch, and screenshots of
// every page in both languages.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startPortal, openBrowser, screenshot, webStorage, expiredToken, noSidewaysScroll } from "../lib/harness.mjs";

let portal;
before(async () => {
  portal = await startPortal({ demoSignIn: true });
});
after(async () => {
  await portal?.stop();
});

async function withBrowser(options, body) {
  const browser = await openBrowser(options);
  try {
    await body(browser);
  } finally {
    await browser.close();
  }
}

test("?token= signs in, then leaves the address bar, web storage and cookies", async () => {
  await withBrowser({}, async ({ page, context }) => {
    const token = portal.token({ role: "admin" });
    await page.goto(`${portal.url}/?lang=zh&token=${token}`);
    await page.locator(".plan-name").waitFor();
    assert.equal((await page.locator(".plan-name").textContent()).trim(), "专业版");
    // Each card has its own request: wait for the usage answer's third bar.
    await page.locator(".quota").nth(2).waitFor();
    assert.equal(await page.locator(".quota").count(), 3);
    assert.match(await page.locator(".latest-invoice").textContent(), /INV\d{9,}/);

    const url = new URL(page.url());
    assert.equal(url.searchParams.get("token"), null, "token still in the address");
    assert.equal(url.searchParams.get("lang"), "zh", "other parameters are kept");
    assert.ok(!page.url().includes(token));
    const stored = await webStorage(page);
    assert.ok(!stored.includes(token), `token in web storage: ${stored}`);
    // The one cookie is the API's session (§16): out of JavaScript's reach, sent to the
    // API only, never cross-site.
    const cookies = await context.cookies();
    assert.deepEqual(
      cookies.map((c) => [c.name, c.httpOnly, c.sameSite, c.path]),
      [["portal_session", true, "Strict", "/api"]],
    );
    assert.equal(await page.evaluate(() => document.cookie), "");

    // The pages work from memory: in-app navigation keeps the session.
    await page.getByRole("link", { name: "账单", exact: true }).click();
    await page.locator("table.invoices tbody tr").first().waitFor();
    assert.equal(new URL(page.url()).pathname, "/invoices");
  });
});

test("the app runs under its Content-Security-Policy: no violation, meters drawn", async () => {
  await withBrowser({}, async ({ page }) => {
    const violations = [];
    page.on("console", (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    const token = portal.token({ role: "admin" });
    const response = await page.goto(`${portal.url}/?token=${token}`);
    const csp = response.headers()["content-security-policy"];
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval' 'sha256-/);
    assert.equal(response.headers()["cache-control"], "no-store");
    await page.locator(".plan-name").waitFor();
    // Usage bars are widths set through the CSSOM, which the policy allows. They come
    // from the usage request, not the subscription's: wait for the third.
    await page.locator(".meter-fill").nth(2).waitFor();
    const widths = await page
      .locator(".meter-fill")
      .evaluateAll((bars) => bars.map((bar) => bar.getBoundingClientRect().width));
    assert.ok(widths.length === 3 && widths.some((w) => w > 0), `meter widths ${widths}`);
    await page.getByRole("link", { name: "用量", exact: true }).click();
    await page.getByRole("heading", { name: "用量", level: 1 }).waitFor();
    assert.deepEqual(violations, []);
  });
});

test("the overview lists what needs attention: the pending invoice", async () => {
  await withBrowser({}, async ({ page }) => {
    const token = portal.token();
    const { invoices } = await portal.api("/api/portal/invoices", token);
    const pending = invoices.filter((i) => i.status === "pending" || i.status === "overdue");
    assert.ok(pending.length > 0, "the demo data has a pending invoice");
    await page.goto(`${portal.url}/?token=${token}`);
    // The attention card's own list or its "all clear" (the balance card's overdue amount
    // is `.attention` too, and other cards have empty states of their own).
    const card = page.locator('section[aria-labelledby="ov-attention"]');
    await card.locator("ul.attention, .state.empty").first().waitFor();
    const items = await card.locator("ul.attention li").allTextContents();
    for (const invoice of pending) {
      assert.ok(
        items.some((text) => text.includes(invoice.invoice_id)),
        `${invoice.invoice_id} missing from ${JSON.stringify(items)}`,
      );
    }
    // Every quota at warning or beyond is listed too.
    const usage = await portal.api("/api/portal/usage", token);
    const alerts = usage.products.filter((p) => p.alert !== "none").length;
    assert.equal(items.length, pending.length + alerts);
  });
});

test("without a token: the sign-in screen explains the ways in, and demo sign-in works", async () => {
  await withBrowser({}, async ({ page }) => {
    await page.goto(`${portal.url}/`);
    await page.getByRole("heading", { name: "登录客户控制台" }).waitFor();
    assert.match(await page.locator("main").textContent(), /portal token/);
    await screenshot(page, "sign-in-zh");
    await page.getByRole("button", { name: /Switch to English/ }).click();
    await page.getByRole("heading", { name: "Sign in to the Customer Portal" }).waitFor();
    await screenshot(page, "sign-in-en");
    await page.getByRole("button", { name: /切换到中文/ }).click();
    await page.getByRole("button", { name: "以演示客户登录" }).click();
    await page.locator(".plan-name").waitFor();
    assert.equal((await page.locator(".plan-name").textContent()).trim(), "专业版");
    assert.equal(await webStorage(page).then((s) => s.includes("eyJ")), false);
  });
});

test("a reload keeps the user signed in; signing out ends it", async () => {
  await withBrowser({}, async ({ page, context }) => {
    const token = portal.token({ role: "admin" });
    await page.goto(`${portal.url}/invoices?lang=zh&token=${token}`);
    await page.locator("table.invoices tbody tr").first().waitFor();
    await page.reload();
    await page.locator("table.invoices tbody tr").first().waitFor();
    assert.equal(new URL(page.url()).pathname, "/invoices", "the same page after F5");
    assert.equal((await page.locator(".badge.role").textContent()).trim(), "管理员");
    await page.getByRole("button", { name: "退出登录" }).click();
    await page.getByRole("heading", { name: "登录客户控制台" }).waitFor();
    assert.deepEqual(await context.cookies(), [], "the session cookie is cleared");
    await page.reload();
    await page.getByRole("heading", { name: "登录客户控制台" }).waitFor();
  });
});

test("a malformed token is called invalid, not expired", async () => {
  await withBrowser({}, async ({ page }) => {
    await page.goto(`${portal.url}/?token=not-a-token`);
    await page.getByText("登录链接无效，请从工作台重新打开客户控制台，或使用新的登录链接。").waitFor();
    assert.equal(await page.getByText("登录已过期").count(), 0);
  });
});

test("without demo sign-in, the sign-in screen shows customers no server command", async () => {
  const plain = await startPortal({ demoSignIn: false });
  try {
    await withBrowser({}, async ({ page }) => {
      await page.goto(`${plain.url}/`);
      await page.getByRole("heading", { name: "登录客户控制台" }).waitFor();
      await page.getByText("从坐席工作台打开“客户控制台”，会自动登录。").waitFor();
      assert.doesNotMatch(await page.locator("main").textContent(), /portal token/);
    });
  } finally {
    await plain.stop();
  }
});

test("an expired token shows the sign-in screen with the reason", async () => {
  await withBrowser({}, async ({ page }) => {
    await page.goto(`${portal.url}/?token=${expiredToken()}`);
    await page.getByRole("heading", { name: "登录客户控制台" }).waitFor();
    await page.getByText("登录已过期，请重新打开登录链接。").waitFor();
    assert.equal(await page.locator(".plan-name").count(), 0);
  });
});

test("a member reads the account and plans but gets no edit or upgrade controls", async () => {
  await withBrowser({}, async ({ page }) => {
    const token = portal.token({ role: "member", user: "user_member" });
    await page.goto(`${portal.url}/account?token=${token}`);
    await page.locator('[data-field="company_name"]').waitFor();
    assert.equal(await page.locator('[data-field="company_name"]').textContent(), "示例科技有限公司");
    assert.equal(await page.locator("form input, form button[type=submit]").count(), 0);
    await page.getByText("只有管理员可以修改账户信息。").waitFor();
    assert.equal(await page.locator(".badge.role").textContent(), "成员");

    await page.getByRole("link", { name: "套餐", exact: true }).click();
    await page.locator("table.plans").waitFor();
    assert.equal(await page.locator("table.plans thead th.current").getAttribute("data-plan"), "pro");
    assert.equal(await page.locator("button.upgrade").count(), 0);
    assert.equal(await page.locator("button.downgrade").count(), 0);
    await page.getByText("只有管理员可以更换套餐。").waitFor();
  });
});

test("the language switch shows English and the choice survives a new sign-in", async () => {
  await withBrowser({}, async ({ page }) => {
    await page.goto(`${portal.url}/?token=${portal.token()}`);
    await page.locator(".plan-name").waitFor();
    assert.equal(await page.locator("html").getAttribute("lang"), "zh-CN");
    await page.getByRole("button", { name: /Switch to English/ }).click();
    await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor();
    assert.equal(await page.locator("html").getAttribute("lang"), "en");
    assert.ok(await page.getByRole("link", { name: "Invoices", exact: true }).isVisible());

    // A new link without ?lang= keeps English (the saved preference)...
    await page.goto(`${portal.url}/usage?token=${portal.token()}`);
    await page.getByRole("heading", { name: "Usage", level: 1 }).waitFor();
    // ...and ?lang=zh wins over it.
    await page.goto(`${portal.url}/usage?lang=zh&token=${portal.token()}`);
    await page.getByRole("heading", { name: "用量", level: 1 }).waitFor();
  });
});

test("every page has a labelled, keyboard-reachable navigation", async () => {
  await withBrowser({}, async ({ page }) => {
    await page.goto(`${portal.url}/?token=${portal.token()}`);
    await page.locator(".plan-name").waitFor();
    const nav = page.getByRole("navigation", { name: "主导航" });
    assert.equal(await nav.getByRole("link").count(), 10);
    // Tab from the top reaches the skip link first, then the controls in order.
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.className), "skip");
    for (let i = 0; i < 9; i += 1) {
      await page.keyboard.press("Tab");
      if ((await page.evaluate(() => document.activeElement.textContent)) === "用量") break;
    }
    assert.equal(await page.evaluate(() => document.activeElement.textContent), "用量");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "用量", level: 1 }).waitFor();
  });
});

const PAGES = [
  { name: "overview", path: "/", ready: ".plan-name" },
  { name: "account", path: "/account", ready: "#company_name" },
  { name: "plans", path: "/plans", ready: "table.plans" },
  { name: "usage", path: "/usage", ready: "svg.usage-chart rect.bar" },
  { name: "invoices", path: "/invoices", ready: "table.invoices" },
  { name: "fapiao", path: "/fapiao", ready: "form.fapiao-profile" },
  { name: "history", path: "/history", ready: "ul.history, .state.empty" },
  { name: "statement", path: "/statement", ready: "table.statement" },
  { name: "costs", path: "/costs", ready: "button.cost-bar" },
];

for (const lang of ["zh", "en"]) {
  test(`screenshots of every page (${lang})`, async () => {
    await withBrowser({ width: 1280, height: 860 }, async ({ page }) => {
      const token = portal.token();
      await page.goto(`${portal.url}/?lang=${lang}&token=${token}`);
      for (const { name, path, ready } of PAGES) {
        // The app mounts its navigation once the wasm has started.
        await page.locator(`nav a[href="${path}"]`).first().waitFor();
        await page.evaluate((p) => {
          // In-app navigation (the token lives in memory only).
          const link = [...document.querySelectorAll("nav a")].find((a) => a.getAttribute("href") === p);
          link.click();
        }, path);
        await page.locator(ready).first().waitFor();
        assert.equal(new URL(page.url()).pathname, path);
        await screenshot(page, `${name}-${lang}`);
      }
      await page.locator('nav a[href="/invoices"]').click();
      await page.locator("table.invoices tbody tr th a").first().click();
      await page.locator("table.invoice-lines").waitFor();
      await screenshot(page, `invoice-detail-${lang}`);
    });
  });
}

test("a 360 px side panel shows the overview without horizontal scrolling", async () => {
  await withBrowser({ width: 360, height: 740 }, async ({ page }) => {
    await page.goto(`${portal.url}/?token=${portal.token()}`);
    await page.locator(".plan-name").waitFor();
    await page.locator(".quota").first().waitFor();
    // Every card answered (the upcoming bill's lines, the balance...), not just these two.
    await noSidewaysScroll(page, "the overview");
    await screenshot(page, "overview-360-zh");
    await page.getByRole("link", { name: "用量", exact: true }).click();
    await page.locator("svg.usage-chart").waitFor();
    await noSidewaysScroll(page, "the usage page");
    await screenshot(page, "usage-360-zh");
  });
});
