//! The entries documents make on their customer's account (§15), written with the
//! document in its transaction.

use portal_billing::ports::RepositoryError;
use portal_domain::receivables::EntryKind;
use portal_domain::{DocumentKind, Invoice};
use sea_orm::ActiveValue::Set;

use crate::convert;
use crate::entity::account_entries;

/// The entry a document makes on its customer's account.
pub(super) fn document_entry(
    invoice: &Invoice,
) -> Result<account_entries::ActiveModel, RepositoryError> {
    let amount = convert::minor(&invoice.amount)?;
    let (kind, debit, credit) = match invoice.document {
        DocumentKind::Invoice => (EntryKind::Invoice, amount, 0),
        DocumentKind::CreditNote => (EntryKind::CreditNote, 0, -amount),
    };
    Ok(account_entries::ActiveModel {
        customer_id: Set(invoice.customer_id.to_string()),
        kind: Set(kind.as_str().to_owned()),
        document_id: Set(invoice.id.to_string()),
        debit_minor: Set(debit),
        credit_minor: Set(credit),
        open_minor: Set(credit),
        currency: Set(invoice.amount.currency().code().to_owned()),
        at: Set(invoice.created_at),
        ..Default::default()
    })
}
