//! Conversions between rows and domain types, and from `DbErr` to the port error.
//! A row that does not convert is reported as corrupt data, never silently fixed.

use anyhow::anyhow;
use portal_billing::RepositoryError;
use portal_domain::receivables::{AppliedCredit, CreditSource};
use portal_domain::{
    AuditAction, AuditEntry, ContactEmail, Currency, Customer, CustomerId, Invoice, InvoiceId,
    InvoiceKind, InvoiceLine, InvoiceStatus, InvoiceSummary, LineDetail, LineKind, Money, Month,
    OveragePrices, Payment, Plan, PlanId, Product, Quotas, Segment, Subscription, SubscriptionId,
    SubscriptionStatus, UsageFacts, UsageRecord, UserId,
};
use portal_domain::{DocumentKind, LineTax, TaxRate};
use sea_orm::DbErr;

use crate::entity::{
    applications, audit_log, customers, invoice_lines, invoices, plans, subscriptions,
};

/// A segment as stored in `subscriptions.segments`.
#[derive(serde::Serialize, serde::Deserialize)]
struct SegmentRow {
    plan_id: String,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
}

pub(crate) fn segments_json(segments: &[Segment]) -> Result<String, RepositoryError> {
    let rows: Vec<SegmentRow> = segments
        .iter()
        .map(|s| SegmentRow {
            plan_id: s.plan_id.to_string(),
            from: s.from,
            to: s.to,
        })
        .collect();
    serde_json::to_string(&rows).map_err(|e| RepositoryError::Other(anyhow::Error::new(e)))
}

fn segments_of(json: &str) -> Result<Vec<Segment>, RepositoryError> {
    let rows: Vec<SegmentRow> =
        serde_json::from_str(json).map_err(|e| corrupt("subscription segments", e))?;
    rows.into_iter()
        .map(|r| {
            Ok(Segment::new(
                PlanId::parse(&r.plan_id).map_err(|e| corrupt("subscription segments", e))?,
                r.from,
                r.to,
            ))
        })
        .collect()
}

/// A database error as the service sees it: anything that says the database cannot be
/// reached or is going away (a restart mid-query, a full pool, a statement timeout) is
/// `Unavailable` (503, worth a retry); the rest is a bug or corrupt data.
pub(crate) fn db_err(err: DbErr) -> RepositoryError {
    if unreachable(&err) {
        RepositoryError::Unavailable(anyhow::Error::new(err))
    } else {
        RepositoryError::Other(anyhow::Error::new(err))
    }
}

fn unreachable(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            sqlx_unreachable(e)
        }
        _ => false,
    }
}

fn sqlx_unreachable(err: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::Error;
    match err {
        Error::Io(_)
        | Error::Tls(_)
        | Error::Protocol(_)
        | Error::PoolTimedOut
        | Error::PoolClosed
        | Error::WorkerCrashed => true,
        Error::Database(db) => db.code().is_some_and(|code| {
            // Connection exceptions (08…), the server shutting down or starting (57P01–
            // 57P03), too many connections (53300), a statement timeout (57014).
            code.starts_with("08")
                || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300" | "57014")
        }),
        _ => false,
    }
}

pub(crate) fn corrupt(what: &str, detail: impl std::fmt::Display) -> RepositoryError {
    RepositoryError::Other(anyhow!("corrupt {what} row: {detail}"))
}

pub(crate) fn currency(code: &str) -> Result<Currency, RepositoryError> {
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
        overage: OveragePrices {
            ai_chat: money(row.overage_ai_chat_minor, &row.currency)?,
            email: money(row.overage_email_minor, &row.currency)?,
            agent_seats: money(row.overage_agent_seats_minor, &row.currency)?,
        },
        tax_rate: TaxRate::parse(&row.tax_rate).map_err(|e| corrupt("plan", e))?,
        name_en: if row.name_en.is_empty() {
            row.name.clone()
        } else {
            row.name_en
        },
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
        version: row.version,
    })
}

