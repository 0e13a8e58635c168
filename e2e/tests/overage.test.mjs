// Usage beyond the plan (contract §10) as the app shows it: each plan's overage prices,
// the usage page's included units, overage units and their charge so far, the overview's
// upcoming bill, and the next month's invoice that bills this month's overage. The usage
// comes in through the internal API, with a service token, as the platform sends it.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startPortal, openBrowser, screenshot, yuan, withTax, taxTotals, taxedDoc, noSidewaysScroll } from "../lib/harness.mjs";

let portal;
let browser;
let token;
before(async () => {
  portal = await startPortal();
  browser = await openBrowser();
  token = portal.token({ role: "admin", user: "user_overage" });
});
after(async () => {
  await browser?.close();
  await portal?.stop();
});

const number = (text) => Number(text.replace(/[^\d.-]/g, ""));
const grouped = (n) => n.toLocaleString("en-US");

/**
 * Conversations far beyond pro's 10,000 and nine seats (pro includes five) today. At
 * 00:00 UTC, so the day counted (Asia/Shanghai, 08:00) is the UTC date the app's usage
 * page takes as today.
 */
let ingested = false;
async function ingestAboveQuota() {
  if (ingested) return;
  const day = new Date().toISOString().slice(0, 10);
  const event = (id, product, count) => ({
    event_id: `e2e-overage-${id}`,
    customer_id: "cust_demo",
    product,
    count,
    occurred_at: `${day}T00:00:00Z`,
  });
  const answer = await portal.post("/api/internal/usage", portal.serviceToken(), {
    events: [event("chat", "ai_chat", 25_000), event("seats", "agent_seats", 9)],
  });
  assert.equal(answer.accepted, 2);
  ingested = true;
}

// A stubbed fee line: pro's February 2099, whole.
const feeLine = (description) => withTax({
  description,
  quantity: 1,
  unit_price: "999.00",
  amount: "999.00",
  kind: "fee",
  plan_id: "pro",
  period: "2099-02",
  from: "2099-02-01",
  to: "2099-02-28",
  days: 28,
  days_in_month: 28,
});

// A stubbed usage line (`overage` or `adjustment`).
const usageLine = (
  description, kind, product, quantity, unit_price, amount,
  period = "2099-01", used = 12345, included = 10000,
) => withTax({
  description,
  quantity,
  unit_price,
  amount,
  kind,
  product,
  period,
  used,
  included,
});

test("the plan comparison shows each plan's overage prices", async () => {
  const { page } = browser;
  const { plans } = await portal.api("/api/portal/plans", token);
  // The demo values of the contract, cheapest plan first.
  assert.deepEqual(
    plans.map((p) => [p.overage.ai_chat, p.overage.email, p.overage.agent_seats]),
    [
      ["0.08", "0.05", "129.00"],
      ["0.05", "0.03", "99.00"],
      ["0.03", "0.02", "79.00"],
    ],
  );
  await page.goto(`${portal.url}/plans?lang=zh&token=${token}`);
  await page.locator("table.plans").waitFor();
  assert.equal((await page.locator("table.plans tr.group th").textContent()).trim(), "超出部分单价");
  const rows = [
    ["ai_chat", "AI 对话（每次）", "Per conversation"],
    ["email", "邮件（每封）", "Per e-mail"],
    ["agent_seats", "坐席（每席·月）", "Per seat per month"],
  ];
  for (const [product, zh] of rows) {
    const row = page.locator(`table.plans tr[data-row="overage.${product}"]`);
    assert.equal((await row.locator("th").textContent()).trim(), zh);
    assert.deepEqual(
      (await row.locator("td").allTextContents()).map((t) => t.trim()),
      plans.map((p) => yuan(p.overage[product])),
      `${product}: one price per plan, in the plans' order`,
    );
  }
  await screenshot(page, "plans-overage-zh");

  await page.getByRole("button", { name: /Switch to English/ }).click();
  await page.locator("table.plans tr.group th").filter({ hasText: "Overage prices" }).waitFor();
  for (const [product, , en] of rows) {
    const row = page.locator(`table.plans tr[data-row="overage.${product}"]`);
    assert.equal((await row.locator("th").textContent()).trim(), en);
  }
  await page.getByRole("button", { name: /切换到中文/ }).click();
  await page.locator("table.plans tr.group th").filter({ hasText: "超出部分单价" }).waitFor();
});

