//! `alerta serve` and `alerta migrate`.

use std::process::ExitCode;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::{app, store, telemetry};

pub fn serve() -> anyhow::Result<ExitCode> {
    let config = Config::load()?;
    telemetry::init(&config.log_filter, config.log_format);
    // Every connection is a descriptor: take all the kernel allows before the connection
    // cap is derived from it.
    let fds = app::fd_limit::raise_nofile();
    tracing::info!(soft = fds.soft, hard = ?fds.hard, raised_from = ?fds.raised_from, "open-file limit");
    super::runtime()?.block_on(async {
        let listener = listen(config.bind)
            .with_context(|| format!("no se pudo escuchar en {}", config.bind))?;
        let shutdown = CancellationToken::new();
        tokio::spawn(cancel_on_signal(shutdown.clone()));
        app::run(config, listener, shutdown).await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Connections the kernel may queue before they are accepted. tokio's default (1,024) is
/// overrun when a thousand slow clients reconnect at once, and a dropped SYN costs a
/// legitimate client a one-second retransmission; the kernel caps this at
/// `net.core.somaxconn`.
const LISTEN_BACKLOG: u32 = 4096;

fn listen(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    // As std's and tokio's bind do on Unix: a restart may bind while old connections linger.
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

pub fn migrate() -> anyhow::Result<ExitCode> {
    let config = Config::load()?;
    telemetry::init(&config.log_filter, config.log_format);
    super::runtime()?.block_on(async {
        let store = store::connect(&config.database_url, &config.store).await?;
        println!("migraciones aplicadas ({})", store.backend());
        store.close().await;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Cancels `token` on Ctrl-C or SIGTERM (what container runtimes and systemd send).
async fn cancel_on_signal(token: CancellationToken) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown requested");
    token.cancel();
}
