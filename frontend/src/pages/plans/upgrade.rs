//! The upgrade confirmation: the preview of what it charges, then the upgrade.

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_api_types::UpgradePreview;

use crate::api::use_api;
use crate::components::invoice_lines::InvoiceLines;
use crate::components::tax_summary::TaxSummary;
use crate::components::{ErrorNotice, Loading, named};
use crate::format;
use crate::i18n::*;

use super::{Flow, idempotency_key};

/// The confirmation step and the outcome of an upgrade.
#[component]
pub(super) fn UpgradePanel(flow: RwSignal<Flow>) -> impl IntoView {
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
            | Flow::Failed(plan, _) => (plan.name.clone(), plan.name_en.clone()),
        };
        let title = {
            let name = plan_name.clone();
            move || {
                format::fill(
                    t_string!(i18n, plans.confirm_heading),
                    &[("name", named(i18n, &name.0, &name.1))],
                )
            }
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
                let sub = &outcome.subscription;
                let name = (sub.plan_name.clone(), sub.plan_name_en.clone());
                let invoice = outcome.invoice.clone();
                view! {
                    <p class="success" role="status">
                        {move || {
                            format::fill(
                                t_string!(i18n, plans.upgraded),
                                &[("name", named(i18n, &name.0, &name.1))],
                            )
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
        <TaxSummary
            net=preview.net_amount
            tax=preview.tax_amount
            total=preview.amount
            breakdown=preview.tax_breakdown.clone()
            currency=preview.currency.clone()
            in_words=preview.amount_in_words.clone()
        />
        {lines}
    }
}
