//! Every period invoiced from its start (§15): provisioning that serves the current
//! period invoices it at once (fees in advance); an upgrade in a period with no invoice
//! issues that period's invoice under the new timeline, and its preview is exactly that
//! invoice; a later billing run of the period adds nothing. Each month's scheduled run
//! starts once it is due, and once only.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use portal_billing::test_support::{FixedClock, InMemoryStore};
use portal_billing::{PlatformCaller, Portal, Principal, Role};
use portal_domain::{CustomerId, InvoiceKind, Month, PageRequest, PlanId, RunId, UserId};

fn platform() -> PlatformCaller {
    PlatformCaller {
        name: "billing".into(),
    }
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn plan(id: &str) -> PlanId {
    PlanId::parse(id).unwrap()
}

/// The demo catalogue (and customers), seeded on 6 Dec 2026 at 10:00 in Shanghai.
async fn world() -> (Portal, std::sync::Arc<FixedClock>) {
    let clock = FixedClock::at(Utc.with_ymd_and_hms(2026, 12, 6, 2, 0, 0).unwrap());
    let portal = Portal::new(InMemoryStore::default().ports(clock.clone()));
    portal.demo.seed().await.unwrap();
    (portal, clock)
}

async fn new_customer(portal: &Portal, id: &str) -> Principal {
    let customer = CustomerId::parse(id).unwrap();
    portal
        .accounts
        .provision_customer(
            &platform(),
            &customer,
            "新开户有限公司",
            "周九",
            "z@example.com",
        )
        .await
        .unwrap();
    Principal::new(customer, UserId::parse("user_1").unwrap(), Role::Admin)
}

/// Provisions `who` on `plan` from `start` to `end`, as the platform does.
async fn subscribe(
    portal: &Portal,
    who: &Principal,
    plan_id: &str,
    start: NaiveDate,
    end: NaiveDate,
) {
    portal
        .plan_changes
        .provision_subscription(&platform(), &who.customer_id, &plan(plan_id), start, end)
        .await
        .unwrap();
}

async fn invoices(portal: &Portal, who: &Principal) -> Vec<portal_domain::InvoiceSummary> {
    portal
        .invoices
        .invoices(who, PageRequest::default())
        .await
        .unwrap()
        .items
}

#[tokio::test]
async fn provisioning_that_serves_today_invoices_the_period_at_once() {
    let (portal, _clock) = world().await;
    let who = new_customer(&portal, "cust_fresh").await;
    // From the 6th of December: December's fee for 26 of 31 days, billed in advance.
    subscribe(&portal, &who, "pro", d(2026, 12, 6), d(2027, 12, 5)).await;
    let issued = invoices(&portal, &who).await;
    assert_eq!(issued.len(), 1, "{issued:?}");
    assert_eq!(issued[0].period, Month::new(2026, 12).unwrap());
    // ¥999.00 × 26 / 31 = ¥837.87 (half up).
    assert_eq!(issued[0].amount.amount().to_string(), "837.87");
    // The month's run finds it invoiced.
    let run = portal
        .billing
        .billing_run(&platform(), Month::new(2026, 12).unwrap())
        .await
        .unwrap();
    assert_eq!(invoices(&portal, &who).await.len(), 1, "{run:?}");

    // Provisioned from a later month: nothing to invoice yet.
    let later = new_customer(&portal, "cust_later").await;
    subscribe(&portal, &later, "pro", d(2027, 1, 1), d(2027, 12, 31)).await;
    assert!(invoices(&portal, &later).await.is_empty());
}

#[tokio::test]
async fn an_upgrade_in_a_period_without_invoice_issues_the_invoice_its_preview_shows() {
    let (portal, clock) = world().await;
    let who = new_customer(&portal, "cust_january").await;
    // Provisioned in December for January; on 15 January no run has billed January yet.
    subscribe(&portal, &who, "basic", d(2027, 1, 1), d(2027, 12, 31)).await;
    clock.set(Utc.with_ymd_and_hms(2027, 1, 15, 2, 0, 0).unwrap());
    assert!(invoices(&portal, &who).await.is_empty());

    let preview = portal
        .plan_changes
        .preview_upgrade(&who, &plan("pro"))
        .await
        .unwrap();
    // January under the new timeline: basic for the 1st–14th, pro from the 15th.
    // ¥299.00 × 14/31 = ¥135.03 and ¥999.00 × 17/31 = ¥547.84.
    assert_eq!(preview.amount.amount().to_string(), "682.87", "{preview:?}");
    let outcome = portal
        .plan_changes
        .upgrade(&who, &plan("pro"), Some(preview.proration_date))
        .await
        .unwrap();
    let invoice = outcome.invoice.expect("the period's invoice");
    assert_eq!(invoice.amount, preview.amount);
    assert_eq!(invoice.lines, preview.lines);
    assert_eq!(invoice.kind, InvoiceKind::Subscription);
    assert_eq!(invoice.period, Month::new(2027, 1).unwrap());

    // January's run adds nothing: the period is invoiced for the timeline as it is.
    portal
        .billing
        .billing_run(&platform(), Month::new(2027, 1).unwrap())
        .await
        .unwrap();
    assert_eq!(invoices(&portal, &who).await.len(), 1);
}

#[tokio::test]
async fn the_months_scheduled_run_starts_when_due_and_once() {
    let (portal, clock) = world().await;
    let ten = NaiveTime::from_hms_opt(10, 0, 0).unwrap();
    // 1 January 2027, 09:59 in Shanghai: January's run is not due; December's is.
    clock.set(Utc.with_ymd_and_hms(2027, 1, 1, 1, 59, 0).unwrap());
    let caller = platform();
    let start = || portal.billing.start_scheduled_run(&caller, ten);
    let december = start()
        .await
        .unwrap()
        .expect("December's run, never started");
    assert_eq!(december.period, Month::new(2026, 12).unwrap());
    // Started, running or not: never again.
    assert!(start().await.unwrap().is_none());
    clock.set(Utc.with_ymd_and_hms(2027, 1, 1, 2, 0, 0).unwrap());
    let january = start().await.unwrap().expect("January's run at 10:00");
    assert_eq!(january.period, Month::new(2027, 1).unwrap());
    let id = RunId::parse(&january.id).unwrap();
    let ended = portal
        .billing
        .drive_billing_run(&platform(), &id, "instance-a", &|_| {})
        .await
        .unwrap()
        .expect("driven to its end");
    assert_eq!(ended.status, portal_domain::RunStatus::Finished);
    assert!(start().await.unwrap().is_none());
}
