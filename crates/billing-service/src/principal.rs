//! Who is asking: a customer's user with a role, as proven by the token.

use portal_domain::{CustomerId, UserId};

use crate::error::BillingError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// May read and change the customer's account and subscription.
    Admin,
    /// May read everything of the customer, change nothing.
    Member,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub customer_id: CustomerId,
    pub user_id: UserId,
    pub role: Role,
    /// The user's name, when the token carries one (`name`): the history names them.
    pub name: Option<String>,
}

impl Principal {
    pub fn new(customer_id: CustomerId, user_id: UserId, role: Role) -> Self {
        Self {
            customer_id,
            user_id,
            role,
            name: None,
        }
    }

    pub(crate) fn require_admin(&self, action: &'static str) -> Result<(), BillingError> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Member => Err(BillingError::Forbidden(action)),
        }
    }
}

/// One of the platform's own services, from a valid `service` token. Only these may call
/// the billing operations (provisioning, usage ingestion, billing runs, payments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformCaller {
    /// The service's name as given in the token's `user_id`, for logs.
    pub name: String,
}

impl PlatformCaller {
    /// The caller as the audit log's user: its name, or `platform` when the name is not
    /// a user id.
    pub(crate) fn audit_user(&self) -> Result<UserId, crate::error::BillingError> {
        Ok(UserId::parse(&self.name)
            .or_else(|_| UserId::parse("platform"))
            .map_err(anyhow::Error::new)?)
    }
}
