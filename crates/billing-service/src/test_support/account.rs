//! The in-memory account (§15): entries with what each credit still holds, payments,
//! remittance codes; applications are written into the invoices they pay.

use std::collections::{BTreeMap, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portal_domain::receivables::{
    AppliedCredit, CreditSource, EntryKind, LedgerEntry, OpenCredit, OpenInvoice, RemittanceCode,
    Settlement,
};
use portal_domain::{
    BusinessCalendar, Currency, CustomerId, DocumentKind, Invoice, InvoiceId, InvoiceKey,
    InvoicePage, InvoiceStatus, Money, PageRequest, Payment,
};

use super::{InMemoryStore, State};
use crate::ports::{NewPayment, OpenItems, PaymentRecord, ReceivablesRepository, RepositoryError};

/// A credit entry: what it still holds.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub id: i64,
    pub customer: CustomerId,
    pub kind: EntryKind,
    pub document_id: String,
    pub open: Money,
}

#[derive(Default)]
pub(super) struct AccountState {
    next: i64,
    pub credits: Vec<Entry>,
    pub payments: Vec<(PaymentRecord, NewPayment)>,
    codes: BTreeMap<CustomerId, RemittanceCode>,
}

impl AccountState {
    /// The next entry (and payment) number.
    pub fn allocate(&mut self) -> i64 {
        self.next += 1;
        self.next
    }

    /// A credit note's entry holds its amount; an invoice's is a debit (nothing held).
    pub fn add_document(&mut self, invoice: &Invoice, entry: i64) -> Result<(), RepositoryError> {
        if invoice.document == DocumentKind::CreditNote {
            self.credits.push(Entry {
                id: entry,
                customer: invoice.customer_id.clone(),
                kind: EntryKind::CreditNote,
                document_id: invoice.id.to_string(),
                open: invoice.amount.negated(),
            });
        }
        Ok(())
    }

    pub fn open_credits(&self, customer: &CustomerId) -> Vec<OpenCredit> {
        self.credits
            .iter()
            .filter(|e| &e.customer == customer && !e.open.is_zero())
            .map(|e| OpenCredit {
                entry: e.id,
                kind: e.kind,
                document_id: e.document_id.clone(),
                open: e.open,
            })
            .collect()
    }

    pub fn has_reference(&self, reference: &str) -> bool {
        self.payments
            .iter()
            .any(|(p, _)| p.reference.as_deref() == Some(reference))
    }
}

/// The customer's invoices that still owe something.
pub(super) fn open_invoices(state: &State, customer: &CustomerId) -> Vec<OpenInvoice> {
    state
        .invoices
        .iter()
        .filter(|i| &i.customer_id == customer && i.document == DocumentKind::Invoice)
        .filter_map(|i| {
            let due = i.amount_due().ok()?;
            (!due.is_zero()).then(|| OpenInvoice {
                id: i.id.clone(),
                due_date: i.due_date,
                amount_due: due,
            })
        })
        .collect()
}

/// Whether `settlements` fit what the credits hold and the invoices owe (`holds` and
/// `owes`, as this unit of work sees them), taking them off as it goes.
pub(super) fn fits(
    settlements: &[Settlement],
    holds: &mut HashMap<i64, Money>,
    owes: &mut HashMap<InvoiceId, Money>,
) -> bool {
    for s in settlements {
        let (Some(held), Some(owed)) = (holds.get_mut(&s.entry), owes.get_mut(&s.invoice_id))
        else {
            return false;
        };
        let (Ok(h), Ok(o)) = (held.checked_sub(&s.amount), owed.checked_sub(&s.amount)) else {
            return false;
        };
        if h.is_negative() || o.is_negative() || s.amount.is_negative() || s.amount.is_zero() {
            return false;
        }
        *held = h;
        *owed = o;
    }
    true
}

