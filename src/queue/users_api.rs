//! The admins' account API under `/api/v1/users`: list, disable, enable and a new token.
//! Admins only (`Permission::ManageUsers`); the work and its audit entry are in `users`,
//! shared with `alerta users …` and the Usuarios page.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde_json::{json, Value};

use super::auth::ApiUser;
use super::users::{self, By};
use crate::access::principal::{Permission, Principal};
use crate::app::state::AppState;
use crate::error::{ApiResult, AppError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users", get(list))
        .route("/api/v1/users/{name}/disable", post(disable))
        .route("/api/v1/users/{name}/enable", post(enable))
        .route("/api/v1/users/{name}/token", post(rotate_token))
}

fn admin(who: &Principal) -> ApiResult<()> {
    if who.may(Permission::ManageUsers) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

async fn list(State(state): State<AppState>, ApiUser(who): ApiUser) -> ApiResult<Json<Value>> {
    admin(&who)?;
    let list = users::list(
        state.store.as_ref(),
        state.config.web.token_days,
        Utc::now(),
    )
    .await?;
    Ok(Json(json!({ "users": list })))
}

async fn disable(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    switch(&state, &who, &name, true).await
}

async fn enable(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    switch(&state, &who, &name, false).await
}

async fn switch(
    state: &AppState,
    who: &Principal,
    name: &str,
    disable: bool,
) -> ApiResult<Json<Value>> {
    admin(who)?;
    let now = Utc::now();
    let store = state.store.as_ref();
    let done = if disable {
        users::disable(store, name, By::User(who), now).await?
    } else {
        users::enable(store, name, By::User(who), now).await?
    };
    if done.changed && disable {
        state.changes.revoked();
    }
    let account = users::account(store, name, state.config.web.token_days, now).await?;
    Ok(Json(json!({
        "user": account,
        "changed": done.changed,
        "sessions_ended": done.sessions_ended,
    })))
}

async fn rotate_token(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    admin(&who)?;
    let now = Utc::now();
    let store = state.store.as_ref();
    let token = users::rotate_token(store, &name, By::User(&who), now).await?;
    state.changes.revoked();
    let account = users::account(store, &name, state.config.web.token_days, now).await?;
    Ok(Json(json!({ "token": token, "user": account })))
}
