//! The change feed on Redis pub/sub: an instance that changes a customer's usage, caps or
//! plan publishes the customer's id on [`CHANNEL`]; every instance listens and forgets
//! what it keeps of that customer in process (the entitlement answers), so a change made
//! through one instance is seen by the others at once, not when their copies expire.
//! With a Redis Cluster the first node carries it (the cluster relays PUBLISH to every
//! node). Best effort: a message lost while Redis is down still expires within its bound.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use deadpool_redis::redis;
use futures::StreamExt;
use portal_billing::ChangeFeed;
use portal_domain::CustomerId;
use tokio::sync::Mutex;

use super::kv::CacheError;

/// The channel of the platform's instances.
pub const CHANNEL: &str = "portal:changes";
/// How long a publish may take before it is given up.
const PUBLISH_TIMEOUT: Duration = Duration::from_millis(50);
/// How long the listener waits before it reconnects after losing Redis.
const RECONNECT_AFTER: Duration = Duration::from_millis(500);

/// Publishes and listens on [`CHANNEL`].
#[derive(Clone)]
pub struct RedisChangeFeed {
    client: redis::Client,
    publisher: Arc<Mutex<Option<redis::aio::MultiplexedConnection>>>,
}

impl RedisChangeFeed {
    /// For `REDIS_URL` (its first node when it lists a cluster's). Connects lazily.
    pub fn new(redis_url: &str) -> Result<Self, CacheError> {
        let first = redis_url.split(',').next().unwrap_or(redis_url).trim();
        let client = redis::Client::open(first).map_err(|e| CacheError::Backend(e.to_string()))?;
        Ok(Self {
            client,
            publisher: Arc::default(),
        })
    }

    async fn publish(&self, message: String) -> Result<(), CacheError> {
        let mut slot = self.publisher.lock().await;
        let mut conn = match slot.as_ref() {
            Some(conn) => conn.clone(),
            None => {
                let conn = self
                    .client
                    .get_multiplexed_async_connection()
                    .await
                    .map_err(|e| CacheError::Backend(e.to_string()))?;
                *slot = Some(conn.clone());
                conn
            }
        };
        drop(slot);
        let mut cmd = redis::cmd("PUBLISH");
        cmd.arg(CHANNEL).arg(message);
        let sent = tokio::time::timeout(PUBLISH_TIMEOUT, cmd.query_async::<i64>(&mut conn)).await;
        match sent {
            Ok(Ok(_)) => Ok(()),
            failed => {
                *self.publisher.lock().await = None;
                Err(match failed {
                    Ok(Err(e)) => CacheError::Backend(e.to_string()),
                    _ => CacheError::Timeout,
                })
            }
        }
    }

    /// Calls `on_change` with the customers of every message published by any instance
    /// (this one's too) until the task is dropped; reconnects after a failure.
    pub fn listen(
        &self,
        on_change: impl Fn(Vec<CustomerId>) + Send + Sync + 'static,
    ) -> tokio::task::JoinHandle<()> {
        let client = self.client.clone();
        tokio::spawn(async move {
            loop {
                match client.get_async_pubsub().await {
                    Ok(mut pubsub) => match pubsub.subscribe(CHANNEL).await {
                        Ok(()) => {
                            tracing::debug!("listening for changes of other instances");
                            let mut messages = pubsub.on_message();
                            while let Some(message) = messages.next().await {
                                let Ok(payload) = message.get_payload::<String>() else {
                                    continue;
                                };
                                on_change(parse(&payload));
                            }
                        }
                        Err(e) => tracing::warn!(error = %e, "change feed not subscribed"),
                    },
                    Err(e) => tracing::debug!(error = %e, "change feed not reached"),
                }
                tokio::time::sleep(RECONNECT_AFTER).await;
            }
        })
    }
}

/// The customers of a message: their ids, space-separated.
fn parse(payload: &str) -> Vec<CustomerId> {
    payload
        .split_whitespace()
        .filter_map(|id| CustomerId::parse(id).ok())
        .collect()
}

#[async_trait]
impl ChangeFeed for RedisChangeFeed {
    #[tracing::instrument(name = "cache.changes.customers_changed", level = "debug", skip_all)]
    async fn customers_changed(&self, customers: &[CustomerId]) {
        if customers.is_empty() {
            return;
        }
        let message = customers
            .iter()
            .map(CustomerId::as_str)
            .collect::<Vec<_>>()
            .join(" ");
        if let Err(e) = self.publish(message).await {
            tracing::debug!(error = %e, "change not published; other instances catch up within their bound");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_names_valid_customers_only() {
        let ids: Vec<String> = parse("cust_a cust_b ../x")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(ids, ["cust_a", "cust_b"]);
    }
}
