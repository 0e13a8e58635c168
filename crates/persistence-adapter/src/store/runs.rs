//! Billing runs (contract §13) on sea-orm. "One running run per period" is the partial
//! unique index `uq_billing_runs_running_period`; every change by a driver is filtered by
//! its lease (`lease_owner`), so a process that lost the lease changes nothing; a
//! customer's progress is written in that customer's invoice transaction
//! ([`record_item`]), which on PostgreSQL holds the run's row until it commits.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portal_billing::ports::{BillingRuns, RepositoryError, RunTicket};
use portal_domain::{BillingRun, CustomerId, Month, RunStatus};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, SqlErr,
};

use super::SeaOrmStore;
use crate::convert::{corrupt, db_err};
use crate::entity::{billing_run_items, billing_runs};

use billing_runs::Column as C;

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_row(run: &BillingRun, now: DateTime<Utc>) -> billing_runs::ActiveModel {
    billing_runs::ActiveModel {
        id: Set(run.id.clone()),
        period: Set(run.period.to_string()),
        status: Set(run.status.as_str().to_owned()),
        total: Set(count(run.total)),
        done: Set(count(run.done)),
        created: Set(count(run.created)),
        skipped: Set(count(run.skipped)),
        cursor: Set(run.cursor.as_ref().map(ToString::to_string)),
        lease_owner: Set(run.lease.as_ref().map(|(o, _)| o.clone())),
        lease_until: Set(run.lease.as_ref().map(|(_, u)| *u)),
        invoices_overdue: Set(count(run.invoices_overdue)),
        subscriptions_expired: Set(count(run.subscriptions_expired)),
        keys_purged: Set(count(run.keys_purged)),
        error: Set(run.error.clone()),
        started_at: Set(run.started_at),
        updated_at: Set(now),
        finished_at: Set(run.finished_at),
    }
}

fn from_row(row: billing_runs::Model) -> Result<BillingRun, RepositoryError> {
    let n = |v: i64| u64::try_from(v).map_err(|e| corrupt("billing run", e));
    Ok(BillingRun {
        period: Month::parse(&row.period).map_err(|e| corrupt("billing run", e.why))?,
        status: RunStatus::parse(&row.status).ok_or_else(|| corrupt("billing run", &row.status))?,
        total: n(row.total)?,
        done: n(row.done)?,
        created: n(row.created)?,
        skipped: n(row.skipped)?,
        cursor: row
            .cursor
            .as_deref()
            .map(CustomerId::parse)
            .transpose()
            .map_err(|e| corrupt("billing run", e.why))?,
        lease: row.lease_owner.zip(row.lease_until),
        invoices_overdue: n(row.invoices_overdue)?,
        subscriptions_expired: n(row.subscriptions_expired)?,
        keys_purged: n(row.keys_purged)?,
        error: row.error,
        started_at: row.started_at,
        finished_at: row.finished_at,
        id: row.id,
    })
}

/// The rows `ticket` may change: its run, running, under its lease.
fn held(ticket: &RunTicket) -> Condition {
    Condition::all()
        .add(C::Id.eq(ticket.run_id.as_str()))
        .add(C::Status.eq(RunStatus::Running.as_str()))
        .add(C::LeaseOwner.eq(ticket.owner.as_str()))
}

/// Counts `customer` in `ticket`'s run, in the customer's unit of work `txn`; `false`,
/// writing nothing, when the ticket no longer holds the run.
pub(crate) async fn record_item(
    txn: &impl ConnectionTrait,
    ticket: &RunTicket,
    customer: &CustomerId,
    issued: bool,
) -> Result<bool, RepositoryError> {
    record_items(txn, ticket, &[(customer.to_string(), issued)]).await
}

/// Locks `ticket`'s run for the rest of `txn` if the ticket holds it (`false`
/// otherwise): a group that records its customers at its commit ([`record_items`]) keeps
/// another process from taking the run over in between.
pub(crate) async fn hold(
    txn: &impl ConnectionTrait,
    ticket: &RunTicket,
) -> Result<bool, RepositoryError> {
    let updated = billing_runs::Entity::update_many()
        .col_expr(C::UpdatedAt, Expr::value(Utc::now()))
        .filter(held(ticket))
        .exec(txn)
        .await
        .map_err(db_err)?;
    Ok(updated.rows_affected > 0)
}

