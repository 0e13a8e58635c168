// The spend guard in the app (contract §11): the 费用预警 / Alerts page (alert rules and
// caps; admins edit, members read), the notification bell in the header (unread count,
// list, mark as read), and, embedded, `portal:notice` posted to the workbench when a
// notification arrives. Usage comes in through the internal API with a service token, as
// the platform sends it. The portal sends e-mail to a real SMTP server on loopback.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startPortal, startWorkbench, openBrowser, screenshot } from "../lib/harness.mjs";
import { startSmtpSink } from "../lib/smtp.mjs";

let portal;
let browser;
let smtp;
before(async () => {
  smtp = await startSmtpSink();
  portal = await startPortal({
    env: { PORTAL_SMTP_URL: smtp.url, PORTAL_MAIL_FROM: "客户控制台 <billing@portal.test>" },
  });
  browser = await openBrowser();
});
after(async () => {
  await browser?.close();
  await portal?.stop();
  await smtp?.stop();
});

/** `server.send`: the status and the JSON answer, if any. */
const send = (server, ...request) => server.send(...request);

/** `2025-12-19 18:05` for `2025-12-19T10:05:00Z`: the business calendar (UTC+8), as the app writes it. */
function businessTime(at) {
  const local = new Date(Date.parse(at) + 8 * 3600 * 1000).toISOString();
  return `${local.slice(0, 10)} ${local.slice(11, 16)}`;
}

/**
 * A threshold for an AI chat rule that today's usage has not reached (80 % unless the demo
 * data is past it already), and how many conversations take the month beyond it.
 */
async function aiChatCrossing(server, token) {
  const { products } = await server.api("/api/portal/usage", token);
  const chat = products.find((p) => p.product === "ai_chat");
  const now = Math.floor((chat.used * 100) / chat.quota);
  const threshold = now < 80 ? 80 : now + 10;
  const beyond = Math.ceil((chat.quota * threshold) / 100) + 1 - chat.used;
  return { threshold, beyond };
}

let events = 0;
/** Ingests `count` AI conversations today (00:00 UTC: the business date is the UTC date). */
async function ingestAiChat(server, count) {
  events += 1;
  const day = new Date().toISOString().slice(0, 10);
  const answer = await server.post("/api/internal/usage", server.serviceToken(), {
    events: [
      {
        event_id: `e2e-alerts-${Date.now()}-${events}`,
        customer_id: "cust_demo",
        product: "ai_chat",
        count,
        occurred_at: `${day}T00:00:00Z`,
      },
    ],
  });
  assert.equal(answer.accepted, 1);
}

const rules = (page) => page.locator("form.rules fieldset.rule");
const bellCount = (page) => page.locator(".bell-button .bell-count");

