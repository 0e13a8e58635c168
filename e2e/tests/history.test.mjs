// The change history (变更记录) over the audit log: an upgrade that removes a scheduled
// downgrade (contract §9: a paid upgrade removes any scheduled downgrade, recorded in the
// audit log), an account edit, both languages, a 360 px panel and the keyboard.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startPortal, openBrowser, screenshot, yuan, noSidewaysScroll } from "../lib/harness.mjs";

let portal;
let browser;
before(async () => {
  portal = await startPortal();
  browser = await openBrowser();
});
after(async () => {
  await browser?.close();
  await portal?.stop();
});

/** An RFC 3339 UTC instant as the app shows it: Asia/Shanghai (UTC+8), to the minute. */
function shanghai(at) {
  return new Date(Date.parse(at) + 8 * 3600_000).toISOString().slice(0, 16).replace("T", " ");
}

/** Opens the history by the navigation (the token lives in memory only). */
async function openHistory(page, name = "变更记录") {
  await page.getByRole("navigation").getByRole("link", { name, exact: true }).click();
  await page.getByRole("heading", { name, level: 1 }).waitFor();
  await page.locator("ul.history, .state.empty, .state.error").first().waitFor();
}

test("upgrading while a downgrade is scheduled removes the downgrade, and the history says so", async () => {
  const { page } = browser;
  const token = portal.token({ role: "admin", user: "user_admin" });
  await page.goto(`${portal.url}/plans?token=${token}`);
  await page.locator("table.plans").waitFor();

  // Schedule the downgrade to basic: the notice appears.
  await page.getByRole("button", { name: "降级到基础版" }).click();
  await page.locator(".downgrade-panel").getByRole("button", { name: "确认降级" }).click();
  const notice = page.locator(".scheduled-change");
  await notice.waitFor();
  const scheduled = (await portal.api("/api/portal/subscription", token)).scheduled_change;
  assert.equal(scheduled?.plan_id, "basic");
  const date = scheduled.effective_date;
  assert.ok((await notice.textContent()).includes(date));

  // Upgrade to enterprise through the confirmation.
  await page.getByRole("button", { name: "升级到企业版" }).click();
  const panel = page.locator(".confirm-panel:not(.downgrade-panel)");
  await panel.locator(".due-now").waitFor();
  await panel.getByRole("button", { name: "确认升级" }).click();
  await panel.locator(".success").waitFor();
  // The plan table shows the new subscription; the notice comes from the same answer.
  await page.locator('table.plans thead th.current[data-plan="enterprise"]').waitFor();
  const noticesLeft = await notice.count();
  const subscription = await portal.api("/api/portal/subscription", token);
  assert.equal(subscription.plan_id, "enterprise");

  // The history, newest first, as the audit log has it.
  const { entries } = await portal.api("/api/portal/audit-log", token);
  await openHistory(page);
  const items = page.locator("ul.history li.entry");
  assert.equal(await items.count(), entries.length);
  const actions = await items.evaluateAll((lis) => lis.map((li) => li.dataset.action));
  assert.deepEqual(
    actions,
    entries.map((e) => e.action),
    "the page lists the audit log's entries in its order",
  );
  for (const [i, entry] of entries.entries()) {
    assert.equal(await items.nth(i).locator("time").textContent(), shanghai(entry.at), `entry ${i} time`);
    assert.equal(await items.nth(i).locator("time").getAttribute("datetime"), entry.at);
  }

  const upgradedAt = actions.indexOf("subscription.upgraded");
  assert.ok(upgradedAt >= 0, "the history shows the upgrade");
  const charged = yuan(entries[upgradedAt].details.after.amount);
  const upgraded = items.nth(upgradedAt);
  assert.equal(
    (await upgraded.locator(".entry-text").textContent()).trim(),
    `升级到 企业版（enterprise），补收 ${charged}`,
  );
  assert.equal((await upgraded.locator(".entry-who").textContent()).trim(), "操作人：user_admin");

  const scheduledAt = actions.indexOf("subscription.downgrade_scheduled");
  assert.ok(scheduledAt > upgradedAt, "the scheduled downgrade is listed after (older than) the upgrade");
  assert.equal(
    (await items.nth(scheduledAt).locator(".entry-text").textContent()).trim(),
    `已安排降级到 基础版（basic），生效日期 ${date}`,
  );
  await screenshot(page, "history-entries-zh");

  // English, by the language switch.
  await page.getByRole("button", { name: /Switch to English/ }).click();
  await page.getByRole("heading", { name: "Change history", level: 1 }).waitFor();
  assert.equal(
    (await upgraded.locator(".entry-text").textContent()).trim(),
    `Upgraded to Enterprise (enterprise), charged ${charged}`,
  );
  assert.equal((await upgraded.locator(".entry-who").textContent()).trim(), "By user_admin");
  const removed = page.locator('li.entry[data-action="subscription.downgrade_removed"]');
  const removedCount = await removed.count();
  const removedEn = removedCount === 1 ? (await removed.locator(".entry-text").textContent()).trim() : null;
  await screenshot(page, "history-entries-en");
  await page.getByRole("button", { name: /切换到中文/ }).click();
  await page.getByRole("heading", { name: "变更记录", level: 1 }).waitFor();

  // What the upgrade must do to the scheduled downgrade (contract §9: a paid upgrade
  // removes any scheduled downgrade, recorded in the audit log).
  assert.equal(noticesLeft, 0, "the scheduled-downgrade notice is still shown after the upgrade");
  assert.equal(subscription.scheduled_change, null, "the API still has the scheduled downgrade after the upgrade");
  assert.equal(
    removedCount,
    1,
    `no subscription.downgrade_removed entry in the audit log (actions: ${actions.join(", ")})`,
  );
  assert.equal(removedEn, `Scheduled downgrade to Basic (basic) on ${date} removed by the upgrade`);
  const removedAt = actions.indexOf("subscription.downgrade_removed");
  assert.ok(scheduledAt > removedAt, "newest first");
  assert.equal(
    (await items.nth(removedAt).locator(".entry-text").textContent()).trim(),
    `因升级取消了 ${date} 起降级到 基础版（basic） 的安排`,
  );
});

