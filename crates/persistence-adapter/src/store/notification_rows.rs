//! How a notification is stored: its notice as a JSON row beside its kind (§11, §15,
//! §16), and read back.

use portal_billing::ports::{Notification, RepositoryError};
use portal_domain::guard::Notice;
use portal_domain::{Currency, CustomerId, DocumentKind, Money, Product};
use sea_orm::ActiveValue::Set;
use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};

use crate::convert::{corrupt, db_err};
use crate::entity::notifications;

fn json_err(e: serde_json::Error) -> RepositoryError {
    RepositoryError::Other(anyhow::Error::new(e))
}

/// A notice as stored: quota crossings carry product, percent, used and included; bill
/// crossings the threshold and the projection in fen; an issued fapiao its number and
/// amount in fen; a reminder or an issued document its id, due date and amount; a payment
/// its id, reference and amount.
#[derive(Default, Serialize, Deserialize)]
struct NoticeRow {
    #[serde(default)]
    product: Option<String>,
    #[serde(default)]
    percent: i64,
    #[serde(default)]
    used: i64,
    #[serde(default)]
    included: i64,
    #[serde(default)]
    threshold_fen: i64,
    #[serde(default)]
    projected_fen: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fapiao_number: Option<String>,
    /// A payment reminder's invoice, due date and whether it is overdue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    invoice_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    due_date: Option<chrono::NaiveDate>,
    #[serde(default)]
    overdue: bool,
    #[serde(default)]
    amount_fen: i64,
    /// A payment received: its id and reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    payment_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reference: Option<String>,
}

fn notice_json(c: &Notice) -> Result<String, RepositoryError> {
    let fen = |m: &Money| m.to_minor().map_err(|e| RepositoryError::Other(e.into()));
    let row = match c {
        Notice::Quota {
            product,
            percent,
            used,
            included,
        } => NoticeRow {
            product: Some(product.as_str().to_owned()),
            percent: *percent,
            used: *used,
            included: *included,
            ..NoticeRow::default()
        },
        Notice::ProjectedBill {
            threshold,
            projected,
        } => NoticeRow {
            product: None,
            percent: 0,
            used: 0,
            included: 0,
            threshold_fen: fen(threshold)?,
            projected_fen: fen(projected)?,
            ..NoticeRow::default()
        },
        Notice::FapiaoIssued {
            fapiao_number,
            amount,
        } => NoticeRow {
            fapiao_number: Some(fapiao_number.clone()),
            amount_fen: fen(amount)?,
            ..NoticeRow::default()
        },
        Notice::PaymentReminder {
            invoice_id,
            amount_due,
            due_date,
            overdue,
        } => NoticeRow {
            invoice_id: Some(invoice_id.clone()),
            due_date: Some(*due_date),
            overdue: *overdue,
            amount_fen: fen(amount_due)?,
            ..NoticeRow::default()
        },
        Notice::DocumentIssued {
            id,
            amount,
            due_date,
            ..
        } => NoticeRow {
            invoice_id: Some(id.clone()),
            due_date: Some(*due_date),
            amount_fen: fen(amount)?,
            ..NoticeRow::default()
        },
        Notice::PaymentReceived {
            payment_id,
            amount,
            reference,
        } => NoticeRow {
            payment_id: Some(payment_id.clone()),
            reference: Some(reference.clone()),
            amount_fen: fen(amount)?,
            ..NoticeRow::default()
        },
    };
    serde_json::to_string(&row).map_err(json_err)
}

/// The row of `n`, unread.
pub(super) fn notification_row(
    customer: &CustomerId,
    n: &Notification,
) -> Result<notifications::ActiveModel, RepositoryError> {
    Ok(notifications::ActiveModel {
        id: Set(n.id.clone()),
        customer_id: Set(customer.to_string()),
        at: Set(n.at),
        kind: Set(n.notice.kind().to_owned()),
        payload: Set(notice_json(&n.notice)?),
        read: Set(false),
    })
}

/// Stores `n` on `db` (the transaction of what it tells of).
pub(super) async fn insert_notification(
    db: &impl sea_orm::ConnectionTrait,
    customer: &CustomerId,
    n: &Notification,
) -> Result<(), RepositoryError> {
    notifications::Entity::insert(notification_row(customer, n)?)
        .exec_without_returning(db)
        .await
        .map_err(db_err)?;
    Ok(())
}

pub(super) fn notification(row: notifications::Model) -> Result<Notification, RepositoryError> {
    let c: NoticeRow =
        serde_json::from_str(&row.payload).map_err(|e| corrupt("notification", e))?;
    let amount = Money::from_minor(c.amount_fen, Currency::Cny);
    let document = match row.kind.as_str() {
        "invoice.issued" => Some(DocumentKind::Invoice),
        "credit_note.issued" => Some(DocumentKind::CreditNote),
        _ => None,
    };
    let crossing = match (c.product, c.fapiao_number) {
        _ if row.kind == "payment.received" => Notice::PaymentReceived {
            payment_id: c.payment_id.unwrap_or_default(),
            amount,
            reference: c.reference.unwrap_or_default(),
        },
        _ if document.is_some() => Notice::DocumentIssued {
            document: document.unwrap_or(DocumentKind::Invoice),
            id: c.invoice_id.unwrap_or_default(),
            amount,
            due_date: c
                .due_date
                .ok_or_else(|| corrupt("notification", "a document without its due date"))?,
        },
        _ if c.invoice_id.is_some() => Notice::PaymentReminder {
            invoice_id: c.invoice_id.unwrap_or_default(),
            amount_due: Money::from_minor(c.amount_fen, Currency::Cny),
            due_date: c
                .due_date
                .ok_or_else(|| corrupt("notification", "a reminder without its due date"))?,
            overdue: c.overdue,
        },
        (_, Some(fapiao_number)) => Notice::FapiaoIssued {
            fapiao_number,
            amount: Money::from_minor(c.amount_fen, Currency::Cny),
        },
        (Some(product), None) => Notice::Quota {
            product: Product::parse(&product).map_err(|e| corrupt("notification", e))?,
            percent: c.percent,
            used: c.used,
            included: c.included,
        },
        (None, None) => Notice::ProjectedBill {
            threshold: Money::from_minor(c.threshold_fen, Currency::Cny),
            projected: Money::from_minor(c.projected_fen, Currency::Cny),
        },
    };
    Ok(Notification {
        id: row.id,
        customer_id: CustomerId::parse(&row.customer_id).map_err(|e| corrupt("notification", e))?,
        at: row.at,
        notice: crossing,
        read: row.read,
    })
}
