//! `spawn_app`: the real server on port 0 against a fresh database, seeded with the demo
//! data. Each test gets its own SQLite file or its own PostgreSQL database, dropped
//! afterwards, so tests run in parallel. `TEST_LOG=1` shows the server's logs.

use std::sync::Once;

use chrono::Utc;
use portal_http::{Claims, TokenKeys, TokenRole};
use portal_persistence::test_support::{TestPg, TestRedis};
use portal_server::{Application, Settings};
use reqwest::{Client, RequestBuilder, Response};
use serde_json::Value;

pub const SECRET: &str = "test-secret-0123456789abcdef-0123456789";
/// The service tokens' own key: PostgreSQL requires one (§17).
pub const SERVICE_SECRET: &str = "test-service-key-0123456789-test-service-key";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    /// PostgreSQL with a Redis server as the cache (contract §5).
    PostgresRedis,
}

/// A fresh database for one test, removed when dropped; with Redis, a `redis-server` of
/// the test's own beside it.
pub enum TestDatabase {
    Sqlite(std::path::PathBuf),
    Postgres(TestPg, Option<TestRedis>),
}

impl TestDatabase {
    pub async fn create(backend: Backend) -> (Self, String) {
        match backend {
            Backend::Sqlite => {
                let name = format!("portal_test_{}", uuid::Uuid::new_v4().simple());
                let path = std::env::temp_dir().join(format!("{name}.db"));
                let url = format!("sqlite://{}?mode=rwc", path.display());
                (TestDatabase::Sqlite(path), url)
            }
            Backend::Postgres | Backend::PostgresRedis => {
                let pg = TestPg::create().await;
                let url = pg.url.clone();
                let redis = (backend == Backend::PostgresRedis).then(TestRedis::start);
                (TestDatabase::Postgres(pg, redis), url)
            }
        }
    }

    /// The Redis server's URL, when the test has one.
    pub fn redis_url(&self) -> Option<String> {
        match self {
            TestDatabase::Postgres(_, Some(redis)) => Some(redis.url()),
            _ => None,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Sqlite(path) = self {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
}

pub struct TestApp {
    /// The public listener (`PORTAL_BIND`).
    pub address: String,
    /// The internal listener (`PORTAL_INTERNAL_BIND`): `/api/internal/*`, `/metrics`.
    pub internal_address: String,
    pub client: Client,
    pub database_url: String,
    keys: TokenKeys,
    _db: TestDatabase,
}

fn init_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var("TEST_LOG").is_ok() {
            portal_server::telemetry::init();
        }
    });
}

/// The server on port 0 over a fresh database with the demo data.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, &[]).await
}

/// [`spawn_app`] with settings of the test's own, over the defaults of the tests (rate
/// limits high enough for any test that does not test them).
pub async fn spawn_app_with(backend: Backend, overrides: &[(&str, String)]) -> TestApp {
    init_logs();
    let (db, database_url) = TestDatabase::create(backend).await;
    let defaults = [
        ("DATABASE_URL", database_url.clone()),
        ("PORTAL_JWT_SECRET", SECRET.to_owned()),
        ("PORTAL_BIND", "127.0.0.1:0".to_owned()),
        ("PORTAL_INTERNAL_BIND", "127.0.0.1:0".to_owned()),
        (
            "PORTAL_ALLOWED_PARENT_ORIGINS",
            "http://127.0.0.1:9999".to_owned(),
        ),
        ("PORTAL_STATIC_DIR", "/nonexistent-portal-dist".to_owned()),
        ("PORTAL_RATE_LIMIT", "1000000".to_owned()),
        // Runs start when a test starts them.
        ("PORTAL_BILLING_RUN_AT", "off".to_owned()),
    ];
    let redis = db.redis_url().map(|url| ("REDIS_URL", url));
    // PostgreSQL requires the service tokens' own key (§17).
    let url = overrides
        .iter()
        .find(|(name, _)| *name == "DATABASE_URL")
        .map_or(database_url.as_str(), |(_, url)| url.as_str());
    let service_key = url
        .starts_with("postgres")
        .then(|| ("PORTAL_SERVICE_JWT_SECRET", SERVICE_SECRET.to_owned()));
    let settings = Settings::from_lookup(|k| {
        overrides
            .iter()
            .chain(redis.iter())
            .chain(service_key.iter())
            .chain(defaults.iter())
            .find(|(name, _)| *name == k)
            .map(|(_, v)| v.clone())
    })
    .expect("test settings");
    let keys = TokenKeys::with_ring(&settings.key_ring().expect("a key ring"));
    let app = Application::build(settings).await.expect("build app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let internal_address = format!("http://127.0.0.1:{}", app.internal_port());
    app.portal().demo.seed().await.expect("seed demo data");
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        internal_address,
        client: Client::new(),
        database_url,
        keys,
        _db: db,
    }
}

