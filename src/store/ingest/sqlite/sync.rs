//! The WAL's fsync, off the writer thread.
//!
//! With `synchronous = full` SQLite syncs the WAL inside every commit, and the writer thread
//! waits for the disk before it can start the next group. Instead the writer commits with
//! `synchronous = normal` (the frames reach the OS, not yet the disk) and hands the group's
//! answers to this thread, which syncs the WAL file and only then answers. One sync covers
//! every group committed before it, and the writer is already writing the next group while
//! the disk works. A request is still answered only once its commit is on disk, which is what
//! `full` promises; SQLite's recovery keeps every commit whose frames are in the WAL.
//!
//! One difference remains: between the commit and the sync, other connections can already
//! read the rows (a worker could queue a reply). After a power cut in that window the
//! delivery is gone but was never answered 200, so Meta sends it again.

use std::fs::File;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender};

use crate::store::{IngestOutcome, StoreError};

pub type Answer = (
    tokio::sync::oneshot::Sender<Result<IngestOutcome, StoreError>>,
    Result<IngestOutcome, StoreError>,
);

/// Starts the syncing thread for the database at `db`. Dropping the returned sender lets it
/// answer what it holds and stop.
pub fn start(db: PathBuf) -> std::io::Result<(Sender<Vec<Answer>>, std::thread::JoinHandle<()>)> {
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = std::thread::Builder::new()
        .name("sqlite-wal-sync".into())
        .spawn(move || run(wal_path(&db), rx))?;
    Ok((tx, handle))
}

fn wal_path(db: &std::path::Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

fn run(wal: PathBuf, groups: Receiver<Vec<Answer>>) {
    // Opened at the first sync: SQLite creates the WAL with the first write. The writer's
    // connection keeps it from being deleted while this thread runs.
    let mut file: Option<File> = None;
    while let Ok(first) = groups.recv() {
        let mut answers = first;
        while let Ok(more) = groups.try_recv() {
            answers.extend(more);
        }
        // Groups that failed wrote nothing to wait for; their errors pass through as they are.
        let synced = if answers.iter().any(|(_, result)| result.is_ok()) {
            sync(&wal, &mut file)
        } else {
            Ok(())
        };
        for (reply, result) in answers {
            let result = match (&synced, result) {
                // Committed but perhaps not durable: 503 makes Meta retry, and the retry is
                // recognised by its body.
                (Err(e), Ok(_)) => Err(StoreError::Unavailable(format!("syncing the WAL: {e}"))),
                (_, result) => result,
            };
            let _ = reply.send(result);
        }
    }
}

fn sync(wal: &std::path::Path, file: &mut Option<File>) -> std::io::Result<()> {
    let f = match file {
        Some(f) => f,
        None => file.insert(File::open(wal)?),
    };
    let started = std::time::Instant::now();
    let synced = f.sync_data();
    crate::telemetry::metrics::metrics().writer_fsync(started.elapsed());
    if synced.is_err() {
        // Reopen next time rather than trust a descriptor whose sync failed.
        *file = None;
    }
    synced
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer() -> (
        Answer,
        tokio::sync::oneshot::Receiver<Result<IngestOutcome, StoreError>>,
    ) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        ((tx, Ok(IngestOutcome::default())), rx)
    }

    #[test]
    fn answers_wait_for_a_sync_that_worked_and_errors_pass_through() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("a.db");
        let (groups, handle) = start(db.clone()).unwrap();

        // No WAL file yet: a success cannot be confirmed, so it becomes an outage.
        let (ok, rx) = answer();
        groups.send(vec![ok]).unwrap();
        let got = rx.blocking_recv().unwrap();
        assert!(matches!(got, Err(StoreError::Unavailable(m)) if m.contains("WAL")));

        // A group that failed is answered with its own error, without a sync.
        let (tx, rx) = tokio::sync::oneshot::channel();
        let failed = Err(StoreError::Other("constraint".into()));
        groups.send(vec![(tx, failed)]).unwrap();
        let got = rx.blocking_recv().unwrap();
        assert!(matches!(got, Err(StoreError::Other(m)) if m == "constraint"));

        // Once the WAL exists, answers go through after the sync.
        std::fs::write(wal_path(&db), b"frames").unwrap();
        let (ok, rx) = answer();
        groups.send(vec![ok]).unwrap();
        assert!(rx.blocking_recv().unwrap().is_ok());

        drop(groups);
        handle.join().unwrap();
    }
}
