//! The JSON API's OpenAPI document, generated from the handlers' `#[utoipa::path]` and the
//! types' `ToSchema`, and served at `/api/v1/openapi.json`. `docs/openapi.json` is a copy a
//! test keeps byte-equal (`UPDATE_OPENAPI=1 cargo test --test api openapi` rewrites it).
//!
//! **Adding an `/api/v1` route:** write the handler with `#[utoipa::path(…)]` (path, params,
//! request body, every response status with its body; errors are `ErrorBody`), derive
//! `ToSchema` on what it reads and answers, and add `.routes(routes!(handler))` to its
//! module's `routes()`, merged in [`api`] below. That call both mounts the route and
//! documents it. A route mounted any other way (a plain `Router::route`) is refused with 404
//! by [`only_documented`], which the app puts in front of every route.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use axum::extract::{MatchedPath, Request};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::state::AppState;
use crate::error::AppError;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "alerta — API de la cola de reportes",
        version = "1",
        description = "Misma lógica que la aplicación web. Autenticación: `Authorization: Bearer <token>` (el esquema no distingue mayúsculas; el token lo imprime `alerta users add` o `alerta users rotate-token`). Un token caduca a los `[web] token_days` días (90 por omisión) de emitido y deja de funcionar si la cuenta se deshabilita; entonces se responde 401 con el motivo. Cada usuario ve solo sus regiones: un folio de otra región responde 404. Los errores son siempre `ErrorBody` (`{\"error\": {\"code\", \"message\"}}`), salvo los cuerpos o parámetros mal formados, que axum rechaza en texto plano."
    ),
    servers((url = "/")),
    security(("bearer" = [])),
    modifiers(&BearerToken),
    components(schemas(crate::notify::changes::ReportEvent)),
    tags(
        (name = "cola", description = "La cola de reportes, su detalle, el mapa, los adjuntos y el flujo de cambios"),
        (name = "usuarios", description = "Cuentas (solo supervisores)"),
        (name = "privacidad", description = "Solicitudes ARCO (solo supervisores)"),
        (name = "exportaciones", description = "Descargas semanales"),
        (name = "clasificador", description = "Correcciones humanas del clasificador"),
        (name = "registro", description = "Grupos, miembros y coordinadores del registro"),
        (name = "incidentes", description = "Reportes agrupados en incidentes y las correcciones de los operadores"),
        (name = "documento", description = "Este documento"),
    )
)]
struct ApiDoc;

/// The API authenticates with bearer tokens only: the web app's session cookie (and its
/// CSRF token) opens no `/api/v1` route.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "Token de `alerta users add` / `alerta users rotate-token` o de \
                         `POST /api/v1/users/{name}/token`",
                    ))
                    .build(),
            ),
        );
    }
}

/// The bytes of a file (media, spreadsheets).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // A schema only: handlers answer with a body stream.
pub struct Binary(Vec<u8>);

/// An OpenAPI 3.1 document.
#[derive(ToSchema)]
#[allow(dead_code)] // A schema only: the handler answers with the serialised document.
struct OpenApiDocument {
    /// `3.1.0`.
    openapi: String,
    info: Map<String, Value>,
    paths: Map<String, Value>,
    components: Map<String, Value>,
}

/// Every `/api/v1` route with its documentation: the only place they are mounted.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(openapi))
        .merge(super::api::routes())
        .merge(super::users_api::routes())
        .merge(super::media::routes())
        .merge(super::privacy_api::routes())
        .merge(super::reports_api::routes())
        .merge(super::registry_api::routes())
        .merge(super::registry_requests_api::routes())
        .merge(super::registry_coordinators_api::routes())
        .merge(super::incidents_api::routes())
}

static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    let doc = api().into_openapi();
    let mut json = doc
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    json.push('\n');
    json
});

/// The document as served and committed (pretty JSON, one trailing newline).
pub fn document() -> &'static str {
    &DOCUMENT
}

/// Every documented operation as (method, path), methods in upper case.
static OPERATIONS: LazyLock<BTreeSet<(String, String)>> = LazyLock::new(|| {
    let doc: Value = serde_json::from_str(document()).expect("the document is JSON");
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in item.as_object().into_iter().flatten().map(|(m, _)| m) {
            ops.insert((method.to_ascii_uppercase(), path.clone()));
        }
    }
    ops
});

/// Keeps what the router serves under `/api/` to what the document lists: a request that
/// reached a route mounted around [`api`] is refused before its handler runs, with 404 for
/// an undocumented path and the API's 405 for a method the document does not list there
/// (what the router answers for a wrong method anyway). Axum answers `HEAD` with a `GET`
/// route, so `HEAD` counts as `GET`.
pub async fn only_documented(req: Request, next: Next) -> Response {
    if let Some(matched) = req.extensions().get::<MatchedPath>() {
        let path = matched.as_str();
        if path.starts_with("/api/") {
            let method = match req.method().as_str() {
                "HEAD" => "GET",
                m => m,
            };
            let documented = |m: &str| OPERATIONS.contains(&(m.to_owned(), path.to_owned()));
            if !documented(method) {
                if OPERATIONS.iter().any(|(_, p)| p == path) {
                    return super::web::fallback::api_method_not_allowed();
                }
                tracing::error!(
                    route = path,
                    "undocumented API route refused: mount it with routes!() in queue::openapi::api"
                );
                return AppError::NotFound.into_response();
            }
        }
    }
    next.run(req).await
}

#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "documento",
    summary = "Este documento (OpenAPI 3.1); no requiere token",
    security(()),
    responses(
        (status = 200, description = "El documento", body = OpenApiDocument),
    )
)]
async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], document())
}
