// VAT on the app's money views (contract §14): the plans page says the prices include
// VAT and at which rate; the upgrade preview and the overview's upcoming bill show net,
// tax and total (per rate when there are two) as the API says; in Chinese and English, at
// 1280 and 360 px, nothing scrolls sideways.

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

/** Every element of `selector` lies within the viewport's width. */
async function inside(page, selector) {
  const width = page.viewportSize().width;
  for (const box of await page.locator(selector).evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON()))) {
    assert.ok(box.left >= 0 && box.right <= width + 0.5, `${selector} at ${box.left}–${box.right} of ${width}`);
  }
}

/**
 * The tax summary in `scope` shows `doc`'s net, tax and total (and each rate's part), and
 * in Chinese only the total in capital numerals.
 */
async function showsTax(scope, doc, lang) {
  const summary = scope.locator(".tax-summary");
  const words = summary.locator(".amount-in-words");
  if (lang === "zh") {
    assert.equal(await words.textContent(), doc.amount_in_words);
  } else {
    assert.equal(await words.count(), 0);
  }
  assert.equal(await summary.locator(".net-amount").textContent(), yuan(doc.net_amount));
  assert.equal(await summary.locator(".tax-amount").textContent(), yuan(doc.tax_amount));
  assert.equal(await summary.locator(".gross-amount").textContent(), yuan(doc.amount));
  const parts = await summary.locator(".tax-rate-part").allTextContents();
  if (doc.tax_breakdown.length > 1) {
    assert.deepEqual(
      parts,
      doc.tax_breakdown.map((p) =>
        lang === "zh"
          ? `金额 ${yuan(p.net_amount)}，税额 ${yuan(p.tax_amount)}，价税合计 ${yuan(p.amount)}`
          : `net ${yuan(p.net_amount)}, VAT ${yuan(p.tax_amount)}, total ${yuan(p.amount)}`,
      ),
    );
  } else {
    assert.equal(parts.length, 0);
  }
}

test("the plans page says the prices include VAT and at which rate", async () => {
  const { page } = browser;
  for (const width of SIZES) {
    await page.setViewportSize({ width, height: 900 });
    for (const lang of LANGS) {
      await page.goto(`${portal.url}/plans?lang=${lang}&token=${token}`);
      const note = page.locator(".vat-note");
      await note.waitFor();
      assert.equal(await note.textContent(), lang === "zh" ? "价格含 6% 增值税" : "Prices include 6% VAT");
      const cells = await page.locator('table.plans tr[data-row="tax_rate"] td').allTextContents();
      assert.deepEqual(cells, ["6%", "6%", "6%"]);
      await noSidewaysScroll(page, `the ${lang} plans page at ${width}px`);
      await inside(page, ".vat-note");
      await screenshot(page, `tax-plans-${width}-${lang}`);
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });
});

/** Puts the demo catalogue's enterprise plan at `rate`, as the platform's catalogue would. */
async function enterpriseAt(rate) {
  const res = await fetch(portal.urlOf("/api/internal/plans/enterprise"), {
    method: "PUT",
    headers: { Authorization: `Bearer ${portal.serviceToken()}`, "Content-Type": "application/json" },
    body: JSON.stringify({
      name: "企业版", price: "2999.00", tax_rate: rate,
      features: { ai_chat_quota: 50000, agent_seats: 20, email_quota: 5000 },
      overage: { ai_chat: "0.03", email: "0.02", agent_seats: "79.00" },
    }),
  });
  assert.equal(res.status, 200, await res.text());
}

test("the upgrade preview and the upcoming bill show net, tax and total, per rate", async (t) => {
  // Enterprise at 13 %: moving to it mid-month takes pro back at 6 % and charges 13 %.
  await enterpriseAt("0.13");
  t.after(() => enterpriseAt("0.06"));
  const { page } = browser;
  for (const width of SIZES) {
    await page.setViewportSize({ width, height: 900 });
    for (const lang of LANGS) {
      const preview = await portal.api(`/api/portal/subscription/upgrade/preview?plan_id=enterprise&lang=${lang}`, token);
      assert.equal(preview.tax_breakdown.length, 2, JSON.stringify(preview));
      await page.goto(`${portal.url}/plans?lang=${lang}&token=${token}`);
      // Two rates now: the note points at each plan's.
      await page.locator('table.plans tr[data-row="tax_rate"]').waitFor();
      assert.equal(
        await page.locator(".vat-note").textContent(),
        lang === "zh" ? "价格含增值税，各套餐税率见下表" : "Prices include VAT at each plan's rate below",
      );
      assert.deepEqual(await page.locator('table.plans tr[data-row="tax_rate"] td').allTextContents(), ["6%", "6%", "13%"]);
      await page.locator('button.upgrade[data-plan="enterprise"]').click();
      const panel = page.locator(".confirm-panel");
      await panel.locator(".tax-summary").waitFor();
      await showsTax(panel, preview, lang);
      await noSidewaysScroll(page, `the ${lang} preview at ${width}px`);
      await inside(page, ".confirm-panel .tax-summary dd");
      await screenshot(page, `tax-preview-${width}-${lang}`);

      const bill = await portal.api(`/api/portal/billing/upcoming?lang=${lang}`, token);
      await page.goto(`${portal.url}/?lang=${lang}&token=${token}`);
      const card = page.locator("section.upcoming");
      await card.locator(".tax-summary").waitFor();
      await showsTax(card, bill, lang);
      // Every line says its rate and tax.
      const lineTaxes = await card.locator("table.invoice-lines tbody .line-tax").allTextContents();
      assert.equal(lineTaxes.length, bill.lines.length);
      await noSidewaysScroll(page, `the ${lang} overview at ${width}px`);
      await inside(page, "section.upcoming .tax-summary dd");
      await screenshot(page, `tax-upcoming-${width}-${lang}`);
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });
});

test("an invoice shows its net, tax, total and, in Chinese, the total in capital numerals", async () => {
  const { page } = browser;
  const { invoices } = await portal.api("/api/portal/invoices", token);
  const id = invoices.find((i) => i.amount === "999.00").invoice_id;
  for (const width of SIZES) {
    await page.setViewportSize({ width, height: 900 });
    for (const lang of LANGS) {
      const invoice = await portal.api(`/api/portal/invoices/${id}?lang=${lang}`, token);
      await page.goto(`${portal.url}/invoices/${id}?lang=${lang}&token=${token}`);
      const summary = page.locator(".tax-summary");
      await summary.waitFor();
      await showsTax(page, invoice, lang);
      const dts = await summary.locator("dt").allTextContents();
      if (lang === "zh") {
        assert.deepEqual(dts, ["金额（不含税）", "税额（6%）", "价税合计", "大写金额"]);
        assert.equal(await summary.locator(".amount-in-words").textContent(), "玖佰玖拾玖元整");
      } else {
        assert.deepEqual(dts, ["Net amount", "VAT (6%)", "Total incl. VAT"]);
      }
      await noSidewaysScroll(page, `the ${lang} invoice at ${width}px`);
      await inside(page, ".tax-summary dd");
      await screenshot(page, `tax-invoice-${width}-${lang}`);
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });
});
