//! What every web response carries and what every form POST must prove: security headers,
//! the same-origin check and the per-session CSRF token.

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;

use super::render::error_message;
use crate::queue::auth::{csrf_ok, WebUser};

/// No inline script or style anywhere: an injected `<script>` or `onerror=` cannot run even
/// if escaping were ever missed. Photos and voice notes come from our own `/media/…` URLs;
/// `media-src` says so explicitly rather than relying on the `default-src` fallback.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' data:; media-src 'self'; connect-src 'self'; frame-ancestors 'none'; \
form-action 'self'; base-uri 'none'";

/// [`CSP`] with `origin` (the map's tile server) allowed as an image source. Only the map
/// page sends it: every other page keeps images to our own origin.
pub fn csp_with_images_from(origin: &str) -> String {
    CSP.replacen(
        "img-src 'self' data:",
        &format!("img-src 'self' data: {origin}"),
        1,
    )
}

/// Adds the security headers to every response of the web router. Pages show reports and
/// phone numbers, so nothing is cached unless a handler said otherwise (the static files).
pub async fn headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    // A handler may have narrowed or extended the policy for its page (the map's tiles).
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// A POST sent by a page of another site is refused before any handler runs, even with a
/// valid cookie: browsers send `Origin` on cross-site POSTs, so a mismatch is an attack or a
/// misconfigured proxy, never an operator.
pub async fn origin_check(req: Request, next: Next) -> Response {
    if req.method() == Method::POST && !same_origin(req.headers()) {
        tracing::warn!(path = %req.uri().path(), "web POST refused: foreign Origin");
        return error_message(
            axum::http::StatusCode::FORBIDDEN,
            "Solicitud rechazada",
            "La solicitud no viene de esta aplicación.",
        );
    }
    next.run(req).await
}

/// True unless the browser says the request comes from another site: `Sec-Fetch-Site`
/// (which pages cannot forge) must be "same-origin" when sent, and an `Origin` must name
/// the request's `Host`. `Origin: null` alone is accepted: under `Referrer-Policy:
/// no-referrer` browsers send exactly that on our own form POSTs (the CSRF token and the
/// SameSite=Strict cookie still apply).
fn same_origin(headers: &HeaderMap) -> bool {
    let text = |name: header::HeaderName| headers.get(name).map(|v| v.to_str().unwrap_or(""));
    if let Some(site) = text(header::HeaderName::from_static("sec-fetch-site")) {
        if site != "same-origin" {
            return false;
        }
    }
    let origin = match text(header::ORIGIN) {
        None | Some("null") => return true,
        Some(o) => o,
    };
    let Some(origin_host) = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
    else {
        return false;
    };
    let host = text(header::HOST).unwrap_or("");
    !host.is_empty() && origin_host.trim_end_matches('/').eq_ignore_ascii_case(host)
}

/// The form's `csrf` field against the session's token.
pub fn csrf_valid(user: &WebUser, submitted: Option<&str>) -> bool {
    csrf_ok(&user.csrf, submitted)
}

/// The page for a form without the session's token.
pub fn csrf_refused() -> Response {
    error_message(
        axum::http::StatusCode::FORBIDDEN,
        "Formulario no válido",
        "El formulario caducó o no es de esta sesión. Recargue la página e intente de nuevo.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(origin: Option<&str>, host: Option<&str>) -> HeaderMap {
        h_site(origin, host, None)
    }

    fn h_site(origin: Option<&str>, host: Option<&str>, site: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(s) = site {
            h.insert("sec-fetch-site", s.parse().unwrap());
        }
        if let Some(o) = origin {
            h.insert(header::ORIGIN, o.parse().unwrap());
        }
        if let Some(x) = host {
            h.insert(header::HOST, x.parse().unwrap());
        }
        h
    }

    #[test]
    fn the_map_policy_adds_only_the_tile_origin_to_images() {
        let csp = csp_with_images_from("https://tile.openstreetmap.org");
        assert!(csp.contains("img-src 'self' data: https://tile.openstreetmap.org;"));
        assert_eq!(csp.matches("tile.openstreetmap.org").count(), 1);
        assert!(csp.contains("script-src 'self';") && csp.contains("connect-src 'self';"));
    }

    #[test]
    fn origin_must_match_host_when_present() {
        assert!(same_origin(&h(None, Some("a.example"))));
        assert!(same_origin(&h(
            Some("https://a.example"),
            Some("a.example")
        )));
        assert!(same_origin(&h(
            Some("http://127.0.0.1:8080"),
            Some("127.0.0.1:8080")
        )));
        assert!(!same_origin(&h(
            Some("http://127.0.0.1:9090"),
            Some("127.0.0.1:8080")
        )));
        assert!(!same_origin(&h(
            Some("https://evil.example"),
            Some("a.example")
        )));
        assert!(same_origin(&h(Some("null"), Some("a.example"))));
        let same = Some("same-origin");
        assert!(same_origin(&h_site(Some("null"), Some("a.example"), same)));
        assert!(!same_origin(&h_site(
            Some("null"),
            Some("a.example"),
            Some("cross-site")
        )));
        assert!(!same_origin(&h_site(
            None,
            Some("a.example"),
            Some("same-site")
        )));
        assert!(!same_origin(&h_site(
            Some("https://evil.example"),
            Some("a.example"),
            same
        )));
        assert!(!same_origin(&h(Some("file://x"), Some("a.example"))));
        assert!(!same_origin(&h(Some("https://a.example"), None)));
        assert!(!same_origin(&h(
            Some("https://a.example.evil.example"),
            Some("a.example")
        )));
    }
}
