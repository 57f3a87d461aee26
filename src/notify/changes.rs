//! Live updates for the queue. The audit trail is the change log: every report created or
//! touched writes an entry, in any replica. One poller per process follows it and fans the
//! changes out to the SSE streams of that process, so a report taken by replica A appears
//! on a page served by replica B.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{broadcast, watch, Notify};
use tokio_util::sync::CancellationToken;

use crate::store::Store;

/// Audit entries read per query.
const PAGE: i64 = 200;
/// The shortest time between two passes.
const MIN_PASS_INTERVAL: Duration = Duration::from_millis(100);

/// One change to one report, as the streams send it.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ReportEvent {
    pub id: i64,
    pub folio: String,
    pub action: String,
    /// Who did it (`user:ana`, `system:routing`), so a page can ignore its own changes.
    pub actor: String,
    pub region: String,
    pub category: String,
    pub priority: String,
    pub status: String,
}

/// The process's change feed; cheap to clone.
#[derive(Clone)]
pub struct ChangeFeed {
    tx: broadcast::Sender<ReportEvent>,
    wake: Arc<Notify>,
    /// Cancelled at shutdown so open streams end and the server can drain.
    closing: CancellationToken,
    /// Bumped when this process ends a session or revokes a token, so its open streams
    /// check theirs at once rather than at their next periodic check.
    revoked: Arc<watch::Sender<u64>>,
}

impl Default for ChangeFeed {
    fn default() -> Self {
        let (tx, _) = broadcast::channel(1024);
        ChangeFeed {
            tx,
            wake: Arc::new(Notify::new()),
            closing: CancellationToken::new(),
            revoked: Arc::new(watch::Sender::new(0)),
        }
    }
}

impl ChangeFeed {
    pub fn subscribe(&self) -> broadcast::Receiver<ReportEvent> {
        self.tx.subscribe()
    }

    pub fn closing(&self) -> CancellationToken {
        self.closing.clone()
    }

    /// Sessions or tokens were revoked here (logout, a disabled account, a new password or
    /// token): every open stream checks its own now. Other replicas' streams find out at
    /// their periodic check.
    pub fn revoked(&self) {
        self.revoked.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub fn revocations(&self) -> watch::Receiver<u64> {
        self.revoked.subscribe()
    }

    /// Something changed here: look now instead of at the next poll.
    pub fn poke(&self) {
        self.wake.notify_one();
    }

    /// Follows the audit trail until `shutdown`; starts at its current end.
    pub async fn run(self, store: Arc<Store>, poll: Duration, shutdown: CancellationToken) {
        // However `run` ends, the streams close with it.
        let _close_streams = self.closing.clone().drop_guard();
        let mut last = loop {
            match store.last_audit_id().await {
                Ok(id) => break id,
                Err(e) => {
                    tracing::warn!(error = %e, "change feed: cannot read the audit trail");
                    tokio::select! {
                        _ = shutdown.cancelled() => return,
                        _ = tokio::time::sleep(poll) => {}
                    }
                }
            }
        };
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(poll) => {}
            }
            // A burst pokes once per webhook; one pass covers all of them, so passes closer
            // together than this would only repeat the read.
            tokio::time::sleep(MIN_PASS_INTERVAL).await;
            match self.forward(store.as_ref(), last).await {
                Ok(next) => last = next,
                Err(e) => tracing::warn!(error = %e, "change feed: poll failed"),
            }
        }
    }

    async fn forward(&self, store: &Store, after: i64) -> Result<i64, crate::store::StoreError> {
        // With no page open there is nobody to tell: skip to the end of the trail instead of
        // reading every report a burst created. A page opened later loads the queue as it
        // is then, so what it did not hear about is already on it.
        if self.tx.receiver_count() == 0 {
            return store.last_audit_id().await;
        }
        let mut last = after;
        loop {
            let (changes, cursor) = store.report_changes_after(last, PAGE).await?;
            let Some(cursor) = cursor else {
                return Ok(last);
            };
            last = cursor;
            for c in changes {
                let _ = self.tx.send(ReportEvent {
                    id: c.id,
                    folio: c.folio,
                    action: c.action,
                    actor: c.actor,
                    region: c.region,
                    category: c.category,
                    priority: c.priority,
                    status: c.status,
                });
            }
        }
    }
}