impl TestApp {
    pub fn token(&self, customer: &str, role: TokenRole) -> String {
        self.keys
            .sign(&Claims {
                customer_id: Some(customer.to_owned()),
                user_id: Some("user_test".into()),
                role,
                exp: (Utc::now().timestamp() + 600) as u64,
                name: None,
                iat: None,
                aud: None,
                iss: None,
            })
            .unwrap()
    }

    /// A customer user's token that carries the user's `name`.
    pub fn named_token(&self, customer: &str, role: TokenRole, name: &str) -> String {
        self.keys
            .sign(&Claims {
                customer_id: Some(customer.to_owned()),
                user_id: Some("user_named".into()),
                role,
                exp: (Utc::now().timestamp() + 600) as u64,
                name: Some(name.to_owned()),
                iat: None,
                aud: None,
                iss: None,
            })
            .unwrap()
    }

    /// Provisions customer `id` through the internal API (as the platform does).
    pub async fn add_customer(&self, id: &str) {
        let resp = self
            .put_json(
                &format!("/api/internal/customers/{id}"),
                &self.service_token(),
                &serde_json::json!({"company_name": "测试客户", "contact_name": "赵六", "contact_email": "z@example.com"}),
            )
            .send()
            .await
            .unwrap();
        assert!(
            resp.status().is_success(),
            "customer {id}: {}",
            resp.status()
        );
    }

