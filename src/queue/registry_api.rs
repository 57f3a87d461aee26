//! The registry's JSON API under `/api/v1/registry/`: groups of the regions one sees with
//! their members (phones masked), adding groups and members, deactivating and reactivating
//! them, and a group's own fields (coordinators: `registry_coordinators_api.rs`). The work is in `registry.rs`; every
//! change is validated like `check-config` and audited. Each handler's `#[utoipa::path]` is
//! its entry in the OpenAPI document (`queue::openapi`), which is how it gets mounted.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::ApiUser;
use super::registry::{self, GroupDetail, GroupInput, GroupSummary, MemberInput};
use crate::access::principal::Principal;
use crate::app::state::AppState;
use crate::error::{ApiResult, AppError, ErrorBody};
use crate::store::RegistryChange;

/// The registry's routes, each documented by its handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(one, edit_group))
        .routes(routes!(add_member))
        .routes(routes!(deactivate_group))
        .routes(routes!(activate_group))
        .routes(routes!(edit_member))
        .routes(routes!(deactivate_member))
        .routes(routes!(activate_member))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct Search {
    /// Text searched in the group's id, name, municipality and colonias.
    q: Option<String>,
}

/// The groups of the caller's regions and the registry version they were read at.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupList {
    pub groups: Vec<GroupSummary>,
    pub version: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupOne {
    pub group: GroupDetail,
}

/// The group as stored, and the registry version the write made.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupCreated {
    pub group: GroupDetail,
    pub version: i64,
}

/// The new member's id, and the registry version the write made.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberAdded {
    pub member_id: Option<i64>,
    pub version: i64,
}

/// The registry version a write made.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistryVersion {
    pub version: i64,
}

/// A member's new data and the group it belongs to (moving it if different).
#[derive(Debug, Deserialize, ToSchema)]
pub struct MemberEdit {
    group: String,
    #[serde(flatten)]
    member: MemberInput,
}

