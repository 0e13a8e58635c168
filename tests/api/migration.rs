//! Data of the previous version moves forward: a database migrated to the previous
//! schema and filled as the previous version's seed and operations left it (a pro
//! customer upgraded to enterprise on 20 November with a one-line proration invoice, and
//! a downgrade to pro scheduled for 1 December) is migrated, then billed again.

use chrono::{NaiveDate, TimeZone, Utc};
use portal_billing::test_support::FixedClock;
use portal_billing::{InvoiceRepository, PlatformCaller, SubscriptionRepository};
use portal_domain::{CustomerId, InvoiceId, LineKind, Month, PageRequest, PlanId};
use portal_migration::{Migrator, MigratorTrait};
use portal_persistence::SeaOrmStore;
use sea_orm::{ConnectionTrait, Database};

use crate::helpers::{Backend, TestDatabase, portal_on};
use crate::on_both_databases;

on_both_databases!(the_previous_versions_data_migrates_forward);

/// Rows as the previous version wrote them (its seed on 26 November 2026, then an
/// upgrade on 20 November and a scheduled downgrade).
const PREVIOUS: &[&str] = &[
    "INSERT INTO plans (id, name, price_minor, currency, ai_chat_quota, agent_seats, email_quota) VALUES \
     ('basic', '基础版', 29900, 'CNY', 2000, 2, 200), ('pro', '专业版', 99900, 'CNY', 10000, 5, 1000), \
     ('enterprise', '企业版', 299900, 'CNY', 50000, 20, 5000)",
    "INSERT INTO customers (id, company_name, contact_name, contact_email, created_at, updated_at) VALUES \
     ('cust_demo', '示例科技有限公司', '张三', 'zhangsan@example.com', '2026-11-26 10:00:00+00:00', '2026-11-26 10:00:00+00:00')",
    "INSERT INTO subscriptions (id, customer_id, plan_id, start_date, end_date, status, version, created_at, updated_at, scheduled_plan_id, scheduled_effective_date) VALUES \
     ('sub_cust_demo', 'cust_demo', 'enterprise', '2026-08-01', '2027-07-31', 'active', 3, '2026-11-26 10:00:00+00:00', '2026-11-26 10:00:00+00:00', 'pro', '2026-12-01')",
    "INSERT INTO invoices (id, customer_id, period, kind, status, amount_minor, currency, created_at, due_date) VALUES \
     ('INV202608001', 'cust_demo', '2026-08', 'subscription', 'paid', 99900, 'CNY', '2026-08-01 00:00:00+00:00', '2026-08-16'), \
     ('INV202609001', 'cust_demo', '2026-09', 'subscription', 'paid', 99900, 'CNY', '2026-09-01 00:00:00+00:00', '2026-09-16'), \
     ('INV202610001', 'cust_demo', '2026-10', 'subscription', 'pending', 99900, 'CNY', '2026-10-01 00:00:00+00:00', '2026-10-16'), \
     ('INV202611001', 'cust_demo', '2026-11', 'subscription', 'pending', 99900, 'CNY', '2026-11-01 00:00:00+00:00', '2026-11-16'), \
     ('INV202611002', 'cust_demo', '2026-11', 'proration', 'pending', 73333, 'CNY', '2026-11-20 03:00:00+00:00', '2026-12-05')",
    "INSERT INTO invoice_lines (invoice_id, position, description, quantity, unit_price_minor, amount_minor) VALUES \
     ('INV202608001', 0, '专业版 月费 2026-08 / pro monthly fee 2026-08', 1, 99900, 99900), \
     ('INV202609001', 0, '专业版 月费 2026-09 / pro monthly fee 2026-09', 1, 99900, 99900), \
     ('INV202610001', 0, '专业版 月费 2026-10 / pro monthly fee 2026-10', 1, 99900, 99900), \
     ('INV202611001', 0, '专业版 月费 2026-11 / pro monthly fee 2026-11', 1, 99900, 99900), \
     ('INV202611002', 0, '升级 专业版 → 企业版，2026-11-20 至 2026-11-30（11/30 天） / Upgrade pro → enterprise, 2026-11-20 to 2026-11-30 (11/30 days)', 1, 73333, 73333)",
    "INSERT INTO invoice_sequences (month, last_seq) VALUES ('202608', 1), ('202609', 1), ('202610', 1), ('202611', 2)",
    "INSERT INTO audit_log (customer_id, user_id, action, details, at) VALUES \
     ('cust_demo', 'u1', 'subscription.upgraded', '{\"before\":{\"plan_id\":\"pro\"},\"after\":{\"amount\":\"733.33\",\"invoice_id\":\"INV202611002\",\"plan_id\":\"enterprise\",\"proration_date\":\"2026-11-20\"}}', '2026-11-20 03:00:00+00:00'), \
     ('cust_demo', 'u1', 'subscription.downgrade_scheduled', '{\"before\":{\"plan_id\":\"enterprise\"},\"after\":{\"effective_date\":\"2026-12-01\",\"plan_id\":\"pro\"}}', '2026-11-21 03:00:00+00:00')",
];

