// Usage (month picker, the daily chart, the detail table and its CSV) and invoices (list,
// detail, PDF), checked against what the API says.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { startPortal, openBrowser, withTax, taxedDoc } from "../lib/harness.mjs";

let portal;
let browser;
let token;
before(async () => {
  portal = await startPortal();
  browser = await openBrowser();
  token = portal.token({ role: "member", user: "user_reader" });
});
after(async () => {
  await browser?.close();
  await portal?.stop();
});

const iso = (d) => d.toISOString().slice(0, 10);
const number = (text) => Number(text.replace(/[^\d.-]/g, ""));

function monthRange(year, month) {
  const first = new Date(Date.UTC(year, month - 1, 1));
  const last = new Date(Date.UTC(year, month, 0));
  const today = new Date();
  return { from: iso(first), to: iso(last < today ? last : today) };
}

function days(from, to) {
  return Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;
}

async function openUsage() {
  const { page } = browser;
  await page.goto(`${portal.url}/usage?token=${token}`);
  await page.locator("svg.usage-chart rect.bar").first().waitFor();
  return page;
}

test("this month's usage per product, as the API counts it", async () => {
  const page = await openUsage();
  const usage = await portal.api("/api/portal/usage", token);
  for (const product of usage.products) {
    const row = page.locator(`table.usage-summary tr[data-product="${product.product}"]`);
    // The summary (and its quota bars) comes from the usage request, not the chart's.
    await row.waitFor();
    const cells = await row.locator("td").allTextContents();
    assert.equal(number(cells[0]), product.used, `${product.product} used`);
    assert.equal(number(cells[1]), product.quota, `${product.product} quota`);
    assert.equal(number(cells[2]), product.percent, `${product.product} percent`);
  }
  assert.equal(await page.locator(".quota-list .quota").count(), 3);
});

test("the daily chart has one bar per day with the API's counts", async () => {
  const page = await openUsage();
  const now = new Date();
  const { from, to } = monthRange(now.getUTCFullYear(), now.getUTCMonth() + 1);
  assert.equal(await page.getByLabel("开始日期").inputValue(), from);
  assert.equal(await page.getByLabel("结束日期").inputValue(), to);
  const detail = await portal.api(`/api/portal/usage/detail?from=${from}&to=${to}&product=ai_chat`, token);
  const bars = page.locator("svg.usage-chart rect.bar");
  assert.equal(await bars.count(), days(from, to));
  const drawn = await bars.evaluateAll((rects) =>
    rects.map((r) => [r.dataset.date, Number(r.dataset.count), Number(r.getAttribute("height"))]),
  );
  for (const item of detail.items) {
    const bar = drawn.find(([date]) => date === item.date);
    assert.ok(bar, `no bar for ${item.date}`);
    assert.equal(bar[1], item.count);
  }
  // Taller bars for bigger days.
  const sorted = [...drawn].sort((a, b) => a[1] - b[1]);
  assert.ok(sorted.at(-1)[2] > 0);
  assert.ok(sorted[0][2] <= sorted.at(-1)[2]);
  assert.match(await page.locator("svg.usage-chart").getAttribute("aria-label"), /AI 对话每日用量/);
  assert.equal(await page.locator("table.usage-detail tbody tr").count(), detail.items.length);
});

test("picking last month shows its totals and all its days", async () => {
  const page = await openUsage();
  const now = new Date();
  const last = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const month = iso(last).slice(0, 7);
  const expected = await portal.api(`/api/portal/usage?month=${month}`, token);
  await page.getByLabel("月份").fill(month);
  await page.getByLabel("月份").dispatchEvent("change");
  const { from, to } = monthRange(last.getUTCFullYear(), last.getUTCMonth() + 1);
  await page.waitForFunction(
    (n) => document.querySelectorAll("svg.usage-chart rect.bar").length === n,
    days(from, to),
  );
  const email = expected.products.find((p) => p.product === "email");
  await page.waitForFunction(
    (used) => {
      const cell = document.querySelector('table.usage-summary tr[data-product="email"] td');
      return cell && Number(cell.textContent.replace(/[^\d]/g, "")) === used;
    },
    email.used,
  );
  assert.equal(await page.getByLabel("开始日期").inputValue(), from);
  assert.equal(await page.getByLabel("结束日期").inputValue(), to);
});