/// Writes `settlements` (checked with [`fits`]) into the state.
pub(super) fn apply_all(
    state: &mut State,
    settlements: &[(Settlement, DateTime<Utc>)],
) -> Result<(), RepositoryError> {
    for (s, at) in settlements {
        let entry = state
            .account
            .credits
            .iter_mut()
            .find(|e| e.id == s.entry)
            .ok_or(RepositoryError::Conflict)?;
        entry.open = entry
            .open
            .checked_sub(&s.amount)
            .map_err(anyhow::Error::new)?;
        let invoice = state
            .invoices
            .iter_mut()
            .find(|i| i.id == s.invoice_id)
            .ok_or(RepositoryError::Conflict)?;
        invoice.amount_paid = invoice
            .amount_paid
            .checked_add(&s.amount)
            .map_err(anyhow::Error::new)?;
        if invoice.amount_due().is_ok_and(|d| d.is_zero()) {
            invoice.status = InvoiceStatus::Paid;
        }
        invoice.applications.push(AppliedCredit {
            source: s.source,
            id: s.source_id.clone(),
            amount: s.amount,
            at: *at,
        });
    }
    Ok(())
}

/// Stores a payment received (its reference checked) with its credit entry.
pub(super) fn add_payment(
    state: &mut State,
    record: &PaymentRecord,
    payment: &NewPayment,
) -> Result<(), RepositoryError> {
    if let Some(reference) = &record.reference
        && state.account.has_reference(reference)
    {
        return Err(RepositoryError::Conflict);
    }
    state.account.credits.push(Entry {
        id: record.entry,
        customer: record.customer_id.clone(),
        kind: EntryKind::Payment,
        document_id: record.id.clone(),
        open: record.amount,
    });
    if let Some(id) = &payment.invoice_id
        && let Some(invoice) = state.invoices.iter_mut().find(|i| &i.id == id)
    {
        invoice.payments.push(Payment {
            amount: record.amount,
            reference: payment.memo.clone().unwrap_or_default(),
            paid_at: record.paid_at,
        });
    }
    state
        .account
        .payments
        .push((record.clone(), payment.clone()));
    Ok(())
}

fn credit_note_periods(document: &Invoice) -> Vec<portal_domain::Month> {
    document.lines.iter().filter_map(|l| l.period()).collect()
}

#[async_trait]
impl ReceivablesRepository for InMemoryStore {
    async fn open_items(&self, customer: &CustomerId) -> Result<OpenItems, RepositoryError> {
        let state = self.lock()?;
        Ok(OpenItems {
            invoices: open_invoices(&state, customer),
            credits: state.account.open_credits(customer),
        })
    }

    async fn earliest_unpaid_due(
        &self,
        customer: &CustomerId,
    ) -> Result<Option<chrono::NaiveDate>, RepositoryError> {
        let state = self.lock()?;
        Ok(open_invoices(&state, customer)
            .iter()
            .map(|i| i.due_date)
            .min())
    }

    async fn reminder_candidates(
        &self,
        until: chrono::NaiveDate,
    ) -> Result<Vec<(CustomerId, OpenInvoice)>, RepositoryError> {
        let state = self.lock()?;
        let customers: std::collections::BTreeSet<CustomerId> = state
            .invoices
            .iter()
            .map(|i| i.customer_id.clone())
            .collect();
        Ok(customers
            .into_iter()
            .flat_map(|c| {
                open_invoices(&state, &c)
                    .into_iter()
                    .filter(|i| i.due_date <= until)
                    .map(move |i| (c.clone(), i))
            })
            .collect())
    }

    async fn remittance_code(
        &self,
        customer: &CustomerId,
    ) -> Result<Option<RemittanceCode>, RepositoryError> {
        Ok(self.lock()?.account.codes.get(customer).cloned())
    }

    async fn assign_remittance_code(
        &self,
        customer: &CustomerId,
        code: &RemittanceCode,
    ) -> Result<RemittanceCode, RepositoryError> {
        let mut state = self.lock()?;
        if let Some(held) = state.account.codes.get(customer) {
            return Ok(held.clone());
        }
        if state.account.codes.values().any(|c| c == code) {
            return Err(RepositoryError::Conflict);
        }
        state.account.codes.insert(customer.clone(), code.clone());
        Ok(code.clone())
    }

    async fn customer_of_code(
        &self,
        code: &RemittanceCode,
    ) -> Result<Option<CustomerId>, RepositoryError> {
        Ok(self
            .lock()?
            .account
            .codes
            .iter()
            .find(|(_, c)| *c == code)
            .map(|(id, _)| id.clone()))
    }

    async fn payment_by_reference(
        &self,
        reference: &str,
    ) -> Result<Option<PaymentRecord>, RepositoryError> {
        Ok(self
            .lock()?
            .account
            .payments
            .iter()
            .find(|(p, _)| p.reference.as_deref() == Some(reference))
            .map(|(p, _)| p.clone()))
    }

