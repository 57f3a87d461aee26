//! The JSON API under `/api/v1/`: the same service calls as the web pages, bearer tokens,
//! and the error shape of `interfaces.md`. Each handler's `#[utoipa::path]` is its entry in
//! the OpenAPI document (`queue::openapi`), which is how it gets mounted at all.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use axum::Json;
use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::actions::Action;
use super::auth::{digest, ApiUser};
use super::credentials::{bearer_token, Credential};
use super::views::QueueEntry;
use super::{detail, service, stream};
use crate::access::filter::ReportFilter;
use crate::access::principal::{Permission, Principal};
use crate::app::state::AppState;
use crate::error::{ApiResult, AppError, ErrorBody};

/// The queue's routes, each documented by its handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(list))
        .routes(routes!(map_pins))
        .routes(routes!(one))
        .routes(routes!(act))
        .routes(routes!(reveal))
        .routes(routes!(events))
        .routes(routes!(corrections))
}

/// A page of the queue, and whether a next page exists.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueueList {
    #[serde(flatten)]
    pub page: service::QueuePage,
    /// `page * per_page < total`.
    pub has_more: bool,
}

/// The report as it is after the action.
#[derive(Debug, Serialize, ToSchema)]
pub struct Acted {
    pub report: QueueEntry,
}

/// The caller: account, role and the regions they see.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "cola",
    summary = "Usuario autenticado, rol y regiones",
    responses(
        (status = 200, description = "El usuario del token", body = Principal),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "La cuenta tiene un rol desconocido", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn me(ApiUser(who): ApiUser) -> Json<Principal> {
    Json(who)
}

/// The queue: most urgent first, then oldest, with the filter bar's counts.
#[utoipa::path(
    get,
    path = "/api/v1/reports",
    tag = "cola",
    summary = "Cola de reportes: prioridad y luego antigüedad, con conteos por categoría y estado",
    params(ReportFilter),
    responses(
        (status = 200, description = "Una página de la cola", body = QueueList),
        (status = 400, description = "Filtro inválido", content(
            (ErrorBody = "application/json"),
            (String = "text/plain"),
        )),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "La cuenta tiene un rol desconocido", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn list(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Query(filter): Query<ReportFilter>,
) -> ApiResult<Json<QueueList>> {
    let page = service::list(&state, &who, &filter, Utc::now()).await?;
    let has_more = page.has_more();
    Ok(Json(QueueList { page, has_more }))
}

/// The queue's filters, as pins (reports with a location) and a count of the rest.
#[utoipa::path(
    get,
    path = "/api/v1/map",
    tag = "cola",
    summary = "Mapa: los reportes con ubicación como puntos, con los mismos filtros que la cola (sin paginar; hasta 500 reportes)",
    params(ReportFilter),
    responses(
        (status = 200, description = "Los puntos del mapa", body = super::map::MapPins),
        (status = 400, description = "Filtro inválido", content(
            (ErrorBody = "application/json"),
            (String = "text/plain"),
        )),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "La cuenta tiene un rol desconocido", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn map_pins(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Query(filter): Query<ReportFilter>,
) -> ApiResult<Json<super::map::MapPins>> {
    Ok(Json(
        super::map::pins(&state, &who, &filter, Utc::now()).await?,
    ))
}

/// One report: thread, classifier, reporter (masked) and timeline.
#[utoipa::path(
    get,
    path = "/api/v1/reports/{folio}",
    tag = "cola",
    summary = "Detalle: hilo de mensajes, clasificador, reportante (enmascarado) y línea de tiempo",
    params(("folio" = String, Path, description = "Folio del reporte")),
    responses(
        (status = 200, description = "El reporte", body = detail::ReportView),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "La cuenta tiene un rol desconocido", body = ErrorBody),
        (status = 404, description = "No existe, o es de una región que el usuario no ve", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn one(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(folio): Path<String>,
) -> ApiResult<Json<detail::ReportView>> {
    Ok(Json(
        detail::detail(&state, &who, &folio, Utc::now()).await?,
    ))
}

/// An operator's action on a report; audited.
#[utoipa::path(
    post,
    path = "/api/v1/reports/{folio}/actions",
    tag = "cola",
    summary = "Aplica una acción; queda en la bitácora de auditoría",
    params(("folio" = String, Path, description = "Folio del reporte")),
    request_body = Action,
    responses(
        (status = 200, description = "El reporte después de la acción", body = Acted),
        (status = 400, description = "Acción inválida o no permitida en el estado del reporte", body = ErrorBody),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "El rol no permite esta acción", body = ErrorBody),
        (status = 404, description = "No existe, o es de una región que el usuario no ve", body = ErrorBody),
        (status = 409, description = "Lo tiene otra persona, o cambió mientras tanto", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn act(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(folio): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<Acted>> {
    let action: Action = serde_json::from_slice(&body)
        .map_err(|e| AppError::BadRequest(format!("acción inválida: {e}")))?;
    let now = Utc::now();
    let r = service::act(&state, &who, &folio, &action, now).await?;
    let view = detail::detail(&state, &who, &r.folio, now).await?;
    Ok(Json(Acted {
        report: view.report,
    }))
}

/// The reporter's identity in clear, for the roles allowed to see it; audited.
#[utoipa::path(
    post,
    path = "/api/v1/reports/{folio}/contact",
    tag = "cola",
    summary = "Muestra el número del reportante (acción auditada; solo roles autorizados)",
    params(("folio" = String, Path, description = "Folio del reporte")),
    responses(
        (status = 200, description = "Nombre, teléfono y BSUID del reportante", body = service::Contact),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "El rol no puede ver el número (`[web] reveal_roles`)", body = ErrorBody),
        (status = 404, description = "No existe, o es de una región que el usuario no ve", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn reveal(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(folio): Path<String>,
) -> ApiResult<Json<service::Contact>> {
    Ok(Json(
        service::reveal(&state, &who, &folio, Utc::now()).await?,
    ))
}

/// Server-sent events of report changes in the caller's regions.
#[utoipa::path(
    get,
    path = "/api/v1/events",
    tag = "cola",
    summary = "Flujo SSE de cambios (evento `report`, y `resync` si el cliente se atrasó); se cierra cuando el token deja de valer (caducado, reemplazado o cuenta deshabilitada)",
    responses(
        (status = 200, description = "`text/event-stream`: eventos `report` cuyo `data` es un `ReportEvent` (JSON), y `resync` (`data: {}`) cuando el cliente perdió eventos y debe recargar la cola", body = String, content_type = "text/event-stream"),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "La cuenta tiene un rol desconocido", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn events(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    headers: HeaderMap,
) -> impl IntoResponse {
    // The extractor accepted this token, so it is there; the stream ends when it stops
    // being valid.
    let token = bearer_token(&headers).unwrap_or_default();
    stream::sse(&state, who, Credential::Token(digest(token)))
}

/// Human corrections as labelled JSONL, the corpus format (`alerta triage corrections`).
#[utoipa::path(
    get,
    path = "/api/v1/triage/corrections",
    tag = "clasificador",
    summary = "Correcciones humanas del clasificador como JSONL etiquetado",
    responses(
        (status = 200, description = "Una corrección por línea (JSON Lines)", body = super::Correction, content_type = "application/x-ndjson"),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "El rol no puede exportar correcciones", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn corrections(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
) -> ApiResult<impl IntoResponse> {
    if !who.may(Permission::ExportCorrections) {
        return Err(AppError::Forbidden);
    }
    let body = super::corrections_jsonl(&state, &who).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/x-ndjson; charset=utf-8")],
        body,
    ))
}
