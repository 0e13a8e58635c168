// The app a finance clerk works in all day (contract §16): each page its own document
// title in the page's language, a favicon, the company's name in the header.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startPortal, openBrowser } from "../lib/harness.mjs";

let portal;
let browser;
before(async () => {
  portal = await startPortal();
  browser = await openBrowser({ width: 1280, height: 900 });
});
after(async () => {
  await browser?.close();
  await portal?.stop();
});

const PAGES = [
  ["/", "概览", "Overview"],
  ["/account", "账户", "Account"],
  ["/plans", "套餐", "Plans"],
  ["/usage", "用量", "Usage"],
  ["/invoices", "账单", "Invoices"],
  ["/statement", "对账单", "Statement"],
  ["/fapiao", "发票", "Fapiao"],
  ["/alerts", "费用预警", "Alerts"],
  ["/history", "变更记录", "Change history"],
];

test("every page has its own title in the page's language, and the header names the company", async () => {
  const { page } = browser;
  const token = portal.token({ role: "admin" });
  const account = await portal.api("/api/portal/account", token);
  for (const [lang, column, app] of [["zh", 1, "客户控制台"], ["en", 2, "Customer Portal"]]) {
    await page.goto(`${portal.url}/?lang=${lang}&token=${token}`);
    await page.locator(".plan-name").waitFor();
    await page.waitForFunction((name) => document.querySelector(".who .customer")?.textContent === name, account.company_name);
    for (const row of PAGES) {
      await page.locator(`nav.tabs a[href="${row[0]}"]`).click();
      const title = `${row[column]} · ${app}`;
      await page.waitForFunction((t) => document.title === t, title, { timeout: 5_000 }).catch(async () => {
        assert.fail(`${row[0]} in ${lang}: title ${JSON.stringify(await page.title())}, not ${JSON.stringify(title)}`);
      });
    }
  }
});

test("the app has a favicon", async () => {
  const { page } = browser;
  await page.goto(`${portal.url}/`);
  const href = await page.locator('link[rel="icon"]').getAttribute("href");
  const response = await page.request.get(new URL(href, portal.url).href);
  assert.equal(response.status(), 200);
  assert.equal(response.headers()["content-type"], "image/svg+xml");
  assert.match(await response.text(), /^<svg /);
});
