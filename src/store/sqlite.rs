//! SQLite in WAL mode: the embedded default.
//!
//! SQLite has one writer at a time, so webhook deliveries go through a single thread that
//! owns a write connection (`sqlite_writer.rs`, rusqlite with prepared statements). Deliveries
//! that arrive while a transaction is committing are folded into the next one (group commit):
//! many webhooks share one fsync, and each is answered only after the commit that contains
//! it. A third connection checkpoints the WAL on its own thread (`sqlite_writer/checkpoint.rs`).
//! Reads, and the workers' small writes, use a sqlx pool.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{Connection, SqliteConnection as _Conn};
use tokio::sync::{mpsc, oneshot, Mutex};

use super::sqlite_writer::open::{open_writer, MMAP_SIZE};
use super::sqlite_writer::sync::{self as wal_sync, Answer};
use super::{migrate, ReportLookup, StoreError, StoreOptions, WindowKey};

super::shared_reports::report_fns!(
    SqliteConnection,
    SqlitePool,
    super::sql_reports::CLAIM_OUTBOX_SQLITE,
    super::sql_reports::SELECT_MERGEABLE_SQLITE
);
super::shared::backend_fns!(SqliteConnection, SqlitePool);
super::privacy_impl::privacy_impl!(SqliteStore, read);
super::queue_impl::queue_impl!(SqliteStore, read, sqlx::Sqlite);
super::media_impl::media_impl!(SqliteStore, read, super::media_impl::claim_media_sql!(""));

type Reply = oneshot::Sender<Result<IngestOutcome, StoreError>>;

enum Job {
    Ingest(Box<IngestBatch>, Reply),
    Shutdown,
}

/// The SQLite store.
pub struct SqliteStore {
    read: SqlitePool,
    write: mpsc::Sender<Job>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// Copies the WAL back into the database file (see `sqlite_writer/checkpoint.rs`).
    checkpointer: Mutex<Option<(std::sync::mpsc::Sender<()>, std::thread::JoinHandle<()>)>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and applies migrations.
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Self, StoreError> {
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

        // Migrations run through sqlx (they are embedded for it); the writer then opens its
        // own connection with the same settings.
        let mut migrate_conn = _Conn::connect_with(&connect).await?;
        migrate::sqlite().run_direct(&mut migrate_conn).await?;
        migrate_conn.close().await?;
        // `full`: the WAL is synced before each answer, by its own thread (see
        // `sqlite_writer/sync.rs`), so the writer's commits need not wait for the disk.
        let sync_apart = options.sqlite_synchronous.eq_ignore_ascii_case("full");
        let writer_sync = if sync_apart {
            "normal"
        } else {
            &options.sqlite_synchronous
        };
        let writer_conn =
            open_writer(connect.get_filename(), writer_sync).map_err(from_rusqlite)?;
        let syncer = sync_apart
            .then(|| wal_sync::start(connect.get_filename().to_owned()))
            .transpose()
            .map_err(|e| StoreError::Other(format!("cannot start the WAL sync thread: {e}")))?;
        let checkpoint_conn = open_writer(connect.get_filename(), &options.sqlite_synchronous)
            .map_err(from_rusqlite)?;
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
            .spawn(move || super::sqlite_writer::checkpoint::run(checkpoint_conn, stopped))
            .map_err(|e| StoreError::Other(format!("cannot start the SQLite checkpointer: {e}")))?;
        Ok(SqliteStore {
            read,
            write: tx,
            writer: Mutex::new(Some(writer)),
            checkpointer: Mutex::new(Some((stop, checkpointer))),
        })
    }
}

/// Busy, locked, I/O and full-disk failures are outages (503, Meta retries); the rest are bugs.
fn from_rusqlite(e: rusqlite::Error) -> StoreError {
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

fn create_parent_dir(file: &std::path::Path) -> Result<(), StoreError> {
    match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Unavailable(format!("{}: {e}", dir.display()))),
        _ => Ok(()),
    }
}

type Syncer = (
    std::sync::mpsc::Sender<Vec<Answer>>,
    std::thread::JoinHandle<()>,
);

fn writer_loop(
    mut conn: rusqlite::Connection,
    mut rx: mpsc::Receiver<Job>,
    max_group: usize,
    syncer: Option<Syncer>,
) {
    let mut group: Vec<(Box<IngestBatch>, Reply)> = Vec::with_capacity(max_group);
    let mut stop = false;
    while !stop {
        match rx.blocking_recv() {
            Some(Job::Ingest(batch, reply)) => group.push((batch, reply)),
            Some(Job::Shutdown) | None => break,
        }
        while group.len() < max_group {
            match rx.try_recv() {
                Ok(Job::Ingest(batch, reply)) => group.push((batch, reply)),
                Ok(Job::Shutdown) => {
                    stop = true;
                    break;
                }
                Err(_) => break,
            }
        }
        let answers = commit_group(&mut conn, &mut group);
        match &syncer {
            Some((sync, _)) => {
                if let Err(unsent) = sync.send(answers) {
                    answer(unsent.0, Some("the WAL sync thread has stopped"));
                }
            }
            None => answer(answers, None),
        }
    }
    if let Some((sync, handle)) = syncer {
        drop(sync);
        let _ = handle.join();
    }
    if let Err((_, e)) = conn.close() {
        tracing::warn!(error = %e, "closing the SQLite write connection");
    }
}

