// The app a finance clerk works in all day (contract §16): each page its own document
// title in the page's language, a favicon, the company's name in the header.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
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
  ["/costs", "费用分析", "Cost analysis"],
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

test("the bills of the last twelve months download as Excel and CSV from the invoices page", async () => {
  const { page } = browser;
  const token = portal.token({ role: "member" });
  await page.goto(`${portal.url}/invoices?lang=zh&token=${token}`);
  const card = page.locator("section", { has: page.getByRole("heading", { name: "导出账单" }) });
  await card.waitFor();
  const from = await card.getByLabel("起始月份").inputValue();
  const to = await card.getByLabel("截止月份").inputValue();
  const [csv] = await Promise.all([page.waitForEvent("download"), card.getByRole("button", { name: "导出 CSV" }).click()]);
  assert.equal(csv.suggestedFilename(), `invoices-${from}-${to}.csv`);
  const text = await readFile(await csv.path(), "utf8");
  assert.ok(text.startsWith("\ufeff单号,类型,账期,开具日期,到期日,不含税金额,税额,价税合计,已付,未付,状态,发票状态"), text.slice(0, 60));
  const { invoices } = await portal.api("/api/portal/invoices", token);
  for (const invoice of invoices) assert.ok(text.includes(invoice.invoice_id), invoice.invoice_id);
  const [xlsx] = await Promise.all([page.waitForEvent("download"), card.getByRole("button", { name: "导出 Excel" }).click()]);
  assert.equal(xlsx.suggestedFilename(), `invoices-${from}-${to}.xlsx`);
  assert.equal((await readFile(await xlsx.path())).subarray(0, 2).toString(), "PK");
});
