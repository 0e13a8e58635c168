//! [`Receivables`]: what a customer owes (contract §15) — the balance with where to pay,
//! credit notes, and payments received by bank transfer (`payments.rs`). The steps that
//! apply credit inside other capabilities' units of work are [`settle_in`] and
//! [`record_in`].

mod dunning;
mod payments;
mod record;
mod settle;

use std::sync::Arc;

use chrono::NaiveTime;
use portal_domain::receivables::{Balance, RemittanceCode, Statement, statement_range, suspends};
use portal_domain::{Currency, Invoice, InvoiceId, InvoiceKey, InvoicePage, Month, PageRequest};
use tracing::instrument;

use crate::entitlement_memo::EntitlementChanges;
use crate::events::Events;
use crate::ports::{
    CustomerRepository, GuardRepository, Ledger, ReceivablesRepository, RepositoryError,
};
use crate::principal::Principal;
use crate::time::BusinessTime;

pub use payments::{PaymentInput, PaymentOutcome};
pub use record::record_in;
pub use settle::settle_in;

crate::error::capability_error!(
    /// What a receivables use case can end in.
    ReceivablesError,
    conflict: "the account was changed by another request; try again"
);

/// Where customers pay: the operator's bank account (`PORTAL_PAY_TO_*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayTo {
    pub account_name: String,
    pub bank_name: String,
    pub account_number: String,
}

impl Default for PayTo {
    /// The demo operator's account.
    fn default() -> Self {
        Self {
            account_name: "上海云客服科技有限公司".to_owned(),
            bank_name: "招商银行上海分行营业部".to_owned(),
            account_number: "1219 0876 5410 001".to_owned(),
        }
    }
}

/// A customer's balance with the code and account to pay to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceView {
    pub balance: Balance,
    /// Whether an invoice is overdue long enough to suspend service (§15).
    pub suspended: bool,
    pub remittance_code: RemittanceCode,
    pub pay_to: PayTo,
}

/// A credit note with the invoices it credits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditNoteView {
    pub credit_note: Invoice,
    pub credits_invoice_ids: Vec<InvoiceId>,
}

pub struct Receivables {
    pub(crate) entitlements: EntitlementChanges,
    pub(crate) guard: Arc<dyn GuardRepository>,
    pub(crate) ledger: Arc<dyn Ledger>,
    pub(crate) receivables: Arc<dyn ReceivablesRepository>,
    pub(crate) customers: Arc<dyn CustomerRepository>,
    pub(crate) events: Events,
    pub(crate) pay_to: PayTo,
    pub(crate) suspend_after_days: u32,
    pub(crate) time: BusinessTime,
}

impl Receivables {
    /// What the customer owes, holds and where to pay (`GET /api/portal/balance`).
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn balance(&self, principal: &Principal) -> Result<BalanceView, ReceivablesError> {
        let items = self.receivables.open_items(&principal.customer_id).await?;
        let balance = Balance::of(
            Currency::Cny,
            &items.invoices,
            &items.credits,
            self.time.today(),
        )?;
        let suspended = balance
            .next_due_date
            .is_some_and(|due| suspends(due, self.time.today(), self.suspend_after_days));
        Ok(BalanceView {
            suspended,
            balance,
            remittance_code: self.remittance_code(principal).await?,
            pay_to: self.pay_to.clone(),
        })
    }

    /// The customer's remittance code, given on first use (a random one; another try
    /// when another customer holds it).
    async fn remittance_code(
        &self,
        principal: &Principal,
    ) -> Result<RemittanceCode, ReceivablesError> {
        let customer = &principal.customer_id;
        if let Some(code) = self.receivables.remittance_code(customer).await? {
            return Ok(code);
        }
        for _ in 0..8 {
            let bytes = uuid::Uuid::new_v4().into_bytes();
            let mut random = [0u8; 7];
            random.copy_from_slice(&bytes[..7]);
            let code = RemittanceCode::from_random(random);
            match self
                .receivables
                .assign_remittance_code(customer, &code)
                .await
            {
                Ok(code) => return Ok(code),
                Err(RepositoryError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ReceivablesError::Conflict(
            "no free remittance code was found; try again".into(),
        ))
    }

    /// The customer's statement (对账单) of `from` to `to` (`YYYY-MM`; a year to this
    /// month by default; at most 24 months).
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn statement(
        &self,
        principal: &Principal,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Statement, ReceivablesError> {
        let today = self.time.today();
        let (from, to) = statement_range(from, to, Month::of(today))?;
        let calendar = self.time.calendar();
        let start = |m: Month| calendar.instant_of(m.first_day().and_time(NaiveTime::MIN));
        let (opening, entries) = self
            .receivables
            .statement_source(
                &principal.customer_id,
                start(from),
                start(to.next()),
                calendar,
            )
            .await?;
        Ok(Statement::build(from, to, Currency::Cny, opening, entries)?)
    }

    /// A page of the customer's credit notes, newest first.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn credit_notes(
        &self,
        principal: &Principal,
        page: PageRequest<InvoiceKey>,
    ) -> Result<InvoicePage, ReceivablesError> {
        Ok(self
            .receivables
            .credit_notes(&principal.customer_id, &page)
            .await?)
    }

    /// The customer's credit note `id` with the invoices it credits.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn credit_note(
        &self,
        principal: &Principal,
        id: &InvoiceId,
    ) -> Result<CreditNoteView, ReceivablesError> {
        let credit_note = self
            .receivables
            .credit_note(&principal.customer_id, id)
            .await?
            .ok_or(ReceivablesError::NotFound("credit note"))?;
        let credits_invoice_ids = self
            .receivables
            .credited_invoices(&principal.customer_id, &credit_note)
            .await?;
        Ok(CreditNoteView {
            credit_note,
            credits_invoice_ids,
        })
    }

    /// The credit notes that credit lines of the customer's `invoice`.
    pub async fn credit_notes_of(
        &self,
        principal: &Principal,
        invoice: &Invoice,
    ) -> Result<Vec<InvoiceId>, ReceivablesError> {
        Ok(self
            .receivables
            .credit_notes_of(&principal.customer_id, invoice)
            .await?)
    }
}
