// Fapiao in the app (contract §12): the 发票 / Fapiao page. An admin saves the profile
// (开票信息; a tax id whose check character is wrong is refused beside the field, with
// the app's explanation), requests a fapiao for a paid invoice, withdraws it and requests
// again; the platform issues it through the internal API with a service token; the page
// shows it issued and downloads the file (with the bearer header, not a link with the
// token). A member reads everything and changes nothing. Both languages.
//
// The tests run in order and share one server: each builds on what the one before left.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
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

/** `server.send`: the status and the JSON answer, if any. */
const send = (server, ...request) => server.send(...request);

/** The business calendar's date (Asia/Shanghai, UTC+8) of an RFC 3339 instant, as the app shows it. */
function businessDate(at) {
  return new Date(Date.parse(at) + 8 * 3600_000).toISOString().slice(0, 10);
}

const admin = () => portal.token({ role: "admin", user: "user_admin" });
const member = () => portal.token({ role: "member", user: "user_member" });

/** The profile the admin saves (a company, complete enough for a special fapiao). */
const PROFILE = {
  title_type: "company",
  title: "示例科技有限公司",
  tax_id: "91350100M000100Y43",
  address: "福建省福州市鼓楼区五四路 1 号",
  phone: "0591-88880000",
  bank_name: "招商银行福州分行",
  bank_account: "591902123410101",
  email: "fapiao@example.com",
};
/** The same code with a wrong 18th (check) character: positions 1–17 call for 3. */
const WRONG_CHECK = "91350100M000100Y44";
/** What the platform's finance reports when it issues the fapiao. */
const FAPIAO_NUMBER = "25112000000012345678";
const PDF = Buffer.from("%PDF-1.4\n% e2e fapiao\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");

/** The admin's paid invoices without a fapiao, newest first, as the API lists them. */
async function choosable(token = admin()) {
  const { invoices } = await portal.api("/api/portal/invoices?limit=200", token);
  return invoices.filter((i) => i.status === "paid" && i.fapiao_status === "none");
}

async function requests(token = admin()) {
  return (await portal.api("/api/portal/fapiao/requests", token)).requests;
}

/** Opens the page (a new visit brings a token: the app keeps it in memory only). */
async function openFapiao(page, token, lang = "zh") {
  await page.goto(`${portal.url}/fapiao?lang=${lang}&token=${token}`);
  await page.locator("form.fapiao-profile").waitFor();
  await page.locator("form.fapiao-new").waitFor();
}

const checkbox = (page, id) => page.locator(`form.fapiao-new input[type="checkbox"][value="${id}"]`);
const item = (page, id) => page.locator(`ul.fapiao-requests li.fapiao-request[data-request="${id}"]`);
const requestButton = (page) => page.locator("form.fapiao-new").getByRole("button", { name: "提交开票申请" });
const requestStatus = (page) => page.locator("form.fapiao-new .request-status");

// The request made in one test and issued in a later one.
let requested;

