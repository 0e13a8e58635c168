//! Invoices: numbering, lines, payments, overdue.

use async_trait::async_trait;

use chrono::NaiveDate;
use portal_billing::{InvoiceRepository, RepositoryError};
use portal_domain::{
    CustomerId, DocumentKind, Invoice, InvoiceId, InvoiceKey, InvoicePage, InvoiceStatus,
    InvoiceSummary, Money, Month, NewInvoice, Page, PageRequest, Payment,
};

use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Select, SqlErr, TransactionTrait,
};

use crate::convert::{self, db_err};
use crate::entity::{account_entries, account_payments, applications, invoice_lines, invoices};

use super::{INSERT_CHUNK, SeaOrmStore};

/// Adds `by` to counter `month` (a month's invoices, `CN…` its credit notes, `PAY` the
/// payments; created at `by`) and answers its new last number. The counter row stays locked until `txn` ends, so numbers are handed out one
/// at a time and a rollback returns them.
pub(super) async fn advance_sequence(
    txn: &DatabaseTransaction,
    month: &str,
    by: i64,
) -> Result<u32, RepositoryError> {
    let table = Alias::new("invoice_sequences");
    let last = Alias::new("last_seq");
    let stmt = Query::insert()
        .into_table(table.clone())
        .columns([Alias::new("month"), last.clone()])
        .values([month.into(), by.into()])
        .map_err(|e| RepositoryError::Other(anyhow::Error::new(e)))?
        .on_conflict(
            OnConflict::column(Alias::new("month"))
                .value(last.clone(), Expr::col((table, last.clone())).add(by))
                .to_owned(),
        )
        .returning_col(last)
        .to_owned();
    let row = txn
        .query_one(&stmt)
        .await
        .map_err(db_err)?
        .ok_or_else(|| RepositoryError::Other(anyhow::anyhow!("no sequence returned")))?;
    let seq: i64 = row.try_get("", "last_seq").map_err(db_err)?;
    u32::try_from(seq).map_err(|e| RepositoryError::Other(anyhow::Error::new(e)))
}

/// Locks `month`'s invoice counter for the rest of `txn` (creating it at 0) and answers
/// its last number: a group that numbers its invoices itself ([`set_invoice_sequence`]
/// stores where it got to) while everyone else's next number waits for `txn` to end.
pub(super) async fn lock_invoice_sequence(
    txn: &DatabaseTransaction,
    month: &str,
) -> Result<u32, RepositoryError> {
    advance_sequence(txn, month, 0).await
}

/// Stores `last` as `month`'s last invoice number, in the `txn` that locked it.
pub(super) async fn set_invoice_sequence(
    txn: &DatabaseTransaction,
    month: &str,
    last: u32,
) -> Result<(), RepositoryError> {
    let stmt = Query::update()
        .table(Alias::new("invoice_sequences"))
        .value(Alias::new("last_seq"), i64::from(last))
        .and_where(Expr::col(Alias::new("month")).eq(month))
        .to_owned();
    txn.execute(&stmt).await.map_err(db_err)?;
    Ok(())
}

/// An insert refused by a unique index is a conflict: a period's first invoice exists
/// already (the partial unique index).
pub(super) fn unique_is_conflict(e: sea_orm::DbErr) -> RepositoryError {
    match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => RepositoryError::Conflict,
        _ => db_err(e),
    }
}

/// The rows of `new` numbered `seq` of its month, and the invoice they store.
pub(super) fn invoice_rows(
    new: &NewInvoice,
    seq: u32,
) -> Result<
    (
        invoices::ActiveModel,
        Vec<invoice_lines::ActiveModel>,
        Invoice,
    ),
    RepositoryError,
> {
    let money_err = |e| RepositoryError::Other(anyhow::Error::new(e));
    let id = new.number(seq).map_err(money_err)?;
    let total = new.total().map_err(money_err)?;
    let document = new.document().map_err(money_err)?;
    let status = match document {
        DocumentKind::Invoice => new.status,
        DocumentKind::CreditNote => InvoiceStatus::Issued,
    };
    let row = invoices::ActiveModel {
        id: Set(id.to_string()),
        customer_id: Set(new.customer_id.to_string()),
        period: Set(new.period.to_string()),
        kind: Set(new.kind.as_str().to_owned()),
        status: Set(status.as_str().to_owned()),
        amount_minor: Set(convert::minor(&total)?),
        currency: Set(new.currency.code().to_owned()),
        created_at: Set(new.created_at),
        due_date: Set(new.due_date),
        document: Set(document.as_str().to_owned()),
        amount_paid_minor: Set(0),
    };
    let lines = new
        .lines
        .iter()
        .enumerate()
        .map(|(position, line)| convert::invoice_line_row(id.as_str(), position, line))
        .collect::<Result<Vec<_>, _>>()?;
    let invoice = Invoice {
        id,
        customer_id: new.customer_id.clone(),
        period: new.period,
        kind: new.kind,
        status,
        amount: total,
        lines: new.lines.clone(),
        created_at: new.created_at,
        due_date: new.due_date,
        payments: Vec::new(),
        document,
        amount_paid: Money::zero(new.currency),
        applications: Vec::new(),
    };
    Ok((row, lines, invoice))
}

