//! The circuit breaker in front of each Redis node. Its periods are read from the
//! [`Clock`] port, so its tests move a clock instead of sleeping.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeDelta, Utc};
use portal_billing::Clock;

use super::{BREAKER_OPEN, BREAKER_THRESHOLD, COMMAND_TIMEOUT};

fn delta(d: std::time::Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

/// A circuit breaker: closed while Redis answers; open (every command skipped at once)
/// for [`BREAKER_OPEN`] after [`BREAKER_THRESHOLD`] failures in a row; then half-open:
/// one command probes Redis while the others keep skipping it, so a dead Redis costs one
/// request per period at most [`COMMAND_TIMEOUT`], never all of them.
pub(super) struct Breaker {
    failures: AtomicU32,
    state: Mutex<BreakerState>,
    clock: Arc<dyn Clock>,
}

#[derive(Default, Clone, Copy)]
enum BreakerState {
    #[default]
    Closed,
    Open {
        until: DateTime<Utc>,
    },
    Probing {
        since: DateTime<Utc>,
    },
}

impl Breaker {
    pub(super) fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            failures: AtomicU32::new(0),
            state: Mutex::new(BreakerState::Closed),
            clock,
        }
    }

    pub(super) fn allows(&self) -> bool {
        let Ok(mut state) = self.state.lock() else {
            return true;
        };
        if let BreakerState::Closed = *state {
            return true;
        }
        let now = self.clock.now();
        match *state {
            BreakerState::Closed => true,
            BreakerState::Open { until } if now >= until => {
                *state = BreakerState::Probing { since: now };
                true
            }
            BreakerState::Open { .. } => false,
            // A probe that was dropped unfinished does not block the next one for ever.
            BreakerState::Probing { since } if now - since > delta(2 * COMMAND_TIMEOUT) => {
                *state = BreakerState::Probing { since: now };
                true
            }
            BreakerState::Probing { .. } => false,
        }
    }

    pub(super) fn success(&self) {
        self.failures.store(0, Ordering::Relaxed);
        if let Ok(mut state) = self.state.lock() {
            *state = BreakerState::Closed;
        }
    }

    pub(super) fn failure(&self) {
        let n = self.failures.fetch_add(1, Ordering::Relaxed) + 1;
        if let Ok(mut state) = self.state.lock()
            && (n >= BREAKER_THRESHOLD || matches!(*state, BreakerState::Probing { .. }))
        {
            *state = BreakerState::Open {
                until: self.clock.now() + delta(BREAKER_OPEN),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A clock the test moves.
    struct Manual(Mutex<DateTime<Utc>>);

    impl Clock for Manual {
        fn now(&self) -> DateTime<Utc> {
            self.0.lock().map(|t| *t).unwrap_or_default()
        }
    }

    impl Manual {
        fn advance(&self, by: std::time::Duration) {
            if let Ok(mut t) = self.0.lock() {
                *t += delta(by);
            }
        }
    }

    fn breaker() -> (Breaker, Arc<Manual>) {
        let clock = Arc::new(Manual(Mutex::new(DateTime::UNIX_EPOCH)));
        (Breaker::new(clock.clone()), clock)
    }

    #[test]
    fn an_open_breaker_lets_one_probe_through_at_a_time() {
        let (breaker, clock) = breaker();
        for _ in 0..BREAKER_THRESHOLD {
            assert!(breaker.allows());
            breaker.failure();
        }
        assert!(!breaker.allows(), "open after {BREAKER_THRESHOLD} failures");
        clock.advance(BREAKER_OPEN - std::time::Duration::from_millis(1));
        assert!(!breaker.allows(), "still open within the period");

        clock.advance(std::time::Duration::from_millis(1));
        assert!(
            breaker.allows(),
            "the first command after the period probes"
        );
        assert!(
            !breaker.allows(),
            "the others keep skipping while it probes"
        );
        breaker.failure();
        assert!(!breaker.allows(), "a failed probe opens it again");

        clock.advance(BREAKER_OPEN);
        assert!(breaker.allows());
        breaker.success();
        assert!(
            breaker.allows() && breaker.allows(),
            "closed after a good probe"
        );
    }

    #[test]
    fn a_probe_dropped_unfinished_does_not_block_the_next_for_ever() {
        let (breaker, clock) = breaker();
        for _ in 0..BREAKER_THRESHOLD {
            breaker.failure();
        }
        clock.advance(BREAKER_OPEN);
        assert!(breaker.allows(), "a probe");
        // The probe never reports back.
        clock.advance(2 * COMMAND_TIMEOUT);
        assert!(!breaker.allows(), "still probing");
        clock.advance(std::time::Duration::from_millis(1));
        assert!(breaker.allows(), "another probe after twice the timeout");
    }

    #[test]
    fn a_single_failure_does_not_open_the_breaker() {
        let (breaker, _) = breaker();
        breaker.failure();
        breaker.success();
        breaker.failure();
        assert!(breaker.allows());
    }
}
