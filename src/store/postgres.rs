//! PostgreSQL: for deployments with several replicas. Webhook deliveries are written by
//! group commit (`pg_group.rs`); reads and the workers' writes use the pool directly.

use std::time::Duration;

use sqlx::postgres::{PgConnection, PgPool, PgPoolOptions};

use super::pg_group::GroupWriter;

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
    writer: GroupWriter,
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
        let writer = GroupWriter::start(
            pool.clone(),
            options.postgres_writers,
            options.postgres_group_commit,
        );
        Ok(PgStore { pool, writer })
    }
}

super::shared_impl::store_impl!(PgStore, pool, {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ingest(&self, batch: IngestBatch) -> Result<IngestOutcome, StoreError> {
        self.writer.ingest(batch).await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }
});

async fn begin_write(
    pool: &PgPool,
) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, sqlx::Error> {
    pool.begin().await
}
