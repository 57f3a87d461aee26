//! What became of a send attempt: the sender closes the row it claimed (`finish_outbox`)
//! and acts on the `failed` status webhooks Meta sends later (`settle_failed_statuses`).

use chrono::{DateTime, Utc};

use super::db::{begin_write, dispatch, Conn};
use super::rows::OutboxRow;
use super::{Store, StoreError};

/// What became of one send attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum OutboxOutcome {
    /// Meta accepted it. `merged` rows rode along in the same message; `use_template` says
    /// how it went (the window may have been found closed just before sending).
    Sent {
        wamid: String,
        payload: String,
        merged: Vec<i64>,
        pace_until: DateTime<Utc>,
        use_template: bool,
    },
    /// No access token: recorded with the exact payload that would have gone out.
    DryRun {
        payload: String,
        merged: Vec<i64>,
        pace_until: DateTime<Utc>,
        use_template: bool,
    },
    /// Try again at `at` (optionally as a template, after a closed window). With
    /// `window_closed` (a 131047), the recipient's other waiting rows go as templates too,
    /// instead of each failing with 131047 first.
    Retry {
        at: DateTime<Utc>,
        code: Option<i64>,
        error: String,
        use_template: bool,
        window_closed: bool,
    },
    /// Will never succeed as it is.
    Failed {
        code: Option<i64>,
        error: String,
        payload: Option<String>,
    },
    /// Sending is paused (expired token): back to the queue, the attempt not counted.
    Release { at: DateTime<Utc> },
}

/// Column values for `FINISH_OUTBOX`, in bind order after the id.
pub(crate) type FinishColumns<'a> = (
    &'static str,
    Option<&'a str>,
    Option<&'a str>,
    Option<DateTime<Utc>>,
    Option<i64>,
    Option<&'a str>,
    Option<DateTime<Utc>>,
    bool,
    i32,
);

impl OutboxOutcome {
    pub(crate) fn columns<'a>(
        &'a self,
        row: &'a OutboxRow,
        now: DateTime<Utc>,
    ) -> FinishColumns<'a> {
        match self {
            OutboxOutcome::Sent {
                wamid,
                payload,
                use_template,
                ..
            } => (
                "sent",
                Some(wamid),
                Some(payload),
                Some(now),
                None,
                None,
                None,
                *use_template,
                0,
            ),
            OutboxOutcome::DryRun {
                payload,
                use_template,
                ..
            } => (
                "dry_run",
                None,
                Some(payload),
                Some(now),
                None,
                None,
                None,
                *use_template,
                0,
            ),
            OutboxOutcome::Retry {
                at,
                code,
                error,
                use_template,
                ..
            } => (
                "pending",
                None,
                None,
                None,
                *code,
                Some(error),
                Some(*at),
                *use_template,
                0,
            ),
            OutboxOutcome::Failed {
                code,
                error,
                payload,
            } => (
                "failed",
                None,
                payload.as_deref(),
                None,
                *code,
                Some(error),
                None,
                row.use_template,
                0,
            ),
            OutboxOutcome::Release { at } => (
                "pending",
                None,
                None,
                None,
                row.last_error_code,
                row.last_error.as_deref(),
                Some(*at),
                row.use_template,
                1,
            ),
        }
    }

    /// For outcomes that reached (or would have reached) the recipient: the rows merged into
    /// it and until when the recipient must not get another message.
    pub(crate) fn delivered(&self) -> Option<(&[i64], DateTime<Utc>)> {
        match self {
            OutboxOutcome::Sent {
                merged, pace_until, ..
            }
            | OutboxOutcome::DryRun {
                merged, pace_until, ..
            } => Some((merged, *pace_until)),
            _ => None,
        }
    }
}

/// What the sender's pass over failed status webhooks did (`Store::settle_failed_statuses`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FailedSettlement {
    /// Rows sent again as templates after a `failed` 131047: carriers and every row that
    /// had been merged into one.
    pub requeued: u64,
    /// Purposes of the rows Meta will never deliver (a `failed` status with another code),
    /// now `failed`, each in its report's timeline.
    pub undeliverable: Vec<String>,
}

