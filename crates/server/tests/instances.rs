//! Several instances (contract §13): three `portal serve` processes on one PostgreSQL
//! and one Redis. A write through one is read through the others at once (account,
//! subscription, plan change, usage); what an instance keeps in process (entitlement
//! answers) is dropped when another instance publishes a change (Redis pub/sub), not
//! when it expires; the plans an instance keeps are re-read within their stated bound, and
//! so is a load kept while Redis is down.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::time::{Duration, Instant};

use portal_persistence::test_support::{TestPg, TestRedis};
use reqwest::Client;
use serde_json::{Value, json};

mod common;
use common::{Portal, psql};

/// Entitlement answers kept the longest the setting allows: without the change feed
/// another instance's change would show only after this.
const KEPT_MS: &str = "1000";
/// How soon a change must show through another instance.
const AT_ONCE: Duration = Duration::from_millis(300);

struct Cluster {
    portals: Vec<Portal>,
    client: Client,
}

impl Cluster {
    async fn get(&self, i: usize, path: &str, token: &str) -> Value {
        let resp = self
            .client
            .get(self.portals[i].url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "GET {path} on instance {i}");
        resp.json().await.unwrap()
    }

    async fn send(&self, i: usize, method: &str, path: &str, token: &str, body: &Value) -> Value {
        let url = self.portals[i].url(path);
        let request = match method {
            "PUT" => self.client.put(url),
            _ => self.client.post(url),
        };
        let resp = request.bearer_auth(token).json(body).send().await.unwrap();
        assert!(
            resp.status().is_success(),
            "{method} {path}: {}",
            resp.status()
        );
        resp.json().await.unwrap()
    }

    /// Polls instance `i` until `check` holds of `path`'s body, for at most `within`.
    async fn shows(
        &self,
        i: usize,
        path: &str,
        token: &str,
        within: Duration,
        check: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let body = self.get(i, path, token).await;
            if check(&body) {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "instance {i} still shows {body} after {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

fn ai_chat(entitlements: &Value) -> &Value {
    entitlements["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["product"] == "ai_chat")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_read_each_others_writes_at_once() {
    let pg = TestPg::create().await;
    let redis = TestRedis::start();
    let env = [
        ("REDIS_URL", redis.url()),
        ("PORTAL_ENTITLEMENT_TTL_MS", KEPT_MS.to_owned()),
        ("PORTAL_RATE_LIMIT", "1000000".to_owned()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let portals: Vec<Portal> = (0..3).map(|_| Portal::new(&pg.url, &env)).collect();
    portals[0].output(&["seed", "--demo"]);
    let mut running = Vec::new();
    for p in &portals {
        running.push(p.serve().await);
    }
    let admin = portals[0].token(Some("cust_demo"), "admin");
    let service = portals[0].token(None, "service");
    let c = Cluster {
        portals,
        client: Client::new(),
    };

    // Account: written through 0, read through 1 and 2 at once.
    for i in [1, 2] {
        c.get(i, "/api/portal/account", &admin).await;
    }
    c.send(
        0,
        "PUT",
        "/api/portal/account",
        &admin,
        &json!({"company_name": "多实例测试有限公司"}),
    )
    .await;
    for i in [1, 2] {
        let account = c.get(i, "/api/portal/account", &admin).await;
        assert_eq!(
            account["company_name"], "多实例测试有限公司",
            "instance {i}"
        );
    }

    // Usage ingested through 0 shows in 1's and 2's entitlements at once, though each
    // kept its answer just before (for up to a second).
    let before: Vec<i64> = {
        let mut v = Vec::new();
        for i in [1, 2] {
            let e = c
                .get(i, "/api/internal/entitlements/cust_demo", &service)
                .await;
            v.push(ai_chat(&e)["used"].as_i64().unwrap());
        }
        v
    };
    let now = chrono::Utc::now().to_rfc3339();
    c.send(
        0,
        "POST",
        "/api/internal/usage",
        &service,
        &json!({"events": [{"event_id": "evt_multi_1", "customer_id": "cust_demo", "product": "ai_chat", "count": 7, "occurred_at": now}]}),
    )
    .await;
    for (k, i) in [1, 2].into_iter().enumerate() {
        c.shows(
            i,
            "/api/internal/entitlements/cust_demo",
            &service,
            AT_ONCE,
            |e| ai_chat(e)["used"].as_i64() == Some(before[k] + 7),
        )
        .await;
    }

    // A plan change through 0: 1 and 2 show the new plan, and the new plan's quota in
    // a capped product's limit, at once.
    c.send(
        0,
        "PUT",
        "/api/portal/caps",
        &admin,
        &json!({"caps": [{"product": "ai_chat", "stop_at_percent": 100}]}),
    )
    .await;
    let mut limits = Vec::new();
    for i in [1, 2] {
        let sub = c.get(i, "/api/portal/subscription", &admin).await;
        assert_eq!(sub["plan_id"], "pro", "instance {i}");
        let e = c
            .get(i, "/api/internal/entitlements/cust_demo", &service)
            .await;
        limits.push(ai_chat(&e)["limit"].as_i64().unwrap());
    }
    c.send(
        0,
        "POST",
        "/api/portal/subscription/upgrade",
        &admin,
        &json!({"plan_id": "enterprise"}),
    )
    .await;
    for (k, i) in [1, 2].into_iter().enumerate() {
        let sub = c.get(i, "/api/portal/subscription", &admin).await;
        assert_eq!(sub["plan_id"], "enterprise", "instance {i}: {sub}");
        c.shows(
            i,
            "/api/internal/entitlements/cust_demo",
            &service,
            AT_ONCE,
            |e| ai_chat(e)["limit"].as_i64().is_some_and(|l| l > limits[k]),
        )
        .await;
    }

    // Plans are kept in process for at most 10 s (PLAN_LOCAL_TTL): a plan renamed in the
    // database (and its key dropped, as a release does) shows in a subscription within it.
    psql(
        &pg.url,
        "UPDATE plans SET name = '旗舰版 2027' WHERE id = 'enterprise'",
    );
    redis.cli(&["DEL", "plans:enterprise", "customer:cust_demo:subscription"]);
    let started = Instant::now();
    c.shows(
        1,
        "/api/portal/subscription",
        &admin,
        Duration::from_secs(12),
        |s| s["plan_name"] == "旗舰版 2027",
    )
    .await;
    eprintln!("a renamed plan showed after {:?}", started.elapsed());

    // Redis dies: each instance answers from PostgreSQL, keeping a finished load for at
    // most a second (FLIGHT_REUSE); a write through 0 shows through 1 within it.
    let mut redis = redis;
    c.get(1, "/api/portal/account", &admin).await;
    redis.kill();
    c.get(1, "/api/portal/account", &admin).await;
    c.send(
        0,
        "PUT",
        "/api/portal/account",
        &admin,
        &json!({"company_name": "Redis 停机有限公司"}),
    )
    .await;
    let started = Instant::now();
    c.shows(
        1,
        "/api/portal/account",
        &admin,
        Duration::from_millis(1_500),
        |a| a["company_name"] == "Redis 停机有限公司",
    )
    .await;
    eprintln!(
        "with Redis dead, another instance's write showed after {:?}",
        started.elapsed()
    );
    drop(running);
}
