//! Persistence: one concrete [`Store`] over SQLite or PostgreSQL.
//!
//! Other modules hand the store plain input structs (`New…`) and get rows (`…Row`) back;
//! no SQL leaves this module.
//!
//! ## Why an enum and not a trait
//!
//! The service runs on exactly one of two databases, chosen by `DATABASE_URL` at start, and
//! nothing outside this module needs to know which. So `Store` is a struct holding a
//! [`db::Pool`], an enum over the two sqlx pools, and each method is written once, as a
//! plain `async fn` in the file named for the tables it touches (`accounts.rs`,
//! `reports.rs`, `outbox.rs`, `audit.rs`, `media.rs`, `privacy.rs`…), with its SQL beside
//! it. Inside a method, `db::dispatch!` runs the same query source on whichever pool is
//! there, so `grep "fn finish_outbox"` finds the one function that does it.
//!
//! The alternative, one trait implemented once per backend, writes every method twice (the
//! SQL is the same on both: `$N` placeholders and `ON CONFLICT` mean the same in SQLite and
//! PostgreSQL) and needs a trait object or generics at every call site. Where the backends
//! genuinely differ (SQLite's `INDEXED BY` hints against PostgreSQL's `SKIP LOCKED`, and
//! above all how a webhook delivery is written: `ingest/`), the method matches on the enum
//! by hand.
//!
//! A webhook delivery does not go through the pool: each backend has a writer that folds
//! concurrent deliveries into one transaction (`ingest/`, with its rules in prose there).
//!
//! Reads that only the test suite needs (whole tables, the rows of one delivery) live in
//! `inspect.rs`, apart from what the service uses.

mod accounts;
mod audit;
pub mod blobs;
pub(crate) mod db;
mod erasure;
mod inbound;
mod incident_edits;
mod incident_views;
mod incidents;
mod ingest;
mod inspect;
mod ledger;
mod media;
mod migrate;
mod outbox;
mod postgres;
mod privacy;
mod registry;
mod report_changes;
mod report_query;
mod reports;
pub(crate) mod rows;
mod send_outcome;
mod sender;
mod sqlite;
mod trend_alerts;

use std::sync::Arc;

pub use accounts::{NewUser, SessionRow, TokenOwner, UserAccount, UserRow};
pub use audit::NewAudit;
pub use erasure::PersonData;
pub use incident_edits::{IncidentEditError, IncidentMemberRow, IncidentRow};
pub use incident_views::IncidentMemberView;
pub use incidents::{
    IncidentSource, IncidentState, OpenMember, PendingOutcome, Placement, GROUPING_ACTOR,
};
pub use ingest::plan::{
    FollowUp, MessagePlan, NewCommand, NewOutbox, NewRegistryRequest, NewReport, ReportAction,
};
pub use ingest::{
    Attribution, DeliveryOutcome, IngestBatch, IngestOutcome, NewDelivery, NewEvent, NewInbound,
    NewPricing, NewStatus, NewTriage,
};
pub use media::{MediaOutcome, MediaRow};
pub use privacy::{PurgeCounts, RetentionCutoffs};
pub use registry::{
    RegistryChange, RegistryCoordinatorRow, RegistryGroupRow, RegistryMemberRow,
    RegistryRequestRow, RegistrySnapshot, RegistryWrite, RegistryWriteError, RequestSettlement,
};
pub use report_query::{fold_text, QueueCount, QueueItem, ReportPlace, ReportQuery};
pub use reports::{
    CorrectionRow, EscalationStep, NewCorrection, ReportChange, ReportFields, ReportLookup,
};
pub use rows::{
    AuditRow, DeliveryRow, EventRow, Gauges, InboundRow, OutboxRow, ReportChangeRow, ReportRow,
    SenderState, StatusRow, StoreCounts,
};
pub use send_outcome::{FailedSettlement, OutboxOutcome};
pub use sender::WindowKey;
pub use trend_alerts::{NewTrendAlert, TrendAlertOutcome, TrendAlertRow};