test("with nothing owed, the upcoming bill says so", async () => {
  const { page, context } = browser;
  // A stubbed answer: no line yet, though this month's pace will cost something.
  const stub = (url) => url.pathname === "/api/portal/billing/upcoming";
  await context.route(stub, (route) =>
    route.fulfill({
      contentType: "application/json",
      body: JSON.stringify({
        period: "2099-02",
        currency: "CNY",
        amount: "0.00",
        lines: [],
        projected_amount: "12.50",
        projected_lines: [],
        amount_in_words: "零元整",
        ...taxTotals([]),
        ...taxTotals([], "projected_"),
      }),
    }),
  );
  try {
    await page.goto(`${portal.url}/?lang=zh&token=${token}`);
    const card = page.locator("section.upcoming");
    await card.locator(".state.empty").filter({ hasText: "目前没有应付款项。" }).waitFor();
    assert.equal((await card.locator("h2").textContent()).trim(), "下期账单预估");
    assert.equal(await card.locator(".upcoming-period").textContent(), "2099-02");
    assert.equal((await card.locator(".upcoming-amount").textContent()).trim(), "¥0.00");
    assert.equal((await card.locator(".upcoming-projected").textContent()).trim(), "¥12.50");
    assert.equal(await card.locator("table").count(), 0, "no table without lines");
  } finally {
    await context.unroute(stub);
  }
});

test("the usage page shows what the plan includes and what goes beyond it", async () => {
  await ingestAboveQuota();
  const { page } = browser;
  await page.goto(`${portal.url}/usage?lang=zh&token=${token}`);
  await page.locator('table.usage-summary tr[data-product="ai_chat"]').waitFor();
  // The month the page shows, as the API counts it.
  const month = await page.getByLabel("月份").inputValue();
  const usage = await portal.api(`/api/portal/usage?month=${month}`, token);
  for (const p of usage.products) {
    const row = page.locator(`table.usage-summary tr[data-product="${p.product}"]`);
    assert.equal(number(await row.locator("td.included").textContent()), p.included, `${p.product} included`);
    assert.equal(number(await row.locator("td.overage-units").textContent()), p.overage_units, `${p.product} units`);
    assert.equal((await row.locator("td.overage-amount").textContent()).trim(), yuan(p.overage_amount));
  }
  const chat = usage.products.find((p) => p.product === "ai_chat");
  assert.ok(chat.used > chat.included, `${chat.used} conversations of ${chat.included} included`);
  assert.equal(chat.overage_units, chat.used - chat.included);
  assert.ok(Number(chat.overage_amount) > 0);
  // Seats beyond the plan are seat-days.
  const seats = usage.products.find((p) => p.product === "agent_seats");
  assert.ok(seats.overage_units > 0, `${seats.overage_units} seat-days`);
  const seatCell = page.locator('table.usage-summary tr[data-product="agent_seats"] td.overage-units');
  assert.equal((await seatCell.textContent()).trim(), `${grouped(seats.overage_units)} 席·天`);
  assert.match(await page.locator(".card .note").first().textContent(), /席·天/);
  // The quota bar says it too.
  assert.equal(
    (await page.locator('.quota-list .quota[data-product="ai_chat"] .quota-beyond').textContent()).trim(),
    `超出 ${grouped(chat.overage_units)}，费用 ${yuan(chat.overage_amount)}`,
  );
  assert.equal(await page.locator('.quota-list .quota[data-product="email"] .quota-beyond').count(), usage.products.find((p) => p.product === "email").overage_units > 0 ? 1 : 0);
  await screenshot(page, "usage-overage-zh");

  await page.getByRole("button", { name: /Switch to English/ }).click();
  await page.getByRole("columnheader", { name: "Overage charge" }).waitFor();
  assert.equal((await seatCell.textContent()).trim(), `${grouped(seats.overage_units)} seat-days`);
  await page.getByRole("button", { name: /切换到中文/ }).click();
  await page.getByRole("columnheader", { name: "超出费用" }).waitFor();
});

