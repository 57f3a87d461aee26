//! Incidents in the JSON API: the open ones (one row each: count, groups, first and last
//! report), one with its reports and the decision that placed each, and operators'
//! corrections (confirm, split a report out, merge into another incident). A report joining
//! an incident reaches the queue's event stream as its `incident.joined` audit entry. Each
//! handler's `#[utoipa::path]` is its entry in the OpenAPI document (`queue::openapi`).

use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::ApiUser;
use crate::access::principal::{Permission, Principal};
use crate::app::state::AppState;
use crate::error::{ApiResult, AppError, ErrorBody};
use crate::store::{IncidentEditError, IncidentRow, ReportLookup, ReportRow};

/// The incident routes, each documented by its handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(one))
        .routes(routes!(act))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentList {
    pub incidents: Vec<IncidentRow>,
}

/// A report of an incident and the decision that placed it there.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentReport {
    pub folio: String,
    /// The group the report came from.
    pub group: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    /// `grouping` (placed automatically) or `operator` (placed by a correction).
    pub how: String,
    /// The grouping decision's signals as recorded (`null` if unreadable).
    #[schema(value_type = Option<Object>)]
    pub decision: serde_json::Value,
    /// Who confirmed the report belongs, if anyone.
    pub confirmed_by: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentDetail {
    pub incident: IncidentRow,
    pub reports: Vec<IncidentReport>,
}

/// The report's incident after the correction.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentAfter {
    pub incident: Option<IncidentRow>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only incidents with at least this many reports (default 1: every open one).
    #[serde(default)]
    min_reports: Option<i64>,
}

#[utoipa::path(
    get,
    path = "/api/v1/incidents",
    tag = "incidentes",
    summary = "Incidentes abiertos de las regiones del usuario: cuántos reportes, de cuántos grupos, primero y último",
    params(ListQuery),
    responses(
        (status = 200, description = "Los incidentes abiertos (hasta 500)", body = IncidentList),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "El rol no permite ver la cola", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn list(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<IncidentList>> {
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
    Ok(Json(IncidentList { incidents: rows }))
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

#[utoipa::path(
    get,
    path = "/api/v1/incidents/{folio}",
    tag = "incidentes",
    summary = "El incidente de un reporte, con sus reportes y la decisión que puso a cada uno",
    params(("folio" = String, Path, description = "Folio de cualquier reporte del incidente")),
    responses(
        (status = 200, description = "El incidente y sus reportes", body = IncidentDetail),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "El rol no permite ver la cola", body = ErrorBody),
        (status = 404, description = "El reporte no existe, es de una región que el usuario no ve o no está en un incidente", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn one(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(folio): Path<String>,
) -> ApiResult<Json<IncidentDetail>> {
    let report = visible_report(&state, &who, &folio).await?;
    let incident = state
        .store
        .incident_of_report(report.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let reports = state.store.incident_members(incident.id).await?;
    let reports = reports
        .into_iter()
        .map(|m| IncidentReport {
            decision: serde_json::from_str(&m.signals).unwrap_or(serde_json::Value::Null),
            folio: m.folio,
            group: m.group_ref,
            status: m.status,
            created_at: m.created_at,
            how: m.how,
            confirmed_by: m.confirmed_by,
        })
        .collect();
    Ok(Json(IncidentDetail { incident, reports }))
}

/// An operator's correction of grouping.
#[derive(Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case")]
pub(crate) enum IncidentAction {
    /// The report belongs where grouping put it.
    Confirm,
    /// The report is about something else: it opens its own incident.
    Split,
    /// The report's incident is the same event as the incident of report `into`.
    Merge { into: String },
}

// The body is read as bytes so that a malformed action is answered as `ErrorBody`.
#[utoipa::path(
    post,
    path = "/api/v1/incidents/{folio}/actions",
    tag = "incidentes",
    summary = "Corrige la agrupación de un reporte: confirmar, separar en su propio incidente o fusionar con el incidente de otro reporte (auditado)",
    params(("folio" = String, Path, description = "Folio del reporte")),
    request_body = IncidentAction,
    responses(
        (status = 200, description = "El incidente del reporte después de la corrección", body = IncidentAfter),
        (status = 400, description = "Acción inválida", body = ErrorBody),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "El rol no permite corregir la agrupación", body = ErrorBody),
        (status = 404, description = "El reporte (o el de `into`) no existe, o es de una región que el usuario no ve", body = ErrorBody),
        (status = 409, description = "Corrección rechazada (p. ej. el reporte no está en un incidente, es el primero de su incidente o se une consigo mismo)", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn act(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Path(folio): Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<IncidentAfter>> {
    let action: IncidentAction = serde_json::from_slice(&body)
        .map_err(|e| AppError::BadRequest(format!("acción inválida: {e}")))?;
    let incident = correct(&state, &who, &folio, action).await?;
    Ok(Json(IncidentAfter { incident }))
}

/// Applies an operator's correction to the report `folio` (the API and the report page's
/// buttons): checks the role and the region, writes the change and its audit entry, and
/// returns the report's incident afterwards.
pub(crate) async fn correct(
    state: &AppState,
    who: &Principal,
    folio: &str,
    action: IncidentAction,
) -> Result<Option<IncidentRow>, AppError> {
    if !who.may(Permission::MarkDuplicate) {
        return Err(AppError::Forbidden);
    }
    let report = visible_report(state, who, folio).await?;
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
            let target = visible_report(state, who, &into).await?;
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
    Ok(store.incident_of_report(report.id).await?)
}
