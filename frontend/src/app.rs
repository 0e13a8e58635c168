//! The app's frame: the session gate (sign-in screen, or waiting for the workbench),
//! the header with navigation and the language switch, and the routes.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;
use portal_api_types::AppConfig;

use crate::api::{self, ApiError};
use crate::auth::{self, Session, SessionPhase, provide_session, use_session};
use crate::components::balance::SuspensionBanner;
use crate::components::bell::Bell;
use crate::components::{ErrorNotice, Loading, error_text};
use crate::i18n::*;
use crate::loader::Loader;
use crate::pages::account::AccountPage;
use crate::pages::alerts::AlertsPage;
use crate::pages::costs::CostsPage;
use crate::pages::credit_notes::CreditNoteDetailPage;
use crate::pages::fapiao::FapiaoPage;
use crate::pages::history::HistoryPage;
use crate::pages::invoices::{InvoiceDetailPage, InvoicesPage};
use crate::pages::overview::OverviewPage;
use crate::pages::plans::PlansPage;
use crate::pages::statement::StatementPage;
use crate::pages::usage::UsagePage;

#[component]
pub fn App(initial_token: Option<String>, initial_locale: Locale) -> impl IntoView {
    // The app's language comes from `?lang=` or the saved preference, never from the
    // browser's languages.
    provide_i18n(initial_locale);
    let session = Session::new(initial_token.clone(), auth::is_embedded());
    provide_session(session);
    if !session.embedded() {
        open_session(session, initial_token);
    }

    // The allowed parent origins and whether demo sign-in exists; once known, the
    // embedded app greets its parent.
    let config = Loader::new(api::app_config);
    // The pages read it too (which alert channels to offer).
    provide_context(config);
    Effect::new(move |started: Option<bool>| {
        if started == Some(true) {
            return true;
        }
        match config.get() {
            Some(Ok(cfg)) => {
                session.start_handshake(cfg.allowed_parent_origins);
                true
            }
            _ => false,
        }
    });

    view! { <Root config /> }
}

/// How long an embedded app waits for its parent's handshake before it says that this
/// site may not embed it (§16).
const EMBED_WAIT_SECONDS: u64 = 10;

/// Standalone (§16): a token from the address is exchanged for the session cookie, so a
/// reload keeps the user signed in; without one, the cookie is asked who it signs in.
fn open_session(session: Session, token: Option<String>) {
    match token {
        Some(token) if session.phase() == SessionPhase::Active => spawn_local(async move {
            // Signed in with the token in memory already: without the cookie only a
            // reload signs out again.
            let _ = api::session::start(&token).await;
        }),
        Some(_) => {}
        None => spawn_local(async move {
            match api::session::current().await {
                Ok(who) => session.resume(auth::Claims {
                    customer_id: Some(who.customer_id),
                    user_id: Some(who.user_id),
                    role: who.role,
                    exp: Some(who.expires_at),
                }),
                Err(_) => session.signed_out(),
            }
        }),
    }
}

/// Scrolls the tab strip (only it) so that the current page's tab is in view.
fn show_current_tab() {
    let tab = web_sys::window().and_then(|w| w.document()).and_then(|d| {
        d.query_selector("nav.tabs a[aria-current=page]")
            .ok()
            .flatten()
    });
    if let Some(tab) = tab {
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Nearest);
        options.set_inline(web_sys::ScrollLogicalPosition::Nearest);
        tab.scroll_into_view_with_scroll_into_view_options(&options);
    }
}

/// The document's title: each page its own, then the app's name.
fn set_title(title: &str) {
    if let Some(document) = web_sys::window().and_then(|w| w.document()) {
        document.set_title(title);
    }
}

/// The name of the page at `path`, for the document's title.
fn page_title(i18n: I18nContext, path: &str) -> String {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    match first {
        "" => t_string!(i18n, nav.overview),
        "account" => t_string!(i18n, nav.account),
        "plans" => t_string!(i18n, nav.plans),
        "usage" => t_string!(i18n, nav.usage),
        "invoices" => t_string!(i18n, nav.invoices),
        "credit-notes" => t_string!(i18n, credit_notes.heading),
        "statement" => t_string!(i18n, nav.statement),
        "costs" => t_string!(i18n, nav.costs),
        "fapiao" => t_string!(i18n, nav.fapiao),
        "alerts" => t_string!(i18n, nav.alerts),
        "history" => t_string!(i18n, nav.history),
        _ => t_string!(i18n, app.not_found),
    }
    .to_string()
}

/// Signs out (standalone): the API clears the cookie, the app forgets the token.
#[component]
fn SignOut() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let sign_out = move |_| {
        spawn_local(async move {
            let _ = api::session::end().await;
            session.signed_out();
        });
    };
    (!session.embedded()).then(|| {
        view! {
            <button type="button" class="sign-out" on:click=sign_out>
                {tx!(i18n, app.sign_out)}
            </button>
        }
    })
}

