//! `portal` processes for the binary's tests: started with their own environment, killed
//! (SIGKILL) when dropped, so a failed test leaves none running.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // each test uses a part

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use portal_persistence::test_support::free_port;

pub const PORTAL: &str = env!("CARGO_BIN_EXE_portal");
pub const SECRET: &str = "crash-test-key-0123456789-crash-test-key-0123456789";
/// The service tokens' own key: PostgreSQL requires one (§17).
pub const SERVICE_SECRET: &str = "crash-service-key-0123456789-crash-service-key";

/// A running `portal` process.
pub struct Running(pub Child);

impl Running {
    /// SIGKILL, and reaped.
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
    }
}

/// How to start `portal` against one database: its environment and addresses.
pub struct Portal {
    env: Vec<(String, String)>,
    /// The public listener.
    pub address: String,
    /// The internal listener: `/api/internal/*`, `/metrics`.
    pub internal_address: String,
}

impl Portal {
    /// `portal` on `database_url` with a port of its own, plus `extra` settings.
    pub fn new(database_url: &str, extra: &[(&str, &str)]) -> Self {
        let port = free_port();
        let internal_port = free_port();
        let mut env: Vec<(String, String)> = [
            ("DATABASE_URL", database_url),
            ("PORTAL_JWT_SECRET", SECRET),
            ("PORTAL_SERVICE_JWT_SECRET", SERVICE_SECRET),
            ("PORTAL_BIND", &format!("127.0.0.1:{port}")),
            (
                "PORTAL_INTERNAL_BIND",
                &format!("127.0.0.1:{internal_port}"),
            ),
            ("PORTAL_STATIC_DIR", "/nonexistent-portal-dist"),
            // Runs start when a test starts them (a test of the schedule sets a time).
            ("PORTAL_BILLING_RUN_AT", "off"),
            ("RUST_LOG", "warn"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        env.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        Self {
            env,
            address: format!("http://127.0.0.1:{port}"),
            internal_address: format!("http://127.0.0.1:{internal_port}"),
        }
    }

    /// The URL of `path` on the listener that serves it.
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

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(PORTAL);
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .current_dir(std::env::temp_dir());
        command
    }

    /// Runs `portal args…` to its end; its standard output, which must succeed.
    pub fn output(&self, args: &[&str]) -> String {
        let out = self.command(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// A token of `role` (`service`, or admin/member of `customer`).
    pub fn token(&self, customer: Option<&str>, role: &str) -> String {
        let mut args = vec!["token", "--user", "u1", "--role", role];
        if let Some(c) = customer {
            args.extend(["--customer", c]);
        }
        self.output(&args)
    }

    /// `portal serve`, once it answers `/readyz`.
    pub async fn serve(&self) -> Running {
        let child = Running(
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

/// `sql` run by `psql` on `url`: its rows, `|`-separated, one a line.
pub fn psql(url: &str, sql: &str) -> String {
    let out = Command::new("psql")
        .args([
            "-X",
            "-q",
            "-t",
            "-A",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            url,
            "-c",
            sql,
        ])
        .output()
        .expect("psql must be installed (PostgreSQL's client)");
    assert!(out.status.success(), "psql {sql}: {out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}
