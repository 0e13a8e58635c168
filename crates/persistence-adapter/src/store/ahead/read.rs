//! What a group reads ahead for its customers: a handful of statements for all of them
//! (`customer_id IN (…)`), each answering what one ledger read answers for one customer.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use portal_billing::{InvoicedLines, RepositoryError, USAGE_WATERMARK_MARGIN};
use portal_domain::{CustomerId, DateRange, InvoiceKind, Month, Plan, Subscription, UsageRecord};
use sea_orm::{
    ColumnTrait, Condition, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::convert::{self, db_err};
use crate::entity::{
    account_entries, invoice_lines, invoices, plans, subscriptions, usage_logs, usage_settlements,
};

/// Invoice ids per statement reading their lines.
const IDS_PER_READ: usize = 1000;

/// One customer as its group read it, and as its unit changed it since.
#[derive(Debug, Default)]
pub(super) struct Ahead {
    /// The subscription as read.
    pub read: Option<Subscription>,
    /// The subscription as the unit saved it (the read one until then).
    pub current: Option<Subscription>,
    pub watermark: Option<DateTime<Utc>>,
    /// The `since` its [`Ahead::changed`] answers: the watermark as read, less the margin.
    pub since: Option<DateTime<Utc>>,
    pub changed: BTreeMap<Month, DateTime<Utc>>,
    pub period_invoices: BTreeSet<Month>,
    /// The lines of its invoices of the group's `lines_from` on, with those it issued.
    pub invoiced: InvoicedLines,
    /// Its daily usage in the group's usage range.
    pub usage: Vec<UsageRecord>,
    /// Whether its account holds credit not applied (its unit then stores on its own).
    pub has_credit: bool,
}

/// What a group reads once for all its customers.
pub(super) struct Bounds {
    /// Lines are read from this period on.
    pub lines_from: Month,
    /// Usage is read for these days.
    pub usage: DateRange,
}

impl Bounds {
    /// A run of `period` reads the lines from the month before on (it settles that
    /// month's usage) and that month's usage.
    pub fn of(period: Month) -> Self {
        Self {
            lines_from: period.prev(),
            usage: DateRange::month(period.prev()),
        }
    }
}

pub(super) async fn plans(db: &DatabaseTransaction) -> Result<Vec<Plan>, RepositoryError> {
    plans::Entity::find()
        .all(db)
        .await
        .map_err(db_err)?
        .into_iter()
        .map(convert::plan)
        .collect()
}

/// Reads `customers` ahead within `bounds`.
pub(super) async fn customers(
    db: &DatabaseTransaction,
    customers: &[CustomerId],
    bounds: &Bounds,
) -> Result<HashMap<String, Ahead>, RepositoryError> {
    let ids: Vec<&str> = customers.iter().map(CustomerId::as_str).collect();
    let mut out: HashMap<String, Ahead> = customers
        .iter()
        .map(|c| (c.to_string(), Ahead::default()))
        .collect();
    // Units that move money on these customers wait for the group.
    crate::store::receivables::share_customers(db, &ids).await?;
    let with_credit: Vec<String> = account_entries::Entity::find()
        .select_only()
        .column(account_entries::Column::CustomerId)
        .distinct()
        .filter(account_entries::Column::CustomerId.is_in(ids.iter().copied()))
        .filter(account_entries::Column::OpenMinor.gt(0))
        .into_tuple()
        .all(db)
        .await
        .map_err(db_err)?;
    for customer in with_credit {
        if let Some(ahead) = entry(&mut out, &customer) {
            ahead.has_credit = true;
        }
    }
    // The current subscription: the latest start, then the latest created (as
    // `LedgerTxn::subscription`).
    let rows = subscriptions::Entity::find()
        .filter(subscriptions::Column::CustomerId.is_in(ids.iter().copied()))
        .order_by_asc(subscriptions::Column::CustomerId)
        .order_by_desc(subscriptions::Column::StartDate)
        .order_by_desc(subscriptions::Column::CreatedAt)
        .all(db)
        .await
        .map_err(db_err)?;
    for row in rows {
        if let Some(ahead) = entry(&mut out, &row.customer_id)
            && ahead.read.is_none()
        {
            let subscription = convert::subscription(row)?;
            ahead.current = Some(subscription.clone());
            ahead.read = Some(subscription);
        }
    }

    let settled = usage_settlements::Entity::find()
        .filter(usage_settlements::Column::CustomerId.is_in(ids.iter().copied()))
        .all(db)
        .await
        .map_err(db_err)?;
    for row in settled {
        if let Some(ahead) = entry(&mut out, &row.customer_id) {
            ahead.watermark = Some(row.settled_at);
            ahead.since = Some(row.settled_at - USAGE_WATERMARK_MARGIN);
        }
    }

    // Usage changed after each customer's watermark (all of it without one).
    let mut changed_after = Condition::any();
    let mut unsettled: Vec<&str> = Vec::new();
    for (customer, ahead) in &out {
        match ahead.since {
            Some(since) => {
                changed_after = changed_after.add(
                    Condition::all()
                        .add(usage_logs::Column::CustomerId.eq(customer.as_str()))
                        .add(usage_logs::Column::UpdatedAt.gt(since)),
                );
            }
            None => unsettled.push(customer.as_str()),
        }
    }
    if !unsettled.is_empty() {
        changed_after = changed_after.add(usage_logs::Column::CustomerId.is_in(unsettled));
    }
    let changes: Vec<(String, NaiveDate, DateTime<Utc>)> = usage_logs::Entity::find()
        .select_only()
        .column(usage_logs::Column::CustomerId)
        .column(usage_logs::Column::Date)
        .column(usage_logs::Column::UpdatedAt)
        .filter(changed_after)
        .into_tuple()
        .all(db)
        .await
        .map_err(db_err)?;
    for (customer, date, at) in changes {
        if let Some(ahead) = entry(&mut out, &customer) {
            let slot = ahead.changed.entry(Month::of(date)).or_insert(at);
            *slot = Ord::min(*slot, at);
        }
    }

    // Their invoices, then the lines of those from `lines_from` on.
    let owned: Vec<(String, String, String, String, String)> = invoices::Entity::find()
        .select_only()
        .column(invoices::Column::Id)
        .column(invoices::Column::CustomerId)
        .column(invoices::Column::Period)
        .column(invoices::Column::Kind)
        .column(invoices::Column::Currency)
        .filter(invoices::Column::CustomerId.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await
        .map_err(db_err)?;
    let mut of_invoice: HashMap<&str, (&str, &str)> = HashMap::new();
    for (id, customer, period, kind, currency) in &owned {
        of_invoice.insert(id.as_str(), (customer.as_str(), currency.as_str()));
        if kind == InvoiceKind::Subscription.as_str()
            && let Some(ahead) = entry(&mut out, customer)
        {
            let month = Month::parse(period).map_err(|e| convert::corrupt("invoice", e))?;
            ahead.period_invoices.insert(month);
        }
    }
    let invoice_ids: Vec<&str> = owned.iter().map(|(id, ..)| id.as_str()).collect();
    for chunk in invoice_ids.chunks(IDS_PER_READ) {
        let rows = invoice_lines::Entity::find()
            .filter(invoice_lines::Column::InvoiceId.is_in(chunk.iter().copied()))
            .filter(invoice_lines::Column::Period.gte(bounds.lines_from.to_string()))
            .order_by_asc(invoice_lines::Column::Id)
            .all(db)
            .await
            .map_err(db_err)?;
        for row in rows {
            let Some((customer, currency)) = of_invoice.get(row.invoice_id.as_str()).copied()
            else {
                continue;
            };
            let Some(Ok(period)) = row.period.as_deref().map(Month::parse) else {
                continue;
            };
            if let Some(ahead) = entry(&mut out, customer) {
                ahead
                    .invoiced
                    .entry(period)
                    .or_default()
                    .push(convert::invoice_line(row, currency)?);
            }
        }
    }

    let usage: Vec<(String, NaiveDate, String, i64)> = usage_logs::Entity::find()
        .select_only()
        .columns([
            usage_logs::Column::CustomerId,
            usage_logs::Column::Date,
            usage_logs::Column::Product,
            usage_logs::Column::Count,
        ])
        .filter(usage_logs::Column::CustomerId.is_in(ids.iter().copied()))
        .filter(usage_logs::Column::Date.gte(bounds.usage.from()))
        .filter(usage_logs::Column::Date.lte(bounds.usage.to()))
        .order_by_asc(usage_logs::Column::CustomerId)
        .order_by_asc(usage_logs::Column::Date)
        .order_by_asc(usage_logs::Column::Product)
        .into_tuple()
        .all(db)
        .await
        .map_err(db_err)?;
    for (customer, date, product, count) in usage {
        if let Some(ahead) = entry(&mut out, &customer) {
            ahead
                .usage
                .push(convert::usage_record(date, &product, count)?);
        }
    }
    Ok(out)
}

fn entry<'a>(out: &'a mut HashMap<String, Ahead>, id: &str) -> Option<&'a mut Ahead> {
    out.get_mut(id)
}
