//! 变更记录 Change history: the audit log (`GET /api/portal/audit-log`), newest first,
//! one sentence per change in the app's language, with its time in the business calendar
//! (Asia/Shanghai) and who made it. Plan ids are named from the plan list when it loads;
//! an action the app does not know is shown by its raw name with its fields.

use std::str::FromStr;

use leptos::prelude::*;
use leptos_i18n::I18nContext;
use leptos_router::components::A;
use portal_api_types::{AuditLog, AuditLogEntry, Plan};
use rust_decimal::Decimal;

use crate::api::{ApiError, use_api};
use crate::components::{Empty, ErrorNotice, Loading};
use crate::format::{self, fill};
use crate::i18n::*;
use crate::loader::Loader;

/// The translated templates a history entry is written with (`history.*` and the account
/// field names in `locales/*.json`; `{name}` placeholders, see [`format::fill`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    /// `{name}（{id}）`: a plan the plan list names.
    Plan,
    /// `{field} “{before}” → “{after}”`: one changed field.
    Change,
    /// Between changed fields.
    Separator,
    Upgraded,
    UpgradedFree,
    DowngradeScheduled,
    DowngradeCancelled,
    DowngradeRemoved,
    DowngradeRemovedOther,
    Paid,
    PaidNoReference,
    AccountUpdated,
    CompanyName,
    ContactName,
    ContactEmail,
    By,
    ByService,
}

/// One entry, put in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    /// The sentence; for an action the app has no words for, its raw name and fields.
    pub sentence: String,
    /// Who made the change.
    pub who: String,
    /// The invoice the change concerns, if any.
    pub invoice: Option<String>,
}

fn get<'a>(side: &'a std::collections::BTreeMap<String, String>, key: &str) -> &'a str {
    side.get(key).map_or("", String::as_str)
}

/// A plan as the history names it: `企业版（enterprise）` when the plan list knows it.
fn plan_label(id: &str, plans: &[Plan], text: &dyn Fn(Template) -> &'static str) -> String {
    match plans.iter().find(|p| p.plan_id == id) {
        Some(plan) if plan.name != id => {
            fill(text(Template::Plan), &[("name", &plan.name), ("id", id)])
        }
        _ => id.to_owned(),
    }
}

/// An amount sent as a decimal string, with the plan's currency (CNY when unknown);
/// `None` when absent, zero or not a number.
fn charged(amount: &str, plan_id: &str, plans: &[Plan]) -> Option<String> {
    let amount = Decimal::from_str(amount).ok().filter(|a| !a.is_zero())?;
    let currency = plans
        .iter()
        .find(|p| p.plan_id == plan_id)
        .map_or("CNY", |p| p.currency.as_str());
    Some(format::money(amount, currency))
}

/// The changed fields, `公司名称 “旧” → “新”；…`, in the order the API sent them.
fn changes(entry: &AuditLogEntry, text: &dyn Fn(Template) -> &'static str) -> String {
    let (before, after) = (&entry.details.before, &entry.details.after);
    let fields = before
        .keys()
        .chain(after.keys().filter(|k| !before.contains_key(*k)));
    let mut out = String::new();
    for field in fields {
        if !out.is_empty() {
            out.push_str(text(Template::Separator));
        }
        let label = match field.as_str() {
            "company_name" => text(Template::CompanyName),
            "contact_name" => text(Template::ContactName),
            "contact_email" => text(Template::ContactEmail),
            other => other,
        };
        out.push_str(&fill(
            text(Template::Change),
            &[
                ("field", label),
                ("before", get(before, field)),
                ("after", get(after, field)),
            ],
        ));
    }
    out
}

/// What an audit-log entry says, in the words `text` gives.
pub fn describe(
    entry: &AuditLogEntry,
    plans: &[Plan],
    text: &dyn Fn(Template) -> &'static str,
) -> Described {
    let (before, after) = (&entry.details.before, &entry.details.after);
    let plan = |id: &str| plan_label(id, plans, text);
    let sentence = match entry.action.as_str() {
        "account.updated" => fill(
            text(Template::AccountUpdated),
            &[("changes", &changes(entry, text))],
        ),
        "subscription.upgraded" => {
            let to = get(after, "plan_id");
            match charged(get(after, "amount"), to, plans) {
                Some(amount) => fill(
                    text(Template::Upgraded),
                    &[("plan", &plan(to)), ("amount", &amount)],
                ),
                None => fill(text(Template::UpgradedFree), &[("plan", &plan(to))]),
            }
        }
        "subscription.downgrade_scheduled" => fill(
            text(Template::DowngradeScheduled),
            &[
                ("plan", &plan(get(after, "plan_id"))),
                ("date", get(after, "effective_date")),
            ],
        ),
        "subscription.downgrade_cancelled" | "subscription.downgrade_removed" => {
            let template = match (entry.action.as_str(), get(after, "reason")) {
                ("subscription.downgrade_cancelled", _) => Template::DowngradeCancelled,
                (_, "upgrade" | "") => Template::DowngradeRemoved,
                _ => Template::DowngradeRemovedOther,
            };
            fill(
                text(template),
                &[
                    ("plan", &plan(get(before, "plan_id"))),
                    ("date", get(before, "effective_date")),
                ],
            )
        }
        "invoice.paid" => {
            let amount = Decimal::from_str(get(after, "amount")).map_or_else(
                |_| get(after, "amount").to_owned(),
                |a| format::money(a, "CNY"),
            );
            let reference = get(after, "reference");
            let template = if reference.is_empty() {
                Template::PaidNoReference
            } else {
                Template::Paid
            };
            fill(
                text(template),
                &[("amount", &amount), ("reference", reference)],
            )
        }
        other => match changes(entry, text) {
            fields if fields.is_empty() => other.to_owned(),
            fields => format!("{other}: {fields}"),
        },
    };
    let by = if entry.action == "invoice.paid" {
        Template::ByService
    } else {
        Template::By
    };
    Described {
        sentence,
        who: fill(text(by), &[("user", &entry.user_id)]),
        invoice: after.get("invoice_id").filter(|id| !id.is_empty()).cloned(),
    }
}

