//! Unknown URLs and wrong methods: a Spanish page in the site's layout (with the signed-in
//! header when there is a session) instead of the browser's bare English 404. Paths of the
//! JSON API keep answering JSON, like every other API error.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::render::error_page_for;
use crate::app::state::AppState;
use crate::queue::auth::WebUser;

pub async fn not_found(State(state): State<AppState>, req: Request) -> Response {
    if is_api(&req) {
        return api_error(StatusCode::NOT_FOUND, "not_found", "no existe esa ruta");
    }
    let user = signed_in(&state, req).await;
    error_page_for(
        StatusCode::NOT_FOUND,
        "Página no encontrada",
        "La dirección no existe. Revise el enlace o vuelva a la cola de reportes.",
        user.as_ref(),
    )
}

pub async fn method_not_allowed(State(state): State<AppState>, req: Request) -> Response {
    if is_api(&req) {
        return api_method_not_allowed();
    }
    let user = signed_in(&state, req).await;
    let mut res = error_page_for(
        StatusCode::METHOD_NOT_ALLOWED,
        "Operación no permitida",
        "Esta dirección no acepta esa operación. Vuelva a la página anterior y use sus botones.",
        user.as_ref(),
    );
    // The original route's Allow header is gone once a fallback answers; GET is what a
    // person can always do with a page.
    res.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET"));
    res
}

/// The API's 405, also given by `queue::openapi::only_documented` to a method the document
/// does not list for a path.
pub(crate) fn api_method_not_allowed() -> Response {
    api_error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "esa ruta no acepta este método",
    )
}

fn is_api(req: &Request) -> bool {
    let path = req.uri().path();
    path == "/api" || path.starts_with("/api/")
}

/// The session's user, if any: the page keeps its header. Anything wrong with the session
/// just shows the page signed out.
async fn signed_in(state: &AppState, req: Request) -> Option<WebUser> {
    use axum::extract::FromRequestParts;
    let (mut parts, _) = req.into_parts();
    WebUser::from_request_parts(&mut parts, state).await.ok()
}

fn api_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({ "error": { "code": code, "message": message } })),
    )
        .into_response()
}
