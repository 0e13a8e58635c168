//! The plan catalogue.

use async_trait::async_trait;
use portal_domain::{Plan, PlanId};

use super::RepositoryError;

#[async_trait]
pub trait PlanCatalog: Send + Sync {
    async fn list(&self) -> Result<Vec<Plan>, RepositoryError>;
    async fn find(&self, id: &PlanId) -> Result<Option<Plan>, RepositoryError>;
    async fn upsert(&self, plan: &Plan) -> Result<(), RepositoryError>;
}