/// The template of `key` in the app's current language.
fn translated(i18n: I18nContext<Locale>, key: Template) -> &'static str {
    match key {
        Template::Plan => t_string!(i18n, history.plan),
        Template::Change => t_string!(i18n, history.change),
        Template::Separator => t_string!(i18n, history.separator),
        Template::Upgraded => t_string!(i18n, history.upgraded),
        Template::UpgradedFree => t_string!(i18n, history.upgraded_free),
        Template::DowngradeScheduled => t_string!(i18n, history.downgrade_scheduled),
        Template::DowngradeCancelled => t_string!(i18n, history.downgrade_cancelled),
        Template::DowngradeRemoved => t_string!(i18n, history.downgrade_removed),
        Template::DowngradeRemovedOther => t_string!(i18n, history.downgrade_removed_other),
        Template::Paid => t_string!(i18n, history.paid),
        Template::PaidNoReference => t_string!(i18n, history.paid_no_reference),
        Template::AccountUpdated => t_string!(i18n, history.account_updated),
        Template::CompanyName => t_string!(i18n, account.company_name),
        Template::ContactName => t_string!(i18n, account.contact_name),
        Template::ContactEmail => t_string!(i18n, account.contact_email),
        Template::By => t_string!(i18n, history.by),
        Template::ByService => t_string!(i18n, history.by_service),
    }
}

#[component]
pub fn HistoryPage() -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let log = Loader::new(move || api.audit_log());
    // Only to name plans: without it the history shows plan ids.
    let plans = Loader::new(move || api.plans());
    // Also run again when the language changes: the sentences are made here.
    let body = move || match (log.get(), plans.get()) {
        (Some(Err(ApiError::Unauthorized)), _) => ().into_any(),
        (Some(Err(error)), _) => {
            let retry = Callback::new(move |()| log.refetch());
            view! { <ErrorNotice error retry /> }.into_any()
        }
        (Some(Ok(log)), Some(plans)) => {
            let plans = plans.map(|list| list.plans).unwrap_or_default();
            history_list(i18n, log, &plans)
        }
        _ => view! { <Loading /> }.into_any(),
    };
    view! {
        <h1>{tx!(i18n, nav.history)}</h1>
        <p class="lead">{tx!(i18n, history.intro)}</p>
        <section class="card">{body}</section>
    }
}

fn history_list(i18n: I18nContext<Locale>, log: AuditLog, plans: &[Plan]) -> AnyView {
    if log.entries.is_empty() {
        return view! { <Empty message=|i| t_string!(i, history.empty) /> }.into_any();
    }
    let text = |key: Template| translated(i18n, key);
    let items = log
        .entries
        .into_iter()
        .map(|entry| {
            let described = describe(&entry, plans, &text);
            let invoice = described.invoice.map(|id| {
                let href = format!("/invoices/{id}");
                view! { <A href=href>{id}</A> }
            });
            view! {
                <li class="entry" data-action=entry.action>
                    <p class="entry-text">{described.sentence}</p>
                    <p class="entry-meta">
                        <time datetime=entry.at.clone()>{format::date_time_of(&entry.at)}</time>
                        <span class="entry-who">{described.who}</span>
                        {invoice}
                    </p>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="history">{items}</ul> }.into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use portal_api_types::{AuditDetails, PlanFeatures};

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
            };
            let (group, key) = path.split_once('.').unwrap();
            value[group][key].as_str().unwrap()
        }
    }

    fn zh() -> impl Fn(Template) -> &'static str {
        texts(include_str!("../../locales/zh.json"))
    }

    fn en() -> impl Fn(Template) -> &'static str {
        texts(include_str!("../../locales/en.json"))
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
        .map(|(id, name)| Plan {
            plan_id: id.into(),
            name: name.into(),
            price: Decimal::ONE,
            currency: "CNY".into(),
            period: "month".into(),
            features: PlanFeatures {
                ai_chat_quota: 1,
                agent_seats: 1,
                email_quota: 1,
            },
            overage: Default::default(),
        })
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
    fn an_unknown_action_keeps_its_raw_name() {
        let odd = entry("fapiao.requested", &[], &[("request_id", "F1")]);
        let text = describe(&odd, &[], &en());
        assert_eq!(text.sentence, "fapiao.requested: request_id “” → “F1”");
        let bare = entry("subscription.paused", &[], &[]);
        assert_eq!(describe(&bare, &[], &zh()).sentence, "subscription.paused");
    }
}
