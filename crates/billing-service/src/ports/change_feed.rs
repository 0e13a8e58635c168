//! Telling the other instances what changed here.

use async_trait::async_trait;
use portal_domain::CustomerId;

/// Tells the other instances that customers' entitlements changed here (their usage,
/// caps or plan), so they forget what they keep of them at once rather than when it
/// expires. Best effort: what is missed still expires within its bound.
#[async_trait]
pub trait ChangeFeed: Send + Sync {
    async fn customers_changed(&self, customers: &[CustomerId]);
}

/// No other instance to tell (one process, in-process cache).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoChangeFeed;

#[async_trait]
impl ChangeFeed for NoChangeFeed {
    async fn customers_changed(&self, _customers: &[CustomerId]) {}
}
