//! Live updates for the queue. The audit trail is the change log: every report created or
//! touched writes an entry, in any replica. One poller per process follows it and fans the
//! changes out to the SSE streams of that process, so a report taken by replica A appears
//! on a page served by replica B.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{broadcast, Notify};
use tokio_util::sync::CancellationToken;

use crate::store::{ReportLookup, Store};

/// One change to one report, as the streams send it.
#[derive(Debug, Clone, Serialize, PartialEq)]
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
}

impl Default for ChangeFeed {
    fn default() -> Self {
        let (tx, _) = broadcast::channel(1024);
        ChangeFeed {
            tx,
            wake: Arc::new(Notify::new()),
            closing: CancellationToken::new(),
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

    /// Something changed here: look now instead of at the next poll.
    pub fn poke(&self) {
        self.wake.notify_one();
    }

    /// Follows the audit trail until `shutdown`; starts at its current end.
    pub async fn run(self, store: Arc<dyn Store>, poll: Duration, shutdown: CancellationToken) {
        let closing = self.closing.clone();
        let _close_streams = scopeguard(move || closing.cancel());
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
            match self.forward(store.as_ref(), last).await {
                Ok(next) => last = next,
                Err(e) => tracing::warn!(error = %e, "change feed: poll failed"),
            }
        }
    }

    async fn forward(
        &self,
        store: &dyn Store,
        after: i64,
    ) -> Result<i64, crate::store::StoreError> {
        let mut last = after;
        loop {
            let entries = store.audit_after("report", last, 200).await?;
            let Some(tail) = entries.last() else {
                return Ok(last);
            };
            last = tail.id;
            for a in &entries {
                // The report as it is now: a burst of entries for one folio sends its state
                // a few times, which the page handles as idempotent refreshes.
                if let Some(r) = store.report(ReportLookup::Folio(&a.entity_id)).await? {
                    let _ = self.tx.send(ReportEvent {
                        id: a.id,
                        folio: r.folio,
                        action: a.action.clone(),
                        actor: a.actor.clone(),
                        region: r.region,
                        category: r.category,
                        priority: r.priority,
                        status: r.status,
                    });
                }
            }
            if entries.len() < 200 {
                return Ok(last);
            }
        }
    }
}

/// Runs `f` when dropped: the streams close however `run` ends.
fn scopeguard(f: impl FnOnce()) -> impl Drop {
    struct Guard<F: FnOnce()>(Option<F>);
    impl<F: FnOnce()> Drop for Guard<F> {
        fn drop(&mut self) {
            if let Some(f) = self.0.take() {
                f();
            }
        }
    }
    Guard(Some(f))
}
