//! The errors a use case can end in. Each capability declares its own enum with
//! [`capability_error!`]; the shared steps end in [`BillingError`]. The HTTP adapter maps
//! each to a status and code.

/// Declares a capability's error enum: the ends its use cases can come to, with the
/// message a stale write gets naming what the capability found changed (not one generic
/// sentence). The shared steps' [`BillingError`] converts into it; the HTTP adapter maps
/// it to a status through [`BillingError`] (`From` both ways, variant for variant).
macro_rules! capability_error {
    ($(#[$doc:meta])* $name:ident, conflict: $conflict:literal) => {
        $crate::error::capability_error!(@base $(#[$doc])* $name, conflict: $conflict);

        impl From<$crate::error::BillingError> for $name {
            fn from(err: $crate::error::BillingError) -> Self {
                use $crate::error::BillingError as E;
                match err {
                    E::NotFound(what) => $name::NotFound(what),
                    E::Forbidden(what) => $name::Forbidden(what),
                    E::Validation(fields) => $name::Validation(fields),
                    E::Conflict(why) => $name::Conflict(why),
                    E::PreconditionFailed(why) => $name::PreconditionFailed(why),
                    E::Unavailable(cause) => $name::Unavailable(cause),
                    E::Internal(cause) => $name::Internal(cause),
                }
            }
        }

        impl From<$name> for $crate::error::BillingError {
            fn from(err: $name) -> Self {
                use $crate::error::BillingError as E;
                match err {
                    $name::NotFound(what) => E::NotFound(what),
                    $name::Forbidden(what) => E::Forbidden(what),
                    $name::Validation(fields) => E::Validation(fields),
                    $name::Conflict(why) => E::Conflict(why),
                    $name::PreconditionFailed(why) => E::PreconditionFailed(why),
                    $name::Unavailable(cause) => E::Unavailable(cause),
                    $name::Internal(cause) => E::Internal(cause),
                }
            }
        }
    };
    (@base $(#[$doc:meta])* $name:ident, conflict: $conflict:literal) => {
        $(#[$doc])*
        #[derive(Debug, thiserror::Error)]
        pub enum $name {
            /// The object does not exist for this customer (another customer's object is
            /// reported exactly like a missing one).
            #[error("{0} not found")]
            NotFound(&'static str),
            /// The principal may not do this.
            #[error("only an admin may {0}")]
            Forbidden(&'static str),
            /// The input breaks a rule; nothing was changed.
            #[error(transparent)]
            Validation(#[from] portal_domain::FieldErrors),
            /// The request is valid but clashes with the current state; nothing changed.
            #[error("{0}")]
            Conflict(String),
            /// Made against a version that is no longer current (`If-Match`).
            #[error("{0}")]
            PreconditionFailed(String),
            /// The database cannot be reached.
            #[error("the database is unavailable")]
            Unavailable(#[source] anyhow::Error),
            /// Anything else; the cause is logged, never shown to the caller.
            #[error(transparent)]
            Internal(#[from] anyhow::Error),
        }

        impl From<$crate::ports::RepositoryError> for $name {
            fn from(err: $crate::ports::RepositoryError) -> Self {
                match err {
                    $crate::ports::RepositoryError::Conflict => $name::Conflict($conflict.into()),
                    $crate::ports::RepositoryError::Unavailable(cause) => $name::Unavailable(cause),
                    $crate::ports::RepositoryError::Other(cause) => $name::Internal(cause),
                }
            }
        }

        impl From<portal_domain::MoneyError> for $name {
            fn from(err: portal_domain::MoneyError) -> Self {
                $name::Internal(anyhow::Error::new(err))
            }
        }
    };
}

pub(crate) use capability_error;

capability_error!(@base
    /// What the shared steps (the collaborators every capability uses) can end in; each
    /// capability's error takes it in variant for variant.
    BillingError,
    conflict: "the subscription was changed by another request; reload and try again"
);

impl From<portal_domain::ChargeError> for BillingError {
    fn from(err: portal_domain::ChargeError) -> Self {
        BillingError::Internal(anyhow::Error::new(err))
    }
}
