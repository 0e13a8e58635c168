//! [`LedgerTxn`] on sea-orm: one unit of work on one customer, in a transaction of its
//! own or in its group's.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portal_billing::ports::{NewPayment, PaymentRecord};
use portal_billing::{InvoicedLines, KeyClaim, LedgerTxn, RepositoryError};
use portal_domain::receivables::{OpenCredit, OpenInvoice, Settlement};
use portal_domain::{
    AuditEntry, CustomerId, DateRange, Invoice, InvoiceKind, Month, NewInvoice, Plan, Subscription,
    UsageRecord,
};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use super::SeaOrmStore;
use crate::convert::{self, db_err};
use crate::entity::{invoice_lines, invoices, plans, subscriptions, usage_logs, usage_settlements};

/// A unit of work's transaction: its own, or the one of the group it belongs to.
enum Txn<'a> {
    Own(DatabaseTransaction),
    Group(&'a DatabaseTransaction),
}

/// One open unit of work of the ledger.
pub struct SeaOrmLedgerTxn<'a> {
    txn: Txn<'a>,
    customer: CustomerId,
}

impl<'a> SeaOrmLedgerTxn<'a> {
    /// A unit of work in a transaction of its own.
    pub(super) fn own(txn: DatabaseTransaction, customer: CustomerId) -> Self {
        Self {
            txn: Txn::Own(txn),
            customer,
        }
    }

    /// A unit of work on `customer` inside a group's transaction `db`.
    pub(super) fn in_group(db: &'a DatabaseTransaction, customer: CustomerId) -> Self {
        Self {
            txn: Txn::Group(db),
            customer,
        }
    }

    fn db(&self) -> &DatabaseTransaction {
        match &self.txn {
            Txn::Own(txn) => txn,
            Txn::Group(txn) => txn,
        }
    }
}