/// Sends each answer; with `failure`, an outage instead.
fn answer(answers: Vec<Answer>, failure: Option<&str>) {
    for (reply, result) in answers {
        let result = match failure {
            Some(why) => Err(StoreError::Unavailable(why.into())),
            None => result,
        };
        // The requester may have gone (client timeout); the data is committed regardless.
        let _ = reply.send(result);
    }
}

/// Commits a group of deliveries in one transaction and returns each one's answer. The fast
/// path runs them back to back; if one fails (a bug, not an outage) the group is rolled back
/// and replayed with a savepoint per delivery, so that one failure does not take the others
/// down with it.
fn commit_group(
    conn: &mut rusqlite::Connection,
    group: &mut Vec<(Box<IngestBatch>, Reply)>,
) -> Vec<Answer> {
    let outcome = match fast_path(conn, group) {
        Ok(Some(outcomes)) => Ok(outcomes.into_iter().map(Ok).collect()),
        Ok(None) => isolated_path(conn, group),
        Err(e) => Err(e),
    };
    let (results, failure) = match outcome {
        Ok(results) => (results, None),
        Err(e) => (Vec::new(), Some(from_rusqlite(e))),
    };
    let mut answers = Vec::with_capacity(group.len());
    for (i, (_, reply)) in group.drain(..).enumerate() {
        let result = match (&failure, results.get(i)) {
            (Some(e), _) => Err(StoreError::Unavailable(e.to_string())),
            (None, Some(r)) => r.clone(),
            (None, None) => Err(StoreError::Other("missing result".into())),
        };
        answers.push((reply, result));
    }
    answers
}

/// All deliveries in one transaction without savepoints; `None` when one of them failed
/// (everything was rolled back).
fn fast_path(
    conn: &mut rusqlite::Connection,
    group: &[(Box<IngestBatch>, Reply)],
) -> rusqlite::Result<Option<Vec<IngestOutcome>>> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut outcomes = Vec::with_capacity(group.len());
    for (batch, _) in group {
        match super::sqlite_writer::ingest(&tx, batch) {
            Ok(o) => outcomes.push(o),
            Err(e) => {
                tracing::warn!(error = %e, "a delivery failed inside a group; replaying one by one");
                tx.rollback()?;
                return Ok(None);
            }
        }
    }
    tx.commit()?;
    Ok(Some(outcomes))
}

fn isolated_path(
    conn: &mut rusqlite::Connection,
    group: &[(Box<IngestBatch>, Reply)],
) -> rusqlite::Result<Vec<Result<IngestOutcome, StoreError>>> {
    let mut results = Vec::with_capacity(group.len());
    let mut tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    for (batch, _) in group {
        let mut savepoint = tx.savepoint()?;
        match super::sqlite_writer::ingest(&savepoint, batch) {
            Ok(outcome) => {
                savepoint.commit()?;
                results.push(Ok(outcome));
            }
            Err(e) => {
                savepoint.rollback()?;
                results.push(Err(from_rusqlite(e)));
            }
        }
    }
    tx.commit()?;
    Ok(results)
}

super::shared_impl::store_impl!(SqliteStore, read, {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ingest(&self, batch: IngestBatch) -> Result<IngestOutcome, StoreError> {
        let (reply, answer) = oneshot::channel();
        let closed = || StoreError::Unavailable("the SQLite writer has stopped".into());
        self.write
            .send(Job::Ingest(Box::new(batch), reply))
            .await
            .map_err(|_| closed())?;
        answer.await.map_err(|_| closed())?
    }

    async fn ping(&self) -> Result<(), StoreError> {
        if self.write.is_closed() {
            return Err(StoreError::Unavailable(
                "the SQLite writer has stopped".into(),
            ));
        }
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    async fn close(&self) {
        let _ = self.write.send(Job::Shutdown).await;
        if let Some(handle) = self.writer.lock().await.take() {
            let _ = tokio::task::spawn_blocking(move || handle.join()).await;
        }
        if let Some((stop, handle)) = self.checkpointer.lock().await.take() {
            let _ = stop.send(());
            let _ = tokio::task::spawn_blocking(move || handle.join()).await;
        }
        self.read.close().await;
    }
});

/// Worker writes go through the pool next to the group-commit writer; `BEGIN IMMEDIATE` takes
/// the write lock up front so SQLite's busy timeout applies instead of a deadlock error.
async fn begin_write(
    pool: &SqlitePool,
) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}
