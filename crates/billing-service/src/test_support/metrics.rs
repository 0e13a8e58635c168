//! [`RecordingMetrics`]: the `Metrics` port as a list of what the services told it.

use std::sync::Mutex;

use crate::ports::{DeliveryOutcome, Metrics};

/// One business counter as told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    BillingRunFinished { invoices: u64 },
    RunCustomersBilled { created: u64, skipped: u64 },
    UsageEventsIngested { accepted: u64, duplicates: u64 },
    AlertFired,
    DeliveryTried(DeliveryOutcome),
}

/// Keeps every counter it is told, in order.
#[derive(Debug, Default)]
pub struct RecordingMetrics(Mutex<Vec<Recorded>>);

impl RecordingMetrics {
    /// What was recorded so far.
    pub fn recorded(&self) -> Vec<Recorded> {
        self.0.lock().map(|r| r.clone()).unwrap_or_default()
    }

    fn push(&self, r: Recorded) {
        if let Ok(mut all) = self.0.lock() {
            all.push(r);
        }
    }
}

impl Metrics for RecordingMetrics {
    fn billing_run_finished(&self, invoices: u64) {
        self.push(Recorded::BillingRunFinished { invoices });
    }

    fn run_customers_billed(&self, created: u64, skipped: u64) {
        self.push(Recorded::RunCustomersBilled { created, skipped });
    }

    fn usage_events_ingested(&self, accepted: u64, duplicates: u64) {
        self.push(Recorded::UsageEventsIngested {
            accepted,
            duplicates,
        });
    }

    fn alert_fired(&self) {
        self.push(Recorded::AlertFired);
    }

    fn delivery_tried(&self, outcome: DeliveryOutcome) {
        self.push(Recorded::DeliveryTried(outcome));
    }
}