#[async_trait]
impl LedgerTxn for SeaOrmLedgerTxn<'_> {
    #[tracing::instrument(name = "store.ledger_unit.subscription", level = "debug", skip_all)]
    async fn subscription(&mut self) -> Result<Option<Subscription>, RepositoryError> {
        subscriptions::Entity::find()
            .filter(subscriptions::Column::CustomerId.eq(self.customer.as_str()))
            .order_by_desc(subscriptions::Column::StartDate)
            .order_by_desc(subscriptions::Column::CreatedAt)
            .one(self.db())
            .await
            .map_err(db_err)?
            .map(convert::subscription)
            .transpose()
    }

    #[tracing::instrument(name = "store.ledger_unit.plans", level = "debug", skip_all)]
    async fn plans(&mut self) -> Result<Vec<Plan>, RepositoryError> {
        plans::Entity::find()
            .all(self.db())
            .await
            .map_err(db_err)?
            .into_iter()
            .map(convert::plan)
            .collect()
    }

    #[tracing::instrument(name = "store.ledger_unit.invoiced_lines", level = "debug", skip_all)]
    async fn invoiced_lines(&mut self, from: Month) -> Result<InvoicedLines, RepositoryError> {
        let owned: Vec<(String, String)> = invoices::Entity::find()
            .select_only()
            .column(invoices::Column::Id)
            .column(invoices::Column::Currency)
            .filter(invoices::Column::CustomerId.eq(self.customer.as_str()))
            .into_tuple()
            .all(self.db())
            .await
            .map_err(db_err)?;
        let mut out = InvoicedLines::new();
        for chunk in owned.chunks(500) {
            let rows = invoice_lines::Entity::find()
                .filter(
                    invoice_lines::Column::InvoiceId.is_in(chunk.iter().map(|(id, _)| id.as_str())),
                )
                .filter(invoice_lines::Column::Period.gte(from.to_string()))
                .order_by_asc(invoice_lines::Column::Id)
                .all(self.db())
                .await
                .map_err(db_err)?;
            for row in rows {
                let currency = chunk
                    .iter()
                    .find(|(id, _)| id == &row.invoice_id)
                    .map(|(_, c)| c.clone())
                    .unwrap_or_default();
                let Some(Ok(period)) = row.period.as_deref().map(Month::parse) else {
                    continue;
                };
                out.entry(period)
                    .or_default()
                    .push(convert::invoice_line(row, &currency)?);
            }
        }
        Ok(out)
    }

    #[tracing::instrument(name = "store.ledger_unit.save", level = "debug", skip_all)]
    async fn save(&mut self, subscription: &Subscription) -> Result<Subscription, RepositoryError> {
        let now = Utc::now();
        let next = subscription.version + 1;
        if subscription.version == 0 {
            if self.subscription().await?.is_some() {
                return Err(RepositoryError::Conflict);
            }
            subscriptions::Entity::insert(convert::subscription_row(subscription, next, now)?)
                .exec_without_returning(self.db())
                .await
                .map_err(db_err)?;
        } else {
            let last = subscription.segments.last().ok_or_else(|| {
                RepositoryError::Other(anyhow::anyhow!("a subscription without segments"))
            })?;
            let updated = subscriptions::Entity::update_many()
                .col_expr(
                    subscriptions::Column::Segments,
                    Expr::value(convert::segments_json(&subscription.segments)?),
                )
                .col_expr(
                    subscriptions::Column::PlanId,
                    Expr::value(last.plan_id.to_string()),
                )
                .col_expr(
                    subscriptions::Column::StartDate,
                    Expr::value(subscription.start_date()),
                )
                .col_expr(
                    subscriptions::Column::EndDate,
                    Expr::value(subscription.end_date()),
                )
                .col_expr(
                    subscriptions::Column::Status,
                    Expr::value(subscription.status.as_str()),
                )
                .col_expr(
                    subscriptions::Column::Version,
                    Expr::col(subscriptions::Column::Version).add(1),
                )
                .col_expr(subscriptions::Column::UpdatedAt, Expr::value(now))
                .filter(subscriptions::Column::Id.eq(subscription.id.as_str()))
                .filter(subscriptions::Column::CustomerId.eq(self.customer.as_str()))
                .filter(subscriptions::Column::Version.eq(subscription.version))
                .exec(self.db())
                .await
                .map_err(db_err)?;
            super::one_row(updated.rows_affected)?;
        }
        Ok(Subscription {
            version: next,
            ..subscription.clone()
        })
    }

    #[tracing::instrument(name = "store.ledger_unit.issue", level = "debug", skip_all)]
    async fn issue(&mut self, invoice: &NewInvoice) -> Result<Invoice, RepositoryError> {
        SeaOrmStore::insert_invoice(self.db(), invoice).await
    }

    #[tracing::instrument(name = "store.ledger_unit.open_credits", level = "debug", skip_all)]
    async fn open_credits(&mut self) -> Result<Vec<OpenCredit>, RepositoryError> {
        super::receivables::open_credits(self.db(), &self.customer).await
    }

    #[tracing::instrument(name = "store.ledger_unit.open_invoices", level = "debug", skip_all)]
    async fn open_invoices(&mut self) -> Result<Vec<OpenInvoice>, RepositoryError> {
        super::receivables::open_invoices(self.db(), &self.customer).await
    }

    #[tracing::instrument(name = "store.ledger_unit.apply", level = "debug", skip_all)]
    async fn apply(
        &mut self,
        settlements: &[Settlement],
        at: DateTime<Utc>,
    ) -> Result<(), RepositoryError> {
        super::moves::apply(self.db(), &self.customer, settlements, at).await
    }

    #[tracing::instrument(name = "store.ledger_unit.receive", level = "debug", skip_all)]
    async fn receive(&mut self, payment: &NewPayment) -> Result<PaymentRecord, RepositoryError> {
        if payment.customer_id != self.customer {
            return Err(RepositoryError::Other(anyhow::anyhow!(
                "a payment of another customer"
            )));
        }
        super::moves::receive(self.db(), payment).await
    }

    #[tracing::instrument(name = "store.ledger_unit.record", level = "debug", skip_all)]
    async fn record(&mut self, audit: &AuditEntry) -> Result<(), RepositoryError> {
        super::audit::record(self.db(), audit).await
    }

    #[tracing::instrument(name = "store.ledger_unit.enqueue", level = "debug", skip_all)]
    async fn enqueue(
        &mut self,
        message: &portal_billing::ports::OutboxMessage,
    ) -> Result<(), RepositoryError> {
        super::outbox::insert(self.db(), message).await
    }

    #[tracing::instrument(name = "store.ledger_unit.notify", level = "debug", skip_all)]
    async fn notify(
        &mut self,
        notification: &portal_billing::ports::Notification,
    ) -> Result<(), RepositoryError> {
        super::notification_rows::insert_notification(
            self.db(),
            &notification.customer_id,
            notification,
        )
        .await
    }

    #[tracing::instrument(name = "store.ledger_unit.period_invoices", level = "debug", skip_all)]
    async fn period_invoices(&mut self) -> Result<BTreeSet<Month>, RepositoryError> {
        let periods: Vec<String> = invoices::Entity::find()
            .select_only()
            .column(invoices::Column::Period)
            .filter(invoices::Column::CustomerId.eq(self.customer.as_str()))
            .filter(invoices::Column::Kind.eq(InvoiceKind::Subscription.as_str()))
            .into_tuple()
            .all(self.db())
            .await
            .map_err(db_err)?;
        periods
            .iter()
            .map(|p| Month::parse(p).map_err(|e| convert::corrupt("invoice", e)))
            .collect()
    }

    #[tracing::instrument(name = "store.ledger_unit.usage", level = "debug", skip_all)]
    async fn usage(&mut self, range: DateRange) -> Result<Vec<UsageRecord>, RepositoryError> {
        super::usage::daily(self.db(), &self.customer, range, None).await
    }

    #[tracing::instrument(
        name = "store.ledger_unit.usage_changed_since",
        level = "debug",
        skip_all
    )]
    async fn usage_changed_since(
        &mut self,
        since: Option<DateTime<Utc>>,
    ) -> Result<BTreeMap<Month, DateTime<Utc>>, RepositoryError> {
        // One row per month, not per day and product: a year of usage is 13 rows.
        let month_of = match self.db().get_database_backend() {
            DbBackend::Postgres => "to_char(date, 'YYYY-MM')",
            _ => "substr(date, 1, 7)",
        };
        let mut query = usage_logs::Entity::find()
            .select_only()
            .column_as(Expr::cust(month_of), "month")
            .column_as(Expr::col(usage_logs::Column::UpdatedAt).min(), "at")
            .filter(usage_logs::Column::CustomerId.eq(self.customer.as_str()));
        if let Some(since) = since {
            query = query.filter(usage_logs::Column::UpdatedAt.gt(since));
        }
        let rows: Vec<(String, DateTime<Utc>)> = query
            .group_by(Expr::cust(month_of))
            .into_tuple()
            .all(self.db())
            .await
            .map_err(db_err)?;
        rows.into_iter()
            .map(|(month, at)| {
                Month::parse(&month).map(|m| (m, at)).map_err(|e| {
                    RepositoryError::Other(anyhow::anyhow!("usage month {month}: {e}"))
                })
            })
            .collect()
    }

    #[tracing::instrument(name = "store.ledger_unit.usage_watermark", level = "debug", skip_all)]
    async fn usage_watermark(&mut self) -> Result<Option<DateTime<Utc>>, RepositoryError> {
        Ok(
            usage_settlements::Entity::find_by_id(self.customer.as_str())
                .one(self.db())
                .await
                .map_err(db_err)?
                .map(|row| row.settled_at),
        )
    }

    #[tracing::instrument(
        name = "store.ledger_unit.set_usage_watermark",
        level = "debug",
        skip_all
    )]
    async fn set_usage_watermark(&mut self, at: DateTime<Utc>) -> Result<(), RepositoryError> {
        usage_settlements::Entity::insert(usage_settlements::ActiveModel {
            customer_id: Set(self.customer.to_string()),
            settled_at: Set(at),
        })
        .on_conflict(
            OnConflict::column(usage_settlements::Column::CustomerId)
                .update_column(usage_settlements::Column::SettledAt)
                .to_owned(),
        )
        .exec_without_returning(self.db())
        .await
        .map_err(db_err)?;
        Ok(())
    }

    #[tracing::instrument(name = "store.ledger_unit.record_run_item", level = "debug", skip_all)]
    async fn record_run_item(
        &mut self,
        ticket: &portal_billing::ports::RunTicket,
        issued: bool,
    ) -> Result<bool, RepositoryError> {
        super::runs::record_item(self.db(), ticket, &self.customer, issued).await
    }

    #[tracing::instrument(name = "store.ledger_unit.claim_key", level = "debug", skip_all)]
    async fn claim_key(
        &mut self,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<KeyClaim, RepositoryError> {
        super::idempotency::claim_on(self.db(), &self.customer, key, fingerprint, now).await
    }

    #[tracing::instrument(name = "store.ledger_unit.answer_key", level = "debug", skip_all)]
    async fn answer_key(&mut self, key: &str, response: &[u8]) -> Result<(), RepositoryError> {
        super::idempotency::answer_on(self.db(), &self.customer, key, response).await
    }

    #[tracing::instrument(name = "store.ledger_unit.commit", level = "debug", skip_all)]
    async fn commit(self: Box<Self>) -> Result<(), RepositoryError> {
        match self.txn {
            Txn::Own(txn) => txn.commit().await.map_err(db_err),
            // Stored when the group commits.
            Txn::Group(_) => Ok(()),
        }
    }
}
