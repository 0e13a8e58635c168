//! Recording a payment on the customer's account inside a ledger unit of work: its
//! credit entry, then its application — to the invoice it was reported for first (§9),
//! then, with any credit the account held, earliest due first (§15).

use chrono::{DateTime, Utc};
use portal_domain::InvoiceId;
use portal_domain::receivables::{EntryKind, OpenCredit, Settlement, settle};

use crate::error::BillingError;
use crate::ports::{LedgerTxn, NewPayment, PaymentRecord};

/// Records `payment` in `txn` and applies it (to `first` before anything else, when
/// given) at `at`; answers the payment and what it paid.
pub async fn record_in(
    txn: &mut dyn LedgerTxn,
    payment: &NewPayment,
    first: Option<&InvoiceId>,
    at: DateTime<Utc>,
) -> Result<(PaymentRecord, Vec<Settlement>), BillingError> {
    let record = txn.receive(payment).await?;
    let mut applied = Vec::new();
    if let Some(first) = first {
        let open = txn.open_invoices().await?;
        let target: Vec<_> = open.into_iter().filter(|i| &i.id == first).collect();
        let credit = OpenCredit {
            entry: record.entry,
            kind: EntryKind::Payment,
            document_id: record.id.clone(),
            open: record.amount,
        };
        let settlements =
            settle(&[credit], &target, Some(&record.id)).map_err(anyhow::Error::new)?;
        txn.apply(&settlements, at).await?;
        applied.extend(settlements);
    }
    let rest = super::settle_in(txn, Some(&record.id), at).await?;
    applied.extend(rest);
    Ok((record, applied))
}
