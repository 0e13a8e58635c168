// An admin changes things: the account (with the API's validation shown beside the
// fields) and the plan (with a confirmation step showing what the upgrade charges now).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startPortal, openBrowser, screenshot, yuan } from "../lib/harness.mjs";

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

test("an admin sees the API's reasons beside the fields, then saves the account", async () => {
  const { page } = browser;
  const token = portal.token({ role: "admin", user: "user_admin" });
  await page.goto(`${portal.url}/account?token=${token}`);
  const company = page.getByLabel("公司名称");
  await company.waitFor();
  assert.equal(await company.inputValue(), "示例科技有限公司");

  // Two bad fields: each gets its own reason, the good one none, and nothing is saved.
  await company.fill("   ");
  await page.getByLabel("联系邮箱").fill("not-an-address");
  await page.getByRole("button", { name: "保存" }).click();
  await page.locator("#contact_email-error").filter({ hasText: /\S/ }).waitFor();
  assert.match(await page.locator("#contact_email-error").textContent(), /邮箱/);
  assert.match(await page.locator("#company_name-error").textContent(), /不能为空/);
  assert.equal(await page.locator("#contact_name-error").textContent(), "");
  assert.equal(await page.getByLabel("联系邮箱").getAttribute("aria-invalid"), "true");
  assert.equal(await page.getByLabel("联系人").getAttribute("aria-invalid"), "false");
  const unchanged = await portal.api("/api/portal/account", token);
  assert.equal(unchanged.contact_email, "zhangsan@example.com");

  await company.fill("示例科技（上海）有限公司");
  await page.getByLabel("联系邮箱").fill("ops@example.com");
  await page.getByRole("button", { name: "保存" }).click();
  await page.getByRole("status").filter({ hasText: "已保存。" }).waitFor();
  assert.equal(await page.locator("#contact_email-error").textContent(), "");
  const saved = await portal.api("/api/portal/account", token);
  assert.equal(saved.company_name, "示例科技（上海）有限公司");
  assert.equal(saved.contact_email, "ops@example.com");
  assert.equal(saved.contact_name, "张三");
});

test("an admin upgrades after a confirmation that shows the preview's amount", async () => {
  const { page } = browser;
  const token = portal.token({ role: "admin", user: "user_admin" });
  const preview = await portal.api("/api/portal/subscription/upgrade/preview?plan_id=enterprise", token);
  await page.goto(`${portal.url}/plans?token=${token}`);
  await page.locator("table.plans").waitFor();
  assert.equal(await page.locator("table.plans thead th.current").getAttribute("data-plan"), "pro");
  // Only dearer plans offer an upgrade.
  assert.equal(await page.locator('button.upgrade[data-plan="basic"]').count(), 0);
  assert.equal(await page.locator('button.upgrade[data-plan="pro"]').count(), 0);

  await page.getByRole("button", { name: "升级到企业版" }).click();
  const panel = page.locator(".confirm-panel");
  await panel.getByRole("heading", { name: "确认升级到企业版" }).waitFor();
  await panel.locator(".due-now").waitFor();
  assert.equal((await panel.locator(".due-now").textContent()).trim(), yuan(preview.amount));
  assert.equal(await panel.locator(".due-now").getAttribute("data-amount"), preview.amount);
  // Nothing changes before the confirmation.
  assert.equal((await portal.api("/api/portal/subscription", token)).plan_id, "pro");

  await panel.getByRole("button", { name: "确认升级" }).click();
  await panel.locator(".success").waitFor();
  const message = await panel.locator(".success").textContent();
  assert.match(message, /已升级到企业版/);

  const subscription = await portal.api("/api/portal/subscription", token);
  assert.equal(subscription.plan_id, "enterprise");
  const { invoices } = await portal.api("/api/portal/invoices", token);
  const charged = invoices.find((i) => message.includes(i.invoice_id));
  assert.ok(charged, `the message names the new invoice: ${message}`);
  assert.equal(charged.amount, preview.amount, "the charge is the confirmed amount");
  await page.locator('table.plans thead th.current[data-plan="enterprise"]').waitFor();
  assert.equal(await page.locator("button.upgrade").count(), 0, "nothing dearer is left");
});

test("cancel closes the confirmation without upgrading", async () => {
  const fresh = await startPortal();
  const { page } = browser;
  try {
    const token = fresh.token({ role: "admin" });
    await page.goto(`${fresh.url}/plans?token=${token}`);
    await page.getByRole("button", { name: "升级到企业版" }).click();
    await page.locator(".confirm-panel .due-now").waitFor();
    await page.locator(".confirm-panel").getByRole("button", { name: "取消" }).click();
    await page.locator(".confirm-panel").waitFor({ state: "detached" });
    assert.equal((await fresh.api("/api/portal/subscription", token)).plan_id, "pro");
  } finally {
    await fresh.stop();
  }
});

test("an admin schedules a downgrade for the end of the period, then calls it off", async () => {
  const fresh = await startPortal();
  const { page } = browser;
  try {
    const token = fresh.token({ role: "admin" });
    await page.goto(`${fresh.url}/plans?token=${token}`);
    await page.locator("table.plans").waitFor();
    // Only cheaper plans offer a downgrade.
    assert.equal(await page.locator('button.downgrade[data-plan="enterprise"]').count(), 0);
    assert.equal(await page.locator('button.downgrade[data-plan="pro"]').count(), 0);
    assert.equal(await page.locator(".scheduled-change").count(), 0);

    await page.getByRole("button", { name: "降级到基础版" }).click();
    const panel = page.locator(".downgrade-panel");
    await panel.getByRole("heading", { name: "确认降级到基础版" }).waitFor();
    // Nothing is scheduled before the confirmation.
    assert.equal((await fresh.api("/api/portal/subscription", token)).scheduled_change, null);
    await panel.getByRole("button", { name: "确认降级" }).click();

    const notice = page.locator(".scheduled-change");
    await notice.waitFor();
    const { plan_id, scheduled_change } = await fresh.api("/api/portal/subscription", token);
    assert.equal(plan_id, "pro", "the plan stays until the period ends");
    assert.equal(scheduled_change.plan_id, "basic");
    const text = await notice.textContent();
    assert.ok(text.includes(scheduled_change.effective_date), `the notice names the date: ${text}`);
    assert.match(text, /基础版/);
    assert.equal(await page.locator('button.downgrade[data-plan="basic"]').count(), 0);
    await screenshot(page, "plans-downgrade-scheduled-zh");

    await notice.getByRole("button", { name: "取消此变更" }).click();
    await notice.waitFor({ state: "detached" });
    assert.equal((await fresh.api("/api/portal/subscription", token)).scheduled_change, null);
    await page.locator('button.downgrade[data-plan="basic"]').waitFor();
  } finally {
    await fresh.stop();
  }
});