test("an admin sets a quota rule; crossing it rings the bell; marking it read drops the count", async () => {
  const { page } = browser;
  const token = portal.token({ role: "admin", user: "user_admin" });
  const { threshold, beyond } = await aiChatCrossing(portal, token);
  const before = (await portal.api("/api/portal/alerts", token)).rules;

  await page.goto(`${portal.url}/alerts?lang=zh&token=${token}`);
  await page.getByRole("heading", { name: "费用预警", level: 1 }).waitFor();
  await page.getByRole("heading", { name: "预警规则" }).waitFor();
  assert.equal(await rules(page).count(), before.length);
  // The count is empty until the bell's own request answers, too: wait for its first look.
  await page.locator("body[data-notification-looks]").waitFor({ state: "attached" });
  assert.equal(await bellCount(page).textContent(), "", "nothing unread yet");

  await page.getByRole("button", { name: "添加规则" }).click();
  const rule = rules(page).last();
  await rule.getByLabel("类型").selectOption("quota_percent");
  await rule.getByLabel("产品").selectOption("ai_chat");
  await rule.getByLabel("阈值（占配额的 %）").fill(String(threshold));
  await rule.getByLabel("站内通知").check();
  await rule.getByLabel("邮件").uncheck();
  // No webhook receiver on this server: the channel is not offered (§16).
  assert.equal(await rule.getByLabel("Webhook").count(), 0);
  await page.locator("form.rules").getByRole("button", { name: "保存预警规则" }).click();
  await page.locator("form.rules .save-status").filter({ hasText: "已保存。" }).waitFor();

  const saved = (await portal.api("/api/portal/alerts", token)).rules;
  assert.equal(saved.length, before.length + 1);
  assert.deepEqual(saved.at(-1), {
    kind: "quota_percent",
    product: "ai_chat",
    threshold,
    channels: ["in_app"],
  });
  await screenshot(page, "alerts-admin-zh");

  // Usage beyond the threshold: the server notifies once; the app sees it on the next
  // look (every 30 s, or on navigation).
  await ingestAiChat(portal, beyond);
  const listed = await portal.api("/api/portal/notifications?lang=zh", token);
  assert.ok(listed.unread >= 1, "the crossing made an unread notification");
  const newest = listed.notifications[0];
  assert.equal(newest.kind, "usage.threshold_crossed");
  assert.equal(newest.read, false);

  await page.getByRole("link", { name: "概览" }).click();
  await bellCount(page).filter({ hasText: String(listed.unread) }).waitFor();
  await page.locator(".bell-button").click();
  assert.equal(await page.locator(".bell-button").getAttribute("aria-expanded"), "true");
  const panel = page.locator("#notice-panel");
  await panel.getByRole("heading", { name: "通知" }).waitFor();
  const item = panel.locator(`li.notice-item[data-id="${newest.id}"]`);
  await item.waitFor();
  assert.match(await item.getAttribute("class"), /\bunread\b/);
  assert.equal(await item.getAttribute("data-kind"), newest.kind);
  assert.equal((await item.locator(".unread-mark").textContent()).trim(), "未读");
  assert.ok((await item.locator(".notice-title").textContent()).includes(newest.title));
  assert.equal((await item.locator(".notice-body").textContent()).trim(), newest.body);
  assert.equal((await item.locator("time").textContent()).trim(), businessTime(newest.at));
  assert.equal(await item.locator("time").getAttribute("datetime"), newest.at);
  await screenshot(page, "bell-panel-zh");

  await item.getByRole("button", { name: "标为已读" }).click();
  await item.locator(".mark-read").waitFor({ state: "detached" });
  assert.doesNotMatch(await item.getAttribute("class"), /\bunread\b/);
  const left = listed.unread - 1;
  await page.waitForFunction(
    (text) => document.querySelector(".bell-button .bell-count")?.textContent === text,
    left === 0 ? "" : String(left),
  );
  const after = await portal.api("/api/portal/notifications?lang=zh", token);
  assert.equal(after.unread, left);
  assert.equal(after.notifications.find((n) => n.id === newest.id).read, true);

  // Escape, with the focus in the bell, closes the panel.
  await page.locator(".bell-button").focus();
  await page.keyboard.press("Escape");
  await panel.waitFor({ state: "detached" });
  assert.equal(await page.locator(".bell-button").getAttribute("aria-expanded"), "false");

  // A notice links to its page (§16); 全部已读 clears the count.
  await ingestAiChat(portal, beyond);
  const more = await portal.api("/api/portal/notifications?lang=zh", token);
  await page.getByRole("link", { name: "账户" }).click();
  await page.locator(".bell-button").click();
  if (more.unread > 0) {
    await panel.getByRole("button", { name: "全部已读" }).click();
    await page.waitForFunction(() => document.querySelector(".bell-button .bell-count")?.textContent === "");
    assert.equal((await portal.api("/api/portal/notifications", token)).unread, 0);
  } else {
    // Nothing unread: nothing to mark.
    await panel.locator("li.notice-item").first().waitFor();
    assert.equal(await panel.getByRole("button", { name: "全部已读" }).count(), 0);
  }
  await panel.locator(`li.notice-item[data-id="${newest.id}"] .notice-title a`).click();
  await page.getByRole("heading", { name: "用量", level: 1 }).waitFor();
  assert.equal(new URL(page.url()).pathname, newest.link);
});

