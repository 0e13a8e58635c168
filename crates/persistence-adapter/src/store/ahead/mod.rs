//! A group of ledger units read ahead ([`portal_billing::LedgerPage::read_ahead`]): a
//! billing run's group of customers is read in a handful of statements for all of them
//! ([`read`]), each customer's unit then reads from memory, and what the units write is
//! kept until the group commits and then stored in a handful of multi-row statements
//! ([`PageState::flush`]). Per customer a run made about seventeen statements; per group
//! it now makes about fifteen.
//!
//! What keeps it right:
//! - every read is made inside the group's transaction, and every subscription saved is
//!   stored with a compare-and-set on the version read: one changed by another unit of
//!   work meanwhile fails the whole group with [`RepositoryError::Conflict`] (the
//!   billing run then bills the group's customers one by one);
//! - a period's first invoice issued meanwhile trips its unique index: a conflict too;
//! - invoice numbers are taken from the month's counter, locked at the group's first
//!   invoice and stored at its commit: still in the invoices' transaction, no gaps;
//! - the run's row is locked at the group's first record, so no other process takes the
//!   run over between that and the commit;
//! - a read the group did not make ahead (another range, older lines, another `since`)
//!   is read from the database, with the lines the unit issued added.

mod read;

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portal_billing::ports::{InvoicedLines, KeyClaim, LedgerTxn, RepositoryError, RunTicket};
use portal_billing::ports::{NewPayment, OutboxMessage, PaymentRecord};
use portal_domain::DocumentKind;
use portal_domain::receivables::{OpenCredit, OpenInvoice, Settlement};
use portal_domain::{
    AuditEntry, CustomerId, DateRange, Invoice, InvoiceKind, Month, NewInvoice, Plan, Subscription,
    UsageRecord,
};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, DatabaseTransaction, EntityTrait, QueryFilter};

use super::INSERT_CHUNK;
use super::invoices::{
    invoice_rows, lock_invoice_sequence, set_invoice_sequence, unique_is_conflict,
};
use super::ledger_unit::SeaOrmLedgerTxn;
use crate::convert::db_err;
use crate::entity::{
    account_entries, invoice_lines, invoices, notifications, outbox, subscriptions,
    usage_settlements,
};
use read::{Ahead, Bounds};

/// What a group read ahead, and what its units wrote, until it commits.
pub(super) struct PageState {
    bounds: Bounds,
    plans: Vec<Plan>,
    ahead: HashMap<String, Ahead>,
    /// Each numbering month's counter as locked, and the last number taken since.
    numbers: BTreeMap<String, (u32, u32)>,
    invoices: Vec<invoices::ActiveModel>,
    lines: Vec<invoice_lines::ActiveModel>,
    entries: Vec<account_entries::ActiveModel>,
    outbox: Vec<outbox::ActiveModel>,
    notifications: Vec<notifications::ActiveModel>,
    /// Subscriptions saved: the version read, and the subscription as last saved.
    saved: BTreeMap<String, (i64, Subscription)>,
    watermarks: BTreeMap<String, DateTime<Utc>>,
    /// Runs whose row the group locked, with the customers it billed for each.
    runs: HashMap<String, (RunTicket, Vec<(String, bool)>)>,
}

impl PageState {
    /// Reads `customers` ahead for a run of `period`, inside `db`.
    pub(super) async fn read(
        db: &DatabaseTransaction,
        customers: &[CustomerId],
        period: Month,
    ) -> Result<Self, RepositoryError> {
        let bounds = Bounds::of(period);
        Ok(Self {
            plans: read::plans(db).await?,
            ahead: read::customers(db, customers, &bounds).await?,
            bounds,
            numbers: BTreeMap::new(),
            invoices: Vec::new(),
            lines: Vec::new(),
            entries: Vec::new(),
            outbox: Vec::new(),
            notifications: Vec::new(),
            saved: BTreeMap::new(),
            watermarks: BTreeMap::new(),
            runs: HashMap::new(),
        })
    }

