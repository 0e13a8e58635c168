//! Dunning and suspension (§15) on SQLite and PostgreSQL, with a clock the test moves:
//! reminders three days before the due date, the day after, every seven days after, once
//! per invoice and day across instances, a missed one sent once late; an invoice
//! `PORTAL_SUSPEND_AFTER_DAYS` overdue makes the entitlement check refuse every product
//! with reason `overdue`; the payment that clears it lifts that at once; 0 never suspends.

use chrono::{NaiveDate, TimeZone, Utc};
use portal_billing::simulation::plans;
use portal_billing::test_support::FixedClock;
use portal_billing::{PaymentInput, PlanCatalog, PlatformCaller, Portal, Principal, Role};
use portal_domain::{CustomerId, InvoiceKey, Month, PageRequest, PageSize, PlanId, UserId};
use portal_persistence::SeaOrmStore;

use crate::helpers::{Backend, TestDatabase};

fn platform() -> PlatformCaller {
    PlatformCaller {
        name: "billing".into(),
    }
}

fn noon(day: u32, month: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, 4, 0, 0).unwrap()
}

/// `(allowed, reason)` of every product.
async fn entitlements(portal: &Portal, customer: &CustomerId) -> Vec<(bool, Option<&'static str>)> {
    portal
        .spend_guard
        .entitlements(&platform(), customer)
        .await
        .unwrap()
        .iter()
        .map(|p| (p.allowed, p.reason))
        .collect()
}

async fn suspended_while_long_overdue(backend: Backend, suspend_after_days: u32) {
    let (_db, url) = TestDatabase::create(backend).await;
    let store = SeaOrmStore::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    for plan in plans() {
        store.upsert(&plan).await.unwrap();
    }
    let clock = FixedClock::at(noon(1, 1));
    let mut ports = portal_billing::Adapters::from_store(
        std::sync::Arc::new(store.clone()),
        std::sync::Arc::new(portal_billing::test_support::TextRenderer::default()),
        clock.clone(),
        portal_domain::BusinessCalendar::default(),
    );
    ports.suspend_after_days = suspend_after_days;
    let other_instance = Portal::new(ports.clone());
    let portal = Portal::new(ports);
    let customer = CustomerId::parse("cust_late").unwrap();
    portal
        .accounts
        .provision_customer(
            &platform(),
            &customer,
            "迟付有限公司",
            "孙八",
            "s@example.com",
        )
        .await
        .unwrap();
    let plan = PlanId::parse(plans()[1].id.as_str()).unwrap();
    portal
        .plan_changes
        .provision_subscription(
            &platform(),
            &customer,
            &plan,
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
        )
        .await
        .unwrap();
    portal
        .billing
        .billing_run(&platform(), Month::parse("2026-01").unwrap())
        .await
        .unwrap();
    let who = Principal::new(customer.clone(), UserId::parse("u1").unwrap(), Role::Admin);
    let page = PageRequest::<InvoiceKey>::first(PageSize::new(10).unwrap());
    let invoice = portal.invoices.invoices(&who, page).await.unwrap().items[0].clone();
    // Due on the 16th: 14 days overdue on the 30th, 15 on the 31st.
    assert_eq!(
        invoice.due_date,
        NaiveDate::from_ymd_opt(2026, 1, 16).unwrap()
    );
    // Reminders: (day, sent by this instance, then by another the same day).
    for (day, sent) in [
        (12, 0),
        (13, 1),
        (14, 0),
        (17, 1),
        (18, 0),
        (30, 1),
        (31, 1),
    ] {
        clock.set(noon(day, 1));
        let here = portal
            .receivables
            .send_reminders(&platform())
            .await
            .unwrap();
        let there = other_instance
            .receivables
            .send_reminders(&platform())
            .await
            .unwrap();
        assert_eq!((here, there), (sent, 0), "on January {day}");
    }
    let (_, notes) = portal.spend_guard.notifications(&who).await.unwrap();
    // The reminders, oldest first (the bill's own `invoice.issued` came before them).
    let kinds: Vec<&str> = notes.iter().rev().map(|n| n.notice.kind()).collect();
    assert_eq!(
        kinds,
        [
            "invoice.issued",
            "invoice.due_soon",
            "invoice.overdue",
            "invoice.overdue",
            "invoice.overdue"
        ]
    );
    clock.set(noon(30, 1));
    let before = entitlements(&portal, &customer).await;
    assert!(before.iter().all(|(allowed, _)| *allowed), "{before:?}");
    clock.set(noon(31, 1));
    let after = entitlements(&portal, &customer).await;
    if suspend_after_days == 0 {
        clock.set(noon(28, 3));
        let later = entitlements(&portal, &customer).await;
        assert!(
            later.iter().all(|(allowed, _)| *allowed),
            "never: {later:?}"
        );
        return;
    }
    assert!(
        after.iter().all(|e| *e == (false, Some("overdue"))),
        "suspended: {after:?}"
    );
    assert!(portal.receivables.balance(&who).await.unwrap().suspended);
    // Paying part keeps it suspended; paying the rest lifts it at once.
    let pay = |reference: &str, amount: &str| PaymentInput {
        amount: Some(amount.into()),
        reference: Some(reference.into()),
        customer_id: Some(customer.to_string()),
        ..PaymentInput::default()
    };
    portal
        .receivables
        .receive_payment(&platform(), pay("R-1", "1.00"))
        .await
        .unwrap();
    let partly = entitlements(&portal, &customer).await;
    assert!(
        partly.iter().all(|e| *e == (false, Some("overdue"))),
        "{partly:?}"
    );
    let rest = invoice.amount.amount() - rust_decimal::Decimal::ONE;
    portal
        .receivables
        .receive_payment(&platform(), pay("R-2", &rest.to_string()))
        .await
        .unwrap();
    let lifted = entitlements(&portal, &customer).await;
    assert!(!portal.receivables.balance(&who).await.unwrap().suspended);
    assert!(
        lifted
            .iter()
            .all(|(allowed, reason)| *allowed && reason.is_none()),
        "{lifted:?}"
    );
    store.close().await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspended_while_long_overdue_on_sqlite() {
    suspended_while_long_overdue(Backend::Sqlite, 15).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suspended_while_long_overdue_on_postgres() {
    suspended_while_long_overdue(Backend::Postgres, 15).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn never_suspended_when_configured_so() {
    suspended_while_long_overdue(Backend::Sqlite, 0).await;
}
