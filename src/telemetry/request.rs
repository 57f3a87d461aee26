//! Per-request telemetry: a request id on every log line of the request, one access line, and
//! the request's figures by matched route.
//!
//! The span and the access line name the route template, never the URL: the webhook
//! handshake puts the verify token in the query string, and paths carry folios.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use super::metrics::metrics;

pub const REQUEST_ID: &str = "x-request-id";

/// Wraps every route (`Router::layer(middleware::from_fn(track))`): the matched route is known
/// here because axum applies router layers per route.
pub async fn track(mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| sane(v))
        .map_or_else(generate, str::to_owned);
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    // Handlers and the proxy see the id that is logged, whether it came in or was made here.
    if let Ok(value) = HeaderValue::from_str(&id) {
        req.headers_mut().insert(REQUEST_ID, value);
    }
    let span = tracing::info_span!("http", request_id = %id, method = %method, route = %route);
    let mut response = next.run(req).instrument(span.clone()).await;
    let took = started.elapsed();
    let status = response.status();
    metrics().http_request(&route, &method, status.as_u16(), took);
    let _entered = span.enter();
    let ms = took.as_secs_f64() * 1000.0;
    if quiet(status) {
        tracing::debug!(status = status.as_u16(), ms, "answered");
    } else {
        tracing::info!(status = status.as_u16(), ms, "answered");
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

/// Success and redirects are the bulk of the traffic: DEBUG. Everything else is worth a
/// look at the default level.
fn quiet(status: StatusCode) -> bool {
    status.is_success() || status.is_redirection()
}

/// A client's id is kept when it is short and plain (what proxies and tracing systems send:
/// UUIDs, hex, base64url); anything else could forge log lines or carry personal data, and
/// is replaced.
fn sane(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// 16 random hex digits: unique enough to find one request in a day of logs.
fn generate() -> String {
    hex::encode(rand::random::<[u8; 8]>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ids_are_kept_and_others_replaced() {
        assert!(sane("3f2a9c1e-7b7d-4c55-9a0e-0d2f1f6b7a11"));
        assert!(sane("abc_DEF.123"));
        assert!(!sane(""));
        assert!(!sane(&"a".repeat(65)));
        assert!(!sane("a b"));
        assert!(!sane("x\nlevel=ERROR"));
        assert!(!sane("+5216621000101"));
        let id = generate();
        assert_eq!(id.len(), 16);
        assert!(sane(&id));
        assert_ne!(generate(), id);
    }

    #[test]
    fn only_success_and_redirects_are_quiet() {
        assert!(quiet(StatusCode::OK));
        assert!(quiet(StatusCode::SEE_OTHER));
        assert!(!quiet(StatusCode::NOT_FOUND));
        assert!(!quiet(StatusCode::UNAUTHORIZED));
        assert!(!quiet(StatusCode::SERVICE_UNAVAILABLE));
    }
}
