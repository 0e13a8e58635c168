//! The portal's use cases. Nothing reads or writes data except through
//! [`BillingService`], which reaches storage only through the port traits in [`ports`].
//! Authorisation by [`Principal`] happens here, not in the HTTP layer.

pub mod demo;
mod documents;
pub mod error;
pub mod ports;
pub mod principal;
mod service;

#[cfg(feature = "test-support")]
pub mod test_support;

pub use documents::{InvoicePdf, PdfBody};
pub use error::BillingError;
pub use ports::{
    Clock, CustomerRepository, DocumentLanguage, HealthProbe, InvoiceDocument, InvoiceRenderer,
    InvoiceRepository, PlanCatalog, PlanChangeCommit, Ports, RenderError, RepositoryError,
    SubscriptionRepository, SystemClock, UsageRepository,
};
pub use principal::{Principal, Role};
pub use service::{
    AccountEdit, BillingService, SubscriptionView, UpgradeOutcome, UpgradeQuote, UsageOverview,
};