test("an admin saves the profile: a wrong check character is refused beside the field, a valid code saves", async () => {
  const { page } = browser;
  const token = admin();
  const none = await send(portal, "GET", "/api/portal/fapiao/profile", token);
  assert.equal(none.status, 404, "no profile in the demo data");
  const paid = await choosable(token);
  assert.ok(paid.length >= 2, `the demo data has paid invoices: ${paid.length}`);

  await openFapiao(page, token);
  await page.getByRole("heading", { name: "发票", level: 1 }).waitFor();
  await page.getByRole("heading", { name: "开票信息" }).waitFor();
  assert.equal(
    await page.getByRole("navigation").getByRole("link", { name: "发票", exact: true }).getAttribute("aria-current"),
    "page",
  );

  // Without a profile, a request is refused (422 naming `profile`): the API's reason is shown.
  const refused = await send(portal, "POST", "/api/portal/fapiao/requests", token, {
    invoice_ids: [paid[0].invoice_id],
    kind: "normal",
  });
  assert.equal(refused.status, 422);
  const noProfile = refused.json.error.fields.profile;
  assert.ok(noProfile, `the API names the profile: ${JSON.stringify(refused.json)}`);
  await checkbox(page, paid[0].invoice_id).check();
  await requestButton(page).click();
  await requestStatus(page).filter({ hasText: `开票信息：${noProfile}` }).waitFor();
  assert.deepEqual(await requests(token), [], "nothing requested");

  // A wrong check character: the API's reason beside the tax id, and the app's explanation.
  const wrong = { ...PROFILE, tax_id: WRONG_CHECK };
  const put = await send(portal, "PUT", "/api/portal/fapiao/profile", token, wrong);
  assert.equal(put.status, 422);
  assert.deepEqual(Object.keys(put.json.error.fields), ["tax_id"], JSON.stringify(put.json));
  const reason = put.json.error.fields.tax_id;
  const form = page.locator("form.fapiao-profile");
  await form.getByLabel("抬头类型").selectOption("company");
  await form.getByLabel("发票抬头", { exact: true }).fill(wrong.title);
  await form.getByLabel("纳税人识别号", { exact: true }).fill(wrong.tax_id);
  await form.getByLabel("注册地址", { exact: true }).fill(wrong.address);
  await form.getByLabel("注册电话", { exact: true }).fill(wrong.phone);
  await form.getByLabel("开户银行", { exact: true }).fill(wrong.bank_name);
  await form.getByLabel("银行账号", { exact: true }).fill(wrong.bank_account);
  await form.getByLabel("接收邮箱", { exact: true }).fill(wrong.email);
  await form.getByRole("button", { name: "保存开票信息" }).click();
  await page.locator("#tax_id-error").filter({ hasText: reason }).waitFor();
  assert.equal((await page.locator("#tax_id-error").textContent()).trim(), reason);
  const explain = page.locator("#tax_id-explain");
  await explain.filter({ hasText: "校验码" }).waitFor();
  assert.match(await explain.textContent(), /第 18 位是校验码/);
  assert.match(await explain.textContent(), /GB 32100-2015/);
  assert.equal(await form.getByLabel("纳税人识别号", { exact: true }).getAttribute("aria-invalid"), "true");
  for (const other of ["title", "address", "phone", "bank_name", "bank_account", "email"]) {
    assert.equal((await page.locator(`#${other}-error`).textContent()).trim(), "", `${other} is fine`);
  }
  await form.locator(".save-status").filter({ hasText: "请检查标出的字段。" }).waitFor();
  assert.equal((await send(portal, "GET", "/api/portal/fapiao/profile", token)).status, 404, "nothing saved");
  await screenshot(page, "fapiao-tax-id-refused-zh");

  // The right check character saves; the reason and the explanation go.
  await form.getByLabel("纳税人识别号", { exact: true }).fill(PROFILE.tax_id);
  await form.getByRole("button", { name: "保存开票信息" }).click();
  await form.locator(".save-status").filter({ hasText: "已保存。" }).waitFor();
  assert.equal((await page.locator("#tax_id-error").textContent()).trim(), "");
  assert.equal((await explain.textContent()).trim(), "");
  assert.deepEqual(await portal.api("/api/portal/fapiao/profile", token), PROFILE);
});

