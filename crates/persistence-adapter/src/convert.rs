//! Conversions between rows and domain types, and from `DbErr` to the port error.
//! A row that does not convert is reported as corrupt data, never silently fixed.

use anyhow::anyhow;
use portal_billing::RepositoryError;
use portal_domain::{
    AuditAction, AuditEntry, ContactEmail, Currency, Customer, CustomerId, Invoice, InvoiceId,
    InvoiceKind, InvoiceLine, InvoiceStatus, InvoiceSummary, Money, Month, Plan, PlanId, Product,
    Quotas, ScheduledChange, Subscription, SubscriptionId, SubscriptionStatus, UsageRecord, UserId,
};
use sea_orm::DbErr;

use crate::entity::{
    audit_log, customers, invoice_lines, invoices, plans, subscriptions, usage_logs,
};

pub(crate) fn db_err(err: DbErr) -> RepositoryError {
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => {
            RepositoryError::Unavailable(anyhow::Error::new(err))
        }
        other => RepositoryError::Other(anyhow::Error::new(other)),
    }
}

fn corrupt(what: &str, detail: impl std::fmt::Display) -> RepositoryError {
    RepositoryError::Other(anyhow!("corrupt {what} row: {detail}"))
}

fn currency(code: &str) -> Result<Currency, RepositoryError> {
    Currency::parse(code).map_err(|e| corrupt("money", e))
}

pub(crate) fn money(minor: i64, code: &str) -> Result<Money, RepositoryError> {
    Ok(Money::from_minor(minor, currency(code)?))
}

pub(crate) fn minor(m: &Money) -> Result<i64, RepositoryError> {
    m.to_minor()
        .map_err(|e| RepositoryError::Other(anyhow::Error::new(e)))
}

pub(crate) fn plan(row: plans::Model) -> Result<Plan, RepositoryError> {
    Ok(Plan {
        id: PlanId::parse(&row.id).map_err(|e| corrupt("plan", e))?,
        price: money(row.price_minor, &row.currency)?,
        name: row.name,
        quotas: Quotas {
            ai_chat: row.ai_chat_quota,
            agent_seats: row.agent_seats,
            email: row.email_quota,
        },
    })
}

pub(crate) fn customer(row: customers::Model) -> Result<Customer, RepositoryError> {
    Ok(Customer {
        id: CustomerId::parse(&row.id).map_err(|e| corrupt("customer", e))?,
        contact_email: ContactEmail::parse(&row.contact_email)
            .map_err(|e| corrupt("customer", e))?,
        company_name: row.company_name,
        contact_name: row.contact_name,
        created_at: row.created_at,
    })
}

pub(crate) fn subscription(row: subscriptions::Model) -> Result<Subscription, RepositoryError> {
    Ok(Subscription {
        id: SubscriptionId::parse(&row.id).map_err(|e| corrupt("subscription", e))?,
        customer_id: CustomerId::parse(&row.customer_id).map_err(|e| corrupt("subscription", e))?,
        plan_id: PlanId::parse(&row.plan_id).map_err(|e| corrupt("subscription", e))?,
        start_date: row.start_date,
        end_date: row.end_date,
        status: SubscriptionStatus::parse(&row.status)
            .ok_or_else(|| corrupt("subscription", &row.status))?,
        version: row.version,
        scheduled_change: match (row.scheduled_plan_id, row.scheduled_effective_date) {
            (Some(plan), Some(effective_date)) => Some(ScheduledChange {
                plan_id: PlanId::parse(&plan).map_err(|e| corrupt("subscription", e))?,
                effective_date,
            }),
            _ => None,
        },
    })
}

pub(crate) fn usage(row: usage_logs::Model) -> Result<UsageRecord, RepositoryError> {
    Ok(UsageRecord {
        date: row.date,
        product: Product::parse(&row.product).map_err(|e| corrupt("usage", e))?,
        count: row.count,
    })
}

pub(crate) fn invoice_summary(row: &invoices::Model) -> Result<InvoiceSummary, RepositoryError> {
    Ok(InvoiceSummary {
        id: InvoiceId::parse(&row.id).map_err(|e| corrupt("invoice", e))?,
        amount: money(row.amount_minor, &row.currency)?,
        period: Month::parse(&row.period).map_err(|e| corrupt("invoice", e))?,
        status: InvoiceStatus::parse(&row.status).ok_or_else(|| corrupt("invoice", &row.status))?,
        created_at: row.created_at,
    })
}

pub(crate) fn invoice(
    row: invoices::Model,
    lines: Vec<invoice_lines::Model>,
) -> Result<Invoice, RepositoryError> {
    let summary = invoice_summary(&row)?;
    let lines = lines
        .into_iter()
        .map(|l| {
            Ok(InvoiceLine {
                description: l.description,
                quantity: l.quantity,
                unit_price: money(l.unit_price_minor, &row.currency)?,
                amount: money(l.amount_minor, &row.currency)?,
            })
        })
        .collect::<Result<Vec<_>, RepositoryError>>()?;
    Ok(Invoice {
        id: summary.id,
        customer_id: CustomerId::parse(&row.customer_id).map_err(|e| corrupt("invoice", e))?,
        period: summary.period,
        kind: InvoiceKind::parse(&row.kind).ok_or_else(|| corrupt("invoice", &row.kind))?,
        status: summary.status,
        amount: summary.amount,
        lines,
        created_at: summary.created_at,
        due_date: row.due_date,
    })
}

#[derive(serde::Serialize, serde::Deserialize)]
struct AuditDetails {
    before: std::collections::BTreeMap<String, String>,
    after: std::collections::BTreeMap<String, String>,
}

pub(crate) fn audit_row(entry: &AuditEntry) -> Result<audit_log::ActiveModel, RepositoryError> {
    use sea_orm::ActiveValue::Set;
    let details = serde_json::to_string(&AuditDetails {
        before: entry.before.clone(),
        after: entry.after.clone(),
    })
    .map_err(|e| RepositoryError::Other(anyhow::Error::new(e)))?;
    Ok(audit_log::ActiveModel {
        customer_id: Set(entry.customer_id.to_string()),
        user_id: Set(entry.user_id.to_string()),
        action: Set(entry.action.as_str().to_owned()),
        details: Set(details),
        at: Set(entry.at),
        ..Default::default()
    })
}

pub(crate) fn audit_entry(row: audit_log::Model) -> Result<AuditEntry, RepositoryError> {
    let details: AuditDetails =
        serde_json::from_str(&row.details).map_err(|e| corrupt("audit", e))?;
    Ok(AuditEntry {
        customer_id: CustomerId::parse(&row.customer_id).map_err(|e| corrupt("audit", e))?,
        user_id: UserId::parse(&row.user_id).map_err(|e| corrupt("audit", e))?,
        at: row.at,
        action: AuditAction::parse(&row.action).ok_or_else(|| corrupt("audit", &row.action))?,
        before: details.before,
        after: details.after,
    })
}
