//! The cache over a real three-master Redis Cluster (`REDIS_URL` listing every node),
//! with a fresh PostgreSQL database per test. Keys are read from the node serving their
//! slot with `redis-cli`, as the platform's other services would.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use portal_billing::test_support::TextRenderer;
use portal_billing::{
    AccountEdit, CustomerRepository, PlanCatalog, PlatformCaller, Portal, Principal, Role,
    SystemClock,
};
use portal_domain::{BusinessCalendar, CustomerId, PlanId, RawUsageEvent, UserId};
use portal_persistence::test_support::TestRedisCluster;
use portal_persistence::{CachedStore, KeyValue, RedisCache, SeaOrmStore};

mod common;
use common::TestPg;

struct World {
    portal: Portal,
    cached: CachedStore,
    cache: RedisCache,
    cluster: TestRedisCluster,
    /// One customer per master, by the master serving its `customer:{id}:info` key.
    customers: BTreeMap<u16, String>,
    _pg: TestPg,
}

async fn world() -> World {
    let cluster = TestRedisCluster::start();
    let pg = TestPg::create().await;
    let db = SeaOrmStore::connect(&pg.url).await.unwrap();
    db.migrate().await.unwrap();
    let cache = RedisCache::connect(&cluster.url()).unwrap();
    let cached = CachedStore::new(db, Arc::new(cache.clone()));
    let portal = Portal::new(
        cached
            .clone()
            .ports(Arc::new(TextRenderer::default()), Arc::new(SystemClock)),
    );
    portal.demo.seed().await.unwrap();

    // Customers whose info keys hash to each of the three masters.
    let mut customers = BTreeMap::new();
    for i in 0.. {
        let id = format!("cust_c{i}");
        customers
            .entry(cluster.port_of(&format!("customer:{id}:info")))
            .or_insert(id);
        if customers.len() == 3 {
            break;
        }
        assert!(i < 100, "no customer ids spread over the masters");
    }
    let today = today();
    for id in customers.values() {
        portal
            .accounts
            .provision_customer(
                &platform(),
                &CustomerId::parse(id).unwrap(),
                "集群科技",
                "赵六",
                "zhao@example.com",
            )
            .await
            .unwrap();
        portal
            .plan_changes
            .provision_subscription(
                &platform(),
                &CustomerId::parse(id).unwrap(),
                &PlanId::parse("pro").unwrap(),
                today - chrono::Days::new(10),
                today + chrono::Days::new(355),
            )
            .await
            .unwrap();
    }
    World {
        portal,
        cached,
        cache,
        cluster,
        customers,
        _pg: pg,
    }
}

fn today() -> chrono::NaiveDate {
    BusinessCalendar::default().date_of(Utc::now())
}

fn platform() -> PlatformCaller {
    PlatformCaller { name: "t".into() }
}

fn admin(id: &str) -> Principal {
    Principal::new(
        CustomerId::parse(id).unwrap(),
        UserId::parse("u1").unwrap(),
        Role::Admin,
    )
}

fn usage(id: &str, event: &str, count: i64) -> RawUsageEvent {
    RawUsageEvent {
        event_id: event.into(),
        customer_id: id.into(),
        product: "ai_chat".into(),
        count,
        occurred_at: Utc::now().to_rfc3339(),
    }
}

/// The JSON under `key` on the master serving its slot, read from that node directly.
fn json_on_owner(cluster: &TestRedisCluster, key: &str) -> Option<serde_json::Value> {
    let raw = cluster.cli(cluster.port_of(key), &["GET", key]);
    serde_json::from_str(raw.trim()).ok()
}