    /// A unit of work on `customer` (read ahead now if the group had not).
    pub(super) async fn unit<'a>(
        &'a mut self,
        db: &'a DatabaseTransaction,
        customer: &CustomerId,
    ) -> Result<AheadTxn<'a>, RepositoryError> {
        if !self.ahead.contains_key(customer.as_str()) {
            let more = read::customers(db, std::slice::from_ref(customer), &self.bounds).await?;
            self.ahead.extend(more);
        }
        Ok(AheadTxn {
            db,
            state: self,
            customer: customer.clone(),
        })
    }

    /// The next number of `month` (compact), from the counter locked by the group.
    async fn number(
        &mut self,
        db: &DatabaseTransaction,
        month: String,
    ) -> Result<u32, RepositoryError> {
        let (_, last) = match self.numbers.entry(month) {
            Entry::Occupied(counter) => counter.into_mut(),
            Entry::Vacant(counter) => {
                let locked = lock_invoice_sequence(db, counter.key()).await?;
                counter.insert((locked, locked))
            }
        };
        *last += 1;
        Ok(*last)
    }

    /// Stores what the units wrote, inside `db`.
    pub(super) async fn flush(self, db: &DatabaseTransaction) -> Result<(), RepositoryError> {
        let now = Utc::now();
        // Subscriptions only bumped (the run's case): one compare-and-set for all.
        let mut bumped: Vec<(String, i64)> = Vec::new();
        for (customer, (version, subscription)) in &self.saved {
            let read = self.ahead.get(customer).and_then(|a| a.read.as_ref());
            let only_bumped = read.is_some_and(|r| {
                subscription.version == *version + 1
                    && r.segments == subscription.segments
                    && r.status == subscription.status
                    && r.id == subscription.id
            });
            if only_bumped {
                bumped.push((subscription.id.to_string(), *version));
            } else {
                // Anything else as `save` stores it, from the version read: one
                // compare-and-set per save the unit made, ending at the version it was told.
                let mut unit = SeaOrmLedgerTxn::in_group(db, subscription.customer_id.clone());
                let mut stored = Subscription {
                    version: *version,
                    ..subscription.clone()
                };
                while stored.version < subscription.version {
                    stored = unit.save(&stored).await?;
                }
            }
        }
        for chunk in bumped.chunks(INSERT_CHUNK) {
            let keys = chunk
                .iter()
                .map(|(id, version)| (id.clone(), *version))
                .collect::<Vec<_>>();
            let updated = subscriptions::Entity::update_many()
                .col_expr(
                    subscriptions::Column::Version,
                    Expr::col(subscriptions::Column::Version).add(1),
                )
                .col_expr(subscriptions::Column::UpdatedAt, Expr::value(now))
                .filter(
                    Expr::tuple([
                        Expr::col(subscriptions::Column::Id),
                        Expr::col(subscriptions::Column::Version),
                    ])
                    .in_tuples(keys),
                )
                .exec(db)
                .await
                .map_err(db_err)?;
            if updated.rows_affected != chunk.len() as u64 {
                return Err(RepositoryError::Conflict);
            }
        }
        for chunk in self.invoices.chunks(INSERT_CHUNK) {
            invoices::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(db)
                .await
                .map_err(unique_is_conflict)?;
        }
        for chunk in self.lines.chunks(INSERT_CHUNK) {
            invoice_lines::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(db)
                .await
                .map_err(db_err)?;
        }
        for chunk in self.entries.chunks(INSERT_CHUNK) {
            account_entries::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(db)
                .await
                .map_err(db_err)?;
        }
        for (month, (locked, last)) in &self.numbers {
            if last != locked {
                set_invoice_sequence(db, month, *last).await?;
            }
        }
        for chunk in self.outbox.chunks(INSERT_CHUNK) {
            outbox::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(db)
                .await
                .map_err(db_err)?;
        }
        for chunk in self.notifications.chunks(INSERT_CHUNK) {
            notifications::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(db)
                .await
                .map_err(db_err)?;
        }
        let watermarks: Vec<usage_settlements::ActiveModel> = self
            .watermarks
            .iter()
            .map(|(customer, at)| usage_settlements::ActiveModel {
                customer_id: Set(customer.clone()),
                settled_at: Set(*at),
            })
            .collect();
        for chunk in watermarks.chunks(INSERT_CHUNK) {
            usage_settlements::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::column(usage_settlements::Column::CustomerId)
                        .update_column(usage_settlements::Column::SettledAt)
                        .to_owned(),
                )
                .exec_without_returning(db)
                .await
                .map_err(db_err)?;
        }
        for (ticket, items) in self.runs.values() {
            // The row is locked since the group's first record: still held.
            if !super::runs::record_items(db, ticket, items).await? {
                return Err(RepositoryError::Conflict);
            }
        }
        Ok(())
    }
}

/// A unit of work of a customer its group read ahead.
pub(super) struct AheadTxn<'a> {
    db: &'a DatabaseTransaction,
    state: &'a mut PageState,
    customer: CustomerId,
}

