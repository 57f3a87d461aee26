//! `impl MediaStore` for both backends (see `queue_impl.rs` for why a macro).

pub const ENQUEUE: &str = "\
INSERT INTO media_files (message_id, media_id, state, attempts, next_attempt_at, updated_at)
SELECT m.id, m.media_id, 'pending', 0, $1, $1 FROM inbound_messages m
WHERE m.media_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM media_files f WHERE f.message_id = m.id)
ORDER BY m.id
LIMIT 500
ON CONFLICT (message_id) DO NOTHING";

/// `$lock` is empty for SQLite (one writer) and `FOR UPDATE SKIP LOCKED` for PostgreSQL.
macro_rules! claim_media_sql {
    ($lock:literal) => {
        concat!(
            "UPDATE media_files SET state = 'fetching', lease_until = $2,
                attempts = attempts + 1, updated_at = $1
             WHERE message_id IN (
                SELECT message_id FROM media_files
                WHERE (state = 'pending' AND next_attempt_at <= $1)
                   OR (state = 'fetching' AND lease_until < $1)
                ORDER BY next_attempt_at LIMIT $3 ",
            $lock,
            ") RETURNING *"
        )
    };
}
pub(crate) use claim_media_sql;

pub const FINISH: &str = "\
UPDATE media_files SET state = $2, sha256 = COALESCE($3, sha256), size_bytes = COALESCE($4, size_bytes),
    mime_type = COALESCE($5, mime_type), next_attempt_at = COALESCE($6, next_attempt_at),
    last_error = $7, lease_until = NULL, updated_at = $8
WHERE message_id = $1";

pub const SELECT: &str = "SELECT * FROM media_files WHERE message_id = $1";

/// `media_impl!(Type, pool_field, claim_sql)`.
macro_rules! media_impl {
    ($ty:ty, $pool:ident, $claim:expr) => {
        #[async_trait::async_trait]
        impl $crate::store::MediaStore for $ty {
            async fn enqueue_media(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
                let done = sqlx::query($crate::store::media_impl::ENQUEUE)
                    .bind(now)
                    .execute(&self.$pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn claim_media(
                &self,
                now: DateTime<Utc>,
                lease_until: DateTime<Utc>,
                limit: i64,
            ) -> Result<Vec<$crate::store::MediaRow>, StoreError> {
                Ok(sqlx::query_as($claim)
                    .bind(now)
                    .bind(lease_until)
                    .bind(limit)
                    .fetch_all(&self.$pool)
                    .await?)
            }

            async fn finish_media(
                &self,
                message_id: i64,
                outcome: &$crate::store::MediaOutcome,
                now: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                use $crate::store::MediaOutcome as O;
                let (state, sha, size, mime, next, error) = match outcome {
                    O::Stored { sha256, size, mime } => (
                        "stored",
                        Some(sha256.clone()),
                        Some(*size),
                        Some(mime.clone()),
                        None,
                        None,
                    ),
                    O::Retry { at, error } => {
                        ("pending", None, None, None, Some(*at), Some(error.clone()))
                    }
                    O::Unavailable { error } => {
                        ("unavailable", None, None, None, None, Some(error.clone()))
                    }
                    O::Refused { error } => {
                        ("refused", None, None, None, None, Some(error.clone()))
                    }
                };
                sqlx::query($crate::store::media_impl::FINISH)
                    .bind(message_id)
                    .bind(state)
                    .bind(sha)
                    .bind(size)
                    .bind(mime)
                    .bind(next)
                    .bind(error)
                    .bind(now)
                    .execute(&self.$pool)
                    .await?;
                Ok(())
            }

            async fn media_file(
                &self,
                message_id: i64,
            ) -> Result<Option<$crate::store::MediaRow>, StoreError> {
                Ok(sqlx::query_as($crate::store::media_impl::SELECT)
                    .bind(message_id)
                    .fetch_optional(&self.$pool)
                    .await?)
            }
        }
    };
}

pub(crate) use media_impl;
