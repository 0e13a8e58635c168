//! The audit trail, and who made a change.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use portal_domain::{AuditKey, AuditPage, CustomerId, PageRequest, UserId};

use super::RepositoryError;

/// Who made a change through the portal, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    /// The user's name when the token carried one.
    pub user_name: Option<String>,
    pub at: DateTime<Utc>,
}

/// The audit trail of a customer.
#[async_trait]
pub trait AuditRepository: Send + Sync {
    /// A page of the customer's entries, newest first (highest [`AuditKey`] first), those
    /// below `page.after`. MUST hold at most `page.size` entries, only the customer's,
    /// and set `next` to the last one's key exactly when more follow, so that following
    /// `next` from the first page lists each entry once.
    async fn list(
        &self,
        customer: &CustomerId,
        page: &PageRequest<AuditKey>,
    ) -> Result<AuditPage, RepositoryError>;
}
