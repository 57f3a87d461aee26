//! SQLite in WAL mode: the embedded default.
//!
//! SQLite has one writer at a time, so webhook deliveries go through a single thread that
//! owns a write connection (`ingest/sqlite/`, rusqlite with prepared statements). Deliveries
//! that arrive while a transaction is committing are folded into the next one (group commit,
//! `ingest/sqlite/group.rs`), and each is answered only once the WAL holding its commit has
//! been synced (`ingest/sqlite/sync.rs`). Another connection checkpoints the WAL on its own
//! thread (`ingest/sqlite/checkpoint.rs`). Reads, and the workers' small writes, use a sqlx
//! pool (the store's `db::Pool`).

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use tokio::sync::{mpsc, oneshot, Mutex};

use super::ingest::sqlite::group::{writer_loop, Job};
use super::ingest::sqlite::open::{open_writer, MMAP_SIZE};
use super::ingest::sqlite::sync as wal_sync;
use super::{migrate, IngestBatch, IngestOutcome, StoreError, StoreOptions};

/// The SQLite side of the store's writer: the group-commit thread and the checkpointer.
pub(super) struct SqliteWriter {
    write: mpsc::Sender<Job>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// Copies the WAL back into the database file (see `ingest/sqlite/checkpoint.rs`).
    checkpointer: Mutex<Option<(std::sync::mpsc::Sender<()>, std::thread::JoinHandle<()>)>>,
}

/// Opens (creating if needed) the database file, applies migrations and starts the writer.
pub(super) async fn connect(
    url: &str,
    options: &StoreOptions,
) -> Result<(SqlitePool, SqliteWriter), StoreError> {
    let synchronous = SqliteSynchronous::from_str(&options.sqlite_synchronous)
        .map_err(|e| StoreError::Other(format!("sqlite_synchronous: {e}")))?;
    let connect = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(synchronous)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true)
        .pragma("mmap_size", MMAP_SIZE)
        .pragma("wal_autocheckpoint", "0");
    create_parent_dir(connect.get_filename())?;

    // Migrations run through sqlx (they are embedded for it) on a one-connection pool:
    // `Migrator::run` over `&mut SqliteConnection` makes the start-up future `Send` for only
    // some lifetimes, which `tokio::spawn(app::run(..))` rejects, and `run_direct` (the
    // workaround) is outside sqlx's stable API. The writer then opens its own connection
    // with the same settings.
    let migrate_pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(connect.clone())
        .await?;
    migrate::sqlite().run(&migrate_pool).await?;
    migrate_pool.close().await;
    // `full`: the WAL is synced before each answer, by its own thread (see
    // `ingest/sqlite/sync.rs`), so the writer's commits need not wait for the disk. Only
    // in WAL mode: another journal (a VFS without shared memory) keeps SQLite's own sync.
    let mut sync_apart = options.sqlite_synchronous.eq_ignore_ascii_case("full");
    let writer_sync = if sync_apart {
        "normal"
    } else {
        &options.sqlite_synchronous
    };
    let writer_conn = open_writer(connect.get_filename(), writer_sync).map_err(from_rusqlite)?;
    if sync_apart && !in_wal_mode(&writer_conn).map_err(from_rusqlite)? {
        writer_conn
            .pragma_update(None, "synchronous", "full")
            .map_err(from_rusqlite)?;
        sync_apart = false;
    }
    let syncer = sync_apart
        .then(|| wal_sync::start(connect.get_filename().to_owned()))
        .transpose()
        .map_err(|e| StoreError::Other(format!("cannot start the WAL sync thread: {e}")))?;
    let checkpoint_conn =
        open_writer(connect.get_filename(), &options.sqlite_synchronous).map_err(from_rusqlite)?;
    let read = SqlitePoolOptions::new()
        .max_connections(options.max_connections.max(1))
        .connect_with(connect)
        .await?;

    let (tx, rx) = mpsc::channel(options.sqlite_group_commit.max(1) * 16);
    let max_group = options.sqlite_group_commit.max(1);
    let writer = std::thread::Builder::new()
        .name("sqlite-writer".into())
        .spawn(move || writer_loop(writer_conn, rx, max_group, syncer))
        .map_err(|e| StoreError::Other(format!("cannot start the SQLite writer: {e}")))?;
    let (stop, stopped) = std::sync::mpsc::channel();
    let checkpointer = std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || super::ingest::sqlite::checkpoint::run(checkpoint_conn, stopped))
        .map_err(|e| StoreError::Other(format!("cannot start the SQLite checkpointer: {e}")))?;
    let writer = SqliteWriter {
        write: tx,
        writer: Mutex::new(Some(writer)),
        checkpointer: Mutex::new(Some((stop, checkpointer))),
    };
    Ok((read, writer))
}

/// Busy, locked, I/O and full-disk failures are outages (503, Meta retries); the rest are bugs.
pub(super) fn from_rusqlite(e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode::*;
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(
                f.code,
                DatabaseBusy | DatabaseLocked | SystemIoFailure | DiskFull | CannotOpen | ReadOnly
            ) =>
        {
            StoreError::Unavailable(e.to_string())
        }
        _ => StoreError::Other(e.to_string()),
    }
}

fn in_wal_mode(conn: &rusqlite::Connection) -> rusqlite::Result<bool> {
    let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
    Ok(mode.eq_ignore_ascii_case("wal"))
}

fn create_parent_dir(file: &std::path::Path) -> Result<(), StoreError> {
    match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Unavailable(format!("{}: {e}", dir.display()))),
        _ => Ok(()),
    }
}

impl SqliteWriter {
    pub(super) async fn ingest(&self, batch: IngestBatch) -> Result<IngestOutcome, StoreError> {
        let (reply, answer) = oneshot::channel();
        let closed = || StoreError::Unavailable("the SQLite writer has stopped".into());
        self.write
            .send(Job::Ingest(Box::new(batch), reply))
            .await
            .map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }

    pub(super) fn check_running(&self) -> Result<(), StoreError> {
        if self.write.is_closed() {
            return Err(StoreError::Unavailable(
                "the SQLite writer has stopped".into(),
            ));
        }
        Ok(())
    }

    /// Lets the writer finish what it holds, then stops the checkpointer.
    pub(super) async fn close(&self) {
        let _ = self.write.send(Job::Shutdown).await;
        if let Some(handle) = self.writer.lock().await.take() {
            let _ = tokio::task::spawn_blocking(move || handle.join()).await;
        }
        if let Some((stop, handle)) = self.checkpointer.lock().await.take() {
            let _ = stop.send(());
            let _ = tokio::task::spawn_blocking(move || handle.join()).await;
        }
    }
}
