//! The spend guard's rows: rules and caps as one JSON document per customer, firings
//! keyed by customer, month and rule (so a rule fires once: the key lets one insert
//! through), notifications with their payload.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use chrono::Utc;
use portal_billing::ports::OutboxMessage;
use portal_billing::ports::{GuardRepository, Notification, RepositoryError};
use portal_domain::guard::{AlertCondition, AlertRule, Cap, Channel, Notice};
use portal_domain::{AuditEntry, Currency, CustomerId, DocumentKind, Money, Month, Product};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use super::SeaOrmStore;
use crate::convert::{corrupt, db_err};
use crate::entity::{alert_firings, alert_rules, caps, notifications};

#[derive(Serialize, Deserialize)]
struct RuleRow {
    kind: String,
    #[serde(default)]
    product: Option<String>,
    #[serde(default)]
    percent: Option<i64>,
    #[serde(default)]
    amount_fen: Option<i64>,
    channels: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct CapRow {
    product: String,
    stop_at_percent: i64,
}

/// A notice as stored: quota crossings carry product, percent, used and included; bill
/// crossings the threshold and the projection in fen; an issued fapiao its number and
/// amount in fen.
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

fn json_err(e: serde_json::Error) -> RepositoryError {
    RepositoryError::Other(anyhow::Error::new(e))
}

fn rules_json(rules: &[AlertRule]) -> Result<String, RepositoryError> {
    let rows: Vec<RuleRow> = rules
        .iter()
        .map(|r| {
            let channels = r.channels.iter().map(|c| c.as_str().to_owned()).collect();
            Ok(match &r.condition {
                AlertCondition::QuotaPercent { product, percent } => RuleRow {
                    kind: r.kind().to_owned(),
                    product: Some(product.as_str().to_owned()),
                    percent: Some(*percent),
                    amount_fen: None,
                    channels,
                },
                AlertCondition::ProjectedAmount { amount } => RuleRow {
                    kind: r.kind().to_owned(),
                    product: None,
                    percent: None,
                    amount_fen: Some(amount.to_minor().map_err(anyhow::Error::new)?),
                    channels,
                },
            })
        })
        .collect::<Result<_, RepositoryError>>()?;
    serde_json::to_string(&rows).map_err(json_err)
}

fn rules_of_json(raw: &str) -> Result<Vec<AlertRule>, RepositoryError> {
    let rows: Vec<RuleRow> = serde_json::from_str(raw).map_err(|e| corrupt("alert rules", e))?;
    rows.into_iter()
        .map(|row| {
            let condition = match (row.kind.as_str(), row.product, row.percent, row.amount_fen) {
                ("quota_percent", Some(product), Some(percent), _) => {
                    AlertCondition::QuotaPercent {
                        product: Product::parse(&product).map_err(|e| corrupt("alert rule", e))?,
                        percent,
                    }
                }
                ("projected_amount", _, _, Some(fen)) => AlertCondition::ProjectedAmount {
                    amount: Money::from_minor(fen, Currency::Cny),
                },
                (kind, ..) => return Err(corrupt("alert rule", kind)),
            };
            let channels: BTreeSet<Channel> = row
                .channels
                .iter()
                .map(|c| Channel::parse(c).ok_or_else(|| corrupt("alert rule channel", c)))
                .collect::<Result<_, _>>()?;
            Ok(AlertRule {
                condition,
                channels,
            })
        })
        .collect()
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

fn notification(row: notifications::Model) -> Result<Notification, RepositoryError> {
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

#[async_trait]
impl GuardRepository for SeaOrmStore {
    #[tracing::instrument(name = "store.guard.alert_rules", level = "debug", skip_all)]
    async fn alert_rules(&self, customer: &CustomerId) -> Result<Vec<AlertRule>, RepositoryError> {
        match alert_rules::Entity::find_by_id(customer.as_str())
            .one(&self.db)
            .await
            .map_err(db_err)?
        {
            Some(row) => rules_of_json(&row.rules),
            None => Ok(Vec::new()),
        }
    }

    #[tracing::instrument(name = "store.guard.rules_of", level = "debug", skip_all)]
    async fn rules_of(
        &self,
        customers: &[CustomerId],
    ) -> Result<BTreeMap<CustomerId, Vec<AlertRule>>, RepositoryError> {
        let rows = alert_rules::Entity::find()
            .filter(alert_rules::Column::CustomerId.is_in(customers.iter().map(|c| c.as_str())))
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let mut out = BTreeMap::new();
        for row in rows {
            let rules = rules_of_json(&row.rules)?;
            if !rules.is_empty() {
                let id =
                    CustomerId::parse(&row.customer_id).map_err(|e| corrupt("alert rules", e))?;
                out.insert(id, rules);
            }
        }
        Ok(out)
    }

    #[tracing::instrument(name = "store.guard.set_alert_rules", level = "debug", skip_all)]
    async fn set_alert_rules(
        &self,
        customer: &CustomerId,
        rules: &[AlertRule],
        audit: &AuditEntry,
    ) -> Result<(), RepositoryError> {
        let document = rules_json(rules)?;
        super::documents::replace_audited(
            &self.db,
            |at| alert_rules::ActiveModel {
                customer_id: Set(customer.to_string()),
                rules: Set(document),
                updated_at: Set(at),
            },
            alert_rules::Column::CustomerId,
            [alert_rules::Column::Rules, alert_rules::Column::UpdatedAt],
            audit,
        )
        .await
    }

    #[tracing::instrument(name = "store.guard.caps", level = "debug", skip_all)]
    async fn caps(&self, customer: &CustomerId) -> Result<Vec<Cap>, RepositoryError> {
        let Some(row) = caps::Entity::find_by_id(customer.as_str())
            .one(&self.db)
            .await
            .map_err(db_err)?
        else {
            return Ok(Vec::new());
        };
        let rows: Vec<CapRow> =
            serde_json::from_str(&row.entries).map_err(|e| corrupt("caps", e))?;
        rows.into_iter()
            .map(|r| {
                Ok(Cap {
                    product: Product::parse(&r.product).map_err(|e| corrupt("cap", e))?,
                    stop_at_percent: r.stop_at_percent,
                })
            })
            .collect()
    }

    #[tracing::instrument(name = "store.guard.set_caps", level = "debug", skip_all)]
    async fn set_caps(
        &self,
        customer: &CustomerId,
        list: &[Cap],
        audit: &AuditEntry,
    ) -> Result<(), RepositoryError> {
        let rows: Vec<CapRow> = list
            .iter()
            .map(|c| CapRow {
                product: c.product.as_str().to_owned(),
                stop_at_percent: c.stop_at_percent,
            })
            .collect();
        let document = serde_json::to_string(&rows).map_err(json_err)?;
        super::documents::replace_audited(
            &self.db,
            |at| caps::ActiveModel {
                customer_id: Set(customer.to_string()),
                entries: Set(document),
                updated_at: Set(at),
            },
            caps::Column::CustomerId,
            [caps::Column::Entries, caps::Column::UpdatedAt],
            audit,
        )
        .await
    }

    #[tracing::instrument(name = "store.guard.fire", level = "debug", skip_all)]
    async fn fire(
        &self,
        customer: &CustomerId,
        month: Month,
        rule_key: &str,
        notification: Option<&Notification>,
        outbox: &[OutboxMessage],
    ) -> Result<bool, RepositoryError> {
        let txn = self.db.begin().await.map_err(db_err)?;
        // The key lets one firing of a rule per month through; a concurrent one waits on
        // the key's index entry and then inserts nothing.
        let inserted = alert_firings::Entity::insert(alert_firings::ActiveModel {
            customer_id: Set(customer.to_string()),
            month: Set(month.to_string()),
            rule_key: Set(rule_key.to_owned()),
            fired_at: Set(Utc::now()),
        })
        .on_conflict(
            OnConflict::columns([
                alert_firings::Column::CustomerId,
                alert_firings::Column::Month,
                alert_firings::Column::RuleKey,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await
        .map_err(db_err)?;
        if inserted == 0 {
            return Ok(false);
        }
        if let Some(n) = notification {
            insert_notification(&txn, customer, n).await?;
        }
        for message in outbox {
            super::outbox::insert(&txn, message).await?;
        }
        txn.commit().await.map_err(db_err)?;
        Ok(true)
    }

    #[tracing::instrument(name = "store.guard.notifications", level = "debug", skip_all)]
    async fn notifications(
        &self,
        customer: &CustomerId,
        limit: u32,
    ) -> Result<(u64, Vec<Notification>), RepositoryError> {
        let unread = notifications::Entity::find()
            .filter(notifications::Column::CustomerId.eq(customer.as_str()))
            .filter(notifications::Column::Read.eq(false))
            .count(&self.db)
            .await
            .map_err(db_err)?;
        let rows = notifications::Entity::find()
            .filter(notifications::Column::CustomerId.eq(customer.as_str()))
            .order_by_desc(notifications::Column::At)
            .order_by_desc(notifications::Column::Id)
            .limit(u64::from(limit))
            .all(&self.db)
            .await
            .map_err(db_err)?;
        let list = rows
            .into_iter()
            .map(notification)
            .collect::<Result<_, _>>()?;
        Ok((unread, list))
    }

    #[tracing::instrument(name = "store.guard.mark_read", level = "debug", skip_all)]
    async fn mark_read(
        &self,
        customer: &CustomerId,
        id: &str,
    ) -> Result<Option<Notification>, RepositoryError> {
        notifications::Entity::update_many()
            .col_expr(notifications::Column::Read, Expr::value(true))
            .filter(notifications::Column::Id.eq(id))
            .filter(notifications::Column::CustomerId.eq(customer.as_str()))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        notifications::Entity::find_by_id(id)
            .filter(notifications::Column::CustomerId.eq(customer.as_str()))
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(notification)
            .transpose()
    }

    #[tracing::instrument(name = "store.guard.mark_all_read", level = "debug", skip_all)]
    async fn mark_all_read(&self, customer: &CustomerId) -> Result<u64, RepositoryError> {
        Ok(notifications::Entity::update_many()
            .col_expr(notifications::Column::Read, Expr::value(true))
            .filter(notifications::Column::CustomerId.eq(customer.as_str()))
            .filter(notifications::Column::Read.eq(false))
            .exec(&self.db)
            .await
            .map_err(db_err)?
            .rows_affected)
    }
}
