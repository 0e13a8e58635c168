//! What the forms that save through the API share (the account, the alerts and caps, the
//! fapiao profile and requests): a labelled text field with the API's reason beside it,
//! controls that write back on `input` through one handler type, a save's state with the
//! API's reasons per field, the reason beside a field and the save button with what
//! became of the save. One copy of each in the wasm, whichever page uses it.

use std::collections::BTreeMap;

use leptos::ev::Event;
use leptos::prelude::*;
use leptos::task::spawn_local;
use portal_api_types::{ErrorBody, ErrorDetail};

use crate::api::{ApiError, Pending};
use crate::components::{Text, error_text, redrawn_text};
use crate::format;
use crate::i18n::*;

/// Field keys as the API's 422 names them (`rules[0].threshold`, `tax_id`), with their
/// reasons.
pub type Refused = BTreeMap<String, String>;

/// Keeps what is typed or picked in `value`.
pub fn keep(value: RwSignal<String>) -> impl FnMut(Event) + 'static {
    move |ev| value.set(event_target_value(&ev))
}

/// Keeps whether a checkbox is ticked in `value`.
pub fn keep_flag(value: RwSignal<bool>) -> impl FnMut(Event) + 'static {
    move |ev| value.set(event_target_checked(&ev))
}

/// A save (or any other change sent to the API) under way or done.
#[derive(Clone, Copy)]
pub struct Saving {
    pub busy: RwSignal<bool>,
    /// The API's refusal carries the reasons beside the fields (422 `fields`).
    pub outcome: RwSignal<Option<Result<(), ApiError>>>,
    /// Words a reason for the reader: the API's, or one of the page's own.
    words: fn(I18nContext, &str) -> String,
}

impl Saving {
    pub fn new(words: fn(I18nContext, &str) -> String) -> Saving {
        Saving {
            busy: RwSignal::new(false),
            outcome: RwSignal::new(None),
            words,
        }
    }

    /// Starts a save (the old reasons go); `false` while one is under way.
    pub fn begin(&self) -> bool {
        let free = !self.busy.get_untracked();
        if free {
            self.outcome.set(None);
        }
        free
    }

    /// Fields that cannot be sent as typed: marked as the API marks them, nothing sent.
    pub fn refuse(&self, fields: Refused) {
        let error = ErrorDetail {
            code: "validation_failed".into(),
            message: String::new(),
            fields: Some(fields),
        };
        self.outcome.set(Some(Err(ApiError::Status {
            status: 422,
            body: Some(ErrorBody { error }),
        })));
    }

    /// Sends the save and shows its outcome (the page may be gone by then).
    pub fn run(self, request: Pending<()>) {
        self.busy.set(true);
        spawn_local(async move {
            let result = request.await;
            let _ = self.busy.try_set(false);
            let _ = self.outcome.try_set(Some(result));
        });
    }

    /// The reason for refusing the field `key` (as the API names it), as given; tracked.
    pub fn refusal(&self, key: &str) -> Option<String> {
        self.outcome.with(|outcome| match outcome {
            Some(Err(error)) => error.fields().and_then(|f| f.get(key).cloned()),
            _ => None,
        })
    }

    /// The reason beside the field `key`, in words; tracked.
    pub fn reason(&self, i18n: I18nContext, key: &str) -> Option<String> {
        self.refusal(key).map(|reason| (self.words)(i18n, &reason))
    }
}

/// The reason beside the field `key`, empty when it is fine.
pub fn field_error(id: String, saving: Saving, key: String) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p class="field-error" id=id aria-live="polite">
            {redrawn_text(move || saving.reason(i18n, &key))}
        </p>
    }
}

/// The save button (`label`) and what became of the save (`done` when it went through).
pub fn save_bar(saving: Saving, label: Text, done: Text) -> impl IntoView {
    let i18n = use_i18n();
    let outcome = saving.outcome;
    let status = move || match outcome.get() {
        Some(Ok(())) => Some(done(i18n).to_owned()),
        Some(Err(ApiError::Unauthorized)) | None => None,
        Some(Err(error)) => Some(error_text(i18n, &error)),
    };
    view! {
        <div class="actions">
            <button type="submit" class="save" disabled=saving.busy>
                {tr(i18n, label)}
            </button>
            <p class="save-status" role="status" aria-live="polite">
                {redrawn_text(status)}
            </p>
        </div>
    }
}

/// The API's reason for refusing a field, in the reader's language when it is one of
/// the contract's known rules, else as the API wrote it.
pub fn reason_text(i18n: I18nContext, reason: &str) -> String {
    let reason = reason.trim();
    if reason == "must not be empty" {
        t_string!(i18n, account.reason_empty).to_string()
    } else if let Some(max) = reason
        .strip_prefix("must be at most ")
        .and_then(|r| r.strip_suffix(" characters"))
    {
        format::fill(t_string!(i18n, account.reason_too_long), &[("max", max)])
    } else if reason.starts_with("must be an e-mail address") {
        t_string!(i18n, account.reason_email).to_string()
    } else if reason.contains("control characters") {
        t_string!(i18n, account.reason_control).to_string()
    } else {
        reason.to_owned()
    }
}

/// A labelled input with its rule as a hint and the API's reason beside it when refused
/// (`error`, as the API gave it); `disabled` for those who may only read it.
#[component]
pub fn TextField(
    id: &'static str,
    kind: &'static str,
    autocomplete: &'static str,
    value: RwSignal<String>,
    label: Text,
    hint: Text,
    error: Signal<Option<String>>,
    #[prop(optional)] disabled: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    let described_by = format!("{hint_id} {error_id}");
    view! {
        <div class="field" class:invalid=move || error.with(Option::is_some)>
            <label for=id>{tr(i18n, label)}</label>
            <input
                id=id
                name=id
                type=kind
                autocomplete=autocomplete
                bind:value=value
                disabled=disabled
                aria-invalid=move || error.with(Option::is_some).to_string()
                aria-describedby=described_by
            />
            <p class="hint" id=hint_id>
                {tr(i18n, hint)}
            </p>
            <p class="field-error" id=error_id aria-live="polite">
                {move || error.get().map(|reason| reason_text(i18n, &reason))}
            </p>
        </div>
    }
}
