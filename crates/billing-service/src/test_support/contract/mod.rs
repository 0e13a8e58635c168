//! The port contract suite: one function per promise the port traits make, run against
//! every implementation — the in-memory fakes here, the sea-orm store on SQLite and
//! PostgreSQL and the cached store over the in-process cache and Redis in the
//! persistence adapter's tests. A fake that passes it keeps the adapters' promises.
//!
//! Each case gets the ports of a fresh, empty store and returns what it found wrong.

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use portal_domain::{
    AccountChanges, AuditAction, AuditEntry, Currency, CustomerId, DateRange, InvoiceKind,
    InvoiceLine, InvoiceStatus, InvoiceSummary, LineDetail, LineKind, Money, Month, NewCustomer,
    NewInvoice, OveragePrices, Page, PageRequest, PageSize, Plan, PlanId, Product, Quotas,
    Subscription, SubscriptionId, SubscriptionStatus, TaxRate, UsageEvent, UsageRecord, UserId,
};

use crate::Adapters;
use crate::ports::{Actor, KeyClaim, RepositoryError};

/// What a case found wrong.
pub type Outcome = Result<(), String>;
type CaseFuture = Pin<Box<dyn Future<Output = Outcome> + Send>>;
/// A promise of the ports, checked on fresh ports.
pub type Case = fn(Adapters) -> CaseFuture;

macro_rules! ensure {
    ($cond:expr, $($why:tt)+) => {
        if !$cond {
            return Err(format!($($why)+));
        }
    };
}

// After `ensure!`: the cases use it.
pub mod accounts;
pub mod fapiao;
pub mod groups;
pub mod guard;
pub mod invoices;
pub mod keys_usage;
pub mod ledger;
pub mod outbox;
pub mod pages;
pub mod runs;
pub mod usage_billing;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, day).unwrap_or(NaiveDate::MIN)
}

fn cid(raw: &str) -> Result<CustomerId, String> {
    CustomerId::parse(raw).map_err(err)
}

fn pid(raw: &str) -> Result<PlanId, String> {
    PlanId::parse(raw).map_err(err)
}

fn cny(fen: i64) -> Money {
    Money::from_minor(fen, Currency::Cny)
}

async fn customer(ports: &Adapters, id: &str) -> Result<CustomerId, String> {
    let id = cid(id)?;
    let data = NewCustomer::parse("公司", "联系人", "a@example.com").map_err(err)?;
    ports
        .customers
        .upsert(&id, &data, at(1, 0))
        .await
        .map_err(err)?;
    Ok(id)
}

/// The customer's current subscription, which the case expects to exist.
async fn current_subscription(
    ports: &Adapters,
    id: &CustomerId,
) -> Result<portal_domain::Subscription, String> {
    ports
        .subscriptions
        .current(id)
        .await
        .map_err(err)?
        .ok_or_else(|| "missing".to_owned())
}

async fn plan(ports: &Adapters, id: &str, fen: i64) -> Result<Plan, String> {
    let plan = Plan {
        id: pid(id)?,
        name: id.to_owned(),
        name_en: format!("{id} (en)"),
        price: cny(fen),
        quotas: Quotas {
            ai_chat: 10,
            agent_seats: 1,
            email: 10,
        },
        overage: OveragePrices {
            ai_chat: cny(5),
            email: cny(3),
            agent_seats: cny(9_900),
        },
        tax_rate: TaxRate::information_services(),
    };
    ports.plans.upsert(&plan).await.map_err(err)?;
    Ok(plan)
}

fn fee(plan: &str, period: Month, fen: i64) -> Result<InvoiceLine, String> {
    Ok(InvoiceLine::from_detail(
        LineDetail {
            kind: LineKind::Fee,
            plan_id: pid(plan)?,
            plan_name: plan.to_owned(),
            period,
            from: period.first_day(),
            to: period.last_day(),
            days: period.days(),
            days_in_month: period.days(),
            usage: None,
        },
        cny(fen),
        TaxRate::information_services(),
    ))
}

fn invoice(customer: &CustomerId, issued: DateTime<Utc>, lines: Vec<InvoiceLine>) -> NewInvoice {
    let issued_on = issued.date_naive();
    NewInvoice {
        customer_id: customer.clone(),
        period: Month::of(issued_on),
        kind: InvoiceKind::Adjustment,
        status: InvoiceStatus::Pending,
        currency: Currency::Cny,
        lines,
        created_at: issued,
        issued_on,
        due_date: issued_on + Days::new(15),
    }
}

/// Issues `new` in a unit of work of its own.
async fn issue(ports: &Adapters, new: &NewInvoice) -> Result<portal_domain::Invoice, String> {
    let mut txn = ports.ledger.begin(&new.customer_id).await.map_err(err)?;
    let issued = txn.issue(new).await.map_err(err)?;
    txn.commit().await.map_err(err)?;
    Ok(issued)
}