    async fn payment_applications(
        &self,
        id: &str,
    ) -> Result<Vec<(InvoiceId, Money)>, RepositoryError> {
        let state = self.lock()?;
        let mut out: Vec<(DateTime<Utc>, InvoiceId, Money)> = Vec::new();
        for invoice in &state.invoices {
            for a in &invoice.applications {
                if a.source == CreditSource::Payment && a.id == id {
                    out.push((a.at, invoice.id.clone(), a.amount));
                }
            }
        }
        out.sort_by_key(|(at, _, _)| *at);
        Ok(out.into_iter().map(|(_, i, m)| (i, m)).collect())
    }

    async fn statement_source(
        &self,
        customer: &CustomerId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        calendar: &BusinessCalendar,
    ) -> Result<(Money, Vec<LedgerEntry>), RepositoryError> {
        let state = self.lock()?;
        let zero = Money::zero(Currency::Cny);
        let mut all: Vec<(DateTime<Utc>, LedgerEntry)> = Vec::new();
        for i in state.invoices.iter().filter(|i| &i.customer_id == customer) {
            let (kind, debit, credit) = match i.document {
                DocumentKind::Invoice => (EntryKind::Invoice, i.amount, zero),
                DocumentKind::CreditNote => (EntryKind::CreditNote, zero, i.amount.negated()),
            };
            all.push((
                i.created_at,
                LedgerEntry {
                    date: calendar.date_of(i.created_at),
                    kind,
                    id: i.id.to_string(),
                    debit,
                    credit,
                    detail: Some(i.period.to_string()),
                },
            ));
        }
        for (p, new) in state
            .account
            .payments
            .iter()
            .filter(|(p, _)| &p.customer_id == customer)
        {
            all.push((
                p.paid_at,
                LedgerEntry {
                    date: calendar.date_of(p.paid_at),
                    kind: EntryKind::Payment,
                    id: p.id.clone(),
                    debit: zero,
                    credit: p.amount,
                    detail: p.reference.clone().or_else(|| new.memo.clone()),
                },
            ));
        }
        all.sort_by_key(|(at, _)| *at);
        let mut opening = zero;
        let mut entries = Vec::new();
        for (at, entry) in all {
            if at < from {
                opening = opening
                    .checked_add(&entry.debit)
                    .and_then(|m| m.checked_sub(&entry.credit))
                    .map_err(anyhow::Error::new)?;
            } else if at < to {
                entries.push(entry);
            }
        }
        Ok((opening, entries))
    }

    async fn credit_notes(
        &self,
        customer: &CustomerId,
        page: &PageRequest<InvoiceKey>,
    ) -> Result<InvoicePage, RepositoryError> {
        self.documents_page(customer, DocumentKind::CreditNote, page)
    }

    async fn credit_note(
        &self,
        customer: &CustomerId,
        id: &InvoiceId,
    ) -> Result<Option<Invoice>, RepositoryError> {
        self.document(customer, id, DocumentKind::CreditNote)
    }

    async fn credited_invoices(
        &self,
        customer: &CustomerId,
        credit_note: &Invoice,
    ) -> Result<Vec<InvoiceId>, RepositoryError> {
        let periods = credit_note_periods(credit_note);
        Ok(self
            .lock()?
            .invoices
            .iter()
            .filter(|i| &i.customer_id == customer && i.document == DocumentKind::Invoice)
            .filter(|i| i.created_at <= credit_note.created_at)
            .filter(|i| {
                i.lines
                    .iter()
                    .any(|l| l.period().is_some_and(|p| periods.contains(&p)))
            })
            .map(|i| i.id.clone())
            .collect())
    }

    async fn credit_notes_of(
        &self,
        customer: &CustomerId,
        invoice: &Invoice,
    ) -> Result<Vec<InvoiceId>, RepositoryError> {
        let periods = credit_note_periods(invoice);
        Ok(self
            .lock()?
            .invoices
            .iter()
            .filter(|i| &i.customer_id == customer && i.document == DocumentKind::CreditNote)
            .filter(|i| i.created_at >= invoice.created_at)
            .filter(|i| {
                i.lines
                    .iter()
                    .any(|l| l.period().is_some_and(|p| periods.contains(&p)))
            })
            .map(|i| i.id.clone())
            .collect())
    }
}