test("an admin requests a normal fapiao, withdraws it and requests it again", async () => {
  const { page } = browser;
  const token = admin();
  const [invoice] = await choosable(token);
  await openFapiao(page, token);
  await page.getByRole("heading", { name: "申请开票" }).waitFor();
  // Only paid invoices without a fapiao can be chosen.
  const ids = (await choosable(token)).map((i) => i.invoice_id).sort();
  const shown = await page.locator('form.fapiao-new input[type="checkbox"]').evaluateAll((boxes) => boxes.map((b) => b.value));
  assert.deepEqual(shown.sort(), ids);
  // Each with its number, period and amount, as its label.
  await page.getByLabel(`${invoice.invoice_id} · ${invoice.period} · ${yuan(invoice.amount)}`).waitFor();

  await checkbox(page, invoice.invoice_id).check();
  await page.getByLabel("发票类型").selectOption("normal");
  await requestButton(page).click();
  await requestStatus(page).filter({ hasText: "已提交开票申请。" }).waitFor();
  const [pending] = await requests(token);
  assert.equal(pending.status, "pending");
  assert.equal(pending.kind, "normal");
  assert.deepEqual(pending.invoice_ids, [invoice.invoice_id]);
  assert.equal(pending.amount, invoice.amount);
  assert.equal(pending.title, PROFILE.title);
  assert.equal(pending.tax_id, PROFILE.tax_id);

  // The request is listed, pending; its invoice can no longer be chosen.
  const first = item(page, pending.request_id);
  await first.waitFor();
  assert.equal(await first.getAttribute("data-status"), "pending");
  assert.equal((await first.locator(".badge").textContent()).trim(), "待开票");
  const facts = await first.locator(".request-facts").innerText();
  for (const line of [
    `增值税普通发票 · ${yuan(pending.amount)}`,
    `申请日期：${businessDate(pending.created_at)}`,
    `账单：${invoice.invoice_id}`,
    `发票抬头：${PROFILE.title}`,
    `纳税人识别号：${PROFILE.tax_id}`,
  ]) {
    assert.ok(facts.split("\n").includes(line), `${line} in ${JSON.stringify(facts)}`);
  }
  assert.doesNotMatch(facts, /发票号码/, "no number before it is issued");
  assert.equal(await checkbox(page, invoice.invoice_id).count(), 0);
  assert.equal(await first.getByRole("button", { name: "下载" }).count(), 0);
  const listed = (await portal.api("/api/portal/invoices?limit=200", token)).invoices;
  assert.equal(listed.find((i) => i.invoice_id === invoice.invoice_id).fapiao_status, "pending");
  await screenshot(page, "fapiao-pending-zh");

  // Withdrawn: the invoice can be chosen again.
  await first.getByRole("button", { name: "撤回" }).click();
  await page.locator(`li.fapiao-request[data-request="${pending.request_id}"][data-status="withdrawn"]`).waitFor();
  assert.equal((await item(page, pending.request_id).locator(".badge").textContent()).trim(), "已撤回");
  assert.equal(await item(page, pending.request_id).getByRole("button", { name: "撤回" }).count(), 0);
  await checkbox(page, invoice.invoice_id).waitFor();
  assert.equal((await requests(token)).find((r) => r.request_id === pending.request_id).status, "withdrawn");

  // Requested again: a new pending request beside the withdrawn one.
  await checkbox(page, invoice.invoice_id).check();
  await requestButton(page).click();
  await requestStatus(page).filter({ hasText: "已提交开票申请。" }).waitFor();
  const all = await requests(token);
  assert.equal(all.length, 2);
  const again = all.find((r) => r.status === "pending");
  assert.notEqual(again.request_id, pending.request_id);
  assert.deepEqual(again.invoice_ids, [invoice.invoice_id]);
  await item(page, again.request_id).waitFor();
  assert.equal(await item(page, again.request_id).getAttribute("data-status"), "pending");
  assert.equal(await page.locator("ul.fapiao-requests li.fapiao-request").count(), 2);
  await checkbox(page, invoice.invoice_id).waitFor({ state: "detached" });
  requested = { ...again, invoice };
});

test("an invoice taken meanwhile: the API's conflict is shown and the choice is refreshed", async () => {
  const { page } = browser;
  const token = admin();
  const [other] = await choosable(token);
  assert.ok(other, "a second paid invoice is still free");
  await openFapiao(page, token);
  await checkbox(page, other.invoice_id).waitFor();

  // Another admin requests it first, behind this page's back.
  const first = await send(portal, "POST", "/api/portal/fapiao/requests", token, {
    invoice_ids: [other.invoice_id],
    kind: "special",
  });
  assert.equal(first.status, 201, JSON.stringify(first.json));
  const second = await send(portal, "POST", "/api/portal/fapiao/requests", token, {
    invoice_ids: [other.invoice_id],
    kind: "normal",
  });
  assert.equal(second.status, 409);
  const message = second.json.error.message;

  await checkbox(page, other.invoice_id).check();
  await requestButton(page).click();
  await requestStatus(page).filter({ hasText: message }).waitFor();
  assert.match(await requestStatus(page).textContent(), /操作与当前状态冲突/);
  // The page loads again: the invoice is gone from the choice, its request is listed.
  await checkbox(page, other.invoice_id).waitFor({ state: "detached" });
  const taken = item(page, first.json.request_id);
  await taken.waitFor();
  assert.match(await taken.locator(".request-facts").innerText(), /增值税专用发票/);
  assert.equal((await requests(token)).filter((r) => r.invoice_ids.includes(other.invoice_id)).length, 1);
});

