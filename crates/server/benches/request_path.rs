//! The shared request path alone, in process (no socket, no HTTP parsing), so that a
//! change that adds cost to it shows up in a number (issue 28). Three services, one
//! request each per iteration:
//!
//! - `bare`: a handler answering the subscription-sized JSON, nothing around it;
//! - `shared path`: the same handler behind what every `/api` request passes: the root
//!   span and access event (`TracingLogger<PortalRootSpan>`), the metrics, the limiter
//!   with the token's verification, the refusals and the headers, and the customer
//!   extractor;
//! - `subscription`: `GET /api/portal/subscription` as served (in-process cache).
//!
//! `shared path − bare` is what the path costs a request. The Prometheus recorder is
//! installed, as in `portal serve`; logs are off, as at `RUST_LOG=warn`.
//! `cargo bench -p portal-server --bench request_path`

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark: a panic is a failure

use std::hint::black_box;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::{App, HttpResponse, test, web};
use criterion::{Criterion, criterion_group, criterion_main};
use portal_http::access::PortalRootSpan;
use portal_http::auth::CustomerUser;
use portal_http::limits::RateLimits;
use portal_http::{AppState, Claims, HttpSettings, TokenKeys, TokenRole};
use portal_server::{Settings, open_portal, telemetry};
use tracing_actix_web::TracingLogger;

const SECRET: &str = "bench-secret-0123456789-0123456789-0123";

fn answer() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "subscription_id": "sub_cust_demo", "plan_id": "pro", "plan_name": "专业版",
        "start_date": "2026-08-01", "end_date": "2027-07-31", "status": "active",
        "scheduled_change": null
    }))
}

async fn bare() -> HttpResponse {
    answer()
}

async fn probe(CustomerUser(user): CustomerUser) -> HttpResponse {
    black_box(user);
    answer()
}

fn get<S, B>(system: &actix_web::rt::SystemRunner, app: &S, uri: &str, token: &str)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    let req = test::TestRequest::get()
        .uri(uri)
        .insert_header(("Authorization", format!("Bearer {token}")))
        .to_request();
    let res = system.block_on(test::call_service(app, req));
    assert!(res.status().is_success(), "{uri}: {}", res.status());
    black_box(res);
}

fn request_path(c: &mut Criterion) {
    let metrics = telemetry::metrics();
    let dir = std::env::temp_dir().join(format!("portal-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let database = format!("sqlite://{}?mode=rwc", dir.join("p.db").display());
    let settings = Settings::from_lookup(|k| match k {
        "DATABASE_URL" => Some(database.clone()),
        "PORTAL_JWT_SECRET" => Some(SECRET.to_owned()),
        _ => None,
    })
    .unwrap();
    let system = actix_web::rt::System::new();
    let (portal, _store) = system.block_on(open_portal(&settings)).unwrap();
    system.block_on(portal.demo.seed()).unwrap();
    let keys = TokenKeys::with_ring(&settings.key_ring().unwrap());
    let now = chrono::Utc::now().timestamp() as u64;
    let token = keys
        .sign(&Claims {
            customer_id: Some("cust_demo".into()),
            user_id: Some("bench".into()),
            role: TokenRole::Member,
            exp: now + 3600,
            name: None,
            iat: Some(now),
            aud: None,
            iss: None,
        })
        .unwrap();
    let state = web::Data::new(AppState {
        portal,
        keys,
        limits: RateLimits::per_second(1_000_000_000),
        metrics,
        readiness: Default::default(),
        request_metrics: Default::default(),
        entitlement_json: Default::default(),
    });
    let http = HttpSettings {
        allowed_parent_origins: Vec::new(),
        static_dir: dir.join("none"),
        demo_sign_in: false,
    };

    let bare_app = system.block_on(test::init_service(
        App::new().route("/bare", web::get().to(bare)),
    ));
    let shared = system.block_on(test::init_service(
        App::new()
            .wrap(TracingLogger::<PortalRootSpan>::new())
            .app_data(state.clone())
            .service(portal_http::api_scope(|api| {
                api.route("/probe", web::get().to(probe));
            })),
    ));
    let full = system.block_on(test::init_service(
        App::new()
            .wrap(TracingLogger::<PortalRootSpan>::new())
            .configure(portal_http::configure(state.clone(), http)),
    ));

    let mut group = c.benchmark_group("request path");
    group.bench_function("bare", |b| b.iter(|| get(&system, &bare_app, "/bare", "")));
    group.bench_function("shared path", |b| {
        b.iter(|| get(&system, &shared, "/api/probe", &token))
    });
    group.bench_function("subscription", |b| {
        b.iter(|| get(&system, &full, "/api/portal/subscription", &token))
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, request_path);
criterion_main!(benches);