test("the history shows an account edit, naming the fields changed", async () => {
  const { page } = browser;
  const token = portal.token({ role: "admin", user: "user_editor" });
  const before = await portal.api("/api/portal/account", token);
  await page.goto(`${portal.url}/account?token=${token}`);
  const company = page.getByLabel("公司名称");
  await company.waitFor();
  await company.fill("示例科技（北京）有限公司");
  await page.getByLabel("联系人").fill("王五");
  await page.getByRole("button", { name: "保存" }).click();
  await page.getByRole("status").filter({ hasText: "已保存。" }).waitFor();

  await openHistory(page);
  const newest = page.locator("ul.history li.entry").first();
  assert.equal(await newest.getAttribute("data-action"), "account.updated");
  const text = (await newest.locator(".entry-text").textContent()).trim();
  assert.ok(text.startsWith("修改了账户信息："), text);
  assert.ok(text.includes(`公司名称 “${before.company_name}” → “示例科技（北京）有限公司”`), text);
  assert.ok(text.includes(`联系人 “${before.contact_name}” → “王五”`), text);
  assert.ok(!text.includes("联系邮箱"), `an unchanged field is not named: ${text}`);
  assert.match(await newest.locator(".entry-who").textContent(), /user_editor/);
  const [latest] = (await portal.api("/api/portal/audit-log", token)).entries;
  assert.equal(await newest.locator("time").textContent(), shanghai(latest.at));
});

test("a payment recorded by the platform shows on the invoice and in the history", async () => {
  const { page } = browser;
  const token = portal.token({ role: "member", user: "user_reader" });
  const { invoices } = await portal.api("/api/portal/invoices", token);
  const unpaid = invoices.find((i) => i.status !== "paid");
  assert.ok(unpaid, "the demo data has an unpaid invoice");
  const paid = await portal.post(`/api/internal/invoices/${unpaid.invoice_id}/paid`, portal.serviceToken(), {
    amount: unpaid.amount,
    reference: "PAY-E2E-0001",
  });
  assert.equal(paid.status, "paid");
  const [payment] = paid.payments;
  assert.equal(payment.reference, "PAY-E2E-0001");

  // The invoice: paid, with its payment (time in Shanghai).
  await page.goto(`${portal.url}/invoices/${unpaid.invoice_id}?token=${token}`);
  await page.getByRole("heading", { name: "付款记录" }).waitFor();
  await page.locator(".facts .badge.status-paid").waitFor();
  assert.deepEqual(
    (await page.locator("table.payments tbody tr").first().locator("td").allTextContents()).map((t) => t.trim()),
    [shanghai(payment.paid_at), "PAY-E2E-0001", yuan(payment.amount)],
  );

  // The history: who recorded it, and a link to the invoice.
  await openHistory(page);
  const entry = page.locator('li.entry[data-action="invoice.paid"]').first();
  assert.equal(
    (await entry.locator(".entry-text").textContent()).trim(),
    `收到付款 ${yuan(unpaid.amount)}，流水号 PAY-E2E-0001`,
  );
  assert.equal((await entry.locator(".entry-who").textContent()).trim(), "平台服务：billing-service");
  await entry.getByRole("link", { name: unpaid.invoice_id }).click();
  await page.getByRole("heading", { name: `账单 ${unpaid.invoice_id}` }).waitFor();
});