/// Counts `items` (each customer, and whether it was issued an invoice) in `ticket`'s
/// run, in the transaction that stores their invoices; `false`, writing nothing, when
/// the ticket no longer holds the run.
pub(crate) async fn record_items(
    txn: &impl ConnectionTrait,
    ticket: &RunTicket,
    items: &[(String, bool)],
) -> Result<bool, RepositoryError> {
    let created = items.iter().filter(|(_, issued)| *issued).count() as u64;
    let skipped = items.len() as u64 - created;
    let updated = billing_runs::Entity::update_many()
        .col_expr(C::Done, Expr::col(C::Done).add(count(created + skipped)))
        .col_expr(C::Created, Expr::col(C::Created).add(count(created)))
        .col_expr(C::Skipped, Expr::col(C::Skipped).add(count(skipped)))
        .col_expr(C::UpdatedAt, Expr::value(Utc::now()))
        .filter(held(ticket))
        .exec(txn)
        .await
        .map_err(db_err)?;
    if updated.rows_affected == 0 {
        return Ok(false);
    }
    for chunk in items.chunks(super::INSERT_CHUNK) {
        billing_run_items::Entity::insert_many(chunk.iter().map(|(customer, issued)| {
            billing_run_items::ActiveModel {
                run_id: Set(ticket.run_id.clone()),
                customer_id: Set(customer.clone()),
                issued: Set(*issued),
            }
        }))
        .exec_without_returning(txn)
        .await
        .map_err(db_err)?;
    }
    Ok(true)
}