/// Closes a claimed row, but only while this worker still holds its lease.
const FINISH_OUTBOX: &str = "\
UPDATE outbox SET state = $2, wamid = COALESCE($3, wamid), payload = COALESCE($4, payload),
                  delivery_status = CASE WHEN $3 IS NULL THEN delivery_status END,
                  delivery_error = CASE WHEN $3 IS NULL THEN delivery_error END,
                  sent_at = $5, last_error_code = COALESCE($6, last_error_code),
                  last_error = COALESCE($7, last_error), lease_until = NULL,
                  lease_owner = NULL, next_attempt_at = COALESCE($8, next_attempt_at),
                  use_template = $9, attempts = attempts - $10
WHERE id = $1 AND state = 'sending' AND lease_owner = $11";

const MARK_MERGED: &str = "\
UPDATE outbox SET state = 'merged', merged_into = $2, sent_at = $3 WHERE id = $1 AND state = 'pending'";

const UPSERT_PACING: &str = "\
INSERT INTO recipient_pacing (recipient_key, next_allowed_at) VALUES ($1, $2)
ON CONFLICT (recipient_key) DO UPDATE SET next_allowed_at = excluded.next_allowed_at";

/// A free-form message that Meta later failed with 131047 (window closed) goes again as a
/// template, and so does every row that rode along in it: each is re-planned on its own
/// (merged rows first, while their carrier still reads as sent). `merged_into` stays, so the
/// history still shows what travelled together.
const REQUEUE_MERGED_WINDOW_CLOSED: &str = "\
UPDATE outbox SET state = 'pending', use_template = TRUE, next_attempt_at = $1,
                  last_error_code = 131047, sent_at = NULL
WHERE state = 'merged' AND merged_into IN (
    SELECT id FROM outbox WHERE state = 'sent' AND use_template = FALSE
      AND wamid IN (SELECT wamid FROM message_statuses
                    WHERE status = 'failed' AND error_code = 131047))";

const REQUEUE_WINDOW_CLOSED: &str = "\
UPDATE outbox SET state = 'pending', use_template = TRUE, next_attempt_at = $1,
                  last_error_code = 131047
WHERE state = 'sent' AND use_template = FALSE
  AND wamid IN (SELECT wamid FROM message_statuses WHERE status = 'failed' AND error_code = 131047)";

/// Rows merged into a carrier that Meta failed for good share its fate.
const FAIL_MERGED_UNDELIVERABLE: &str = "\
UPDATE outbox SET state = 'failed', last_error_code = COALESCE($1, last_error_code), last_error = $2
WHERE state = 'merged' AND merged_into IN (
    SELECT id FROM outbox WHERE state = 'sent'
      AND wamid IN (SELECT wamid FROM message_statuses WHERE status = 'failed'))
RETURNING id, purpose, report_id";

/// A sent row whose status webhook says `failed` (any other code, or a template that failed)
/// will never arrive: it becomes `failed`, so it is counted and shown once.
const FAIL_UNDELIVERABLE: &str = "\
UPDATE outbox SET state = 'failed', last_error_code = COALESCE(delivery_error, $1),
                  last_error = $2
WHERE state = 'sent'
  AND wamid IN (SELECT wamid FROM message_statuses WHERE status = 'failed')
RETURNING id, purpose, report_id";

/// The recipient's other waiting rows, after a synchronous 131047: the window is closed
/// for them too.
const MARK_WINDOW_CLOSED: &str = "\
UPDATE outbox SET use_template = TRUE
WHERE recipient_key = $1 AND id <> $2 AND state = 'pending' AND use_template = FALSE";

/// A message that will never arrive, in its report's timeline.
const AUDIT_UNDELIVERABLE: &str = "\
INSERT INTO audit_log (at, actor, action, entity_kind, entity_id, detail)
SELECT $1, 'system:sender', 'report.undeliverable', 'report', folio, $3 FROM reports WHERE id = $2";

