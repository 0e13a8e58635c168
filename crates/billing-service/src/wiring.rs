//! The composition of the capability services: [`Adapters`] is what the composition
//! root (the server, a test) chose for each port; [`Portal::new`] builds every service
//! with only the ports it uses (the services' fields are the crate's: only this module
//! builds them), and the shared collaborators once. The HTTP state holds a
//! [`Portal`].

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use portal_domain::BusinessCalendar;

use crate::accounts::Accounts;
use crate::alert_evaluation::AlertEvaluation;
use crate::billing::Billing;
use crate::charging::Charging;
use crate::delivery::Delivery;
use crate::demo::DemoData;
use crate::entitlement_memo::{ENTITLEMENT_MEMO_TTL, EntitlementChanges, EntitlementMemo};
use crate::events::Events;
use crate::fapiao::Fapiao;
use crate::invoices::Invoices;
use crate::month_usage::MonthUsage;
use crate::plan_changes::PlanChanges;
use crate::ports::{
    AuditRepository, BillingRuns, ChangeFeed, Clock, CustomerRepository, FapiaoRepository,
    GuardRepository, HealthProbe, IdempotencyRepository, InvoiceRenderer, InvoiceRepository,
    Ledger, Mailer, Metrics, NoChangeFeed, NoMetrics, Outbox, PlanCatalog, ReceivablesRepository,
    SubscriptionRepository, UsageRepository, WebhookSender,
};
use crate::receivables::{PayTo, Receivables};
use crate::spend_guard::SpendGuard;
use crate::subscription_view::SubscriptionViews;
use crate::time::BusinessTime;
use crate::timeline_commit::TimelineCommit;
use crate::upcoming::UpcomingBills;
use crate::usage::Usage;

/// The adapters the portal runs on, chosen by the composition root. Only
/// [`Portal::new`] reads it: no use case sees more than the ports it was given.
#[derive(Clone)]
pub struct Adapters {
    pub customers: Arc<dyn CustomerRepository>,
    pub plans: Arc<dyn PlanCatalog>,
    pub subscriptions: Arc<dyn SubscriptionRepository>,
    pub ledger: Arc<dyn Ledger>,
    pub usage: Arc<dyn UsageRepository>,
    pub invoices: Arc<dyn InvoiceRepository>,
    pub receivables: Arc<dyn ReceivablesRepository>,
    /// Where customers pay (`PORTAL_PAY_TO_*`).
    pub pay_to: PayTo,
    pub audit: Arc<dyn AuditRepository>,
    pub idempotency: Arc<dyn IdempotencyRepository>,
    pub guard: Arc<dyn GuardRepository>,
    pub outbox: Arc<dyn Outbox>,
    pub fapiao: Arc<dyn FapiaoRepository>,
    pub runs: Arc<dyn BillingRuns>,
    /// The other instances, told of changes (Redis pub/sub when configured).
    pub changes: Arc<dyn ChangeFeed>,
    /// E-mail, when `PORTAL_SMTP_URL` is set.
    pub mailer: Option<Arc<dyn Mailer>>,
    /// Webhooks, when `PORTAL_WEBHOOK_URL` is set.
    pub webhooks: Option<Arc<dyn WebhookSender>>,
    pub health: Arc<dyn HealthProbe>,
    pub renderer: Arc<dyn InvoiceRenderer>,
    pub metrics: Arc<dyn Metrics>,
    pub clock: Arc<dyn Clock>,
    /// The business calendar every date is derived in (`PORTAL_TIME_ZONE`).
    pub calendar: BusinessCalendar,
    /// How long an instance keeps an entitlement answer (zero: not at all).
    pub entitlement_ttl: Duration,
    /// `PORTAL_SUSPEND_AFTER_DAYS`: days overdue after which service is suspended (0:
    /// never).
    pub suspend_after_days: u32,
}

impl Adapters {
    /// Every port from one store that implements them all (the sea-orm store, the
    /// in-memory fakes), with `renderer`, `clock` and `calendar`.
    pub fn from_store<S>(
        store: Arc<S>,
        renderer: Arc<dyn InvoiceRenderer>,
        clock: Arc<dyn Clock>,
        calendar: BusinessCalendar,
    ) -> Self
    where
        S: CustomerRepository
            + PlanCatalog
            + SubscriptionRepository
            + Ledger
            + UsageRepository
            + InvoiceRepository
            + ReceivablesRepository
            + AuditRepository
            + IdempotencyRepository
            + GuardRepository
            + Outbox
            + FapiaoRepository
            + BillingRuns
            + HealthProbe
            + 'static,
    {
        Self {
            customers: store.clone(),
            plans: store.clone(),
            subscriptions: store.clone(),
            ledger: store.clone(),
            usage: store.clone(),
            invoices: store.clone(),
            receivables: store.clone(),
            pay_to: PayTo::default(),
            audit: store.clone(),
            idempotency: store.clone(),
            guard: store.clone(),
            outbox: store.clone(),
            fapiao: store.clone(),
            runs: store.clone(),
            changes: Arc::new(NoChangeFeed),
            mailer: None,
            webhooks: None,
            health: store,
            renderer,
            metrics: Arc::new(NoMetrics),
            clock,
            calendar,
            entitlement_ttl: ENTITLEMENT_MEMO_TTL,
            suspend_after_days: DEFAULT_SUSPEND_AFTER_DAYS,
        }
    }
}

