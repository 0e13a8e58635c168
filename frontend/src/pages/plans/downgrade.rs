//! The scheduled-downgrade notice and the downgrade confirmation.

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_api_types::{PlanList, Subscription};

use crate::api::{ApiError, use_api};
use crate::auth::use_session;
use crate::components::{ErrorNotice, named};
use crate::format;
use crate::i18n::*;

use super::Downgrade;

/// A scheduled plan change, with a way for admins to call it off.
#[component]
pub(super) fn ScheduledNotice(
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
        .map_or_else(
            || (change.plan_id.clone(), change.plan_id.clone()),
            |p| (p.name.clone(), p.name_en.clone()),
        );
    let date = change.effective_date.clone();
    let text = move || {
        format::fill(
            t_string!(i18n, plans.scheduled),
            &[("name", named(i18n, &name.0, &name.1)), ("date", &date)],
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
pub(super) fn DowngradePanel(
    downgrade: RwSignal<Downgrade>,
    changed: Callback<()>,
) -> impl IntoView {
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
        let names = (plan.name.clone(), plan.name_en.clone());
        let title = move || {
            format::fill(
                t_string!(i18n, plans.downgrade_heading),
                &[("name", named(i18n, &names.0, &names.1))],
            )
        };
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
