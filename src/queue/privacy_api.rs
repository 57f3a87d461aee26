//! The public privacy notice page and the admins' ARCO endpoints.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::access::{Permission, Principal};
use crate::app::state::AppState;
use crate::error::AppError;
use crate::privacy::arco::{self, Subject};
use crate::queue::auth::ApiUser;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/aviso-de-privacidad", get(super::web::notice::page))
        .route("/api/v1/privacy/export", post(export_api))
        .route("/api/v1/privacy/erase", post(erase_api))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectBody {
    pub phone: Option<String>,
    pub bsuid: Option<String>,
    pub reason: Option<String>,
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

async fn export_api(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Json(body): Json<SubjectBody>,
) -> Result<Json<Value>, AppError> {
    admin_only(&who)?;
    Ok(Json(
        arco::export(&state.privacy(), &who.actor(), &body.subject()?, Utc::now()).await?,
    ))
}

async fn erase_api(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Json(body): Json<SubjectBody>,
) -> Result<Json<Value>, AppError> {
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
    Ok(Json(json!({ "messages_erased": n })))
}
