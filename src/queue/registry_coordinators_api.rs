//! Coordinators and their rosters over the JSON API (`/api/v1/registry/coordinators…`):
//! listing with who is on duty now, adding, editing (shifts included), deactivating and
//! reactivating. The work is in `registry_coordinators.rs`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::ApiUser;
use super::registry::CoordinatorView;
use super::registry_api::RegistryVersion;
use super::registry_coordinators::{self, CoordinatorInput};
use crate::access::principal::Permission;
use crate::app::state::AppState;
use crate::error::{ApiResult, AppError, ErrorBody};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(edit))
        .routes(routes!(deactivate))
        .routes(routes!(activate))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CoordinatorList {
    pub coordinators: Vec<CoordinatorView>,
}

/// The new coordinator's id and the registry version the write made.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoordinatorAdded {
    pub id: String,
    pub version: i64,
}

#[utoipa::path(
    get,
    path = "/api/v1/registry/coordinators",
    tag = "registro",
    summary = "Coordinadores de las regiones del usuario (activos e inactivos), con sus turnos y si están de turno ahora (hora local de la región)",
    responses(
        (status = 200, description = "Los coordinadores", body = CoordinatorList),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "El rol no permite ver la cola", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn list(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
) -> ApiResult<Json<CoordinatorList>> {
    if !who.may(Permission::View) {
        return Err(AppError::Forbidden);
    }
    let coordinators = registry_coordinators::list(&state, &who, Utc::now()).await?;
    Ok(Json(CoordinatorList { coordinators }))
}

#[utoipa::path(
    post,
    path = "/api/v1/registry/coordinators",
    tag = "registro",
    summary = "Agrega un coordinador con sus roles y turnos (validado como `check-config`; auditado)",
    request_body = CoordinatorInput,
    responses(
        (status = 201, description = "El id del coordinador y la nueva versión del registro", body = CoordinatorAdded),
        (status = 400, description = "Datos inválidos (teléfono, rol, día, hora, turnos encimados), o la clave ya existe", body = ErrorBody),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "El rol no permite editar el registro", body = ErrorBody),
        (status = 404, description = "La región no es de las que el usuario ve", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn create(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Json(input): Json<CoordinatorInput>,
) -> ApiResult<(StatusCode, Json<CoordinatorAdded>)> {
    let (id, w) = registry_coordinators::create(&state, &who, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(CoordinatorAdded {
            id,
            version: w.version,
        }),
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/registry/coordinators/{id}",
    tag = "registro",
    summary = "Cambia los datos, roles, región o turnos de un coordinador (validado como `check-config`; auditado)",
    params(("id" = String, Path, description = "Id del coordinador")),
    request_body = CoordinatorInput,
    responses(
        (status = 200, description = "La nueva versión del registro", body = RegistryVersion),
        (status = 400, description = "Datos inválidos (teléfono, rol, día, hora, turnos encimados), o el registro dejaría de pasar `check-config`", body = ErrorBody),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "El rol no permite editar el registro", body = ErrorBody),
        (status = 404, description = "No existe, o es (o pasaría a ser) de una región que el usuario no ve", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn edit(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<String>,
    Json(input): Json<CoordinatorInput>,
) -> ApiResult<Json<RegistryVersion>> {
    let w = registry_coordinators::edit(&state, &who, &id, &input).await?;
    Ok(Json(RegistryVersion { version: w.version }))
}

#[utoipa::path(
    post,
    path = "/api/v1/registry/coordinators/{id}/deactivate",
    tag = "registro",
    summary = "Desactiva a un coordinador: deja de recibir avisos y escalamientos (auditado)",
    params(("id" = String, Path, description = "Id del coordinador")),
    responses(
        (status = 200, description = "La nueva versión del registro", body = RegistryVersion),
        (status = 400, description = "El registro dejaría de pasar `check-config` (p. ej. una región con grupos sin patrullaje)", body = ErrorBody),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "El rol no permite editar el registro", body = ErrorBody),
        (status = 404, description = "No existe, o es de una región que el usuario no ve", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn deactivate(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<RegistryVersion>> {
    let w = registry_coordinators::set_active(&state, &who, &id, false).await?;
    Ok(Json(RegistryVersion { version: w.version }))
}

#[utoipa::path(
    post,
    path = "/api/v1/registry/coordinators/{id}/activate",
    tag = "registro",
    summary = "Reactiva a un coordinador con el rol y los turnos que tenía (auditado)",
    params(("id" = String, Path, description = "Id del coordinador")),
    responses(
        (status = 200, description = "La nueva versión del registro", body = RegistryVersion),
        (status = 400, description = "El registro dejaría de pasar `check-config`", body = ErrorBody),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "El rol no permite editar el registro", body = ErrorBody),
        (status = 404, description = "No existe, o es de una región que el usuario no ve", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn activate(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<RegistryVersion>> {
    let w = registry_coordinators::set_active(&state, &who, &id, true).await?;
    Ok(Json(RegistryVersion { version: w.version }))
}
