//! Server-sent events: each stream gets the process's change feed filtered to the caller's
//! regions, with a keep-alive so proxies do not cut an idle connection.

use std::convert::Infallible;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream, StreamExt};
use tokio::sync::broadcast::error::RecvError;

use super::principal::Principal;
use crate::app::AppState;

pub fn sse(state: &AppState, who: Principal) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = state.changes.subscribe();
    let closing = state.changes.closing().cancelled_owned();
    let events = stream::unfold((rx, who), |(mut rx, who)| async move {
        loop {
            match rx.recv().await {
                Ok(e) if who.sees_region(&e.region) => {
                    let event = Event::default()
                        .event("report")
                        .id(e.id.to_string())
                        .json_data(&e)
                        .unwrap_or_else(|_| Event::default().event("report"));
                    return Some((Ok(event), (rx, who)));
                }
                Ok(_) => continue,
                // Too slow a reader missed events: tell the page to reload its list.
                Err(RecvError::Lagged(_)) => {
                    return Some((Ok(Event::default().event("resync").data("{}")), (rx, who)));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    })
    .take_until(closing);
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
