//! Weekly downloads over the API (`/api/v1/exports/weekly`); the web app's download links
//! call the same function with the session's user.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::access::Principal;
use crate::app::state::AppState;
use crate::error::AppError;
use crate::queue::auth::ApiUser;
use crate::reports::export::{self, Format, Scope};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/exports/weekly", get(weekly_api))
}

#[derive(Debug, Deserialize)]
pub struct WeeklyParams {
    pub week: String,
    pub region: Option<String>,
    #[serde(default)]
    pub format: String,
}

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
