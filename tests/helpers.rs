//! `spawn_app`: the real server on port 0 against a fresh database, seeded with the demo
//! data. Each test gets its own SQLite file or its own PostgreSQL database, dropped
//! afterwards, so tests run in parallel. `TEST_LOG=1` shows the server's logs.

use std::sync::Once;

use chrono::Utc;
use portal_http::{Claims, TokenKeys, TokenRole};
use portal_server::{Application, Settings};
use reqwest::{Client, RequestBuilder, Response};
use sea_orm::{ConnectionTrait, Database};
use serde_json::Value;

pub const SECRET: &str = "test-secret-0123456789abcdef";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The machine's PostgreSQL server (trust auth); override with `PORTAL_TEST_PG_URL`.
fn pg_admin_url() -> String {
    std::env::var("PORTAL_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh database for one test, removed when dropped.
pub enum TestDatabase {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

impl TestDatabase {
    pub async fn create(backend: Backend) -> (Self, String) {
        let name = format!("portal_test_{}", uuid::Uuid::new_v4().simple());
        match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("{name}.db"));
                let url = format!("sqlite://{}?mode=rwc", path.display());
                (TestDatabase::Sqlite(path), url)
            }
            Backend::Postgres => {
                let admin = Database::connect(pg_admin_url())
                    .await
                    .expect("PostgreSQL must run on 127.0.0.1:5432 (see .ci/run)");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create test database");
                admin.close().await.ok();
                let base = pg_admin_url();
                let server = base.rsplit_once('/').map(|(s, _)| s).unwrap_or(&base);
                let url = format!("{server}/{name}");
                (TestDatabase::Postgres(name), url)
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match self {
            TestDatabase::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            TestDatabase::Postgres(name) => {
                let name = name.clone();
                // Drop runs outside async; a short-lived runtime on its own thread does it.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .ok()?;
                    rt.block_on(async {
                        let admin = Database::connect(pg_admin_url()).await.ok()?;
                        admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .await
                            .ok()?;
                        admin.close().await.ok()
                    })
                })
                .join();
            }
        }
    }
}

pub struct TestApp {
    pub address: String,
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
    init_logs();
    let (db, database_url) = TestDatabase::create(backend).await;
    let vars = [
        ("DATABASE_URL", database_url.clone()),
        ("PORTAL_JWT_SECRET", SECRET.to_owned()),
        ("PORTAL_BIND", "127.0.0.1:0".to_owned()),
        (
            "PORTAL_ALLOWED_PARENT_ORIGINS",
            "http://127.0.0.1:9999".to_owned(),
        ),
        ("PORTAL_STATIC_DIR", "/nonexistent-portal-dist".to_owned()),
    ];
    let settings = Settings::from_lookup(|k| {
        vars.iter()
            .find(|(name, _)| *name == k)
            .map(|(_, v)| v.clone())
    })
    .expect("test settings");
    let app = Application::build(settings).await.expect("build app");
    let address = format!("http://127.0.0.1:{}", app.port());
    app.service().seed_demo().await.expect("seed demo data");
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: Client::new(),
        database_url,
        keys: TokenKeys::new(SECRET.as_bytes()),
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
            })
            .unwrap()
    }

    /// A platform service's token (no customer).
    pub fn service_token(&self) -> String {
        self.keys
            .sign(&Claims {
                customer_id: None,
                user_id: Some("billing-service".into()),
                role: TokenRole::Service,
                exp: (Utc::now().timestamp() + 600) as u64,
            })
            .unwrap()
    }

    pub fn admin(&self) -> String {
        self.token("cust_demo", TokenRole::Admin)
    }

    pub fn member(&self) -> String {
        self.token("cust_demo", TokenRole::Member)
    }

    pub fn get(&self, path: &str, token: &str) -> RequestBuilder {
        self.client
            .get(format!("{}{path}", self.address))
            .bearer_auth(token)
    }

    pub fn put_json(&self, path: &str, token: &str, body: &Value) -> RequestBuilder {
        self.client
            .put(format!("{}{path}", self.address))
            .bearer_auth(token)
            .json(body)
    }

    pub fn post_json(&self, path: &str, token: &str, body: &Value) -> RequestBuilder {
        self.client
            .post(format!("{}{path}", self.address))
            .bearer_auth(token)
            .json(body)
    }

    /// GET as the demo admin, asserting 200, returning the JSON.
    pub async fn read(&self, path: &str) -> Value {
        let resp = self.get(path, &self.admin()).send().await.unwrap();
        assert_eq!(resp.status(), 200, "GET {path}");
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
            }
        )*
    };
}

/// Today on the portal's business calendar (the default, Asia/Shanghai).
pub fn today() -> chrono::NaiveDate {
    portal_domain::BusinessCalendar::default().date_of(chrono::Utc::now())
}

/// The billing service straight over a sea-orm store, with a clock the test moves.
pub fn service_on(
    store: portal_persistence::SeaOrmStore,
    clock: std::sync::Arc<portal_billing::test_support::FixedClock>,
) -> portal_billing::BillingService {
    portal_billing::BillingService::new(portal_billing::Ports::from_store(
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
