//! Inbound media files (`media_files`): which messages' attachments are fetched, pending
//! or gone. The media worker (`intake::media_fetch`) leases due rows and records each
//! attempt's outcome.

use chrono::{DateTime, Utc};

use super::db::{dispatch, Either};
use super::{Store, StoreError};

#[derive(Debug, Clone)]
pub struct MediaRow {
    pub message_id: i64,
    pub media_id: String,
    /// pending | fetching | stored | unavailable | refused
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub lease_until: Option<DateTime<Utc>>,
    pub sha256: Option<String>,
    pub size_bytes: Option<i64>,
    pub mime_type: Option<String>,
    pub last_error: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// What one fetch attempt ended in.
#[derive(Debug, Clone, PartialEq)]
pub enum MediaOutcome {
    Stored {
        sha256: String,
        size: i64,
        mime: String,
    },
    /// Try again at `at`.
    Retry { at: DateTime<Utc>, error: String },
    /// Meta no longer has it (expired id or URL): shown as "no disponible".
    Unavailable { error: String },
    /// Over the size limit or the store is full: never retried.
    Refused { error: String },
}

const ENQUEUE: &str = "\
INSERT INTO media_files (message_id, media_id, state, attempts, next_attempt_at, updated_at)
SELECT m.id, m.media_id, 'pending', 0, $1, $1 FROM inbound_messages m
WHERE m.media_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM media_files f WHERE f.message_id = m.id)
ORDER BY m.id
LIMIT 500
ON CONFLICT (message_id) DO NOTHING";

/// Leases due rows; PostgreSQL skips rows another replica holds (SQLite has one writer).
const CLAIM_SQLITE: &str = "\
UPDATE media_files SET state = 'fetching', lease_until = $2, attempts = attempts + 1,
    updated_at = $1
WHERE message_id IN (
    SELECT message_id FROM media_files
    WHERE (state = 'pending' AND next_attempt_at <= $1)
       OR (state = 'fetching' AND lease_until < $1)
    ORDER BY next_attempt_at LIMIT $3)
RETURNING *";
const CLAIM_POSTGRES: &str = "\
UPDATE media_files SET state = 'fetching', lease_until = $2, attempts = attempts + 1,
    updated_at = $1
WHERE message_id IN (
    SELECT message_id FROM media_files
    WHERE (state = 'pending' AND next_attempt_at <= $1)
       OR (state = 'fetching' AND lease_until < $1)
    ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
RETURNING *";

const FINISH: &str = "\
UPDATE media_files SET state = $2, sha256 = COALESCE($3, sha256), size_bytes = COALESCE($4, size_bytes),
    mime_type = COALESCE($5, mime_type), next_attempt_at = COALESCE($6, next_attempt_at),
    last_error = $7, lease_until = NULL, updated_at = $8
WHERE message_id = $1";

const SELECT: &str = "SELECT * FROM media_files WHERE message_id = $1";

impl Store {
    /// Adds a pending row for every stored message with media that has none yet.
    pub async fn enqueue_media(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        Ok(dispatch!(&self.pool, |p| {
            sqlx::query(ENQUEUE)
                .bind(now)
                .execute(p)
                .await
                .map(|d| d.rows_affected())
        })?)
    }

    /// Leases due rows (pending and due, or fetching with an expired lease).
    pub async fn claim_media(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<MediaRow>, StoreError> {
        let sql = match self.pool {
            Either::Sqlite(_) => CLAIM_SQLITE,
            Either::Postgres(_) => CLAIM_POSTGRES,
        };
        Ok(dispatch!(&self.pool, |p| {
            sqlx::query_as(sql)
                .bind(now)
                .bind(lease_until)
                .bind(limit)
                .fetch_all(p)
                .await
        })?)
    }

    pub async fn finish_media(
        &self,
        message_id: i64,
        outcome: &MediaOutcome,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        use MediaOutcome as O;
        let (state, sha, size, mime, next, error) = match outcome {
            O::Stored { sha256, size, mime } => (
                "stored",
                Some(sha256.as_str()),
                Some(*size),
                Some(mime.as_str()),
                None,
                None,
            ),
            O::Retry { at, error } => {
                ("pending", None, None, None, Some(*at), Some(error.as_str()))
            }
            O::Unavailable { error } => {
                ("unavailable", None, None, None, None, Some(error.as_str()))
            }
            O::Refused { error } => ("refused", None, None, None, None, Some(error.as_str())),
        };
        dispatch!(&self.pool, |p| {
            sqlx::query(FINISH)
                .bind(message_id)
                .bind(state)
                .bind(sha)
                .bind(size)
                .bind(mime)
                .bind(next)
                .bind(error)
                .bind(now)
                .execute(p)
                .await
                .map(drop)
        })?;
        Ok(())
    }

    pub async fn media_file(&self, message_id: i64) -> Result<Option<MediaRow>, StoreError> {
        Ok(dispatch!(&self.pool, |p| {
            sqlx::query_as(SELECT)
                .bind(message_id)
                .fetch_optional(p)
                .await
        })?)
    }
}
