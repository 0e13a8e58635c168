//! The spend guard's rows: rules and caps as one JSON document per customer, firings
//! keyed by customer, month and rule (so a rule fires once: the key lets one insert
//! through), notifications with their payload.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use chrono::Utc;
use portal_billing::ports::OutboxMessage;
use portal_billing::ports::{GuardRepository, Notification, RepositoryError};
use portal_domain::guard::{AlertCondition, AlertRule, Cap, Channel};
use portal_domain::{AuditEntry, Currency, CustomerId, Money, Month, Product};
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
            super::notification_rows::insert_notification(&txn, customer, n).await?;
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
            .map(super::notification_rows::notification)
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
            .map(super::notification_rows::notification)
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
