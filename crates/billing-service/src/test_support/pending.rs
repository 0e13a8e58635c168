//! What an in-memory ledger unit of work sees of the account before it commits: the
//! state's open credits and invoices with the documents and payments it wrote.

use std::collections::HashMap;

use portal_domain::receivables::{EntryKind, OpenCredit, OpenInvoice};
use portal_domain::{CustomerId, DocumentKind, InvoiceId, NewInvoice};

use crate::ports::{NewPayment, PaymentRecord, RepositoryError};

/// A customer's open credits by entry and open invoices by id.
pub(super) type AccountView = (HashMap<i64, OpenCredit>, HashMap<InvoiceId, OpenInvoice>);

/// The next number of counter `key`: the state's, after those this unit took.
pub(super) fn next_number(
    state: &super::State,
    pending: &[(NewInvoice, i64, InvoiceId)],
    key: &str,
) -> Result<u32, RepositoryError> {
    let mut taken = 0;
    for (new, _, _) in pending {
        if new.numbering_key().map_err(anyhow::Error::new)? == key {
            taken += 1;
        }
    }
    Ok(state.sequences.get(key).copied().unwrap_or(0) + taken + 1)
}

/// The customer's open credits and invoices in `state` with `invoices` (named as `ids`
/// maps their told ids) and `payments` added.
pub(super) fn view_of(
    state: &super::State,
    customer: &CustomerId,
    invoices: &[(NewInvoice, i64, InvoiceId)],
    payments: &[(PaymentRecord, NewPayment)],
    ids: &HashMap<InvoiceId, InvoiceId>,
) -> Result<AccountView, RepositoryError> {
    let mut holds: HashMap<i64, OpenCredit> = state
        .account
        .open_credits(customer)
        .into_iter()
        .map(|c| (c.entry, c))
        .collect();
    let mut owes: HashMap<InvoiceId, OpenInvoice> = super::account::open_invoices(state, customer)
        .into_iter()
        .map(|i| (i.id.clone(), i))
        .collect();
    for (new, entry, told) in invoices {
        let total = new.total().map_err(anyhow::Error::new)?;
        let id = ids.get(told).cloned().unwrap_or_else(|| told.clone());
        match new.document().map_err(anyhow::Error::new)? {
            DocumentKind::CreditNote => {
                holds.insert(
                    *entry,
                    OpenCredit {
                        entry: *entry,
                        kind: EntryKind::CreditNote,
                        document_id: id.to_string(),
                        open: total.negated(),
                    },
                );
            }
            DocumentKind::Invoice if !total.is_zero() => {
                owes.insert(
                    id.clone(),
                    OpenInvoice {
                        id,
                        due_date: new.due_date,
                        amount_due: total,
                    },
                );
            }
            DocumentKind::Invoice => {}
        }
    }
    for (record, _) in payments {
        holds.insert(
            record.entry,
            OpenCredit {
                entry: record.entry,
                kind: EntryKind::Payment,
                document_id: record.id.clone(),
                open: record.amount,
            },
        );
    }
    Ok((holds, owes))
}
