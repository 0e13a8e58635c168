//! At-least-once delivery across a crash (contract §11): a `portal serve` killed with
//! SIGKILL after a change was committed but before its webhook was delivered delivers
//! it, with the same id, once started again.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use portal_notify::test_support::{WebhookReceiver, eventually};
use portal_persistence::test_support::{TestPg, free_port};

const PORTAL: &str = env!("CARGO_BIN_EXE_portal");
const SECRET: &str = "crash-test-key-0123456789-crash-test-key-0123456789";
const WEBHOOK_SECRET: &str = "whsec-crash-0123456789";

/// A `portal serve` process, killed (SIGKILL) when dropped, so a failed test leaves
/// none running.
struct Serving(Child);

impl Serving {
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.kill();
    }
}

struct Portal {
    env: Vec<(String, String)>,
    address: String,
}

impl Portal {
    fn new(database_url: &str, receiver: &WebhookReceiver) -> Self {
        let port = free_port();
        let env = [
            ("DATABASE_URL", database_url),
            ("PORTAL_JWT_SECRET", SECRET),
            ("PORTAL_BIND", &format!("127.0.0.1:{port}")),
            ("PORTAL_STATIC_DIR", "/nonexistent-portal-dist"),
            ("PORTAL_WEBHOOK_URL", &receiver.url),
            ("PORTAL_WEBHOOK_SECRET", WEBHOOK_SECRET),
            ("RUST_LOG", "warn"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        Self {
            env,
            address: format!("http://127.0.0.1:{port}"),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(PORTAL);
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .current_dir(std::env::temp_dir());
        command
    }

    fn output(&self, args: &[&str]) -> String {
        let out = self.command(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    async fn serve(&self) -> Serving {
        let child = Serving(
            self.command(&["serve"])
                .stdout(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if client
                .get(format!("{}/readyz", self.address))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return child;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("portal serve did not become ready");
    }
}

async fn killed_between_commit_and_delivery_then_delivered(database_url: &str) {
    // Arrange: a receiver that fails every try until told otherwise.
    let receiver = WebhookReceiver::start(usize::MAX).await.unwrap();
    let portal = Portal::new(database_url, &receiver);
    portal.output(&["seed", "--demo"]);
    let token = portal.output(&[
        "token",
        "--customer",
        "cust_demo",
        "--user",
        "u1",
        "--role",
        "admin",
    ]);
    let mut first = portal.serve().await;

    // A plan change commits `subscription.changed` and `invoice.issued`.
    let upgraded = reqwest::Client::new()
        .post(format!(
            "{}/api/portal/subscription/upgrade",
            portal.address
        ))
        .bearer_auth(&token)
        .json(&serde_json::json!({"plan_id": "enterprise"}))
        .send()
        .await
        .unwrap();
    assert_eq!(upgraded.status(), 200);
    let ids = |statuses: &[u16]| -> BTreeSet<String> {
        receiver
            .received()
            .iter()
            .filter(|r| statuses.contains(&r.status))
            .filter_map(|r| r.json()["id"].as_str().map(str::to_owned))
            .collect()
    };
    // Both tried and refused: committed, not delivered. Then the process dies.
    let tried = eventually(Duration::from_secs(20), || {
        let tried = ids(&[500]);
        (tried.len() == 2).then_some(tried)
    })
    .await
    .expect("both events tried within 20 s");
    first.kill(); // SIGKILL
    assert!(ids(&[204]).is_empty());

    // Act: the receiver recovers and the portal starts again.
    receiver.fail_next(0);
    let mut second = portal.serve().await;

    // Assert: each event delivered, with the id it was tried with before the crash.
    let delivered = eventually(Duration::from_secs(30), || {
        let delivered = ids(&[204]);
        (delivered.len() >= 2).then_some(delivered)
    })
    .await
    .unwrap_or_else(|| panic!("not delivered after restart: {:#?}", receiver.received()));
    assert_eq!(delivered, tried);
    let types: BTreeSet<String> = receiver
        .received()
        .iter()
        .filter(|r| r.status == 204)
        .filter_map(|r| r.json()["type"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        types,
        BTreeSet::from([
            "invoice.issued".to_owned(),
            "subscription.changed".to_owned()
        ])
    );
    second.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_outlives_a_sigkill_on_sqlite() {
    let path = std::env::temp_dir().join(format!("portal_crash_{}.db", std::process::id()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    killed_between_commit_and_delivery_then_delivered(&url).await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_outlives_a_sigkill_on_postgres() {
    let pg = TestPg::create().await;
    killed_between_commit_and_delivery_then_delivered(&pg.url).await;
}
