//! Single flight: of concurrent misses of one key, the first loads it from the database
//! and the others wait for that load's result. A finished load also answers later misses
//! for [`FLIGHT_REUSE`] when the cache itself cannot (down, hung, or the key dirty).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portal_billing::RepositoryError;

/// How long a finished load answers later misses of its key in process (when the cache
/// itself is too slow or down to answer them). With Redis down, this bounds both the
/// database reads (one per key per second per process) and how late a write made by
/// another process is seen (one second).
pub const FLIGHT_REUSE: Duration = Duration::from_secs(1);

/// What a finished load found: the value's JSON, or `None` when there is no such value.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub finished: Instant,
    pub json: Option<String>,
}

/// One load of a key, shared by every request for the key until a write to it or
/// [`FLIGHT_REUSE`] passes.
#[derive(Debug)]
pub struct Flight {
    started: Instant,
    pub result: tokio::sync::OnceCell<Loaded>,
}

impl Flight {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            started: Instant::now(),
            result: tokio::sync::OnceCell::new(),
        })
    }
}

/// The flights of one process, by key.
#[derive(Debug, Default)]
pub struct Flights {
    by_key: Mutex<HashMap<String, Arc<Flight>>>,
}

impl Flights {
    /// The flight a miss of `key` joins. After a plain miss (`cache_answered`), only a
    /// load that finished after the read began (the fill racing with it) is reused;
    /// otherwise (the cache could not answer) any load younger than [`FLIGHT_REUSE`].
    pub fn join(
        &self,
        key: &str,
        cache_answered: bool,
        read_started: Instant,
    ) -> Result<Arc<Flight>, RepositoryError> {
        let mut flights = self
            .by_key
            .lock()
            .map_err(|_| RepositoryError::Other(anyhow::anyhow!("flights poisoned")))?;
        let entry = flights.entry(key.to_owned()).or_insert_with(Flight::new);
        let stale = match entry.result.get() {
            None => false,
            Some(loaded) if cache_answered => loaded.finished < read_started,
            Some(_) => entry.started.elapsed() > FLIGHT_REUSE,
        };
        if stale {
            *entry = Flight::new();
        }
        Ok(entry.clone())
    }

    /// Forgets the flights of `keys` (they were written).
    pub fn forget(&self, keys: &[String]) {
        if let Ok(mut flights) = self.by_key.lock() {
            for k in keys {
                flights.remove(k);
            }
        }
    }

    /// Forgets every flight (a bulk write).
    pub fn clear(&self) {
        if let Ok(mut flights) = self.by_key.lock() {
            flights.clear();
        }
    }
}
