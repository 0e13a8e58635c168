//! Applying a customer's open credit to its open invoices inside a ledger unit of work:
//! the step every unit that issues a document or records a payment ends with, so credit
//! is applied in the same transaction that creates it or the invoice it meets (§15).

use chrono::{DateTime, Utc};
use portal_domain::receivables::{Settlement, settle};

use crate::error::BillingError;
use crate::ports::LedgerTxn;

/// Applies the customer's open credit (oldest first) to its open invoices (earliest due
/// first) in `txn`, at `at`; `arrived` names the payment or credit note just recorded.
/// Answers what was applied.
pub async fn settle_in(
    txn: &mut dyn LedgerTxn,
    arrived: Option<&str>,
    at: DateTime<Utc>,
) -> Result<Vec<Settlement>, BillingError> {
    let credits = txn.open_credits().await?;
    if credits.is_empty() {
        return Ok(Vec::new());
    }
    let open = txn.open_invoices().await?;
    let settlements = settle(&credits, &open, arrived).map_err(anyhow::Error::new)?;
    txn.apply(&settlements, at).await?;
    Ok(settlements)
}
