//! Real receivers on loopback for tests of delivery: [`WebhookReceiver`], an HTTP server
//! that records what it is sent and answers 500 to the first tries it is told to fail,
//! and [`SmtpSink`], Python's aiosmtpd (from PyPI, in `target/test-venv`) saving each
//! message it accepts.

mod smtp;
mod webhook;

pub use smtp::{SmtpSink, StoredMail};
pub use webhook::{Received, WebhookReceiver, verify};

use std::time::{Duration, Instant};

/// Polls `probe` until it gives a value or `within` has passed.
pub async fn eventually<T>(within: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(found) = probe() {
            return Some(found);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