async fn the_previous_versions_data_migrates_forward(backend: Backend) {
    let (_db, url) = TestDatabase::create(backend).await;
    let raw = Database::connect(&url).await.unwrap();
    Migrator::up(&raw, Some(2)).await.unwrap();
    for sql in PREVIOUS {
        raw.execute_unprepared(sql).await.unwrap();
    }
    raw.close().await.unwrap();

    let store = SeaOrmStore::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    let customer = CustomerId::parse("cust_demo").unwrap();

    // The timeline: pro until the upgrade, enterprise from it, pro again from the
    // scheduled downgrade's date.
    let sub = store.current(&customer).await.unwrap().unwrap();
    let segments: Vec<(String, NaiveDate, NaiveDate)> = sub
        .segments
        .iter()
        .map(|s| (s.plan_id.to_string(), s.from, s.to))
        .collect();
    assert_eq!(
        segments,
        [
            ("pro".to_owned(), d(8, 1), d(11, 19)),
            ("enterprise".to_owned(), d(11, 20), d(11, 30)),
            (
                "pro".to_owned(),
                d(12, 1),
                NaiveDate::from_ymd_opt(2027, 7, 31).unwrap()
            ),
        ]
    );
    assert_eq!(
        sub.plan_on(d(11, 26)),
        Some(&PlanId::parse("enterprise").unwrap())
    );

    // Fee lines know their segment; the old upgrade's line is kept as it was.
    let october = store
        .find(&customer, &InvoiceId::parse("INV202610001").unwrap())
        .await
        .unwrap()
        .unwrap();
    let detail = october.lines[0].detail.clone().unwrap();
    assert_eq!(detail.kind, LineKind::Fee);
    assert_eq!(
        (detail.from, detail.to, detail.days, detail.days_in_month),
        (d(10, 1), d(10, 31), 31, 31)
    );
    assert_eq!(detail.plan_name, "专业版");
    let upgrade = store
        .find(&customer, &InvoiceId::parse("INV202611002").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(upgrade.lines[0].detail.is_none());
    assert_eq!(upgrade.amount.amount().to_string(), "733.33");

    // Billing again: the migrated months owe nothing more, November (closed by its old
    // upgrade line) is left alone, December is pro as scheduled, numbered after the
    // previous version's invoices.
    let clock = FixedClock::at(Utc.with_ymd_and_hms(2026, 11, 26, 4, 0, 0).unwrap());
    let portal = portal_on(store.clone(), clock);
    let caller = PlatformCaller {
        name: "test".into(),
    };
    for period in ["2026-08", "2026-09", "2026-10", "2026-11"] {
        let r = portal
            .billing
            .billing_run(&caller, Month::parse(period).unwrap())
            .await
            .unwrap();
        assert_eq!(r.created, 0, "{period}");
    }
    let december = portal
        .billing
        .billing_run(&caller, Month::parse("2026-12").unwrap())
        .await
        .unwrap();
    assert_eq!(december.created, 1);
    let list = store
        .list(&customer, &PageRequest::default())
        .await
        .unwrap()
        .items;
    assert_eq!(list[0].id.as_str(), "INV202611003");
    assert_eq!(list[0].amount.amount().to_string(), "999.00");
    store.close().await.unwrap();
}
