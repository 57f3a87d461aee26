//! The JSON API under `/api/v1/`: the same service calls as the web pages, bearer tokens,
//! and the error shape of `interfaces.md`.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde_json::json;

use super::actions::Action;
use super::auth::{digest, ApiUser};
use super::credentials::{bearer_token, Credential};
use super::{detail, service, stream};
use crate::access::filter::ReportFilter;
use crate::access::principal::Permission;
use crate::app::state::AppState;
use crate::error::{ApiResult, AppError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/me", get(me))
        .route("/api/v1/reports", get(list))
        .route("/api/v1/map", get(map_pins))
        .route("/api/v1/reports/{folio}", get(one))
        .route("/api/v1/reports/{folio}/actions", post(act))
        .route("/api/v1/reports/{folio}/contact", post(reveal))
        .route("/api/v1/events", get(events))
        .route("/api/v1/triage/corrections", get(corrections))
}

async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        super::openapi::DOCUMENT,
    )
}

async fn me(ApiUser(who): ApiUser) -> Json<super::Principal> {
    Json(who)
}

async fn list(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Query(filter): Query<ReportFilter>,
) -> ApiResult<Json<serde_json::Value>> {
    let page = service::list(&state, &who, &filter, Utc::now()).await?;
    let has_more = page.has_more();
    let mut body = serde_json::to_value(page).map_err(anyhow::Error::from)?;
    body["has_more"] = json!(has_more);
    Ok(Json(body))
}

/// The queue's filters, as pins (reports with a location) and a count of the rest.
async fn map_pins(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Query(filter): Query<ReportFilter>,
) -> ApiResult<Json<super::map::MapPins>> {
    Ok(Json(
        super::map::pins(&state, &who, &filter, Utc::now()).await?,
    ))
}

async fn one(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(folio): Path<String>,
) -> ApiResult<Json<detail::ReportView>> {
    Ok(Json(
        detail::detail(&state, &who, &folio, Utc::now()).await?,
    ))
}

async fn act(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(folio): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<serde_json::Value>> {
    let action: Action = serde_json::from_slice(&body)
        .map_err(|e| AppError::BadRequest(format!("acción inválida: {e}")))?;
    let now = Utc::now();
    let r = service::act(&state, &who, &folio, &action, now).await?;
    let view = detail::detail(&state, &who, &r.folio, now).await?;
    Ok(Json(json!({ "report": view.report })))
}

async fn reveal(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(folio): Path<String>,
) -> ApiResult<Json<service::Contact>> {
    Ok(Json(
        service::reveal(&state, &who, &folio, Utc::now()).await?,
    ))
}

async fn events(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    headers: HeaderMap,
) -> impl IntoResponse {
    // The extractor accepted this token, so it is there; the stream ends when it stops
    // being valid.
    let token = bearer_token(&headers).unwrap_or_default();
    stream::sse(&state, who, Credential::Token(digest(token)))
}

/// Human corrections as labelled JSONL, the corpus format (`alerta triage corrections`).
async fn corrections(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
) -> ApiResult<impl IntoResponse> {
    if !who.may(Permission::ExportCorrections) {
        return Err(AppError::Forbidden);
    }
    let body = super::corrections_jsonl(&state, &who).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/x-ndjson; charset=utf-8")],
        body,
    ))
}