test("the API's reasons show beside the fields; what cannot be sent is refused in the app", async () => {
  const { page } = browser;
  const token = portal.token({ role: "admin", user: "user_admin" });
  await page.goto(`${portal.url}/alerts?lang=zh&token=${token}`);
  await page.getByRole("heading", { name: "预警规则" }).waitFor();
  const existing = (await portal.api("/api/portal/alerts", token)).rules;
  const index = existing.length;

  // Not a whole percentage: refused here, nothing sent.
  await page.getByRole("button", { name: "添加规则" }).click();
  const rule = rules(page).last();
  await rule.getByLabel("阈值（占配额的 %）").fill("80.5");
  await page.locator("form.rules").getByRole("button", { name: "保存预警规则" }).click();
  const thresholdError = rule.locator(".field-error[id$='-threshold-error']");
  await thresholdError.filter({ hasText: "请输入整数百分比，如 80。" }).waitFor();
  assert.equal((await portal.api("/api/portal/alerts", token)).rules.length, index);

  // Webhooks without a receiver configured: the page does not offer them (§16), and the
  // API's 422 names the channels for a program that asks anyway.
  await rule.getByLabel("阈值（占配额的 %）").fill("90");
  // The channels offered come from the app config (a request of its own); until it
  // answers only 站内通知 is: wait for 邮件 (this server sends mail), drawn from the same answer.
  await rule.getByLabel("邮件").waitFor();
  assert.equal(await rule.getByLabel("Webhook").count(), 0);
  const body = {
    rules: [...existing, { kind: "quota_percent", product: "ai_chat", threshold: 90, channels: ["in_app", "webhook"] }],
  };
  const refused = await send(portal, "PUT", "/api/portal/alerts", token, body);
  assert.equal(refused.status, 422);
  const reason = refused.json.error.fields[`rules[${index}].channels`];
  assert.ok(reason, `the API names the channels: ${JSON.stringify(refused.json)}`);
  assert.equal((await portal.api("/api/portal/alerts", token)).rules.length, index);

  // A projected-bill rule: an amount, no product.
  await rule.getByLabel("类型").selectOption("projected_amount");
  assert.equal(await rule.getByLabel("产品").count(), 0, "a bill rule has no product");
  await rule.getByLabel("阈值（预计账单，元）").fill("5000.00");
  await page.locator("form.rules").getByRole("button", { name: "保存预警规则" }).click();
  await page.locator("form.rules .save-status").filter({ hasText: "已保存。" }).waitFor();
  const saved = (await portal.api("/api/portal/alerts", token)).rules;
  assert.equal(saved.length, index + 1);
  assert.equal(saved.at(-1).kind, "projected_amount");
  assert.equal(saved.at(-1).product ?? null, null);
  assert.equal(Number(saved.at(-1).threshold), 5000);

  // Remove it again.
  await rules(page).last().getByRole("button", { name: `删除规则 ${index + 1}` }).click();
  assert.equal(await rules(page).count(), index);
  await page.locator("form.rules").getByRole("button", { name: "保存预警规则" }).click();
  await page.locator("form.rules .save-status").filter({ hasText: "已保存。" }).waitFor();
  assert.equal((await portal.api("/api/portal/alerts", token)).rules.length, index);
});

test("an e-mail rule chosen in the page sends the contact an e-mail when usage crosses it", async () => {
  const { page } = browser;
  const token = portal.token({ role: "admin", user: "user_admin" });
  const { threshold, beyond } = await aiChatCrossing(portal, token);
  const contact = (await portal.api("/api/portal/account", token)).contact_email;
  const before = (await portal.api("/api/portal/alerts", token)).rules;

  await page.goto(`${portal.url}/alerts?lang=zh&token=${token}`);
  await page.getByRole("heading", { name: "预警规则" }).waitFor();
  await page.getByRole("button", { name: "添加规则" }).click();
  const rule = rules(page).last();
  await rule.getByLabel("类型").selectOption("quota_percent");
  await rule.getByLabel("产品").selectOption("ai_chat");
  await rule.getByLabel("阈值（占配额的 %）").fill(String(threshold));
  await rule.getByLabel("站内通知").uncheck();
  await rule.getByLabel("邮件").check();
  await page.locator("form.rules").getByRole("button", { name: "保存预警规则" }).click();
  await page.locator("form.rules .save-status").filter({ hasText: "已保存。" }).waitFor();
  const saved = (await portal.api("/api/portal/alerts", token)).rules;
  assert.equal(saved.length, before.length + 1);
  assert.deepEqual(saved.at(-1).channels, ["email"]);

  assert.equal(smtp.messages().length, 0, "nothing sent before the crossing");
  await ingestAiChat(portal, beyond);
  const mail = await smtp.waitForMessage();
  assert.deepEqual(mail.to, [contact]);
  assert.equal(mail.from, "billing@portal.test");
  assert.match(mail.subject, /费用预警/);
  assert.match(mail.subject, /Spend alert/);
  assert.ok(mail.text.includes(`AI 对话用量已达 ${threshold}%`), mail.text);
  assert.ok(mail.text.includes(`AI chat usage reached ${threshold}%`), mail.text);
  assert.equal(smtp.messages().length, 1, "one e-mail for one crossing");

  // Restore the rules as they were.
  const restored = await send(portal, "PUT", "/api/portal/alerts", token, { rules: before });
  assert.equal(restored.status, 200);
});

