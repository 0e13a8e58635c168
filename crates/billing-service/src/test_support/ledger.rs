//! The in-memory [`Ledger`]: optimistic units of work over the fakes' state.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portal_domain::invoice::invoice_number;
use portal_domain::{
    AuditEntry, CustomerId, DateRange, Invoice, InvoiceKind, Month, NewInvoice, Plan, Subscription,
    UsageRecord,
};

use super::{InMemoryStore, issue};
use crate::ports::{
    InvoicedLines, KeyClaim, Ledger, LedgerTxn, PlanCatalog, RepositoryError,
    SubscriptionRepository, UsageRepository,
};

/// A unit of work over the in-memory state: reads see the state as it is, writes are
/// kept until commit and applied then, all at once, only if the subscription is still at
/// the version that was read (the same promise as the database's compare-and-set).
struct InMemoryTxn {
    store: InMemoryStore,
    customer: CustomerId,
    /// The subscription saved: its id and the version it was read at.
    saved: Option<(Subscription, i64)>,
    invoices: Vec<NewInvoice>,
    audit: Vec<AuditEntry>,
    outbox: Vec<crate::ports::OutboxMessage>,
    watermark: Option<DateTime<Utc>>,
    /// The run that billed the customer in this unit of work, and whether it issued.
    run_item: Option<(crate::ports::RunTicket, bool)>,
    /// The idempotency key claimed in this unit of work.
    key: Option<ClaimedKey>,
}

/// Key, fingerprint, when claimed, and the answer once given.
type ClaimedKey = (String, String, DateTime<Utc>, Option<Vec<u8>>);

#[async_trait]
impl Ledger for InMemoryStore {
    async fn begin(&self, customer: &CustomerId) -> Result<Box<dyn LedgerTxn>, RepositoryError> {
        Ok(Box::new(InMemoryTxn {
            store: self.clone(),
            customer: customer.clone(),
            saved: None,
            invoices: Vec::new(),
            audit: Vec::new(),
            outbox: Vec::new(),
            watermark: None,
            run_item: None,
            key: None,
        }))
    }

    async fn billable_page(
        &self,
        period: Month,
        after: Option<&CustomerId>,
        limit: u64,
    ) -> Result<Vec<CustomerId>, RepositoryError> {
        let ids = billable(&*self.lock()?, period);
        Ok(ids
            .into_iter()
            .filter(|id| after.is_none_or(|a| id > a))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .collect())
    }

    async fn count_billable(&self, period: Month) -> Result<u64, RepositoryError> {
        Ok(billable(&*self.lock()?, period).len() as u64)
    }
}

/// The customers a run of `period` bills, in id order.
fn billable(state: &super::State, period: Month) -> BTreeSet<CustomerId> {
    state
        .subscriptions
        .iter()
        .filter(|s| s.serves(period) || s.serves(period.prev()))
        .map(|s| s.customer_id.clone())
        .collect()
}

#[async_trait]
impl LedgerTxn for InMemoryTxn {
    async fn subscription(&mut self) -> Result<Option<Subscription>, RepositoryError> {
        let found = SubscriptionRepository::current(&self.store, &self.customer).await?;
        let barrier = self.store.read_barrier.lock().ok().and_then(|b| b.clone());
        if let Some(barrier) = barrier {
            barrier.wait().await;
        }
        Ok(found)
    }

    async fn plans(&mut self) -> Result<Vec<Plan>, RepositoryError> {
        PlanCatalog::list(&self.store).await
    }

    async fn invoiced_lines(&mut self, from: Month) -> Result<InvoicedLines, RepositoryError> {
        let state = self.store.lock()?;
        let mut out = InvoicedLines::new();
        for invoice in state
            .invoices
            .iter()
            .filter(|i| i.customer_id == self.customer)
        {
            for line in &invoice.lines {
                let period = line.period().unwrap_or(invoice.period);
                if period >= from {
                    out.entry(period).or_default().push(line.clone());
                }
            }
        }
        Ok(out)
    }

    async fn save(&mut self, subscription: &Subscription) -> Result<Subscription, RepositoryError> {
        let state = self.store.lock()?;
        let stored = state.subscriptions.iter().find(|s| s.id == subscription.id);
        match stored {
            Some(s) if s.version != subscription.version => return Err(RepositoryError::Conflict),
            None if subscription.version != 0 => return Err(RepositoryError::Conflict),
            _ => {}
        }
        let saved = Subscription {
            version: subscription.version + 1,
            ..subscription.clone()
        };
        self.saved = Some((saved.clone(), subscription.version));
        Ok(saved)
    }

    async fn issue(&mut self, invoice: &NewInvoice) -> Result<Invoice, RepositoryError> {
        let state = self.store.lock()?;
        let is_period_invoice = |customer: &CustomerId, period: Month, kind: InvoiceKind| {
            kind == InvoiceKind::Subscription
                && customer == &invoice.customer_id
                && period == invoice.period
        };
        if invoice.kind == InvoiceKind::Subscription
            && (state
                .invoices
                .iter()
                .any(|i| is_period_invoice(&i.customer_id, i.period, i.kind))
                || self
                    .invoices
                    .iter()
                    .any(|i| is_period_invoice(&i.customer_id, i.period, i.kind)))
        {
            return Err(RepositoryError::Conflict);
        }
        let month = invoice.numbering_month();
        let pending = self
            .invoices
            .iter()
            .filter(|i| i.numbering_month() == month)
            .count() as u32;
        let seq = state.sequences.get(&month).copied().unwrap_or(0) + pending + 1;
        self.invoices.push(invoice.clone());
        Ok(Invoice {
            id: invoice_number(month, seq),
            customer_id: invoice.customer_id.clone(),
            period: invoice.period,
            kind: invoice.kind,
            status: invoice.status,
            amount: invoice.total().map_err(anyhow::Error::new)?,
            lines: invoice.lines.clone(),
            created_at: invoice.created_at,
            due_date: invoice.due_date,
            payments: Vec::new(),
        })
    }

