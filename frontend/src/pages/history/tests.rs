//! How history entries are worded, in both languages.

use super::*;
use portal_api_types::AuditDetails;

fn locale(json: &str) -> serde_json::Value {
    serde_json::from_str(json).unwrap()
}

/// The templates of a locale file, as the app reads them.
fn texts(file: &'static str) -> impl Fn(Template) -> &'static str {
    let value: &'static serde_json::Value = Box::leak(Box::new(locale(file)));
    move |key| {
        let path = match key {
            Template::Plan => "history.plan",
            Template::Change => "history.change",
            Template::Separator => "history.separator",
            Template::Upgraded => "history.upgraded",
            Template::UpgradedFree => "history.upgraded_free",
            Template::DowngradeScheduled => "history.downgrade_scheduled",
            Template::DowngradeCancelled => "history.downgrade_cancelled",
            Template::DowngradeRemoved => "history.downgrade_removed",
            Template::DowngradeRemovedOther => "history.downgrade_removed_other",
            Template::Paid => "history.paid",
            Template::PaidNoReference => "history.paid_no_reference",
            Template::AccountUpdated => "history.account_updated",
            Template::CompanyName => "account.company_name",
            Template::ContactName => "account.contact_name",
            Template::ContactEmail => "account.contact_email",
            Template::By => "history.by",
            Template::ByService => "history.by_service",
            Template::FapiaoRequested => "history.fapiao_requested",
            Template::FapiaoWithdrawn => "history.fapiao_withdrawn",
            Template::FapiaoIssued => "history.fapiao_issued",
            Template::FapiaoReversed => "history.fapiao_reversed",
            Template::FapiaoProfile => "history.fapiao_profile",
            Template::AlertsUpdated => "history.alerts_updated",
            Template::CapsUpdated => "history.caps_updated",
        };
        let (group, key) = path.split_once('.').unwrap();
        value[group][key].as_str().unwrap()
    }
}

fn zh() -> impl Fn(Template) -> &'static str {
    texts(include_str!("../../../locales/zh.json"))
}

fn en() -> impl Fn(Template) -> &'static str {
    texts(include_str!("../../../locales/en.json"))
}

fn entry(action: &str, before: &[(&str, &str)], after: &[(&str, &str)]) -> AuditLogEntry {
    let map = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    AuditLogEntry {
        at: "2026-11-26T03:04:05Z".into(),
        user_id: "user_admin".into(),
        user_name: None,
        action: action.into(),
        details: AuditDetails {
            before: map(before),
            after: map(after),
        },
    }
}

fn plans() -> Vec<Plan> {
    [
        ("basic", "基础版"),
        ("pro", "专业版"),
        ("enterprise", "企业版"),
    ]
    .into_iter()
    .map(|(id, name)| crate::test_support::plan(id, name, Decimal::ONE))
    .collect()
}

#[test]
fn an_upgrade_names_the_plan_and_the_charge() {
    let upgraded = entry(
        "subscription.upgraded",
        &[("plan_id", "pro")],
        &[
            ("plan_id", "enterprise"),
            ("proration_date", "2026-11-26"),
            ("amount", "333.33"),
            ("invoice_id", "INV202611001"),
        ],
    );
    let zh_text = describe(&upgraded, &plans(), &zh());
    assert_eq!(
        zh_text.sentence,
        "升级到 企业版（enterprise），补收 ¥333.33"
    );
    assert_eq!(zh_text.who, "操作人：user_admin");
    // A token that carried the user's name: the history names them by it.
    let mut named = upgraded.clone();
    named.user_name = Some("李雷".into());
    assert_eq!(describe(&named, &plans(), &zh()).who, "操作人：李雷");
    assert_eq!(describe(&named, &plans(), &en()).who, "By 李雷");
    assert_eq!(zh_text.invoice.as_deref(), Some("INV202611001"));
    let en_text = describe(&upgraded, &plans(), &en());
    assert_eq!(
        en_text.sentence,
        "Upgraded to 企业版 (enterprise), charged ¥333.33"
    );
    // Without the plan list, the id; without a charge, no amount.
    let free = entry(
        "subscription.upgraded",
        &[("plan_id", "pro")],
        &[("plan_id", "enterprise"), ("amount", "0.00")],
    );
    assert_eq!(
        describe(&free, &[], &en()).sentence,
        "Upgraded to enterprise"
    );
    assert_eq!(describe(&free, &[], &en()).invoice, None);
}

