//! The use cases against in-memory fakes of the ports, where a test needs what only
//! they give: a clock it moves, or units of work held at a barrier. The contract end to
//! end is shown by the black-box tests in `tests/api`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use chrono::{NaiveDate, TimeZone, Utc};
use portal_billing::plan_changes::PlanChangeError;
use portal_billing::test_support::{FixedClock, InMemoryStore};
use portal_billing::{AccountEdit, Portal, Principal, Role};
use portal_domain::{
    CustomerId, DateRange, InvoiceKind, InvoiceStatus, Month, PageRequest, PlanId, Product, UserId,
};
use rust_decimal_macros::dec;

struct World {
    portal: Portal,
    store: InMemoryStore,
    clock: std::sync::Arc<FixedClock>,
}

impl World {
    fn clock_set(&self, now: chrono::DateTime<Utc>) {
        self.clock.set(now);
    }
}

/// The demo data set, seeded on 19 Dec 2025 at 10:00 UTC.
async fn demo_world() -> World {
    let store = InMemoryStore::default();
    let clock = FixedClock::at(Utc.with_ymd_and_hms(2025, 12, 19, 10, 0, 0).unwrap());
    let portal = Portal::new(store.ports(clock.clone()));
    portal.demo.seed().await.unwrap();
    World {
        portal,
        store,
        clock,
    }
}

fn who(customer: &str, role: Role) -> Principal {
    Principal::new(
        CustomerId::parse(customer).unwrap(),
        UserId::parse("user_1").unwrap(),
        role,
    )
}

fn plan(id: &str) -> PlanId {
    PlanId::parse(id).unwrap()
}

fn admin() -> Principal {
    who("cust_demo", Role::Admin)
}

fn member() -> Principal {
    who("cust_demo", Role::Member)
}

#[tokio::test]
async fn demo_seed_matches_the_contract_and_is_idempotent() {
    let w = demo_world().await;
    let account = w.portal.accounts.account(&member()).await.unwrap();
    assert_eq!(account.company_name, "示例科技有限公司");
    assert_eq!(account.contact_email.as_str(), "zhangsan@example.com");

    let sub = w.portal.plan_changes.subscription(&member()).await.unwrap();
    assert_eq!(sub.plan.id.as_str(), "pro");
    assert_eq!(sub.status.as_str(), "active");

    let invoices = first_invoice_page(&w.portal, &member()).await;
    let ids: Vec<_> = invoices.iter().map(|i| i.id.to_string()).collect();
    // The three previous months and the current one, each invoiced on its first day.
    assert_eq!(
        ids,
        [
            "INV202512001",
            "INV202511001",
            "INV202510001",
            "INV202509001"
        ]
    );
    let statuses: Vec<_> = invoices.iter().map(|i| i.status).collect();
    // Unpaid past their due dates (the 16th) on the 19th: overdue, read from the date
    // (§15) though no run has marked them.
    assert_eq!(
        statuses,
        [
            InvoiceStatus::Overdue,
            InvoiceStatus::Overdue,
            InvoiceStatus::Paid,
            InvoiceStatus::Paid
        ]
    );
    // The account exists before the first invoice.
    assert!(account.created_at < invoices[3].created_at);
    assert!(invoices.iter().all(|i| i.amount.amount() == dec!(999.00)));

    let other = w
        .portal
        .invoices
        .invoices(&who("cust_demo2", Role::Member), PageRequest::default())
        .await
        .unwrap()
        .items;
    assert_eq!(other.len(), 2);
    assert_eq!(
        other[1].id.as_str(),
        "INV202511002",
        "numbered after cust_demo's in November"
    );

    // Every day of the last 90 has non-zero usage of every product.
    let range = DateRange::new(
        NaiveDate::from_ymd_opt(2025, 9, 21).unwrap(),
        NaiveDate::from_ymd_opt(2025, 12, 19).unwrap(),
    )
    .unwrap();
    let detail = w
        .portal
        .usage
        .usage_detail(&member(), range, None)
        .await
        .unwrap();
    assert_eq!(detail.len(), 90 * 3);
    assert!(detail.iter().all(|r| r.count > 0));

    let again = w.portal.demo.seed().await.unwrap();
    assert_eq!(again, Default::default(), "a second seed adds nothing");
    assert_eq!(w.store.all_invoices().len(), 6);
}