test("the detail table of a chosen range and product; the month downloads as Excel and CSV", async () => {
  const page = await openUsage();
  const to = iso(new Date());
  const from = iso(new Date(Date.now() - 6 * 86_400_000));
  await page.getByLabel("开始日期").fill(from);
  await page.getByLabel("结束日期").fill(to);
  await page.getByLabel("产品").selectOption("email");
  await page.getByRole("button", { name: "查询" }).click();
  await page.waitForFunction(() => document.querySelectorAll("svg.usage-chart rect.bar").length === 7);
  const detail = await portal.api(`/api/portal/usage/detail?from=${from}&to=${to}&product=email`, token);
  assert.equal(await page.locator("table.usage-detail tbody tr").count(), detail.items.length);
  const total = detail.items.reduce((sum, item) => sum + item.count, 0);
  assert.equal(number(await page.locator("table.usage-detail tfoot td").textContent()), total);

  // The month's export (§16), made by the server: every product per day, Chinese
  // headers, a BOM, and the month's overage.
  const month = await page.getByLabel("月份").inputValue();
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "导出 CSV" }).click(),
  ]);
  assert.equal(download.suggestedFilename(), `usage-${month}.csv`);
  const csv = await readFile(await download.path(), "utf8");
  assert.ok(csv.startsWith("\ufeff日期,产品,用量,套餐含量,超出用量,超出费用\r\n") || csv.startsWith("\ufeff日期,产品,用量,套餐含量,超出用量,超出费用\n"), csv.slice(0, 80));
  const usage = await portal.api(`/api/portal/usage?month=${month}`, token);
  for (const p of usage.products) {
    assert.ok(csv.includes(`,${p.used},${p.included},${p.overage_units},${p.overage_amount}`), `${p.product} month row`);
  }
  const [xlsx] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name: "导出 Excel" }).click(),
  ]);
  assert.equal(xlsx.suggestedFilename(), `usage-${month}.xlsx`);
  const bytes = await readFile(await xlsx.path());
  assert.equal(bytes.subarray(0, 2).toString(), "PK", "an XLSX (zip) file");
});

test("a reversed range is refused before asking the API", async () => {
  const page = await openUsage();
  await page.getByLabel("开始日期").fill("2025-12-10");
  await page.getByLabel("结束日期").fill("2025-12-01");
  await page.getByRole("button", { name: "查询" }).click();
  await page.getByRole("alert").filter({ hasText: "开始日期不能晚于结束日期" }).waitFor();
});

test("invoices: the list with status badges, then one invoice with its lines", async () => {
  const { page } = browser;
  const { invoices } = await portal.api("/api/portal/invoices", token);
  // The demo data invoices the three previous months, and the current one when fees are
  // billed in advance (contract §9).
  assert.ok(invoices.length >= 3, `${invoices.length} invoices`);
  await page.goto(`${portal.url}/invoices?token=${token}`);
  await page.locator("table.invoices tbody tr").first().waitFor();
  const rows = page.locator("table.invoices tbody tr");
  assert.equal(await rows.count(), invoices.length);
  const label = { pending: "待支付", paid: "已支付", overdue: "已逾期" };
  for (const [i, invoice] of invoices.entries()) {
    const row = rows.nth(i);
    assert.equal(await row.getAttribute("data-invoice"), invoice.invoice_id, "newest first");
    assert.equal(await row.locator(".badge").textContent(), label[invoice.status]);
    assert.ok((await row.locator(".badge").getAttribute("class")).includes(`status-${invoice.status}`));
  }

  const first = invoices[0];
  const detail = await portal.api(`/api/portal/invoices/${first.invoice_id}`, token);
  await rows.first().getByRole("link").click();
  await page.getByRole("heading", { name: `账单 ${first.invoice_id}` }).waitFor();
  assert.equal(await page.locator("table.invoice-lines tbody tr").count(), detail.lines.length);
  assert.equal(
    number(await page.locator("table.invoice-lines tfoot td").textContent()),
    Number(detail.amount),
  );
  assert.equal(new URL(page.url()).pathname, `/invoices/${first.invoice_id}`);
});

test("an invoice's lines are worded in the app's language, as the API words them", async () => {
  const { page } = browser;
  const { invoices } = await portal.api("/api/portal/invoices", token);
  const id = invoices[0].invoice_id;
  const zh = await portal.api(`/api/portal/invoices/${id}?lang=zh`, token);
  const en = await portal.api(`/api/portal/invoices/${id}?lang=en`, token);
  const first = page.locator("table.invoice-lines tbody tr").first();
  await page.goto(`${portal.url}/invoices/${id}?lang=zh&token=${token}`);
  await first.filter({ hasText: zh.lines[0].description }).waitFor();
  await page.getByRole("button", { name: /Switch to English/ }).click();
  await page.getByRole("heading", { name: `Invoice ${id}` }).waitFor();
  await first.filter({ hasText: en.lines[0].description }).waitFor();
  assert.equal(await page.locator("table.invoice-lines tbody tr").count(), en.lines.length);
  await page.getByRole("button", { name: /切换到中文/ }).click();
  await first.filter({ hasText: zh.lines[0].description }).waitFor();
});

