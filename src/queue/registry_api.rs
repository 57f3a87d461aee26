//! The registry's JSON API under `/api/v1/registry/`: groups of the regions one sees with
//! their members (phones masked), adding groups and members, deactivating and reactivating
//! them, and the coordinators with who is on duty now. The work is in `registry.rs`; every
//! change is validated like `check-config` and audited.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::ApiUser;
use super::registry::{self, GroupInput, MemberInput};
use crate::access::principal::Permission;
use crate::app::state::AppState;
use crate::error::{ApiResult, AppError};
use crate::store::RegistryChange;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/registry/groups", get(list).post(create))
        .route("/api/v1/registry/groups/{id}", get(one))
        .route("/api/v1/registry/groups/{id}/members", post(add_member))
        .route(
            "/api/v1/registry/groups/{id}/deactivate",
            post(deactivate_group),
        )
        .route(
            "/api/v1/registry/groups/{id}/activate",
            post(activate_group),
        )
        .route("/api/v1/registry/members/{id}", post(edit_member))
        .route(
            "/api/v1/registry/members/{id}/deactivate",
            post(deactivate_member),
        )
        .route(
            "/api/v1/registry/members/{id}/activate",
            post(activate_member),
        )
        .route("/api/v1/registry/coordinators", get(coordinators))
}

#[derive(Debug, Deserialize)]
struct Search {
    q: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Query(search): Query<Search>,
) -> ApiResult<Json<Value>> {
    let groups = registry::groups(&state, &who, search.q.as_deref()).await?;
    Ok(Json(
        json!({ "groups": groups, "version": state.registry.version() }),
    ))
}

async fn one(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let group = registry::group(&state, &who, &id).await?;
    Ok(Json(json!({ "group": group })))
}

async fn create(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Json(input): Json<GroupInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let group = input.parse().map_err(AppError::BadRequest)?;
    let id = group.id.clone();
    let w = registry::change(&state, &who, RegistryChange::CreateGroup(group)).await?;
    let group = registry::group(&state, &who, &id).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "group": group, "version": w.version })),
    ))
}

async fn add_member(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(group): Path<String>,
    Json(input): Json<MemberInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    // Scope first: another region's group is missing, whatever the body says.
    registry::group(&state, &who, &group).await?;
    let member = input.parse().map_err(AppError::BadRequest)?;
    let change = RegistryChange::AddMember { group, member };
    let w = registry::change(&state, &who, change).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "member_id": w.member_id, "version": w.version })),
    ))
}

#[derive(Debug, Deserialize)]
struct MemberEdit {
    group: String,
    #[serde(flatten)]
    member: MemberInput,
}

async fn edit_member(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<i64>,
    Json(input): Json<MemberEdit>,
) -> ApiResult<Json<Value>> {
    let member = input.member.parse().map_err(AppError::BadRequest)?;
    let change = RegistryChange::UpdateMember {
        id,
        group: input.group,
        member,
    };
    let w = registry::change(&state, &who, change).await?;
    Ok(Json(json!({ "version": w.version })))
}

async fn set_group(
    state: &AppState,
    who: &crate::access::principal::Principal,
    id: String,
    active: bool,
) -> ApiResult<Json<Value>> {
    let w = registry::change(state, who, RegistryChange::SetGroupActive { id, active }).await?;
    Ok(Json(json!({ "version": w.version })))
}

async fn deactivate_group(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    set_group(&state, &who, id, false).await
}

async fn activate_group(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    set_group(&state, &who, id, true).await
}

async fn set_member(
    state: &AppState,
    who: &crate::access::principal::Principal,
    id: i64,
    active: bool,
) -> ApiResult<Json<Value>> {
    let w = registry::change(state, who, RegistryChange::SetMemberActive { id, active }).await?;
    Ok(Json(json!({ "version": w.version })))
}

async fn deactivate_member(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    set_member(&state, &who, id, false).await
}

async fn activate_member(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    set_member(&state, &who, id, true).await
}

async fn coordinators(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
) -> ApiResult<Json<Value>> {
    if !who.may(Permission::View) {
        return Err(AppError::Forbidden);
    }
    let list = registry::coordinators(&state, &who, Utc::now());
    Ok(Json(json!({ "coordinators": list })))
}