/// A subscription of `customer` on `plan`, created through the ledger.
async fn subscribe(
    ports: &Adapters,
    customer: &CustomerId,
    plan: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Subscription, String> {
    let new = Subscription {
        version: 0,
        ..Subscription::on_plan(
            SubscriptionId::parse(&format!("sub_{customer}")).map_err(err)?,
            customer.clone(),
            pid(plan)?,
            from,
            to,
        )
    };
    let mut txn = ports.ledger.begin(customer).await.map_err(err)?;
    let saved = txn.save(&new).await.map_err(err)?;
    txn.commit().await.map_err(err)?;
    Ok(saved)
}

fn audit(
    customer: &CustomerId,
    action: AuditAction,
    at: DateTime<Utc>,
) -> Result<AuditEntry, String> {
    Ok(AuditEntry {
        customer_id: customer.clone(),
        user_id: UserId::parse("u1").map_err(err)?,
        user_name: None,
        at,
        action,
        before: Default::default(),
        after: Default::default(),
    })
}

/// `count` conversations of `customer` on `day` (02:00 UTC).
fn usage_event(id: &str, customer: &CustomerId, count: i64, day: NaiveDate) -> UsageEvent {
    UsageEvent {
        event_id: id.to_owned(),
        customer_id: customer.clone(),
        product: Product::AiChat,
        count,
        occurred_at: Utc.from_utc_datetime(&day.and_hms_opt(2, 0, 0).unwrap_or_default()),
        date: day,
    }
}

/// The first page of `size`.
fn page_of<K>(size: u32) -> Result<PageRequest<K>, String> {
    Ok(PageRequest::first(PageSize::new(size).map_err(err)?))
}

/// The customer's invoices: a first page as large as pages go.
async fn invoices_of(
    ports: &Adapters,
    customer: &CustomerId,
) -> Result<Vec<InvoiceSummary>, String> {
    let page = page_of(PageSize::MAX)?;
    Ok(ports
        .invoices
        .list(customer, &page)
        .await
        .map_err(err)?
        .items)
}

/// The customer's audit entries: a first page as large as pages go.
async fn audit_of(ports: &Adapters, customer: &CustomerId) -> Result<Vec<AuditEntry>, String> {
    let page = page_of(PageSize::MAX)?;
    Ok(ports.audit.list(customer, &page).await.map_err(err)?.items)
}

/// Runs `case` on fresh ports from `fresh` (whose second value, a database or a server,
/// lives until the case ends) and fails with what the case found wrong.
pub async fn check<F, Fut, G>(name: &str, case: Case, fresh: F)
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = (Adapters, G)>,
{
    let (ports, keep) = fresh().await;
    let outcome = case(ports).await;
    drop(keep);
    if let Err(why) = outcome {
        panic!("{name}: {why}");
    }
}

/// One test per case of the suite, each on fresh ports from `$fresh` (an
/// `async fn() -> (Adapters, G)`), named after the case: in an implementation's module,
/// `cargo test --test port_contract outbox_claims` runs that case on every
/// implementation.
#[macro_export]
macro_rules! port_contract_tests {
    ($fresh:path) => {
        $crate::port_contract_tests!(@each $fresh;
            accounts::customer_upsert_creates_then_replaces,
            accounts::customer_update_bumps_version_and_audits,
            accounts::customer_update_at_a_stale_version_conflicts,
            accounts::customer_update_of_unknown_is_none,
            accounts::existing_names_only_known_customers,
            accounts::plans_are_found_and_listed,
            accounts::subscription_insert_if_absent_stores_once,
            fapiao::fapiao_requests_hold_their_invoices_once,
            fapiao::fapiao_transitions_expect_their_status,
            groups::ledger_groups_read_ahead_like_units,
            guard::guard_rules_and_caps_are_replaced_whole_and_scoped,
            guard::guard_a_rule_fires_once_a_month,
            invoices::invoices_are_scoped_and_newest_first,
            invoices::mark_overdue_takes_pending_positive_past_due,
            invoices::payments_apply_once_and_never_below_zero,
            invoices::expire_ended_expires_active_past_end,
            invoices::audit_is_newest_first_limited_scoped,
            keys_usage::idempotency_claim_is_held_once_per_customer,
            keys_usage::idempotency_key_answered_in_a_unit_of_work_replays,
            keys_usage::idempotency_key_of_a_dropped_unit_of_work_is_free,
            keys_usage::idempotency_concurrent_units_store_one_answer,
            keys_usage::idempotency_stale_claim_is_taken_over,
            keys_usage::idempotency_purge_before_cutoff,
            keys_usage::usage_events_count_once,
            keys_usage::usage_daily_is_ordered_and_scoped,
            ledger::ledger_creates_a_subscription_once,
            ledger::ledger_stale_save_conflicts,
            ledger::ledger_dropped_unit_writes_nothing,
            ledger::ledger_numbers_invoices_without_gaps,
            ledger::ledger_refuses_a_second_period_invoice,
            ledger::ledger_reads_invoiced_lines_by_period,
            ledger::ledger_lists_billable_customers,
            outbox::outbox_is_written_with_its_change_only,
            outbox::outbox_claims_lease_and_retries_come_back,
            pages::invoice_pages_walk_the_list_once,
            pages::audit_pages_walk_the_log_once,
            runs::runs_one_per_period_and_leases_fence,
            usage_billing::ledger_reads_usage_changes_and_the_watermark,
            usage_billing::ledger_names_the_periods_with_their_first_invoice
        );
    };
    (@each $fresh:path; $($module:ident :: $case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                $crate::test_support::contract::check(
                    stringify!($case),
                    |ports| ::std::boxed::Box::pin($crate::test_support::contract::$module::$case(ports)),
                    $fresh,
                )
                .await;
            }
        )*
    };
}
