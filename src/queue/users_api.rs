//! The admins' account API under `/api/v1/users`: list, disable, enable and a new token.
//! Admins only (`Permission::ManageUsers`); the work and its audit entry are in `users`,
//! shared with `alerta users …` and the Usuarios page.

use axum::extract::{Path, State};
use axum::Json;
use chrono::Utc;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::ApiUser;
use super::users::{self, AccountView, By};
use crate::access::principal::{Permission, Principal};
use crate::app::state::AppState;
use crate::error::{ApiResult, AppError, ErrorBody};

/// The account routes, each documented by its handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(disable))
        .routes(routes!(enable))
        .routes(routes!(rotate_token))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub users: Vec<AccountView>,
}

/// What disabling or enabling did, and the account as it is now.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserSwitched {
    /// False when the account already was in that state (nothing written).
    pub changed: bool,
    /// Web sessions closed by disabling.
    pub sessions_ended: u64,
    pub user: AccountView,
}

/// A new API token; shown only in this answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewToken {
    pub token: String,
    pub user: AccountView,
}

fn admin(who: &Principal) -> ApiResult<()> {
    if who.may(Permission::ManageUsers) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[utoipa::path(
    get,
    path = "/api/v1/users",
    tag = "usuarios",
    summary = "Usuarios con su estado y la caducidad de su token (solo supervisores)",
    responses(
        (status = 200, description = "Todas las cuentas", body = UserList),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "Solo supervisores (rol `admin`)", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn list(State(state): State<AppState>, ApiUser(who): ApiUser) -> ApiResult<Json<UserList>> {
    admin(&who)?;
    let list = users::list(
        state.store.as_ref(),
        state.config.web.token_days,
        Utc::now(),
    )
    .await?;
    Ok(Json(UserList { users: list }))
}

#[utoipa::path(
    post,
    path = "/api/v1/users/{name}/disable",
    tag = "usuarios",
    summary = "Deshabilita una cuenta: cierra todas sus sesiones y su token deja de funcionar de inmediato (solo supervisores; auditado; no la propia)",
    params(("name" = String, Path, description = "Nombre de la cuenta")),
    responses(
        (status = 200, description = "La cuenta después del cambio", body = UserSwitched),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "Solo supervisores (rol `admin`)", body = ErrorBody),
        (status = 404, description = "No existe esa cuenta", body = ErrorBody),
        (status = 409, description = "Cambio rechazado (p. ej. deshabilitar la propia cuenta)", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn disable(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(name): Path<String>,
) -> ApiResult<Json<UserSwitched>> {
    switch(&state, &who, &name, true).await
}

#[utoipa::path(
    post,
    path = "/api/v1/users/{name}/enable",
    tag = "usuarios",
    summary = "Habilita de nuevo una cuenta; su token vuelve a funcionar si no ha caducado (solo supervisores; auditado)",
    params(("name" = String, Path, description = "Nombre de la cuenta")),
    responses(
        (status = 200, description = "La cuenta después del cambio", body = UserSwitched),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "Solo supervisores (rol `admin`)", body = ErrorBody),
        (status = 404, description = "No existe esa cuenta", body = ErrorBody),
        (status = 409, description = "Cambio rechazado (p. ej. deshabilitar la propia cuenta)", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn enable(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(name): Path<String>,
) -> ApiResult<Json<UserSwitched>> {
    switch(&state, &who, &name, false).await
}

async fn switch(
    state: &AppState,
    who: &Principal,
    name: &str,
    disable: bool,
) -> ApiResult<Json<UserSwitched>> {
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
    Ok(Json(UserSwitched {
        changed: done.changed,
        sessions_ended: done.sessions_ended,
        user: account,
    }))
}

#[utoipa::path(
    post,
    path = "/api/v1/users/{name}/token",
    tag = "usuarios",
    summary = "Emite un token nuevo para la cuenta; el anterior deja de funcionar de inmediato. El token se muestra solo en esta respuesta (solo supervisores; auditado)",
    params(("name" = String, Path, description = "Nombre de la cuenta")),
    responses(
        (status = 200, description = "El token nuevo y la cuenta", body = NewToken),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "Solo supervisores (rol `admin`)", body = ErrorBody),
        (status = 404, description = "No existe esa cuenta", body = ErrorBody),
        (status = 409, description = "Cambio rechazado", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn rotate_token(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(name): Path<String>,
) -> ApiResult<Json<NewToken>> {
    admin(&who)?;
    let now = Utc::now();
    let store = state.store.as_ref();
    let token = users::rotate_token(store, &name, By::User(&who), now).await?;
    state.changes.revoked();
    let account = users::account(store, &name, state.config.web.token_days, now).await?;
    Ok(Json(NewToken {
        token,
        user: account,
    }))
}
