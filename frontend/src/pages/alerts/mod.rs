//! 费用预警 Alerts (contract §11): the alert rules (a share of a product's quota, or the
//! projected bill, each with its channels) and the caps that stop a counted product at a
//! share of its quota. Admins edit both and save them with `PUT` (the API's reasons shown
//! beside the fields); members see the same forms with every control disabled and no
//! buttons.
//!
//! Written for the wasm's size budget: fields start from their values and write back on
//! `input` through one handler type ([`keep`], [`keep_flag`]); only the rule list (on add
//! and remove) and a rule's kind-dependent part are redrawn, through
//! [`crate::components::redrawn`]; a save's state ([`Saving`], shared with the fapiao
//! page) is the same pair of signal types the account page uses.

use std::sync::atomic::{AtomicU32, Ordering};

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use portal_api_types::{AlertRules, AppConfig};

use crate::api::use_api;
use crate::auth::use_session;
use crate::components::form::{Saving, field_error, keep, keep_flag, save_bar};
use crate::components::{Empty, Text, loaded, redrawn};
use crate::i18n::*;
use crate::loader::Loader;

mod caps;
pub mod draft;

use caps::CapsForm;
use draft::{CHANNELS, PROJECTED_AMOUNT, QUOTA_PERCENT, RULE_PRODUCTS, RuleText};

#[component]
pub fn AlertsPage() -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let editable = use_session().is_admin();
    // Rules and caps in one load: one set of loading and error states for the page.
    let settings = Loader::new(move || async move { Ok((api.alerts().await?, api.caps().await?)) });
    view! {
        <h1>{tx!(i18n, nav.alerts)}</h1>
        <p class="lead">{tx!(i18n, alerts.intro)}</p>
        {(!editable).then(|| view! { <p class="note">{tx!(i18n, alerts.read_only)}</p> })}
        {loaded(
            settings,
            move |(rules, caps)| {
                view! {
                    <RulesForm rules editable />
                    <CapsForm caps editable />
                }
            },
        )}
    }
}

/// The translated name of a product, as a text.
pub fn product_text(product: &str) -> Text {
    match product {
        "email" => |i| t_string!(i, products.email),
        "agent_seats" => |i| t_string!(i, products.agent_seats),
        _ => |i| t_string!(i, products.ai_chat),
    }
}

/// A reason in words: the API's as it wrote it (in the app's language, which every
/// request names), or one of the app's own.
pub fn reason_text(i18n: I18nContext, reason: &str) -> String {
    match reason {
        draft::NOT_WHOLE_PERCENT => t_string!(i18n, alerts.reason_whole_percent).to_owned(),
        draft::NOT_AMOUNT => t_string!(i18n, alerts.reason_amount).to_owned(),
        other => other.to_owned(),
    }
}

/// Names a rule's controls; never reused, so a rule keeps its ids when others go.
static NEXT_KEY: AtomicU32 = AtomicU32::new(0);

/// One rule of the form: a signal per field.
#[derive(Clone, Copy)]
struct Row {
    key: u32,
    kind: RwSignal<String>,
    product: RwSignal<String>,
    threshold: RwSignal<String>,
    /// Ticked or not, in the order of [`CHANNELS`].
    channels: [RwSignal<bool>; 3],
}

impl Row {
    fn new(text: RuleText) -> Row {
        Row {
            key: NEXT_KEY.fetch_add(1, Ordering::Relaxed),
            channels: CHANNELS.map(|c| RwSignal::new(text.channels.iter().any(|t| t == c))),
            kind: RwSignal::new(text.kind),
            product: RwSignal::new(text.product),
            threshold: RwSignal::new(text.threshold),
        }
    }

    fn text(&self) -> RuleText {
        RuleText {
            kind: self.kind.get_untracked(),
            product: self.product.get_untracked(),
            threshold: self.threshold.get_untracked(),
            channels: CHANNELS
                .iter()
                .zip(self.channels)
                .filter(|(_, on)| on.get_untracked())
                .map(|(c, _)| (*c).to_owned())
                .collect(),
        }
    }
}

#[component]
fn RulesForm(rules: AlertRules, editable: bool) -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let saving = Saving::new(reason_text);
    let rows = RwSignal::new(
        rules
            .rules
            .iter()
            .map(|r| Row::new(RuleText::of(r)))
            .collect::<Vec<_>>(),
    );
    // Reasons are keyed by position: after an add or a remove they would point at the
    // wrong rules, so they go.
    let add = move |_| {
        saving.outcome.set(None);
        rows.update(|rows| rows.push(Row::new(RuleText::new_rule())));
    };
    let remove = move |key: u32| {
        saving.outcome.set(None);
        rows.update(|rows| rows.retain(|r| r.key != key));
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if !editable || !saving.begin() {
            return;
        }
        let texts: Vec<RuleText> = rows.with_untracked(|rows| rows.iter().map(Row::text).collect());
        match draft::rules_body(&texts) {
            Err(refused) => saving.refuse(refused),
            Ok(body) => saving.run(api.save_alerts(body)),
        }
    };
    let list = move || {
        let rows = rows.get();
        if rows.is_empty() {
            return view! { <Empty message=|i| t_string!(i, alerts.rules_empty) /> }.into_any();
        }
        rows.into_iter()
            .enumerate()
            .map(|(index, row)| rule_row(row, index, editable, saving, remove))
            .collect_view()
            .into_any()
    };
    view! {
        <section class="card" aria-labelledby="rules-heading">
            <h2 id="rules-heading">{tx!(i18n, alerts.rules_heading)}</h2>
            <form class="rules" on:submit=on_submit novalidate>
                {redrawn(list)}
                {field_error("rules-error".into(), saving, "rules".into())}
                {editable
                    .then(|| {
                        view! {
                            <p>
                                <button type="button" class="secondary add-rule" on:click=add>
                                    {tx!(i18n, alerts.add)}
                                </button>
                            </p>
                            {save_bar(saving, |i| t_string!(i, alerts.save), |i| t_string!(i, account.saved))}
                        }
                    })}
            </form>
        </section>
    }
}

