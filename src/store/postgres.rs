//! PostgreSQL: for deployments with several replicas. Concurrent deliveries run in their
//! own transactions; PostgreSQL batches their WAL flushes itself.

use std::time::Duration;

use sqlx::postgres::{PgConnection, PgPool, PgPoolOptions};
use sqlx::Connection;

use super::{migrate, ReportLookup, StoreError, StoreOptions, WindowKey};

super::shared_reports::report_fns!(
    PgConnection,
    PgPool,
    super::sql_reports::CLAIM_OUTBOX_POSTGRES,
    super::sql_reports::SELECT_MERGEABLE_POSTGRES
);
super::shared::backend_fns!(PgConnection, PgPool);
super::privacy_impl::privacy_impl!(PgStore, pool);
super::queue_impl::queue_impl!(PgStore, pool, sqlx::Postgres);
super::media_impl::media_impl!(
    PgStore,
    pool,
    super::media_impl::claim_media_sql!("FOR UPDATE SKIP LOCKED")
);

/// The PostgreSQL store.
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects and applies migrations (sqlx takes an advisory lock, so replicas starting
    /// together migrate once).
    pub async fn connect(url: &str, options: &StoreOptions) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await?;
        migrate::postgres().run(&pool).await?;
        Ok(PgStore { pool })
    }
}

super::shared_impl::store_impl!(PgStore, pool, {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ingest(&self, batch: IngestBatch) -> Result<IngestOutcome, StoreError> {
        // Replicas storing overlapping batches (Meta retrying onto another replica) can
        // deadlock on the rows they share; PostgreSQL aborts one, which simply runs again.
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.ingest_once(&batch).await {
                Err(e) if attempt < 4 && is_transient(&e) => {
                    tracing::debug!(
                        attempt,
                        "ingest transaction aborted by a conflict; retrying"
                    );
                }
                other => return Ok(other?),
            }
        }
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
});

impl PgStore {
    async fn ingest_once(&self, batch: &IngestBatch) -> Result<IngestOutcome, sqlx::Error> {
        let mut conn = self.pool.acquire().await?;
        let mut tx = conn.begin().await?;
        let outcome = super::pg_ingest::ingest_tx(&mut tx, batch).await?;
        tx.commit().await?;
        Ok(outcome)
    }
}

/// Deadlock detected (40P01) or serialization failure (40001).
fn is_transient(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("40P01" | "40001")))
}

async fn begin_write(
    pool: &PgPool,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    pool.begin().await
}