test("an admin caps e-mail at a share of its quota", async () => {
  const { page } = browser;
  const token = portal.token({ role: "admin", user: "user_admin" });
  await page.goto(`${portal.url}/alerts?lang=zh&token=${token}`);
  await page.getByRole("heading", { name: "用量封顶" }).waitFor();
  const email = page.locator('form.caps fieldset.cap[data-product="email"]');
  await email.getByLabel("到达比例时停止服务").check();
  await email.getByLabel("停止点（占配额的 %）").fill("120");
  await page.locator("form.caps").getByRole("button", { name: "保存用量封顶" }).click();
  await page.locator("form.caps .save-status").filter({ hasText: "已保存。" }).waitFor();
  const { caps } = await portal.api("/api/portal/caps", token);
  assert.deepEqual(
    caps.find((c) => c.product === "email"),
    { product: "email", stop_at_percent: 120 },
  );
  // The app drops `?token=` from the address once read: a new visit brings a token.
  await page.goto(`${portal.url}/alerts?lang=zh&token=${token}`);
  await email.waitFor();
  assert.equal(await email.getByLabel("到达比例时停止服务").isChecked(), true);
  assert.equal(await email.getByLabel("停止点（占配额的 %）").inputValue(), "120");
});

test("a member sees the page read-only and cannot change it through the API", async () => {
  const { page } = browser;
  const admin = portal.token({ role: "admin", user: "user_admin" });
  const member = portal.token({ role: "member", user: "user_member" });
  // At least one rule to show.
  const current = (await portal.api("/api/portal/alerts", admin)).rules;
  if (current.length === 0) {
    const put = await send(portal, "PUT", "/api/portal/alerts", admin, {
      rules: [{ kind: "quota_percent", product: "email", threshold: 90, channels: ["in_app"] }],
    });
    assert.ok(put.status >= 200 && put.status < 300, `PUT as admin: ${put.status}`);
  }
  const shown = (await portal.api("/api/portal/alerts", member)).rules;
  assert.ok(shown.length >= 1);

  await page.goto(`${portal.url}/alerts?lang=zh&token=${member}`);
  await page.getByRole("heading", { name: "预警规则" }).waitFor();
  await rules(page).first().waitFor();
  assert.equal(await rules(page).count(), shown.length);
  assert.ok(await page.getByText("只有管理员可以修改预警规则和用量封顶。").isVisible());
  assert.equal(await page.locator("button.save").count(), 0, "no save button");
  assert.equal(await page.locator("button.add-rule, button.remove-rule").count(), 0);
  const controls = page.locator("form.rules input, form.rules select, form.caps input");
  const n = await controls.count();
  assert.ok(n >= 5);
  for (let i = 0; i < n; i += 1) {
    assert.equal(await controls.nth(i).isDisabled(), true, `control ${i} is disabled`);
  }
  // The first rule as the API has it.
  const first = rules(page).first();
  assert.equal(await first.getByLabel("类型").inputValue(), shown[0].kind);
  await screenshot(page, "alerts-member-zh");

  const rulesPut = await send(portal, "PUT", "/api/portal/alerts", member, { rules: [] });
  assert.equal(rulesPut.status, 403);
  const capsPut = await send(portal, "PUT", "/api/portal/caps", member, { caps: [] });
  assert.equal(capsPut.status, 403);
  assert.equal((await portal.api("/api/portal/alerts", admin)).rules.length, shown.length);
});

