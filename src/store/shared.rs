//! Code that is word for word the same on both backends, written once.
//!
//! sqlx's types differ per database (`SqliteConnection` vs `PgConnection`), and making this
//! generic over `sqlx::Database` drowns it in trait bounds; a macro that stamps out the same
//! functions for each backend keeps one source of truth and plain types at the call sites.

/// Defines, for one backend, the read functions used by the `Store` impl. (What a delivery
/// writes is backend-specific: `pg_ingest.rs` and `sqlite_writer/`.)
macro_rules! backend_fns {
    ($conn:ty, $pool:ty) => {
        use $crate::store::rows::{DeliveryRow, EventRow, InboundRow, StatusRow, StoreCounts};
        use $crate::store::sql;
        use $crate::store::{IngestBatch, IngestOutcome};

        pub(super) async fn read_inbound(
            pool: &$pool,
            wamid: &str,
        ) -> Result<Option<InboundRow>, sqlx::Error> {
            sqlx::query_as(sql::SELECT_INBOUND)
                .bind(wamid)
                .fetch_optional(pool)
                .await
        }

        pub(super) async fn read_recent_inbound(
            pool: &$pool,
            limit: i64,
        ) -> Result<Vec<InboundRow>, sqlx::Error> {
            sqlx::query_as(sql::SELECT_RECENT_INBOUND)
                .bind(limit)
                .fetch_all(pool)
                .await
        }

        pub(super) async fn read_status(
            pool: &$pool,
            wamid: &str,
        ) -> Result<Option<StatusRow>, sqlx::Error> {
            sqlx::query_as(sql::SELECT_STATUS)
                .bind(wamid)
                .fetch_optional(pool)
                .await
        }

        pub(super) async fn read_delivery(
            pool: &$pool,
            id: i64,
        ) -> Result<Option<DeliveryRow>, sqlx::Error> {
            sqlx::query_as(sql::SELECT_DELIVERY)
                .bind(id)
                .fetch_optional(pool)
                .await
        }

        pub(super) async fn read_events(
            pool: &$pool,
            delivery_id: i64,
        ) -> Result<Vec<EventRow>, sqlx::Error> {
            sqlx::query_as(sql::SELECT_EVENTS)
                .bind(delivery_id)
                .fetch_all(pool)
                .await
        }

        pub(super) async fn read_counts(pool: &$pool) -> Result<StoreCounts, sqlx::Error> {
            sqlx::query_as(sql::SELECT_COUNTS).fetch_one(pool).await
        }
    };
}

pub(crate) use backend_fns;