impl SeaOrmStore {
    async fn running_of(&self, period: Month) -> Result<Option<BillingRun>, RepositoryError> {
        billing_runs::Entity::find()
            .filter(C::Period.eq(period.to_string()))
            .filter(C::Status.eq(RunStatus::Running.as_str()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(from_row)
            .transpose()
    }
}

#[async_trait]
impl BillingRuns for SeaOrmStore {
    #[tracing::instrument(name = "store.runs.start", level = "debug", skip_all)]
    async fn start(&self, run: &BillingRun) -> Result<(BillingRun, bool), RepositoryError> {
        // A run that ends between a refused insert and the read lets the next try in.
        for _ in 0..3 {
            let inserted = billing_runs::Entity::insert(to_row(run, Utc::now()))
                .exec_without_returning(&self.db)
                .await;
            match inserted {
                Ok(_) => return Ok((run.clone(), true)),
                Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                    if let Some(running) = self.running_of(run.period).await? {
                        return Ok((running, false));
                    }
                    // Its id is taken by a run that ended: it was started before.
                    if self.find(&run.id).await?.is_some() {
                        return Err(RepositoryError::Conflict);
                    }
                }
                Err(e) => return Err(db_err(e)),
            }
        }
        Err(RepositoryError::Conflict)
    }

    #[tracing::instrument(name = "store.runs.find", level = "debug", skip_all)]
    async fn find(&self, id: &str) -> Result<Option<BillingRun>, RepositoryError> {
        billing_runs::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(from_row)
            .transpose()
    }

    #[tracing::instrument(name = "store.runs.claim", level = "debug", skip_all)]
    async fn claim(
        &self,
        id: &str,
        owner: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Option<BillingRun>, RepositoryError> {
        let updated = billing_runs::Entity::update_many()
            .col_expr(C::LeaseOwner, Expr::value(owner))
            .col_expr(C::LeaseUntil, Expr::value(until))
            .col_expr(C::UpdatedAt, Expr::value(now))
            .filter(C::Id.eq(id))
            .filter(C::Status.eq(RunStatus::Running.as_str()))
            .filter(
                Condition::any()
                    .add(C::LeaseOwner.is_null())
                    .add(C::LeaseOwner.eq(owner))
                    .add(C::LeaseUntil.lte(now)),
            )
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        if updated.rows_affected == 0 {
            return Ok(None);
        }
        self.find(id).await
    }

    #[tracing::instrument(name = "store.runs.unclaimed", level = "debug", skip_all)]
    async fn unclaimed(&self, now: DateTime<Utc>) -> Result<Vec<BillingRun>, RepositoryError> {
        billing_runs::Entity::find()
            .filter(C::Status.eq(RunStatus::Running.as_str()))
            .filter(
                Condition::any()
                    .add(C::LeaseUntil.is_null())
                    .add(C::LeaseUntil.lte(now)),
            )
            .order_by_asc(C::StartedAt)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(from_row)
            .collect()
    }

    #[tracing::instrument(name = "store.runs.renew", level = "debug", skip_all)]
    async fn renew(
        &self,
        ticket: &RunTicket,
        until: DateTime<Utc>,
        cursor: Option<&CustomerId>,
    ) -> Result<bool, RepositoryError> {
        let mut update = billing_runs::Entity::update_many()
            .col_expr(C::LeaseUntil, Expr::value(until))
            .col_expr(C::UpdatedAt, Expr::value(Utc::now()));
        if let Some(cursor) = cursor {
            update = update.col_expr(C::Cursor, Expr::value(cursor.to_string()));
        }
        let updated = update
            .filter(held(ticket))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(updated.rows_affected == 1)
    }

    #[tracing::instrument(name = "store.runs.billed", level = "debug", skip_all)]
    async fn billed(
        &self,
        run_id: &str,
        customers: &[CustomerId],
    ) -> Result<HashSet<CustomerId>, RepositoryError> {
        let mut out = HashSet::new();
        for chunk in customers.chunks(super::INSERT_CHUNK) {
            let ids: Vec<String> = billing_run_items::Entity::find()
                .select_only()
                .column(billing_run_items::Column::CustomerId)
                .filter(billing_run_items::Column::RunId.eq(run_id))
                .filter(
                    billing_run_items::Column::CustomerId.is_in(chunk.iter().map(|c| c.as_str())),
                )
                .into_tuple()
                .all(&self.db)
                .await
                .map_err(db_err)?;
            out.extend(ids.iter().filter_map(|id| CustomerId::parse(id).ok()));
        }
        Ok(out)
    }

    #[tracing::instrument(name = "store.runs.finish", level = "debug", skip_all)]
    async fn finish(
        &self,
        ticket: &RunTicket,
        ended: &BillingRun,
    ) -> Result<bool, RepositoryError> {
        let updated = billing_runs::Entity::update_many()
            .col_expr(C::Status, Expr::value(ended.status.as_str()))
            .col_expr(C::Total, Expr::value(count(ended.total)))
            .col_expr(
                C::InvoicesOverdue,
                Expr::value(count(ended.invoices_overdue)),
            )
            .col_expr(
                C::SubscriptionsExpired,
                Expr::value(count(ended.subscriptions_expired)),
            )
            .col_expr(C::KeysPurged, Expr::value(count(ended.keys_purged)))
            .col_expr(C::Error, Expr::value(ended.error.clone()))
            .col_expr(C::FinishedAt, Expr::value(ended.finished_at))
            .col_expr(C::LeaseOwner, Expr::value(Option::<String>::None))
            .col_expr(C::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(C::UpdatedAt, Expr::value(Utc::now()))
            .filter(held(ticket))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(updated.rows_affected == 1)
    }

    #[tracing::instrument(name = "store.runs.refresh_statistics", level = "debug", skip_all)]
    async fn refresh_statistics(&self) -> Result<(), RepositoryError> {
        if self.db.get_database_backend() == DbBackend::Postgres {
            self.db
                .execute_unprepared(
                    "ANALYZE invoices, invoice_lines, invoice_sequences, usage_settlements, \
                     billing_run_items, outbox",
                )
                .await
                .map_err(db_err)?;
        }
        Ok(())
    }
}
