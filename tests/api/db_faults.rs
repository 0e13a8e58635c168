//! Contract §13: while PostgreSQL is down every call that needs it answers 503
//! `unavailable` (never 500) and `/readyz` 503; once it is back, service resumes without
//! a restart. The test owns its PostgreSQL server (initdb, pg_ctl) and stops it under load.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portal_persistence::test_support::PgServer;
use sea_orm::{ConnectionTrait, Database};
use serde_json::json;

use crate::helpers::{Backend, TestApp, spawn_app_with};

/// Polls `check` until it holds or `within` passes.
async fn eventually(within: Duration, what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !check().await {
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn edit_status(app: &TestApp, name: &str) -> u16 {
    app.put_json(
        "/api/portal/account",
        &app.admin(),
        &json!({"contact_name": name}),
    )
    .send()
    .await
    .map_or(0, |r| r.status().as_u16())
}

async fn ready_status(app: &TestApp) -> u16 {
    app.client
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .map_or(0, |r| r.status().as_u16())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_database_is_503_never_500_and_service_resumes_when_it_is_back() {
    let server = PgServer::start();
    let admin = Database::connect(server.url()).await.unwrap();
    admin
        .execute_unprepared("CREATE DATABASE portal")
        .await
        .unwrap();
    admin.close().await.unwrap();
    let url = format!("{}/portal", server.url().rsplit_once('/').unwrap().0);
    let app = Arc::new(spawn_app_with(Backend::Sqlite, &[("DATABASE_URL", url)]).await);

    // Load all along: reads of every kind and writes, each status counted.
    let seen: Arc<Mutex<BTreeMap<u16, u64>>> = Arc::default();
    let running = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let mut load = Vec::new();
    for worker in 0..4 {
        let (app, seen, running) = (app.clone(), seen.clone(), running.clone());
        load.push(tokio::spawn(async move {
            let paths = [
                "/api/portal/account",
                "/api/portal/invoices",
                "/api/portal/usage",
            ];
            let mut i = 0;
            while running.load(std::sync::atomic::Ordering::SeqCst) {
                // One writer among the workers, so edits rarely race each other.
                let status = if worker == 0 && i % 2 == 0 {
                    edit_status(&app, &format!("负载{worker}-{i}")).await
                } else {
                    let path = paths[i % paths.len()];
                    app.get(path, &app.member())
                        .send()
                        .await
                        .map_or(0, |r| r.status().as_u16())
                };
                *seen.lock().unwrap().entry(status).or_default() += 1;
                i += 1;
            }
        }));
    }

    eventually(Duration::from_secs(10), "writes succeed", async || {
        edit_status(&app, "开始").await == 200
    })
    .await;
    server.stop();
    eventually(Duration::from_secs(30), "a write is 503", async || {
        edit_status(&app, "停机中").await == 503
    })
    .await;
    // `/readyz` answers from a check at most a second old (§17).
    eventually(
        Duration::from_secs(3),
        "/readyz 503 while the database is down",
        async || ready_status(&app).await == 503,
    )
    .await;
    let resp = app
        .put_json(
            "/api/portal/account",
            &app.admin(),
            &json!({"contact_name": "停机中"}),
        )
        .send()
        .await
        .unwrap();
    // When to try again (§17).
    assert_eq!(resp.headers()["retry-after"], "5");
    crate::helpers::assert_error(resp, 503, "unavailable").await;

    server.resume();
    eventually(
        Duration::from_secs(30),
        "writes succeed again",
        async || edit_status(&app, "恢复").await == 200,
    )
    .await;
    eventually(
        Duration::from_secs(3),
        "/readyz 200 once the database is back",
        async || ready_status(&app).await == 200,
    )
    .await;
    running.store(false, std::sync::atomic::Ordering::SeqCst);
    for task in load {
        task.await.unwrap();
    }
    // With the load's writer stopped, the last edit is the one read back.
    assert_eq!(edit_status(&app, "恢复").await, 200);
    assert_eq!(
        app.read("/api/portal/account").await["contact_name"],
        "恢复"
    );
    let seen = seen.lock().unwrap().clone();
    assert!(!seen.contains_key(&500), "a 500 under load: {seen:?}");
    assert!(
        seen.contains_key(&503) && seen.contains_key(&200),
        "{seen:?}"
    );
    assert!(
        seen.keys().all(|s| [200, 503].contains(s)),
        "only 200 and 503 while the database comes and goes: {seen:?}"
    );
}
