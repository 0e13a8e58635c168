//! 账户 Account: the customer's account; admins edit it (the API's validation shown next
//! to each field, through the shared [`TextField`]), members read it.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_api_types::{Account, UpdateAccountRequest};

use crate::api::{ApiError, use_api};
use crate::auth::use_session;
use crate::components::form::TextField;
use crate::components::{ErrorNotice, loaded};
use crate::format;
use crate::i18n::*;
use crate::loader::Loader;

#[component]
pub fn AccountPage() -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let session = use_session();
    let account = Loader::new(move || api.account());
    view! {
        <h1>{tx!(i18n, nav.account)}</h1>
        {loaded(
            account,
            move |account| {
                if session.is_admin() {
                    view! { <AccountForm account /> }.into_any()
                } else {
                    view! { <AccountFacts account /> }.into_any()
                }
            },
        )}
    }
}

/// The read-only view (members).
#[component]
fn AccountFacts(account: Account) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card">
            <dl class="facts wide">
                <dt>{tx!(i18n, account.company_name)}</dt>
                <dd data-field="company_name">{account.company_name.clone()}</dd>
                <dt>{tx!(i18n, account.contact_name)}</dt>
                <dd data-field="contact_name">{account.contact_name.clone()}</dd>
                <dt>{tx!(i18n, account.contact_email)}</dt>
                <dd data-field="contact_email">{account.contact_email.clone()}</dd>
                <dt>{tx!(i18n, account.customer_id)}</dt>
                <dd>{account.customer_id.clone()}</dd>
                <dt>{tx!(i18n, account.created_at)}</dt>
                <dd>{format::date_of(&account.created_at)}</dd>
            </dl>
            <p class="note">{tx!(i18n, account.read_only)}</p>
        </section>
    }
}

/// The edit form (admins). `novalidate`: the API's rules are the ones shown.
#[component]
fn AccountForm(account: Account) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let company = RwSignal::new(account.company_name.clone());
    let contact = RwSignal::new(account.contact_name.clone());
    let email = RwSignal::new(account.contact_email.clone());
    let saving = RwSignal::new(false);
    let outcome: RwSignal<Option<Result<(), ApiError>>> = RwSignal::new(None);

    let field_error = move |field: &'static str| {
        Signal::derive(move || {
            outcome.with(|o| match o {
                Some(Err(e)) => e.fields().and_then(|f| f.get(field).cloned()),
                _ => None,
            })
        })
    };

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        saving.set(true);
        outcome.set(None);
        let body = UpdateAccountRequest {
            company_name: Some(company.get_untracked()),
            contact_name: Some(contact.get_untracked()),
            contact_email: Some(email.get_untracked()),
        };
        spawn_local(async move {
            let result = api.update_account(body).await;
            saving.set(false);
            match result {
                Ok(updated) => {
                    company.set(updated.company_name);
                    contact.set(updated.contact_name);
                    email.set(updated.contact_email);
                    outcome.set(Some(Ok(())));
                }
                Err(error) => outcome.set(Some(Err(error))),
            }
        });
    };

    let general_error = move || {
        outcome.with(|o| match o {
            Some(Err(ApiError::Unauthorized)) => None,
            Some(Err(error)) => Some(error.clone()),
            _ => None,
        })
    };

    view! {
        <section class="card">
            <dl class="facts wide">
                <dt>{tx!(i18n, account.customer_id)}</dt>
                <dd>{account.customer_id.clone()}</dd>
                <dt>{tx!(i18n, account.created_at)}</dt>
                <dd>{format::date_of(&account.created_at)}</dd>
            </dl>
        </section>
        <form class="card form" on:submit=on_submit novalidate aria-labelledby="account-edit">
            <h2 id="account-edit">{tx!(i18n, account.edit_heading)}</h2>
            <TextField
                id="company_name"
                kind="text"
                autocomplete="organization"
                value=company
                label=|i| t_string!(i, account.company_name)
                hint=|i| t_string!(i, account.hint_company)
                error=field_error("company_name")
            />
            <TextField
                id="contact_name"
                kind="text"
                autocomplete="name"
                value=contact
                label=|i| t_string!(i, account.contact_name)
                hint=|i| t_string!(i, account.hint_contact)
                error=field_error("contact_name")
            />
            <TextField
                id="contact_email"
                kind="email"
                autocomplete="email"
                value=email
                label=|i| t_string!(i, account.contact_email)
                hint=|i| t_string!(i, account.hint_email)
                error=field_error("contact_email")
            />
            <div class="actions">
                <button type="submit" disabled=move || saving.get()>
                    {move || {
                        if saving.get() {
                            t_string!(i18n, account.saving).to_string()
                        } else {
                            t_string!(i18n, account.save).to_string()
                        }
                    }}
                </button>
                <p class="saved" role="status" aria-live="polite">
                    {move || {
                        matches!(outcome.get(), Some(Ok(())))
                            .then(|| t_string!(i18n, account.saved).to_string())
                    }}
                </p>
            </div>
            {move || general_error().map(|error| view! { <ErrorNotice error /> })}
        </form>
    }
}
