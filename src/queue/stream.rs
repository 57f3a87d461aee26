//! Server-sent events: each stream gets the process's change feed filtered to the caller's
//! regions, with a keep-alive so proxies do not cut an idle connection.
//!
//! A stream lives only as long as the session or token it was opened with. It checks it
//! every `[web] stream_recheck_secs`, at once when this process revokes something, and
//! before sending an event (unless it checked within the last second, so a burst of
//! reports does not cost a lookup per event per stream); when it no longer holds the
//! stream ends, and the page's reconnection is refused like any request without a session.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::response::sse::{Event, KeepAlive, Sse};
use chrono::Utc;
use futures_util::stream::{self, Stream, StreamExt};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, watch};

use super::credentials::Credential;
use crate::access::principal::Principal;
use crate::app::state::AppState;
use crate::notify::changes::ReportEvent;
use crate::store::Store;

/// An event is sent without a fresh check when the last one is at most this old.
const EVENT_RECHECK: Duration = Duration::from_secs(1);

pub fn sse(
    state: &AppState,
    who: Principal,
    credential: Credential,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let closing = state.changes.closing().cancelled_owned();
    let follow = Follow {
        rx: state.changes.subscribe(),
        revocations: state.changes.revocations(),
        who,
        credential,
        store: state.store.clone(),
        token_days: state.config.web.token_days,
        every: Duration::from_secs(state.config.web.stream_recheck_secs.max(1)),
        // The extractor that let this request in has just checked the credential.
        checked: Instant::now(),
        _open: crate::telemetry::metrics::metrics().event_stream_opened(),
    };
    let events = stream::unfold(follow, |mut f| async move {
        let event = f.next().await?;
        Some((Ok(event), f))
    })
    .take_until(closing);
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// One open stream: what it listens to, and what it was opened with.
struct Follow {
    rx: broadcast::Receiver<ReportEvent>,
    revocations: watch::Receiver<u64>,
    who: Principal,
    credential: Credential,
    store: Arc<Store>,
    token_days: i64,
    every: Duration,
    checked: Instant,
    /// Counts this stream in `alerta_event_streams` until it ends.
    _open: crate::telemetry::metrics::StreamGuard,
}

impl Follow {
    /// The next event to send, or `None` when the stream must end.
    async fn next(&mut self) -> Option<Event> {
        loop {
            let due = tokio::time::Instant::from_std(self.checked + self.every);
            tokio::select! {
                received = self.rx.recv() => match received {
                    Ok(e) if self.who.sees_region(&e.region) => {
                        if self.checked.elapsed() >= EVENT_RECHECK && !self.still_valid().await {
                            return None;
                        }
                        return Some(report_event(&e));
                    }
                    Ok(_) => continue,
                    // Too slow a reader missed events: tell the page to reload its list.
                    Err(RecvError::Lagged(_)) => {
                        return Some(Event::default().event("resync").data("{}"));
                    }
                    Err(RecvError::Closed) => return None,
                },
                _ = tokio::time::sleep_until(due) => {
                    if !self.still_valid().await {
                        return None;
                    }
                }
                changed = self.revocations.changed() => {
                    if changed.is_err() || !self.still_valid().await {
                        return None;
                    }
                }
            }
        }
    }

    /// Checks the credential now. A store that does not answer ends the stream too: it
    /// only sends while its credential has been confirmed recently.
    async fn still_valid(&mut self) -> bool {
        let valid = self
            .credential
            .valid(self.store.as_ref(), self.token_days, Utc::now())
            .await;
        self.checked = Instant::now();
        valid.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "event stream: cannot check its session; closing it");
            false
        })
    }
}

fn report_event(e: &ReportEvent) -> Event {
    Event::default()
        .event("report")
        .id(e.id.to_string())
        .json_data(e)
        .unwrap_or_else(|_| Event::default().event("report"))
}