/// One rule: kind, product (quota rules), threshold and channels; a remove button for
/// admins.
fn rule_row(
    row: Row,
    index: usize,
    editable: bool,
    saving: Saving,
    remove: impl Fn(u32) + Copy + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = move |field: &str| format!("rule-{}-{field}", row.key);
    let key = move |field: &str| format!("rules[{index}].{field}");
    let number = (index + 1).to_string();
    let option = move |value: &'static str, current: RwSignal<String>, text: Text| {
        view! {
            <option value=value selected=current.get_untracked() == value>
                {tr(i18n, text)}
            </option>
        }
    };
    // What the kind decides: the product (quota rules only) and the threshold's label.
    let by_kind = move || {
        let quota = row.kind.with(|k| k != PROJECTED_AMOUNT);
        let (label, mode): (Text, _) = if quota {
            (|i| t_string!(i, alerts.threshold_percent), "numeric")
        } else {
            (|i| t_string!(i, alerts.threshold_amount), "decimal")
        };
        let product = quota.then(|| {
            let options = RULE_PRODUCTS.map(|p| option(p, row.product, product_text(p)));
            view! {
                <div class="field">
                    <label for=id("product")>{tx!(i18n, alerts.product)}</label>
                    <select id=id("product") disabled=!editable on:input=keep(row.product)>
                        {options.collect_view()}
                    </select>
                </div>
            }
        });
        view! {
            {product}
            <div class="field">
                <label for=id("threshold")>{tr(i18n, label)}</label>
                <input
                    id=id("threshold")
                    type="text"
                    inputmode=mode
                    autocomplete="off"
                    disabled=!editable
                    value=row.threshold.get_untracked()
                    on:input=keep(row.threshold)
                    aria-describedby=id("threshold-error")
                />
                {field_error(id("threshold-error"), saving, key("threshold"))}
            </div>
        }
        .into_any()
    };
    // Only the channels this server delivers (and one a rule has already, to untick).
    let offered = use_context::<Loader<AppConfig>>();
    let delivers = move |channel: &str| match offered.and_then(|c| c.get()) {
        Some(Ok(config)) => config.channels.iter().any(|c| c == channel),
        _ => channel == "in_app",
    };
    let channels = CHANNELS
        .iter()
        .zip(row.channels)
        .filter(|(channel, on)| delivers(channel) || on.get_untracked())
        .map(|(channel, on)| {
            let text: Text = match *channel {
                "in_app" => |i| t_string!(i, alerts.channel_in_app),
                "email" => |i| t_string!(i, alerts.channel_email),
                _ => |i| t_string!(i, alerts.channel_webhook),
            };
            view! {
                <label class="check">
                    <input
                        type="checkbox"
                        value=*channel
                        disabled=!editable
                        checked=on.get_untracked()
                        on:input=keep_flag(on)
                    />
                    {tr(i18n, text)}
                </label>
            }
        })
        .collect_view();
    let kinds = [
        option(QUOTA_PERCENT, row.kind, |i| {
            t_string!(i, alerts.kind_quota_percent)
        }),
        option(PROJECTED_AMOUNT, row.kind, |i| {
            t_string!(i, alerts.kind_projected_amount)
        }),
    ];
    view! {
        <fieldset class="rule" data-index=index>
            <legend>{tx!(i18n, alerts.rule)}" "{number.clone()}</legend>
            <div class="rule-fields">
                <div class="field">
                    <label for=id("kind")>{tx!(i18n, alerts.kind)}</label>
                    <select id=id("kind") disabled=!editable on:input=keep(row.kind)>
                        {kinds.collect_view()}
                    </select>
                </div>
                {redrawn(by_kind)}
                <fieldset class="field channels" aria-describedby=id("channels-error")>
                    <legend>{tx!(i18n, alerts.channels)}</legend>
                    {channels}
                    {field_error(id("channels-error"), saving, key("channels"))}
                </fieldset>
            </div>
            {field_error(id("error"), saving, format!("rules[{index}]"))}
            {editable
                .then(|| {
                    view! {
                        <button type="button" class="secondary remove-rule" on:click=move |_| remove(row.key)>
                            {tx!(i18n, alerts.remove)}
                            " "
                            {number}
                        </button>
                    }
                })}
        </fieldset>
    }
}