impl Store {
    /// Records a send attempt's outcome; false when the lease had been lost (another worker
    /// took the row over), in which case nothing is changed.
    pub async fn finish_outbox(
        &self,
        row: &OutboxRow,
        owner: &str,
        outcome: &OutboxOutcome,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let (state, wamid, payload, sent_at, code, error, next, template, refund) =
            outcome.columns(row, now);
        let done = dispatch!(tx.conn(), |c| {
            sqlx::query(FINISH_OUTBOX)
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
                .execute(c)
                .await
                .map(|d| d.rows_affected())
        })?;
        if done == 0 {
            return Ok(false);
        }
        match outcome {
            OutboxOutcome::Retry {
                window_closed: true,
                ..
            } => {
                dispatch!(tx.conn(), |c| {
                    sqlx::query(MARK_WINDOW_CLOSED)
                        .bind(&row.recipient_key)
                        .bind(row.id)
                        .execute(c)
                        .await
                        .map(drop)
                })?;
            }
            OutboxOutcome::Failed { code, error, .. } => {
                let detail = serde_json::json!({
                    "purpose": row.purpose, "code": code, "error": error,
                });
                undeliverable(tx.conn(), now, row.report_id, &detail).await?;
            }
            _ => {}
        }
        if let Some((merged, pace_until)) = outcome.delivered() {
            for id in merged {
                dispatch!(tx.conn(), |c| {
                    sqlx::query(MARK_MERGED)
                        .bind(id)
                        .bind(row.id)
                        .bind(now)
                        .execute(c)
                        .await
                        .map(drop)
                })?;
            }
            dispatch!(tx.conn(), |c| {
                sqlx::query(UPSERT_PACING)
                    .bind(&row.recipient_key)
                    .bind(pace_until)
                    .execute(c)
                    .await
                    .map(drop)
            })?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Acts on `failed` status webhooks: requeues as templates the free-form messages Meta
    /// failed with 131047 and every row merged into them (they go again as templates);
    /// marks the rest undeliverable, each in its report's timeline.
    pub async fn settle_failed_statuses(
        &self,
        now: DateTime<Utc>,
    ) -> Result<FailedSettlement, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let mut requeued = 0;
        for sql in [REQUEUE_MERGED_WINDOW_CLOSED, REQUEUE_WINDOW_CLOSED] {
            requeued += dispatch!(tx.conn(), |c| {
                sqlx::query(sql)
                    .bind(now)
                    .execute(c)
                    .await
                    .map(|d| d.rows_affected())
            })?;
        }
        let mut undelivered = Vec::new();
        for sql in [FAIL_MERGED_UNDELIVERABLE, FAIL_UNDELIVERABLE] {
            let rows: Vec<(i64, String, Option<i64>)> = dispatch!(tx.conn(), |c| {
                sqlx::query_as(sql)
                    .bind(None::<i64>)
                    .bind("Meta no pudo entregarlo (estado «failed»)")
                    .fetch_all(c)
                    .await
            })?;
            undelivered.extend(rows);
        }
        let mut purposes = Vec::new();
        for (id, purpose, report_id) in undelivered {
            let detail = serde_json::json!({
                "purpose": purpose, "outbox_id": id, "error": "estado failed de Meta",
            });
            undeliverable(tx.conn(), now, report_id, &detail).await?;
            purposes.push(purpose);
        }
        tx.commit().await?;
        Ok(FailedSettlement {
            requeued,
            undeliverable: purposes,
        })
    }
}

/// Puts a message that will never arrive in its report's timeline.
async fn undeliverable(
    conn: Conn<'_>,
    now: DateTime<Utc>,
    report_id: Option<i64>,
    detail: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    let Some(report_id) = report_id else {
        return Ok(());
    };
    dispatch!(conn, |c| {
        sqlx::query(AUDIT_UNDELIVERABLE)
            .bind(now)
            .bind(report_id)
            .bind(detail.to_string())
            .execute(c)
            .await
            .map(drop)
    })
}
