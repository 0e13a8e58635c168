//! What the adapter's test binaries share: a real `redis-server` per test on a free
//! port, and a fresh PostgreSQL database per test on the machine's server.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // test code

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use sea_orm::{ConnectionTrait, Database};
use serde_json::Value;

pub struct TestRedis {
    port: u16,
    child: Option<Child>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl TestRedis {
    pub fn start() -> Self {
        let mut me = Self {
            port: free_port(),
            child: None,
        };
        me.spawn();
        me
    }

    pub fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server must be installed (see .ci/run)");
        self.child = Some(child);
        for _ in 0..100 {
            if self.cli(&["PING"]).trim() == "PONG" {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server did not start");
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "--raw"])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn json(&self, key: &str) -> Option<Value> {
        let raw = self.cli(&["GET", key]);
        serde_json::from_str(raw.trim()).ok()
    }

    pub fn signal(&self, sig: &str) {
        let pid = self.child.as_ref().unwrap().id().to_string();
        Command::new("kill").args([sig, &pid]).status().unwrap();
    }

    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        self.signal_if_running("-CONT");
        self.kill();
    }
}

impl TestRedis {
    pub fn signal_if_running(&self, sig: &str) {
        if self.child.is_some() {
            self.signal(sig);
        }
    }
}

/// The machine's PostgreSQL server (trust auth); override with `PORTAL_TEST_PG_URL`.
fn pg_admin_url() -> String {
    std::env::var("PORTAL_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh PostgreSQL database; dropped with the value.
pub struct TestPg {
    name: String,
    pub url: String,
}

impl TestPg {
    pub async fn create() -> Self {
        let name = format!("portal_contract_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(pg_admin_url())
            .await
            .expect("PostgreSQL must run on 127.0.0.1:5432 (see .ci/run)");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        admin.close().await.ok();
        let base = pg_admin_url();
        let server = base.rsplit_once('/').map(|(s, _)| s).unwrap_or(&base);
        let url = format!("{server}/{name}");
        Self { name, url }
    }
}

impl Drop for TestPg {
    fn drop(&mut self) {
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let admin = Database::connect(pg_admin_url()).await.ok()?;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
                    .ok()?;
                admin.close().await.ok()
            })
        })
        .join();
    }
}

/// A fresh SQLite file in a fresh directory.
pub fn sqlite_url() -> String {
    let dir =
        std::env::temp_dir().join(format!("portal-contract-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    format!("sqlite://{}/p.db?mode=rwc", dir.display())
}

/// The ports as the server wires them (the cache over `store`), or the store alone.
pub fn ports_of(
    store: portal_persistence::SeaOrmStore,
    cache: Option<std::sync::Arc<dyn portal_persistence::KeyValue>>,
    clock: std::sync::Arc<dyn portal_billing::Clock>,
) -> portal_billing::Ports {
    use std::sync::Arc;
    let renderer = Arc::new(portal_billing::test_support::TextRenderer::default());
    match cache {
        Some(cache) => portal_persistence::CachedStore::new(store, cache).ports(renderer, clock),
        None => {
            portal_billing::Ports::from_store(Arc::new(store), renderer, clock, Default::default())
        }
    }
}
