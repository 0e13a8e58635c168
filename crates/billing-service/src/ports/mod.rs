//! The ports: one small trait per aggregate (one file each, with its vocabulary),
//! implemented by the adapters and by the in-memory fakes of `test-support`. Every
//! method that reads or writes a customer's data takes the customer's id, so no query
//! can escape its tenant. Nothing here imports a use case.

mod audit;
mod change_feed;
mod clock;
mod customers;
mod error;
pub mod fapiao;
mod guard;
mod health;
mod idempotency;
mod invoices;
mod ledger;
mod metrics;
pub mod outbox;
mod plans;
pub mod receivables;
mod renderer;
mod runs;
mod subscriptions;
mod usage;

pub use audit::{Actor, AuditRepository};
pub use change_feed::{ChangeFeed, NoChangeFeed};
pub use clock::{Clock, SystemClock};
pub use customers::CustomerRepository;
pub use error::RepositoryError;
pub use fapiao::{
    FapiaoFile, FapiaoRepository, FapiaoRequest, FapiaoTransition, MAX_INVOICES_PER_REQUEST,
};
pub use guard::{GuardRepository, Notification};
pub use health::HealthProbe;
pub use idempotency::{IdempotencyRepository, KeyClaim, STALE_CLAIM};
pub use invoices::{Announce, InvoiceRepository};
pub use ledger::{InvoicedLines, Ledger, LedgerPage, LedgerTxn, USAGE_WATERMARK_MARGIN};
pub use metrics::{DeliveryOutcome, Metrics, NoMetrics};
pub use outbox::{
    DeliveryError, DueMessage, EventType, Mail, MailAttachment, Mailer, Outbox, OutboxMessage,
    WebhookEvent, WebhookSender,
};
pub use plans::PlanCatalog;
pub use receivables::{NewPayment, OpenItems, PaymentRecord, ReceivablesRepository};
pub use renderer::{DocumentLanguage, InvoiceDocument, InvoiceRenderer, RenderError};
pub use runs::{BillingRuns, RunTicket};
pub use subscriptions::SubscriptionRepository;
pub use usage::UsageRepository;
