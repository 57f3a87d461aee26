//! How the writer's and the checkpointer's rusqlite connections are opened: the same
//! settings as the sqlx pool's, plus what only a writer needs.

use std::time::Duration;

/// Pages are read through a memory map instead of a read() call each; a 64-bit address
/// space has room for far more than a year of reports.
pub const MMAP_SIZE: &str = "1073741824";
/// The writer's page cache (negative: KiB). Indexes on message ids, senders and the outbox
/// stay in memory, so inserting into them does not read pages back from the OS.
const WRITER_CACHE_KIB: &str = "-65536";

pub fn open_writer(
    path: &std::path::Path,
    synchronous: &str,
) -> rusqlite::Result<rusqlite::Connection> {
    let mut conn = rusqlite::Connection::open(path)?;
    conn.busy_handler(Some(retry_soon))?;
    conn.pragma_update(None, "journal_mode", "wal")?;
    conn.pragma_update(None, "synchronous", synchronous)?;
    conn.pragma_update(None, "foreign_keys", "on")?;
    conn.pragma_update(None, "mmap_size", MMAP_SIZE)?;
    conn.pragma_update(None, "cache_size", WRITER_CACHE_KIB)?;
    // Checkpoints run on their own thread, off the commits' path.
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// The write connection's busy handler. SQLite's own sleeps 1, 2, 5, 10… ms between tries,
/// so a lock held for 3 ms (the checkpoint rewinding the WAL, a worker's small write) cost
/// the writer 8; retrying every 100 µs picks the lock up as it is released. Gives up after
/// the same 5 s as the pool's `busy_timeout`.
fn retry_soon(attempt: i32) -> bool {
    const PAUSE: Duration = Duration::from_micros(100);
    let give_up = (Duration::from_secs(5).as_micros() / PAUSE.as_micros()) as i32;
    if attempt >= give_up {
        return false;
    }
    std::thread::sleep(PAUSE);
    true
}
