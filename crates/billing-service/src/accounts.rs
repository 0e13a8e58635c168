//! [`Accounts`]: the customer's account (see and edit it, with an `ETag` and
//! `If-Match`), its change history, and the platform's provisioning of accounts.

use std::sync::Arc;

use portal_domain::{
    AccountChanges, AuditKey, AuditPage, Customer, CustomerId, FieldErrors, NewCustomer,
    PageRequest,
};
use tracing::instrument;

use crate::ports::{Actor, AuditRepository, CustomerRepository, RepositoryError};
use crate::principal::{PlatformCaller, Principal};
use crate::time::BusinessTime;

crate::error::capability_error!(
    /// What an account use case can end in.
    AccountError,
    conflict: "the account was changed by another request; reload it and try again"
);

/// How often an account edit without If-Match is tried when a concurrent edit wins the
/// version compare: each retry reads the row again, so with few writers one succeeds.
const UNCONDITIONAL_EDIT_ATTEMPTS: u32 = 5;

/// An account edit as submitted: any of the fields, not yet validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountEdit {
    pub company_name: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
}

pub struct Accounts {
    pub(crate) customers: Arc<dyn CustomerRepository>,
    pub(crate) audit: Arc<dyn AuditRepository>,
    pub(crate) time: BusinessTime,
}

impl Accounts {
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn account(&self, principal: &Principal) -> Result<Customer, AccountError> {
        self.customers
            .find(&principal.customer_id)
            .await?
            .ok_or(AccountError::NotFound("account"))
    }

    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn update_account(
        &self,
        principal: &Principal,
        edit: AccountEdit,
        if_match: Option<&str>,
    ) -> Result<Customer, AccountError> {
        principal.require_admin("change the account")?;
        let expected_version = match if_match.map(str::trim) {
            None | Some("*") => None,
            Some(tag) => Some(version_of_etag(tag).ok_or_else(|| {
                AccountError::PreconditionFailed(
                    "If-Match does not name a version of the account".into(),
                )
            })?),
        };
        let changes = AccountChanges::parse(
            edit.company_name.as_deref(),
            edit.contact_name.as_deref(),
            edit.contact_email.as_deref(),
        )?;
        if changes.is_empty() {
            return Err(FieldErrors::single(
                "body",
                "give at least one of company_name, contact_name, contact_email",
            )
            .into());
        }
        let actor = self.actor(principal);
        // Without If-Match the caller asked for no precondition: a concurrent change of
        // the row (the store compares versions to record before and after) is retried.
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self
                .customers
                .update(&principal.customer_id, &changes, expected_version, &actor)
                .await
            {
                Ok(Some(updated)) => return Ok(updated),
                Ok(None) => return Err(AccountError::NotFound("account")),
                Err(RepositoryError::Conflict)
                    if expected_version.is_none() && attempt < UNCONDITIONAL_EDIT_ATTEMPTS => {}
                Err(RepositoryError::Conflict) => {
                    return Err(AccountError::PreconditionFailed(
                        "the account was changed since it was read; reload it and try again".into(),
                    ));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn actor(&self, principal: &Principal) -> Actor {
        Actor {
            user_id: principal.user_id.clone(),
            user_name: principal.name.clone(),
            at: self.time.now(),
        }
    }

    /// A page of the changes made through the portal, newest first.
    #[instrument(skip_all, fields(customer = %principal.customer_id))]
    pub async fn audit_log(
        &self,
        principal: &Principal,
        page: PageRequest<AuditKey>,
    ) -> Result<AuditPage, AccountError> {
        Ok(self.audit.list(&principal.customer_id, &page).await?)
    }

    /// Creates or replaces a customer's account; `true` when created.
    #[instrument(skip_all, fields(caller = %caller.name, customer = %id))]
    pub async fn provision_customer(
        &self,
        caller: &PlatformCaller,
        id: &CustomerId,
        company_name: &str,
        contact_name: &str,
        contact_email: &str,
    ) -> Result<(Customer, bool), AccountError> {
        let data = NewCustomer::parse(company_name, contact_name, contact_email)?;
        let now = self.time.now();
        Ok(self.customers.upsert(id, &data, now).await?)
    }
}

/// The version an account `ETag` (`"3"`, or weak `W/"3"`) names.
fn version_of_etag(tag: &str) -> Option<i64> {
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    tag.strip_prefix('"')?.strip_suffix('"')?.parse().ok()
}

/// The `ETag` of an account at `version`.
pub fn account_etag(version: i64) -> String {
    format!("\"{version}\"")
}
