//! Structured logs with `tracing`: human-readable by default, JSON with
//! `PORTAL_LOG_FORMAT=json`; the level from `RUST_LOG` (default `info`). Each request's
//! span carries a request id (tracing-actix-web).

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("PORTAL_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A subscriber may already be set (tests); that is fine.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.compact().try_init()
    };
}
