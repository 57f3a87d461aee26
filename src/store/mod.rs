//! Persistence: the [`Store`] trait and its SQLite and PostgreSQL implementations.
//!
//! Other modules hand the store plain input structs (`New…`) and get rows (`…Row`) back;
//! no SQL leaves this module.

pub mod blobs;
mod ingest;
mod media;
mod media_impl;
mod migrate;
mod outbox;
mod pg_bulk;
mod pg_bulk_plans;
mod pg_bulk_rows;
mod pg_bulk_statuses;
mod pg_group;
mod pg_ingest;
mod plan;
mod postgres;
mod privacy;
mod privacy_impl;
mod queue;
mod queue_accounts;
mod queue_impl;
mod queue_query;
pub(crate) mod rows;
mod shared;
mod shared_impl;
mod shared_reports;
mod sql;
mod sql_privacy;
mod sql_queue;
mod sql_reports;
mod sqlite;
mod sqlite_writer;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use ingest::{
    Attribution, DeliveryOutcome, IngestBatch, IngestOutcome, NewDelivery, NewEvent, NewInbound,
    NewPricing, NewStatus, NewTriage,
};
pub use media::{MediaOutcome, MediaRow, MediaStore};
pub use outbox::{EscalationStep, FailedSettlement, OutboxOutcome, ReportLookup, WindowKey};
pub use plan::{FollowUp, MessagePlan, NewCommand, NewOutbox, NewReport, ReportAction};
pub use postgres::PgStore;
pub use privacy::{PersonData, PrivacyStore, PurgeCounts, RetentionCutoffs};
pub use queue::{
    CorrectionRow, NewAudit, NewCorrection, NewUser, QueueCount, QueueItem, QueueStore,
    ReportChange, ReportFields, ReportPlace, ReportQuery, SessionRow, TokenOwner, UserAccount,
    UserRow,
};
pub use rows::{
    AuditRow, DeliveryRow, EventRow, Gauges, InboundRow, OutboxRow, ReportChangeRow, ReportRow,
    SenderState, StatusRow, StoreCounts,
};
pub use sql_queue::fold_text;
pub use sqlite::SqliteStore;

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

/// The persistence contract. SQLite and PostgreSQL pass the same contract test suite.
#[async_trait]
pub trait Store: QueueStore + MediaStore + PrivacyStore + Send + Sync + 'static {
    /// `sqlite` or `postgres`, for logs and `/readyz`.
    fn backend(&self) -> &'static str;
    /// Stores a delivery and everything in it atomically; idempotent on the body and on
    /// each message's wamid; statuses never move backwards.
    async fn ingest(&self, batch: IngestBatch) -> Result<IngestOutcome, StoreError>;
    /// Cheap round trip for readiness checks.
    async fn ping(&self) -> Result<(), StoreError>;
    async fn inbound(&self, wamid: &str) -> Result<Option<InboundRow>, StoreError>;
    /// The newest messages first.
    async fn recent_inbound(&self, limit: i64) -> Result<Vec<InboundRow>, StoreError>;
    async fn status(&self, wamid: &str) -> Result<Option<StatusRow>, StoreError>;
    async fn delivery(&self, id: i64) -> Result<Option<DeliveryRow>, StoreError>;
    async fn events(&self, delivery_id: i64) -> Result<Vec<EventRow>, StoreError>;
    async fn counts(&self) -> Result<StoreCounts, StoreError>;

    /// Claims up to `limit` due outbox rows with a lease until `lease_until`.
    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        owner: &str,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, StoreError>;
    /// Pending rows for the same recipient, after `row`, that are due and could be merged.
    async fn mergeable_outbox(
        &self,
        row: &OutboxRow,
        now: DateTime<Utc>,
    ) -> Result<Vec<OutboxRow>, StoreError>;
    /// Records a send attempt's outcome; false when the lease had been lost.
    async fn finish_outbox(
        &self,
        row: &OutboxRow,
        owner: &str,
        outcome: &OutboxOutcome,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Acts on `failed` status webhooks: requeues as templates the free-form messages Meta
    /// failed with 131047 and every row merged into them; marks the rest undeliverable.
    async fn settle_failed_statuses(
        &self,
        now: DateTime<Utc>,
    ) -> Result<FailedSettlement, StoreError>;
    async fn outbox(&self) -> Result<Vec<OutboxRow>, StoreError>;
    /// The cost ledger between `since` and `until`: (category, type, messages).
    async fn cost_ledger(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        region: Option<&str>,
    ) -> Result<Vec<(String, String, i64)>, StoreError>;
    /// Messages billed so far, by pricing category.
    async fn ledger_totals(&self) -> Result<Vec<(String, i64)>, StoreError>;
    async fn sender_state(&self) -> Result<SenderState, StoreError>;
    async fn pause_sender(
        &self,
        at: DateTime<Utc>,
        reason: &str,
        token_fingerprint: &str,
    ) -> Result<(), StoreError>;
    async fn resume_sender(&self) -> Result<(), StoreError>;
    async fn report(&self, lookup: ReportLookup<'_>) -> Result<Option<ReportRow>, StoreError>;
    async fn reports(&self) -> Result<Vec<ReportRow>, StoreError>;
    /// When this person or group last wrote to us (the 24-hour window).
    async fn last_inbound(&self, key: WindowKey<'_>) -> Result<Option<DateTime<Utc>>, StoreError>;
    async fn due_escalations(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<ReportRow>, StoreError>;
    /// Applies an escalation step once; false if the report moved on meanwhile.
    async fn escalate(&self, step: &EscalationStep) -> Result<bool, StoreError>;
    async fn audit_trail(&self, kind: &str, id: &str) -> Result<Vec<AuditRow>, StoreError>;
    /// Reports by category and status, outbox depth and age, for `/metrics`.
    async fn gauges(&self) -> Result<Gauges, StoreError>;
    /// The read pool's connections now: (open, idle), for `/metrics`.
    fn pool_connections(&self) -> (u32, usize);

    /// Finishes pending writes and closes connections.
    async fn close(&self);
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
pub async fn connect(url: &str, options: &StoreOptions) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::connect(url, options).await?))
    } else if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::connect(url, options).await?))
    } else {
        Err(StoreError::Other(
            "DATABASE_URL debe empezar con sqlite:// o postgres://".into(),
        ))
    }
}
