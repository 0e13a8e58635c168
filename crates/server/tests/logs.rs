//! The `portal` binary as an operator runs it: what it logs, and what it refuses.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use portal_persistence::test_support::{TestPg, free_port};

const PORTAL: &str = env!("CARGO_BIN_EXE_portal");
const SECRET: &str = "logs-test-key-0123456789-logs-test-key-0123456789";
const SERVICE_SECRET: &str = "logs-service-key-0123456789-logs-service-key";
/// `portal token` for the demo admin.
const ADMIN_TOKEN: [&str; 7] = [
    "token",
    "--customer",
    "cust_demo",
    "--user",
    "u1",
    "--role",
    "admin",
];

/// `portal ARGS` with only the variables given (and no developer's `.env`).
fn command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(PORTAL);
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .current_dir(std::env::temp_dir());
    command
}

fn portal(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    command(args, env).output().unwrap()
}

#[test]
fn token_lifetimes_over_a_day_need_an_explicit_flag() {
    let env = [("PORTAL_JWT_SECRET", SECRET)];
    let args = ADMIN_TOKEN;
    let long = portal(&[&args[..], &["--ttl", "86401"]].concat(), &env);
    assert!(!long.status.success());
    assert!(String::from_utf8_lossy(&long.stderr).contains("--long-lived"));
    let day = portal(&[&args[..], &["--ttl", "86400"]].concat(), &env);
    assert!(day.status.success());
    let flagged = portal(
        &[&args[..], &["--ttl", "604800", "--long-lived"]].concat(),
        &env,
    );
    assert!(flagged.status.success());
}

#[test]
fn the_demo_sign_in_stops_the_program_with_postgresql() {
    let out = portal(
        &["serve"],
        &[
            ("PORTAL_JWT_SECRET", SECRET),
            ("PORTAL_SERVICE_JWT_SECRET", SERVICE_SECRET),
            (
                "DATABASE_URL",
                "postgres://postgres@127.0.0.1:5432/postgres",
            ),
            ("PORTAL_DEMO_SIGN_IN", "true"),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PORTAL_DEMO_SIGN_IN"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_trace_level_no_token_or_password_is_logged_and_each_request_has_an_access_line() {
    let pg = TestPg::create().await;
    let password = "pw-in-url-7f3a9c";
    let url = pg
        .url
        .replace("postgres@", &format!("postgres:{password}@"));
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let internal_bind = format!("127.0.0.1:{}", free_port());
    let env = [
        ("PORTAL_JWT_SECRET", SECRET),
        ("PORTAL_SERVICE_JWT_SECRET", SERVICE_SECRET),
        ("DATABASE_URL", url.as_str()),
        ("PORTAL_BIND", bind.as_str()),
        ("PORTAL_INTERNAL_BIND", internal_bind.as_str()),
        ("PORTAL_STATIC_DIR", "/nonexistent-portal-dist"),
        ("RUST_LOG", "trace"),
        ("PORTAL_LOG_FORMAT", "json"),
    ];
    let seeded = portal(&["seed", "--demo"], &env);
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let token = portal(&ADMIN_TOKEN, &env);
    let token = String::from_utf8(token.stdout).unwrap().trim().to_owned();
    let mut server = command(&["serve"], &env)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read both pipes while the server runs: at trace level it writes more than a pipe
    // holds before it answers, and would block on a full one.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_string(&mut text);
            }
            text
        })
    };
    let stderr = drain(
        server
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stdout = drain(
        server
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );

    let client = reqwest::Client::new();
    let base = format!("http://{bind}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let page = client
        .get(format!("{base}/?token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let account = client
        .get(format!(
            "{base}/api/portal/account?token={token}&password={password}"
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(account.status(), 200);
    let refused = client
        .get(format!("{base}/api/portal/invoices"))
        .bearer_auth(format!("{token}x"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    server.kill().unwrap();
    server.wait().unwrap();
    let logs = stderr.join().unwrap() + &stdout.join().unwrap();

    assert!(logs.lines().count() > 20, "trace logging is on:\n{logs}");
    let signature = token.rsplit('.').next().unwrap();
    for (secret, what) in [
        (token.as_str(), "the token"),
        (signature, "the token's signature"),
        (password, "the database password"),
        (SECRET, "the signing key"),
    ] {
        let leaks: Vec<&str> = logs.lines().filter(|l| l.contains(secret)).collect();
        assert!(leaks.is_empty(), "{what} in the logs: {leaks:#?}");
    }
    let access: Vec<serde_json::Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|l| l["target"] == "portal::access")
        .collect();
    let line = access
        .iter()
        .find(|l| l["fields"]["route"] == "/api/portal/account")
        .unwrap_or_else(|| panic!("no access line for the account: {access:#?}"));
    assert_eq!(line["fields"]["status"], 200);
    assert_eq!(line["fields"]["method"], "GET");
    assert!(line["fields"]["latency_ms"].as_f64().unwrap() >= 0.0);
    assert_eq!(
        line["fields"]["request_id"].as_str().unwrap().len(),
        36,
        "a UUID request id: {line}"
    );
    assert!(
        access.iter().any(|l| l["fields"]["status"] == 401),
        "the refused request has its line too"
    );
}
