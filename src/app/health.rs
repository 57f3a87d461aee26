//! Liveness and readiness.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// The process is up and serving.
async fn healthz() -> &'static str {
    "ok"
}

/// The database answers; load balancers stop routing here when it does not.
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => {
            // An expired token does not make the service unready (intake still works), but
            // whoever watches readiness should see that nothing is going out.
            let paused = state
                .store
                .sender_state()
                .await
                .is_ok_and(|s| s.paused_at.is_some());
            let sending = match (&state.config.whatsapp.access_token, paused) {
                (None, _) => "dry_run",
                (Some(_), true) => "paused",
                (Some(_), false) => "active",
            };
            (
                StatusCode::OK,
                Json(
                    json!({ "status": "ready", "database": state.store.backend(), "sending": sending }),
                ),
            )
        }
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "database": state.store.backend() })),
            )
        }
    }
}
