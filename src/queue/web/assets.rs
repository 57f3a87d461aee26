//! The stylesheet and the script, compiled into the binary: no CDN, no files to deploy next
//! to it, and the CSP's `'self'` covers them.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

const APP_CSS: &str = include_str!("static/app.css");
const APP_JS: &str = include_str!("static/app.js");
const MAP_JS: &str = include_str!("static/map.js");
/// Leaflet as published on npm (BSD-2-Clause, LICENSE beside it), vendored by
/// `scripts/vendor-leaflet.sh` so the build needs no network and the page no CDN.
const LEAFLET_JS: &str = include_str!("static/leaflet/leaflet.js");
const LEAFLET_CSS: &str = include_str!("static/leaflet/leaflet.css");
const LEAFLET_LICENSE: &str = include_str!("static/leaflet/LICENSE");
/// The images leaflet.css refers to (layer control, default marker).
const LEAFLET_IMAGES: [(&str, &[u8]); 5] = [
    (
        "layers.png",
        include_bytes!("static/leaflet/images/layers.png"),
    ),
    (
        "layers-2x.png",
        include_bytes!("static/leaflet/images/layers-2x.png"),
    ),
    (
        "marker-icon.png",
        include_bytes!("static/leaflet/images/marker-icon.png"),
    ),
    (
        "marker-icon-2x.png",
        include_bytes!("static/leaflet/images/marker-icon-2x.png"),
    ),
    (
        "marker-shadow.png",
        include_bytes!("static/leaflet/images/marker-shadow.png"),
    ),
];

/// An hour is short enough that a deploy reaches every browser within a shift.
const CACHE: &str = "public, max-age=3600";

pub async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE),
        ],
        APP_CSS,
    )
}

pub async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE),
        ],
        APP_JS,
    )
}

pub async fn map_js() -> impl IntoResponse {
    script(MAP_JS)
}

pub async fn leaflet_js() -> impl IntoResponse {
    script(LEAFLET_JS)
}

pub async fn leaflet_css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE),
        ],
        LEAFLET_CSS,
    )
}

pub async fn leaflet_license() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE),
        ],
        LEAFLET_LICENSE,
    )
}

pub async fn leaflet_image(Path(name): Path<String>) -> Response {
    match LEAFLET_IMAGES.iter().find(|(n, _)| *n == name) {
        Some((_, bytes)) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, CACHE),
            ],
            *bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

fn script(body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE),
        ],
        body,
    )
}