impl SeaOrmStore {
    async fn lines_of(
        db: &impl ConnectionTrait,
        invoice_id: &str,
    ) -> Result<Vec<invoice_lines::Model>, RepositoryError> {
        invoice_lines::Entity::find()
            .filter(invoice_lines::Column::InvoiceId.eq(invoice_id))
            .order_by_asc(invoice_lines::Column::Position)
            .all(db)
            .await
            .map_err(db_err)
    }

    /// Numbers and stores a document with its lines and its account entry inside `txn`.
    pub(crate) async fn insert_invoice(
        txn: &DatabaseTransaction,
        new: &NewInvoice,
    ) -> Result<Invoice, RepositoryError> {
        let key = new
            .numbering_key()
            .map_err(|e| RepositoryError::Other(anyhow::Error::new(e)))?;
        let seq = advance_sequence(txn, &key, 1).await?;
        let (row, line_rows, invoice) = invoice_rows(new, seq)?;
        invoices::Entity::insert(row)
            .exec_without_returning(txn)
            .await
            .map_err(unique_is_conflict)?;
        account_entries::Entity::insert(super::entries::document_entry(&invoice)?)
            .exec_without_returning(txn)
            .await
            .map_err(db_err)?;
        for chunk in line_rows.chunks(INSERT_CHUNK) {
            invoice_lines::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(txn)
                .await
                .map_err(db_err)?;
        }
        Ok(invoice)
    }

    /// The payments reported for `invoice_id` (§9), as its `payments`.
    async fn payments_of(
        db: &impl ConnectionTrait,
        invoice_id: &str,
    ) -> Result<Vec<Payment>, RepositoryError> {
        account_payments::Entity::find()
            .filter(account_payments::Column::InvoiceId.eq(invoice_id))
            .order_by_asc(account_payments::Column::CreatedAt)
            .order_by_asc(account_payments::Column::Id)
            .all(db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|row| {
                Ok(Payment {
                    amount: convert::money(row.amount_minor, &row.currency)?,
                    reference: row.memo.or(row.reference).unwrap_or_default(),
                    paid_at: row.paid_at,
                })
            })
            .collect()
    }

    async fn applications_of(
        db: &impl ConnectionTrait,
        invoice_id: &str,
    ) -> Result<Vec<applications::Model>, RepositoryError> {
        applications::Entity::find()
            .filter(applications::Column::InvoiceId.eq(invoice_id))
            .order_by_asc(applications::Column::Id)
            .all(db)
            .await
            .map_err(db_err)
    }

    /// The invoice `id` with its lines and payments, scoped to `customer` when given.
    pub(crate) async fn load_invoice(
        db: &impl ConnectionTrait,
        id: &InvoiceId,
        customer: Option<&CustomerId>,
    ) -> Result<Option<Invoice>, RepositoryError> {
        let mut query = invoices::Entity::find_by_id(id.as_str());
        if let Some(customer) = customer {
            query = query.filter(invoices::Column::CustomerId.eq(customer.as_str()));
        }
        let Some(row) = query.one(db).await.map_err(db_err)? else {
            return Ok(None);
        };
        let lines = Self::lines_of(db, &row.id).await?;
        let payments = Self::payments_of(db, &row.id).await?;
        let applied = Self::applications_of(db, &row.id).await?;
        convert::invoice(row, lines, payments, applied).map(Some)
    }
}

/// The customer's documents of kind `document`, newest first (by creation time, then
/// number).
fn newest_first(customer: &CustomerId, document: DocumentKind) -> Select<invoices::Entity> {
    invoices::Entity::find()
        .filter(invoices::Column::CustomerId.eq(customer.as_str()))
        .filter(invoices::Column::Document.eq(document.as_str()))
        .order_by_desc(invoices::Column::CreatedAt)
        .order_by_desc(invoices::Column::Id)
}

/// The invoices listed after `key` newest first: `(created_at, id) < key`.
fn below(key: &InvoiceKey) -> Condition {
    let (created_at, id) = (invoices::Column::CreatedAt, invoices::Column::Id);
    Condition::any().add(created_at.lt(key.created_at)).add(
        Condition::all()
            .add(created_at.eq(key.created_at))
            .add(id.lt(key.id.as_str())),
    )
}

impl SeaOrmStore {
    /// Every invoice of the customer, newest first: the cache's copy of the list.
    pub(crate) async fn all_invoices(
        &self,
        customer: &CustomerId,
    ) -> Result<Vec<InvoiceSummary>, RepositoryError> {
        newest_first(customer, DocumentKind::Invoice)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .iter()
            .map(convert::invoice_summary)
            .collect()
    }
}

