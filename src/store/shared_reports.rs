//! Reports, the outbox and escalation: functions stamped out per backend (see `shared.rs`
//! for why a macro). Each backend supplies `begin_write(pool)` (SQLite takes the write lock
//! up front with `BEGIN IMMEDIATE`) and its claim and merge statements.

macro_rules! report_fns {
    ($conn:ty, $pool:ty, $claim_sql:expr, $mergeable_sql:expr) => {
        use chrono::{DateTime, Utc};
        use $crate::store::plan::NewOutbox;
        use $crate::store::rows::{AuditRow, OutboxRow, ReportRow, SenderState};
        use $crate::store::sql_reports as rsql;
        use $crate::store::{EscalationStep, OutboxOutcome};

        pub(super) async fn insert_outbox(
            conn: &mut $conn,
            o: &NewOutbox,
            report_id: Option<i64>,
            message_id: Option<i64>,
        ) -> Result<(), sqlx::Error> {
            sqlx::query(rsql::INSERT_OUTBOX)
                .bind(&o.purpose)
                .bind(o.priority)
                .bind(report_id)
                .bind(message_id)
                .bind(&o.recipient_key)
                .bind(&o.recipient)
                .bind(&o.reply_to)
                .bind(&o.params)
                .bind(o.use_template)
                .bind(o.not_before)
                .bind(o.not_before)
                .execute(&mut *conn)
                .await?;
            Ok(())
        }

        pub(super) async fn audit(
            conn: &mut $conn,
            at: DateTime<Utc>,
            actor: &str,
            action: &str,
            folio: &str,
            detail: &serde_json::Value,
        ) -> Result<(), sqlx::Error> {
            sqlx::query($crate::store::sql::INSERT_AUDIT)
                .bind(at)
                .bind(actor)
                .bind(action)
                .bind("report")
                .bind(folio)
                .bind(detail.to_string())
                .execute(&mut *conn)
                .await?;
            Ok(())
        }

        pub(super) async fn claim_outbox(
            pool: &$pool,
            now: DateTime<Utc>,
            lease_until: DateTime<Utc>,
            owner: &str,
            limit: i64,
        ) -> Result<Vec<OutboxRow>, sqlx::Error> {
            let mut rows: Vec<OutboxRow> = sqlx::query_as($claim_sql)
                .bind(lease_until)
                .bind(owner)
                .bind(now)
                .bind(limit)
                .fetch_all(pool)
                .await?;
            // RETURNING gives the rows in the order the UPDATE met them, not the claim's
            // order: the most urgent row of a pass is sent first.
            rows.sort_by_key(|r| (r.priority, r.id));
            Ok(rows)
        }

        pub(super) async fn mergeable(
            pool: &$pool,
            row: &OutboxRow,
            now: DateTime<Utc>,
        ) -> Result<Vec<OutboxRow>, sqlx::Error> {
            sqlx::query_as($mergeable_sql)
                .bind(&row.recipient_key)
                .bind(row.id)
                .bind(now)
                .fetch_all(pool)
                .await
        }

        /// Records the outcome of one send attempt; returns false when the lease was lost
        /// (another worker took the row over), in which case nothing is changed.
        pub(super) async fn finish_outbox(
            conn: &mut $conn,
            row: &OutboxRow,
            owner: &str,
            outcome: &OutboxOutcome,
            now: DateTime<Utc>,
        ) -> Result<bool, sqlx::Error> {
            let (state, wamid, payload, sent_at, code, error, next, template, refund) =
                outcome.columns(row, now);
            let done = sqlx::query(rsql::FINISH_OUTBOX)
                .bind(row.id)
                .bind(state)
                .bind(wamid)
                .bind(payload)
                .bind(sent_at)
                .bind(code)
                .bind(error)
                .bind(next)
                .bind(template)
                .bind(refund)
                .bind(owner)
                .execute(&mut *conn)
                .await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            match outcome {
                OutboxOutcome::Retry {
                    window_closed: true,
                    ..
                } => {
                    sqlx::query(rsql::MARK_WINDOW_CLOSED)
                        .bind(&row.recipient_key)
                        .bind(row.id)
                        .execute(&mut *conn)
                        .await?;
                }
                OutboxOutcome::Failed { code, error, .. } => {
                    let detail = serde_json::json!({
                        "purpose": row.purpose, "code": code, "error": error,
                    });
                    undeliverable(conn, now, row.report_id, &detail).await?;
                }
                _ => {}
            }
            if let Some((merged, pace_until)) = outcome.delivered() {
                for id in merged {
                    sqlx::query(rsql::MARK_MERGED)
                        .bind(id)
                        .bind(row.id)
                        .bind(now)
                        .execute(&mut *conn)
                        .await?;
                }
                sqlx::query(rsql::UPSERT_PACING)
                    .bind(&row.recipient_key)
                    .bind(pace_until)
                    .execute(&mut *conn)
                    .await?;
            }
            Ok(true)
        }

        /// Puts a message that will never arrive in its report's timeline.
        async fn undeliverable(
            conn: &mut $conn,
            now: DateTime<Utc>,
            report_id: Option<i64>,
            detail: &serde_json::Value,
        ) -> Result<(), sqlx::Error> {
            if let Some(report_id) = report_id {
                sqlx::query(rsql::AUDIT_UNDELIVERABLE)
                    .bind(now)
                    .bind(report_id)
                    .bind(detail.to_string())
                    .execute(&mut *conn)
                    .await?;
            }
            Ok(())
        }

        /// The sender's pass over `failed` status webhooks: 131047 carriers and the rows
        /// merged into them go again as templates; anything else Meta failed is undeliverable.
        pub(super) async fn settle_failed(
            conn: &mut $conn,
            now: DateTime<Utc>,
        ) -> Result<$crate::store::FailedSettlement, sqlx::Error> {
            let mut requeued = 0;
            for sql in [rsql::REQUEUE_MERGED_WINDOW_CLOSED, rsql::REQUEUE_WINDOW_CLOSED] {
                requeued += sqlx::query(sql)
                    .bind(now)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected();
            }
            let mut undelivered = Vec::new();
            for sql in [rsql::FAIL_MERGED_UNDELIVERABLE, rsql::FAIL_UNDELIVERABLE] {
                let rows: Vec<(i64, String, Option<i64>)> = sqlx::query_as(sql)
                    .bind(None::<i64>)
                    .bind("Meta no pudo entregarlo (estado «failed»)")
                    .fetch_all(&mut *conn)
                    .await?;
                undelivered.extend(rows);
            }
            let mut purposes = Vec::new();
            for (id, purpose, report_id) in undelivered {
                let detail = serde_json::json!({
                    "purpose": purpose, "outbox_id": id, "error": "estado failed de Meta",
                });
                undeliverable(conn, now, report_id, &detail).await?;
                purposes.push(purpose);
            }
            Ok($crate::store::FailedSettlement {
                requeued,
                undeliverable: purposes,
            })
        }

        pub(super) async fn escalate(
            conn: &mut $conn,
            step: &EscalationStep,
        ) -> Result<bool, sqlx::Error> {
            let moved = sqlx::query(rsql::ESCALATE)
                .bind(step.report_id)
                .bind(step.from_level)
                .bind(step.to_level)
                .bind(step.next_at)
                .bind(step.at)
                .execute(&mut *conn)
                .await?;
            if moved.rows_affected() == 0 {
                return Ok(false);
            }
            let detail = serde_json::json!({
                "level": step.to_level, "notified": step.notified, "next_at": step.next_at,
            });
            let action = format!("report.escalated.{}", step.to_level);
            audit(conn, step.at, "system:escalation", &action, &step.folio, &detail).await?;
            for o in &step.outbox {
                insert_outbox(conn, o, Some(step.report_id), None).await?;
            }
            Ok(true)
        }

        pub(super) async fn report_where(
            pool: &$pool,
            sql: &'static str,
            key: &str,
        ) -> Result<Option<ReportRow>, sqlx::Error> {
            sqlx::query_as(sql).bind(key).fetch_optional(pool).await
        }

        pub(super) async fn last_inbound(
            pool: &$pool,
            sql: &'static str,
            key: &str,
        ) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
            let row: (Option<DateTime<Utc>>,) = sqlx::query_as(sql).bind(key).fetch_one(pool).await?;
            Ok(row.0)
        }

        pub(super) async fn gauges(
            pool: &$pool,
        ) -> Result<$crate::store::rows::Gauges, sqlx::Error> {
            Ok($crate::store::rows::Gauges {
                reports: sqlx::query_as(rsql::GAUGE_REPORTS).fetch_all(pool).await?,
                outbox: sqlx::query_as(rsql::GAUGE_OUTBOX).fetch_all(pool).await?,
                oldest_pending: sqlx::query_as::<_, (Option<DateTime<Utc>>,)>(
                    rsql::GAUGE_OLDEST_PENDING,
                )
                .fetch_one(pool)
                .await?
                .0,
            })
        }

        pub(super) async fn sender_state(pool: &$pool) -> Result<SenderState, sqlx::Error> {
            sqlx::query_as(rsql::SELECT_SENDER_STATE).fetch_one(pool).await
        }

        pub(super) async fn audit_trail(
            pool: &$pool,
            kind: &str,
            id: &str,
        ) -> Result<Vec<AuditRow>, sqlx::Error> {
            sqlx::query_as(rsql::SELECT_AUDIT)
                .bind(kind)
                .bind(id)
                .fetch_all(pool)
                .await
        }
    };
}

pub(crate) use report_fns;
