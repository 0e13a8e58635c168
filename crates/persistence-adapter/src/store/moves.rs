//! What moves money on a customer's account inside a ledger unit of work (§15): an
//! application of credit to an invoice, under compare-and-set on both sides, and a
//! payment received with its credit entry.

use chrono::{DateTime, Utc};
use portal_billing::ports::{NewPayment, PaymentRecord, RepositoryError};
use portal_domain::receivables::{EntryKind, Settlement};
use portal_domain::{CustomerId, DocumentKind, InvoiceStatus};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};

use super::invoices::{advance_sequence, unique_is_conflict};
use crate::convert::{self, db_err};
use crate::entity::{account_entries, account_payments, applications, invoices};

pub(super) async fn apply(
    txn: &DatabaseTransaction,
    customer: &CustomerId,
    settlements: &[Settlement],
    at: DateTime<Utc>,
) -> Result<(), RepositoryError> {
    for s in settlements {
        let amount = convert::minor(&s.amount)?;
        if amount <= 0 {
            return Err(RepositoryError::Conflict);
        }
        let credit = account_entries::Entity::update_many()
            .col_expr(
                account_entries::Column::OpenMinor,
                Expr::col(account_entries::Column::OpenMinor).sub(amount),
            )
            .filter(account_entries::Column::Id.eq(s.entry))
            .filter(account_entries::Column::CustomerId.eq(customer.as_str()))
            .filter(account_entries::Column::OpenMinor.gte(amount))
            .exec(txn)
            .await
            .map_err(db_err)?;
        super::one_row(credit.rows_affected)?;
        let paid = Expr::col(invoices::Column::AmountPaidMinor).add(amount);
        let invoice = invoices::Entity::update_many()
            .col_expr(
                invoices::Column::Status,
                Expr::case(
                    paid.clone().gte(Expr::col(invoices::Column::AmountMinor)),
                    InvoiceStatus::Paid.as_str(),
                )
                .finally(Expr::col(invoices::Column::Status))
                .into(),
            )
            .col_expr(invoices::Column::AmountPaidMinor, paid)
            .filter(invoices::Column::Id.eq(s.invoice_id.as_str()))
            .filter(invoices::Column::CustomerId.eq(customer.as_str()))
            .filter(invoices::Column::Document.eq(DocumentKind::Invoice.as_str()))
            .filter(
                Expr::col(invoices::Column::AmountMinor)
                    .sub(Expr::col(invoices::Column::AmountPaidMinor))
                    .gte(amount),
            )
            .exec(txn)
            .await
            .map_err(db_err)?;
        super::one_row(invoice.rows_affected)?;
        applications::Entity::insert(applications::ActiveModel {
            customer_id: Set(customer.to_string()),
            invoice_id: Set(s.invoice_id.to_string()),
            entry_id: Set(s.entry),
            source: Set(s.source.as_str().to_owned()),
            source_id: Set(s.source_id.clone()),
            amount_minor: Set(amount),
            currency: Set(s.amount.currency().code().to_owned()),
            at: Set(at),
            ..Default::default()
        })
        .exec_without_returning(txn)
        .await
        .map_err(db_err)?;
    }
    Ok(())
}

pub(super) async fn receive(
    txn: &DatabaseTransaction,
    payment: &NewPayment,
) -> Result<PaymentRecord, RepositoryError> {
    let seq = advance_sequence(txn, "PAY", 1).await?;
    let id = format!("PAY{seq:06}");
    let amount = convert::minor(&payment.amount)?;
    let currency = payment.amount.currency().code().to_owned();
    let entry = account_entries::Entity::insert(account_entries::ActiveModel {
        customer_id: Set(payment.customer_id.to_string()),
        kind: Set(EntryKind::Payment.as_str().to_owned()),
        document_id: Set(id.clone()),
        debit_minor: Set(0),
        credit_minor: Set(amount),
        open_minor: Set(amount),
        currency: Set(currency.clone()),
        at: Set(payment.paid_at),
        ..Default::default()
    })
    .exec(txn)
    .await
    .map_err(db_err)?
    .last_insert_id;
    account_payments::Entity::insert(account_payments::ActiveModel {
        id: Set(id.clone()),
        customer_id: Set(payment.customer_id.to_string()),
        entry_id: Set(entry),
        amount_minor: Set(amount),
        currency: Set(currency),
        reference: Set(payment.reference.clone()),
        memo: Set(payment.memo.clone()),
        method: Set(payment.method.clone()),
        paid_at: Set(payment.paid_at),
        created_at: Set(payment.created_at),
        invoice_id: Set(payment.invoice_id.as_ref().map(ToString::to_string)),
    })
    .exec_without_returning(txn)
    .await
    .map_err(unique_is_conflict)?;
    Ok(PaymentRecord {
        id,
        customer_id: payment.customer_id.clone(),
        amount: payment.amount,
        reference: payment.reference.clone(),
        method: payment.method.clone(),
        paid_at: payment.paid_at,
        created_at: payment.created_at,
        entry,
    })
}
