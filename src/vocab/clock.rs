//! Time for the workers. The system clock advances with tokio's clock, so tests that pause
//! tokio time (`start_paused`) drive the workers in virtual time; a manual clock is moved by
//! hand, for tests that also talk to a (fake) server over real sockets.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use tokio::time::Instant;

/// "Now" for workers.
#[derive(Debug, Clone)]
pub enum Clock {
    /// UTC anchored at construction and advanced by tokio's monotonic clock.
    System {
        base_utc: DateTime<Utc>,
        base: Instant,
    },
    /// Moves only when told to.
    Manual(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    pub fn new() -> Clock {
        Clock::System {
            base_utc: Utc::now(),
            base: Instant::now(),
        }
    }

    pub fn manual(at: DateTime<Utc>) -> Clock {
        Clock::Manual(Arc::new(Mutex::new(at)))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System { base_utc, base } => {
                let elapsed = Instant::now().duration_since(*base);
                *base_utc + chrono::Duration::from_std(elapsed).unwrap_or(chrono::Duration::zero())
            }
            Clock::Manual(at) => *at.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// Moves a manual clock forward (no effect on the system clock).
    pub fn advance(&self, by: chrono::Duration) {
        if let Clock::Manual(at) = self {
            let mut guard = at.lock().unwrap_or_else(|e| e.into_inner());
            *guard += by;
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::new()
    }
}
