//! 变更记录 Change history: the audit log (`GET /api/portal/audit-log`), newest first,
//! one sentence per change in the app's language, with its time in the business calendar
//! (Asia/Shanghai) and who made it. Plan ids are named from the plan list when it loads;
//! an action the app does not know is shown by its raw name with its fields.

use std::str::FromStr;

use leptos::prelude::*;
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
    FapiaoRequested,
    FapiaoWithdrawn,
    FapiaoIssued,
    FapiaoReversed,
    FapiaoProfile,
    AlertsUpdated,
    CapsUpdated,
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
        // A payment reported against an invoice (§9) or received by bank transfer (§15).
        "invoice.paid" | "payment.received" => {
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
        // A fapiao request (§12): asked for and withdrawn by the customer, issued and
        // reversed by the platform's finance service.
        "fapiao.requested" | "fapiao.withdrawn" | "fapiao.issued" | "fapiao.reversed" => {
            let template = match entry.action.as_str() {
                "fapiao.requested" => Template::FapiaoRequested,
                "fapiao.withdrawn" => Template::FapiaoWithdrawn,
                "fapiao.issued" => Template::FapiaoIssued,
                _ => Template::FapiaoReversed,
            };
            let amount = Decimal::from_str(get(after, "amount")).map_or_else(
                |_| get(after, "amount").to_owned(),
                |a| format::money(a, "CNY"),
            );
            let invoices = get(after, "invoice_ids").replace(',', text(Template::Separator));
            fill(
                text(template),
                &[
                    ("request", get(after, "request_id")),
                    ("amount", &amount),
                    ("invoices", &invoices),
                ],
            )
        }
        "fapiao.profile_updated" => fill(
            text(Template::FapiaoProfile),
            &[("title", get(after, "title"))],
        ),
        "alerts.updated" | "caps.updated" => fill(
            text(if entry.action == "alerts.updated" {
                Template::AlertsUpdated
            } else {
                Template::CapsUpdated
            }),
            &[
                ("before", get(before, "count")),
                ("after", get(after, "count")),
            ],
        ),
        other => match changes(entry, text) {
            fields if fields.is_empty() => other.to_owned(),
            fields => format!("{other}: {fields}"),
        },
    };
    let by = if matches!(
        entry.action.as_str(),
        "invoice.paid" | "payment.received" | "fapiao.issued" | "fapiao.reversed"
    ) {
        Template::ByService
    } else {
        Template::By
    };
    Described {
        sentence,
        // The user's name when their token carried one, else their id.
        who: fill(
            text(by),
            &[("user", entry.user_name.as_deref().unwrap_or(&entry.user_id))],
        ),
        invoice: after.get("invoice_id").filter(|id| !id.is_empty()).cloned(),
    }
}

/// The template of `key` in the app's current language.
fn translated(i18n: I18nContext, key: Template) -> &'static str {
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
        Template::FapiaoRequested => t_string!(i18n, history.fapiao_requested),
        Template::FapiaoWithdrawn => t_string!(i18n, history.fapiao_withdrawn),
        Template::FapiaoIssued => t_string!(i18n, history.fapiao_issued),
        Template::FapiaoReversed => t_string!(i18n, history.fapiao_reversed),
        Template::FapiaoProfile => t_string!(i18n, history.fapiao_profile),
        Template::AlertsUpdated => t_string!(i18n, history.alerts_updated),
        Template::CapsUpdated => t_string!(i18n, history.caps_updated),
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

fn history_list(i18n: I18nContext, log: AuditLog, plans: &[Plan]) -> AnyView {
    if log.entries.is_empty() {
        return view! { <Empty message=|i| t_string!(i, history.empty) /> }.into_any();
    }
    let text = |key: Template| translated(i18n, key);
    // Plans named in the page's language.
    let plans: Vec<Plan> = plans
        .iter()
        .map(|p| Plan {
            name: crate::components::named(i18n, &p.name, &p.name_en).to_owned(),
            ..p.clone()
        })
        .collect();
    let plans = plans.as_slice();
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
mod tests;
