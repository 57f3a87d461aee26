//! The operators' web app (server-rendered, Spanish): sign-in, the live queue, the report
//! page, the weekly summary and the admins' privacy requests. Handlers only translate between HTTP and the service layer (`service`,
//! `detail`), so the pages and the JSON API cannot disagree on scope, permissions or audit.
//!
//! Security lives in the router's layers (headers, same-origin POSTs) and in every form's
//! CSRF field; templates escape everything (askama) and the CSP forbids inline code.

mod assets;
mod audit_wording;
pub(crate) mod fallback;
mod forms;
mod incident_form;
mod incident_rows;
mod login;
mod map;
pub(crate) mod notice;
mod pages;
mod privacy;
pub mod privacy_form;
mod registry;
mod registry_forms;
mod render;
mod report;
mod report_view;
mod security;
mod summary;
mod users;

use axum::middleware;
use axum::response::Redirect;
use axum::routing::{get, post};
use axum::Router;

use crate::app::state::AppState;

pub use security::CSP;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/cola") }))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/cola", get(pages::queue))
        .route("/cola/filas", get(pages::rows))
        .route("/cola/eventos", get(pages::events))
        .route("/reportes/{folio}", get(report::page))
        .route("/reportes/{folio}/accion", post(report::act))
        .route("/reportes/{folio}/contacto", post(report::contact))
        .route("/reportes/{folio}/incidente", post(incident_form::act))
        .route("/mapa", get(map::page))
        .route("/resumen", get(summary::page))
        .route("/resumen/descargar", get(summary::download))
        .route("/privacidad", get(privacy::page))
        .route("/privacidad/exportar", post(privacy::export))
        .route("/privacidad/suprimir", post(privacy::erase))
        .route("/usuarios", get(users::page).post(users::act))
        .route("/registro", get(registry::page).post(registry::act))
        .route("/static/app.css", get(assets::css))
        .route("/static/app.js", get(assets::js))
        .route("/static/map.js", get(assets::map_js))
        .route("/static/leaflet/leaflet.js", get(assets::leaflet_js))
        .route("/static/leaflet/leaflet.css", get(assets::leaflet_css))
        .route("/static/leaflet/LICENSE", get(assets::leaflet_license))
        .route("/static/leaflet/images/{name}", get(assets::leaflet_image))
        .fallback(fallback::not_found)
        .method_not_allowed_fallback(fallback::method_not_allowed)
        // Outermost last: the headers also cover the origin check's refusals.
        .layer(middleware::from_fn(security::origin_check))
        .layer(middleware::from_fn(security::headers))
}