pub(crate) fn subscription(row: subscriptions::Model) -> Result<Subscription, RepositoryError> {
    let segments = segments_of(&row.segments)?;
    if segments.is_empty() {
        return Err(corrupt("subscription", "no segments"));
    }
    Ok(Subscription {
        id: SubscriptionId::parse(&row.id).map_err(|e| corrupt("subscription", e))?,
        customer_id: CustomerId::parse(&row.customer_id).map_err(|e| corrupt("subscription", e))?,
        segments,
        status: SubscriptionStatus::parse(&row.status)
            .ok_or_else(|| corrupt("subscription", &row.status))?,
        version: row.version,
    })
}

/// The row of `subscription` at `version`; `plan_id`, `start_date` and `end_date` repeat
/// the timeline's last plan and its bounds for readers of the table.
pub(crate) fn subscription_row(
    subscription: &Subscription,
    version: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<subscriptions::ActiveModel, RepositoryError> {
    use sea_orm::ActiveValue::Set;
    let last = subscription
        .segments
        .last()
        .ok_or_else(|| RepositoryError::Other(anyhow!("a subscription without segments")))?;
    Ok(subscriptions::ActiveModel {
        id: Set(subscription.id.to_string()),
        customer_id: Set(subscription.customer_id.to_string()),
        plan_id: Set(last.plan_id.to_string()),
        start_date: Set(subscription.start_date()),
        end_date: Set(subscription.end_date()),
        status: Set(subscription.status.as_str().to_owned()),
        version: Set(version),
        created_at: Set(now),
        updated_at: Set(now),
        segments: Set(segments_json(&subscription.segments)?),
    })
}

pub(crate) fn usage_record(
    date: chrono::NaiveDate,
    product: &str,
    count: i64,
) -> Result<UsageRecord, RepositoryError> {
    Ok(UsageRecord {
        date,
        product: Product::parse(product).map_err(|e| corrupt("usage", e))?,
        count,
    })
}

pub(crate) fn invoice_summary(row: &invoices::Model) -> Result<InvoiceSummary, RepositoryError> {
    Ok(InvoiceSummary {
        id: InvoiceId::parse(&row.id).map_err(|e| corrupt("invoice", e))?,
        amount: money(row.amount_minor, &row.currency)?,
        period: Month::parse(&row.period).map_err(|e| corrupt("invoice", e))?,
        status: InvoiceStatus::parse(&row.status).ok_or_else(|| corrupt("invoice", &row.status))?,
        created_at: row.created_at,
        due_date: row.due_date,
        document: DocumentKind::parse(&row.document)
            .ok_or_else(|| corrupt("invoice", &row.document))?,
        amount_paid: money(row.amount_paid_minor, &row.currency)?,
    })
}

/// A stored line; a line without its segment's data is a legacy line (text only).
pub(crate) fn invoice_line(
    l: invoice_lines::Model,
    currency_code: &str,
) -> Result<InvoiceLine, RepositoryError> {
    let detail = match (
        LineKind::parse(&l.kind),
        l.plan_id,
        l.period.as_deref().map(Month::parse),
        l.from_date,
        l.to_date,
        l.days,
        l.days_in_month,
    ) {
        (Some(kind), Some(plan), Some(Ok(period)), Some(from), Some(to), Some(days), Some(n)) => {
            let usage = match (l.product.as_deref(), l.used, l.included) {
                (Some(product), Some(used), Some(included)) => Some(UsageFacts {
                    product: Product::parse(product).map_err(|e| corrupt("invoice line", e))?,
                    used,
                    included,
                }),
                _ => None,
            };
            Some(LineDetail {
                usage,
                kind,
                plan_id: PlanId::parse(&plan).map_err(|e| corrupt("invoice line", e))?,
                plan_name: l.plan_name.unwrap_or_default(),
                period,
                from,
                to,
                days: u32::try_from(days).map_err(|e| corrupt("invoice line", e))?,
                days_in_month: u32::try_from(n).map_err(|e| corrupt("invoice line", e))?,
            })
        }
        _ => None,
    };
    Ok(InvoiceLine {
        description: l.description,
        quantity: l.quantity,
        unit_price: money(l.unit_price_minor, currency_code)?,
        tax: LineTax::stored(
            money(l.amount_minor, currency_code)?,
            TaxRate::parse(&l.tax_rate).map_err(|e| corrupt("invoice line", e))?,
            money(l.net_amount_minor, currency_code)?,
            money(l.tax_amount_minor, currency_code)?,
        )
        .map_err(|e| corrupt("invoice line", e))?,
        amount: money(l.amount_minor, currency_code)?,
        detail,
    })
}

pub(crate) fn invoice_line_row(
    invoice_id: &str,
    position: usize,
    line: &InvoiceLine,
) -> Result<invoice_lines::ActiveModel, RepositoryError> {
    use sea_orm::ActiveValue::Set;
    let d = line.detail.as_ref();
    let u = d.and_then(|d| d.usage.as_ref());
    let int = |v: u32| i32::try_from(v).map_err(|e| RepositoryError::Other(anyhow::Error::new(e)));
    Ok(invoice_lines::ActiveModel {
        invoice_id: Set(invoice_id.to_owned()),
        position: Set(
            i32::try_from(position).map_err(|e| RepositoryError::Other(anyhow::Error::new(e)))?
        ),
        description: Set(line.description.clone()),
        quantity: Set(line.quantity),
        unit_price_minor: Set(minor(&line.unit_price)?),
        amount_minor: Set(minor(&line.amount)?),
        kind: Set(d.map_or("legacy", |d| d.kind.as_str()).to_owned()),
        plan_id: Set(d.map(|d| d.plan_id.to_string())),
        plan_name: Set(d.map(|d| d.plan_name.clone())),
        period: Set(d.map(|d| d.period.to_string())),
        from_date: Set(d.map(|d| d.from)),
        to_date: Set(d.map(|d| d.to)),
        days: Set(d.map(|d| int(d.days)).transpose()?),
        days_in_month: Set(d.map(|d| int(d.days_in_month)).transpose()?),
        product: Set(u.map(|u| u.product.as_str().to_owned())),
        used: Set(u.map(|u| u.used)),
        included: Set(u.map(|u| u.included)),
        tax_rate: Set(line.tax.rate.to_string()),
        net_amount_minor: Set(minor(&line.tax.net_amount)?),
        tax_amount_minor: Set(minor(&line.tax.tax_amount)?),
        ..Default::default()
    })
}

/// An application as the invoice it paid lists it.
pub(crate) fn applied_credit(row: applications::Model) -> Result<AppliedCredit, RepositoryError> {
    Ok(AppliedCredit {
        source: CreditSource::parse(&row.source)
            .ok_or_else(|| corrupt("application", &row.source))?,
        id: row.source_id,
        amount: money(row.amount_minor, &row.currency)?,
        at: row.at,
    })
}

pub(crate) fn invoice(
    row: invoices::Model,
    lines: Vec<invoice_lines::Model>,
    payments: Vec<Payment>,
    applied: Vec<applications::Model>,
) -> Result<Invoice, RepositoryError> {
    let summary = invoice_summary(&row)?;
    let lines = lines
        .into_iter()
        .map(|l| invoice_line(l, &row.currency))
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
        payments,
        document: summary.document,
        amount_paid: summary.amount_paid,
        applications: applied
            .into_iter()
            .map(applied_credit)
            .collect::<Result<Vec<_>, _>>()?,
    })
}

#[derive(serde::Serialize, serde::Deserialize)]
struct AuditDetails {
    before: std::collections::BTreeMap<String, String>,
    after: std::collections::BTreeMap<String, String>,
    /// The user's name when the token carried one (entries of earlier versions lack it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user_name: Option<String>,
}

pub(crate) fn audit_row(entry: &AuditEntry) -> Result<audit_log::ActiveModel, RepositoryError> {
    use sea_orm::ActiveValue::Set;
    let details = serde_json::to_string(&AuditDetails {
        before: entry.before.clone(),
        after: entry.after.clone(),
        user_name: entry.user_name.clone(),
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
        user_name: details.user_name,
    })
}
