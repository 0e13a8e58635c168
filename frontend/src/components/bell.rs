//! The notification bell in the header (contract §11): the unread count, and a panel with
//! each notification's title, body and time (business calendar), unread ones marked and
//! each with "mark as read". It looks again every 30 s (not while the page is hidden), on
//! every navigation, when the language changes (the server words the texts) and when the
//! panel opens. In a frame, a notification that arrives while the app is open is
//! announced to the workbench (`portal:notice`, see [`crate::auth::Session::notify_parent`]).

use std::cell::{Cell, RefCell};
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_location;
use portal_api_types::Notifications;

use crate::api::{ApiError, use_api};
use crate::auth::use_session;
use crate::components::{Empty, Loading, error_text, redrawn, redrawn_text};
use crate::format;
use crate::i18n::*;
use crate::notices;

const POLL_EVERY: Duration = Duration::from_secs(30);

thread_local! {
    /// The ids of the last answer (`None` before the first): kept for as long as the app
    /// is open, so a new sign-in after an expired token does not announce old ones again.
    static KNOWN: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
    /// The newest look: an older answer arriving late is dropped.
    static LATEST: Cell<u32> = const { Cell::new(0) };
    /// Looks answered so far.
    static ANSWERED: Cell<u32> = const { Cell::new(0) };
}

/// Tells the page that a look was answered (and announced what it found):
/// `<body data-notification-looks="N">`, which tests wait for instead of sleeping.
fn looked() {
    let n = ANSWERED.with(|n| {
        n.set(n.get().wrapping_add(1));
        n.get()
    });
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        let _ = body.set_attribute("data-notification-looks", &n.to_string());
    }
}

fn page_hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden())
}

#[component]
pub fn Bell() -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let session = use_session();
    let state: RwSignal<Option<Notifications>> = RwSignal::new(None);
    let failed: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let open = RwSignal::new(false);

    let poll = move || {
        let this = LATEST.with(|n| {
            n.set(n.get().wrapping_add(1));
            n.get()
        });
        let lang = i18n.get_locale_untracked().as_str();
        spawn_local(async move {
            let answer = api.notifications(lang).await;
            if LATEST.with(Cell::get) != this {
                return;
            }
            match answer {
                Ok(list) => {
                    KNOWN.with(|known| {
                        let mut known = known.borrow_mut();
                        for new in notices::arrivals(known.as_deref(), &list.notifications) {
                            session.notify_parent(&new.kind, &new.title);
                        }
                        *known = Some(notices::ids(&list.notifications));
                    });
                    let _ = state.try_set(Some(list));
                    let _ = failed.try_set(None);
                    looked();
                }
                // A 401 has ended the session; anything else: the next look tries again.
                Err(ApiError::Unauthorized) => {}
                Err(error) => {
                    let _ = failed.try_set(Some(error));
                }
            }
        });
    };

    let location = use_location();
    Effect::new(move |_| {
        // Read, not only tracked: a memo nobody has read never learns of changes.
        location.pathname.with(|_| ());
        i18n.get_locale();
        poll();
    });
    if let Ok(handle) = set_interval_with_handle(
        move || {
            if !page_hidden() {
                poll();
            }
        },
        POLL_EVERY,
    ) {
        on_cleanup(move || handle.clear());
    }

    let mark = move |id: String| {
        failed.set(None);
        spawn_local(async move {
            match api.mark_read(id).await {
                Ok(updated) => {
                    let _ = state.try_update(|s| {
                        if let Some(s) = s {
                            notices::mark_read(s, updated);
                        }
                    });
                }
                Err(ApiError::Unauthorized) => {}
                Err(error) => {
                    let _ = failed.try_set(Some(error));
                }
            }
        });
    };

    let mark_all = move |_| {
        failed.set(None);
        spawn_local(async move {
            match api.mark_all_read().await {
                Ok(()) => {
                    let _ = state.try_update(|s| {
                        if let Some(s) = s {
                            notices::mark_all_read(s);
                        }
                    });
                }
                Err(ApiError::Unauthorized) => {}
                Err(error) => {
                    let _ = failed.try_set(Some(error));
                }
            }
        });
    };

    let count = move || notices::count_text(state.with(|s| s.as_ref().map_or(0, |s| s.unread)));
    let items = move || {
        let failure = failed.get().map(|error| {
            view! {
                <p class="state error" role="alert">
                    {error_text(i18n, &error)}
                </p>
            }
        });
        let list = match state.get() {
            None if failure.is_some() => ().into_any(),
            None => view! { <Loading /> }.into_any(),
            Some(list) if list.notifications.is_empty() => {
                view! { <Empty message=|i| t_string!(i, bell.empty) /> }.into_any()
            }
            Some(list) => {
                let items = list.notifications.into_iter().map(|n| {
                    let unread = !n.read;
                    let id = n.id.clone();
                    let time = format::date_time_of(&n.at);
                    let badge = unread.then(|| {
                        view! { <span class="badge unread-mark">{tx!(i18n, bell.unread)}</span> }
                    });
                    let button = unread.then(|| {
                        view! {
                            <button type="button" class="secondary mark-read" on:click=move |_| mark(id.clone())>
                                {tx!(i18n, bell.mark_read)}
                            </button>
                        }
                    });
                    view! {
                        <li class="notice-item" class:unread=unread data-id=n.id data-kind=n.kind>
                            <p class="notice-title">
                                {badge}
                                <A href=n.link on:click=move |_| open.set(false)>{n.title}</A>
                            </p>
                            <p class="notice-body">{n.body}</p>
                            <p class="notice-meta">
                                <time datetime=n.at>{time}</time>
                                {button}
                            </p>
                        </li>
                    }
                });
                view! { <ul class="notices">{items.collect_view()}</ul> }.into_any()
            }
        };
        view! {
            {failure}
            {list}
        }
        .into_any()
    };
    let panel = move || {
        if !open.get() {
            return ().into_any();
        }
        view! {
            <section id="notice-panel" class="notice-panel" aria-labelledby="notice-heading">
                <div class="section-head">
                    <h2 id="notice-heading">{tx!(i18n, bell.label)}</h2>
                    {move || {
                        (state.with(|s| s.as_ref().map_or(0, |s| s.unread)) > 0)
                            .then(|| {
                                view! {
                                    <button type="button" class="secondary mark-all-read" on:click=mark_all>
                                        {tx!(i18n, bell.mark_all_read)}
                                    </button>
                                }
                            })
                    }}
                </div>
                {redrawn(items)}
            </section>
        }
        .into_any()
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            open.set(false);
        }
    };
    view! {
        <div class="bell" on:keydown=on_key>
            <button
                type="button"
                class="bell-button"
                aria-expanded=move || if open.get() { "true" } else { "false" }
                aria-controls="notice-panel"
                on:click=move |_| {
                    // Opening the panel looks again; closing it does not.
                    if !open.get_untracked() {
                        poll();
                    }
                    open.update(|o| *o = !*o);
                }
            >
                <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                    <path d="M12 22a2 2 0 0 0 2-2h-4a2 2 0 0 0 2 2zm6-6v-5a6 6 0 0 0-5-5.9V4a1 1 0 0 0-2 0v1.1A6 6 0 0 0 6 11v5l-2 2v1h16v-1z" />
                </svg>
                // Read out as "通知 3" / "Notifications 3"; the count is hidden when empty.
                <span class="sr-only">{tx!(i18n, bell.label)}</span>
                <span class="bell-count">{redrawn_text(count)}</span>
            </button>
            {redrawn(panel)}
        </div>
    }
}
