//! Weekly downloads over the API (`/api/v1/exports/weekly`); the web app's download links
//! call the same function with the session's user.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::openapi::Binary;
use crate::access::Principal;
use crate::app::state::AppState;
use crate::error::{AppError, ErrorBody};
use crate::queue::auth::ApiUser;
use crate::reports::export::{self, Format, Scope};

/// The weekly download, documented by its handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(weekly_api))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WeeklyParams {
    /// ISO week, `2026-W07`.
    pub week: String,
    /// A region id; all the caller's regions when absent.
    pub region: Option<String>,
    /// `csv` (the default) or `xlsx`.
    #[serde(default)]
    pub format: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/exports/weekly",
    tag = "exportaciones",
    summary = "Solicitudes de una semana ISO (zona horaria de la región) en CSV (UTF-8 con BOM) o XLSX con hoja de resumen; queda en la bitácora",
    params(WeeklyParams),
    responses(
        (status = 200, description = "Una descarga (`Content-Disposition: attachment`) llamada `solicitudes-<semana>-<región>.<csv|xlsx>`", content(
            (String = "text/csv"),
            (Binary = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )),
        (status = 400, description = "Semana, región o formato inválidos", content(
            (ErrorBody = "application/json"),
            (String = "text/plain"),
        )),
        (status = 401, description = "Sin token, o token inválido, caducado o de una cuenta deshabilitada", body = ErrorBody),
        (status = 403, description = "El rol no puede exportar, o la región no es suya", body = ErrorBody),
        (status = 404, description = "La región no existe", body = ErrorBody),
        (status = 503, description = "La base de datos no está disponible", body = ErrorBody),
    )
)]
async fn weekly_api(
    State(state): State<AppState>,
    ApiUser(who): ApiUser,
    Query(p): Query<WeeklyParams>,
) -> Result<Response, AppError> {
    download(&state, &who, &p).await
}

/// The export as a download named after the week and region.
pub async fn download(
    state: &AppState,
    who: &Principal,
    p: &WeeklyParams,
) -> Result<Response, AppError> {
    let format = Format::parse(&p.format)?;
    let scope = Scope::new(&state.reports(), who, &p.week, p.region.as_deref())?;
    let body = match format {
        Format::Csv => Body::from_stream(super::export_stream::csv(
            state.reports(),
            who.clone(),
            scope.clone(),
        )),
        Format::Xlsx => {
            // The workbook is a zip whose directory comes last: it is built whole, its
            // detail sheet through a temporary file (rust_xlsxwriter's constant memory).
            let mut bytes = Vec::new();
            export::export(&state.reports(), who, &scope, format, &mut bytes).await?;
            Body::from(bytes)
        }
    };
    let name = format!(
        "solicitudes-{}-{}.{}",
        scope.week,
        scope.region.as_deref().unwrap_or("todas"),
        format.extension()
    );
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}
