//! The Redis cache against a real `redis-server` that each test starts on a free port,
//! so it can kill it, freeze it (SIGSTOP) and start it again. Raw keys are read with
//! `redis-cli`, as the platform's other services would.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use portal_billing::test_support::TextRenderer;
use portal_billing::{
    AccountEdit, CustomerRepository, Portal, Principal, Role, SubscriptionRepository, SystemClock,
};
use portal_domain::{CustomerId, PageRequest, PageSize, PlanId, UserId};
use portal_persistence::{CachedStore, RedisCache, SeaOrmStore};

mod common;
use common::TestRedis;

struct World {
    portal: Portal,
    cached: CachedStore,
    redis: TestRedis,
    _dir: std::path::PathBuf,
}

async fn world() -> World {
    let redis = TestRedis::start();
    let dir = std::env::temp_dir().join(format!("portal-cache-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = SeaOrmStore::connect(&format!("sqlite://{}/p.db?mode=rwc", dir.display()))
        .await
        .unwrap();
    db.migrate().await.unwrap();
    let cached = CachedStore::new(db, Arc::new(RedisCache::connect(&redis.url()).unwrap()));
    let portal = portal_over(cached.clone());
    portal.demo.seed().await.unwrap();
    World {
        portal,
        cached,
        redis,
        _dir: dir,
    }
}

/// The service as the server wires it.
fn portal_over(cached: CachedStore) -> Portal {
    Portal::new(cached.ports(Arc::new(TextRenderer::default()), Arc::new(SystemClock)))
}

fn admin() -> Principal {
    Principal::new(
        CustomerId::parse("cust_demo").unwrap(),
        UserId::parse("u1").unwrap(),
        Role::Admin,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_and_fields_follow_the_contract() {
    let w = world().await;
    w.portal.accounts.account(&admin()).await.unwrap();
    w.portal.plan_changes.subscription(&admin()).await.unwrap();
    // A page of one: the key still holds the whole list (below).
    let one = PageRequest::first(PageSize::new(1).unwrap());
    let page = w.portal.invoices.invoices(&admin(), one).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert!(page.next.is_some());

    let info = w.redis.json("customer:cust_demo:info").unwrap();
    assert_eq!(info["company_name"], "示例科技有限公司");
    assert_eq!(info["contact_name"], "张三");
    assert_eq!(info["contact_email"], "zhangsan@example.com");
    assert!(info["created_at"].is_string());

    let sub = w.redis.json("customer:cust_demo:subscription").unwrap();
    for field in ["plan_id", "plan_name", "start_date", "end_date", "status"] {
        assert!(sub[field].is_string(), "{field} in {sub}");
    }
    assert_eq!(
        (
            sub["plan_id"].as_str(),
            sub["plan_name"].as_str(),
            sub["status"].as_str()
        ),
        (Some("pro"), Some("专业版"), Some("active"))
    );

    let plan = w.redis.json("plans:pro").unwrap();
    assert_eq!(plan["name"], "专业版");
    assert_eq!(plan["price"], "999.00");
    assert_eq!(plan["period"], "month");
    // §14: the VAT rate its prices include.
    assert_eq!(plan["tax_rate"], "0.06");
    assert_eq!(
        plan["features"],
        serde_json::json!({"ai_chat_quota": 10000, "agent_seats": 5, "email_quota": 1000})
    );

    let invoices = w.redis.json("billing:cust_demo:invoices").unwrap();
    let first = &invoices[0];
    for field in ["invoice_id", "amount", "period", "status", "created_at"] {
        assert!(!first[field].is_null(), "{field} in {first}");
    }
    assert_eq!(invoices.as_array().unwrap().len(), 4);

    let today = portal_domain::BusinessCalendar::default().date_of(Utc::now());
    let month = today.format("%Y-%m").to_string();
    let day = w
        .redis
        .cli(&["HGETALL", &format!("usage:cust_demo:{today}:ai_chat")]);
    assert!(day.contains("count") && day.contains("updated_at"), "{day}");
    let summary = w
        .redis
        .cli(&["HGETALL", &format!("usage:cust_demo:{month}:summary")]);
    for field in ["ai_chat", "email", "agent_seats", "updated_at"] {
        assert!(summary.contains(field), "{field} in {summary}");
    }
    // The summary equals the database's month.
    let overview = w.portal.usage.usage_overview(&admin(), None).await.unwrap();
    let ai_chat: i64 = w
        .redis
        .cli(&[
            "HGET",
            &format!("usage:cust_demo:{month}:summary"),
            "ai_chat",
        ])
        .trim()
        .parse()
        .unwrap();
    let from_api = overview
        .products
        .iter()
        .find(|p| p.product == portal_domain::Product::AiChat)
        .unwrap();
    assert_eq!(ai_chat, from_api.used);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_are_in_redis_right_after_the_request() {
    let w = world().await;
    let edit = AccountEdit {
        company_name: Some("新名字科技".into()),
        ..Default::default()
    };
    edit_account(&w, edit).await;
    assert_eq!(
        w.redis.json("customer:cust_demo:info").unwrap()["company_name"],
        "新名字科技"
    );

    w.portal
        .plan_changes
        .upgrade(&admin(), &PlanId::parse("enterprise").unwrap(), None)
        .await
        .unwrap();
    assert_eq!(
        w.redis.json("customer:cust_demo:subscription").unwrap()["plan_id"],
        "enterprise"
    );
    assert_eq!(
        w.redis
            .json("billing:cust_demo:invoices")
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        5,
        "the four seeded and the upgrade's"
    );

    let caller = portal_billing::PlatformCaller { name: "t".into() };
    let now = Utc::now();
    // The day an event counts for is its business date (Asia/Shanghai), not UTC's.
    let day = portal_domain::BusinessCalendar::default().date_of(now);
    let key = format!("usage:cust_demo:{day}:email");
    let before: i64 = w
        .redis
        .cli(&["HGET", &key, "count"])
        .trim()
        .parse()
        .unwrap();
    let event = portal_domain::RawUsageEvent {
        event_id: "cache-e1".into(),
        customer_id: "cust_demo".into(),
        product: "email".into(),
        count: 7,
        occurred_at: now.to_rfc3339(),
    };
    w.portal
        .usage
        .ingest_usage(&caller, &[event])
        .await
        .unwrap();
    let after: i64 = w
        .redis
        .cli(&["HGET", &key, "count"])
        .trim()
        .parse()
        .unwrap();
    assert_eq!(after, before + 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_succeed_while_redis_is_dead_and_the_cache_refills_after() {
    let mut w = world().await;
    w.portal.accounts.account(&admin()).await.unwrap();
    w.redis.kill();
    for i in 0..20 {
        let updated = edit_account(&w, contact(&format!("联系人{i}"))).await;
        assert_eq!(w.portal.accounts.account(&admin()).await.unwrap(), updated);
    }
    w.portal.plan_changes.subscription(&admin()).await.unwrap();
    w.redis.spawn();
    // Reads go on; once the breaker lets Redis back in, the key is refilled with the
    // last value. Polled with a deadline: the breaker's half-open probe decides when.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let account = w.portal.accounts.account(&admin()).await.unwrap();
        assert_eq!(account.contact_name, "联系人19");
        let cached = w.redis.json("customer:cust_demo:info");
        if cached.as_ref().map(|v| v["contact_name"] == "联系人19") == Some(true) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the cache was not refilled after the restart: {cached:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_redis_neither_stalls_requests_nor_leaves_a_stale_value() {
    let w = world().await;
    w.portal.accounts.account(&admin()).await.unwrap();
    assert_eq!(
        w.redis.json("customer:cust_demo:info").unwrap()["contact_name"],
        "张三"
    );

    w.redis.signal("-STOP");
    edit_account(&w, contact("王五")).await;
    // Reads see the change while Redis hangs: the key is known to be stale.
    assert_eq!(
        w.portal
            .accounts
            .account(&admin())
            .await
            .unwrap()
            .contact_name,
        "王五"
    );
    w.portal.plan_changes.subscription(&admin()).await.unwrap();
    w.redis.signal("-CONT");

    // Within the repair interval the old value is gone from Redis.
    let mut repaired = false;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        match w.redis.json("customer:cust_demo:info") {
            Some(v) if v["contact_name"] == "张三" => continue,
            _ => {
                repaired = true;
                break;
            }
        }
    }
    assert!(repaired, "the stale value outlived the outage");
    assert_eq!(
        w.portal
            .accounts
            .account(&admin())
            .await
            .unwrap()
            .contact_name,
        "王五"
    );
    assert_eq!(
        w.redis.json("customer:cust_demo:info").unwrap()["contact_name"],
        "王五"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_misses_make_one_database_read() {
    let w = world().await;
    w.redis.cli(&["DEL", "customer:cust_demo:info"]);
    let before = w.cached.cache_fills();
    let id = CustomerId::parse("cust_demo").unwrap();
    let reads = (0..1000).map(|_| {
        let store = w.cached.clone();
        let id = id.clone();
        tokio::spawn(async move { CustomerRepository::find(&store, &id).await })
    });
    let results = futures::future::join_all(reads).await;
    assert!(results.into_iter().all(|r| r.unwrap().unwrap().is_some()));
    assert_eq!(w.cached.cache_fills() - before, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_dead_reads_are_answered_without_a_database_read_each() {
    let mut w = world().await;
    let id = CustomerId::parse("cust_demo").unwrap();
    CustomerRepository::find(&w.cached, &id).await.unwrap();
    w.redis.kill();
    // A write whose Redis update fails: the key is dirty from now on.
    edit_account(&w, contact("李四")).await;
    let before = w.cached.cache_fills();
    for _ in 0..5 {
        let reads = (0..200).map(|_| {
            let store = w.cached.clone();
            let id = id.clone();
            tokio::spawn(async move { CustomerRepository::find(&store, &id).await })
        });
        let results = futures::future::join_all(reads).await;
        assert!(
            results
                .into_iter()
                .all(|r| r.unwrap().unwrap().unwrap().contact_name == "李四")
        );
    }
    // 1,000 reads in well under a second: one database read, kept for the others.
    let fills = w.cached.cache_fills() - before;
    assert!(
        (1..=2).contains(&fills),
        "{fills} database reads for 1,000 requests"
    );

    // Another write on this process is seen at once, Redis still dead.
    let updated = edit_account(&w, contact("王五")).await;
    assert_eq!(
        CustomerRepository::find(&w.cached, &id)
            .await
            .unwrap()
            .unwrap(),
        updated
    );
}

/// Prices charged come from the database inside the charging transaction: another
/// service writing a different price into `plans:enterprise` changes nothing charged,
/// even for a portal process that has not read the plan yet (nothing in process).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_redis_plan_price_does_not_change_what_is_charged() {
    let w = world().await;
    let enterprise = PlanId::parse("enterprise").unwrap();
    let honest = w
        .portal
        .plan_changes
        .preview_upgrade(&admin(), &enterprise)
        .await
        .unwrap();
    let mut forged = w.redis.json("plans:enterprise").unwrap();
    forged["price"] = serde_json::json!("1.00");
    forged["tax_rate"] = serde_json::json!("0.20");
    w.redis
        .cli(&["SET", "plans:enterprise", &forged.to_string()]);

    // A second portal process on the same database and Redis.
    let db = SeaOrmStore::connect(&format!("sqlite://{}/p.db?mode=rwc", w._dir.display()))
        .await
        .unwrap();
    let other = CachedStore::new(db, Arc::new(RedisCache::connect(&w.redis.url()).unwrap()));
    let portal = portal_over(other);
    let listed = portal.plan_changes.plans(&admin()).await.unwrap();
    assert!(listed.iter().any(|p| p.id == enterprise));
    let outcome = portal
        .plan_changes
        .upgrade(&admin(), &enterprise, None)
        .await
        .unwrap();
    let invoice = outcome.invoice.expect("the upgrade owes money");
    assert_eq!(invoice.amount, honest.amount);
    assert!(invoice.amount.amount() > rust_decimal::Decimal::ONE);
    // Nor what is taxed: the lines carry the database's rate.
    assert!(
        invoice
            .lines
            .iter()
            .all(|l| l.tax.rate.to_string() == "0.06")
    );
}

/// A filled subscription key answers later reads: the database is read once, however
/// many reads follow (each key's value must read back as what was written).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filled_keys_answer_later_reads_without_the_database() {
    let w = world().await;
    let id = CustomerId::parse("cust_demo").unwrap();
    for key in ["customer:cust_demo:subscription", "customer:cust_demo:info"] {
        w.redis.cli(&["DEL", key]);
    }
    let before = w.cached.cache_fills();
    for _ in 0..50 {
        SubscriptionRepository::current(&w.cached, &id)
            .await
            .unwrap()
            .unwrap();
        CustomerRepository::find(&w.cached, &id)
            .await
            .unwrap()
            .unwrap();
    }
    assert_eq!(w.cached.cache_fills() - before, 2, "one fill per key");
}

/// An edit of the contact name alone.
fn contact(name: &str) -> AccountEdit {
    AccountEdit {
        contact_name: Some(name.into()),
        ..Default::default()
    }
}

/// Saves an edit as the demo admin and returns the account as saved.
async fn edit_account(w: &World, edit: AccountEdit) -> portal_domain::Customer {
    w.portal
        .accounts
        .update_account(&admin(), edit, None)
        .await
        .unwrap()
}