test("the PDF downloads from the invoice page", async () => {
  const { page } = browser;
  const { invoices } = await portal.api("/api/portal/invoices", token);
  const id = invoices[0].invoice_id;
  await page.goto(`${portal.url}/invoices/${id}?token=${token}`);
  const button = page.getByRole("button", { name: "下载 PDF" });
  await button.waitFor();
  const [download] = await Promise.all([page.waitForEvent("download"), button.click()]);
  assert.equal(download.suggestedFilename(), `${id}.pdf`);
  const bytes = await readFile(await download.path());
  // A whole PDF (each render has its own timestamps, so no byte comparison).
  assert.equal(bytes.subarray(0, 5).toString("latin1"), "%PDF-");
  assert.match(bytes.subarray(-32).toString("latin1"), /%%EOF\s*$/);
  assert.ok(bytes.length > 1000, `${bytes.length} bytes`);
  await page.getByRole("status").filter({ hasText: `${id}.pdf` }).waitFor();
});

test("when the PDF cannot be made, the app says so and saves nothing", async () => {
  const { page, context } = browser;
  const { invoices } = await portal.api("/api/portal/invoices", token);
  const id = invoices[0].invoice_id;
  // The server answering as it does while PDFs are unavailable.
  // (The app asks for the PDF in its language: `…/pdf?lang=zh`.)
  const langs = [];
  const pdf = (url) => url.pathname === `/api/portal/invoices/${id}/pdf`;
  await context.route(pdf, (route) => {
    langs.push(new URL(route.request().url()).searchParams.get("lang"));
    return route.fulfill({
      status: 503,
      contentType: "application/json",
      body: JSON.stringify({ error: { code: "unavailable", message: "invoice PDFs are not rendered yet" } }),
    });
  });
  try {
    let downloads = 0;
    page.on("download", () => {
      downloads += 1;
    });
    await page.goto(`${portal.url}/invoices/${id}?token=${token}`);
    await page.getByRole("button", { name: "下载 PDF" }).click();
    const alert = page.locator(".pdf-error");
    await alert.waitFor();
    assert.equal(await alert.getAttribute("role"), "alert");
    assert.match(await alert.textContent(), /PDF 暂不可用，请稍后再试/);
    assert.equal(downloads, 0);
    assert.ok(await page.getByRole("button", { name: "下载 PDF" }).isEnabled(), "the person can try again");
    assert.deepEqual(langs, ["zh"], "the PDF is asked for in the app's language");
  } finally {
    await context.unroute(pdf);
  }
});

