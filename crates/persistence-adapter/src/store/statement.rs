//! The account's entries for a statement (§15): the balance before the range in one sum,
//! the range's entries in the order entered, and what names each (a document's period, a
//! payment's reference) read for all of them in a few statements.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use portal_billing::ports::RepositoryError;
use portal_domain::receivables::{EntryKind, LedgerEntry};
use portal_domain::{BusinessCalendar, Currency, CustomerId, Money};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::convert::{self, db_err};
use crate::entity::{account_entries, account_payments, invoices};

/// Ids per statement reading what names them.
const IDS_PER_READ: usize = 500;

pub(super) async fn source(
    db: &impl ConnectionTrait,
    customer: &CustomerId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    calendar: &BusinessCalendar,
) -> Result<(Money, Vec<LedgerEntry>), RepositoryError> {
    // PostgreSQL sums BIGINT as NUMERIC: cast back.
    let before: Option<(Option<i64>, Option<i64>)> = account_entries::Entity::find()
        .select_only()
        .column_as(Expr::cust("CAST(SUM(debit_minor) AS BIGINT)"), "debit")
        .column_as(Expr::cust("CAST(SUM(credit_minor) AS BIGINT)"), "credit")
        .filter(account_entries::Column::CustomerId.eq(customer.as_str()))
        .filter(account_entries::Column::At.lt(from))
        .into_tuple()
        .one(db)
        .await
        .map_err(db_err)?;
    let (debit, credit) = before.unwrap_or_default();
    let opening = Money::from_minor(debit.unwrap_or(0) - credit.unwrap_or(0), Currency::Cny);
    let rows = account_entries::Entity::find()
        .filter(account_entries::Column::CustomerId.eq(customer.as_str()))
        .filter(account_entries::Column::At.gte(from))
        .filter(account_entries::Column::At.lt(to))
        .order_by_asc(account_entries::Column::At)
        .order_by_asc(account_entries::Column::Id)
        .all(db)
        .await
        .map_err(db_err)?;
    let mut documents = Vec::new();
    let mut payments = Vec::new();
    for row in &rows {
        if row.kind == EntryKind::Payment.as_str() {
            payments.push(row.document_id.clone());
        } else {
            documents.push(row.document_id.clone());
        }
    }
    let mut details: HashMap<String, String> = HashMap::new();
    for chunk in documents.chunks(IDS_PER_READ) {
        let found: Vec<(String, String)> = invoices::Entity::find()
            .select_only()
            .column(invoices::Column::Id)
            .column(invoices::Column::Period)
            .filter(invoices::Column::Id.is_in(chunk.iter().map(String::as_str)))
            .into_tuple()
            .all(db)
            .await
            .map_err(db_err)?;
        details.extend(found);
    }
    for chunk in payments.chunks(IDS_PER_READ) {
        let found: Vec<(String, Option<String>, Option<String>)> = account_payments::Entity::find()
            .select_only()
            .column(account_payments::Column::Id)
            .column(account_payments::Column::Reference)
            .column(account_payments::Column::Memo)
            .filter(account_payments::Column::Id.is_in(chunk.iter().map(String::as_str)))
            .into_tuple()
            .all(db)
            .await
            .map_err(db_err)?;
        details.extend(
            found
                .into_iter()
                .filter_map(|(id, reference, memo)| Some((id, reference.or(memo)?))),
        );
    }
    let entries = rows
        .into_iter()
        .map(|row| {
            Ok(LedgerEntry {
                date: calendar.date_of(row.at),
                kind: EntryKind::parse(&row.kind)
                    .ok_or_else(|| convert::corrupt("account entry", &row.kind))?,
                debit: convert::money(row.debit_minor, &row.currency)?,
                credit: convert::money(row.credit_minor, &row.currency)?,
                detail: details.get(&row.document_id).cloned(),
                id: row.document_id,
            })
        })
        .collect::<Result<Vec<_>, RepositoryError>>()?;
    Ok((opening, entries))
}
