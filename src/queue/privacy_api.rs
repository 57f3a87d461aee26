//! The public privacy notice page and the admins' ARCO endpoints.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::access::{Permission, Principal};
use crate::app::state::AppState;
use crate::error::{AppError, ErrorBody};
use crate::privacy::arco::{self, PersonExport, Subject};
use crate::queue::auth::ApiUser;

/// The public notice page (not part of the API).
pub fn router() -> Router<AppState> {
    Router::new().route("/aviso-de-privacidad", get(super::web::notice::page))
}

/// The ARCO endpoints, each documented by its handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export_api))
        .routes(routes!(erase_api))
}

/// The person a request is about: their phone number or BSUID (at least one).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubjectBody {
    /// In any spelling (`+52 55 1234 5678`, `5215512345678`, …).
    pub phone: Option<String>,
    pub bsuid: Option<String>,
    /// Why; required to erase, written to the audit trail.
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Erased {
    /// Messages whose identity and text were erased (their reports stay, anonymous).
    pub messages_erased: u64,
}

impl SubjectBody {
    pub fn subject(&self) -> Result<Subject, AppError> {
        let clean = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let s = Subject {
            phone: clean(&self.phone),
            bsuid: clean(&self.bsuid),
        };
        if s.phone.is_none() && s.bsuid.is_none() {
            return Err(AppError::BadRequest("indique phone o bsuid".into()));
        }
        Ok(s)
    }
}

fn admin_only(who: &Principal) -> Result<(), AppError> {
    if who.may(Permission::ManageUsers) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[utoipa::path(
    post,
    path = "/api/v1/privacy/export",
    tag = "privacidad",
    summary = "Derecho de acceso (ARCO): todo lo que se guarda de una persona, como JSON (solo supervisores; auditado)",
    request_body = SubjectBody,
    responses(
        (status = 200, description = "Mensajes, reportes y mensajes enviados de la persona", body = PersonExport),
        (status = 400, description = "Falta phone o bsuid (o el motivo, al suprimir), o el cuerpo no es JSON", content(
            (ErrorBody = "application/json"),
            (String = "text/plain"),
        )),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "Solo supervisores (rol `admin`)", body = ErrorBody),
        (status = 415, description = "El cuerpo no es `application/json`", body = String, content_type = "text/plain"),
        (status = 422, description = "El cuerpo no es un `SubjectBody` válido (campo desconocido o tipo equivocado)", body = String, content_type = "text/plain"),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn export_api(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Json(body): Json<SubjectBody>,
) -> Result<Json<PersonExport>, AppError> {
    admin_only(&who)?;
    Ok(Json(
        arco::export(&state.privacy(), &who.actor(), &body.subject()?, Utc::now()).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/api/v1/privacy/erase",
    tag = "privacidad",
    summary = "Supresión (ARCO): borra la identidad y los textos de una persona; los reportes quedan como estadística anónima (solo supervisores; auditado; requiere `reason`)",
    request_body = SubjectBody,
    responses(
        (status = 200, description = "Cuántos mensajes se suprimieron", body = Erased),
        (status = 400, description = "Falta phone o bsuid (o el motivo, al suprimir), o el cuerpo no es JSON", content(
            (ErrorBody = "application/json"),
            (String = "text/plain"),
        )),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "Solo supervisores (rol `admin`)", body = ErrorBody),
        (status = 415, description = "El cuerpo no es `application/json`", body = String, content_type = "text/plain"),
        (status = 422, description = "El cuerpo no es un `SubjectBody` válido (campo desconocido o tipo equivocado)", body = String, content_type = "text/plain"),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn erase_api(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Json(body): Json<SubjectBody>,
) -> Result<Json<Erased>, AppError> {
    admin_only(&who)?;
    let reason = body
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| AppError::BadRequest("indique el motivo (reason) de la supresión".into()))?
        .to_owned();
    let n = arco::erase(
        &state.privacy(),
        &who.actor(),
        &body.subject()?,
        &reason,
        Utc::now(),
    )
    .await?;
    Ok(Json(Erased { messages_erased: n }))
}