#[test]
fn downgrades_scheduled_cancelled_and_removed() {
    let scheduled = entry(
        "subscription.downgrade_scheduled",
        &[("plan_id", "pro")],
        &[("plan_id", "basic"), ("effective_date", "2026-12-01")],
    );
    assert_eq!(
        describe(&scheduled, &[], &zh()).sentence,
        "已安排降级到 basic，生效日期 2026-12-01"
    );
    assert_eq!(
        describe(&scheduled, &[], &en()).sentence,
        "Scheduled a downgrade to basic, effective 2026-12-01"
    );
    let cancelled = entry(
        "subscription.downgrade_cancelled",
        &[("plan_id", "basic"), ("effective_date", "2026-12-01")],
        &[("plan_id", "pro")],
    );
    assert_eq!(
        describe(&cancelled, &[], &zh()).sentence,
        "取消了 2026-12-01 起降级到 basic 的安排"
    );
    let removed = entry(
        "subscription.downgrade_removed",
        &[("plan_id", "basic"), ("effective_date", "2026-12-01")],
        &[("plan_id", "enterprise"), ("reason", "upgrade")],
    );
    assert_eq!(
        describe(&removed, &[], &zh()).sentence,
        "因升级取消了 2026-12-01 起降级到 basic 的安排"
    );
    assert_eq!(
        describe(&removed, &[], &en()).sentence,
        "Scheduled downgrade to basic on 2026-12-01 removed by the upgrade"
    );
    assert_eq!(
        describe(&removed, &plans(), &zh()).sentence,
        "因升级取消了 2026-12-01 起降级到 基础版（basic） 的安排"
    );
    assert_eq!(
        describe(&removed, &plans(), &en()).sentence,
        "Scheduled downgrade to 基础版 (basic) on 2026-12-01 removed by the upgrade"
    );
    let mut other = removed.clone();
    other
        .details
        .after
        .insert("reason".into(), "cancellation".into());
    assert_eq!(
        describe(&other, &[], &en()).sentence,
        "Scheduled downgrade to basic on 2026-12-01 removed"
    );
}

#[test]
fn a_payment_is_told_with_its_reference_and_who_recorded_it() {
    let paid = entry(
        "invoice.paid",
        &[],
        &[
            ("invoice_id", "INV202611001"),
            ("amount", "999.00"),
            ("reference", "PAY-42"),
        ],
    );
    let mut paid = paid;
    paid.user_id = "billing-service".into();
    let zh_text = describe(&paid, &[], &zh());
    assert_eq!(zh_text.sentence, "收到付款 ¥999.00，流水号 PAY-42");
    assert_eq!(zh_text.who, "平台服务：billing-service");
    assert_eq!(zh_text.invoice.as_deref(), Some("INV202611001"));
    paid.details.after.remove("reference");
    assert_eq!(
        describe(&paid, &[], &en()).sentence,
        "Payment of ¥999.00 received"
    );
}

#[test]
fn an_account_edit_names_each_changed_field() {
    let edited = entry(
        "account.updated",
        &[
            ("company_name", "示例科技有限公司"),
            ("contact_email", "a@example.com"),
        ],
        &[
            ("company_name", "新公司"),
            ("contact_email", "b@example.com"),
        ],
    );
    assert_eq!(
        describe(&edited, &[], &zh()).sentence,
        "修改了账户信息：公司名称 “示例科技有限公司” → “新公司”；联系邮箱 “a@example.com” → “b@example.com”"
    );
    assert_eq!(
        describe(&edited, &[], &en()).sentence,
        "Edited the account: Company name “示例科技有限公司” → “新公司”; Contact e-mail “a@example.com” → “b@example.com”"
    );
}

#[test]
fn fapiao_alerts_and_caps_are_worded_in_each_language() {
    let requested = entry(
        "fapiao.requested",
        &[],
        &[
            ("request_id", "FP202612001"),
            ("status", "pending"),
            ("amount", "1998.00"),
            ("invoice_ids", "INV202611001,INV202612001"),
        ],
    );
    assert_eq!(
        describe(&requested, &[], &zh()).sentence,
        "申请开具发票 FP202612001（¥1,998.00，账单 INV202611001；INV202612001）"
    );
    assert_eq!(
        describe(&requested, &[], &en()).sentence,
        "Requested fapiao FP202612001 (¥1,998.00, bills INV202611001; INV202612001)"
    );
    let issued = entry(
        "fapiao.issued",
        &[],
        &[("request_id", "FP202612001"), ("amount", "1998.00")],
    );
    let described = describe(&issued, &[], &zh());
    assert_eq!(described.sentence, "发票 FP202612001 已开具（¥1,998.00）");
    assert!(described.who.starts_with("平台服务"), "{}", described.who);
    let alerts = entry("alerts.updated", &[("count", "1")], &[("count", "2")]);
    assert_eq!(
        describe(&alerts, &[], &en()).sentence,
        "Changed the cost alerts (rules: 1 → 2)"
    );
    let caps = entry("caps.updated", &[("count", "0")], &[("count", "1")]);
    assert_eq!(
        describe(&caps, &[], &zh()).sentence,
        "修改了用量封顶（0 项 → 1 项）"
    );
}

#[test]
fn an_unknown_action_keeps_its_raw_name() {
    let odd = entry("invoice.disputed", &[], &[("invoice_id", "INV1")]);
    let text = describe(&odd, &[], &en());
    assert_eq!(text.sentence, "invoice.disputed: invoice_id “” → “INV1”");
    let bare = entry("subscription.paused", &[], &[]);
    assert_eq!(describe(&bare, &[], &zh()).sentence, "subscription.paused");
}