test("the overview's upcoming bill shows the amount so far and the overage line", async () => {
  await ingestAboveQuota();
  const { page } = browser;
  const bill = await portal.api("/api/portal/billing/upcoming?lang=zh", token);
  const chat = bill.lines.find((l) => l.kind === "overage" && l.product === "ai_chat");
  assert.ok(chat, `an ai_chat overage line: ${JSON.stringify(bill.lines)}`);
  await page.goto(`${portal.url}/?lang=zh&token=${token}`);
  const card = page.locator("section.upcoming");
  await card.locator("table.invoice-lines").waitFor();
  assert.equal((await card.locator("h2").textContent()).trim(), "下期账单预估");
  assert.equal(await card.locator(".upcoming-period").textContent(), bill.period);
  assert.equal((await card.locator(".upcoming-amount").textContent()).trim(), yuan(bill.amount));
  assert.equal(await card.locator(".upcoming-amount").getAttribute("data-amount"), bill.amount);
  assert.equal((await card.locator(".upcoming-projected").textContent()).trim(), yuan(bill.projected_amount));
  assert.equal(await card.locator("table.invoice-lines tbody tr").count(), bill.lines.length);
  assert.equal((await card.locator("table.invoice-lines tfoot td").textContent()).trim(), yuan(bill.amount));

  const row = card.locator('tr[data-kind="overage"][data-product="ai_chat"]');
  assert.equal((await row.locator(".line-text").textContent()).trim(), chat.description);
  assert.equal((await row.locator(".usage-mark").textContent()).trim(), "超额");
  assert.equal((await row.locator("td.amount").textContent()).trim(), yuan(chat.amount));
  assert.equal(number(await row.locator("td").nth(1).textContent()), chat.quantity);
  await screenshot(page, "overview-upcoming-zh");

  // The server words the lines: asked again in English on a switch.
  const en = await portal.api("/api/portal/billing/upcoming?lang=en", token);
  const enChat = en.lines.find((l) => l.kind === "overage" && l.product === "ai_chat");
  await page.getByRole("button", { name: /Switch to English/ }).click();
  await card.getByRole("heading", { name: "Next bill estimate" }).waitFor();
  await row.locator(".line-text").filter({ hasText: enChat.description }).waitFor();
  assert.equal((await row.locator(".usage-mark").textContent()).trim(), "Overage");
  await page.getByRole("button", { name: /切换到中文/ }).click();
  await card.getByRole("heading", { name: "下期账单预估" }).waitFor();
});