test("issued by the platform, the fapiao shows its number and date and downloads with the bearer header", async () => {
  assert.ok(requested, "the request of the test before");
  // Today on the business calendar, as finance dates it.
  const issuedOn = businessDate(new Date().toISOString());
  const issued = await portal.post(`/api/internal/fapiao/requests/${requested.request_id}/issued`, portal.serviceToken(), {
    fapiao_number: FAPIAO_NUMBER,
    issued_on: issuedOn,
    file_type: "pdf",
    file_base64: PDF.toString("base64"),
  });
  assert.equal(issued.status, "issued");
  assert.equal(issued.fapiao_number, FAPIAO_NUMBER);

  const { page } = browser;
  const token = admin();
  await openFapiao(page, token);
  const it = item(page, requested.request_id);
  await it.waitFor();
  assert.equal(await it.getAttribute("data-status"), "issued");
  assert.equal((await it.locator(".badge").textContent()).trim(), "已开票");
  const facts = (await it.locator(".request-facts").innerText()).split("\n");
  assert.ok(facts.includes(`发票号码：${FAPIAO_NUMBER}`), facts.join(" | "));
  assert.ok(facts.includes(`开票日期：${issuedOn}`), facts.join(" | "));
  assert.equal(await it.getByRole("button", { name: "撤回" }).count(), 0, "an issued fapiao cannot be withdrawn");

  // The download: fetched by the app with the token in the header, saved from a Blob.
  const file = (r) => new URL(r.url()).pathname === `/api/portal/fapiao/requests/${requested.request_id}/file`;
  const [download, response] = await Promise.all([
    page.waitForEvent("download"),
    page.waitForResponse(file),
    it.getByRole("button", { name: "下载" }).click(),
  ]);
  assert.equal(response.status(), 200);
  assert.match((await response.allHeaders())["content-type"], /^application\/pdf/);
  assert.equal((await response.request().allHeaders())["authorization"], `Bearer ${token}`);
  assert.doesNotMatch(response.url(), /token=/);
  assert.equal(download.suggestedFilename(), `fapiao-${FAPIAO_NUMBER}.pdf`);
  assert.ok(download.url().startsWith("blob:"), download.url());
  const bytes = await readFile(await download.path());
  assert.deepEqual(bytes, PDF);
  assert.equal((await page.locator(".fapiao-list .action-status").textContent()).trim(), "", "no failure told");

  // The API's file is the same, with its type and name.
  const direct = await fetch(`${portal.url}/api/portal/fapiao/requests/${requested.request_id}/file`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  assert.equal(direct.headers.get("content-type"), "application/pdf");
  assert.match(direct.headers.get("content-disposition"), new RegExp(`fapiao-${FAPIAO_NUMBER}\\.pdf`));
  assert.deepEqual(Buffer.from(await direct.arrayBuffer()), PDF);
  await screenshot(page, "fapiao-issued-zh");

  // The invoices page badges the invoice.
  await page.getByRole("navigation").getByRole("link", { name: "账单", exact: true }).click();
  const row = page.locator(`table.invoices tr[data-invoice="${requested.invoice.invoice_id}"]`);
  await row.locator(".badge.fapiao-issued").filter({ hasText: "已开票" }).waitFor();
  const pendingOne = (await requests(token)).find((r) => r.status === "pending");
  if (pendingOne) {
    const badge = page.locator(`table.invoices tr[data-invoice="${pendingOne.invoice_ids[0]}"] .badge.fapiao-pending`);
    await badge.filter({ hasText: "已申请" }).waitFor();
  }
});

test("a member sees everything read-only and cannot change anything through the API", async () => {
  const { page } = browser;
  const token = member();
  await openFapiao(page, token);
  assert.ok(await page.getByText("只有管理员可以修改开票信息和申请发票。").isVisible());
  // The profile as saved, every control disabled, no buttons that change anything.
  assert.equal(await page.locator("form.fapiao-profile").getByLabel("发票抬头", { exact: true }).inputValue(), PROFILE.title);
  assert.equal(await page.locator("#tax_id").inputValue(), PROFILE.tax_id);
  const controls = page.locator("form.fapiao-profile input, form.fapiao-profile select, form.fapiao-new input, form.fapiao-new select");
  const n = await controls.count();
  assert.ok(n >= 9, `${n} controls`);
  for (let i = 0; i < n; i += 1) {
    assert.equal(await controls.nth(i).isDisabled(), true, `control ${i} is disabled`);
  }
  assert.equal(await page.locator("button.save, button.request, button.withdraw").count(), 0);
  assert.equal(await page.getByRole("button", { name: "提交开票申请" }).count(), 0);
  // Members may read and download.
  await item(page, requested.request_id).getByRole("button", { name: "下载" }).waitFor();
  await screenshot(page, "fapiao-member-zh");

  const admins = admin();
  const pendingOne = (await requests(admins)).find((r) => r.status === "pending");
  assert.ok(pendingOne, "a pending request from the test before");
  const [free] = await choosable(admins);
  const attempts = [
    await send(portal, "PUT", "/api/portal/fapiao/profile", token, { ...PROFILE, title: "成员改的抬头" }),
    await send(portal, "POST", "/api/portal/fapiao/requests", token, {
      invoice_ids: [(free ?? requested.invoice).invoice_id],
      kind: "normal",
    }),
    await send(portal, "DELETE", `/api/portal/fapiao/requests/${pendingOne.request_id}`, token),
  ];
  assert.deepEqual(
    attempts.map((a) => a.status),
    [403, 403, 403],
  );
  assert.deepEqual(await portal.api("/api/portal/fapiao/profile", admins), PROFILE);
  assert.equal((await requests(admins)).find((r) => r.request_id === pendingOne.request_id).status, "pending");
});

test("the page in English and in Chinese", async () => {
  const { page } = browser;
  const token = admin();
  await openFapiao(page, token, "en");
  await page.getByRole("heading", { name: "Fapiao", level: 1 }).waitFor();
  assert.equal(
    await page.getByRole("navigation").getByRole("link", { name: "Fapiao", exact: true }).getAttribute("aria-current"),
    "page",
  );
  await page.getByRole("heading", { name: "Fapiao details" }).waitFor();
  await page.getByRole("heading", { name: "Request a fapiao" }).waitFor();
  await page.getByRole("heading", { name: "Fapiao requests" }).waitFor();
  const form = page.locator("form.fapiao-profile");
  for (const label of ["Title type", "Fapiao title", "Taxpayer ID", "Registered address", "Registered phone", "Bank", "Bank account", "Delivery e-mail"]) {
    await form.getByLabel(label, { exact: true }).waitFor();
  }
  await form.getByRole("button", { name: "Save fapiao details" }).waitFor();
  await page.getByLabel("Fapiao kind").waitFor();
  await page.getByRole("button", { name: "Submit the request" }).waitFor();
  const it = item(page, requested.request_id);
  assert.equal((await it.locator(".badge").textContent()).trim(), "Issued");
  const facts = (await it.locator(".request-facts").innerText()).split("\n");
  assert.ok(facts.includes(`Fapiao number: ${FAPIAO_NUMBER}`), facts.join(" | "));
  assert.ok(facts.includes(`Invoices: ${requested.invoice.invoice_id}`), facts.join(" | "));
  await it.getByRole("button", { name: "Download" }).waitFor();

  // An empty selection is refused in the app, in the reader's language.
  await page.getByRole("button", { name: "Submit the request" }).click();
  await page.locator("form.fapiao-new .request-status").filter({ hasText: "Choose at least one invoice." }).waitFor();
  await screenshot(page, "fapiao-admin-en");

  await page.getByRole("button", { name: /切换到中文/ }).click();
  await page.getByRole("heading", { name: "发票", level: 1 }).waitFor();
  await page.getByRole("heading", { name: "开票信息" }).waitFor();
  await page.getByRole("heading", { name: "开票申请" }).waitFor();
  await it.locator(".badge").filter({ hasText: "已开票" }).waitFor();
  const zh = (await it.locator(".request-facts").innerText()).split("\n");
  assert.ok(zh.includes(`发票号码：${FAPIAO_NUMBER}`), zh.join(" | "));
  await page.locator("form.fapiao-new .request-status").filter({ hasText: "请至少选择一张账单。" }).waitFor();
  await screenshot(page, "fapiao-admin-zh");
});

test("a 360 px side panel shows the page without horizontal scrolling", async () => {
  const narrow = await openBrowser({ width: 360, height: 740 });
  try {
    const { page } = narrow;
    await openFapiao(page, admin());
    await item(page, requested.request_id).waitFor();
    await noSidewaysScroll(page, "the fapiao page");
    await screenshot(page, "fapiao-360-zh");
  } finally {
    await narrow.close();
  }
});
