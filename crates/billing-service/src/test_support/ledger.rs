//! The in-memory [`Ledger`]: optimistic units of work over the fakes' state.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portal_domain::receivables::{OpenCredit, OpenInvoice, Settlement};
use portal_domain::{
    AuditEntry, CustomerId, DateRange, Invoice, InvoiceId, InvoiceKind, Month, NewInvoice, Plan,
    Subscription, UsageRecord,
};

use super::pending;
use super::{InMemoryStore, issue};
use crate::ports::{
    InvoicedLines, KeyClaim, Ledger, LedgerTxn, NewPayment, PaymentRecord, PlanCatalog,
    RepositoryError, SubscriptionRepository, UsageRepository,
};

/// A unit of work over the in-memory state: reads see the state as it is, writes are
/// kept until commit and applied then, all at once, only if the subscription is still at
/// the version that was read (the same promise as the database's compare-and-set).
struct InMemoryTxn {
    store: InMemoryStore,
    customer: CustomerId,
    /// The subscription saved: its id and the version it was read at.
    saved: Option<(Subscription, i64)>,
    /// Documents issued: each with its account entry and the id it was told.
    invoices: Vec<(NewInvoice, i64, InvoiceId)>,
    payments: Vec<(PaymentRecord, NewPayment)>,
    settlements: Vec<(Settlement, DateTime<Utc>)>,
    audit: Vec<AuditEntry>,
    outbox: Vec<crate::ports::OutboxMessage>,
    notifications: Vec<crate::ports::Notification>,
    watermark: Option<DateTime<Utc>>,
    /// The run that billed the customer in this unit of work, and whether it issued.
    run_item: Option<(crate::ports::RunTicket, bool)>,
    /// The idempotency key claimed in this unit of work.
    key: Option<ClaimedKey>,
}