/// Awaits `call`, which must answer within a second (fail fast, then fail open).
async fn within_a_second<T>(what: &str, call: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(1), call)
        .await
        .unwrap_or_else(|_| panic!("{what} took more than a second"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contract_keys_land_on_the_master_serving_their_slot() {
    let w = world().await;
    assert_eq!(w.customers.len(), 3);
    let day = today();
    for (i, id) in w.customers.values().enumerate() {
        w.portal.accounts.account(&admin(id)).await.unwrap();
        w.portal
            .plan_changes
            .subscription(&admin(id))
            .await
            .unwrap();
        let event = usage(id, &format!("cluster-e{i}"), 7 + i as i64);
        w.portal
            .usage
            .ingest_usage(&platform(), &[event])
            .await
            .unwrap();

        let info = format!("customer:{id}:info");
        let value = json_on_owner(&w.cluster, &info).unwrap();
        assert_eq!(value["company_name"], "集群科技");
        assert_eq!(value["contact_email"], "zhao@example.com");
        // The same through any node, following the redirection.
        assert_eq!(w.cluster.json(&info).unwrap(), value);

        let sub = json_on_owner(&w.cluster, &format!("customer:{id}:subscription")).unwrap();
        assert_eq!(
            (sub["plan_id"].as_str(), sub["status"].as_str()),
            (Some("pro"), Some("active")),
            "{sub}"
        );

        let key = format!("usage:{id}:{day}:ai_chat");
        let count = w
            .cluster
            .cli(w.cluster.port_of(&key), &["HGET", &key, "count"]);
        assert_eq!(count.trim(), (7 + i).to_string(), "{key}");
        assert!(
            !w.cluster
                .cli_c(&["HGET", &key, "updated_at"])
                .trim()
                .is_empty()
        );
    }
    // The info keys are spread over the three masters, each read on its own master.
    let owners: BTreeSet<u16> = w
        .customers
        .values()
        .map(|id| w.cluster.port_of(&format!("customer:{id}:info")))
        .collect();
    assert_eq!(owners.len(), 3);

    // Several keys in different slots go in one call (a DEL across slots is refused).
    let keys: Vec<String> = w
        .customers
        .values()
        .map(|id| format!("customer:{id}:info"))
        .collect();
    w.cache.del(&keys).await.unwrap();
    for key in &keys {
        assert_eq!(w.cluster.cli_c(&["EXISTS", key]).trim(), "0", "{key}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_upsert_clears_subscription_keys_on_every_master() {
    let w = world().await;
    let ids: Vec<String> = (0..30).map(|i| format!("cust_bulk{i}")).collect();
    for id in w.customers.values().chain(&ids) {
        if !ids.contains(id) {
            w.portal
                .plan_changes
                .subscription(&admin(id))
                .await
                .unwrap();
            continue;
        }
        w.portal
            .accounts
            .provision_customer(
                &platform(),
                &CustomerId::parse(id).unwrap(),
                "批量科技",
                "钱七",
                "qian@example.com",
            )
            .await
            .unwrap();
        w.portal
            .plan_changes
            .provision_subscription(
                &platform(),
                &CustomerId::parse(id).unwrap(),
                &PlanId::parse("pro").unwrap(),
                today(),
                today() + chrono::Days::new(30),
            )
            .await
            .unwrap();
        w.portal
            .plan_changes
            .subscription(&admin(id))
            .await
            .unwrap();
    }
    for port in w.cluster.ports() {
        assert!(
            w.cluster.keys_on(port, "customer:*:subscription").len() > 1,
            "several subscription keys on the master {port}"
        );
    }

    // What a release changing a plan does: the name is in every subscription key.
    let pro = PlanId::parse("pro").unwrap();
    let mut plan = PlanCatalog::find(&w.cached, &pro).await.unwrap().unwrap();
    plan.name = "专业版二代".into();
    PlanCatalog::upsert(&w.cached, &plan).await.unwrap();

    for port in w.cluster.ports() {
        let left = w.cluster.keys_on(port, "customer:*:subscription");
        assert!(left.is_empty(), "left on the master {port}: {left:?}");
        assert!(
            !w.cluster.keys_on(port, "customer:*:info").is_empty(),
            "only the matching keys go"
        );
    }
    let id = w.customers.values().next().unwrap();
    assert_eq!(
        w.portal
            .plan_changes
            .subscription(&admin(id))
            .await
            .unwrap()
            .plan
            .name,
        "专业版二代"
    );
    let sub = json_on_owner(&w.cluster, &format!("customer:{id}:subscription")).unwrap();
    assert_eq!(sub["plan_name"], "专业版二代");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_master_dead_requests_succeed_and_the_live_masters_keep_serving() {
    let mut w = world().await;
    let mut ports = w.customers.keys().copied();
    let (dead, live) = (ports.next().unwrap(), ports.next().unwrap());
    let victim = w.customers[&dead].clone();
    let survivor = w.customers[&live].clone();
    for id in [&victim, &survivor] {
        w.portal.accounts.account(&admin(id)).await.unwrap();
    }
    w.cluster.kill(dead);

    for i in 0..10 {
        for id in [&victim, &survivor] {
            let name = format!("联系人{i}");
            let edit = AccountEdit {
                contact_name: Some(name.clone()),
                ..Default::default()
            };
            let saved = within_a_second("an account edit", async {
                w.portal
                    .accounts
                    .update_account(&admin(id), edit, None)
                    .await
            })
            .await
            .unwrap();
            assert_eq!(saved.contact_name, name);
            let read = within_a_second("an account read", w.portal.accounts.account(&admin(id)))
                .await
                .unwrap();
            assert_eq!(read.contact_name, name, "the database's value for {id}");
            let sub = within_a_second(
                "a subscription read",
                w.portal.plan_changes.subscription(&admin(id)),
            )
            .await
            .unwrap();
            assert_eq!(sub.plan.id.as_str(), "pro");
            let event = usage(id, &format!("dead-e{i}-{id}"), 1);
            within_a_second(
                "a usage batch",
                w.portal.usage.ingest_usage(&platform(), &[event]),
            )
            .await
            .unwrap();
        }
    }

    // The survivor's master holds its last value (written, or refilled after a repair),
    // and serves the reads that follow: no database read for them.
    let key = format!("customer:{survivor}:info");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let account = w.portal.accounts.account(&admin(&survivor)).await.unwrap();
        assert_eq!(account.contact_name, "联系人9");
        let cached = w.cluster.cli(live, &["GET", &key]);
        if cached.contains("联系人9") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not in the live master: {cached}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Reads of keys on the dead master, interleaved, fail over to the database each
    // time (more failures in a row than open a breaker); the survivor's reads are still
    // answered by its master, with no database read.
    let id = CustomerId::parse(&survivor).unwrap();
    let on_dead_master = format!("customer:{victim}:info");
    for _ in 0..20 {
        within_a_second(
            "a read on the dead master",
            w.portal.accounts.account(&admin(&victim)),
        )
        .await
        .unwrap();
        for _ in 0..5 {
            let read = within_a_second("a read on the dead master", w.cache.get(&on_dead_master));
            assert!(
                read.await.is_err(),
                "{on_dead_master} read from a dead master"
            );
        }
        let before = w.cached.cache_fills();
        let read = within_a_second("a cached read", CustomerRepository::find(&w.cached, &id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(read.contact_name, "联系人9");
        assert_eq!(
            w.cached.cache_fills() - before,
            0,
            "the live master answers its keys"
        );
    }
}
