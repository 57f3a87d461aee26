//! The SQLite writer thread's loop: take the deliveries waiting (up to a group), commit
//! them in one transaction, and hand their answers on, to the WAL sync thread when there is
//! one (`sync.rs`), else straight to the requests.

use tokio::sync::{mpsc, oneshot};

use super::sync::Answer;
use crate::store::sqlite::from_rusqlite;
use crate::store::{IngestBatch, IngestOutcome, StoreError};

pub(crate) type Reply = oneshot::Sender<Result<IngestOutcome, StoreError>>;

pub(crate) enum Job {
    Ingest(Box<IngestBatch>, Reply),
    Shutdown,
}

pub(crate) type Syncer = (
    std::sync::mpsc::Sender<Vec<Answer>>,
    std::thread::JoinHandle<()>,
);

pub(crate) fn writer_loop(
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
        let (size, started) = (group.len(), std::time::Instant::now());
        let answers = commit_group(&mut conn, &mut group);
        crate::telemetry::metrics::metrics().writer_commit("sqlite", size, started.elapsed());
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
        match super::ingest(&tx, batch) {
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
        match super::ingest(&savepoint, batch) {
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