test("the next month's invoice bills this month's overage, and shows it", async () => {
  await ingestAboveQuota();
  const { page } = browser;
  const bill = await portal.api("/api/portal/billing/upcoming?lang=zh", token);
  const run = await portal.post("/api/internal/billing/run", portal.serviceToken(), { period: bill.period });
  assert.ok(run.created >= 1, JSON.stringify(run));
  const { invoices } = await portal.api("/api/portal/invoices", token);
  const issued = invoices.find((i) => i.period === bill.period);
  assert.ok(issued, `an invoice for ${bill.period}`);
  const invoice = await portal.api(`/api/portal/invoices/${issued.invoice_id}?lang=zh`, token);
  // The preview is the charge (contract §10).
  assert.equal(invoice.amount, bill.amount);
  assert.deepEqual(
    invoice.lines.map((l) => [l.kind, l.product ?? null, l.amount]),
    bill.lines.map((l) => [l.kind, l.product ?? null, l.amount]),
  );
  const chat = invoice.lines.find((l) => l.kind === "overage" && l.product === "ai_chat");
  assert.ok(chat, "the invoice bills the conversations beyond the plan");

  await page.goto(`${portal.url}/invoices/${issued.invoice_id}?lang=zh&token=${token}`);
  await page.getByRole("heading", { name: `账单 ${issued.invoice_id}` }).waitFor();
  const rows = page.locator("table.invoice-lines tbody tr");
  await rows.first().waitFor();
  assert.equal(await rows.count(), invoice.lines.length);
  const row = page.locator('table.invoice-lines tr[data-kind="overage"][data-product="ai_chat"]');
  assert.equal((await row.locator(".line-text").textContent()).trim(), chat.description);
  assert.equal((await row.locator(".usage-mark").textContent()).trim(), "超额");
  assert.equal(number(await row.locator("td").nth(1).textContent()), chat.quantity);
  assert.equal((await row.locator("td.amount").textContent()).trim(), yuan(chat.amount));
  const seats = invoice.lines.find((l) => l.kind === "overage" && l.product === "agent_seats");
  if (seats) {
    const cell = page.locator('table.invoice-lines tr[data-kind="overage"][data-product="agent_seats"] td').nth(1);
    assert.equal((await cell.textContent()).trim(), `${grouped(seats.quantity)} 席·天`);
  }
  // Fee lines keep their look: no usage badge.
  assert.equal(await page.locator('table.invoice-lines tr[data-kind="fee"] .usage-mark').count(), 0);
  assert.equal((await page.locator("table.invoice-lines tfoot td").textContent()).trim(), yuan(invoice.amount));
  await screenshot(page, "invoice-overage-zh");
});