#[tokio::test]
async fn upgrade_changes_the_plan_and_invoices_the_prorated_difference() {
    let w = demo_world().await;
    let preview = w
        .portal
        .plan_changes
        .preview_upgrade(&member(), &plan("enterprise"))
        .await
        .unwrap();
    // December was invoiced as pro (999.00). From 19 Dec: pro for 18 of 31 days
    // (580.06) and enterprise for 13 (1,257.65), less the 999.00 invoiced: 838.71.
    assert_eq!(preview.amount.amount(), dec!(838.71));
    assert_eq!(preview.lines.len(), 3);

    let outcome = w
        .portal
        .plan_changes
        .upgrade(&admin(), &plan("enterprise"), None)
        .await
        .unwrap();
    assert_eq!(outcome.subscription.plan.id.as_str(), "enterprise");
    let invoice = outcome.invoice.expect("an upgrade mid-month owes money");
    assert_eq!(invoice.amount, preview.amount);
    assert_eq!(invoice.id.as_str(), "INV202512003");
    assert_eq!(invoice.status, InvoiceStatus::Pending);
    assert_eq!(invoice.kind, InvoiceKind::Adjustment);
    assert_eq!(
        w.portal
            .plan_changes
            .subscription(&member())
            .await
            .unwrap()
            .plan
            .id
            .as_str(),
        "enterprise"
    );

    // The quotas of the usage overview follow the new plan.
    let usage = w
        .portal
        .usage
        .usage_overview(&member(), None)
        .await
        .unwrap();
    let ai_chat = usage
        .products
        .iter()
        .find(|p| p.product == Product::AiChat)
        .unwrap();
    assert_eq!(ai_chat.quota, 50000);
}

#[tokio::test]
async fn concurrent_upgrades_leave_one_change_and_one_invoice() {
    let w = demo_world().await;
    // All three read the subscription before any of them writes: only the
    // compare-and-set on its version can keep two of them out.
    w.store.hold_ledger_reads(3);
    let results = futures_join(&w.portal).await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(ok, 1, "{results:?}");
    assert!(
        results
            .iter()
            .filter_map(|r| r.as_ref().err())
            .all(|e| matches!(e, PlanChangeError::Conflict(_)))
    );
    let adjustments = w
        .store
        .all_invoices()
        .into_iter()
        .filter(|i| i.kind == InvoiceKind::Adjustment)
        .count();
    assert_eq!(adjustments, 1);
}

async fn futures_join(
    portal: &Portal,
) -> Vec<Result<portal_billing::UpgradeOutcome, PlanChangeError>> {
    let a = admin();
    let enterprise = plan("enterprise");
    let (r1, r2, r3) = tokio::join!(
        portal.plan_changes.upgrade(&a, &enterprise, None),
        portal.plan_changes.upgrade(&a, &enterprise, None),
        portal.plan_changes.upgrade(&a, &enterprise, None),
    );
    vec![r1, r2, r3]
}

#[tokio::test]
async fn usage_overview_sums_counts_and_takes_the_seat_peak() {
    let w = demo_world().await;
    let month = Month::parse("2025-11").unwrap();
    let overview = w
        .portal
        .usage
        .usage_overview(&member(), Some(month))
        .await
        .unwrap();
    let detail = w
        .portal
        .usage
        .usage_detail(&member(), DateRange::month(month), None)
        .await
        .unwrap();
    let sum = |p: Product| {
        detail
            .iter()
            .filter(|r| r.product == p)
            .map(|r| r.count)
            .sum::<i64>()
    };
    let peak = detail
        .iter()
        .filter(|r| r.product == Product::AgentSeats)
        .map(|r| r.count)
        .max()
        .unwrap();
    let used: Vec<_> = overview
        .products
        .iter()
        .map(|p| (p.product, p.used, p.quota))
        .collect();
    assert_eq!(
        used,
        [
            (Product::AiChat, sum(Product::AiChat), 10000),
            (Product::Email, sum(Product::Email), 1000),
            (Product::AgentSeats, peak, 5),
        ]
    );
}

fn platform() -> portal_billing::PlatformCaller {
    portal_billing::PlatformCaller {
        name: "billing".into(),
    }
}

