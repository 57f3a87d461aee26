//! The report page's grouping corrections: confirm that a report belongs to its incident,
//! split it out into an incident of its own, or merge its incident into another report's.
//! The same checks and audit entries as `POST /api/v1/incidents/{folio}/actions`, behind
//! the session's CSRF token like every other form.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::report::{bad_form, refused};
use super::security::{csrf_refused, csrf_valid};
use crate::app::state::AppState;
use crate::error::AppError;
use crate::queue::auth::WebUser;
use crate::queue::incidents_api::{correct, IncidentAction};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct IncidentForm {
    csrf: Option<String>,
    action: String,
    /// The folio whose incident this report's incident joins.
    into: Option<String>,
}

pub async fn act(
    State(state): State<AppState>,
    user: WebUser,
    Path(folio): Path<String>,
    body: Bytes,
) -> Response {
    let Ok(form) = serde_urlencoded::from_bytes::<IncidentForm>(&body) else {
        return bad_form();
    };
    if !csrf_valid(&user, form.csrf.as_deref()) {
        return csrf_refused();
    }
    let action = match form.action.as_str() {
        "confirm" => IncidentAction::Confirm,
        "split" => IncidentAction::Split,
        "merge" => match form
            .into
            .as_deref()
            .map(str::trim)
            .filter(|f| !f.is_empty())
        {
            Some(into) => IncidentAction::Merge {
                into: into.to_owned(),
            },
            None => {
                let e = AppError::BadRequest("escriba el folio del otro incidente".into());
                return refused(&state, &user, &folio, e).await;
            }
        },
        _ => {
            let e = AppError::BadRequest("acción desconocida".into());
            return refused(&state, &user, &folio, e).await;
        }
    };
    let name = form.action.clone();
    match correct(&state, &user.who, &folio, action).await {
        // 303: a reload of the page that follows does not repeat the correction.
        Ok(_) => Redirect::to(&format!("/reportes/{folio}?ok=incident_{name}")).into_response(),
        Err(e) => refused(&state, &user, &folio, e).await,
    }
}