test("usage lines of an invoice: overage and adjustment marked, seats in seat-days, in both languages", async () => {
  const { page, context } = browser;
  // A stubbed invoice, worded in the language asked for (the app shows what the API sends).
  const id = "INV209902001";
  const words = {
    zh: [
      "专业版 2099-02-01 至 2099-02-28",
      "AI 对话超额（2099-01）：已用 12345，含 10000，超出 2345 × ¥0.05",
      "坐席超额（2099-01）：超出 4 席·天，¥99.00/席·月，按 31 天折算；最高 9 席，含 5 席",
      "用量调整：AI 对话超额（2098-12）：已用 10100，含 10000，补计 100 × ¥0.05",
    ],
    en: [
      "Pro 2099-02-01 to 2099-02-28",
      "AI chat overage, 2099-01: 12345 used, 10000 included, 2345 beyond × 0.05",
      "Agent seats overage, 2099-01: 4 seat-days beyond the plan at 99.00 per seat-month / 31 days; highest 9, 5 included",
      "Usage adjustment: AI chat overage, 2098-12: 10100 used, 10000 included, 100 more × 0.05",
    ],
  };
  const stub = (url) => url.pathname === `/api/portal/invoices/${id}`;
  await context.route(stub, (route) => {
    const lang = new URL(route.request().url()).searchParams.get("lang");
    const [fee, chat, seats, adjustment] = words[lang] ?? words.zh;
    return route.fulfill({
      contentType: "application/json",
      body: JSON.stringify(taxedDoc({
        invoice_id: id,
        amount: "1134.02",
        currency: "CNY",
        period: "2099-02",
        status: "pending",
        created_at: "2099-01-31T16:00:00Z",
        due_date: "2099-02-16",
        kind: "subscription",
        amount_paid: "0.00",
        amount_due: "1134.02",
        applications: [],
        credit_note_ids: [],
        lines: [
          feeLine(fee),
          usageLine(chat, "overage", "ai_chat", 2345, "0.05", "117.25", "2099-01", 12345, 10000),
          // 4 seat-days × 99.00 / 31 days.
          usageLine(seats, "overage", "agent_seats", 4, "99.00", "12.77", "2099-01", 9, 5),
          usageLine(adjustment, "adjustment", "ai_chat", 100, "0.05", "5.00", "2098-12", 10100, 10000),
        ],
        payments: [],
      })),
    });
  });
  try {
    await page.goto(`${portal.url}/invoices/${id}?lang=zh&token=${token}`);
    const rows = page.locator("table.invoice-lines tbody tr");
    await rows.first().waitFor();
    assert.equal(await rows.count(), 4);
    // The fee as before: its days, no badge.
    assert.equal(await rows.nth(0).locator(".badge").count(), 0);
    assert.equal(await rows.nth(0).locator(".line-meta").textContent(), "2099-02-01 – 2099-02-28 · 28/28 天");
    // Overage: marked; its description (the API's) says the month and what was used.
    assert.equal(await rows.nth(1).locator(".usage-mark").textContent(), "超额");
    assert.equal(await rows.nth(1).locator(".line-text").textContent(), words.zh[1]);
    assert.equal(await rows.nth(1).locator(".line-meta").count(), 0);
    assert.equal((await rows.nth(1).locator("td").nth(1).textContent()).trim(), "2,345");
    assert.equal(await rows.nth(1).locator("td.amount").textContent(), "¥117.25");
    // Seats: seat-days.
    assert.equal((await rows.nth(2).locator("td").nth(1).textContent()).trim(), "4 席·天");
    assert.equal(await rows.nth(2).locator("td.amount").textContent(), "¥12.77");
    // A late month's usage: an adjustment.
    assert.equal(await rows.nth(3).locator(".usage-mark").textContent(), "用量调整");
    assert.equal(await rows.nth(3).locator(".line-text").textContent(), words.zh[3]);
    assert.equal(await page.locator("table.invoice-lines tfoot td").textContent(), "¥1,134.02");

    await page.getByRole("button", { name: /Switch to English/ }).click();
    await rows.filter({ hasText: words.en[1] }).waitFor();
    assert.equal(await rows.nth(1).locator(".usage-mark").textContent(), "Overage");
    assert.equal((await rows.nth(2).locator("td").nth(1).textContent()).trim(), "4 seat-days");
    assert.equal(await rows.nth(3).locator(".usage-mark").textContent(), "Usage adjustment");
    await page.getByRole("button", { name: /切换到中文/ }).click();
    await rows.filter({ hasText: words.zh[1] }).waitFor();
  } finally {
    await context.unroute(stub);
  }
});

test("a 360 px side panel shows the upcoming bill's lines without horizontal scrolling", async () => {
  const { page, context } = browser;
  const stub = (url) => url.pathname === "/api/portal/billing/upcoming";
  await context.route(stub, (route) =>
    route.fulfill({
      contentType: "application/json",
      body: JSON.stringify(taxedDoc({
        period: "2099-02",
        currency: "CNY",
        amount: "1116.25",
        lines: [
          feeLine("专业版 2099-02-01 至 2099-02-28（长描述用来检查换行与横向滚动）"),
          usageLine("AI 对话超额（2099-01）：已用 12345，含 10000，超出 2345 × ¥0.05", "overage", "ai_chat", 2345, "0.05", "117.25"),
        ],
        projected_amount: "1250.00",
        projected_lines: [],
      })),
    }),
  );
  await page.setViewportSize({ width: 360, height: 740 });
  try {
    await page.goto(`${portal.url}/?lang=zh&token=${token}`);
    await page.locator("section.upcoming table.invoice-lines").waitFor();
    await page.locator(".plan-name").waitFor();
    // The other cards have requests of their own.
    await noSidewaysScroll(page, "the overview");
    await screenshot(page, "overview-upcoming-360-zh");
  } finally {
    await page.setViewportSize({ width: 1280, height: 900 });
    await context.unroute(stub);
  }
});
