//! The portal's domain: entities, value objects and the pure billing rules.
//!
//! Nothing here does IO or knows about HTTP, SQL or Redis; every rule is a plain
//! function or method that can be unit tested in isolation.

pub mod amount_in_words;
pub mod billing_ops;
pub mod billing_run;
pub mod calendar;
pub mod charges;
pub mod costs;
pub mod customer;
pub mod error;
pub mod fapiao;
pub mod guard;
pub mod ids;
pub mod invoice;
pub mod line_records;
pub mod money;
pub mod month;
pub mod overage;
pub mod page;
pub mod plan;
pub mod plan_input;
pub mod product;
pub mod receivables;
pub mod subscription;
pub mod tax;
pub mod timeline;
pub mod usage;
pub mod usage_lines;
pub mod wording;

pub use amount_in_words::amount_in_words;
pub use billing_ops::{AuditAction, AuditEntry, RawUsageEvent, UsageEvent, account_audit};
pub use billing_run::{BillingRun, RunStatus};
pub use calendar::BusinessCalendar;
pub use charges::{ChargeError, SegmentCharge};
pub use customer::{AccountChanges, ContactEmail, Customer, NewCustomer};
pub use error::{FieldErrors, ParseError};
pub use fapiao::{
    FapiaoFileType, FapiaoKind, FapiaoNumber, FapiaoProfile, FapiaoRequestStatus,
    FapiaoTransitionError, InvoiceFapiaoStatus, Issuance, RawFapiaoProfile, TitleType,
    UnifiedSocialCreditCode, UsccError,
};
pub use ids::{
    CustomerId, FapiaoRequestId, InvoiceId, NotificationId, PlanId, RunId, SubscriptionId, UserId,
};
pub use invoice::{
    DocumentKind, Invoice, InvoiceKind, InvoiceLine, InvoiceStatus, InvoiceSummary, LineDetail,
    LineKind, NewInvoice, Payment, UsageFacts,
};
pub use money::{Currency, Money, MoneyError};
pub use month::Month;
pub use overage::ProductOverage;
pub use page::{AuditKey, AuditPage, InvoiceKey, InvoicePage, Page, PageRequest, PageSize};
pub use plan::{OveragePrices, Plan, PlanChange, Quotas};
pub use plan_input::{RawPlan, validate_plan};
pub use product::{Metering, Product};
pub use subscription::{ScheduledChange, Subscription, SubscriptionStatus};
pub use tax::{DocumentTax, LineTax, RateTotals, TaxMismatch, TaxRate, TaxRateError};
pub use timeline::{Segment, TimelineError};
pub use usage::{DateRange, QuotaAlert, UsageRecord, UsageSummary};
pub use wording::Language;
