//! Plans, usage, invoices and the upcoming bill.

use portal_api_types::{
    Application, Invoice, InvoiceLine, InvoiceList, InvoiceSummary, Payment, Plan, PlanFeatures,
    PlanList, PlanOverage, ProductUsage, TaxBreakdownEntry, UpcomingBill, UpgradePreview,
    UsageDetail, UsageItem, UsageOverview,
};
use rust_decimal::Decimal;

use crate::json::{Fields, Value, int, money, one_decimal, small, text};

fn plan(value: &Value) -> Option<Plan> {
    let f = Fields::of(value)?;
    Some(Plan {
        plan_id: f.req("plan_id", text)?,
        name: f.req("name", text)?,
        name_en: f.req("name_en", text)?,
        price: f.req("price", money)?,
        currency: f.req("currency", text)?,
        period: f.req("period", text)?,
        features: f.req("features", |value| {
            let f = Fields::of(value)?;
            Some(PlanFeatures {
                ai_chat_quota: f.req("ai_chat_quota", int)?,
                agent_seats: f.req("agent_seats", int)?,
                email_quota: f.req("email_quota", int)?,
            })
        })?,
        overage: f.req("overage", |value| {
            let f = Fields::of(value)?;
            Some(PlanOverage {
                ai_chat: f.req("ai_chat", money)?,
                email: f.req("email", money)?,
                agent_seats: f.req("agent_seats", money)?,
            })
        })?,
        tax_rate: f.req("tax_rate", money)?,
    })
}

/// One rate's part of a document (§14).
fn tax_entry(value: &Value) -> Option<TaxBreakdownEntry> {
    let f = Fields::of(value)?;
    Some(TaxBreakdownEntry {
        tax_rate: f.req("tax_rate", money)?,
        net_amount: f.req("net_amount", money)?,
        tax_amount: f.req("tax_amount", money)?,
        amount: f.req("amount", money)?,
    })
}

/// A document's net and tax amounts and their breakdown per rate.
pub(crate) fn tax_totals(f: &Fields<'_>) -> Option<(Decimal, Decimal, Vec<TaxBreakdownEntry>)> {
    Some((
        f.req("net_amount", money)?,
        f.req("tax_amount", money)?,
        f.list("tax_breakdown", tax_entry)?,
    ))
}

pub fn plan_list(value: &Value) -> Option<PlanList> {
    Some(PlanList {
        plans: Fields::of(value)?.list("plans", plan)?,
    })
}

pub(crate) fn line(value: &Value) -> Option<InvoiceLine> {
    let f = Fields::of(value)?;
    Some(InvoiceLine {
        description: f.req("description", text)?,
        quantity: f.req("quantity", int)?,
        unit_price: f.req("unit_price", money)?,
        amount: f.req("amount", money)?,
        kind: f.or_default("kind", text)?,
        product: f.opt("product", text)?,
        used: f.opt("used", int)?,
        included: f.opt("included", int)?,
        plan_id: f.opt("plan_id", text)?,
        period: f.opt("period", text)?,
        from: f.opt("from", text)?,
        to: f.opt("to", text)?,
        days: f.opt("days", small)?,
        days_in_month: f.opt("days_in_month", small)?,
        tax_rate: f.req("tax_rate", money)?,
        net_amount: f.req("net_amount", money)?,
        tax_amount: f.req("tax_amount", money)?,
    })
}

pub fn upgrade_preview(value: &Value) -> Option<UpgradePreview> {
    let f = Fields::of(value)?;
    let (net_amount, tax_amount, tax_breakdown) = tax_totals(&f)?;
    Some(UpgradePreview {
        plan_id: f.req("plan_id", text)?,
        amount: f.req("amount", money)?,
        currency: f.req("currency", text)?,
        proration_date: f.req("proration_date", text)?,
        lines: f.list("lines", line)?,
        net_amount,
        tax_amount,
        tax_breakdown,
        amount_in_words: f.req("amount_in_words", text)?,
    })
}

