//! Incidents in the JSON API: the open ones (one row each: count, groups, first and last
//! report), one with its reports and the decision that placed each, and operators'
//! corrections (confirm, split a report out, merge into another incident). A report joining
//! an incident reaches the queue's event stream as its `incident.joined` audit entry.

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use super::auth::ApiUser;
use crate::access::principal::{Permission, Principal};
use crate::app::state::AppState;
use crate::error::{ApiResult, AppError};
use crate::store::{IncidentEditError, IncidentRow, ReportLookup, ReportRow};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/incidents", get(list))
        .route("/api/v1/incidents/{folio}", get(one))
        .route("/api/v1/incidents/{folio}/actions", post(act))
}

#[derive(Deserialize)]
struct ListQuery {
    /// Only incidents with at least this many reports (default 1: every open one).
    #[serde(default)]
    min_reports: Option<i64>,
}

async fn list(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    if !who.may(Permission::View) {
        return Err(AppError::Forbidden);
    }
    let min = q.min_reports.unwrap_or(1).max(1);
    let rows: Vec<IncidentRow> = state
        .store
        .open_incidents(500)
        .await?
        .into_iter()
        .filter(|i| who.sees_region(&i.region) && i.report_count >= min)
        .collect();
    Ok(Json(json!({ "incidents": rows })))
}

/// The report named by `folio`, if the user may see it; a folio of another region reads as
/// unknown (folios are not to be probed).
async fn visible_report(
    state: &AppState,
    who: &Principal,
    folio: &str,
) -> Result<ReportRow, AppError> {
    if !who.may(Permission::View) {
        return Err(AppError::Forbidden);
    }
    state
        .store
        .report(ReportLookup::Folio(folio))
        .await?
        .filter(|r| who.sees_region(&r.region))
        .ok_or(AppError::NotFound)
}

async fn one(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(folio): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let report = visible_report(&state, &who, &folio).await?;
    let incident = state
        .store
        .incident_of_report(report.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let reports = state.store.incident_members(incident.id).await?;
    let reports: Vec<serde_json::Value> = reports
        .into_iter()
        .map(|m| {
            let signals: serde_json::Value =
                serde_json::from_str(&m.signals).unwrap_or(serde_json::Value::Null);
            json!({
                "folio": m.folio, "group": m.group_ref, "status": m.status,
                "created_at": m.created_at, "how": m.how, "decision": signals,
                "confirmed_by": m.confirmed_by,
            })
        })
        .collect();
    Ok(Json(json!({ "incident": incident, "reports": reports })))
}

#[derive(Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
enum IncidentAction {
    /// The report belongs where grouping put it.
    Confirm,
    /// The report is about something else: it opens its own incident.
    Split,
    /// The report's incident is the same event as the incident of report `into`.
    Merge { into: String },
}

async fn act(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(folio): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<serde_json::Value>> {
    let action: IncidentAction = serde_json::from_slice(&body)
        .map_err(|e| AppError::BadRequest(format!("acción inválida: {e}")))?;
    if !who.may(Permission::MarkDuplicate) {
        return Err(AppError::Forbidden);
    }
    let report = visible_report(&state, &who, &folio).await?;
    let (actor, now, store) = (who.actor(), Utc::now(), &state.store);
    let refused = |e: IncidentEditError| AppError::Conflict(e.to_string());
    match action {
        IncidentAction::Confirm => store
            .confirm_in_incident(report.id, &actor, now)
            .await?
            .map_err(refused)?,
        IncidentAction::Split => {
            store
                .split_from_incident(report.id, &actor, now)
                .await?
                .map_err(refused)?;
        }
        IncidentAction::Merge { into } => {
            let target = visible_report(&state, &who, &into).await?;
            let (Some(from), Some(to)) = (
                store.incident_of_report(report.id).await?,
                store.incident_of_report(target.id).await?,
            ) else {
                return Err(refused(IncidentEditError::NotInIncident));
            };
            store
                .merge_incidents(from.id, to.id, &actor, now)
                .await?
                .map_err(refused)?;
        }
    }
    let incident = store.incident_of_report(report.id).await?;
    Ok(Json(json!({ "incident": incident })))
}