#[utoipa::path(
    get,
    path = "/api/v1/registry/groups",
    tag = "registro",
    summary = "Grupos de las regiones del usuario, activos primero, con cuántos miembros tienen",
    params(Search),
    responses(
        (status = 200, description = "Los grupos y la versión del registro", body = GroupList),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "La cuenta tiene un rol desconocido", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn list(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Query(search): Query<Search>,
) -> ApiResult<Json<GroupList>> {
    let groups = registry::groups(&state, &who, search.q.as_deref()).await?;
    let version = state.registry.version();
    Ok(Json(GroupList { groups, version }))
}

#[utoipa::path(
    get,
    path = "/api/v1/registry/groups/{id}",
    tag = "registro",
    summary = "Un grupo con sus miembros (teléfonos enmascarados)",
    params(("id" = String, Path, description = "Id del grupo")),
    responses(
        (status = 200, description = "El grupo", body = GroupOne),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "La cuenta tiene un rol desconocido", body = ErrorBody),
        (status = 404, description = "No existe, o es de una región que el usuario no ve", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn one(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<GroupOne>> {
    let group = registry::group(&state, &who, &id).await?;
    Ok(Json(GroupOne { group }))
}

#[utoipa::path(
    post,
    path = "/api/v1/registry/groups",
    tag = "registro",
    summary = "Da de alta un grupo con sus miembros (coordinadores en sus regiones, supervisores en todas; validado como `check-config`; auditado)",
    request_body = GroupInput,
    responses(
        (status = 201, description = "El grupo como quedó y la nueva versión del registro", body = GroupCreated),
        (status = 400, description = "Datos inválidos, o el registro dejaría de pasar `check-config` (dice por qué)", body = ErrorBody),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "El rol no permite editar el registro", body = ErrorBody),
        (status = 404, description = "La región no existe o el usuario no la ve", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn create(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Json(input): Json<GroupInput>,
) -> ApiResult<(StatusCode, Json<GroupCreated>)> {
    let group = input.parse().map_err(AppError::BadRequest)?;
    let id = group.id.clone();
    let w = registry::change(&state, &who, RegistryChange::CreateGroup(group)).await?;
    let group = registry::group(&state, &who, &id).await?;
    let version = w.version;
    Ok((StatusCode::CREATED, Json(GroupCreated { group, version })))
}

#[utoipa::path(
    post,
    path = "/api/v1/registry/groups/{id}/members",
    tag = "registro",
    summary = "Agrega un miembro a un grupo (validado; auditado)",
    params(("id" = String, Path, description = "Id del grupo")),
    request_body = MemberInput,
    responses(
        (status = 201, description = "El id del nuevo miembro y la nueva versión del registro", body = MemberAdded),
        (status = 400, description = "Datos inválidos (p. ej. teléfono), o el registro dejaría de pasar `check-config`", body = ErrorBody),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "El rol no permite editar el registro", body = ErrorBody),
        (status = 404, description = "El grupo no existe, o es de una región que el usuario no ve", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn add_member(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(group): Path<String>,
    Json(input): Json<MemberInput>,
) -> ApiResult<(StatusCode, Json<MemberAdded>)> {
    // Scope first: another region's group is missing, whatever the body says.
    registry::group(&state, &who, &group).await?;
    let member = input.parse().map_err(AppError::BadRequest)?;
    let change = RegistryChange::AddMember { group, member };
    let w = registry::change(&state, &who, change).await?;
    let (member_id, version) = (w.member_id, w.version);
    Ok((
        StatusCode::CREATED,
        Json(MemberAdded { member_id, version }),
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/registry/members/{id}",
    tag = "registro",
    summary = "Cambia los datos de un miembro, o lo mueve a otro grupo (validado; auditado)",
    params(("id" = i64, Path, description = "Id del miembro")),
    request_body = MemberEdit,
    responses(
        (status = 200, description = "La nueva versión del registro", body = RegistryVersion),
        (status = 400, description = "Datos inválidos, o el registro dejaría de pasar `check-config`", body = ErrorBody),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "El rol no permite editar el registro", body = ErrorBody),
        (status = 404, description = "El miembro o el grupo no existe, o es de una región que el usuario no ve", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn edit_member(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<i64>,
    Json(input): Json<MemberEdit>,
) -> ApiResult<Json<RegistryVersion>> {
    let member = input.member.parse().map_err(AppError::BadRequest)?;
    let change = RegistryChange::UpdateMember {
        id,
        group: input.group,
        member,
    };
    let w = registry::change(&state, &who, change).await?;
    Ok(Json(RegistryVersion { version: w.version }))
}

#[utoipa::path(
    post,
    path = "/api/v1/registry/groups/{id}",
    tag = "registro",
    summary = "Cambia los datos de un grupo: nombre, tipo, municipio, colonias, región (validado; auditado)",
    params(("id" = String, Path, description = "Id del grupo")),
    request_body = GroupInput,
    responses(
        (status = 200, description = "La nueva versión del registro", body = RegistryVersion),
        (status = 400, description = "Datos inválidos, o el registro dejaría de pasar `check-config`", body = ErrorBody),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "El rol no permite editar el registro", body = ErrorBody),
        (status = 404, description = "No existe, o es de una región que el usuario no ve", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn edit_group(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<String>,
    Json(mut input): Json<GroupInput>,
) -> ApiResult<Json<RegistryVersion>> {
    // Scope first: another region's group is missing, whatever the body says.
    let current = registry::group(&state, &who, &id).await?;
    input.id = id;
    input.members.clear();
    // Left out, the Cloud API group id stays: clearing it would stop attributing the chat.
    if input.group_id.is_none() {
        input.group_id = current.group_id;
    }
    let group = input.parse().map_err(AppError::BadRequest)?;
    let w = registry::change(&state, &who, RegistryChange::UpdateGroup(group)).await?;
    Ok(Json(RegistryVersion { version: w.version }))
}

async fn set_group(
    state: &AppState,
    who: &Principal,
    id: String,
    active: bool,
) -> ApiResult<Json<RegistryVersion>> {
    let w = registry::change(state, who, RegistryChange::SetGroupActive { id, active }).await?;
    Ok(Json(RegistryVersion { version: w.version }))
}

#[utoipa::path(
    post,
    path = "/api/v1/registry/groups/{id}/deactivate",
    tag = "registro",
    summary = "Desactiva un grupo: sus mensajes dejan de crear reportes (auditado)",
    params(("id" = String, Path, description = "Id del grupo")),
    responses(
        (status = 200, description = "La nueva versión del registro", body = RegistryVersion),
        (status = 400, description = "El registro dejaría de pasar `check-config`", body = ErrorBody),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "El rol no permite editar el registro", body = ErrorBody),
        (status = 404, description = "No existe, o es de una región que el usuario no ve", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn deactivate_group(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<RegistryVersion>> {
    set_group(&state, &who, id, false).await
}

#[utoipa::path(
    post,
    path = "/api/v1/registry/groups/{id}/activate",
    tag = "registro",
    summary = "Reactiva un grupo (auditado)",
    params(("id" = String, Path, description = "Id del grupo")),
    responses(
        (status = 200, description = "La nueva versión del registro", body = RegistryVersion),
        (status = 400, description = "El registro dejaría de pasar `check-config`", body = ErrorBody),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "El rol no permite editar el registro", body = ErrorBody),
        (status = 404, description = "No existe, o es de una región que el usuario no ve", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn activate_group(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<RegistryVersion>> {
    set_group(&state, &who, id, true).await
}

async fn set_member(
    state: &AppState,
    who: &Principal,
    id: i64,
    active: bool,
) -> ApiResult<Json<RegistryVersion>> {
    let w = registry::change(state, who, RegistryChange::SetMemberActive { id, active }).await?;
    Ok(Json(RegistryVersion { version: w.version }))
}

#[utoipa::path(
    post,
    path = "/api/v1/registry/members/{id}/deactivate",
    tag = "registro",
    summary = "Desactiva un miembro (auditado)",
    params(("id" = i64, Path, description = "Id del miembro")),
    responses(
        (status = 200, description = "La nueva versión del registro", body = RegistryVersion),
        (status = 400, description = "El registro dejaría de pasar `check-config`", body = ErrorBody),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "El rol no permite editar el registro", body = ErrorBody),
        (status = 404, description = "No existe, o es de una región que el usuario no ve", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn deactivate_member(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<RegistryVersion>> {
    set_member(&state, &who, id, false).await
}

#[utoipa::path(
    post,
    path = "/api/v1/registry/members/{id}/activate",
    tag = "registro",
    summary = "Reactiva un miembro (auditado)",
    params(("id" = i64, Path, description = "Id del miembro")),
    responses(
        (status = 200, description = "La nueva versión del registro", body = RegistryVersion),
        (status = 400, description = "El registro dejaría de pasar `check-config`", body = ErrorBody),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "El rol no permite editar el registro", body = ErrorBody),
        (status = 404, description = "No existe, o es de una región que el usuario no ve", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn activate_member(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<RegistryVersion>> {
    set_member(&state, &who, id, true).await
}
