//! Weekly downloads over the API (`/api/v1/exports/weekly`); the web app's download links
//! call the same function with the session's user.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use super::export::{self, Format, Scope};
use crate::app::AppState;
use crate::error::AppError;
use crate::queue::auth::ApiUser;
use crate::queue::Principal;

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
    let scope = Scope::new(state, who, &p.week, p.region.as_deref())?;
    let mut body = Vec::new();
    export::export(state, who, &scope, format, &mut body).await?;
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
