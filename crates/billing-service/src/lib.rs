//! The portal's use cases. Nothing reads or writes data except through
//! [`BillingService`], which reaches storage only through the port traits in [`ports`].
//! Authorisation by [`Principal`] happens here, not in the HTTP layer.

mod charging;
pub mod delivery;
pub mod demo;
mod documents;
mod entitlements;
pub mod error;
mod events;
pub mod fapiao;
mod guard;
mod idempotent;
mod operations;
mod period_bill;
mod plan_changes;
pub mod ports;
pub mod principal;
pub mod runs;
mod service;
mod upcoming;

#[cfg(feature = "test-support")]
pub mod simulation;
#[cfg(feature = "test-support")]
pub mod test_support;

pub use charging::BillingRunReport;
pub use documents::{InvoicePdf, PdfBody};
pub use entitlements::{ENTITLEMENT_MEMO_LIMIT, ENTITLEMENT_MEMO_TTL, ProductEntitlement};
pub use error::BillingError;
pub use guard::{GuardRepository, NOTIFICATIONS_LISTED, Notification};
pub use idempotent::Replayable;
pub use operations::{IDEMPOTENCY_KEY_RETENTION, IngestReport, PaymentReport};
pub use ports::{
    Actor, AuditRepository, ChangeFeed, Clock, CustomerRepository, DocumentLanguage, HealthProbe,
    IdempotencyRepository, InvoiceDocument, InvoiceRenderer, InvoiceRepository, InvoicedLines,
    KeyClaim, Ledger, LedgerPage, LedgerTxn, NoChangeFeed, PlanCatalog, Ports, RenderError,
    RepositoryError, SubscriptionRepository, SystemClock, USAGE_WATERMARK_MARGIN, UsageRepository,
};
pub use principal::{PlatformCaller, Principal, Role};
pub use runs::{BillingRuns, RUN_PAGE, RunTicket};
pub use service::{
    AccountEdit, BillingService, SubscriptionView, UpgradeOutcome, UpgradeQuote, UsageOverview,
    account_etag,
};
pub use upcoming::UpcomingBill;
