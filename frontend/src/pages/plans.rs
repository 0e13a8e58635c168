//! 套餐 Plans: the plans side by side with the current one marked; admins upgrade to a
//! dearer plan through a confirmation step that shows what the upgrade charges now
//! (`GET …/upgrade/preview`) before `POST …/upgrade`, and schedule a move to a cheaper
//! plan at the end of the period (`POST …/downgrade`), which they can call off again.

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_api_types::{Plan, PlanList, Subscription, UpgradePreview, UpgradeResponse};

use crate::api::{ApiError, use_api};
use crate::auth::use_session;
use crate::components::invoice_lines::InvoiceLines;
use crate::components::{ErrorNotice, Loading};
use crate::format;
use crate::i18n::*;
use crate::loader::Loader;

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
                    <span class="plan-title">{plan.name.clone()}</span>
                    {current
                        .then(|| {
                            view! { <span class="badge status-active current-mark">{tx!(i18n, plans.current)}</span> }
                        })}
                </th>
            }
        })
        .collect_view();
    let row = |label: AnyView, cell: &dyn Fn(&Plan) -> String| {
        let cells = list
            .plans
            .iter()
            .map(|plan| view! { <td class:current=is_current(plan)>{cell(plan)}</td> })
            .collect_view();
        view! {
            <tr>
                <th scope="row">{label}</th>
                {cells}
            </tr>
        }
    };
    let price_row = row(tx!(i18n, plans.price).into_any(), &|p| {
        format::money(p.price, &p.currency)
    });
    let chat_row = row(tx!(i18n, plans.ai_chat_quota).into_any(), &|p| {
        format::grouped(p.features.ai_chat_quota)
    });
    let email_row = row(tx!(i18n, plans.email_quota).into_any(), &|p| {
        format::grouped(p.features.email_quota)
    });
    let seats_row = row(tx!(i18n, plans.agent_seats).into_any(), &|p| {
        format::grouped(p.features.agent_seats)
    });

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
                let name = plan.name.clone();
                let busy = move || {
                    !matches!(flow.get(), Flow::Idle | Flow::Done(..) | Flow::Failed(..))
                        || matches!(downgrade.get(), Downgrade::Sending(..))
                };
                let down = cheaper.then(|| {
                    let plan = plan.clone();
                    let name = plan.name.clone();
                    let label = move || {
                        format::fill(t_string!(i18n, plans.downgrade_to), &[("name", &name)])
                    };
                    view! {
                        <button
                            type="button"
                            class="secondary downgrade"
                            data-plan=plan.plan_id.clone()
                            disabled=busy
                            on:click=move |_| downgrade.set(Downgrade::Confirming(plan.clone()))
                        >
                            {label}
                        </button>
                    }
                });
                view! {
                    <td>
                        {down}
                        {eligible
                            .then(|| {
                                let label = move || {
                                    format::fill(t_string!(i18n, plans.upgrade_to), &[("name", &name)])
                                };
                                let plan = plan.clone();
                                view! {
                                    <button
                                        type="button"
                                        class="upgrade"
                                        data-plan=plan.plan_id.clone()
                                        disabled=busy
                                        on:click=move |_| start_upgrade(plan.clone())
                                    >
                                        {label}
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
        <div class="table-wrap">
            <table class="plans">
                <caption class="sr-only">{tx!(i18n, nav.plans)}</caption>
                <thead>
                    <tr>
                        <th scope="col">{tx!(i18n, plans.feature)}</th>
                        {head}
                    </tr>
                </thead>
                <tbody>{price_row} {chat_row} {email_row} {seats_row} {actions}</tbody>
            </table>
        </div>
        {(!admin).then(|| view! { <p class="note">{tx!(i18n, plans.member_note)}</p> })}
    }
    .into_any()
}

/// A scheduled plan change, with a way for admins to call it off.
#[component]
fn ScheduledNotice(
    list: PlanList,
    current: Option<Subscription>,
    changed: Callback<()>,
) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let session = use_session();
    let failed = RwSignal::new(None::<ApiError>);
    let sending = RwSignal::new(false);
    let Some(change) = current.and_then(|s| s.scheduled_change) else {
        return ().into_any();
    };
    let name = list
        .plans
        .iter()
        .find(|p| p.plan_id == change.plan_id)
        .map_or_else(|| change.plan_id.clone(), |p| p.name.clone());
    let date = change.effective_date.clone();
    let text = move || {
        format::fill(
            t_string!(i18n, plans.scheduled),
            &[("name", &name), ("date", &date)],
        )
    };
    let cancel = move |_| {
        sending.set(true);
        spawn_local(async move {
            match api.cancel_scheduled_change().await {
                Ok(_) => {
                    failed.set(None);
                    changed.run(());
                }
                Err(error) => failed.set(Some(error)),
            }
            sending.set(false);
        });
    };
    view! {
        <div class="notice scheduled-change" role="status" data-plan=change.plan_id.clone()>
            <span>{text}</span>
            {session
                .is_admin()
                .then(|| {
                    view! {
                        <button type="button" class="secondary cancel-change" on:click=cancel disabled=sending>
                            {tx!(i18n, plans.cancel_scheduled)}
                        </button>
                    }
                })}
        </div>
        {move || failed.get().map(|error| view! { <ErrorNotice error /> })}
    }
    .into_any()
}

/// The confirmation step of a downgrade.
#[component]
fn DowngradePanel(downgrade: RwSignal<Downgrade>, changed: Callback<()>) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let heading = NodeRef::<html::H2>::new();
    Effect::new(move |_| {
        let open = matches!(
            downgrade.get(),
            Downgrade::Confirming(..) | Downgrade::Failed(..)
        );
        if let (true, Some(h)) = (open, heading.get()) {
            let _ = h.focus();
        }
    });
    let confirm = move |_| {
        let Downgrade::Confirming(plan) = downgrade.get_untracked() else {
            return;
        };
        downgrade.set(Downgrade::Sending(plan.clone()));
        spawn_local(async move {
            match api.downgrade(plan.plan_id.clone()).await {
                Ok(_) => {
                    downgrade.set(Downgrade::Idle);
                    changed.run(());
                }
                Err(error) => downgrade.set(Downgrade::Failed(plan, error)),
            }
        });
    };
    let cancel = move |_| downgrade.set(Downgrade::Idle);
    move || {
        let state = downgrade.get();
        let (plan, sending, error) = match state {
            Downgrade::Idle => return ().into_any(),
            Downgrade::Confirming(plan) => (plan, false, None),
            Downgrade::Sending(plan) => (plan, true, None),
            Downgrade::Failed(plan, error) => (plan, false, Some(error)),
        };
        let name = plan.name.clone();
        let title =
            move || format::fill(t_string!(i18n, plans.downgrade_heading), &[("name", &name)]);
        view! {
            <section class="card confirm-panel downgrade-panel" aria-labelledby="downgrade-title">
                <h2 id="downgrade-title" tabindex="-1" node_ref=heading>
                    {title}
                </h2>
                <p>{tx!(i18n, plans.downgrade_explain)}</p>
                {error.map(|error| view! { <ErrorNotice error /> })}
                <div class="actions">
                    <button type="button" class="confirm" on:click=confirm disabled=sending>
                        {move || {
                            if sending {
                                t_string!(i18n, plans.downgrading).to_string()
                            } else {
                                t_string!(i18n, plans.downgrade_confirm).to_string()
                            }
                        }}
                    </button>
                    <button type="button" class="secondary" on:click=cancel disabled=sending>
                        {tx!(i18n, common.cancel)}
                    </button>
                </div>
            </section>
        }
        .into_any()
    }
}

/// The confirmation step and the outcome of an upgrade.
#[component]
fn UpgradePanel(flow: RwSignal<Flow>) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let heading = NodeRef::<html::H2>::new();

    // Move keyboard focus to the panel when it opens, so the confirmation is next.
    Effect::new(move |_| {
        let open = matches!(
            flow.get(),
            Flow::Confirming(..) | Flow::Done(..) | Flow::Failed(..)
        );
        if let (true, Some(h)) = (open, heading.get()) {
            let _ = h.focus();
        }
    });

    let confirm = move |_| {
        let Flow::Confirming(plan, preview) = flow.get_untracked() else {
            return;
        };
        let date = preview.proration_date.clone();
        flow.set(Flow::Upgrading(plan.clone(), preview));
        spawn_local(async move {
            let key = idempotency_key();
            let next = match api.upgrade(plan.plan_id.clone(), date, key).await {
                Ok(outcome) => Flow::Done(plan, Box::new(outcome)),
                Err(error) => Flow::Failed(plan, error),
            };
            flow.set(next);
        });
    };
    let cancel = move |_| flow.set(Flow::Idle);

    move || {
        let state = flow.get();
        let plan_name = match &state {
            Flow::Idle => return ().into_any(),
            Flow::Previewing(plan)
            | Flow::Confirming(plan, _)
            | Flow::Upgrading(plan, _)
            | Flow::Done(plan, _)
            | Flow::Failed(plan, _) => plan.name.clone(),
        };
        let title = {
            let name = plan_name.clone();
            move || format::fill(t_string!(i18n, plans.confirm_heading), &[("name", &name)])
        };
        let body = match state {
            Flow::Idle => ().into_any(),
            Flow::Previewing(_) => view! { <Loading /> }.into_any(),
            Flow::Confirming(_, preview) | Flow::Upgrading(_, preview) => {
                let upgrading = matches!(flow.get_untracked(), Flow::Upgrading(..));
                view! {
                    <PreviewFacts preview />
                    <div class="actions">
                        <button type="button" class="confirm" on:click=confirm disabled=upgrading>
                            {move || {
                                if upgrading {
                                    t_string!(i18n, plans.upgrading).to_string()
                                } else {
                                    t_string!(i18n, plans.confirm).to_string()
                                }
                            }}
                        </button>
                        <button type="button" class="secondary" on:click=cancel disabled=upgrading>
                            {tx!(i18n, common.cancel)}
                        </button>
                    </div>
                }
                .into_any()
            }
            Flow::Done(_, outcome) => {
                let name = outcome.subscription.plan_name.clone();
                let invoice = outcome.invoice.clone();
                view! {
                    <p class="success" role="status">
                        {move || {
                            format::fill(t_string!(i18n, plans.upgraded), &[("name", &name)])
                        }} " "
                        {move || match &invoice {
                            Some(inv) => {
                                let id = inv.invoice_id.clone();
                                let amount = format::money(inv.amount, &inv.currency);
                                format::fill(t_string!(i18n, plans.invoice_issued), &[("id", &id), ("amount", &amount)])
                            }
                            None => t_string!(i18n, plans.nothing_owed).to_string(),
                        }}
                    </p>
                }
                .into_any()
            }
            Flow::Failed(_, error) => view! {
                <ErrorNotice error />
                <div class="actions">
                    <button type="button" class="secondary" on:click=cancel>
                        {tx!(i18n, common.cancel)}
                    </button>
                </div>
            }
            .into_any(),
        };
        view! {
            <section class="card confirm-panel" aria-labelledby="upgrade-title">
                <h2 id="upgrade-title" tabindex="-1" node_ref=heading>
                    {title}
                </h2>
                {body}
            </section>
        }
        .into_any()
    }
}

#[component]
fn PreviewFacts(preview: UpgradePreview) -> impl IntoView {
    let i18n = use_i18n();
    let lines = (!preview.lines.is_empty()).then(|| {
        view! {
            <InvoiceLines
                lines=preview.lines.clone()
                currency=preview.currency.clone()
                caption=|i| t_string!(i, plans.details)
            />
        }
    });
    view! {
        <dl class="facts">
            <dt>{tx!(i18n, plans.due_now)}</dt>
            <dd class="money due-now" data-amount=preview.amount.to_string()>
                {format::money(preview.amount, &preview.currency)}
            </dd>
            <dt>{tx!(i18n, plans.prorated_from)}</dt>
            <dd>{preview.proration_date.clone()}</dd>
        </dl>
        {lines}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portal_api_types::PlanFeatures;
    use rust_decimal::Decimal;

    fn plan(id: &str, price: i64) -> Plan {
        Plan {
            plan_id: id.into(),
            name: id.into(),
            price: Decimal::new(price, 0),
            currency: "CNY".into(),
            period: "month".into(),
            features: PlanFeatures {
                ai_chat_quota: 1,
                agent_seats: 1,
                email_quota: 1,
            },
        }
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
