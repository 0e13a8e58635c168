//! The plan catalogue.

use async_trait::async_trait;
use portal_domain::{Plan, PlanId};

use super::RepositoryError;

#[async_trait]
pub trait PlanCatalog: Send + Sync {
    /// Every plan, once each. MUST hold each upserted plan as last upserted
    /// (contract: `plans_are_found_and_listed`).
    async fn list(&self) -> Result<Vec<Plan>, RepositoryError>;
    /// MUST return the plan as last upserted, `None` for an unknown id
    /// (`plans_are_found_and_listed`).
    async fn find(&self, id: &PlanId) -> Result<Option<Plan>, RepositoryError>;
    /// Creates the plan or replaces the plan of its id.
    async fn upsert(&self, plan: &Plan) -> Result<(), RepositoryError>;
}
