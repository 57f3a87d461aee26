//! Inbound media files: which messages' attachments are fetched, pending or gone.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;

#[derive(Debug, Clone, sqlx::FromRow)]
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

#[async_trait]
pub trait MediaStore: Send + Sync {
    /// Adds a pending row for every stored message with media that has none yet.
    async fn enqueue_media(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
    /// Leases due rows (pending and due, or fetching with an expired lease).
    async fn claim_media(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<MediaRow>, StoreError>;
    async fn finish_media(
        &self,
        message_id: i64,
        outcome: &MediaOutcome,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn media_file(&self, message_id: i64) -> Result<Option<MediaRow>, StoreError>;
}
