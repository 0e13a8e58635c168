//! The circuit breaker in front of each Redis node.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

use super::{BREAKER_OPEN, BREAKER_THRESHOLD, COMMAND_TIMEOUT};

/// A circuit breaker: closed while Redis answers; open (every command skipped at once)
/// for [`BREAKER_OPEN`] after [`BREAKER_THRESHOLD`] failures in a row; then half-open:
/// one command probes Redis while the others keep skipping it, so a dead Redis costs one
/// request per period at most [`COMMAND_TIMEOUT`], never all of them.
#[derive(Default)]
pub(super) struct Breaker {
    failures: AtomicU32,
    state: Mutex<BreakerState>,
}

#[derive(Default, Clone, Copy)]
enum BreakerState {
    #[default]
    Closed,
    Open {
        until: Instant,
    },
    Probing {
        since: Instant,
    },
}

impl Breaker {
    pub(super) fn allows(&self) -> bool {
        let Ok(mut state) = self.state.lock() else {
            return true;
        };
        let now = Instant::now();
        match *state {
            BreakerState::Closed => true,
            BreakerState::Open { until } if now >= until => {
                *state = BreakerState::Probing { since: now };
                true
            }
            BreakerState::Open { .. } => false,
            // A probe that was dropped unfinished does not block the next one for ever.
            BreakerState::Probing { since } if now.duration_since(since) > 2 * COMMAND_TIMEOUT => {
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
                until: Instant::now() + BREAKER_OPEN,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn wait_out_the_open_period() {
        std::thread::sleep(BREAKER_OPEN + Duration::from_millis(20));
    }

    #[test]
    fn an_open_breaker_lets_one_probe_through_at_a_time() {
        let breaker = Breaker::default();
        for _ in 0..BREAKER_THRESHOLD {
            assert!(breaker.allows());
            breaker.failure();
        }
        assert!(!breaker.allows(), "open after {BREAKER_THRESHOLD} failures");

        wait_out_the_open_period();
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

        wait_out_the_open_period();
        assert!(breaker.allows());
        breaker.success();
        assert!(
            breaker.allows() && breaker.allows(),
            "closed after a good probe"
        );
    }

    #[test]
    fn a_single_failure_does_not_open_the_breaker() {
        let breaker = Breaker::default();
        breaker.failure();
        breaker.success();
        breaker.failure();
        assert!(breaker.allows());
    }
}