    async fn record(&mut self, audit: &AuditEntry) -> Result<(), RepositoryError> {
        self.audit.push(audit.clone());
        Ok(())
    }

    async fn enqueue(
        &mut self,
        message: &crate::ports::OutboxMessage,
    ) -> Result<(), RepositoryError> {
        self.outbox.push(message.clone());
        Ok(())
    }

    async fn period_invoices(&mut self) -> Result<BTreeSet<Month>, RepositoryError> {
        Ok(self
            .store
            .lock()?
            .invoices
            .iter()
            .filter(|i| i.customer_id == self.customer && i.kind == InvoiceKind::Subscription)
            .map(|i| i.period)
            .collect())
    }

    async fn usage(&mut self, range: DateRange) -> Result<Vec<UsageRecord>, RepositoryError> {
        UsageRepository::daily(&self.store, &self.customer, range, None).await
    }

    async fn usage_changed_since(
        &mut self,
        since: Option<DateTime<Utc>>,
    ) -> Result<BTreeMap<Month, DateTime<Utc>>, RepositoryError> {
        let mut out: BTreeMap<Month, DateTime<Utc>> = BTreeMap::new();
        for ((c, date), at) in &self.store.lock()?.usage_updated {
            if c == &self.customer && since.is_none_or(|s| *at > s) {
                let slot = out.entry(Month::of(*date)).or_insert(*at);
                *slot = (*slot).min(*at);
            }
        }
        Ok(out)
    }

    async fn usage_watermark(&mut self) -> Result<Option<DateTime<Utc>>, RepositoryError> {
        Ok(self
            .store
            .lock()?
            .usage_watermarks
            .get(&self.customer)
            .copied())
    }

    async fn set_usage_watermark(&mut self, at: DateTime<Utc>) -> Result<(), RepositoryError> {
        self.watermark = Some(at);
        Ok(())
    }

    async fn record_run_item(
        &mut self,
        ticket: &crate::ports::RunTicket,
        issued: bool,
    ) -> Result<bool, RepositoryError> {
        if !super::runs::holds(&*self.store.lock()?, ticket) {
            return Ok(false);
        }
        self.run_item = Some((ticket.clone(), issued));
        Ok(true)
    }

    async fn claim_key(
        &mut self,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<KeyClaim, RepositoryError> {
        let state = self.store.lock()?;
        let claim = super::keys::claim_of(&state, &self.customer, key, fingerprint, now);
        if claim == KeyClaim::Claimed {
            self.key = Some((key.to_owned(), fingerprint.to_owned(), now, None));
        }
        Ok(claim)
    }

    async fn answer_key(&mut self, key: &str, response: &[u8]) -> Result<(), RepositoryError> {
        match &mut self.key {
            Some((claimed, _, _, answer)) if claimed == key => {
                *answer = Some(response.to_vec());
                Ok(())
            }
            _ => Err(RepositoryError::Other(anyhow::anyhow!(
                "key {key} was not claimed in this unit of work"
            ))),
        }
    }

    async fn commit(self: Box<Self>) -> Result<(), RepositoryError> {
        let mut state = self.store.lock()?;
        // Another unit of work stored the key since it was claimed here: this one loses.
        if let Some((key, fingerprint, at, _)) = &self.key
            && super::keys::claim_of(&state, &self.customer, key, fingerprint, *at)
                != KeyClaim::Claimed
        {
            return Err(RepositoryError::Conflict);
        }
        if let Some((ticket, _)) = &self.run_item
            && !super::runs::holds(&state, ticket)
        {
            return Err(RepositoryError::Conflict);
        }
        if let Some((saved, read_at)) = &self.saved {
            match state.subscriptions.iter_mut().find(|s| s.id == saved.id) {
                Some(stored) if stored.version == *read_at => *stored = saved.clone(),
                None if *read_at == 0 => state.subscriptions.push(saved.clone()),
                _ => return Err(RepositoryError::Conflict),
            }
        }
        for invoice in &self.invoices {
            issue(&mut state, invoice)?;
        }
        state.audit.extend(self.audit.iter().cloned());
        state
            .outbox
            .extend(self.outbox.iter().cloned().map(super::outbox::Stored::new));
        if let Some(at) = self.watermark {
            state.usage_watermarks.insert(self.customer.clone(), at);
        }
        if let Some((ticket, issued)) = &self.run_item {
            super::runs::record_item(&mut state, ticket, &self.customer, *issued);
        }
        if let Some((key, fingerprint, at, answer)) = &self.key {
            state.keys.insert(
                (self.customer.clone(), key.clone()),
                (fingerprint.clone(), answer.clone(), *at),
            );
        }
        Ok(())
    }
}
