//! PostgreSQL: for deployments with several replicas. Webhook deliveries are written by
//! group commit (`ingest/postgres.rs`); reads and the workers' writes use the pool directly.

use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};

use super::ingest::postgres::GroupWriter;

use super::{migrate, StoreError, StoreOptions};

/// Connects, applies migrations (sqlx takes an advisory lock, so replicas starting together
/// migrate once) and starts the group-commit writers.
pub(super) async fn connect(
    url: &str,
    options: &StoreOptions,
) -> Result<(PgPool, GroupWriter), StoreError> {
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
    Ok((pool, writer))
}