test("the page and the bell in Chinese and in English", async () => {
  const { page } = browser;
  const token = portal.token({ role: "admin", user: "user_admin" });
  await page.goto(`${portal.url}/alerts?lang=en&token=${token}`);
  await page.getByRole("heading", { name: "Alerts", level: 1 }).waitFor();
  await page.getByRole("heading", { name: "Alert rules" }).waitFor();
  await page.getByRole("heading", { name: "Usage caps" }).waitFor();
  assert.equal(await page.getByRole("link", { name: "Alerts" }).getAttribute("aria-current"), "page");
  await page.getByRole("button", { name: "Add a rule" }).waitFor();
  await page.getByRole("button", { name: "Save alert rules" }).waitFor();
  await page.getByRole("button", { name: "Save caps" }).waitFor();
  await page.getByRole("button", { name: /^Notifications/ }).click();
  const panel = page.locator("#notice-panel");
  await panel.getByRole("heading", { name: "Notifications" }).waitFor();
  const en = await portal.api("/api/portal/notifications?lang=en", token);
  if (en.notifications.length > 0) {
    // Worded by the server in the app's language.
    const first = panel.locator(`li.notice-item[data-id="${en.notifications[0].id}"]`);
    await first.locator(".notice-title").filter({ hasText: en.notifications[0].title }).waitFor();
  } else {
    await panel.getByText("No notifications.").waitFor();
  }
  await screenshot(page, "alerts-admin-en");

  await page.getByRole("button", { name: /切换到中文/ }).click();
  await page.getByRole("heading", { name: "费用预警", level: 1 }).waitFor();
  await page.getByRole("heading", { name: "预警规则" }).waitFor();
  await page.getByRole("heading", { name: "用量封顶" }).waitFor();
  await page.getByRole("button", { name: "添加规则" }).waitFor();
  await panel.getByRole("heading", { name: "通知" }).waitFor();
  const zh = await portal.api("/api/portal/notifications?lang=zh", token);
  if (zh.notifications.length > 0) {
    const first = panel.locator(`li.notice-item[data-id="${zh.notifications[0].id}"]`);
    await first.locator(".notice-title").filter({ hasText: zh.notifications[0].title }).waitFor();
  }
});

test("embedded, a notification that arrives while the app is open is posted to the workbench", async () => {
  const workbench = await startWorkbench();
  const embedded = await startPortal({ allowedOrigins: [workbench.origin] });
  const framed = await openBrowser();
  try {
    const { page } = framed;
    const token = embedded.token({ role: "admin", user: "user_admin" });
    const { threshold, beyond } = await aiChatCrossing(embedded, token);
    const put = await send(embedded, "PUT", "/api/portal/alerts", token, {
      rules: [{ kind: "quota_percent", product: "ai_chat", threshold, channels: ["in_app"] }],
    });
    assert.ok(put.status >= 200 && put.status < 300, `PUT as admin: ${put.status}`);

    await page.goto(workbench.url({ portal: `${embedded.url}/`, token, autoload: "1" }));
    const frame = page.frameLocator("#portal-frame");
    await frame.locator(".plan-name").waitFor();
    await frame.locator(".bell-button").waitFor();
    assert.deepEqual(await page.evaluate(() => window.portalEvents), ["portal:ready"]);

    await ingestAiChat(embedded, beyond);
    const { notifications } = await embedded.api("/api/portal/notifications?lang=zh", token);
    assert.equal(notifications.length, 1);
    // The app looks again on navigation.
    await frame.getByRole("link", { name: "用量", exact: true }).click();
    await page.waitForFunction(() => window.portalEvents.includes("portal:notice"));
    assert.deepEqual(await page.evaluate(() => window.portalNotices), [
      { kind: notifications[0].kind, title: notifications[0].title },
    ]);
    // Seen once: the next look posts nothing more. The app marks each answered look on
    // <body data-notification-looks>; a message the frame posts after it arrives after
    // anything the look posted (messages from one window keep their order).
    const looks = Number(await frame.locator("body").getAttribute("data-notification-looks"));
    await frame.getByRole("link", { name: "概览" }).click();
    await frame.locator(".bell-count").filter({ hasText: "1" }).waitFor();
    await frame.locator(`body[data-notification-looks="${looks + 1}"]`).waitFor();
    await frame.locator("body").evaluate(() => window.parent.postMessage({ type: "test:flushed" }, "*"));
    await page.waitForFunction(() => window.portalEvents.includes("test:flushed"));
    assert.deepEqual(await page.evaluate(() => window.portalEvents), [
      "portal:ready",
      "portal:notice",
      "test:flushed",
    ]);
  } finally {
    await framed.close();
    await embedded.stop();
    await workbench.stop();
  }
});
