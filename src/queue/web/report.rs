//! The report page and its two POST targets: an action (claim, resolve, …) and revealing
//! the reporter's contact. Both call the service and come back to the page.

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;

use super::forms::{flash, ActionForm};
use super::incident_rows::part_of;
use super::login::CsrfForm;
use super::render::{error_message, error_page, is_user_error, render};
use super::report_view::report_template;
use super::security::{csrf_refused, csrf_valid};
use crate::app::state::AppState;
use crate::error::AppError;
use crate::queue::auth::WebUser;
use crate::queue::detail;
use crate::queue::service::{self, Contact};
use crate::store::StoreError;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PageQuery {
    pub ok: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    user: WebUser,
    Path(folio): Path<String>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> Response {
    let ok = query.ok().and_then(|Query(q)| q.ok);
    let shown = Shown {
        flash: ok.as_deref().and_then(flash),
        ..Shown::default()
    };
    show(&state, &user, &folio, StatusCode::OK, shown).await
}

pub async fn act(
    State(state): State<AppState>,
    user: WebUser,
    Path(folio): Path<String>,
    body: Bytes,
) -> Response {
    let Ok(form) = serde_urlencoded::from_bytes::<ActionForm>(&body) else {
        return bad_form();
    };
    if !csrf_valid(&user, form.csrf.as_deref()) {
        return csrf_refused();
    }
    let action = match form.into_action() {
        Ok(a) => a,
        Err(e) => return refused(&state, &user, &folio, e).await,
    };
    match service::act(&state, &user.who, &folio, &action, Utc::now()).await {
        // 303: a reload of the page that follows does not repeat the action.
        Ok(r) => {
            Redirect::to(&format!("/reportes/{}?ok={}", r.folio, action.name())).into_response()
        }
        Err(e) => refused(&state, &user, &folio, e).await,
    }
}

pub async fn contact(
    State(state): State<AppState>,
    user: WebUser,
    Path(folio): Path<String>,
    body: Bytes,
) -> Response {
    let Ok(form) = serde_urlencoded::from_bytes::<CsrfForm>(&body) else {
        return bad_form();
    };
    if !csrf_valid(&user, form.csrf.as_deref()) {
        return csrf_refused();
    }
    match service::reveal(&state, &user.who, &folio, Utc::now()).await {
        Ok(c) => {
            let shown = Shown {
                flash: flash("contact"),
                contact: Some(c),
                ..Shown::default()
            };
            show(&state, &user, &folio, StatusCode::OK, shown).await
        }
        Err(e) => refused(&state, &user, &folio, e).await,
    }
}

/// What the page shows besides the report: a confirmation, an error, the revealed contact.
#[derive(Default)]
pub struct Shown {
    pub flash: Option<&'static str>,
    pub error: Option<String>,
    pub contact: Option<Contact>,
}

async fn show(
    state: &AppState,
    user: &WebUser,
    folio: &str,
    status: StatusCode,
    shown: Shown,
) -> Response {
    match detail::detail(state, &user.who, folio, Utc::now()).await {
        Ok(view) => {
            let incident = part_of(state, &user.who, &view.report.folio).await;
            render(status, &report_template(state, user, view, shown, incident))
        }
        Err(e) => error_page(e, Some(user)),
    }
}

/// An action the service refused: the operator sees why on the report page itself, with
/// the error's status (409 held by someone else, 400 invalid, 403 not allowed).
pub(super) async fn refused(
    state: &AppState,
    user: &WebUser,
    folio: &str,
    e: AppError,
) -> Response {
    if !is_user_error(&e) {
        return error_page(e, Some(user));
    }
    let message = match &e {
        AppError::Forbidden => "Su rol no permite esta acción.".to_owned(),
        AppError::Conflict(m)
        | AppError::BadRequest(m)
        | AppError::Store(StoreError::Conflict(m)) => sentence(m),
        other => other.to_string(),
    };
    let status = e.into_response().status();
    let shown = Shown {
        error: Some(message),
        ..Shown::default()
    };
    show(state, user, folio, status, shown).await
}

pub(super) fn bad_form() -> Response {
    error_message(
        StatusCode::BAD_REQUEST,
        "Formulario no válido",
        "No se pudo leer el formulario. Recargue la página e intente de nuevo.",
    )
}

/// The service's messages are lower-case clauses ("lo tiene ana hasta …"); on a page they
/// are a sentence.
fn sentence(m: &str) -> String {
    let mut chars = m.chars();
    let mut s: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    s.push_str(chars.as_str());
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}
