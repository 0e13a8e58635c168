//! The customer's account (§15): entries, applications, payments, the remittance code.
//!
//! Amounts move under compare-and-set: an application lowers its credit's `open_minor`
//! only where it still holds that much, and raises its invoice's `amount_paid_minor` only
//! where it still owes that much; either refused is a conflict and the unit of work rolls
//! back. The units that move money on one customer lock the customer's row first
//! ([`lock_customer`]), so that credit and the invoice it meets never pass each other
//! in two transactions.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portal_billing::ports::{OpenItems, PaymentRecord, ReceivablesRepository, RepositoryError};
use portal_domain::BusinessCalendar;
use portal_domain::receivables::{
    CreditSource, EntryKind, LedgerEntry, OpenCredit, OpenInvoice, RemittanceCode,
};
use portal_domain::{
    CustomerId, DocumentKind, Invoice, InvoiceId, InvoiceKey, InvoicePage, Money, Page, PageRequest,
};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, TransactionTrait,
};

use super::SeaOrmStore;
use super::invoices::unique_is_conflict;
use crate::convert::{self, db_err};
use crate::entity::{
    account_entries, account_payments, applications, customers, invoice_lines, invoices,
};

/// Locks `customer`'s row until `txn` ends (PostgreSQL; SQLite writes one at a time).
pub(super) async fn lock_customer(
    txn: &DatabaseTransaction,
    customer: &CustomerId,
) -> Result<(), RepositoryError> {
    customers::Entity::find_by_id(customer.as_str())
        .select_only()
        .column(customers::Column::Id)
        .lock_exclusive()
        .into_tuple::<String>()
        .one(txn)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// Locks `customers`' rows against units that move money until `txn` ends: a group
/// that reads their credit ahead.
pub(super) async fn share_customers(
    txn: &DatabaseTransaction,
    customers: &[&str],
) -> Result<(), RepositoryError> {
    customers::Entity::find()
        .select_only()
        .column(customers::Column::Id)
        .filter(customers::Column::Id.is_in(customers.iter().copied()))
        .order_by_asc(customers::Column::Id)
        .lock_shared()
        .into_tuple::<String>()
        .all(txn)
        .await
        .map_err(db_err)?;
    Ok(())
}

pub(super) async fn open_credits(
    db: &impl ConnectionTrait,
    customer: &CustomerId,
) -> Result<Vec<OpenCredit>, RepositoryError> {
    account_entries::Entity::find()
        .filter(account_entries::Column::CustomerId.eq(customer.as_str()))
        .filter(account_entries::Column::OpenMinor.gt(0))
        .order_by_asc(account_entries::Column::Id)
        .all(db)
        .await
        .map_err(db_err)?
        .into_iter()
        .map(|row| {
            Ok(OpenCredit {
                entry: row.id,
                kind: EntryKind::parse(&row.kind)
                    .ok_or_else(|| convert::corrupt("account entry", &row.kind))?,
                open: convert::money(row.open_minor, &row.currency)?,
                document_id: row.document_id,
            })
        })
        .collect()
}

pub(super) async fn open_invoices(
    db: &impl ConnectionTrait,
    customer: &CustomerId,
) -> Result<Vec<OpenInvoice>, RepositoryError> {
    invoices::Entity::find()
        .filter(invoices::Column::CustomerId.eq(customer.as_str()))
        .filter(invoices::Column::Document.eq(DocumentKind::Invoice.as_str()))
        .filter(
            Expr::col(invoices::Column::AmountMinor)
                .gt(Expr::col(invoices::Column::AmountPaidMinor)),
        )
        .all(db)
        .await
        .map_err(db_err)?
        .into_iter()
        .map(|row| {
            Ok(OpenInvoice {
                id: InvoiceId::parse(&row.id).map_err(|e| convert::corrupt("invoice", e))?,
                due_date: row.due_date,
                amount_due: convert::money(
                    row.amount_minor - row.amount_paid_minor,
                    &row.currency,
                )?,
            })
        })
        .collect()
}

fn payment_record(row: account_payments::Model) -> Result<PaymentRecord, RepositoryError> {
    Ok(PaymentRecord {
        customer_id: CustomerId::parse(&row.customer_id)
            .map_err(|e| convert::corrupt("payment", e))?,
        amount: convert::money(row.amount_minor, &row.currency)?,
        id: row.id,
        reference: row.reference,
        method: row.method,
        paid_at: row.paid_at,
        created_at: row.created_at,
        entry: row.entry_id,
    })
}

/// The periods `document`'s lines name.
fn periods_of(document: &Invoice) -> Vec<String> {
    let mut periods: Vec<String> = document
        .lines
        .iter()
        .filter_map(|l| l.period().map(|p| p.to_string()))
        .collect();
    periods.sort();
    periods.dedup();
    periods
}

/// The customer's documents of kind `document` with a line of one of `periods`.
async fn documents_with_periods(
    db: &impl ConnectionTrait,
    customer: &CustomerId,
    document: DocumentKind,
    periods: Vec<String>,
) -> Result<Vec<invoices::Model>, RepositoryError> {
    if periods.is_empty() {
        return Ok(Vec::new());
    }
    let with_lines = invoice_lines::Entity::find()
        .select_only()
        .column(invoice_lines::Column::InvoiceId)
        .filter(invoice_lines::Column::Period.is_in(periods))
        .into_query();
    invoices::Entity::find()
        .filter(invoices::Column::CustomerId.eq(customer.as_str()))
        .filter(invoices::Column::Document.eq(document.as_str()))
        .filter(invoices::Column::Id.in_subquery(with_lines))
        .order_by_asc(invoices::Column::CreatedAt)
        .order_by_asc(invoices::Column::Id)
        .all(db)
        .await
        .map_err(db_err)
}

fn ids(rows: Vec<invoices::Model>) -> Result<Vec<InvoiceId>, RepositoryError> {
    rows.into_iter()
        .map(|r| InvoiceId::parse(&r.id).map_err(|e| convert::corrupt("invoice", e)))
        .collect()
}

#[async_trait]
impl ReceivablesRepository for SeaOrmStore {
    #[tracing::instrument(name = "store.receivables.open_items", level = "debug", skip_all)]
    async fn open_items(&self, customer: &CustomerId) -> Result<OpenItems, RepositoryError> {
        let txn = self.db.begin().await.map_err(db_err)?;
        let items = OpenItems {
            invoices: open_invoices(&txn, customer).await?,
            credits: open_credits(&txn, customer).await?,
        };
        txn.commit().await.map_err(db_err)?;
        Ok(items)
    }

    async fn earliest_unpaid_due(
        &self,
        customer: &CustomerId,
    ) -> Result<Option<chrono::NaiveDate>, RepositoryError> {
        let due: Option<Option<chrono::NaiveDate>> = invoices::Entity::find()
            .select_only()
            .column_as(invoices::Column::DueDate.min(), "due")
            .filter(invoices::Column::CustomerId.eq(customer.as_str()))
            .filter(invoices::Column::Document.eq(DocumentKind::Invoice.as_str()))
            .filter(
                Expr::col(invoices::Column::AmountMinor)
                    .gt(Expr::col(invoices::Column::AmountPaidMinor)),
            )
            .into_tuple()
            .one(&self.db)
            .await
            .map_err(db_err)?;
        Ok(due.flatten())
    }

    async fn reminder_candidates(
        &self,
        until: chrono::NaiveDate,
    ) -> Result<Vec<(CustomerId, OpenInvoice)>, RepositoryError> {
        invoices::Entity::find()
            .filter(invoices::Column::Document.eq(DocumentKind::Invoice.as_str()))
            .filter(
                Expr::col(invoices::Column::AmountMinor)
                    .gt(Expr::col(invoices::Column::AmountPaidMinor)),
            )
            .filter(invoices::Column::DueDate.lte(until))
            .order_by_asc(invoices::Column::CustomerId)
            .order_by_asc(invoices::Column::DueDate)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|row| {
                Ok((
                    CustomerId::parse(&row.customer_id)
                        .map_err(|e| convert::corrupt("invoice", e))?,
                    OpenInvoice {
                        id: InvoiceId::parse(&row.id)
                            .map_err(|e| convert::corrupt("invoice", e))?,
                        due_date: row.due_date,
                        amount_due: convert::money(
                            row.amount_minor - row.amount_paid_minor,
                            &row.currency,
                        )?,
                    },
                ))
            })
            .collect()
    }

    async fn remittance_code(
        &self,
        customer: &CustomerId,
    ) -> Result<Option<RemittanceCode>, RepositoryError> {
        let code: Option<Option<String>> = customers::Entity::find_by_id(customer.as_str())
            .select_only()
            .column(customers::Column::RemittanceCode)
            .into_tuple()
            .one(&self.db)
            .await
            .map_err(db_err)?;
        code.flatten()
            .map(|c| RemittanceCode::parse(&c).map_err(|e| convert::corrupt("remittance code", e)))
            .transpose()
    }

    async fn assign_remittance_code(
        &self,
        customer: &CustomerId,
        code: &RemittanceCode,
    ) -> Result<RemittanceCode, RepositoryError> {
        customers::Entity::update_many()
            .col_expr(
                customers::Column::RemittanceCode,
                Expr::value(code.as_str()),
            )
            .filter(customers::Column::Id.eq(customer.as_str()))
            .filter(customers::Column::RemittanceCode.is_null())
            .exec(&self.db)
            .await
            .map_err(unique_is_conflict)?;
        self.remittance_code(customer)
            .await?
            .ok_or_else(|| RepositoryError::Other(anyhow::anyhow!("no such customer")))
    }

    async fn customer_of_code(
        &self,
        code: &RemittanceCode,
    ) -> Result<Option<CustomerId>, RepositoryError> {
        let id: Option<String> = customers::Entity::find()
            .select_only()
            .column(customers::Column::Id)
            .filter(customers::Column::RemittanceCode.eq(code.as_str()))
            .into_tuple()
            .one(&self.db)
            .await
            .map_err(db_err)?;
        id.map(|i| CustomerId::parse(&i).map_err(|e| convert::corrupt("customer", e)))
            .transpose()
    }

    async fn payment_by_reference(
        &self,
        reference: &str,
    ) -> Result<Option<PaymentRecord>, RepositoryError> {
        account_payments::Entity::find()
            .filter(account_payments::Column::Reference.eq(reference))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(payment_record)
            .transpose()
    }

    async fn payment_applications(
        &self,
        id: &str,
    ) -> Result<Vec<(InvoiceId, Money)>, RepositoryError> {
        applications::Entity::find()
            .filter(applications::Column::SourceId.eq(id))
            .filter(applications::Column::Source.eq(CreditSource::Payment.as_str()))
            .order_by_asc(applications::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|row| {
                Ok((
                    InvoiceId::parse(&row.invoice_id)
                        .map_err(|e| convert::corrupt("application", e))?,
                    convert::money(row.amount_minor, &row.currency)?,
                ))
            })
            .collect()
    }

    #[tracing::instrument(name = "store.receivables.statement_source", level = "debug", skip_all)]
    async fn statement_source(
        &self,
        customer: &CustomerId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        calendar: &BusinessCalendar,
    ) -> Result<(Money, Vec<LedgerEntry>), RepositoryError> {
        super::statement::source(&self.db, customer, from, to, calendar).await
    }

    async fn credit_notes(
        &self,
        customer: &CustomerId,
        page: &PageRequest<InvoiceKey>,
    ) -> Result<InvoicePage, RepositoryError> {
        let rows =
            super::invoices::page_of(&self.db, customer, DocumentKind::CreditNote, page).await?;
        Ok(Page::from_probe(rows, page.size, InvoiceKey::of))
    }

    async fn credit_note(
        &self,
        customer: &CustomerId,
        id: &InvoiceId,
    ) -> Result<Option<Invoice>, RepositoryError> {
        Ok(Self::load_invoice(&self.db, id, Some(customer))
            .await?
            .filter(|d| d.document == DocumentKind::CreditNote))
    }

    async fn credited_invoices(
        &self,
        customer: &CustomerId,
        credit_note: &Invoice,
    ) -> Result<Vec<InvoiceId>, RepositoryError> {
        let rows = documents_with_periods(
            &self.db,
            customer,
            DocumentKind::Invoice,
            periods_of(credit_note),
        )
        .await?;
        ids(rows
            .into_iter()
            .filter(|r| r.created_at <= credit_note.created_at)
            .collect())
    }

    async fn credit_notes_of(
        &self,
        customer: &CustomerId,
        invoice: &Invoice,
    ) -> Result<Vec<InvoiceId>, RepositoryError> {
        let rows = documents_with_periods(
            &self.db,
            customer,
            DocumentKind::CreditNote,
            periods_of(invoice),
        )
        .await?;
        ids(rows
            .into_iter()
            .filter(|r| r.created_at >= invoice.created_at)
            .collect())
    }
}
