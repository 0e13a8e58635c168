// 费用分析 Cost analysis (contract §16): a stacked bar per month whose values a tap, a click
// or the keyboard shows, the change from the month before, the same figures as a table —
// in zh and en, at 1280 and 360 px.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startPortal, openBrowser, screenshot, yuan } from "../lib/harness.mjs";

let portal;
before(async () => {
  portal = await startPortal();
});
after(async () => {
  await portal?.stop();
});

const WORDS = {
  zh: { heading: "费用分析", total: "合计", change: "环比" },
  en: { heading: "Cost analysis", total: "Total", change: "Change" },
};

for (const width of [1280, 360]) {
  for (const lang of ["zh", "en"]) {
    test(`costs of twelve months as bars and a table, values by tap and keyboard (${lang}, ${width} px)`, async () => {
      const browser = await openBrowser({ width, height: 900 });
      try {
        const { page } = browser;
        const token = portal.token({ role: "member" });
        const costs = await portal.api("/api/portal/costs?months=12", token);
        assert.equal(costs.months.length, 12);
        await page.goto(`${portal.url}/costs?lang=${lang}&token=${token}`);
        await page.locator("main h1", { hasText: WORDS[lang].heading }).waitFor();
        const bars = page.locator("button.cost-bar");
        await bars.first().waitFor();
        assert.equal(await bars.count(), 12);

        // This month is shown first: its total as the API says it.
        const last = costs.months[11];
        const detail = page.locator(".cost-detail");
        await detail.locator("h2", { hasText: last.month }).waitFor();
        assert.equal(await detail.locator(".cost-total").textContent(), yuan(last.total));
        assert.equal(await bars.nth(11).getAttribute("aria-pressed"), "true");

        // A tap on the month with the highest total shows its figures.
        const highest = costs.months.reduce((best, m, i) => (Number(m.total) > Number(costs.months[best].total) ? i : best), 0);
        await bars.nth(highest).click();
        await detail.locator("h2", { hasText: costs.months[highest].month }).waitFor();
        assert.equal(await detail.locator(".cost-total").textContent(), yuan(costs.months[highest].total));
        // The tallest bar is the month whose charges (above the line) are the highest.
        const up = (m) => [m.fees, ...m.overage.map((p) => p.amount), m.adjustments, m.tax, m.credits]
          .map(Number).filter((a) => a > 0).reduce((a, b) => a + b, 0);
        const most = costs.months.reduce((best, m, i) => (up(m) > up(costs.months[best]) ? i : best), 0);
        const heights = await page.locator("button.cost-bar .side.up .stack").evaluateAll((stacks) => stacks.map((s) => s.getBoundingClientRect().height));
        assert.equal(heights.indexOf(Math.max(...heights)), most, `heights ${heights}`);

        // The keyboard: ← shows the month before, End the last.
        await bars.nth(highest).focus();
        if (highest > 0) {
          await page.keyboard.press("ArrowLeft");
          await detail.locator("h2", { hasText: costs.months[highest - 1].month }).waitFor();
          assert.equal(await page.evaluate(() => document.activeElement.id), `cost-bar-${highest - 1}`);
        }
        await page.keyboard.press("End");
        await detail.locator("h2", { hasText: last.month }).waitFor();

        // The table: a row per month, newest first, with the change from the month before.
        const rows = page.locator("table.costs tbody tr");
        assert.equal(await rows.count(), 12);
        assert.equal(await rows.first().locator("th").textContent(), last.month);
        const totalCell = rows.first().locator("td").nth(5);
        assert.equal(await totalCell.textContent(), yuan(last.total));
        const change = await rows.first().locator("td").nth(6).textContent();
        if (last.change === null) assert.equal(change, "—");
        else assert.ok(change.includes(yuan(last.change).replace("-", "")), `${change} vs ${last.change}`);
        // One language per page.
        const text = await page.locator("main").innerText();
        if (lang === "en") assert.doesNotMatch(text, /[\u4e00-\u9fff]/, "Chinese on the English page");
        else assert.match(text, new RegExp(WORDS.zh.total));
        await screenshot(page, `costs-${lang}-${width}`);
      } finally {
        await browser.close();
      }
    });
  }
}
