//! PostgreSQL's group commit. A transaction per delivery cost a commit and about ten round
//! trips each, so intake topped out near 1,500 webhooks/s however the pool was sized.
//! Here a few writer tasks each take whatever deliveries are waiting (up to a group's
//! size), write them in one transaction (set-based where `postgres/bulk.rs` covers them,
//! statement by statement otherwise: `postgres/serial.rs`) and answer each request only
//! after that commit.
//!
//! A group shares its fate, so when the database refuses a group (a constraint, a value it
//! cannot store) its deliveries are written again one by one: one bad delivery fails
//! alone, as it would without grouping. A lost connection fails them all, quickly, as 503.

use std::sync::Arc;

use sqlx::postgres::PgPool;
use sqlx::Connection;
use tokio::sync::{mpsc, oneshot, Mutex};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

mod bulk;
mod plans;
mod rows;
mod serial;
mod statuses;

use crate::store::{IngestBatch, IngestOutcome, StoreError};

type Reply = oneshot::Sender<Result<IngestOutcome, StoreError>>;

struct Job {
    batch: IngestBatch,
    reply: Reply,
}

/// A deadlock between replicas (40P01) or a serialization failure (40001): PostgreSQL
/// aborted the transaction, and running it again is the remedy.
const ATTEMPTS: usize = 4;

pub(crate) struct GroupWriter {
    jobs: mpsc::Sender<Job>,
    stop: CancellationToken,
    tasks: std::sync::Mutex<Vec<JoinHandle<()>>>,
}

impl GroupWriter {
    /// Starts `writers` tasks that fold up to `max_group` waiting deliveries into each
    /// transaction. Two writers let one gather and write while the other waits for its
    /// commit to reach the disk.
    pub fn start(pool: PgPool, writers: usize, max_group: usize) -> Self {
        let max_group = max_group.max(1);
        let (jobs, rx) = mpsc::channel(max_group * 16);
        let rx = Arc::new(Mutex::new(rx));
        let stop = CancellationToken::new();
        let tasks = (0..writers.max(1))
            .map(|_| tokio::spawn(run(pool.clone(), rx.clone(), max_group, stop.clone())))
            .collect();
        GroupWriter {
            jobs,
            stop,
            tasks: std::sync::Mutex::new(tasks),
        }
    }

    /// Stores one delivery; returns after the transaction that holds it has committed.
    pub async fn ingest(&self, batch: IngestBatch) -> Result<IngestOutcome, StoreError> {
        let (reply, answer) = oneshot::channel();
        let closing = || StoreError::Unavailable("the store is closing".into());
        self.jobs
            .send(Job { batch, reply })
            .await
            .map_err(|_| closing())?;
        answer.await.map_err(|_| closing())?
    }

    /// Writes what is already queued, then stops the writers.
    pub async fn close(&self) {
        self.stop.cancel();
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|p| p.into_inner()));
        for t in tasks {
            let _ = t.await;
        }
    }
}

async fn run(
    pool: PgPool,
    rx: Arc<Mutex<mpsc::Receiver<Job>>>,
    max_group: usize,
    stop: CancellationToken,
) {
    loop {
        let group = {
            let mut rx = rx.lock().await;
            let first = tokio::select! {
                biased;
                job = rx.recv() => job,
                // Closing: drain what is queued, then stop.
                () = stop.cancelled() => rx.try_recv().ok(),
            };
            let Some(first) = first else { return };
            let mut group = vec![first];
            while group.len() < max_group {
                match rx.try_recv() {
                    Ok(job) => group.push(job),
                    Err(_) => break,
                }
            }
            group
        };
        write(&pool, group).await;
    }
}

/// Writes a group and answers each of its requests.
async fn write(pool: &PgPool, jobs: Vec<Job>) {
    let batches: Vec<&IngestBatch> = jobs.iter().map(|j| &j.batch).collect();
    let started = std::time::Instant::now();
    let result = retrying(|| write_group(pool, &batches)).await;
    crate::telemetry::metrics::metrics().writer_commit(
        "postgres",
        batches.len(),
        started.elapsed(),
    );
    drop(batches);
    match result {
        Ok(outcomes) => {
            for (job, outcome) in jobs.into_iter().zip(outcomes) {
                let _ = job.reply.send(Ok(outcome));
            }
        }
        Err(e) if jobs.len() > 1 && matches!(e, sqlx::Error::Database(_)) => {
            tracing::warn!(
                error = %e,
                deliveries = jobs.len(),
                "the database refused a group; storing its deliveries one by one"
            );
            for job in jobs {
                let one = [&job.batch];
                let alone = retrying(|| write_group(pool, &one)).await;
                let outcome = alone.map(|mut o| o.remove(0)).map_err(StoreError::from);
                let _ = job.reply.send(outcome);
            }
        }
        Err(e) => {
            let error = StoreError::from(e);
            for job in jobs {
                let _ = job.reply.send(Err(error.clone()));
            }
        }
    }
}

/// Everything a group writes, in one transaction: all deliveries, the new ones' statuses,
/// events and flags, then the messages of the new deliveries the set-based path covers, then
/// the other new deliveries' messages statement by statement.
async fn write_group(
    pool: &PgPool,
    group: &[&IngestBatch],
) -> Result<Vec<IngestOutcome>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    let mut outcomes = vec![IngestOutcome::default(); group.len()];
    let new = bulk::upsert_deliveries(&mut tx, group, &mut outcomes).await?;
    // Statuses first: the messages' plans lock the folio counters, which every other writer
    // waits on until this transaction commits, so as little as possible comes after them.
    statuses::write_statuses(&mut tx, group, &new, &mut outcomes).await?;
    bulk::write_events(&mut tx, group, &new, &outcomes).await?;
    let (set_based, one_by_one): (Vec<usize>, Vec<usize>) =
        new.into_iter().partition(|&i| bulk::set_based(group[i]));
    bulk::write_messages(&mut tx, group, &set_based, &mut outcomes).await?;
    for i in one_by_one {
        serial::write_messages(&mut tx, group[i], &mut outcomes[i]).await?;
    }
    tx.commit().await?;
    Ok(outcomes)
}

async fn retrying<T, F, Fut>(mut attempt: F) -> Result<T, sqlx::Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, sqlx::Error>>,
{
    let mut tries = 0;
    loop {
        tries += 1;
        match attempt().await {
            Err(e) if tries < ATTEMPTS && is_transient(&e) => {
                tracing::debug!(tries, "transaction aborted by a conflict; running it again");
            }
            other => return other,
        }
    }
}

/// Deadlock detected (40P01) or serialization failure (40001).
fn is_transient(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("40P01" | "40001")))
}
