//! The sender: claims due outbox rows with a lease, renders and sends them (or records them
//! as dry-run), and writes back what happened. Several replicas may run it at once; the
//! lease and `SKIP LOCKED` keep each row with one of them. What happens to each claimed row
//! is in `delivery.rs`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::backoff::Throughput;
use super::clock::Clock;
use super::texts::Replies;
use super::transport::Transport;
use crate::store::{OutboxOutcome, Store, StoreError};
use crate::telemetry::metrics::metrics;

/// How often, at most, the sender looks for 131047 failures reported by status webhooks.
const REQUEUE_EVERY_SECS: i64 = 5;

/// How often the sender refreshes the billed-messages metric from the cost ledger.
const LEDGER_EVERY_SECS: i64 = 60;

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
    pub store: Arc<Store>,
    pub replies: Arc<Replies>,
    pub transport: Transport,
    pub settings: SenderSettings,
    pub clock: Clock,
    /// Identifies this worker's leases.
    pub owner: String,
    pub wakeup: Arc<Notify>,
    /// Spaces sends across rows; `delivery.rs` waits on it before each send.
    pub(super) throughput: Throughput,
    last_requeue: std::sync::Mutex<Option<DateTime<Utc>>>,
    last_ledger: std::sync::Mutex<Option<DateTime<Utc>>>,
}

pub(super) fn secs(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::zero())
}

impl Sender {
    pub fn new(
        store: Arc<Store>,
        replies: Arc<Replies>,
        transport: Transport,
        settings: SenderSettings,
        clock: Clock,
        wakeup: Arc<Notify>,
    ) -> Sender {
        Sender {
            throughput: Throughput::new(settings.per_second),
            last_requeue: std::sync::Mutex::new(None),
            last_ledger: std::sync::Mutex::new(None),
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
        self.refresh_ledger_metric(now).await?;
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

    /// Acts on `failed` status webhooks: free-form messages that Meta failed with 131047
    /// go again as templates, together with every row that had been merged into them; other
    /// failures are undeliverable (counted, and in the report's timeline). The check is an
    /// UPDATE, so under a burst (a pass per webhook) it runs every few seconds rather than on
    /// every pass.
    async fn requeue_window_closed(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        {
            let mut last = self.last_requeue.lock().unwrap_or_else(|e| e.into_inner());
            if last.is_some_and(|t| now - t < chrono::Duration::seconds(REQUEUE_EVERY_SECS)) {
                return Ok(());
            }
            *last = Some(now);
        }
        let settled = self.store.settle_failed_statuses(now).await?;
        if settled.requeued > 0 {
            tracing::info!(
                requeued = settled.requeued,
                "closed-window failures requeued as templates"
            );
        }
        for purpose in &settled.undeliverable {
            tracing::warn!(purpose = %purpose, "Meta reported a message as undeliverable");
            metrics().undeliverable(purpose);
        }
        Ok(())
    }

    /// `alerta_outbound_messages{category}`: the ledger's totals, read once a minute.
    async fn refresh_ledger_metric(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        {
            let mut last = self.last_ledger.lock().unwrap_or_else(|e| e.into_inner());
            if last.is_some_and(|t| now - t < chrono::Duration::seconds(LEDGER_EVERY_SECS)) {
                return Ok(());
            }
            *last = Some(now);
        }
        let totals = self.store.ledger_totals().await?;
        metrics().set_billed(totals.into_iter().map(|(c, n)| (c, n as f64)).collect());
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
}
