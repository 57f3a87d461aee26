//! WAL checkpoints on their own thread.
//!
//! SQLite's automatic checkpoint runs inside whichever commit pushes the WAL past its
//! threshold: a fifth of the writer thread's time went to copying pages back into the
//! database file while webhooks waited. Here a connection of its own does the copying in
//! the background (PASSIVE: it never waits for the writer). A passive checkpoint cannot
//! rewind the WAL while writes keep coming, though, and a WAL that only grows makes every
//! commit extend the file, which costs more than the copying; so once the WAL is long, a
//! RESTART holds the writer back for the moment it takes to copy the last few frames and
//! rewind. The WAL file keeps its size, so later commits write into blocks that exist.

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

/// How often the WAL is copied back.
const EVERY: Duration = Duration::from_millis(100);
/// WAL length (frames of one page) past which the checkpoint rewinds it: 64 MB of 4 KiB
/// pages, several seconds of a burst.
const REWIND_FRAMES: i64 = 16_384;

/// Runs until `stop` receives a message or its sender is dropped, then checkpoints once
/// more, truncating, so a clean shutdown leaves a short WAL.
pub fn run(conn: rusqlite::Connection, stop: Receiver<()>) {
    loop {
        let last = match stop.recv_timeout(EVERY) {
            Err(RecvTimeoutError::Timeout) => false,
            Ok(()) | Err(RecvTimeoutError::Disconnected) => true,
        };
        let result = if last {
            checkpoint(&conn, "TRUNCATE")
        } else {
            checkpoint(&conn, "PASSIVE").and_then(|frames| match frames {
                n if n >= REWIND_FRAMES => checkpoint(&conn, "RESTART"),
                n => Ok(n),
            })
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "SQLite checkpoint failed; the WAL grows until the next one");
        }
        if last {
            return;
        }
    }
}

/// Runs one checkpoint; returns the WAL's length in frames as it was.
fn checkpoint(conn: &rusqlite::Connection, mode: &str) -> rusqlite::Result<i64> {
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| r.get(1))
}
