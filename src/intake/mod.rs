//! Intake: the webhook routes. Verify the signature over the raw bytes, persist the raw body
//! and every message in one transaction, answer 200 only after the commit. Nothing here
//! calls the Graph API or waits on anything slow.

mod batch;
pub mod media_fetch;
mod webhook;

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, FromRef};
use axum::routing::get;
use axum::Router;
use tokio::sync::Notify;

use crate::config::Config;
use crate::notify::changes::ChangeFeed;
use crate::privacy::Pseudonymizer;
use crate::registry::SharedRegistry;
use crate::store::Store;
use crate::triage::Classifier;

// Attribution moved to routing, which decides with it; the path stays for callers.
pub use crate::routing::{attribute, Attributed};
pub use batch::{build_batch, BatchContext};

/// Refused webhook signatures, written to the log as one line per interval (a forged
/// flood would otherwise write a line per request); `alerta_webhooks_total` counts each.
pub static REFUSED_SIGNATURES: crate::telemetry::warn_summary::WarnSummary =
    crate::telemetry::warn_summary::WarnSummary::new("webhook signatures refused");

/// What the webhook handlers work with. The web layer's state hands it over
/// (`FromRef`), so intake never sees the rest of that state.
#[derive(Clone)]
pub struct Webhook {
    pub config: Arc<Config>,
    pub store: Arc<Store>,
    pub registry: SharedRegistry,
    pub classifier: Arc<Classifier>,
    pub pseudonyms: Arc<Pseudonymizer>,
    /// The join phrases of `config/replies.toml` (`[join]`).
    pub join_words: Arc<crate::vocab::JoinWords>,
    /// Wakes the sender as soon as a delivery queued something (the 9-1-1 reply).
    pub outbox_wakeup: Arc<Notify>,
    /// Tells this process's live queues to look now.
    pub changes: ChangeFeed,
}

/// `GET /webhook` (handshake) and `POST /webhook` (notifications).
pub fn router<S>(body_limit: usize) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Webhook: FromRef<S>,
{
    Router::new()
        .route("/webhook", get(webhook::verify).post(webhook::receive))
        .layer(DefaultBodyLimit::max(body_limit))
}
