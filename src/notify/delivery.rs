//! One claimed outbox row, start to finish: free-form or template (the 24-hour window),
//! merged with other due rows to the same person, rendered, sent, and the send's result
//! turned into what happens to the row (sent, retried, failed, or released while sending is
//! paused on an expired token).

use chrono::{DateTime, Utc};

use super::backoff::backoff;
use super::render::{render, RenderError, MAX_MERGED, MERGEABLE};
use super::transport::Transport;
use super::window::window_keys;
use super::worker::{secs, Sender};
use crate::store::{OutboxOutcome, OutboxRow, StoreError};
use crate::telemetry::metrics::metrics;
use crate::whatsapp::client::SendErrorKind;
use crate::whatsapp::outbound::{OutboundMessage, Recipient};

impl Sender {
    pub(super) async fn attempt(&self, row: &OutboxRow) -> Result<OutboxOutcome, StoreError> {
        let now = self.clock.now();
        let use_template = row.use_template || self.outside_window(row, now).await?;
        let merged = if !use_template && MERGEABLE.contains(&row.purpose.as_str()) {
            self.store
                .mergeable_outbox(row, now)
                .await?
                .into_iter()
                .filter(|m| MERGEABLE.contains(&m.purpose.as_str()) && !m.use_template)
                .take(MAX_MERGED)
                .collect()
        } else {
            Vec::new()
        };
        let message = match render(
            self.store.as_ref(),
            &self.replies,
            row,
            &merged,
            use_template,
        )
        .await
        {
            Ok(m) => m,
            Err(RenderError::Store(e)) => return Err(e),
            Err(e) => {
                tracing::error!(outbox_id = row.id, purpose = %row.purpose, error = %e, "cannot render");
                metrics().undeliverable(&row.purpose);
                return Ok(OutboxOutcome::Failed {
                    code: None,
                    error: e.to_string(),
                    payload: None,
                });
            }
        };
        let merged_ids: Vec<i64> = merged.iter().map(|m| m.id).collect();
        self.deliver(row, &message, merged_ids, use_template).await
    }

    /// A free-form message only reaches someone who wrote in the last 24 hours. Every
    /// purpose is checked before it is sent (a reply waits in the queue while sending is
    /// paused; a coordinator or a digest's reader may never have written): each has a
    /// template (`catalogue.rs`), so a closed window costs one template, not a 131047.
    async fn outside_window(
        &self,
        row: &OutboxRow,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let Ok(to) = serde_json::from_str::<Recipient>(&row.recipient) else {
            return Ok(false);
        };
        let mut last = None;
        for key in window_keys(&to) {
            let seen = self.store.last_inbound(key.as_key()).await?;
            last = last.max(seen);
        }
        Ok(last.is_none_or(|t| now - t > secs(self.settings.window)))
    }

    async fn deliver(
        &self,
        row: &OutboxRow,
        message: &OutboundMessage,
        merged: Vec<i64>,
        use_template: bool,
    ) -> Result<OutboxOutcome, StoreError> {
        let payload = message.to_request_body().to_string();
        let pace_until = |now: DateTime<Utc>| now + secs(self.settings.pair_gap);
        let client = match &self.transport {
            Transport::DryRun => {
                tracing::info!(outbox_id = row.id, purpose = %row.purpose, "dry-run: recorded, not sent");
                let now = self.clock.now();
                return Ok(OutboxOutcome::DryRun {
                    payload,
                    merged,
                    pace_until: pace_until(now),
                    use_template,
                });
            }
            Transport::Graph { client, .. } => client,
        };
        self.throughput.acquire().await;
        let result = client.send(message).await;
        let now = self.clock.now();
        let err = match result {
            Ok(sent) => {
                tracing::info!(outbox_id = row.id, purpose = %row.purpose, "sent");
                return Ok(OutboxOutcome::Sent {
                    wamid: sent.wamid,
                    payload,
                    merged,
                    pace_until: pace_until(now),
                    use_template,
                });
            }
            Err(e) => e,
        };
        tracing::warn!(outbox_id = row.id, kind = ?err.kind, code = ?err.code, attempt = row.attempts, "send failed");
        metrics().send_failure(err.code);
        let retry_at = |rate_limited: bool| {
            let seed = (row.id as u64) << 8 | row.attempts as u64;
            now + secs(backoff(
                row.attempts,
                rate_limited,
                self.settings.backoff_base,
                self.settings.backoff_max,
                seed,
            ))
        };
        Ok(match err.kind {
            SendErrorKind::Retryable | SendErrorKind::RateLimited
                if row.attempts < self.settings.max_attempts =>
            {
                OutboxOutcome::Retry {
                    at: retry_at(err.kind == SendErrorKind::RateLimited),
                    code: err.code,
                    error: err.message,
                    use_template,
                    window_closed: false,
                }
            }
            // Meta's occasional in-window 131047 too: the row, and the rows of the same
            // recipient that were to ride along or wait behind it, go as templates.
            SendErrorKind::WindowClosed if !use_template => OutboxOutcome::Retry {
                at: now,
                code: err.code,
                error: err.message,
                use_template: true,
                window_closed: true,
            },
            SendErrorKind::TokenExpired => {
                tracing::error!("ALERTA: the WhatsApp access token expired; sending is paused until a new token is deployed");
                if let Transport::Graph {
                    token_fingerprint, ..
                } = &self.transport
                {
                    self.store
                        .pause_sender(now, "token expirado (190)", token_fingerprint)
                        .await?;
                }
                OutboxOutcome::Release { at: now }
            }
            _ => {
                metrics().undeliverable(&row.purpose);
                OutboxOutcome::Failed {
                    code: err.code,
                    error: err.message,
                    payload: Some(payload),
                }
            }
        })
    }
}