use db::{dispatch, Either};

/// The store: a pool for reads and the workers' writes, and the backend's group-commit
/// writer for webhook deliveries. SQLite and PostgreSQL pass the same contract test suite.
pub struct Store {
    pool: db::Pool,
    writer: Either<sqlite::SqliteWriter, ingest::postgres::GroupWriter>,
}

impl Store {
    /// Opens the store named by `url` (`sqlite://…` or `postgres://…`) and applies migrations.
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Self, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let (pool, writer) = postgres::connect(url, options).await?;
            Ok(Store {
                pool: Either::Postgres(pool),
                writer: Either::Postgres(writer),
            })
        } else if url.starts_with("sqlite:") {
            let (pool, writer) = sqlite::connect(url, options).await?;
            Ok(Store {
                pool: Either::Sqlite(pool),
                writer: Either::Sqlite(writer),
            })
        } else {
            Err(StoreError::Other(
                "DATABASE_URL debe empezar con sqlite:// o postgres://".into(),
            ))
        }
    }

    /// `sqlite` or `postgres`, for logs and `/readyz`.
    pub fn backend(&self) -> &'static str {
        match self.pool {
            Either::Sqlite(_) => "sqlite",
            Either::Postgres(_) => "postgres",
        }
    }

    /// Stores a delivery and everything in it atomically; idempotent on the body and on
    /// each message's wamid; statuses never move backwards (the rules: `ingest/`).
    pub async fn ingest(&self, batch: IngestBatch) -> Result<IngestOutcome, StoreError> {
        match &self.writer {
            Either::Sqlite(w) => w.ingest(batch).await,
            Either::Postgres(w) => w.ingest(batch).await,
        }
    }

    /// Cheap round trip for readiness checks (and, on SQLite, whether the writer runs).
    pub async fn ping(&self) -> Result<(), StoreError> {
        if let Either::Sqlite(w) = &self.writer {
            w.check_running()?;
        }
        dispatch!(&self.pool, |p| sqlx::query("SELECT 1")
            .execute(p)
            .await
            .map(drop))?;
        Ok(())
    }

    /// The read pool's connections now: (open, idle), for `/metrics`.
    pub fn pool_connections(&self) -> (u32, usize) {
        dispatch!(&self.pool, |p| (p.size(), p.num_idle()))
    }

    /// Finishes pending writes and closes connections.
    pub async fn close(&self) {
        match &self.writer {
            Either::Sqlite(w) => w.close().await,
            Either::Postgres(w) => w.close().await,
        }
        dispatch!(&self.pool, |p| p.close().await);
    }
}

/// Errors a store call can end in. The HTTP layer answers 503 to `Unavailable`, so Meta
/// retries instead of losing the delivery.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Other(String),
    /// A uniqueness rule refused the write (a user name already taken).
    #[error("conflict: {0}")]
    Conflict(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::Tls(_) => StoreError::Unavailable(e.to_string()),
            other => StoreError::Other(other.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Other(format!("migration failed: {e}"))
    }
}

/// Store tuning that does not belong in the URL.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub max_connections: u32,
    /// SQLite `synchronous`: `full` survives power loss, `normal` only process crashes.
    pub sqlite_synchronous: String,
    /// How many concurrent deliveries the SQLite writer may fold into one transaction.
    pub sqlite_group_commit: usize,
    /// How many concurrent deliveries a PostgreSQL writer may fold into one transaction.
    pub postgres_group_commit: usize,
    /// PostgreSQL writer tasks per process.
    pub postgres_writers: usize,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            max_connections: 8,
            sqlite_synchronous: "full".into(),
            sqlite_group_commit: 64,
            postgres_group_commit: 64,
            postgres_writers: 2,
        }
    }
}

/// Opens the store named by `url` (`sqlite://…` or `postgres://…`) and applies migrations.
pub async fn connect(url: &str, options: &StoreOptions) -> Result<Arc<Store>, StoreError> {
    Ok(Arc::new(Store::connect(url, options).await?))
}
