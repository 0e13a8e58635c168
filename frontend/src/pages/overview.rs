//! 概览 Overview: the plan and its period, this month's quota bars, the latest invoice,
//! and what needs attention (an unpaid invoice, a quota near or past its end).

use leptos::prelude::*;
use leptos_router::components::A;
use portal_api_types::{InvoiceSummary, Subscription, UpcomingBill, UsageOverview};
use rust_decimal::Decimal;

use crate::api::{ApiError, use_api};
use crate::components::balance::BalanceCard;
use crate::components::invoice_lines::InvoiceLines;
use crate::components::tax_summary::TaxSummary;
use crate::components::{
    Empty, ErrorNotice, Loading, QuotaBar, StatusBadge, loaded, named, product_label,
};
use crate::format;
use crate::i18n::*;
use crate::loader::Loader;

/// Something the customer should act on.
#[derive(Debug, Clone, PartialEq)]
pub enum Attention {
    Invoice {
        id: String,
        amount: Decimal,
        currency: String,
        overdue: bool,
    },
    Quota {
        product: String,
        percent: Decimal,
        exceeded: bool,
    },
}

/// Overdue invoices first, then pending ones, then exceeded quotas, then those near
/// their end (the API's `alert`).
pub fn attention_items(usage: &UsageOverview, invoices: &[InvoiceSummary]) -> Vec<Attention> {
    let mut items: Vec<(u8, Attention)> = Vec::new();
    for invoice in invoices {
        let overdue = match invoice.status.as_str() {
            "overdue" => true,
            "pending" => false,
            _ => continue,
        };
        items.push((
            if overdue { 0 } else { 1 },
            Attention::Invoice {
                id: invoice.invoice_id.clone(),
                amount: invoice.amount,
                currency: invoice.currency.clone(),
                overdue,
            },
        ));
    }
    for product in &usage.products {
        let exceeded = match product.alert.as_str() {
            "exceeded" => true,
            "warning" => false,
            _ => continue,
        };
        items.push((
            if exceeded { 2 } else { 3 },
            Attention::Quota {
                product: product.product.clone(),
                percent: product.percent,
                exceeded,
            },
        ));
    }
    items.sort_by_key(|(rank, _)| *rank);
    items.into_iter().map(|(_, item)| item).collect()
}

#[component]
pub fn OverviewPage() -> impl IntoView {
    let api = use_api();
    let i18n = use_i18n();
    let subscription = Loader::new(move || api.subscription());
    let usage = Loader::new(move || api.usage(None));
    let invoices = Loader::new(move || api.invoices());
    let balance = Loader::new(move || api.balance());
    // Asked again in the other language on a switch: the API words the lines.
    let upcoming = Loader::new(move || api.upcoming_bill(i18n.get_locale().as_str()));

    view! {
        <h1>{tx!(i18n, nav.overview)}</h1>
        <div class="cards">
            <section class="card" aria-labelledby="ov-plan">
                <h2 id="ov-plan">{tx!(i18n, overview.plan_heading)}</h2>
                {move || plan_card(subscription.get())}
                <p class="more">
                    <A href="/plans">{tx!(i18n, overview.compare_plans)}</A>
                </p>
            </section>
            <section class="card" aria-labelledby="ov-balance">
                <h2 id="ov-balance">{tx!(i18n, balance.heading)}</h2>
                {loaded(balance, |balance| view! { <BalanceCard balance /> })}
            </section>
            <section class="card" aria-labelledby="ov-attention">
                <h2 id="ov-attention">{tx!(i18n, overview.attention_heading)}</h2>
                {move || attention_card(usage.get(), invoices.get())}
            </section>
            <section class="card" aria-labelledby="ov-quota">
                <h2 id="ov-quota">{tx!(i18n, overview.quota_heading)}</h2>
                {loaded(
                    usage,
                    |usage| {
                        usage
                            .products
                            .into_iter()
                            .map(|p| view! { <QuotaBar usage=p /> })
                            .collect_view()
                    },
                )}
                <p class="more">
                    <A href="/usage">{tx!(i18n, overview.usage_details)}</A>
                </p>
            </section>
            <section class="card" aria-labelledby="ov-invoice">
                <h2 id="ov-invoice">{tx!(i18n, overview.latest_invoice)}</h2>
                {loaded(invoices, move |list| latest_invoice(list.invoices.into_iter().next()))}
                <p class="more">
                    <A href="/invoices">{tx!(i18n, overview.all_invoices)}</A>
                </p>
            </section>
            <section class="card wide upcoming" aria-labelledby="ov-upcoming">
                <h2 id="ov-upcoming">{tx!(i18n, overview.upcoming_heading)}</h2>
                {move || upcoming_card(upcoming.get())}
            </section>
        </div>
    }
}

