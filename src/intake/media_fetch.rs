//! Fetches inbound photos, voice notes and documents into the local media store before
//! Meta's links expire. It runs beside intake, never on the webhook's path: the webhook
//! stored the media id, and this worker completes the record afterwards (a lost download
//! is retried; an attachment Meta no longer has is marked unavailable, not retried forever).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use crate::notify::backoff::backoff;
use crate::store::blobs::{BlobError, BlobStore};
use crate::store::{MediaOutcome, MediaRow, Store, StoreError};
use crate::vocab::Clock;
use crate::whatsapp::media::{sha256_matches, MediaClient, MediaError};

#[derive(Debug, Clone)]
pub struct MediaSettings {
    pub max_file_bytes: u64,
    pub max_attempts: i32,
    pub poll: Duration,
    pub lease: Duration,
}

pub struct MediaFetcher {
    pub store: Arc<Store>,
    pub client: MediaClient,
    pub blobs: Arc<BlobStore>,
    pub settings: MediaSettings,
    pub clock: Clock,
}

impl MediaFetcher {
    pub async fn run(self, shutdown: CancellationToken) {
        loop {
            match self.tick().await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "media fetch pass failed"),
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(self.settings.poll) => {}
            }
        }
    }

    /// One pass: notice new media, fetch what is due. Returns how many rows it worked.
    pub async fn tick(&self) -> Result<usize, StoreError> {
        let now = self.clock.now();
        self.store.enqueue_media(now).await?;
        let lease = chrono::Duration::from_std(self.settings.lease).unwrap_or_default();
        let rows = self.store.claim_media(now, now + lease, 8).await?;
        for row in &rows {
            let outcome = self.fetch(row, now).await?;
            match &outcome {
                MediaOutcome::Stored { size, .. } => {
                    tracing::info!(message_id = row.message_id, size, "media stored")
                }
                other => {
                    let kind = match other {
                        MediaOutcome::Retry { .. } => "retry",
                        MediaOutcome::Unavailable { .. } => "unavailable",
                        _ => "refused",
                    };
                    crate::telemetry::metrics::metrics().media_failure(kind);
                    tracing::warn!(message_id = row.message_id, outcome = ?other, "media not stored")
                }
            }
            self.store
                .finish_media(row.message_id, &outcome, self.clock.now())
                .await?;
        }
        Ok(rows.len())
    }

    async fn fetch(&self, row: &MediaRow, now: DateTime<Utc>) -> Result<MediaOutcome, StoreError> {
        let webhook_sha = self
            .store
            .inbound_by_id(row.message_id)
            .await?
            .and_then(|m| m.media_sha256);
        let result = self
            .client
            .fetch(&row.media_id, self.settings.max_file_bytes)
            .await
            .and_then(|(info, bytes)| match &webhook_sha {
                // The webhook's hash is the one Meta signed: the bytes must match it too.
                Some(expected) if !sha256_matches(expected, &bytes) => {
                    Err(MediaError::HashMismatch {
                        expected: expected.clone(),
                        actual: "(downloaded bytes)".into(),
                    })
                }
                _ => Ok((info, bytes)),
            });
        let retry = |error: String, rate_limited: bool| {
            if row.attempts >= self.settings.max_attempts {
                return MediaOutcome::Unavailable {
                    error: format!("{error}; sin éxito tras {} intentos", row.attempts),
                };
            }
            let wait = backoff(
                row.attempts,
                rate_limited,
                Duration::from_secs(5),
                Duration::from_secs(3600),
                row.message_id as u64 ^ row.attempts as u64,
            );
            MediaOutcome::Retry {
                at: now + chrono::Duration::from_std(wait).unwrap_or_default(),
                error,
            }
        };
        Ok(match result {
            Ok((info, bytes)) => match self.blobs.put(&bytes).await {
                Ok(blob) => MediaOutcome::Stored {
                    sha256: blob.sha256,
                    size: blob.size as i64,
                    mime: info.mime_type,
                },
                Err(e @ BlobError::TooLarge { .. }) => MediaOutcome::Refused {
                    error: e.to_string(),
                },
                Err(e) => retry(e.to_string(), false),
            },
            Err(MediaError::NotFound(e)) => MediaOutcome::Unavailable { error: e },
            Err(e @ MediaError::TooLarge { .. }) => MediaOutcome::Refused {
                error: e.to_string(),
            },
            Err(e @ MediaError::Permanent(_)) => MediaOutcome::Refused {
                error: e.to_string(),
            },
            Err(e @ MediaError::HashMismatch { .. }) => retry(e.to_string(), false),
            Err(e @ MediaError::TokenExpired(_)) => retry(e.to_string(), true),
            Err(e @ MediaError::Retryable(_)) => retry(e.to_string(), false),
        })
    }
}
