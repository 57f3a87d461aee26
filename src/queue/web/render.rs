//! Rendering: the layout every page shares, templates to responses, and the Spanish error
//! pages that stand in for the JSON errors of the API.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::access::principal::Permission;
use crate::error::AppError;
use crate::queue::auth::WebUser;
use crate::store::StoreError;

/// What the header and `<body>` need: the page's title, which script behaviour applies, and
/// who is signed in.
pub struct Layout {
    pub title: String,
    /// `data-page` for app.js: "login", "cola", "reporte", "resumen", "privacidad",
    /// "usuarios" or "error".
    pub page: &'static str,
    /// On the report page: its folio and version, so the script can tell whether an event
    /// changed what is on screen.
    pub folio: String,
    pub version: i64,
    pub user: Option<UserBar>,
}

pub struct UserBar {
    pub name: String,
    pub role_es: &'static str,
    pub csrf: String,
    /// Shows the "Resumen semanal" link.
    pub may_export: bool,
    /// Shows the "Privacidad" and "Usuarios" links (admins).
    pub may_manage: bool,
}

impl Layout {
    pub fn new(title: impl Into<String>, page: &'static str, user: Option<&WebUser>) -> Layout {
        Layout {
            title: title.into(),
            page,
            folio: String::new(),
            version: 0,
            user: user.map(|u| UserBar {
                name: u.who.name.clone(),
                role_es: u.who.role.label_es(),
                csrf: u.csrf.clone(),
                may_export: u.who.may(Permission::Export),
                may_manage: u.who.may(Permission::ManageUsers),
            }),
        }
    }
}

/// A template as an HTML response; a template that fails to render is logged and answered
/// with a bare 500 page (it is a bug, not a user error).
pub fn render(status: StatusCode, t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed to render");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<!doctype html><html lang=\"es\"><title>Error</title><p>Error interno.</p></html>"),
            )
                .into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorTemplate {
    pub layout: Layout,
    pub heading: String,
    pub message: String,
}

/// A Spanish error page with `status`.
pub fn error_message(status: StatusCode, heading: &str, message: &str) -> Response {
    error_page_for(status, heading, message, None)
}

/// A Spanish error page with `status` that keeps the signed-in header.
pub fn error_page_for(
    status: StatusCode,
    heading: &str,
    message: &str,
    user: Option<&WebUser>,
) -> Response {
    render(
        status,
        &ErrorTemplate {
            layout: Layout::new(heading, "error", user),
            heading: heading.to_owned(),
            message: message.to_owned(),
        },
    )
}

/// The HTML counterpart of `AppError`'s JSON answer: the same status (and the same logging
/// of internal failures, by letting `AppError` build its response first), a Spanish page.
pub fn error_page(e: AppError, user: Option<&WebUser>) -> Response {
    let (heading, message) = match &e {
        AppError::NotFound => (
            "No encontrado",
            "El reporte no existe o no pertenece a sus regiones.".to_owned(),
        ),
        AppError::Forbidden => (
            "Acceso denegado",
            "Su rol no permite esta acción.".to_owned(),
        ),
        AppError::Unauthorized(_) => (
            "Sesión requerida",
            "Inicie sesión para continuar.".to_owned(),
        ),
        AppError::Store(StoreError::Conflict(m)) => ("No se pudo guardar", m.clone()),
        AppError::Store(_) => (
            "Servicio no disponible",
            "La base de datos no responde; reintente en unos segundos.".to_owned(),
        ),
        AppError::Internal(_) => ("Error interno", "Ocurrió un error inesperado.".to_owned()),
        AppError::BadRequest(m) => ("Solicitud no válida", m.clone()),
        other => ("No se pudo completar", other.to_string()),
    };
    let status = e.into_response().status();
    error_page_for(status, heading, &message, user)
}

/// `true` for the errors an operator can act on (shown on the report page itself).
pub fn is_user_error(e: &AppError) -> bool {
    matches!(
        e,
        AppError::Conflict(_)
            | AppError::BadRequest(_)
            | AppError::Forbidden
            | AppError::Store(StoreError::Conflict(_))
    )
}

/// "14:05" or "22/11 14:05" style local time for a report's region.
pub fn local_time(t: chrono::DateTime<chrono::Utc>, tz: chrono_tz::Tz) -> String {
    crate::queue::views::local(t, tz)
}