fn plan_card(state: Option<Result<Subscription, ApiError>>) -> AnyView {
    let i18n = use_i18n();
    match state {
        None => view! { <Loading /> }.into_any(),
        Some(Err(ApiError::Unauthorized)) => ().into_any(),
        Some(Err(ApiError::Status { status: 404, .. })) => {
            view! { <Empty message=|i| t_string!(i, overview.no_subscription) /> }.into_any()
        }
        Some(Err(error)) => view! { <ErrorNotice error /> }.into_any(),
        Some(Ok(sub)) => view! {
            <p class="plan-name" data-plan=sub.plan_id.clone()>
                {
                    let (zh, en) = (sub.plan_name.clone(), sub.plan_name_en.clone());
                    move || named(i18n, &zh, &en).to_owned()
                }
            </p>
            <dl class="facts">
                <dt>{tx!(i18n, overview.period)}</dt>
                <dd>{format!("{} – {}", sub.start_date, sub.end_date)}</dd>
                <dt>{tx!(i18n, overview.status)}</dt>
                <dd>
                    <StatusBadge status=sub.status.clone() />
                </dd>
            </dl>
        }
        .into_any(),
    }
}

/// The next period's bill as it stands: what a billing run would issue now (next
/// month's fee and this month's usage beyond the plan so far), and at this month's pace.
fn upcoming_card(state: Option<Result<UpcomingBill, ApiError>>) -> AnyView {
    let i18n = use_i18n();
    match state {
        None => view! { <Loading /> }.into_any(),
        Some(Err(ApiError::Unauthorized)) => ().into_any(),
        // No subscription: nothing to bill.
        Some(Err(ApiError::Status { status: 404, .. })) => {
            view! { <Empty message=|i| t_string!(i, overview.no_subscription) /> }.into_any()
        }
        Some(Err(error)) => view! { <ErrorNotice error /> }.into_any(),
        Some(Ok(bill)) => {
            let lines = if bill.lines.is_empty() {
                view! { <Empty message=|i| t_string!(i, overview.upcoming_empty) /> }.into_any()
            } else {
                view! {
                    <InvoiceLines
                        lines=bill.lines
                        currency=bill.currency.clone()
                        total=bill.amount
                        caption=|i| t_string!(i, invoices.lines)
                    />
                }
                .into_any()
            };
            view! {
                <dl class="facts">
                    <dt>{tx!(i18n, invoices.period)}</dt>
                    <dd class="upcoming-period">{bill.period}</dd>
                    <dt>{tx!(i18n, overview.upcoming_amount)}</dt>
                    <dd class="money upcoming-amount" data-amount=bill.amount.to_string()>
                        {format::money(bill.amount, &bill.currency)}
                    </dd>
                    <dt>{tx!(i18n, overview.upcoming_projected)}</dt>
                    <dd class="money upcoming-projected" data-amount=bill.projected_amount.to_string()>
                        {format::money(bill.projected_amount, &bill.currency)}
                    </dd>
                </dl>
                <TaxSummary
                    net=bill.net_amount
                    tax=bill.tax_amount
                    total=bill.amount
                    breakdown=bill.tax_breakdown.clone()
                    currency=bill.currency.clone()
                    in_words=bill.amount_in_words.clone()
                />
                {lines}
            }
            .into_any()
        }
    }
}

fn latest_invoice(invoice: Option<InvoiceSummary>) -> AnyView {
    let i18n = use_i18n();
    match invoice {
        None => view! { <Empty message=|i| t_string!(i, overview.no_invoices) /> }.into_any(),
        Some(inv) => view! {
            <p class="latest-invoice">
                <A href=format!("/invoices/{}", inv.invoice_id)>{inv.invoice_id.clone()}</A>
                " "
                <StatusBadge status=inv.status.clone() />
            </p>
            <dl class="facts">
                <dt>{tx!(i18n, invoices.period)}</dt>
                <dd>{inv.period.clone()}</dd>
                <dt>{tx!(i18n, invoices.amount)}</dt>
                <dd class="money">{format::money(inv.amount, &inv.currency)}</dd>
            </dl>
        }
        .into_any(),
    }
}