#[component]
fn Root(config: Loader<AppConfig>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    Effect::new(move |_| set_document_lang(i18n.get_locale()));
    let signed_in = Memo::new(move |_| session.phase() == SessionPhase::Active);
    move || {
        if signed_in.get() {
            view! {
                <Router>
                    <Shell />
                </Router>
            }
            .into_any()
        } else {
            view! { <Gate config /> }.into_any()
        }
    }
}

#[component]
fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let switch = move |_| {
        let next = match i18n.get_locale_untracked() {
            Locale::zh => Locale::en,
            Locale::en => Locale::zh,
        };
        i18n.set_locale(next);
        save_locale(next);
    };
    // The button names the language it switches to, in that language.
    let target_lang = move || match i18n.get_locale() {
        Locale::zh => "en",
        Locale::en => "zh-CN",
    };
    view! {
        <button
            type="button"
            class="lang-switch"
            on:click=switch
            lang=target_lang
            aria-label=move || t_string!(i18n, app.switch_label).to_string()
        >
            {tx!(i18n, app.switch_to)}
        </button>
    }
}

/// Header, navigation and the routed page.
#[component]
fn Shell() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let api = crate::api::use_api();
    let account = Loader::new(move || api.account());
    let who = move || {
        session.claims().map(|claims| {
            let role = if claims.is_admin() {
                t_string!(i18n, app.role_admin).to_string()
            } else {
                t_string!(i18n, app.role_member).to_string()
            };
            let id = claims.customer_id.unwrap_or_default();
            // The company's name once the account is read; its id until then.
            let customer = move || match account.get() {
                Some(Ok(account)) => account.company_name,
                _ => id.clone(),
            };
            view! {
                <span class="who">
                    <span class="customer">{customer}</span>
                    <span class="badge role">{role}</span>
                </span>
            }
        })
    };
    let location = leptos_router::hooks::use_location();
    Effect::new(move |_| {
        let page = page_title(i18n, &location.pathname.get());
        set_title(&format!("{page} · {}", t_string!(i18n, app.title)));
        // On a narrow screen the current tab may sit past the edge: bring it in, once
        // the router has marked it.
        request_animation_frame(show_current_tab);
    });
    view! {
        <a class="skip" href="#main">
            {tx!(i18n, app.skip)}
        </a>
        <header class="topbar">
            <span class="brand">{tx!(i18n, app.title)}</span>
            {who}
            <Bell />
            <LanguageSwitch />
            <SignOut />
        </header>
        <nav class="tabs" aria-label=move || t_string!(i18n, app.nav_label).to_string()>
            <A href="/" exact=true>
                {tx!(i18n, nav.overview)}
            </A>
            <A href="/account">{tx!(i18n, nav.account)}</A>
            <A href="/plans">{tx!(i18n, nav.plans)}</A>
            <A href="/usage">{tx!(i18n, nav.usage)}</A>
            <A href="/invoices">{tx!(i18n, nav.invoices)}</A>
            <A href="/statement">{tx!(i18n, nav.statement)}</A>
            <A href="/costs">{tx!(i18n, nav.costs)}</A>
            <A href="/fapiao">{tx!(i18n, nav.fapiao)}</A>
            <A href="/alerts">{tx!(i18n, nav.alerts)}</A>
            <A href="/history">{tx!(i18n, nav.history)}</A>
        </nav>
        <SuspensionBanner />
        <main id="main" tabindex="-1">
            <Routes fallback=NotFound>
                <Route path=path!("/") view=OverviewPage />
                <Route path=path!("/account") view=AccountPage />
                <Route path=path!("/plans") view=PlansPage />
                <Route path=path!("/usage") view=UsagePage />
                <Route path=path!("/invoices") view=InvoicesPage />
                <Route path=path!("/invoices/:id") view=InvoiceDetailPage />
                <Route path=path!("/credit-notes/:id") view=CreditNoteDetailPage />
                <Route path=path!("/fapiao") view=FapiaoPage />
                <Route path=path!("/alerts") view=AlertsPage />
                <Route path=path!("/history") view=HistoryPage />
                <Route path=path!("/statement") view=StatementPage />
                <Route path=path!("/costs") view=CostsPage />
            </Routes>
        </main>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h1>{tx!(i18n, app.not_found)}</h1>
        <p>
            <A href="/">{tx!(i18n, app.back_home)}</A>
        </p>
    }
}

