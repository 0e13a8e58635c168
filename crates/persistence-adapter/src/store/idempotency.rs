//! Idempotency keys: claims, stored answers, takeover of stale claims, purge.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use portal_billing::{IdempotencyRepository, KeyClaim, RepositoryError};
use portal_domain::CustomerId;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::convert::db_err;
use crate::entity::idempotency_keys;

use super::SeaOrmStore;

/// Claims `key` on `db` (the store's pool, or a unit of work's transaction), as
/// [`IdempotencyRepository::claim`] promises. In a transaction the claim is stored with it;
/// a concurrent claim of the same key waits on the unique index until it ends.
pub(super) async fn claim_on<C: ConnectionTrait>(
    db: &C,
    customer: &CustomerId,
    key: &str,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> Result<KeyClaim, RepositoryError> {
    let inserted = idempotency_keys::Entity::insert(idempotency_keys::ActiveModel {
        customer_id: Set(customer.to_string()),
        key: Set(key.to_owned()),
        fingerprint: Set(fingerprint.to_owned()),
        response: Set(None),
        created_at: Set(now),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(db)
    .await
    .map_err(db_err)?;
    if matches!(inserted, sea_orm::TryInsertResult::Inserted(n) if n > 0) {
        return Ok(KeyClaim::Claimed);
    }
    let row = idempotency_keys::Entity::find_by_id((customer.to_string(), key.to_owned()))
        .one(db)
        .await
        .map_err(db_err)?
        .ok_or_else(|| RepositoryError::Other(anyhow::anyhow!("idempotency key vanished")))?;
    match row.response {
        Some(response) => Ok(KeyClaim::Completed {
            fingerprint: row.fingerprint,
            response: response.into_bytes(),
        }),
        None if now - row.created_at > portal_billing::ports::STALE_CLAIM
            && row.fingerprint == fingerprint =>
        {
            // Take over an abandoned claim, unless another retry did first.
            let taken = idempotency_keys::Entity::update_many()
                .col_expr(idempotency_keys::Column::CreatedAt, Expr::value(now))
                .filter(idempotency_keys::Column::CustomerId.eq(customer.as_str()))
                .filter(idempotency_keys::Column::Key.eq(key))
                .filter(idempotency_keys::Column::CreatedAt.eq(row.created_at))
                .filter(idempotency_keys::Column::Response.is_null())
                .exec(db)
                .await
                .map_err(db_err)?;
            Ok(if taken.rows_affected == 1 {
                KeyClaim::Claimed
            } else {
                KeyClaim::InProgress {
                    fingerprint: row.fingerprint,
                }
            })
        }
        None => Ok(KeyClaim::InProgress {
            fingerprint: row.fingerprint,
        }),
    }
}

/// Stores `response` as the answer of the customer's claimed `key`, on `db`.
pub(super) async fn answer_on<C: ConnectionTrait>(
    db: &C,
    customer: &CustomerId,
    key: &str,
    response: &[u8],
) -> Result<(), RepositoryError> {
    let text = String::from_utf8(response.to_vec())
        .map_err(|e| RepositoryError::Other(anyhow::Error::new(e)))?;
    idempotency_keys::Entity::update_many()
        .col_expr(idempotency_keys::Column::Response, Expr::value(Some(text)))
        .filter(idempotency_keys::Column::CustomerId.eq(customer.as_str()))
        .filter(idempotency_keys::Column::Key.eq(key))
        .exec(db)
        .await
        .map_err(db_err)?;
    Ok(())
}

#[async_trait]
impl IdempotencyRepository for SeaOrmStore {
    #[tracing::instrument(name = "store.idempotency.claim", level = "debug", skip_all)]
    async fn claim(
        &self,
        customer: &CustomerId,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<KeyClaim, RepositoryError> {
        claim_on(&self.db, customer, key, fingerprint, now).await
    }

    #[tracing::instrument(
        name = "store.idempotency.purge_claimed_before",
        level = "debug",
        skip_all
    )]
    async fn purge_claimed_before(&self, cutoff: DateTime<Utc>) -> Result<u64, RepositoryError> {
        let deleted = idempotency_keys::Entity::delete_many()
            .filter(idempotency_keys::Column::CreatedAt.lt(cutoff))
            .exec(&self.db)
            .await
            .map_err(db_err)?;
        Ok(deleted.rows_affected)
    }
}