fn attention_card(
    usage: Option<Result<UsageOverview, ApiError>>,
    invoices: Option<Result<portal_api_types::InvoiceList, ApiError>>,
) -> AnyView {
    let i18n = use_i18n();
    match (usage, invoices) {
        (Some(Ok(usage)), Some(Ok(list))) => {
            let items = attention_items(&usage, &list.invoices);
            if items.is_empty() {
                return view! { <Empty message=|i| t_string!(i, overview.all_clear) /> }.into_any();
            }
            let rows = items
                .into_iter()
                .map(|item| attention_row(i18n, item))
                .collect_view();
            view! { <ul class="attention">{rows}</ul> }.into_any()
        }
        (Some(Err(error)), _) | (_, Some(Err(error))) => match error {
            ApiError::Unauthorized => ().into_any(),
            error => view! { <ErrorNotice error /> }.into_any(),
        },
        _ => view! { <Loading /> }.into_any(),
    }
}

fn attention_row(i18n: I18nContext, item: Attention) -> AnyView {
    match item {
        Attention::Invoice {
            id,
            amount,
            currency,
            overdue,
        } => {
            let href = format!("/invoices/{id}");
            let amount = format::money(amount, &currency);
            let text = move || {
                if overdue {
                    format::fill(
                        t_string!(i18n, overview.invoice_overdue),
                        &[("id", &id), ("amount", &amount)],
                    )
                } else {
                    format::fill(
                        t_string!(i18n, overview.invoice_pending),
                        &[("id", &id), ("amount", &amount)],
                    )
                }
            };
            let class = if overdue { "danger" } else { "warning" };
            view! {
                <li class=class>
                    <A href=href>{text}</A>
                </li>
            }
            .into_any()
        }
        Attention::Quota {
            product,
            percent,
            exceeded,
        } => {
            let percent = format::percent(percent);
            let text = move || {
                let product = product_label(i18n, &product);
                if exceeded {
                    format::fill(
                        t_string!(i18n, overview.quota_exceeded),
                        &[("product", &product), ("percent", &percent)],
                    )
                } else {
                    format::fill(
                        t_string!(i18n, overview.quota_warning),
                        &[("product", &product), ("percent", &percent)],
                    )
                }
            };
            let class = if exceeded { "danger" } else { "warning" };
            view! {
                <li class=class>
                    <A href="/usage">{text}</A>
                </li>
            }
            .into_any()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portal_api_types::ProductUsage;

    fn invoice(id: &str, status: &str) -> InvoiceSummary {
        InvoiceSummary {
            invoice_id: id.into(),
            amount: Decimal::new(99_900, 2),
            currency: "CNY".into(),
            period: "2025-11".into(),
            status: status.into(),
            created_at: "2025-11-01T00:00:00Z".into(),
            fapiao_status: "none".into(),
            amount_paid: Decimal::ZERO,
            amount_due: Decimal::new(99_900, 2),
            due_date: "2025-11-16".into(),
        }
    }

    fn product(name: &str, alert: &str, percent: i64) -> ProductUsage {
        ProductUsage {
            product: name.into(),
            used: percent,
            quota: 100,
            percent: Decimal::new(percent, 0),
            projected: percent,
            alert: alert.into(),
            included: 100,
            overage_units: 0,
            overage_amount: Decimal::ZERO,
        }
    }

    #[test]
    fn unpaid_invoices_and_quotas_near_their_end_need_attention() {
        let usage = UsageOverview {
            month: "2025-12".into(),
            products: vec![
                product("ai_chat", "warning", 85),
                product("email", "none", 10),
                product("agent_seats", "exceeded", 120),
            ],
        };
        let invoices = vec![
            invoice("INV202512001", "pending"),
            invoice("INV202511001", "paid"),
            invoice("INV202510001", "overdue"),
        ];
        let items = attention_items(&usage, &invoices);
        let summary: Vec<String> = items
            .iter()
            .map(|i| match i {
                Attention::Invoice { id, overdue, .. } => format!("{id}:{overdue}"),
                Attention::Quota {
                    product, exceeded, ..
                } => format!("{product}:{exceeded}"),
            })
            .collect();
        assert_eq!(
            summary,
            [
                "INV202510001:true",
                "INV202512001:false",
                "agent_seats:true",
                "ai_chat:false"
            ]
        );
    }

    #[test]
    fn nothing_to_do_when_all_is_paid_and_within_quota() {
        let usage = UsageOverview {
            month: "2025-12".into(),
            products: vec![product("ai_chat", "none", 10)],
        };
        assert!(attention_items(&usage, &[invoice("INV1", "paid")]).is_empty());
    }
}
