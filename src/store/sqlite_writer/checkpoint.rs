//! WAL checkpoints on their own thread.
//!
//! SQLite's automatic checkpoint runs inside whichever commit pushes the WAL past its
//! threshold, so every thousandth page or so one group of webhooks waited for pages to be
//! copied into the database file and that file to be synced. Here a connection of its own
//! copies them in the background (PASSIVE: it never waits for readers or the writer), and
//! the writer's commits only append to the WAL.

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

/// How often the WAL is copied back. At thousands of webhooks a second the WAL grows by a
/// few MB in this time, which bounds both its size and the work of one checkpoint.
const EVERY: Duration = Duration::from_millis(500);

/// Runs until `stop` receives a message or its sender is dropped, then checkpoints once
/// more so a clean shutdown leaves a short WAL.
pub fn run(conn: rusqlite::Connection, stop: Receiver<()>) {
    loop {
        let last = match stop.recv_timeout(EVERY) {
            Err(RecvTimeoutError::Timeout) => false,
            Ok(()) | Err(RecvTimeoutError::Disconnected) => true,
        };
        let mode = if last { "TRUNCATE" } else { "PASSIVE" };
        if let Err(e) = conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |_| Ok(())) {
            tracing::warn!(error = %e, "SQLite checkpoint failed; the WAL grows until the next one");
        }
        if last {
            return;
        }
    }
}
