// What the customer owes, in the app (contract §15): the overview's 应付金额 card with
// how to pay (each fact with a copy button); a bank transfer that leaves credit; the
// invoice detail with what paid it; a credit note beside the invoices and its own page;
// the statement page with its range and downloads. In Chinese and English, at 1280 and
// 360 px, nothing scrolls sideways.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startPortal, openBrowser, screenshot, yuan, noSidewaysScroll } from "../lib/harness.mjs";

let portal;
let browser;
let token;
before(async () => {
  portal = await startPortal();
  browser = await openBrowser();
  token = portal.token({ role: "admin", user: "user_clerk" });
});
after(async () => {
  await browser?.close();
  await portal?.stop();
});

const SIZES = [1280, 360];
const LANGS = ["zh", "en"];

async function service(method, path, body) {
  const res = await fetch(portal.urlOf(path), {
    method,
    headers: { Authorization: `Bearer ${portal.serviceToken()}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

test("the overview shows what is owed and how to pay, and a transfer leaves credit", async () => {
  const { page } = browser;
  const before = await portal.api("/api/portal/balance", token);
  for (const width of SIZES) {
    await page.setViewportSize({ width, height: 900 });
    for (const lang of LANGS) {
      await page.goto(`${portal.url}/?lang=${lang}&token=${token}`);
      const card = page.locator(".balance-outstanding");
      await card.waitFor();
      assert.equal(await card.textContent(), yuan(before.outstanding));
      assert.equal(await page.locator(".balance-overdue").textContent(), yuan(before.overdue));
      const facts = await page.locator(".pay-to .copyable .value").allTextContents();
      assert.deepEqual(facts, [
        before.pay_to.account_name,
        before.pay_to.bank_name,
        before.pay_to.account_number,
        before.remittance_code,
      ]);
      const copy = page.locator(".pay-to button.copy");
      assert.equal(await copy.count(), 4);
      assert.equal(await copy.first().textContent(), lang === "zh" ? "复制" : "Copy");
      await noSidewaysScroll(page, `the ${lang} overview at ${width}px`);
      await screenshot(page, `receivables-overview-${lang}-${width}`);
    }
  }
  // More than is owed, by remittance code: everything paid, the rest is credit.
  const extra = "100.00";
  const amount = (Number(before.outstanding) + Number(extra)).toFixed(2);
  await service("POST", "/api/internal/payments", {
    amount,
    reference: "E2E-TRANSFER-1",
    remittance_code: before.remittance_code,
  });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${portal.url}/?lang=zh&token=${token}`);
  await page.locator(".balance-credit").waitFor();
  assert.equal(await page.locator(".balance-outstanding").textContent(), yuan("0.00"));
  assert.equal(await page.locator(".balance-credit").textContent(), yuan(extra));

  // The invoice detail says what paid it.
  const { invoices } = await portal.api("/api/portal/invoices", token);
  const paidByTransfer = invoices.find((i) => i.status === "paid" && i.amount_paid !== "0.00");
  const invoice = await portal.api(`/api/portal/invoices/${paidByTransfer.invoice_id}`, token);
  for (const lang of LANGS) {
    await page.goto(`${portal.url}/invoices/${invoice.invoice_id}?lang=${lang}&token=${token}`);
    await page.locator(".invoice-paid").waitFor();
    assert.equal(await page.locator(".invoice-paid").textContent(), yuan(invoice.amount_paid));
    assert.equal(await page.locator(".invoice-due").textContent(), yuan("0.00"));
    const rows = page.locator("table.applications tbody tr");
    assert.equal(await rows.count(), invoice.applications.length);
  }
});

test("a month cut short is a credit note beside the invoices, on its own page", async () => {
  const { page } = browser;
  const id = "cust_e2e_cn";
  await service("PUT", `/api/internal/customers/${id}`, {
    company_name: "贷项测试有限公司",
    contact_name: "钱七",
    contact_email: "q@example.com",
  });
  const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
  const month = today.slice(0, 7);
  await service("PUT", `/api/internal/customers/${id}/subscription`, {
    plan_id: "pro",
    start_date: "2026-01-01",
    end_date: "2027-12-31",
  });
  await service("POST", "/api/internal/billing/run", { period: month });
  await service("PUT", `/api/internal/customers/${id}/subscription`, {
    plan_id: "pro",
    start_date: "2026-01-01",
    end_date: `${month}-01`,
  });
  const clerk = portal.token({ customer: id, role: "admin", user: "user_clerk" });
  const { credit_notes } = await portal.api("/api/portal/credit-notes", clerk);
  assert.equal(credit_notes.length, 1);
  const note = await portal.api(`/api/portal/credit-notes/${credit_notes[0].credit_note_id}`, clerk);
  for (const width of SIZES) {
    await page.setViewportSize({ width, height: 900 });
    for (const lang of LANGS) {
      await page.goto(`${portal.url}/invoices?lang=${lang}&token=${clerk}`);
      const row = page.locator(`tr[data-credit-note="${note.credit_note_id}"]`);
      await row.waitFor();
      assert.equal(await row.locator(".badge").textContent(), lang === "zh" ? "贷项通知单" : "Credit note");
      await noSidewaysScroll(page, `the ${lang} invoices at ${width}px`);
      await page.goto(`${portal.url}/credit-notes/${note.credit_note_id}?lang=${lang}&token=${clerk}`);
      await page.locator(".credit-total").waitFor();
      assert.equal(await page.locator(".credit-total").textContent(), yuan(note.amount));
      assert.deepEqual(await page.locator("ul.credited a").allTextContents(), note.credits_invoice_ids);
      await noSidewaysScroll(page, `the ${lang} credit note at ${width}px`);
      await screenshot(page, `receivables-credit-note-${lang}-${width}`);
    }
  }
});

test("the statement page lists the account with its running balance and downloads it", async () => {
  const { page } = browser;
  const statement = await portal.api("/api/portal/statement", token);
  for (const width of SIZES) {
    await page.setViewportSize({ width, height: 900 });
    for (const lang of LANGS) {
      await page.goto(`${portal.url}/statement?lang=${lang}&token=${token}`);
      await page.locator(".statement-closing").waitFor();
      assert.equal(await page.locator(".statement-closing").textContent(), yuan(statement.closing_balance));
      assert.equal(await page.locator("table.statement tbody tr[data-kind]").count(), statement.entries.length);
      assert.equal(
        await page.locator("button.download-xlsx").textContent(),
        lang === "zh" ? "下载 Excel" : "Download Excel",
      );
      await noSidewaysScroll(page, `the ${lang} statement at ${width}px`);
      await screenshot(page, `receivables-statement-${lang}-${width}`);
    }
  }
  const [download] = await Promise.all([page.waitForEvent("download"), page.locator("button.download-csv").click()]);
  assert.match(download.suggestedFilename(), /^statement-\d{4}-\d{2}-\d{4}-\d{2}\.csv$/);
});

test("a suspended customer is told why and what to pay", async () => {
  // The demo's unpaid bill is a few days overdue: suspended after one day.
  const strict = await startPortal({ env: { PORTAL_SUSPEND_AFTER_DAYS: "1" } });
  try {
    const clerk = strict.token({ role: "admin", user: "user_clerk" });
    const balance = await strict.api("/api/portal/balance", clerk);
    assert.equal(balance.suspended, true);
    const { page } = browser;
    for (const width of SIZES) {
      await page.setViewportSize({ width, height: 900 });
      for (const lang of LANGS) {
        // Every page says it, not the overview only; its link leads to how to pay.
        for (const [path, name] of [["/", "overview"], ["/usage", "usage"], ["/invoices", "invoices"]]) {
          await page.goto(`${strict.url}${path}?lang=${lang}&token=${clerk}`);
          const banner = page.locator(".suspended");
          await banner.waitFor();
          const text = await banner.textContent();
          assert.ok(text.includes(yuan(balance.overdue)), `${path}: ${text}`);
          assert.ok(lang === "zh" ? text.startsWith("服务已暂停") : text.startsWith("Service is suspended"), text);
          await noSidewaysScroll(page, `the ${lang} suspended ${name} at ${width}px`);
          await screenshot(page, `receivables-suspended-${name}-${lang}-${width}`);
        }
        await page.locator(".suspended a").click();
        await page.locator(".how-to-pay").waitFor();
      }
    }
  } finally {
    await strict.stop();
  }
});