/// A page of the customer's documents of kind `document`, newest first, with one more
/// than the page: whether it is read tells whether another page follows.
pub(super) async fn page_of(
    db: &impl ConnectionTrait,
    customer: &CustomerId,
    document: DocumentKind,
    page: &PageRequest<InvoiceKey>,
) -> Result<Vec<InvoiceSummary>, RepositoryError> {
    let mut query = newest_first(customer, document);
    if let Some(after) = &page.after {
        query = query.filter(below(after));
    }
    query
        .limit(u64::from(page.size.get()) + 1)
        .all(db)
        .await
        .map_err(db_err)?
        .iter()
        .map(convert::invoice_summary)
        .collect()
}

#[async_trait]
impl InvoiceRepository for SeaOrmStore {
    #[tracing::instrument(name = "store.invoices.list", level = "debug", skip_all)]
    async fn list(
        &self,
        customer: &CustomerId,
        page: &PageRequest<InvoiceKey>,
    ) -> Result<InvoicePage, RepositoryError> {
        let rows = page_of(&self.db, customer, DocumentKind::Invoice, page).await?;
        Ok(Page::from_probe(rows, page.size, InvoiceKey::of))
    }

    #[tracing::instrument(name = "store.invoices.find", level = "debug", skip_all)]
    async fn find(
        &self,
        customer: &CustomerId,
        id: &InvoiceId,
    ) -> Result<Option<Invoice>, RepositoryError> {
        Ok(Self::load_invoice(&self.db, id, Some(customer))
            .await?
            .filter(|i| i.document == DocumentKind::Invoice))
    }

    #[tracing::instrument(name = "store.invoices.documents_of", level = "debug", skip_all)]
    async fn documents_of(
        &self,
        customer: &CustomerId,
        from: Month,
        to: Month,
    ) -> Result<Vec<Invoice>, RepositoryError> {
        // `YYYY-MM` orders as text as it does in time.
        let rows = invoices::Entity::find()
            .filter(invoices::Column::CustomerId.eq(customer.as_str()))
            .filter(invoices::Column::Period.gte(from.to_string()))
            .filter(invoices::Column::Period.lte(to.to_string()))
            .order_by_asc(invoices::Column::CreatedAt)
            .order_by_asc(invoices::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?;
        // The lines of a chunk of documents at a time, in their order.
        let mut lines: std::collections::HashMap<String, Vec<invoice_lines::Model>> =
            std::collections::HashMap::new();
        for chunk in rows.chunks(500) {
            let ids = chunk.iter().map(|r| r.id.clone());
            for line in invoice_lines::Entity::find()
                .filter(invoice_lines::Column::InvoiceId.is_in(ids))
                .order_by_asc(invoice_lines::Column::InvoiceId)
                .order_by_asc(invoice_lines::Column::Position)
                .all(&self.db)
                .await
                .map_err(db_err)?
            {
                lines.entry(line.invoice_id.clone()).or_default().push(line);
            }
        }
        rows.into_iter()
            .map(|row| {
                let own = lines.remove(&row.id).unwrap_or_default();
                convert::invoice(row, own, Vec::new(), Vec::new())
            })
            .collect()
    }

    #[tracing::instrument(name = "store.invoices.mark_overdue", level = "debug", skip_all)]
    async fn mark_overdue(
        &self,
        today: NaiveDate,
        announce: &portal_billing::ports::Announce<'_>,
    ) -> Result<u64, RepositoryError> {
        let txn = self.db.begin().await.map_err(db_err)?;
        let past_due = invoices::Entity::find()
            .filter(invoices::Column::Status.eq(InvoiceStatus::Pending.as_str()))
            .filter(invoices::Column::DueDate.lt(today))
            // Only an invoice that still owes something: never a credit note.
            .filter(invoices::Column::Document.eq(DocumentKind::Invoice.as_str()))
            .filter(
                Expr::col(invoices::Column::AmountMinor)
                    .gt(Expr::col(invoices::Column::AmountPaidMinor)),
            )
            .lock_exclusive()
            .all(&txn)
            .await
            .map_err(db_err)?;
        let mut marked = 0;
        for row in past_due {
            let result = invoices::Entity::update_many()
                .col_expr(
                    invoices::Column::Status,
                    Expr::value(InvoiceStatus::Overdue.as_str()),
                )
                .filter(invoices::Column::Id.eq(row.id.as_str()))
                .filter(invoices::Column::Status.eq(InvoiceStatus::Pending.as_str()))
                .exec(&txn)
                .await
                .map_err(db_err)?;
            if result.rows_affected == 0 {
                continue;
            }
            marked += 1;
            let id = InvoiceId::parse(&row.id).map_err(|e| convert::corrupt("invoice id", e))?;
            if let Some(invoice) = Self::load_invoice(&txn, &id, None).await?
                && let Some(message) = announce(&invoice)
            {
                super::outbox::insert(&txn, &message).await?;
            }
        }
        txn.commit().await.map_err(db_err)?;
        Ok(marked)
    }

    #[tracing::instrument(name = "store.invoices.find_any", level = "debug", skip_all)]
    async fn find_any(&self, id: &InvoiceId) -> Result<Option<Invoice>, RepositoryError> {
        Self::load_invoice(&self.db, id, None).await
    }
}
