//! Liveness and readiness.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::AppState;
use crate::telemetry::metrics;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// The process is up and serving.
async fn healthz() -> &'static str {
    "ok"
}

/// Prometheus text: in-process counters plus figures read from the database (the same on
/// every replica). If the database is down the in-process part is still served.
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let mut out = String::with_capacity(4096);
    metrics::metrics().render(&mut out);
    match state.store.gauges().await {
        Ok(g) => {
            let reports: Vec<(String, f64)> =
                g.reports.into_iter().map(|(k, n)| (k, n as f64)).collect();
            metrics::gauge(
                &mut out,
                "alerta_reports",
                "Reports by category/status.",
                "category_status",
                &reports,
            );
            let outbox: Vec<(String, f64)> =
                g.outbox.into_iter().map(|(k, n)| (k, n as f64)).collect();
            metrics::gauge(
                &mut out,
                "alerta_outbox_depth",
                "Outbox rows waiting, by state.",
                "state",
                &outbox,
            );
            let age = g.oldest_pending.map_or(0.0, |t| {
                (chrono::Utc::now() - t).num_milliseconds() as f64 / 1000.0
            });
            metrics::gauge(
                &mut out,
                "alerta_outbox_oldest_seconds",
                "Age of the oldest waiting outbox row.",
                "",
                &[(String::new(), age)],
            );
            metrics::gauge(
                &mut out,
                "alerta_database_up",
                "Whether the database answered.",
                "",
                &[(String::new(), 1.0)],
            );
        }
        Err(e) => {
            tracing::warn!(error = %e, "metrics: database figures unavailable");
            metrics::gauge(
                &mut out,
                "alerta_database_up",
                "Whether the database answered.",
                "",
                &[(String::new(), 0.0)],
            );
        }
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        out,
    )
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
