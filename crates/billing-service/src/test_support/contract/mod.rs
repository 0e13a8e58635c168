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
    NewInvoice, OveragePrices, Page, PageRequest, PageSize, Payment, Plan, PlanId, Product, Quotas,
    Subscription, SubscriptionId, SubscriptionStatus, UsageEvent, UsageRecord, UserId,
};

use crate::ports::{Actor, KeyClaim, Ports, RepositoryError};

/// What a case found wrong.
pub type Outcome = Result<(), String>;
type CaseFuture = Pin<Box<dyn Future<Output = Outcome> + Send>>;
/// A promise of the ports, checked on fresh ports.
pub type Case = fn(Ports) -> CaseFuture;

macro_rules! ensure {
    ($cond:expr, $($why:tt)+) => {
        if !$cond {
            return Err(format!($($why)+));
        }
    };
}

// After `ensure!`: the cases use it.
mod accounts;
mod fapiao;
mod groups;
mod guard;
mod invoices;
mod keys_usage;
mod ledger;
mod outbox;
mod pages;
mod runs;
mod usage_billing;

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

async fn customer(ports: &Ports, id: &str) -> Result<CustomerId, String> {
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
    ports: &Ports,
    id: &CustomerId,
) -> Result<portal_domain::Subscription, String> {
    ports
        .subscriptions
        .current(id)
        .await
        .map_err(err)?
        .ok_or_else(|| "missing".to_owned())
}

async fn plan(ports: &Ports, id: &str, fen: i64) -> Result<Plan, String> {
    let plan = Plan {
        id: pid(id)?,
        name: id.to_owned(),
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
async fn issue(ports: &Ports, new: &NewInvoice) -> Result<portal_domain::Invoice, String> {
    let mut txn = ports.ledger.begin(&new.customer_id).await.map_err(err)?;
    let issued = txn.issue(new).await.map_err(err)?;
    txn.commit().await.map_err(err)?;
    Ok(issued)
}

/// A subscription of `customer` on `plan`, created through the ledger.
async fn subscribe(
    ports: &Ports,
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
async fn invoices_of(ports: &Ports, customer: &CustomerId) -> Result<Vec<InvoiceSummary>, String> {
    let page = page_of(PageSize::MAX)?;
    Ok(ports
        .invoices
        .list(customer, &page)
        .await
        .map_err(err)?
        .items)
}

/// The customer's audit entries: a first page as large as pages go.
async fn audit_of(ports: &Ports, customer: &CustomerId) -> Result<Vec<AuditEntry>, String> {
    let page = page_of(PageSize::MAX)?;
    Ok(ports.audit.list(customer, &page).await.map_err(err)?.items)
}

/// `name => function` pairs as cases.
macro_rules! cases {
    ($($name:literal => $case:path),* $(,)?) => {
        vec![$(($name, (|p| Box::pin($case(p))) as Case)),*]
    };
}

/// Every case, by name.
pub fn cases() -> Vec<(&'static str, Case)> {
    cases![
        "customer upsert creates, then replaces" => accounts::customer_upsert_creates_then_replaces,
        "customer update bumps the version and records the audit entry" => accounts::customer_update_bumps_version_and_audits,
        "customer update at a stale version conflicts and changes nothing" => accounts::customer_update_at_a_stale_version_conflicts,
        "customer update of an unknown customer is none" => accounts::customer_update_of_unknown_is_none,
        "existing names only known customers" => accounts::existing_names_only_known_customers,
        "plans are found and listed after upsert" => accounts::plans_are_found_and_listed,
        "subscription insert_if_absent stores once" => accounts::subscription_insert_if_absent_stores_once,
        "ledger creates a subscription at version 0 once" => ledger::ledger_creates_a_subscription_once,
        "ledger save at a stale version conflicts and writes nothing" => ledger::ledger_stale_save_conflicts,
        "ledger unit of work dropped without commit writes nothing" => ledger::ledger_dropped_unit_writes_nothing,
        "ledger numbers invoices per month without gaps" => ledger::ledger_numbers_invoices_without_gaps,
        "ledger refuses a second subscription invoice of a period" => ledger::ledger_refuses_a_second_period_invoice,
        "ledger reads invoiced lines by period, from a month on, of one customer" => ledger::ledger_reads_invoiced_lines_by_period,
        "ledger lists the customers a period bills" => ledger::ledger_lists_billable_customers,
        "ledger groups read ahead answer as units do and store their units' writes, numbered without gaps" => groups::ledger_groups_read_ahead_like_units,
        "runs: one running run per period; leases fence out other processes; progress goes with its unit of work" => runs::runs_one_per_period_and_leases_fence,
        "ledger reads usage, the months changed and the watermark in its unit of work" => usage_billing::ledger_reads_usage_changes_and_the_watermark,
        "ledger names the periods with their first invoice" => usage_billing::ledger_names_the_periods_with_their_first_invoice,
        "guard: rules and caps are replaced whole, audited and scoped" => guard::guard_rules_and_caps_are_replaced_whole_and_scoped,
        "guard: a rule fires once a month, concurrent firings included; notifications newest first" => guard::guard_a_rule_fires_once_a_month,
        "outbox: messages are written with their change (unit of work, firing) and only then" => outbox::outbox_is_written_with_its_change_only,
        "outbox: claims lease their messages, concurrent claims split them, failed tries come back at their time" => outbox::outbox_claims_lease_and_retries_come_back,
        "fapiao: a request holds its invoices once, concurrent requests included" => fapiao::fapiao_requests_hold_their_invoices_once,
        "fapiao: transitions happen from their expected status; reversal frees the invoices" => fapiao::fapiao_transitions_expect_their_status,
        "invoices are listed newest first and found only by their customer" => invoices::invoices_are_scoped_and_newest_first,
        "mark_overdue takes only pending, positive invoices past due" => invoices::mark_overdue_takes_pending_positive_past_due,
        "record_payment pays once, then conflicts" => invoices::record_payment_pays_once,
        "expire_ended expires only active subscriptions past their end" => invoices::expire_ended_expires_active_past_end,
        "audit entries are newest first, limited and scoped" => invoices::audit_is_newest_first_limited_scoped,
        "invoice pages of 2 over 5 list each invoice once, newest first, then end" => pages::invoice_pages_walk_the_list_once,
        "audit pages of 2 over 5 list each entry once, newest first, then end" => pages::audit_pages_walk_the_log_once,
        "idempotency: claim, complete, replay" => keys_usage::idempotency_claim_complete_replay,
        "idempotency: release frees only an unanswered claim" => keys_usage::idempotency_release_frees_only_unanswered,
        "idempotency: a stale claim with the same fingerprint is taken over" => keys_usage::idempotency_stale_claim_is_taken_over,
        "idempotency: purge deletes keys claimed before the cutoff" => keys_usage::idempotency_purge_before_cutoff,
        "usage: each event counts once, seats keep the highest" => keys_usage::usage_events_count_once,
        "usage: daily values are ordered, filtered and scoped; seeding never overwrites" => keys_usage::usage_daily_is_ordered_and_scoped,
    ]
}

/// Runs every case on fresh ports from `fresh` and fails with the names of the broken
/// promises.
pub async fn run_all<F, Fut>(implementation: &str, mut fresh: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Ports>,
{
    let mut broken = Vec::new();
    for (name, case) in cases() {
        let ports = fresh().await;
        if let Err(why) = case(ports).await {
            broken.push(format!("{name}: {why}"));
        }
    }
    assert!(
        broken.is_empty(),
        "{implementation} breaks {} promise(s):\n{}",
        broken.len(),
        broken.join("\n")
    );
}
