//! Altas over the JSON API (`/api/v1/registry/requests…`): the pending ones of the caller's
//! regions, and approving or declining one. The work is in `registry_requests.rs`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::ApiUser;
use super::registry_requests::{self, Approval, Approved, Decline, JoinRequestView};
use crate::app::state::AppState;
use crate::error::{ApiResult, ErrorBody};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(approve))
        .routes(routes!(decline))
}

/// The request and the status it now has.
#[derive(Debug, Serialize, ToSchema)]
pub struct Declined {
    pub id: i64,
    pub status: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JoinRequestList {
    pub requests: Vec<JoinRequestView>,
}

#[utoipa::path(
    get,
    path = "/api/v1/registry/requests",
    tag = "registro",
    summary = "Solicitudes de alta por WhatsApp pendientes en las regiones del usuario",
    responses(
        (status = 200, description = "Las solicitudes pendientes, la más antigua primero", body = JoinRequestList),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "La cuenta tiene un rol desconocido", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn list(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
) -> ApiResult<Json<JoinRequestList>> {
    let requests = registry_requests::pending(&state, &who).await?;
    Ok(Json(JoinRequestList { requests }))
}

#[utoipa::path(
    post,
    path = "/api/v1/registry/requests/{id}/approve",
    tag = "registro",
    summary = "Aprueba una solicitud de alta: agrega a la persona a un grupo existente o nuevo y le da la bienvenida (auditado)",
    params(("id" = i64, Path, description = "Id de la solicitud")),
    request_body = Approval,
    responses(
        (status = 201, description = "El grupo, el id del nuevo miembro y la nueva versión del registro", body = Approved),
        (status = 400, description = "Datos inválidos, o el registro dejaría de pasar `check-config`", body = ErrorBody),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "El rol no permite editar el registro", body = ErrorBody),
        (status = 404, description = "La solicitud o el grupo no existe, o es de una región que el usuario no ve", body = ErrorBody),
        (status = 409, description = "La solicitud ya fue atendida", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn approve(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<i64>,
    Json(input): Json<Approval>,
) -> ApiResult<(StatusCode, Json<Approved>)> {
    let done = registry_requests::approve(&state, &who, id, &input).await?;
    Ok((StatusCode::CREATED, Json(done)))
}

#[utoipa::path(
    post,
    path = "/api/v1/registry/requests/{id}/decline",
    tag = "registro",
    summary = "Rechaza una solicitud de alta con un motivo que se le comunica a la persona (auditado)",
    params(("id" = i64, Path, description = "Id de la solicitud")),
    request_body = Decline,
    responses(
        (status = 200, description = "Rechazada; la persona recibe el motivo", body = Declined),
        (status = 400, description = "Falta el motivo", body = ErrorBody),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "El rol no permite editar el registro", body = ErrorBody),
        (status = 404, description = "La solicitud no existe, o es de una región que el usuario no ve", body = ErrorBody),
        (status = 409, description = "La solicitud ya fue atendida", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn decline(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<i64>,
    Json(input): Json<Decline>,
) -> ApiResult<Json<Declined>> {
    registry_requests::decline(&state, &who, id, &input).await?;
    Ok(Json(Declined {
        id,
        status: "declined",
    }))
}