/// In front of the pages while there is no token: how to sign in (standalone), or a
/// wait for the workbench (embedded).
#[component]
fn Gate(config: Loader<AppConfig>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    Effect::new(move |_| {
        set_title(&format!(
            "{} · {}",
            t_string!(i18n, signin.title),
            t_string!(i18n, app.title)
        ));
    });
    // Embedded, a parent that has not signed the app in within 10 s is not allowed to.
    let refused_frame = RwSignal::new(false);
    if session.embedded() {
        set_timeout(
            move || refused_frame.set(true),
            std::time::Duration::from_secs(EMBED_WAIT_SECONDS),
        );
    }
    let expired = move || session.phase() == SessionPhase::Expired;
    let refused = move || session.phase();
    let body = move || {
        if session.embedded() {
            let waiting = move || {
                if expired() {
                    t_string!(i18n, signin.waiting_expired).to_string()
                } else {
                    t_string!(i18n, signin.waiting).to_string()
                }
            };
            let config_failed = move || {
                matches!(config.get(), Some(Err(_))).then(|| {
                    view! {
                        <p class="state error" role="alert">
                            {tx!(i18n, signin.config_error)}
                        </p>
                    }
                })
            };
            if refused_frame.get() && session.phase() == SessionPhase::SignedOut {
                return view! {
                    <p class="state error embed-refused" role="alert">
                        {tx!(i18n, signin.embed_refused)}
                    </p>
                }
                .into_any();
            }
            view! {
                <p class="state waiting" role="status" aria-live="polite">
                    <span class="spinner" aria-hidden="true"></span>
                    {waiting}
                </p>
                {config_failed}
            }
            .into_any()
        } else if session.phase() == SessionPhase::Checking {
            view! { <Loading /> }.into_any()
        } else {
            view! { <SignIn config refused=Signal::derive(refused) /> }.into_any()
        }
    };
    view! {
        <header class="topbar">
            <span class="brand">{tx!(i18n, app.title)}</span>
            <LanguageSwitch />
        </header>
        <main id="main" class="gate">
            {body}
        </main>
    }
}

#[component]
fn SignIn(config: Loader<AppConfig>, refused: Signal<SessionPhase>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let signing_in = RwSignal::new(false);
    let demo_error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let demo = move |_| {
        signing_in.set(true);
        demo_error.set(None);
        spawn_local(async move {
            match api::demo_token().await {
                Ok(demo) => {
                    session.sign_in(demo.token.clone());
                    // As a link's token: the cookie keeps the demo signed in on reload.
                    let _ = api::session::start(&demo.token).await;
                }
                Err(error) => demo_error.set(Some(error)),
            }
            signing_in.set(false);
        });
    };
    let sign_in_link = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .map(|origin| format!("{origin}/?token=…"))
        .unwrap_or_default();
    let demo_section = move || {
        match config.get() {
        None => view! { <Loading /> }.into_any(),
        Some(Ok(cfg)) if cfg.demo_sign_in => view! {
            <section class="card demo" aria-labelledby="demo-title">
                <p id="demo-title">{tx!(i18n, signin.demo_hint)}</p>
                <button type="button" class="demo-sign-in" on:click=demo disabled=move || signing_in.get()>
                    {tx!(i18n, signin.demo_button)}
                </button>
                {move || {
                    demo_error
                        .get()
                        .map(|error| {
                            view! {
                                <p class="state error" role="alert">
                                    {tx!(i18n, signin.demo_error)}
                                    " "
                                    {move || error_text(i18n, &error)}
                                </p>
                            }
                        })
                }}
            </section>
        }
        .into_any(),
        Some(Ok(_)) => ().into_any(),
        Some(Err(error)) => view! { <ErrorNotice error /> }.into_any(),
    }
    };
    view! {
        <div class="signin">
            <h1>{tx!(i18n, signin.title)}</h1>
            {move || {
                let why = match refused.get() {
                    SessionPhase::Expired => t_string!(i18n, signin.expired),
                    SessionPhase::Invalid => t_string!(i18n, signin.invalid),
                    _ => return None,
                };
                Some(view! {
                    <p class="state error" role="alert">
                        {why}
                    </p>
                })
            }}
            <p>{tx!(i18n, signin.intro)}</p>
            <ul class="ways">
                <li>{tx!(i18n, signin.from_workbench)}</li>
                // The server command is for whoever runs a demo server, not for customers.
                {move || {
                    let sign_in_link = sign_in_link.clone();
                    matches!(config.get(), Some(Ok(cfg)) if cfg.demo_sign_in)
                        .then(|| {
                            view! {
                                <li>
                                    {tx!(i18n, signin.from_cli)}
                                    <pre><code>"portal token --customer cust_demo --user u1 --role admin"</code></pre>
                                    {tx!(i18n, signin.then_open)}
                                    <pre><code>{sign_in_link}</code></pre>
                                </li>
                            }
                        })
                }}
            </ul>
            {demo_section}
        </div>
    }
}
