//! 套餐 Plans: the plans side by side with the current one marked; admins upgrade to a
//! dearer plan through a confirmation step that shows what the upgrade charges now
//! (`GET …/upgrade/preview`) before `POST …/upgrade`, and schedule a move to a cheaper
//! plan at the end of the period (`POST …/downgrade`), which they can call off again.

use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_api_types::{Plan, PlanList, Subscription, UpgradePreview, UpgradeResponse};

use crate::api::{ApiError, use_api};
use crate::auth::use_session;
use crate::components::{ErrorNotice, Loading, Text, named};
use crate::format;
use crate::i18n::*;
use crate::loader::Loader;

mod downgrade;
mod upgrade;

use downgrade::{DowngradePanel, ScheduledNotice};
use upgrade::UpgradePanel;

/// Where an upgrade stands.
#[derive(Debug, Clone, PartialEq)]
enum Flow {
    Idle,
    Previewing(Plan),
    Confirming(Plan, UpgradePreview),
    Upgrading(Plan, UpgradePreview),
    Done(Plan, Box<UpgradeResponse>),
    Failed(Plan, ApiError),
}

/// Where a downgrade stands (it is only scheduled: nothing is charged).
#[derive(Debug, Clone, PartialEq)]
enum Downgrade {
    Idle,
    Confirming(Plan),
    Sending(Plan),
    Failed(Plan, ApiError),
}

/// Plans a downgrade may go to: cheaper than the current one.
pub fn can_downgrade_to(plan: &Plan, current: Option<&Plan>) -> bool {
    current.is_some_and(|c| plan.price < c.price && plan.plan_id != c.plan_id)
}

/// The VAT rate every plan's prices include, when they share one (the page says it once).
pub fn shared_rate(plans: &[Plan]) -> Option<rust_decimal::Decimal> {
    let first = plans.first()?.tax_rate;
    plans.iter().all(|p| p.tax_rate == first).then_some(first)
}

/// Plans an upgrade may go to: dearer than the current one.
pub fn can_upgrade_to(plan: &Plan, current: Option<&Plan>) -> bool {
    current.is_some_and(|c| plan.price > c.price && plan.plan_id != c.plan_id)
}

/// A fresh key for one confirmed upgrade.
fn idempotency_key() -> String {
    let random = (js_sys::Math::random() * 1e15) as u64;
    let now = js_sys::Date::now() as u64;
    format!("portal-app-{now:x}-{random:x}")
}

#[component]
pub fn PlansPage() -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let plans = Loader::new(move || api.plans());
    let subscription = Loader::new(move || api.subscription());
    let flow = RwSignal::new(Flow::Idle);
    let downgrade = RwSignal::new(Downgrade::Idle);
    let changed = Callback::new(move |()| subscription.refetch());

    let table = move || match (plans.get(), subscription.get()) {
        (Some(Err(ApiError::Unauthorized)), _) | (_, Some(Err(ApiError::Unauthorized))) => {
            ().into_any()
        }
        (Some(Err(error)), _) => {
            let retry = Callback::new(move |()| plans.refetch());
            view! { <ErrorNotice error retry /> }.into_any()
        }
        // No subscription (404) still shows the plans, with nothing marked.
        (_, Some(Err(error))) if error.status() != Some(404) => {
            let retry = Callback::new(move |()| subscription.refetch());
            view! { <ErrorNotice error retry /> }.into_any()
        }
        (Some(Ok(list)), Some(sub)) => {
            let current = sub.ok();
            view! {
                <ScheduledNotice list=list.clone() current=current.clone() changed />
                <PlanTable list current flow downgrade />
            }
            .into_any()
        }
        _ => view! { <Loading /> }.into_any(),
    };

    // A finished upgrade changes the current plan.
    Effect::new(move |_| {
        if matches!(flow.get(), Flow::Done(..)) {
            subscription.refetch();
        }
    });

    view! {
        <h1>{tx!(i18n, nav.plans)}</h1>
        <p class="lead">{tx!(i18n, plans.intro)}</p>
        {table}
        <UpgradePanel flow />
        <DowngradePanel downgrade changed />
    }
}