    /// Puts customer `id` on `plan` from `from` to `to` (`YYYY-MM-DD`, inclusive).
    pub async fn subscribe(&self, id: &str, plan: &str, from: &str, to: &str) {
        let resp = self
            .put_json(
                &format!("/api/internal/customers/{id}/subscription"),
                &self.service_token(),
                &serde_json::json!({"plan_id": plan, "start_date": from, "end_date": to}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    }

    /// A platform service's token (no customer).
    pub fn service_token(&self) -> String {
        self.keys
            .sign(&Claims {
                customer_id: None,
                user_id: Some("billing-service".into()),
                role: TokenRole::Service,
                exp: (Utc::now().timestamp() + 600) as u64,
                name: None,
                iat: None,
                aud: None,
                iss: None,
            })
            .unwrap()
    }

    pub fn admin(&self) -> String {
        self.token("cust_demo", TokenRole::Admin)
    }

    pub fn member(&self) -> String {
        self.token("cust_demo", TokenRole::Member)
    }

    /// The URL of `path` on the listener that serves it: `/api/internal/*` and
    /// `/metrics` on the internal one, the rest on the public one.
    pub fn url(&self, path: &str) -> String {
        // The server's own rule (its documents use it); the listeners test checks
        // the routing itself, by address.
        let route = path.split('?').next().unwrap_or(path);
        if portal_http::openapi::is_internal(route) {
            format!("{}{path}", self.internal_address)
        } else {
            format!("{}{path}", self.address)
        }
    }

    pub fn get(&self, path: &str, token: &str) -> RequestBuilder {
        self.client.get(self.url(path)).bearer_auth(token)
    }

    pub fn put_json(&self, path: &str, token: &str, body: &Value) -> RequestBuilder {
        self.client
            .put(self.url(path))
            .bearer_auth(token)
            .json(body)
    }

    pub fn post_json(&self, path: &str, token: &str, body: &Value) -> RequestBuilder {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
    }

    /// The public listener's OpenAPI document as served.
    pub async fn openapi(&self) -> Value {
        self.document(&self.address).await
    }

    /// The internal listener's OpenAPI document as served.
    pub async fn internal_openapi(&self) -> Value {
        self.document(&self.internal_address).await
    }

    async fn document(&self, listener: &str) -> Value {
        let resp = self
            .client
            .get(format!("{listener}/api/openapi.json"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{listener}/api/openapi.json");
        resp.json().await.unwrap()
    }

    /// GET as the demo admin, asserting 200, returning the JSON.
    pub async fn read(&self, path: &str) -> Value {
        self.read_as(path, &self.admin()).await
    }

    /// GET with `token`, asserting 200, returning the JSON.
    pub async fn read_as(&self, path: &str, token: &str) -> Value {
        let resp = self.get(path, token).send().await.unwrap();
        assert_eq!(resp.status(), 200, "GET {path}");
        resp.json().await.unwrap()
    }

    /// For each `(query, field)`: `GET {path}?{query}` with `token` is 422
    /// `validation_failed` naming `field`.
    pub async fn refused_naming(&self, path: &str, token: &str, cases: &[(&str, &str)]) {
        for (query, field) in cases {
            let resp = self
                .get(&format!("{path}?{query}"), token)
                .send()
                .await
                .unwrap();
            let error = assert_error(resp, 422, "validation_failed").await;
            assert!(
                error["error"]["fields"][*field].is_string(),
                "{path}?{query}: {error}"
            );
        }
    }

    /// `count` AI conversations for the demo customer now, as one ingested event.
    pub async fn chats(&self, event_id: &str, count: i64) {
        let body = serde_json::json!({"events": [{
            "event_id": event_id, "customer_id": "cust_demo", "product": "ai_chat",
            "count": count, "occurred_at": Utc::now().to_rfc3339(),
        }]});
        let resp = self
            .post_json("/api/internal/usage", &self.service_token(), &body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "usage of {event_id}");
    }

    /// A billing run of `period` as a platform service, asserting 200: `{created, skipped}`.
    pub async fn billing_run(&self, period: &str) -> Value {
        let body = serde_json::json!({ "period": period });
        let resp = self
            .post_json("/api/internal/billing/run", &self.service_token(), &body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "billing run of {period}");
        resp.json().await.unwrap()
    }
}

/// Asserts the status and the contract's error body, returning the body.
pub async fn assert_error(resp: Response, status: u16, code: &str) -> Value {
    let actual = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "status; body: {body}");
    assert_eq!(body["error"]["code"], code, "code; body: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "message; body: {body}"
    );
    body
}

/// Runs each named test against SQLite and PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::helpers::Backend::Postgres).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres_redis() {
                    super::$name($crate::helpers::Backend::PostgresRedis).await
                }
            }
        )*
    };
}

/// Today on the portal's business calendar (the default, Asia/Shanghai).
pub fn today() -> chrono::NaiveDate {
    portal_domain::BusinessCalendar::default().date_of(chrono::Utc::now())
}

/// The capability services straight over a sea-orm store, with a clock the test moves.
pub fn portal_on(
    store: portal_persistence::SeaOrmStore,
    clock: std::sync::Arc<portal_billing::test_support::FixedClock>,
) -> portal_billing::Portal {
    portal_billing::Portal::new(portal_billing::Adapters::from_store(
        std::sync::Arc::new(store),
        std::sync::Arc::new(portal_billing::test_support::TextRenderer::default()),
        clock,
        portal_domain::BusinessCalendar::default(),
    ))
}

/// The entry of `product` in a usage overview's `products`, found by name.
pub fn product<'a>(overview: &'a Value, product: &str) -> &'a Value {
    overview["products"]
        .as_array()
        .and_then(|all| all.iter().find(|p| p["product"] == product))
        .unwrap_or_else(|| panic!("no {product} in {overview}"))
}
