//! Logging and metrics. Spans carry the route template and a request id, never the URL (see
//! `request.rs`); message content and phone numbers never go to logs.

pub mod histogram;
pub mod metrics;
pub mod request;
pub mod warn_summary;

use tracing_subscriber::{fmt, prelude::*, EnvFilter};

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// Installs the global subscriber. `filter` uses `RUST_LOG` syntax. Safe to call twice
/// (the second call is a no-op), which tests rely on.
pub fn init(filter: &str, format: LogFormat) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match format {
        LogFormat::Json => registry
            .with(fmt::layer().json().with_writer(std::io::stderr))
            .try_init(),
        LogFormat::Text => registry
            .with(fmt::layer().with_writer(std::io::stderr))
            .try_init(),
    };
}
