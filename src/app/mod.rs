//! Start-up and wiring: build the state, mount the routes, serve until the shutdown token
//! fires, then let in-flight requests finish and stop the workers.

mod connection;
pub mod fd_limit;
mod health;
mod listener;
pub mod metrics_endpoint;
pub mod shutdown;
pub mod state;

use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::timeout::TimeoutLayer;

use crate::config::Config;
use crate::telemetry;
use crate::vocab::Clock;

pub use state::{load_classifier, AppState};

/// All routes with their layers. Tests drive this directly with `oneshot`.
pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
    Router::new()
        .merge(crate::intake::router(config.body_limit_bytes))
        .merge(health::router())
        .merge(crate::queue::router())
        // Outermost of the routes' own layers: an undocumented `/api/v1` route answers 404.
        .layer(axum::middleware::from_fn(
            crate::queue::openapi::only_documented,
        ))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
        .layer(axum::middleware::from_fn(telemetry::request::track))
        .with_state(state)
}

/// The listener's timeouts and connection cap from the configuration; a cap left to the
/// open-file limit is derived from the limit in force now (`alerta serve` raises it first).
fn listener_settings(config: &Config) -> listener::ListenerSettings {
    let c = &config.connections;
    listener::ListenerSettings {
        timeouts: connection::Timeouts {
            header_read: c.header_read_timeout,
            idle: c.idle_timeout,
        },
        limit: c.limit.unwrap_or_else(|| {
            fd_limit::derived_connection_limit(fd_limit::current_soft(), c.fd_reserve)
        }),
    }
}

/// How often each replica checks the stored registry's version.
pub const REGISTRY_POLL: std::time::Duration = std::time::Duration::from_secs(1);

/// Runs the service on `listener` until `shutdown` is cancelled, with `/metrics` on the
/// address `[metrics] listen` names.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let metrics = metrics_endpoint::bind(config.metrics_listen).await?;
    run_with_metrics(config, listener, metrics, shutdown).await
}

/// Runs the service with `/metrics` on `metrics` (not served when `None`).
pub async fn run_with_metrics(
    config: Config,
    listener: TcpListener,
    metrics: Option<TcpListener>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    if config.whatsapp.app_secret.is_none() {
        anyhow::bail!(
            "falta WHATSAPP_APP_SECRET: sin él no se puede verificar ningún webhook \
             (para desarrollo: cp config/example.env .env)"
        );
    }
    if config.whatsapp.access_token.is_none() {
        tracing::warn!("WHATSAPP_ACCESS_TOKEN not set: outbound messages run in dry-run");
    }
    config.web.warn_if_loopback();
    let deadline = Arc::new(shutdown::Deadline::new(config.shutdown_grace));
    let listener_settings = listener_settings(&config);
    let state = AppState::build(config).await?;
    let store = state.store.clone();
    let clock = Clock::new();
    let workers = if state.config.workers {
        vec![
            tokio::spawn(state.sender(clock.clone())?.run(shutdown.clone())),
            tokio::spawn(state.escalator(clock.clone()).run(shutdown.clone())),
            tokio::spawn(state.incidents(clock.clone()).run(shutdown.clone())),
            tokio::spawn(state.registry_requests(clock.clone()).run(shutdown.clone())),
            tokio::spawn(
                crate::reports::digest::Digester::new(
                    state.reports(),
                    clock.clone(),
                    std::time::Duration::from_secs(60),
                )
                .run(shutdown.clone()),
            ),
        ]
    } else {
        tracing::info!("workers disabled in this process (ALERTA_WORKERS=false)");
        Vec::new()
    };
    // The change feed runs in every replica: each serves its own operators' streams.
    let feed = tokio::spawn(state.changes.clone().run(
        state.store.clone(),
        std::time::Duration::from_secs(1),
        shutdown.clone(),
    ));
    let mut workers = workers;
    workers.push(feed);
    // Every replica follows the stored registry: a change made anywhere is attributed here
    // within a poll (1 s, well inside the 2 s the coordinators are promised).
    workers.push(tokio::spawn(
        state
            .registry_sync
            .clone()
            .run(REGISTRY_POLL, shutdown.clone()),
    ));
    if state.config.workers {
        let retention = crate::privacy::retention::RetentionWorker {
            state: state.privacy(),
            clock: clock.clone(),
        };
        workers.push(tokio::spawn(retention.run(shutdown.clone())));
        match state.media_fetcher(clock.clone())? {
            Some(fetcher) => workers.push(tokio::spawn(fetcher.run(shutdown.clone()))),
            None => tracing::warn!("no access token: inbound media is not fetched"),
        }
    }
    workers.push(tokio::spawn(
        crate::intake::REFUSED_SIGNATURES.run(shutdown.clone()),
    ));
    if let Some(metrics) = metrics {
        tracing::info!(addr = %metrics.local_addr()?, "metrics listening");
        workers.push(tokio::spawn(metrics_endpoint::serve(
            metrics,
            state.clone(),
            shutdown.clone(),
        )));
    }
    let addr = listener.local_addr()?;
    tracing::info!(
        %addr,
        connection_limit = listener_settings.limit,
        header_read_timeout_secs = listener_settings.timeouts.header_read.as_secs_f64(),
        idle_timeout_secs = listener_settings.timeouts.idle.as_secs_f64(),
        "listening"
    );
    // Fix the deadline the moment shutdown is requested, whichever part notices first.
    let clock = {
        let (shutdown, deadline) = (shutdown.clone(), deadline.clone());
        tokio::spawn(async move {
            shutdown.cancelled().await;
            deadline.get();
        })
    };
    listener::serve(
        listener,
        router(state),
        listener_settings,
        shutdown.clone(),
        deadline.clone(),
    )
    .await;
    // The server only returns once shutdown was requested: make sure the workers stop too,
    // and let each finish the row it holds, all within the one deadline.
    shutdown.cancel();
    let _ = clock.await;
    let mut late = 0;
    for worker in workers {
        if !deadline.wait(worker).await {
            late += 1;
        }
    }
    if late > 0 {
        tracing::warn!(
            workers = late,
            "workers still running at the shutdown deadline"
        );
    }
    tracing::info!("HTTP server and workers stopped; closing the store");
    if !deadline.wait(store.close()).await {
        tracing::warn!("store did not close by the shutdown deadline");
    }
    Ok(())
}
