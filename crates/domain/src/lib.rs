//! The portal's domain: entities, value objects and the pure billing rules.
//!
//! Nothing here does IO or knows about HTTP, SQL or Redis; every rule is a plain
//! function or method that can be unit tested in isolation.

pub mod billing_ops;
pub mod customer;
pub mod error;
pub mod ids;
pub mod invoice;
pub mod money;
pub mod month;
pub mod plan;
pub mod product;
pub mod proration;
pub mod subscription;
pub mod usage;

pub use billing_ops::{
    AuditAction, AuditEntry, RawUsageEvent, ScheduledChange, UsageEvent, account_audit,
};
pub use customer::{AccountChanges, ContactEmail, Customer, NewCustomer};
pub use error::{FieldErrors, ParseError};
pub use ids::{CustomerId, InvoiceId, PlanId, SubscriptionId, UserId};
pub use invoice::{Invoice, InvoiceKind, InvoiceLine, InvoiceStatus, InvoiceSummary, NewInvoice};
pub use money::{Currency, Money, MoneyError};
pub use month::Month;
pub use plan::{Plan, PlanChange, Quotas};
pub use product::{Metering, Product};
pub use proration::ProrationQuote;
pub use subscription::{Subscription, SubscriptionStatus};
pub use usage::{DateRange, QuotaAlert, UsageRecord, UsageSummary};
