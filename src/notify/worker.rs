//! The sender: claims due outbox rows with a lease, renders and sends them (or records them
//! as dry-run), and writes back what happened. Several replicas may run it at once; the
//! lease and `SKIP LOCKED` keep each row with one of them.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::backoff::{backoff, Throughput};
use super::clock::Clock;
use super::render::{render, RenderError, MAX_MERGED, MAY_NEED_TEMPLATE, MERGEABLE};
use super::texts::Replies;
use super::transport::Transport;
use super::window::window_keys;
use crate::store::{OutboxOutcome, OutboxRow, Store, StoreError};
use crate::telemetry::metrics::metrics;
use crate::whatsapp::client::SendErrorKind;
use crate::whatsapp::outbound::{OutboundMessage, Recipient};

/// How often, at most, the sender looks for 131047 failures reported by status webhooks.
const REQUEUE_EVERY_SECS: i64 = 5;

/// The shortest gap between two sender passes that found nothing to do.
const MIN_PASS_INTERVAL: Duration = Duration::from_millis(50);

/// Sender tuning.
#[derive(Debug, Clone)]
pub struct SenderSettings {
    pub lease: Duration,
    pub batch: i64,
    /// Meta allows one message every 6 s to the same user.
    pub pair_gap: Duration,
    pub per_second: u32,
    pub max_attempts: i32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    pub poll: Duration,
    /// The customer-service window.
    pub window: Duration,
}

impl Default for SenderSettings {
    fn default() -> Self {
        SenderSettings {
            lease: Duration::from_secs(60),
            batch: 32,
            pair_gap: Duration::from_secs(6),
            per_second: 80,
            max_attempts: 12,
            backoff_base: Duration::from_secs(2),
            backoff_max: Duration::from_secs(600),
            poll: Duration::from_secs(1),
            window: Duration::from_secs(24 * 3600),
        }
    }
}

/// The outbox worker.
pub struct Sender {
    pub store: Arc<dyn Store>,
    pub replies: Arc<Replies>,
    pub transport: Transport,
    pub settings: SenderSettings,
    pub clock: Clock,
    /// Identifies this worker's leases.
    pub owner: String,
    pub wakeup: Arc<Notify>,
    throughput: Throughput,
    last_requeue: std::sync::Mutex<Option<DateTime<Utc>>>,
}

fn secs(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::zero())
}

impl Sender {
    pub fn new(
        store: Arc<dyn Store>,
        replies: Arc<Replies>,
        transport: Transport,
        settings: SenderSettings,
        clock: Clock,
        wakeup: Arc<Notify>,
    ) -> Sender {
        Sender {
            throughput: Throughput::new(settings.per_second),
            last_requeue: std::sync::Mutex::new(None),
            owner: format!(
                "sender-{}-{}",
                std::process::id(),
                Utc::now().timestamp_micros()
            ),
            store,
            replies,
            transport,
            settings,
            clock,
            wakeup,
        }
    }

    /// Runs until `shutdown`; a row being sent when it fires is finished first.
    pub async fn run(self, shutdown: CancellationToken) {
        tracing::info!(
            dry_run = matches!(self.transport, Transport::DryRun),
            "sender started"
        );
        loop {
            let sent = match self.tick().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "sender pass failed");
                    0
                }
            };
            if shutdown.is_cancelled() {
                break;
            }
            if sent == 0 {
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    () = self.wakeup.notified() => {},
                    () = tokio::time::sleep(self.settings.poll) => {},
                }
                // Under a burst every webhook wakes the sender; passes closer together than
                // this would only contend with intake for the write lock.
                tokio::time::sleep(MIN_PASS_INTERVAL).await;
            }
        }
        tracing::info!("sender stopped");
    }

    /// One pass: everything due now. Returns how many rows were handled.
    pub async fn tick(&self) -> Result<usize, StoreError> {
        let now = self.clock.now();
        if self.paused().await? {
            return Ok(0);
        }
        self.requeue_window_closed(now).await?;
        let lease_until = now + secs(self.settings.lease);
        let rows = self
            .store
            .claim_outbox(now, lease_until, &self.owner, self.settings.batch)
            .await?;
        let mut paused = false;
        for row in &rows {
            // Once the token is known to be expired, the rest of the batch goes back untouched.
            let outcome = if paused {
                OutboxOutcome::Release {
                    at: self.clock.now(),
                }
            } else {
                self.attempt(row).await?
            };
            paused |= matches!(outcome, OutboxOutcome::Release { .. });
            let done = self
                .store
                .finish_outbox(row, &self.owner, &outcome, self.clock.now())
                .await?;
            if !done {
                tracing::warn!(
                    outbox_id = row.id,
                    "lease lost before the outcome was recorded"
                );
            }
        }
        Ok(rows.len())
    }

    /// Free-form messages that Meta later failed with 131047 go again as templates. The
    /// check is an UPDATE, so under a burst (a pass per webhook) it runs every few seconds
    /// rather than on every pass.
    async fn requeue_window_closed(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        {
            let mut last = self.last_requeue.lock().unwrap_or_else(|e| e.into_inner());
            if last.is_some_and(|t| now - t < chrono::Duration::seconds(REQUEUE_EVERY_SECS)) {
                return Ok(());
            }
            *last = Some(now);
        }
        let requeued = self.store.requeue_window_closed(now).await?;
        if requeued > 0 {
            tracing::info!(requeued, "closed-window failures requeued as templates");
        }
        Ok(())
    }

    /// Whether sending is paused for the current token; a new token lifts the pause.
    async fn paused(&self) -> Result<bool, StoreError> {
        let state = self.store.sender_state().await?;
        let (
            Some(_),
            Transport::Graph {
                token_fingerprint, ..
            },
        ) = (state.paused_at, &self.transport)
        else {
            return Ok(false);
        };
        if state.token_fingerprint.as_deref() == Some(token_fingerprint.as_str()) {
            return Ok(true);
        }
        tracing::info!("a new access token is configured: resuming sending");
        self.store.resume_sender().await?;
        Ok(false)
    }

    async fn attempt(&self, row: &OutboxRow) -> Result<OutboxOutcome, StoreError> {
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

    /// A free-form message only reaches someone who wrote in the last 24 hours.
    async fn outside_window(
        &self,
        row: &OutboxRow,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        if !MAY_NEED_TEMPLATE.contains(&row.purpose.as_str())
            || !self.replies.has_template(&row.purpose)
        {
            return Ok(false);
        }
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
                }
            }
            SendErrorKind::WindowClosed
                if !use_template && self.replies.has_template(&row.purpose) =>
            {
                OutboxOutcome::Retry {
                    at: now,
                    code: err.code,
                    error: err.message,
                    use_template: true,
                }
            }
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
            _ => OutboxOutcome::Failed {
                code: err.code,
                error: err.message,
                payload: Some(payload),
            },
        })
    }
}
