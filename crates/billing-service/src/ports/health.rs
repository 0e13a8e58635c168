//! Whether the source of truth answers.

use async_trait::async_trait;

/// Whether the source of truth answers.
#[async_trait]
pub trait HealthProbe: Send + Sync {
    async fn ready(&self) -> bool;
}