#[tokio::test]
async fn a_scheduled_downgrade_takes_effect_on_its_date_by_itself() {
    let w = demo_world().await;
    let view = w
        .portal
        .plan_changes
        .schedule_downgrade(&admin(), &plan("basic"))
        .await
        .unwrap();
    let change = view.scheduled_change.clone().unwrap();
    assert_eq!(change.plan_id.as_str(), "basic");
    assert_eq!(
        change.effective_date,
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
    );
    assert_eq!(view.plan.id.as_str(), "pro", "still on the current plan");
    assert!(matches!(
        w.portal
            .plan_changes
            .schedule_downgrade(&member(), &plan("basic"))
            .await,
        Err(PlanChangeError::Forbidden(_))
    ));
    assert!(matches!(
        w.portal
            .plan_changes
            .schedule_downgrade(&admin(), &plan("enterprise"))
            .await,
        Err(PlanChangeError::Conflict(_))
    ));

    // Billing January early does not apply it today, and bills January as basic.
    let jan = w
        .portal
        .billing
        .billing_run(&platform(), Month::parse("2026-01").unwrap())
        .await
        .unwrap();
    assert_eq!(jan.created, 2);
    let sub = w.portal.plan_changes.subscription(&member()).await.unwrap();
    assert_eq!(sub.plan.id.as_str(), "pro", "still pro in December");
    let newest = &w
        .portal
        .invoices
        .invoices(&member(), PageRequest::default())
        .await
        .unwrap()
        .items[0];
    assert_eq!(newest.period, Month::parse("2026-01").unwrap());
    assert_eq!(newest.amount.amount(), dec!(299.00));

    // On 1 January (Shanghai) the plan is basic, with no run in between.
    w.clock_set(Utc.with_ymd_and_hms(2025, 12, 31, 16, 30, 0).unwrap());
    let sub = w.portal.plan_changes.subscription(&member()).await.unwrap();
    assert_eq!(sub.plan.id.as_str(), "basic");
    assert!(sub.scheduled_change.is_none());
}

#[tokio::test]
async fn cancelling_a_scheduled_downgrade_keeps_the_plan_and_is_audited() {
    let w = demo_world().await;
    w.portal
        .plan_changes
        .schedule_downgrade(&admin(), &plan("basic"))
        .await
        .unwrap();
    let view = w
        .portal
        .plan_changes
        .cancel_scheduled_change(&admin())
        .await
        .unwrap();
    assert!(view.scheduled_change.is_none());
    w.portal
        .billing
        .billing_run(&platform(), Month::parse("2026-01").unwrap())
        .await
        .unwrap();
    assert_eq!(
        w.portal
            .plan_changes
            .subscription(&member())
            .await
            .unwrap()
            .plan
            .id
            .as_str(),
        "pro"
    );
    let log = first_audit_page(&w.portal, &member()).await;
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "subscription.downgrade_cancelled",
            "subscription.downgrade_scheduled"
        ]
    );
    assert_eq!(log[1].after["plan_id"], "basic");
}

#[tokio::test]
async fn the_preview_date_fixes_the_charge() {
    let w = demo_world().await;
    let preview = w
        .portal
        .plan_changes
        .preview_upgrade(&member(), &plan("enterprise"))
        .await
        .unwrap();
    // A day later the price would differ; with the preview's date it does not.
    w.clock_set(Utc.with_ymd_and_hms(2025, 12, 20, 10, 0, 0).unwrap());
    let outcome = w
        .portal
        .plan_changes
        .upgrade(&admin(), &plan("enterprise"), Some(preview.proration_date))
        .await
        .unwrap();
    assert_eq!(outcome.invoice.unwrap().amount, preview.amount);
    let later = w
        .portal
        .plan_changes
        .preview_upgrade(&admin(), &plan("enterprise"))
        .await;
    assert!(
        matches!(later, Err(PlanChangeError::Conflict(_))),
        "already upgraded: {later:?}"
    );
}

#[tokio::test]
async fn account_edits_are_audited_with_before_and_after() {
    let w = demo_world().await;
    let edit = AccountEdit {
        contact_name: Some("王五".into()),
        ..Default::default()
    };
    w.portal
        .accounts
        .update_account(&admin(), edit, None)
        .await
        .unwrap();
    let log = first_audit_page(&w.portal, &member()).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action.as_str(), "account.updated");
    assert_eq!(log[0].before["contact_name"], "张三");
    assert_eq!(log[0].after["contact_name"], "王五");
    assert!(
        !log[0].after.contains_key("company_name"),
        "only changed fields"
    );
    assert!(
        w.portal
            .accounts
            .audit_log(&who("cust_demo2", Role::Member), PageRequest::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

/// The first page of a customer's invoices (all of them, in these small worlds).
async fn first_invoice_page(
    portal: &Portal,
    who: &Principal,
) -> Vec<portal_domain::InvoiceSummary> {
    portal
        .invoices
        .invoices(who, PageRequest::default())
        .await
        .unwrap()
        .items
}

/// The first page of the audit log.
async fn first_audit_page(portal: &Portal, who: &Principal) -> Vec<portal_domain::AuditEntry> {
    portal
        .accounts
        .audit_log(who, PageRequest::default())
        .await
        .unwrap()
        .items
}
