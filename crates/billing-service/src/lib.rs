//! The portal's use cases, one service per capability. Nothing reads or writes data
//! except through them, and each reaches storage only through the ports it was built
//! with ([`ports`], one file per port). Authorisation by [`Principal`] happens here, not
//! in the HTTP layer.
//!
//! | capability | service | what it owns |
//! | --- | --- | --- |
//! | account | [`Accounts`] | the account, its edits and change history, provisioning of accounts |
//! | plan | [`PlanChanges`] | the subscription, the catalogue, upgrades, downgrades, provisioning of subscriptions |
//! | usage | [`Usage`] | the month's usage and overage, the daily detail, ingestion |
//! | billing | [`Billing`] | billing runs, the upcoming bill, overdue invoices |
//! | invoices | [`Invoices`] | invoice lists, documents (PDF), the platform's report of one paid |
//! | receivables | [`Receivables`] | the balance, credit notes, payments by bank transfer |
//! | spend guard | [`SpendGuard`] | alert rules, caps, notifications, entitlements |
//! | fapiao | [`Fapiao`] | the fapiao profile, requests, issuance and reversal |
//! | delivery | [`Delivery`] | the outbox's e-mails and webhooks |
//!
//! Steps several capabilities share are collaborators of their own, built once by
//! [`Portal::new`]: [`BusinessTime`] (now and today), [`events::Events`] (the outbox
//! messages of a change), [`charging::Charging`] (a period's invoice),
//! [`timeline_commit::TimelineCommit`] (storing a timeline change),
//! [`subscription_view::SubscriptionViews`], [`month_usage::MonthUsage`],
//! [`upcoming::UpcomingBills`], [`alert_evaluation::AlertEvaluation`] and
//! [`entitlement_memo::EntitlementChanges`].

pub mod accounts;
pub mod alert_evaluation;
pub mod billing;
pub mod charging;
pub mod delivery;
pub mod demo;
pub mod entitlement_memo;
pub mod error;
pub mod events;
pub mod fapiao;
pub mod invoices;
pub mod month_usage;
pub mod period_bill;
pub mod plan_changes;
pub mod ports;
pub mod principal;
pub mod receivables;
pub mod spend_guard;
pub mod subscription_view;
pub mod time;
pub mod timeline_commit;
pub mod upcoming;
pub mod usage;
mod wiring;

#[cfg(feature = "test-support")]
pub mod simulation;
#[cfg(feature = "test-support")]
pub mod test_support;

pub use accounts::{AccountEdit, Accounts, account_etag};
pub use billing::{Billing, BillingRunReport, IDEMPOTENCY_KEY_RETENTION, RUN_GROUP, RUN_PAGE};
pub use delivery::Delivery;
pub use entitlement_memo::{ENTITLEMENT_MEMO_LIMIT, ENTITLEMENT_MEMO_TTL, ProductEntitlement};
pub use error::BillingError;
pub use fapiao::Fapiao;
pub use invoices::{ExportedDocument, InvoicePdf, Invoices, PaymentReport, PdfBody};
pub use month_usage::UsageOverview;
pub use plan_changes::{PlanChanges, Replayable, UpgradeOutcome, UpgradeQuote};
pub use ports::{
    Actor, AuditRepository, ChangeFeed, Clock, CustomerRepository, DocumentLanguage, HealthProbe,
    IdempotencyRepository, InvoiceDocument, InvoiceRenderer, InvoiceRepository, InvoicedLines,
    KeyClaim, Ledger, LedgerPage, LedgerTxn, Metrics, NoChangeFeed, NoMetrics, PlanCatalog,
    RenderError, RepositoryError, SubscriptionRepository, SystemClock, USAGE_WATERMARK_MARGIN,
    UsageRepository,
};
pub use principal::{PlatformCaller, Principal, Role};
pub use receivables::{PayTo, PaymentInput, PaymentOutcome, Receivables};
pub use spend_guard::{NOTIFICATIONS_LISTED, SpendGuard};
pub use subscription_view::SubscriptionView;
pub use time::BusinessTime;
pub use upcoming::UpcomingBill;
pub use usage::{IngestReport, Usage};
pub use wiring::{Adapters, DEFAULT_SUSPEND_AFTER_DAYS, Portal};
