//! Code that is word for word the same on both backends, written once.
//!
//! sqlx's types differ per database (`SqliteConnection` vs `PgConnection`), and making this
//! generic over `sqlx::Database` drowns it in trait bounds; a macro that stamps out the same
//! functions for each backend keeps one source of truth and plain types at the call sites.

/// Defines, for one backend: `ingest_tx` (everything one delivery writes, inside the caller's
/// transaction) and the read functions used by the `Store` impl.
macro_rules! backend_fns {
    ($conn:ty, $pool:ty) => {
        use $crate::store::rows::{DeliveryRow, EventRow, InboundRow, StatusRow, StoreCounts};
        use $crate::store::sql::{self, bind_inbound, bind_status};
        use $crate::store::{DeliveryOutcome, IngestBatch, IngestOutcome, NewInbound};

        /// Writes one delivery (PostgreSQL; SQLite's writer thread has the same logic in
        /// `sqlite_writer.rs`). A body seen before is a retry by Meta: everything it carries
        /// was committed with it the first time, so only the delivery counter moves.
        #[allow(dead_code)]
        pub(super) async fn ingest_tx(
            conn: &mut $conn,
            batch: &IngestBatch,
        ) -> Result<IngestOutcome, sqlx::Error> {
            let d = &batch.delivery;
            let (delivery_id, deliveries): (i64, i64) = sqlx::query_as(sql::UPSERT_DELIVERY)
                .bind(&d.body_sha256)
                .bind(&d.body)
                .bind(d.outcome.as_str())
                .bind(&d.detail)
                .bind(d.received_at)
                .bind(d.received_at)
                .fetch_one(&mut *conn)
                .await?;
            let mut outcome = IngestOutcome {
                delivery_id,
                duplicate_delivery: deliveries > 1,
                ..IngestOutcome::default()
            };
            if outcome.duplicate_delivery {
                return Ok(outcome);
            }
            for m in &batch.messages {
                let attached = match m.kind.as_str() {
                    "location" => attach_target(conn, m, batch.location_window).await?,
                    _ => None,
                };
                let inserted: Option<(i64,)> = bind_inbound!(
                    sqlx::query_as(sql::INSERT_INBOUND),
                    delivery_id,
                    m,
                    attached
                )
                .fetch_optional(&mut *conn)
                .await?;
                if let Some((message_id,)) = inserted {
                    outcome.messages_inserted += 1;
                    if let Some(plan) = &m.plan {
                        execute_plan(conn, message_id, plan, d.received_at).await?;
                    }
                    if let Some(notice) = &m.privacy_notice {
                        privacy_notice(conn, message_id, &m.privacy_keys, notice, d.received_at)
                            .await?;
                    }
                }
            }
            for s in &batch.statuses {
                let done = bind_status!(sqlx::query(sql::UPSERT_STATUS), s, d.received_at)
                    .execute(&mut *conn)
                    .await?;
                if done.rows_affected() > 0 {
                    outcome.statuses_applied += 1;
                    sqlx::query(sql::OUTBOX_DELIVERY)
                        .bind(&s.wamid)
                        .bind(&s.status)
                        .bind(s.error_code)
                        .execute(&mut *conn)
                        .await?;
                }
            }
            for e in &batch.events {
                sqlx::query(sql::INSERT_EVENT)
                    .bind(delivery_id)
                    .bind(&e.field)
                    .bind(&e.payload)
                    .bind(d.received_at)
                    .execute(&mut *conn)
                    .await?;
            }
            if d.outcome != DeliveryOutcome::Parsed {
                sqlx::query(sql::INSERT_AUDIT)
                    .bind(d.received_at)
                    .bind("system:intake")
                    .bind("delivery.flagged")
                    .bind("webhook_delivery")
                    .bind(delivery_id.to_string())
                    .bind(d.outcome.as_str())
                    .execute(&mut *conn)
                    .await?;
            }
            Ok(outcome)
        }

        /// Queues the privacy notice when none of the sender's pseudonyms has had it. The
        /// keys' primary key settles races between replicas: only the transaction that
        /// inserted every key sends it.
        #[allow(dead_code)]
        async fn privacy_notice(
            conn: &mut $conn,
            message_id: i64,
            keys: &[String],
            notice: &$crate::store::NewOutbox,
            at: chrono::DateTime<chrono::Utc>,
        ) -> Result<(), sqlx::Error> {
            let mut new = 0;
            for k in keys {
                new += sqlx::query(sql::INSERT_PRIVACY_NOTICE)
                    .bind(k)
                    .bind(at)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected();
            }
            if new as usize == keys.len() && !keys.is_empty() {
                insert_outbox(conn, notice, None, Some(message_id)).await?;
            }
            Ok(())
        }

        /// A location belongs to the same sender's latest message of the preceding window.
        #[allow(dead_code)]
        async fn attach_target(
            conn: &mut $conn,
            m: &NewInbound,
            window: chrono::Duration,
        ) -> Result<Option<i64>, sqlx::Error> {
            let (query, key) = match (&m.sender_bsuid, &m.sender_phone) {
                (Some(bsuid), _) => (sql::ATTACH_BY_BSUID, bsuid),
                (None, Some(phone)) => (sql::ATTACH_BY_PHONE, phone),
                (None, None) => return Ok(None),
            };
            let row: Option<(i64,)> = sqlx::query_as(query)
                .bind(key)
                .bind(m.sent_at - window)
                .bind(m.sent_at)
                .fetch_optional(&mut *conn)
                .await?;
            Ok(row.map(|r| r.0))
        }

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
