//! Business counters: what the use cases did (invoices issued, runs finished, events
//! ingested, deliveries tried), told to whatever records them (Prometheus in the server,
//! a recording fake in tests). HTTP metrics stay in the HTTP adapter's middleware.

/// How one try of an outbox message ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryOutcome {
    Delivered,
    Retried,
    GivenUp,
}

impl DeliveryOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryOutcome::Delivered => "delivered",
            DeliveryOutcome::Retried => "retried",
            DeliveryOutcome::GivenUp => "given_up",
        }
    }
}

/// Records business counters. Never fails and never blocks: a counter that cannot be
/// recorded is dropped, the use case goes on.
pub trait Metrics: Send + Sync {
    /// A billing run (a job, or the §8 run) finished, having issued `invoices`.
    fn billing_run_finished(&self, invoices: u64);
    /// A run billed customers: `created` were issued an invoice, `skipped` owed nothing.
    fn run_customers_billed(&self, created: u64, skipped: u64);
    /// An ingestion batch counted `accepted` new events and skipped `duplicates`.
    fn usage_events_ingested(&self, accepted: u64, duplicates: u64);
    /// An alert rule fired (once per rule and month).
    fn alert_fired(&self);
    /// An outbox message was tried.
    fn delivery_tried(&self, outcome: DeliveryOutcome);
}

/// Records nothing (tests that do not look, tools without a recorder).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoMetrics;

impl Metrics for NoMetrics {
    fn billing_run_finished(&self, _invoices: u64) {}
    fn run_customers_billed(&self, _created: u64, _skipped: u64) {}
    fn usage_events_ingested(&self, _accepted: u64, _duplicates: u64) {}
    fn alert_fired(&self) {}
    fn delivery_tried(&self, _outcome: DeliveryOutcome) {}
}
