//! Intake: the webhook routes. Verify the signature over the raw bytes, persist the raw body
//! and every message in one transaction, answer 200 only after the commit. Nothing here
//! calls the Graph API or waits on anything slow.

mod attribution;
mod batch;
pub mod media_fetch;
mod webhook;

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;

use crate::app::state::AppState;

pub use attribution::{attribute, Attributed};
pub use batch::{build_batch, BatchContext};

/// Refused webhook signatures, written to the log as one line per interval (a forged
/// flood would otherwise write a line per request); `alerta_webhooks_total` counts each.
pub static REFUSED_SIGNATURES: crate::telemetry::warn_summary::WarnSummary =
    crate::telemetry::warn_summary::WarnSummary::new("webhook signatures refused");

/// `GET /webhook` (handshake) and `POST /webhook` (notifications).
pub fn router(body_limit: usize) -> Router<AppState> {
    Router::new()
        .route("/webhook", get(webhook::verify).post(webhook::receive))
        .layer(DefaultBodyLimit::max(body_limit))
}
