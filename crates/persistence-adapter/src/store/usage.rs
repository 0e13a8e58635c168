//! Usage: events counted once, daily values, seeding.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::HashSet;

use portal_billing::{RepositoryError, UsageRepository};
use portal_domain::billing_ops::daily_deltas;
use portal_domain::product::Metering;
use portal_domain::{CustomerId, DateRange, Product, UsageEvent, UsageRecord};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, TransactionTrait,
};

use crate::convert::{self, db_err};
use crate::entity::{usage_events, usage_logs};

use super::{INSERT_CHUNK, SeaOrmStore};

/// A customer's daily values in `range`, ordered by date, then product, on `db` (the
/// store's connection, or a ledger unit of work's transaction).
pub(super) async fn daily(
    db: &impl ConnectionTrait,
    customer: &CustomerId,
    range: DateRange,
    product: Option<Product>,
) -> Result<Vec<UsageRecord>, RepositoryError> {
    // Only what a record holds: on PostgreSQL the key's index covers it (no table reads).
    let mut query = usage_logs::Entity::find()
        .select_only()
        .columns([
            usage_logs::Column::Date,
            usage_logs::Column::Product,
            usage_logs::Column::Count,
        ])
        .filter(usage_logs::Column::CustomerId.eq(customer.as_str()))
        .filter(usage_logs::Column::Date.gte(range.from()))
        .filter(usage_logs::Column::Date.lte(range.to()));
    if let Some(p) = product {
        query = query.filter(usage_logs::Column::Product.eq(p.as_str()));
    }
    let rows: Vec<(chrono::NaiveDate, String, i64)> = query
        .order_by_asc(usage_logs::Column::Date)
        .order_by_asc(usage_logs::Column::Product)
        .into_tuple()
        .all(db)
        .await
        .map_err(db_err)?;
    rows.into_iter()
        .map(|(date, product, count)| convert::usage_record(date, &product, count))
        .collect()
}

#[async_trait]
impl UsageRepository for SeaOrmStore {
    #[tracing::instrument(name = "store.usage.daily", level = "debug", skip_all)]
    async fn daily(
        &self,
        customer: &CustomerId,
        range: DateRange,
        product: Option<Product>,
    ) -> Result<Vec<UsageRecord>, RepositoryError> {
        daily(&self.db, customer, range, product).await
    }

    #[tracing::instrument(name = "store.usage.ingest", level = "debug", skip_all)]
    async fn ingest(
        &self,
        events: &[UsageEvent],
        received_at: DateTime<Utc>,
    ) -> Result<u64, RepositoryError> {
        let txn = self.db.begin().await.map_err(db_err)?;
        // 1. Record the ids; the primary key lets each through once, ever. Concurrent
        //    replays of an id wait on its index entry and then skip it.
        let mut fresh_ids = HashSet::new();
        for chunk in events.chunks(INSERT_CHUNK) {
            let rows = chunk.iter().map(|e| usage_events::ActiveModel {
                event_id: Set(e.event_id.clone()),
                customer_id: Set(e.customer_id.to_string()),
                product: Set(e.product.as_str().to_owned()),
                count: Set(e.count),
                occurred_at: Set(e.occurred_at),
                received_at: Set(received_at),
            });
            let stmt = usage_events::Entity::insert_many(rows)
                .on_conflict(
                    OnConflict::column(usage_events::Column::EventId)
                        .do_nothing()
                        .to_owned(),
                )
                .into_query()
                .returning_col(usage_events::Column::EventId)
                .to_owned();
            for row in txn.query_all(&stmt).await.map_err(db_err)? {
                let id: String = row.try_get("", "event_id").map_err(db_err)?;
                fresh_ids.insert(id);
            }
        }
        let fresh: Vec<UsageEvent> = events
            .iter()
            .filter(|e| fresh_ids.contains(&e.event_id))
            .cloned()
            .collect();
        // 2. Move the daily values: counted products add, the seat gauge keeps the max.
        let deltas = daily_deltas(&fresh);
        for metering in [Metering::Counted, Metering::Gauge] {
            let rows: Vec<usage_logs::ActiveModel> = deltas
                .iter()
                .filter(|((_, _, product), _)| product.metering() == metering)
                .map(
                    |((customer, date, product), value)| usage_logs::ActiveModel {
                        customer_id: Set(customer.to_string()),
                        date: Set(*date),
                        product: Set(product.as_str().to_owned()),
                        count: Set(*value),
                        updated_at: Set(received_at),
                        ..Default::default()
                    },
                )
                .collect();
            let merged = match metering {
                Metering::Counted => "usage_logs.count + excluded.count",
                Metering::Gauge => {
                    "CASE WHEN excluded.count > usage_logs.count THEN excluded.count ELSE usage_logs.count END"
                }
            };
            for chunk in rows.chunks(INSERT_CHUNK) {
                usage_logs::Entity::insert_many(chunk.to_vec())
                    .on_conflict(
                        OnConflict::columns([
                            usage_logs::Column::CustomerId,
                            usage_logs::Column::Date,
                            usage_logs::Column::Product,
                        ])
                        .value(usage_logs::Column::Count, Expr::cust(merged))
                        .value(
                            usage_logs::Column::UpdatedAt,
                            Expr::cust("excluded.updated_at"),
                        )
                        .to_owned(),
                    )
                    .exec_without_returning(&txn)
                    .await
                    .map_err(db_err)?;
            }
        }
        txn.commit().await.map_err(db_err)?;
        Ok(fresh.len() as u64)
    }

    #[tracing::instrument(name = "store.usage.insert_if_absent", level = "debug", skip_all)]
    async fn insert_if_absent(
        &self,
        customer: &CustomerId,
        records: &[UsageRecord],
    ) -> Result<u64, RepositoryError> {
        let now = Utc::now();
        let mut added = 0;
        let txn = self.db.begin().await.map_err(db_err)?;
        for chunk in records.chunks(INSERT_CHUNK) {
            let rows = chunk.iter().map(|r| usage_logs::ActiveModel {
                customer_id: Set(customer.to_string()),
                date: Set(r.date),
                product: Set(r.product.as_str().to_owned()),
                count: Set(r.count),
                updated_at: Set(now),
                ..Default::default()
            });
            let result = usage_logs::Entity::insert_many(rows)
                .on_conflict_do_nothing_on([
                    usage_logs::Column::CustomerId,
                    usage_logs::Column::Date,
                    usage_logs::Column::Product,
                ])
                .exec_without_returning(&txn)
                .await
                .map_err(db_err)?;
            if let sea_orm::TryInsertResult::Inserted(n) = result {
                added += n;
            }
        }
        txn.commit().await.map_err(db_err)?;
        Ok(added)
    }
}
