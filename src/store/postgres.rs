//! PostgreSQL: for deployments with several replicas. Concurrent deliveries run in their
//! own transactions; PostgreSQL batches their WAL flushes itself.

use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnection, PgPool, PgPoolOptions};
use sqlx::Connection;

use super::{migrate, Store, StoreError, StoreOptions};

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

#[async_trait]
impl Store for PgStore {
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

    async fn inbound(&self, wamid: &str) -> Result<Option<InboundRow>, StoreError> {
        Ok(read_inbound(&self.pool, wamid).await?)
    }

    async fn recent_inbound(&self, limit: i64) -> Result<Vec<InboundRow>, StoreError> {
        Ok(read_recent_inbound(&self.pool, limit).await?)
    }

    async fn status(&self, wamid: &str) -> Result<Option<StatusRow>, StoreError> {
        Ok(read_status(&self.pool, wamid).await?)
    }

    async fn delivery(&self, id: i64) -> Result<Option<DeliveryRow>, StoreError> {
        Ok(read_delivery(&self.pool, id).await?)
    }

    async fn events(&self, delivery_id: i64) -> Result<Vec<EventRow>, StoreError> {
        Ok(read_events(&self.pool, delivery_id).await?)
    }

    async fn counts(&self) -> Result<StoreCounts, StoreError> {
        Ok(read_counts(&self.pool).await?)
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
