//! The admins' privacy requests (`/privacidad`): everything held about a person as a JSON
//! download, or its erasure. Admins only, as in the API; `privacy::arco` does the work and
//! writes the audit trail, `privacy_form` checks the forms.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::privacy_form::{erased_message, PrivacyForm, EXPORT_FILENAME};
use super::render::{error_message, error_page, render, Layout};
use super::security::{csrf_refused, csrf_valid};
use crate::access::principal::Permission;
use crate::app::state::AppState;
use crate::error::AppError;
use crate::privacy::arco;
use crate::queue::auth::WebUser;

#[derive(Template)]
#[template(path = "privacy.html")]
pub struct PrivacyTemplate {
    pub layout: Layout,
    pub csrf: String,
    /// "12 mensajes suprimidos; …" after an erasure.
    pub done: Option<String>,
    pub error: Option<String>,
    /// The form a refused request came from ("exportar" or "suprimir"), refilled so the
    /// admin does not type the person's number again; the other form stays empty.
    pub refill: &'static str,
    pub phone: String,
    pub bsuid: String,
    pub reason: String,
}

pub async fn page(user: WebUser) -> Response {
    if !may_manage(&user) {
        return error_page(AppError::Forbidden, Some(&user));
    }
    render(StatusCode::OK, &template(&user, None, None))
}

pub async fn export(State(state): State<AppState>, user: WebUser, body: Bytes) -> Response {
    let form = match checked_form(&user, &body) {
        Ok(f) => f,
        Err(refusal) => return refusal.page(&user),
    };
    let subject = match form.subject() {
        Ok(s) => s,
        Err(m) => return refused(&user, "exportar", &form, m),
    };
    match arco::export(&state.privacy(), &user.who.actor(), &subject, Utc::now()).await {
        Ok(doc) => {
            let json = serde_json::to_vec_pretty(&doc).unwrap_or_default();
            (
                [
                    (
                        header::CONTENT_TYPE,
                        "application/json; charset=utf-8".to_owned(),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{EXPORT_FILENAME}\""),
                    ),
                    // Personal data: never kept by the browser or a proxy.
                    (header::CACHE_CONTROL, "no-store".to_owned()),
                ],
                json,
            )
                .into_response()
        }
        Err(e) => error_page(e.into(), Some(&user)),
    }
}

pub async fn erase(State(state): State<AppState>, user: WebUser, body: Bytes) -> Response {
    let form = match checked_form(&user, &body) {
        Ok(f) => f,
        Err(refusal) => return refusal.page(&user),
    };
    let erasure = match form.erasure() {
        Ok(e) => e,
        Err(m) => return refused(&user, "suprimir", &form, m),
    };
    let actor = user.who.actor();
    match arco::erase(
        &state.privacy(),
        &actor,
        &erasure.subject,
        &erasure.reason,
        Utc::now(),
    )
    .await
    {
        // Shown, not redirected: sending the form again erases nothing more.
        Ok(n) => render(
            StatusCode::OK,
            &template(&user, Some(erased_message(n)), None),
        ),
        Err(e) => error_page(e.into(), Some(&user)),
    }
}

fn may_manage(user: &WebUser) -> bool {
    user.who.may(Permission::ManageUsers)
}

/// Why a POST is refused before its fields are looked at.
enum Refusal {
    Role,
    Unreadable,
    Token,
}

impl Refusal {
    fn page(self, user: &WebUser) -> Response {
        match self {
            Refusal::Role => error_page(AppError::Forbidden, Some(user)),
            Refusal::Unreadable => error_message(
                StatusCode::BAD_REQUEST,
                "Formulario no válido",
                "No se pudo leer el formulario. Recargue la página e intente de nuevo.",
            ),
            Refusal::Token => csrf_refused(),
        }
    }
}

/// The role, the form and its token, in that order: whoever may not use the page learns
/// nothing else about it.
fn checked_form(user: &WebUser, body: &[u8]) -> Result<PrivacyForm, Refusal> {
    if !may_manage(user) {
        return Err(Refusal::Role);
    }
    let form =
        serde_urlencoded::from_bytes::<PrivacyForm>(body).map_err(|_| Refusal::Unreadable)?;
    if !csrf_valid(user, form.csrf.as_deref()) {
        return Err(Refusal::Token);
    }
    Ok(form)
}

/// The page again with what is missing, the fields as they were typed, and 400.
fn refused(user: &WebUser, refill: &'static str, form: &PrivacyForm, message: String) -> Response {
    let mut t = template(user, None, Some(message));
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    t.refill = refill;
    t.phone = value(&form.phone);
    t.bsuid = value(&form.bsuid);
    t.reason = value(&form.reason);
    render(StatusCode::BAD_REQUEST, &t)
}

fn template(user: &WebUser, done: Option<String>, error: Option<String>) -> PrivacyTemplate {
    PrivacyTemplate {
        layout: Layout::new("Privacidad: solicitudes ARCO", "privacidad", Some(user)),
        csrf: user.csrf.clone(),
        done,
        error,
        refill: "",
        phone: String::new(),
        bsuid: String::new(),
        reason: String::new(),
    }
}