test("a member reads the history in a 360 px panel, reached by keyboard", async () => {
  const narrow = await openBrowser({ width: 360, height: 740 });
  try {
    const { page } = narrow;
    await page.goto(`${portal.url}/?token=${portal.token({ role: "member", user: "user_reader" })}`);
    await page.locator(".plan-name").waitFor();
    // Tab through the header and the navigation to the history link, then Enter.
    for (let i = 0; i < 16; i += 1) {
      await page.keyboard.press("Tab");
      if ((await page.evaluate(() => document.activeElement.textContent)) === "变更记录") break;
    }
    assert.equal(await page.evaluate(() => document.activeElement.textContent), "变更记录");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "变更记录", level: 1 }).waitFor();
    await page.locator("ul.history li.entry, .state.empty").first().waitFor();
    await noSidewaysScroll(page, "the history page");
    await screenshot(page, "history-360-zh");
  } finally {
    await narrow.close();
  }
});

test("a failed history load says why and retries", async () => {
  const { page, context } = browser;
  const token = portal.token({ role: "member" });
  let calls = 0;
  // The app asks for a page (`?limit=`): match the path, whatever the query.
  const log = (url) => url.pathname === "/api/portal/audit-log";
  await context.route(log, (route) => {
    calls += 1;
    return calls === 1
      ? route.fulfill({
          status: 503,
          contentType: "application/json",
          body: JSON.stringify({ error: { code: "unavailable", message: "down" } }),
        })
      : route.continue();
  });
  try {
    await page.goto(`${portal.url}/history?token=${token}`);
    const alert = page.getByRole("alert");
    await alert.filter({ hasText: "服务暂不可用" }).waitFor();
    await alert.getByRole("button", { name: "重试" }).click();
    await page.locator("ul.history li.entry").first().waitFor();
    assert.equal(calls, 2);
  } finally {
    await context.unroute(log);
  }
});

test("an action the app has no words for is shown by its raw name", async () => {
  const { page, context } = browser;
  const entries = [
    {
      at: "2026-11-26T16:30:00Z",
      user_id: "user_admin",
      action: "invoice.disputed",
      details: { before: {}, after: { request_id: "FP-1" } },
    },
  ];
  const log = (url) => url.pathname === "/api/portal/audit-log";
  await context.route(log, (route) =>
    route.fulfill({ contentType: "application/json", body: JSON.stringify({ entries, next_cursor: null }) }),
  );
  try {
    await page.goto(`${portal.url}/history?lang=zh&token=${portal.token({ role: "member" })}`);
    const entry = page.locator('li.entry[data-action="invoice.disputed"]');
    await entry.waitFor();
    assert.equal((await entry.locator(".entry-text").textContent()).trim(), "invoice.disputed: request_id “” → “FP-1”");
    // 16:30 UTC is half past midnight the next day in Shanghai.
    assert.equal(await entry.locator("time").textContent(), "2026-11-27 00:30");
  } finally {
    await context.unroute(log);
  }
});

test("an empty history says there is nothing yet", async () => {
  const fresh = await startPortal();
  const { page } = browser;
  try {
    await page.goto(`${fresh.url}/history?lang=en&token=${fresh.token({ role: "member" })}`);
    await page.getByRole("heading", { name: "Change history", level: 1 }).waitFor();
    await page.locator(".state.empty").filter({ hasText: "No changes yet." }).waitFor();
    await page.getByRole("button", { name: /切换到中文/ }).click();
    await page.locator(".state.empty").filter({ hasText: "暂无变更记录。" }).waitFor();
  } finally {
    await fresh.stop();
  }
});
