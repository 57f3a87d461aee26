//! `/metrics` on its own listener (`[metrics] listen`, loopback by default): the figures say
//! how much is reported where, which is not for the public port that takes webhooks.

use std::net::SocketAddr;

use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::AppState;
use crate::telemetry::metrics;

/// The metrics listener's one route. Tests drive it with `oneshot`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(scrape))
        .with_state(state)
}

/// Binds the metrics listener named in the configuration (`None` when it is turned off).
pub async fn bind(addr: Option<SocketAddr>) -> anyhow::Result<Option<TcpListener>> {
    let Some(addr) = addr else {
        return Ok(None);
    };
    let listener = TcpListener::bind(addr).await.map_err(|e| {
        anyhow::anyhow!("no se pudo escuchar en {addr} para /metrics (metrics.listen): {e}")
    })?;
    Ok(Some(listener))
}

/// Serves the metrics until `shutdown`. A scrape is short and a scraper reconnects, so
/// this listener needs none of the public one's clocks: it simply stops.
pub async fn serve(listener: TcpListener, state: AppState, shutdown: CancellationToken) {
    let app = router(state);
    if let Err(e) = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await
    {
        tracing::warn!(error = %e, "the metrics listener stopped");
    }
}

/// Prometheus text: in-process counters plus figures read from the database (the same on
/// every replica). If the database is down the in-process part is still served.
async fn scrape(State(state): State<AppState>) -> impl IntoResponse {
    let mut out = String::with_capacity(8192);
    metrics::metrics().render(&mut out);
    let (open, idle) = state.store.pool_connections();
    metrics::gauge(
        &mut out,
        "alerta_db_pool_connections",
        "Connections of this process's read pool, by state.",
        "state",
        &[
            ("idle".into(), idle as f64),
            ("busy".into(), (open as usize).saturating_sub(idle) as f64),
        ],
    );
    database_figures(&state, &mut out).await;
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        out,
    )
}

async fn database_figures(state: &AppState, out: &mut String) {
    let up = match state.store.gauges().await {
        Ok(g) => {
            // One label per dimension: `sum by (status)` works without parsing a label.
            let reports: Vec<(Vec<String>, f64)> = g
                .reports
                .into_iter()
                .map(|(key, n)| {
                    let (category, status) = key.split_once('/').unwrap_or((&key, ""));
                    (vec![category.to_owned(), status.to_owned()], n as f64)
                })
                .collect();
            metrics::gauge_labels(
                out,
                "alerta_reports",
                "Reports by category and status.",
                &["category", "status"],
                &reports,
            );
            let outbox: Vec<(String, f64)> =
                g.outbox.into_iter().map(|(k, n)| (k, n as f64)).collect();
            metrics::gauge(
                out,
                "alerta_outbox_depth",
                "Outbox rows waiting, by state.",
                "state",
                &outbox,
            );
            let age = g.oldest_pending.map_or(0.0, |t| {
                (chrono::Utc::now() - t).num_milliseconds() as f64 / 1000.0
            });
            metrics::gauge(
                out,
                "alerta_outbox_oldest_seconds",
                "Age of the oldest waiting outbox row.",
                "",
                &[(String::new(), age)],
            );
            true
        }
        Err(e) => {
            tracing::warn!(error = %e, "metrics: database figures unavailable");
            false
        }
    };
    if up {
        // Paused: Meta refused the access token and nothing goes out until an admin
        // resumes (the same state `/readyz` reports as `sending: paused`).
        if let Ok(s) = state.store.sender_state().await {
            let paused = state.config.whatsapp.access_token.is_some() && s.paused_at.is_some();
            metrics::gauge(
                out,
                "alerta_sending_paused",
                "1 when sending is paused because Meta refused the access token.",
                "",
                &[(String::new(), if paused { 1.0 } else { 0.0 })],
            );
        }
    }
    metrics::gauge(
        out,
        "alerta_database_up",
        "Whether the database answered.",
        "",
        &[(String::new(), if up { 1.0 } else { 0.0 })],
    );
}