pub fn invoice_list(value: &Value) -> Option<InvoiceList> {
    let f = Fields::of(value)?;
    Some(InvoiceList {
        invoices: f.list("invoices", |value| {
            let f = Fields::of(value)?;
            Some(InvoiceSummary {
                invoice_id: f.req("invoice_id", text)?,
                amount: f.req("amount", money)?,
                currency: f.req("currency", text)?,
                period: f.req("period", text)?,
                status: f.req("status", text)?,
                created_at: f.req("created_at", text)?,
                fapiao_status: f.or("fapiao_status", text, "none".to_owned())?,
                amount_paid: f.req("amount_paid", money)?,
                amount_due: f.req("amount_due", money)?,
                due_date: f.req("due_date", text)?,
            })
        })?,
        next_cursor: f.opt("next_cursor", text)?,
    })
}

pub fn invoice(value: &Value) -> Option<Invoice> {
    let f = Fields::of(value)?;
    let (net_amount, tax_amount, tax_breakdown) = tax_totals(&f)?;
    Some(Invoice {
        invoice_id: f.req("invoice_id", text)?,
        amount: f.req("amount", money)?,
        currency: f.req("currency", text)?,
        period: f.req("period", text)?,
        status: f.req("status", text)?,
        created_at: f.req("created_at", text)?,
        due_date: f.req("due_date", text)?,
        lines: f.list("lines", line)?,
        kind: f.or_default("kind", text)?,
        payments: f.list_or_empty("payments", |value| {
            let f = Fields::of(value)?;
            Some(Payment {
                amount: f.req("amount", money)?,
                reference: f.req("reference", text)?,
                paid_at: f.req("paid_at", text)?,
            })
        })?,
        net_amount,
        tax_amount,
        tax_breakdown,
        amount_in_words: f.req("amount_in_words", text)?,
        amount_paid: f.req("amount_paid", money)?,
        amount_due: f.req("amount_due", money)?,
        applications: f.list("applications", |value| {
            let f = Fields::of(value)?;
            Some(Application {
                source: f.req("source", text)?,
                id: f.req("id", text)?,
                amount: f.req("amount", money)?,
                at: f.req("at", text)?,
            })
        })?,
        credit_note_ids: f.list("credit_note_ids", text)?,
    })
}

pub fn upcoming_bill(value: &Value) -> Option<UpcomingBill> {
    let f = Fields::of(value)?;
    let (net_amount, tax_amount, tax_breakdown) = tax_totals(&f)?;
    Some(UpcomingBill {
        period: f.req("period", text)?,
        currency: f.req("currency", text)?,
        amount: f.req("amount", money)?,
        lines: f.list("lines", line)?,
        projected_amount: f.req("projected_amount", money)?,
        projected_lines: f.list("projected_lines", line)?,
        net_amount,
        tax_amount,
        tax_breakdown,
        amount_in_words: f.req("amount_in_words", text)?,
        projected_net_amount: f.req("projected_net_amount", money)?,
        projected_tax_amount: f.req("projected_tax_amount", money)?,
        projected_tax_breakdown: f.list("projected_tax_breakdown", tax_entry)?,
    })
}

pub fn usage_overview(value: &Value) -> Option<UsageOverview> {
    let f = Fields::of(value)?;
    Some(UsageOverview {
        month: f.req("month", text)?,
        products: f.list("products", |value| {
            let f = Fields::of(value)?;
            Some(ProductUsage {
                product: f.req("product", text)?,
                used: f.req("used", int)?,
                quota: f.req("quota", int)?,
                percent: f.req("percent", one_decimal)?,
                projected: f.req("projected", int)?,
                alert: f.req("alert", text)?,
                included: f.or_default("included", int)?,
                overage_units: f.or_default("overage_units", int)?,
                overage_amount: f.or_default("overage_amount", money)?,
            })
        })?,
    })
}

pub fn usage_detail(value: &Value) -> Option<UsageDetail> {
    let f = Fields::of(value)?;
    Some(UsageDetail {
        from: f.req("from", text)?,
        to: f.req("to", text)?,
        items: f.list("items", |value| {
            let f = Fields::of(value)?;
            Some(UsageItem {
                date: f.req("date", text)?,
                product: f.req("product", text)?,
                count: f.req("count", int)?,
            })
        })?,
    })
}
