//! The errors a use case can end in. The HTTP adapter maps each to a status and code.

use portal_domain::FieldErrors;

use crate::ports::RepositoryError;

#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    /// The object does not exist for this customer (another customer's object is
    /// reported exactly like a missing one).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The principal may not do this.
    #[error("only an admin may {0}")]
    Forbidden(&'static str),
    /// The input breaks a rule; nothing was changed.
    #[error(transparent)]
    Validation(#[from] FieldErrors),
    /// The request is valid but clashes with the current state; nothing was changed.
    #[error("{0}")]
    Conflict(String),
    /// The request was made against a version of the object that is no longer current
    /// (`If-Match`); nothing was changed.
    #[error("{0}")]
    PreconditionFailed(String),
    /// The database cannot be reached.
    #[error("the database is unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// Anything else; the cause is logged, never shown to the caller.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<RepositoryError> for BillingError {
    fn from(err: RepositoryError) -> Self {
        match err {
            RepositoryError::Conflict => BillingError::Conflict(
                "the subscription was changed by another request; reload and try again".into(),
            ),
            RepositoryError::Unavailable(cause) => BillingError::Unavailable(cause),
            RepositoryError::Other(cause) => BillingError::Internal(cause),
        }
    }
}

impl From<portal_domain::MoneyError> for BillingError {
    fn from(err: portal_domain::MoneyError) -> Self {
        BillingError::Internal(anyhow::Error::new(err))
    }
}

impl From<portal_domain::ChargeError> for BillingError {
    fn from(err: portal_domain::ChargeError) -> Self {
        BillingError::Internal(anyhow::Error::new(err))
    }
}