impl AheadTxn<'_> {
    fn ahead(&mut self) -> Result<&mut Ahead, RepositoryError> {
        self.state
            .ahead
            .get_mut(self.customer.as_str())
            .ok_or_else(|| RepositoryError::Other(anyhow::anyhow!("a unit not read ahead")))
    }

    /// The database, for what the group did not read ahead.
    fn direct(&self) -> SeaOrmLedgerTxn<'_> {
        SeaOrmLedgerTxn::in_group(self.db, self.customer.clone())
    }
}

#[async_trait]
impl LedgerTxn for AheadTxn<'_> {
    #[tracing::instrument(name = "store.ahead.subscription", level = "debug", skip_all)]
    async fn subscription(&mut self) -> Result<Option<Subscription>, RepositoryError> {
        Ok(self.ahead()?.current.clone())
    }

    #[tracing::instrument(name = "store.ahead.plans", level = "debug", skip_all)]
    async fn plans(&mut self) -> Result<Vec<Plan>, RepositoryError> {
        Ok(self.state.plans.clone())
    }

    #[tracing::instrument(name = "store.ahead.invoiced_lines", level = "debug", skip_all)]
    async fn invoiced_lines(&mut self, from: Month) -> Result<InvoicedLines, RepositoryError> {
        if from >= self.state.bounds.lines_from {
            return Ok(self
                .ahead()?
                .invoiced
                .range(from..)
                .map(|(m, l)| (*m, l.clone()))
                .collect());
        }
        let mut lines = self.direct().invoiced_lines(from).await?;
        // With the lines this unit issued (not stored yet).
        let lines_from = self.state.bounds.lines_from;
        for (month, issued) in self.ahead()?.invoiced.range(lines_from..) {
            let stored = lines.get(month).map_or(0, Vec::len);
            lines
                .entry(*month)
                .or_default()
                .extend(issued.iter().skip(stored).cloned());
        }
        Ok(lines)
    }

    #[tracing::instrument(name = "store.ahead.save", level = "debug", skip_all)]
    async fn save(&mut self, subscription: &Subscription) -> Result<Subscription, RepositoryError> {
        let ahead = self.ahead()?;
        let current = ahead.current.as_ref().map_or(0, |s| s.version);
        if subscription.version != current {
            return Err(RepositoryError::Conflict);
        }
        let saved = Subscription {
            version: subscription.version + 1,
            ..subscription.clone()
        };
        ahead.current = Some(saved.clone());
        let read = ahead.read.as_ref().map_or(0, |s| s.version);
        self.state
            .saved
            .insert(self.customer.to_string(), (read, saved.clone()));
        Ok(saved)
    }

    #[tracing::instrument(name = "store.ahead.issue", level = "debug", skip_all)]
    async fn issue(&mut self, invoice: &NewInvoice) -> Result<Invoice, RepositoryError> {
        let key = invoice
            .numbering_key()
            .map_err(|e| RepositoryError::Other(anyhow::Error::new(e)))?;
        let seq = self.state.number(self.db, key).await?;
        let (row, lines, issued) = invoice_rows(invoice, seq)?;
        self.state.invoices.push(row);
        self.state.lines.extend(lines);
        self.state
            .entries
            .push(super::entries::document_entry(&issued)?);
        let ahead = self.ahead()?;
        if issued.document == DocumentKind::CreditNote {
            ahead.has_credit = true;
        }
        if invoice.kind == InvoiceKind::Subscription {
            ahead.period_invoices.insert(invoice.period);
        }
        for line in &invoice.lines {
            if let Some(period) = line.period() {
                ahead.invoiced.entry(period).or_default().push(line.clone());
            }
        }
        Ok(issued)
    }

    /// A customer without credit has none to apply; one with credit makes its group
    /// store unit by unit ([`RepositoryError::Conflict`]), where credit is applied.
    async fn open_credits(&mut self) -> Result<Vec<OpenCredit>, RepositoryError> {
        if self.ahead()?.has_credit {
            Err(RepositoryError::Conflict)
        } else {
            Ok(Vec::new())
        }
    }

    async fn open_invoices(&mut self) -> Result<Vec<OpenInvoice>, RepositoryError> {
        Err(RepositoryError::Conflict)
    }

    async fn apply(
        &mut self,
        settlements: &[Settlement],
        _at: DateTime<Utc>,
    ) -> Result<(), RepositoryError> {
        if settlements.is_empty() {
            Ok(())
        } else {
            Err(RepositoryError::Conflict)
        }
    }

    async fn receive(&mut self, _payment: &NewPayment) -> Result<PaymentRecord, RepositoryError> {
        Err(RepositoryError::Conflict)
    }

    #[tracing::instrument(name = "store.ahead.record", level = "debug", skip_all)]
    async fn record(&mut self, audit: &AuditEntry) -> Result<(), RepositoryError> {
        super::audit::record(self.db, audit).await
    }

    #[tracing::instrument(name = "store.ahead.enqueue", level = "debug", skip_all)]
    async fn enqueue(&mut self, message: &OutboxMessage) -> Result<(), RepositoryError> {
        self.state.outbox.push(super::outbox::row(message)?);
        Ok(())
    }

    async fn notify(
        &mut self,
        notification: &portal_billing::ports::Notification,
    ) -> Result<(), RepositoryError> {
        let row =
            super::notification_rows::notification_row(&notification.customer_id, notification)?;
        self.state.notifications.push(row);
        Ok(())
    }

    #[tracing::instrument(name = "store.ahead.period_invoices", level = "debug", skip_all)]
    async fn period_invoices(&mut self) -> Result<BTreeSet<Month>, RepositoryError> {
        Ok(self.ahead()?.period_invoices.clone())
    }

    #[tracing::instrument(name = "store.ahead.usage", level = "debug", skip_all)]
    async fn usage(&mut self, range: DateRange) -> Result<Vec<UsageRecord>, RepositoryError> {
        let read = &self.state.bounds.usage;
        if range.from() >= read.from() && range.to() <= read.to() {
            return Ok(self
                .ahead()?
                .usage
                .iter()
                .filter(|r| r.date >= range.from() && r.date <= range.to())
                .cloned()
                .collect());
        }
        self.direct().usage(range).await
    }

    #[tracing::instrument(name = "store.ahead.usage_changed_since", level = "debug", skip_all)]
    async fn usage_changed_since(
        &mut self,
        since: Option<DateTime<Utc>>,
    ) -> Result<BTreeMap<Month, DateTime<Utc>>, RepositoryError> {
        let ahead = self.ahead()?;
        if since == ahead.since {
            return Ok(ahead.changed.clone());
        }
        self.direct().usage_changed_since(since).await
    }

    #[tracing::instrument(name = "store.ahead.usage_watermark", level = "debug", skip_all)]
    async fn usage_watermark(&mut self) -> Result<Option<DateTime<Utc>>, RepositoryError> {
        Ok(self.ahead()?.watermark)
    }

    #[tracing::instrument(name = "store.ahead.set_usage_watermark", level = "debug", skip_all)]
    async fn set_usage_watermark(&mut self, at: DateTime<Utc>) -> Result<(), RepositoryError> {
        self.ahead()?.watermark = Some(at);
        self.state.watermarks.insert(self.customer.to_string(), at);
        Ok(())
    }

    #[tracing::instrument(name = "store.ahead.record_run_item", level = "debug", skip_all)]
    async fn record_run_item(
        &mut self,
        ticket: &RunTicket,
        issued: bool,
    ) -> Result<bool, RepositoryError> {
        if !self.state.runs.contains_key(&ticket.run_id) {
            if !super::runs::hold(self.db, ticket).await? {
                return Ok(false);
            }
            self.state
                .runs
                .insert(ticket.run_id.clone(), (ticket.clone(), Vec::new()));
        }
        match self.state.runs.get_mut(&ticket.run_id) {
            Some((held, items)) if held.owner == ticket.owner => {
                items.push((self.customer.to_string(), issued));
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// The unit ends; what it wrote is stored when its group commits.
    /// Written straight into the group's transaction (a billing run claims no keys).
    #[tracing::instrument(name = "store.ahead.claim_key", level = "debug", skip_all)]
    async fn claim_key(
        &mut self,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<KeyClaim, RepositoryError> {
        self.direct().claim_key(key, fingerprint, now).await
    }

    #[tracing::instrument(name = "store.ahead.answer_key", level = "debug", skip_all)]
    async fn answer_key(&mut self, key: &str, response: &[u8]) -> Result<(), RepositoryError> {
        self.direct().answer_key(key, response).await
    }

    #[tracing::instrument(name = "store.ahead.commit", level = "debug", skip_all)]
    async fn commit(self: Box<Self>) -> Result<(), RepositoryError> {
        Ok(())
    }
}
