//! The operators' queue: the web app and the JSON API over one service layer, with
//! accounts, roles, region scope, claims and an append-only audit trail.
//!
//! `service` (with `notices`, which only it calls) and `detail` are the only places that read
//! or change reports; `api` (JSON) and `web` (HTML) are thin adapters over them.

pub mod actions;
pub mod api;
pub mod auth;
pub mod client_addr;
pub mod credentials;
pub mod detail;
pub mod export_stream;
pub(crate) mod incidents_api;
pub mod login_throttle;
pub mod map;
pub mod media;
mod media_range;
mod notices;
pub mod openapi;
pub mod password;
pub mod password_policy;
pub mod privacy_api;
pub mod registry;
pub mod registry_api;
pub mod registry_coordinators;
pub mod registry_coordinators_api;
pub mod registry_requests;
pub mod registry_requests_api;
mod report_timeline;
pub mod reports_api;
pub mod service;
pub mod stream;
pub mod timing;
pub mod users;
pub mod users_api;
pub mod views;
pub mod web;

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

pub use actions::Action;
// Who may see what, and the live change feed, live below the web layer (`access`,
// `notify::changes`) so services can use them; these paths stay for code written against them.
pub use crate::access::{filter, principal, Permission, Principal, ReportFilter, Role};
pub use crate::notify::changes::{self as events, ChangeFeed, ReportEvent};

use crate::app::state::AppState;
use crate::error::AppError;

/// The web app's pages and the JSON API. `/api/v1` routes are mounted only through
/// `openapi::api()`, which documents each one (see `queue::openapi` for how to add one).
pub fn router() -> Router<AppState> {
    let (api, _document) = openapi::api().split_for_parts();
    Router::new()
        .merge(api)
        .merge(web::router())
        .merge(media::router())
        .merge(privacy_api::router())
        .layer(middleware::from_fn(no_store))
}

/// Reports, lists, exports, privacy exports and media carry personal data: no browser or
/// proxy may keep a copy (after logout, or after the citizen's data was erased). Handlers
/// that serve something public (the privacy notice, static files) say so themselves.
async fn no_store(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    res.headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    res
}

/// One line of the corrections export. Fields are in alphabetical order, the order the
/// lines had when they were built as `serde_json` maps, so the file's bytes did not change.
#[derive(Debug, Serialize, ToSchema)]
pub struct Correction {
    /// The category a person chose.
    pub category: String,
    /// What the classifier had said.
    pub classifier: Classified,
    pub corrected_at: DateTime<Utc>,
    pub corrected_by: String,
    pub folio: String,
    /// `correction-<n>`.
    pub id: String,
    /// The priority a person chose.
    pub priority: String,
    pub reason: Option<String>,
    /// The report's message (absent once erased).
    pub text: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Classified {
    pub category: String,
    pub priority: String,
}

/// Every human correction as one JSON object per line, in the corpus format
/// (`{"text", "category", "priority", …}`), for `alerta triage corrections` and the API.
pub async fn corrections_jsonl(state: &AppState, who: &Principal) -> Result<String, AppError> {
    let mut out = String::new();
    for c in state.store.corrections().await? {
        let visible = match state
            .store
            .report(crate::store::ReportLookup::Folio(&c.folio))
            .await?
        {
            Some(r) => who.sees_region(&r.region),
            None => false,
        };
        if !visible {
            continue;
        }
        let line = Correction {
            category: c.to_category,
            classifier: Classified {
                category: c.from_category,
                priority: c.from_priority,
            },
            corrected_at: c.at,
            corrected_by: c.actor,
            folio: c.folio,
            id: format!("correction-{}", c.id),
            priority: c.to_priority,
            reason: c.reason,
            text: c.text,
        };
        out.push_str(&serde_json::to_string(&line).map_err(anyhow::Error::from)?);
        out.push('\n');
    }
    Ok(out)
}
