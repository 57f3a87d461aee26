//! PostgreSQL: for deployments with several replicas. Concurrent deliveries run in their
//! own transactions; PostgreSQL batches their WAL flushes itself.

use std::time::Duration;

use sqlx::postgres::{PgConnection, PgPool, PgPoolOptions};
use sqlx::Connection;

use super::{migrate, ReportLookup, StoreError, StoreOptions, WindowKey};

super::shared_reports::report_fns!(
    PgConnection,
    PgPool,
    super::sql_reports::CLAIM_OUTBOX_POSTGRES
);
super::shared::backend_fns!(PgConnection, PgPool);

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
        let mut conn = self.pool.acquire().await?;
        let mut tx = conn.begin().await?;
        let outcome = ingest_tx(&mut tx, &batch).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
});

async fn begin_write(
    pool: &PgPool,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    pool.begin().await
}
