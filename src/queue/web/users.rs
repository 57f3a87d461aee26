//! The admins' Usuarios page (`/usuarios`): every account with its state and token expiry,
//! and buttons to disable, enable or issue a new API token. Admins only, as in the API;
//! `queue::users` does the work and writes the audit trail.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::render::{error_message, error_page, render, Layout};
use super::security::{csrf_refused, csrf_valid};
use crate::access::principal::{Permission, Role};
use crate::app::state::AppState;
use crate::error::AppError;
use crate::queue::auth::WebUser;
use crate::queue::credentials::token_expiry;
use crate::queue::users::{self, AccountError, AccountView, By};

#[derive(Template)]
#[template(path = "users.html")]
pub struct UsersTemplate {
    pub layout: Layout,
    pub csrf: String,
    pub token_days: i64,
    pub users: Vec<UserLine>,
    pub done: Option<String>,
    pub error: Option<String>,
    pub new_token: Option<NewToken>,
}

/// One row of the table, in Spanish.
pub struct UserLine {
    pub name: String,
    pub role: &'static str,
    pub regions: String,
    pub disabled: bool,
    pub disabled_since: Option<String>,
    pub token: String,
    /// The signed-in admin's own row: no buttons that would lock them out.
    pub is_self: bool,
}

/// A token just issued, shown once.
pub struct NewToken {
    pub name: String,
    pub token: String,
    pub expires: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UserForm {
    pub csrf: Option<String>,
    pub name: Option<String>,
    /// "deshabilitar", "habilitar" or "token".
    pub action: Option<String>,
}

pub async fn page(State(state): State<AppState>, user: WebUser) -> Response {
    if !user.who.may(Permission::ManageUsers) {
        return error_page(AppError::Forbidden, Some(&user));
    }
    show(&state, &user, StatusCode::OK, None, None, None).await
}

pub async fn act(State(state): State<AppState>, user: WebUser, body: Bytes) -> Response {
    // The role first: whoever may not use the page learns nothing else about it.
    if !user.who.may(Permission::ManageUsers) {
        return error_page(AppError::Forbidden, Some(&user));
    }
    let Ok(form) = serde_urlencoded::from_bytes::<UserForm>(&body) else {
        return error_message(
            StatusCode::BAD_REQUEST,
            "Formulario no válido",
            "No se pudo leer el formulario. Recargue la página e intente de nuevo.",
        );
    };
    if !csrf_valid(&user, form.csrf.as_deref()) {
        return csrf_refused();
    }
    let name = form.name.unwrap_or_default();
    let now = Utc::now();
    let store = state.store.as_ref();
    let by = By::User(&user.who);
    let outcome = match form.action.as_deref() {
        Some("deshabilitar") => users::disable(store, &name, by, now).await.map(|s| {
            if s.changed {
                state.changes.revoked();
                let n = s.sessions_ended;
                (
                    format!("Cuenta de {name} deshabilitada; sesiones cerradas: {n}."),
                    None,
                )
            } else {
                (
                    format!("La cuenta de {name} ya estaba deshabilitada."),
                    None,
                )
            }
        }),
        Some("habilitar") => users::enable(store, &name, by, now).await.map(|s| {
            let done = if s.changed {
                format!("Cuenta de {name} habilitada.")
            } else {
                format!("La cuenta de {name} ya estaba habilitada.")
            };
            (done, None)
        }),
        Some("token") => users::rotate_token(store, &name, by, now)
            .await
            .map(|token| {
                state.changes.revoked();
                let expires = token_expiry(now, state.config.web.token_days);
                let shown = NewToken {
                    name: name.clone(),
                    token,
                    expires: when(expires),
                };
                (format!("Token nuevo para {name}."), Some(shown))
            }),
        _ => Err(AccountError::Refused("Acción desconocida.".into())),
    };
    // Shown, not redirected: the new token must appear once, and nothing here is undone by
    // sending the form again.
    match outcome {
        Ok((done, token)) => show(&state, &user, StatusCode::OK, Some(done), None, token).await,
        Err(AccountError::Store(e)) => error_page(e.into(), Some(&user)),
        Err(e) => {
            let status = match e {
                AccountError::UnknownUser(_) => StatusCode::NOT_FOUND,
                _ => StatusCode::CONFLICT,
            };
            show(&state, &user, status, None, Some(e.to_string()), None).await
        }
    }
}

async fn show(
    state: &AppState,
    user: &WebUser,
    status: StatusCode,
    done: Option<String>,
    error: Option<String>,
    new_token: Option<NewToken>,
) -> Response {
    let token_days = state.config.web.token_days;
    let list = match users::list(state.store.as_ref(), token_days, Utc::now()).await {
        Ok(l) => l,
        Err(e) => return error_page(e.into(), Some(user)),
    };
    let lines = list.iter().map(|a| line(state, user, a)).collect();
    render(
        status,
        &UsersTemplate {
            layout: Layout::new("Usuarios", "usuarios", Some(user)),
            csrf: user.csrf.clone(),
            token_days: token_days.max(1),
            users: lines,
            done,
            error,
            new_token,
        },
    )
}

fn line(state: &AppState, user: &WebUser, a: &AccountView) -> UserLine {
    let regions = if a.regions.is_empty() {
        "Todas".to_owned()
    } else {
        let registry = state.registry.current();
        a.regions
            .iter()
            .map(|id| registry.region(id).map_or(id.as_str(), |r| &r.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let token = match a.token_expires_at {
        None => "Sin token".to_owned(),
        Some(t) if a.token_expired => format!("Caducó el {}", when(t)),
        Some(t) => format!("Caduca el {}", when(t)),
    };
    UserLine {
        name: a.name.clone(),
        role: Role::parse(&a.role).map_or("Rol desconocido", Role::label_es),
        regions,
        disabled: a.disabled,
        disabled_since: a.disabled_at.map(when),
        token,
        is_self: a.name == user.who.name,
    }
}

fn when(t: DateTime<Utc>) -> String {
    t.format("%d/%m/%Y %H:%M UTC").to_string()
}