test("an invoice's lines in the app's language, with their days, reversals and payments", async () => {
  const { page, context } = browser;
  // A stubbed answer of the invoice endpoint, worded in the language asked for (the app
  // shows what the API sends; the demo data has no reversal or payment to show).
  const id = "INV209901001";
  const asked = [];
  const words = {
    zh: ["企业版 2026-11-26 至 2026-11-30", "冲销：专业版 2026-11-26 至 2026-11-30"],
    en: ["Enterprise 2026-11-26 to 2026-11-30", "Reversal: Pro 2026-11-26 to 2026-11-30"],
  };
  const line = (description, kind, plan_id, amount) => withTax({
    description,
    quantity: 1,
    unit_price: amount,
    amount,
    kind,
    plan_id,
    period: "2026-11",
    from: "2026-11-26",
    to: "2026-11-30",
    days: 5,
    days_in_month: 30,
  }, plan_id === "enterprise" ? "0.13" : "0.06");
  const stub = (url) => url.pathname === `/api/portal/invoices/${id}`;
  await context.route(stub, (route) => {
    const lang = new URL(route.request().url()).searchParams.get("lang");
    asked.push(lang);
    const [fee, reversal] = words[lang] ?? words.zh;
    return route.fulfill({
      contentType: "application/json",
      body: JSON.stringify(taxedDoc({
        invoice_id: id,
        amount: "333.33",
        currency: "CNY",
        period: "2026-11",
        status: "paid",
        created_at: "2026-11-26T17:30:00Z",
        due_date: "2026-12-10",
        kind: "adjustment",
        lines: [line(fee, "fee", "enterprise", "499.83"), line(reversal, "reversal", "pro", "-166.50")],
        payments: [{ amount: "333.33", reference: "PAY-2026-0042", paid_at: "2026-11-30T16:15:00Z" }],
        amount_paid: "333.33",
        amount_due: "0.00",
        applications: [{ source: "payment", id: "PAY000042", amount: "333.33", at: "2026-11-30T16:15:00Z" }],
        credit_note_ids: [],
      }, "叁佰叁拾叁元叁角叁分")),
    });
  });
  try {
    await page.goto(`${portal.url}/invoices/${id}?lang=zh&token=${token}`);
    const rows = page.locator("table.invoice-lines tbody tr");
    await rows.first().waitFor();
    assert.deepEqual(asked, ["zh"]);
    assert.equal(await rows.count(), 2);
    assert.match(await rows.nth(0).textContent(), /企业版 2026-11-26 至 2026-11-30/);
    assert.equal(await rows.nth(0).locator(".line-meta").textContent(), "2026-11-26 – 2026-11-30 · 5/30 天");
    assert.equal(await rows.nth(0).locator(".credit-mark").count(), 0);
    // The reversal: marked, and its amount negative.
    assert.ok((await rows.nth(1).getAttribute("class")).includes("credit"));
    assert.equal(await rows.nth(1).locator(".credit-mark").textContent(), "冲销");
    assert.equal(await rows.nth(1).locator("td.amount").textContent(), "¥-166.50");
    assert.equal(await page.locator("table.invoice-lines tfoot td").textContent(), "¥333.33");
    // Issued on the 27th in Shanghai (17:30 UTC on the 26th).
    assert.match(await page.locator(".facts.wide").textContent(), /2026-11-27/);
    const payments = page.locator("table.payments tbody tr");
    assert.equal(await payments.count(), 1);
    assert.deepEqual(
      (await payments.first().locator("td").allTextContents()).map((t) => t.trim()),
      ["2026-12-01 00:15", "PAY-2026-0042", "¥333.33"],
    );
    await page.getByRole("heading", { name: "付款记录" }).waitFor();
    // VAT (§14): each line's rate and tax; the document's net, tax and total per rate
    // (13 % on enterprise, 6 % on pro's reversal) and the total in capital numerals.
    assert.equal(await rows.nth(0).locator(".line-tax").textContent(), "不含税 ¥442.33，税率 13%，税额 ¥57.50");
    assert.equal(await rows.nth(1).locator(".line-tax").textContent(), "不含税 ¥-157.08，税率 6%，税额 ¥-9.42");
    const tax = page.locator(".tax-summary");
    assert.deepEqual(await tax.locator(".tax-rate-part").allTextContents(), [
      "金额 ¥-157.08，税额 ¥-9.42，价税合计 ¥-166.50",
      "金额 ¥442.33，税额 ¥57.50，价税合计 ¥499.83",
    ]);
    assert.equal(await tax.locator(".net-amount").textContent(), "¥285.25");
    assert.equal(await tax.locator(".tax-amount").textContent(), "¥48.08");
    assert.equal(await tax.locator(".gross-amount").textContent(), "¥333.33");
    assert.equal(await tax.locator(".amount-in-words").textContent(), "叁佰叁拾叁元叁角叁分");

    // The language switch asks again, in English.
    await page.getByRole("button", { name: /Switch to English/ }).click();
    await page.locator("table.invoice-lines tbody tr").filter({ hasText: "Enterprise 2026-11-26 to 2026-11-30" }).waitFor();
    assert.deepEqual(asked, ["zh", "en"]);
    assert.equal(await rows.nth(0).locator(".line-meta").textContent(), "2026-11-26 – 2026-11-30 · 5 of 30 days");
    assert.equal(await rows.nth(1).locator(".credit-mark").textContent(), "Reversal");
    await page.getByRole("heading", { name: "Payments", exact: true }).waitFor();
    assert.equal(await rows.nth(0).locator(".line-tax").textContent(), "net ¥442.33, VAT 13%: ¥57.50");
    assert.equal(await tax.locator("dt").first().textContent(), "At 6%");
    // One language per page: no capital numerals on the English one.
    assert.equal(await tax.locator(".amount-in-words").count(), 0);
    await page.getByRole("button", { name: /切换到中文/ }).click();
    await page.getByRole("heading", { name: "付款记录" }).waitFor();
  } finally {
    await context.unroute(stub);
  }
});