#[component]
fn PlanTable(
    list: PlanList,
    current: Option<Subscription>,
    flow: RwSignal<Flow>,
    downgrade: RwSignal<Downgrade>,
) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let session = use_session();
    if list.plans.is_empty() {
        return view! { <p class="state empty">{tx!(i18n, plans.no_plans)}</p> }.into_any();
    }
    let current_id = current.as_ref().map(|s| s.plan_id.clone());
    let scheduled_to = current
        .as_ref()
        .and_then(|s| s.scheduled_change.as_ref())
        .map(|c| c.plan_id.clone());
    let current_plan = list
        .plans
        .iter()
        .find(|p| Some(&p.plan_id) == current_id.as_ref())
        .cloned();
    let is_current = move |plan: &Plan| Some(&plan.plan_id) == current_id.as_ref();

    let start_upgrade = move |plan: Plan| {
        flow.set(Flow::Previewing(plan.clone()));
        spawn_local(async move {
            let next = match api.upgrade_preview(plan.plan_id.clone()).await {
                Ok(preview) => Flow::Confirming(plan, preview),
                Err(error) => Flow::Failed(plan, error),
            };
            flow.set(next);
        });
    };

    let head = list
        .plans
        .iter()
        .map(|plan| {
            let current = is_current(plan);
            view! {
                <th scope="col" class:current=current data-plan=plan.plan_id.clone()>
                    <span class="plan-title">
                        {
                            let (zh, en) = (plan.name.clone(), plan.name_en.clone());
                            move || named(i18n, &zh, &en).to_owned()
                        }
                    </span>
                    {current
                        .then(|| {
                            view! { <span class="badge status-active current-mark">{tx!(i18n, plans.current)}</span> }
                        })}
                </th>
            }
        })
        .collect_view();
    let row = |name: &'static str, label: Text, cell: &dyn Fn(&Plan) -> String| {
        let cells = list
            .plans
            .iter()
            .map(|plan| view! { <td class:current=is_current(plan)>{cell(plan)}</td> })
            .collect_view();
        view! {
            <tr data-row=name>
                <th scope="row">{tr(i18n, label)}</th>
                {cells}
            </tr>
        }
    };
    let price_row = row("price", |i| t_string!(i, plans.price), &|p| {
        format::money(p.price, &p.currency)
    });
    let chat_row = row(
        "ai_chat_quota",
        |i| t_string!(i, plans.ai_chat_quota),
        &|p| format::grouped(p.features.ai_chat_quota),
    );
    let email_row = row("email_quota", |i| t_string!(i, plans.email_quota), &|p| {
        format::grouped(p.features.email_quota)
    });
    let seats_row = row("agent_seats", |i| t_string!(i, plans.agent_seats), &|p| {
        format::grouped(p.features.agent_seats)
    });
    // The VAT rate the prices include (§14).
    let vat_row = row("tax_rate", |i| t_string!(i, plans.vat), &|p| {
        crate::components::tax_summary::rate(p.tax_rate)
    });
    // Prices include VAT: at the one rate of every plan, or at each plan's (the row).
    let shared = shared_rate(&list.plans).map(crate::components::tax_summary::rate);
    let vat_note = (!list.plans.is_empty()).then(|| {
        view! {
            <p class="note vat-note">
                {move || match &shared {
                    Some(rate) => format::fill(t_string!(i18n, tax.plans_note), &[("rate", rate)]),
                    None => t_string!(i18n, tax.plans_note_mixed).to_owned(),
                }}
            </p>
        }
    });
    // The price of one unit beyond the plan (contract §10), under a heading of its own.
    let overage_head = view! {
        <tr class="group">
            <th scope="rowgroup" colspan=list.plans.len() + 1>
                {tx!(i18n, plans.overage_heading)}
            </th>
        </tr>
    };
    let overage_rows = (
        row(
            "overage.ai_chat",
            |i| t_string!(i, plans.overage_ai_chat),
            &|p| format::money(p.overage.ai_chat, &p.currency),
        ),
        row(
            "overage.email",
            |i| t_string!(i, plans.overage_email),
            &|p| format::money(p.overage.email, &p.currency),
        ),
        row(
            "overage.agent_seats",
            |i| t_string!(i, plans.overage_seats),
            &|p| format::money(p.overage.agent_seats, &p.currency),
        ),
    );

    let admin = session.is_admin();
    let actions = admin.then(|| {
        let cells = list
            .plans
            .iter()
            .map(|plan| {
                let eligible = can_upgrade_to(plan, current_plan.as_ref());
                let cheaper = can_downgrade_to(plan, current_plan.as_ref())
                    && scheduled_to.as_ref() != Some(&plan.plan_id);
                let plan = plan.clone();
                let name = (plan.name.clone(), plan.name_en.clone());
                let busy = move || {
                    !matches!(flow.get(), Flow::Idle | Flow::Done(..) | Flow::Failed(..))
                        || matches!(downgrade.get(), Downgrade::Sending(..))
                };
                let down = cheaper.then(|| {
                    let plan = plan.clone();
                    let name = (plan.name.clone(), plan.name_en.clone());
                    let label = move || {
                        format::fill(
                            t_string!(i18n, plans.downgrade_to),
                            &[("name", named(i18n, &name.0, &name.1))],
                        )
                    };
                    let aria = label.clone();
                    view! {
                        <button
                            type="button"
                            class="secondary downgrade"
                            data-plan=plan.plan_id.clone()
                            disabled=busy
                            aria-label=aria
                            on:click=move |_| downgrade.set(Downgrade::Confirming(plan.clone()))
                        >
                            // Narrow screens show the verb alone: the column names the plan.
                            <span class="wide">{label}</span>
                            <span class="narrow" aria-hidden="true">
                                {tx!(i18n, plans.downgrade_short)}
                            </span>
                        </button>
                    }
                });
                view! {
                    <td>
                        {down}
                        {eligible
                            .then(|| {
                                let label = move || {
                                    format::fill(
                                        t_string!(i18n, plans.upgrade_to),
                                        &[("name", named(i18n, &name.0, &name.1))],
                                    )
                                };
                                let plan = plan.clone();
                                let aria = label.clone();
                                view! {
                                    <button
                                        type="button"
                                        class="upgrade"
                                        data-plan=plan.plan_id.clone()
                                        disabled=busy
                                        aria-label=aria
                                        on:click=move |_| start_upgrade(plan.clone())
                                    >
                                        <span class="wide">{label}</span>
                                        <span class="narrow" aria-hidden="true">
                                            {tx!(i18n, plans.upgrade_short)}
                                        </span>
                                    </button>
                                }
                            })}
                    </td>
                }
            })
            .collect_view();
        view! {
            <tr class="actions-row">
                <th scope="row">
                    <span class="sr-only">{tx!(i18n, plans.confirm)}</span>
                </th>
                {cells}
            </tr>
        }
    });

    view! {
        {vat_note}
        <div class="table-wrap">
            <table class="plans">
                <caption class="sr-only">{tx!(i18n, nav.plans)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{tx!(i18n, plans.feature)}</th>
                        {head}
                    </tr>
                </thead>
                <tbody>{price_row} {vat_row} {chat_row} {email_row} {seats_row}</tbody>
                <tbody class="overage">{overage_head} {overage_rows}</tbody>
                <tbody>{actions}</tbody>
            </table>
        </div>
        {(!admin).then(|| view! { <p class="note">{tx!(i18n, plans.member_note)}</p> })}
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn plan(id: &str, price: i64) -> Plan {
        crate::test_support::plan(id, id, Decimal::new(price, 0))
    }

    #[test]
    fn the_rate_is_said_once_when_every_plan_shares_it() {
        let mut plans = vec![plan("basic", 299), plan("pro", 999)];
        assert_eq!(shared_rate(&plans), Some(Decimal::new(6, 2)));
        plans[1].tax_rate = Decimal::new(13, 2);
        assert_eq!(shared_rate(&plans), None);
        assert_eq!(shared_rate(&[]), None);
    }

    #[test]
    fn only_dearer_plans_are_upgrades() {
        let (basic, pro, enterprise) = (
            plan("basic", 299),
            plan("pro", 999),
            plan("enterprise", 2999),
        );
        assert!(can_upgrade_to(&enterprise, Some(&pro)));
        assert!(!can_upgrade_to(&pro, Some(&pro)));
        assert!(!can_upgrade_to(&basic, Some(&pro)));
        assert!(!can_upgrade_to(&enterprise, None));
    }

    #[test]
    fn only_cheaper_plans_are_downgrades() {
        let (basic, pro, enterprise) = (
            plan("basic", 299),
            plan("pro", 999),
            plan("enterprise", 2999),
        );
        assert!(can_downgrade_to(&basic, Some(&pro)));
        assert!(!can_downgrade_to(&pro, Some(&pro)));
        assert!(!can_downgrade_to(&enterprise, Some(&pro)));
        assert!(!can_downgrade_to(&basic, None));
    }
}
