//! A bare actix-web JSON handler: the yardstick for `scripts/bench-cache.sh`.
//! `cargo run --release -p portal-server --example bare -- 127.0.0.1:8099`

use actix_web::{App, HttpResponse, HttpServer, get};

#[get("/bare")]
async fn bare() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "subscription_id": "sub_cust_demo", "plan_id": "pro", "plan_name": "专业版",
        "start_date": "2026-08-01", "end_date": "2027-07-31", "status": "active",
        "scheduled_change": null
    }))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8099".into());
    HttpServer::new(|| App::new().service(bare))
        .bind(addr)?
        .run()
        .await
}