/// Days overdue after which service is suspended, unless configured (§15).
pub const DEFAULT_SUSPEND_AFTER_DAYS: u32 = 15;

/// Every capability service of the portal: what the HTTP state, the jobs and the CLI
/// hold. A handler calls one method of one of them.
pub struct Portal {
    pub accounts: Accounts,
    pub plan_changes: PlanChanges,
    pub usage: Usage,
    pub billing: Billing,
    pub invoices: Invoices,
    pub receivables: Receivables,
    pub spend_guard: SpendGuard,
    pub fapiao: Fapiao,
    pub delivery: Delivery,
    pub demo: DemoData,
    health: Arc<dyn HealthProbe>,
    time: BusinessTime,
}

impl Portal {
    pub fn new(a: Adapters) -> Self {
        let time = BusinessTime::new(a.clock.clone(), a.calendar);
        let events = Events::new(time.clone(), a.webhooks.is_some(), a.mailer.is_some());
        let memo = EntitlementMemo::new(a.entitlement_ttl, time.clone());
        let entitlements = EntitlementChanges::new(memo.clone(), a.changes.clone());
        let charging = Charging::new(time.clone(), events.clone());
        let views = SubscriptionViews::new(a.plans.clone(), time.clone());
        let month_usage = MonthUsage {
            subscriptions: a.subscriptions.clone(),
            usage: a.usage.clone(),
            plans: a.plans.clone(),
            views: views.clone(),
            time: time.clone(),
        };
        let upcoming = UpcomingBills::new(a.ledger.clone(), time.clone());
        Self {
            accounts: Accounts {
                customers: a.customers.clone(),
                audit: a.audit.clone(),
                time: time.clone(),
            },
            plan_changes: PlanChanges {
                ledger: a.ledger.clone(),
                subscriptions: a.subscriptions.clone(),
                customers: a.customers.clone(),
                plans: a.plans.clone(),
                views,
                timeline: TimelineCommit {
                    charging: charging.clone(),
                    events: events.clone(),
                    entitlements: entitlements.clone(),
                    time: time.clone(),
                },
                time: time.clone(),
            },
            usage: Usage {
                usage: a.usage.clone(),
                customers: a.customers.clone(),
                month_usage: month_usage.clone(),
                alerts: AlertEvaluation {
                    guard: a.guard.clone(),
                    customers: a.customers.clone(),
                    month_usage: month_usage.clone(),
                    upcoming: upcoming.clone(),
                    events: events.clone(),
                    metrics: a.metrics.clone(),
                    time: time.clone(),
                },
                entitlements: entitlements.clone(),
                metrics: a.metrics.clone(),
                time: time.clone(),
            },
            billing: Billing {
                ledger: a.ledger.clone(),
                runs: a.runs.clone(),
                invoices: a.invoices.clone(),
                subscriptions: a.subscriptions.clone(),
                idempotency: a.idempotency.clone(),
                metrics: a.metrics.clone(),
                charging,
                upcoming,
                events: events.clone(),
                time: time.clone(),
                instance: format!("inst_{}", uuid::Uuid::new_v4().simple()),
            },
            receivables: Receivables {
                entitlements: entitlements.clone(),
                guard: a.guard.clone(),
                ledger: a.ledger.clone(),
                receivables: a.receivables.clone(),
                customers: a.customers.clone(),
                events: events.clone(),
                pay_to: a.pay_to.clone(),
                suspend_after_days: a.suspend_after_days,
                time: time.clone(),
            },
            invoices: Invoices {
                entitlements: entitlements.clone(),
                invoices: a.invoices.clone(),
                ledger: a.ledger.clone(),
                receivables: a.receivables.clone(),
                customers: a.customers.clone(),
                fapiao: a.fapiao.clone(),
                renderer: a.renderer.clone(),
                events: events.clone(),
                renders: Default::default(),
                time: time.clone(),
            },
            spend_guard: SpendGuard {
                receivables: a.receivables.clone(),
                suspend_after_days: a.suspend_after_days,
                guard: a.guard.clone(),
                customers: a.customers.clone(),
                month_usage,
                memo,
                entitlements,
                events: events.clone(),
                time: time.clone(),
            },
            fapiao: Fapiao {
                fapiao: a.fapiao.clone(),
                invoices: a.invoices.clone(),
                events,
                time: time.clone(),
            },
            delivery: Delivery {
                outbox: a.outbox.clone(),
                mailer: a.mailer.clone(),
                webhooks: a.webhooks.clone(),
                metrics: a.metrics.clone(),
                time: time.clone(),
            },
            demo: DemoData {
                plans: a.plans.clone(),
                customers: a.customers.clone(),
                subscriptions: a.subscriptions.clone(),
                usage: a.usage.clone(),
                ledger: a.ledger.clone(),
                time: time.clone(),
            },
            health: a.health,
            time,
        }
    }

    /// Whether the source of truth answers.
    pub async fn ready(&self) -> bool {
        self.health.ready().await
    }

    /// Today on the business calendar.
    pub fn today(&self) -> NaiveDate {
        self.time.today()
    }
}
