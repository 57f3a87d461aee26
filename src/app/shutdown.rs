//! One deadline for the whole shutdown. Each part used to get the full grace period after the
//! previous one (the listener, then each worker in turn, then the store), so a stop could
//! take several times `shutdown_grace_secs` and outlive the supervisor's own timeout
//! (systemd's `TimeoutStopSec`, Docker's `stop_grace_period`), which then kills the process
//! in the middle of a write. Now the clock starts once, when the first part sees the
//! shutdown, and every part waits against the same instant.

use std::sync::OnceLock;
use std::time::Duration;

use tokio::time::Instant;

/// The shared shutdown deadline.
#[derive(Debug)]
pub struct Deadline {
    grace: Duration,
    at: OnceLock<Instant>,
}

impl Deadline {
    pub fn new(grace: Duration) -> Self {
        Deadline {
            grace,
            at: OnceLock::new(),
        }
    }

    /// The instant everything must be done by: `grace` after the first call, which is made
    /// as soon as shutdown was requested.
    pub fn get(&self) -> Instant {
        *self.at.get_or_init(|| Instant::now() + self.grace)
    }

    /// Waits for `task` until the deadline; false when it did not finish in time.
    pub async fn wait<F: std::future::Future>(&self, task: F) -> bool {
        tokio::time::timeout_at(self.get(), task).await.is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn every_part_waits_against_the_same_instant() {
        let deadline = Deadline::new(Duration::from_secs(10));
        let first = deadline.get();
        // The first part takes 7 s of the 10: the next one has 3 left, not another 10.
        assert!(
            deadline
                .wait(tokio::time::sleep(Duration::from_secs(7)))
                .await
        );
        let started = Instant::now();
        assert!(
            !deadline
                .wait(tokio::time::sleep(Duration::from_secs(5)))
                .await
        );
        assert_eq!(Instant::now() - started, Duration::from_secs(3));
        assert_eq!(deadline.get(), first);
        // Past the deadline, a part that is already done still counts as done.
        assert!(deadline.wait(async {}).await);
    }
}