impl InMemoryTxn {
    /// The customer's open credits (by entry) and open invoices (by id) as this unit of
    /// work sees them: the state, what it issued and received, less what it applied.
    fn view(&self) -> Result<pending::AccountView, RepositoryError> {
        let state = self.store.lock()?;
        let told: HashMap<InvoiceId, InvoiceId> = self
            .invoices
            .iter()
            .map(|(_, _, id)| (id.clone(), id.clone()))
            .collect();
        let (mut holds, mut owes) = pending::view_of(
            &state,
            &self.customer,
            &self.invoices,
            &self.payments,
            &told,
        )?;
        for (s, _) in &self.settlements {
            if let Some(c) = holds.get_mut(&s.entry) {
                c.open = c.open.checked_sub(&s.amount).map_err(anyhow::Error::new)?;
            }
            if let Some(i) = owes.get_mut(&s.invoice_id) {
                i.amount_due = i
                    .amount_due
                    .checked_sub(&s.amount)
                    .map_err(anyhow::Error::new)?;
            }
        }
        Ok((holds, owes))
    }
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
            payments: Vec::new(),
            settlements: Vec::new(),
            audit: Vec::new(),
            outbox: Vec::new(),
            notifications: Vec::new(),
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
                    .any(|(i, _, _)| is_period_invoice(&i.customer_id, i.period, i.kind)))
        {
            return Err(RepositoryError::Conflict);
        }
        let key = invoice.numbering_key().map_err(anyhow::Error::new)?;
        let seq = pending::next_number(&state, &self.invoices, &key)?;
        let told = super::numbered(invoice, seq)?;
        drop(state);
        let entry = self.store.lock()?.account.allocate();
        self.invoices
            .push((invoice.clone(), entry, told.id.clone()));
        Ok(told)
    }

    async fn open_credits(&mut self) -> Result<Vec<OpenCredit>, RepositoryError> {
        let (holds, _) = self.view()?;
        let mut out: Vec<OpenCredit> = holds.into_values().filter(|c| !c.open.is_zero()).collect();
        out.sort_by_key(|c| c.entry);
        Ok(out)
    }

    async fn open_invoices(&mut self) -> Result<Vec<OpenInvoice>, RepositoryError> {
        let (_, owes) = self.view()?;
        Ok(owes
            .into_values()
            .filter(|i| !i.amount_due.is_zero())
            .collect())
    }

    async fn apply(
        &mut self,
        settlements: &[Settlement],
        at: DateTime<Utc>,
    ) -> Result<(), RepositoryError> {
        let (holds, owes) = self.view()?;
        let mut holds = holds.into_iter().map(|(k, v)| (k, v.open)).collect();
        let mut owes = owes.into_iter().map(|(k, v)| (k, v.amount_due)).collect();
        if !super::account::fits(settlements, &mut holds, &mut owes) {
            return Err(RepositoryError::Conflict);
        }
        self.settlements
            .extend(settlements.iter().cloned().map(|s| (s, at)));
        Ok(())
    }

    async fn receive(&mut self, payment: &NewPayment) -> Result<PaymentRecord, RepositoryError> {
        let mut state = self.store.lock()?;
        if let Some(reference) = &payment.reference
            && (state.account.has_reference(reference)
                || self
                    .payments
                    .iter()
                    .any(|(p, _)| p.reference.as_ref() == Some(reference)))
        {
            return Err(RepositoryError::Conflict);
        }
        let entry = state.account.allocate();
        let record = PaymentRecord {
            id: format!("PAY{entry:06}"),
            customer_id: payment.customer_id.clone(),
            amount: payment.amount,
            reference: payment.reference.clone(),
            method: payment.method.clone(),
            paid_at: payment.paid_at,
            created_at: payment.created_at,
            entry,
        };
        self.payments.push((record.clone(), payment.clone()));
        Ok(record)
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

    async fn notify(
        &mut self,
        notification: &crate::ports::Notification,
    ) -> Result<(), RepositoryError> {
        self.notifications.push(notification.clone());
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
        // The ids the documents get now (another unit may have numbered since), and
        // the settlements checked against the state as it is, before anything is stored.
        let mut finals: HashMap<InvoiceId, InvoiceId> = HashMap::new();
        let mut counters: HashMap<String, u32> = HashMap::new();
        for (new, _, told) in &self.invoices {
            let key = new.numbering_key().map_err(anyhow::Error::new)?;
            let last = counters
                .entry(key.clone())
                .or_insert_with(|| state.sequences.get(&key).copied().unwrap_or(0));
            *last += 1;
            finals.insert(told.clone(), new.number(*last).map_err(anyhow::Error::new)?);
        }
        let settlements: Vec<(Settlement, DateTime<Utc>)> = self
            .settlements
            .iter()
            .map(|(s, at)| {
                let mut s = s.clone();
                if let Some(id) = finals.get(&s.invoice_id) {
                    s.invoice_id = id.clone();
                }
                (s, *at)
            })
            .collect();
        let (holds, owes) = pending::view_of(
            &state,
            &self.customer,
            &self.invoices,
            &self.payments,
            &finals,
        )?;
        let mut holds = holds.into_iter().map(|(k, v)| (k, v.open)).collect();
        let mut owes = owes.into_iter().map(|(k, v)| (k, v.amount_due)).collect();
        let only: Vec<Settlement> = settlements.iter().map(|(s, _)| s.clone()).collect();
        if !super::account::fits(&only, &mut holds, &mut owes)
            || self.payments.iter().any(|(p, _)| {
                p.reference
                    .as_deref()
                    .is_some_and(|r| state.account.has_reference(r))
            })
        {
            return Err(RepositoryError::Conflict);
        }
        for (invoice, entry, _) in &self.invoices {
            issue(&mut state, invoice, *entry)?;
        }
        for (record, payment) in &self.payments {
            super::account::add_payment(&mut state, record, payment)?;
        }
        super::account::apply_all(&mut state, &settlements)?;
        state.audit.extend(self.audit.iter().cloned());
        state
            .outbox
            .extend(self.outbox.iter().cloned().map(super::outbox::Stored::new));
        state
            .notifications
            .extend(self.notifications.iter().cloned());
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
