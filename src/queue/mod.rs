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
pub mod events;
pub mod filter;
mod history;
pub mod login_throttle;
pub mod media;
mod notices;
pub mod openapi;
pub mod password;
pub mod password_policy;
pub mod principal;
pub mod service;
pub mod stream;
pub mod users;
pub mod users_api;
pub mod views;
pub mod web;

use axum::Router;

pub use actions::Action;
pub use events::{ChangeFeed, ReportEvent};
pub use filter::ReportFilter;
pub use principal::{Permission, Principal, Role};

use crate::app::AppState;
use crate::error::AppError;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(api::router())
        .merge(users_api::router())
        .merge(web::router())
        .merge(media::router())
        .merge(crate::privacy::http::router())
        .merge(crate::reports::http::router())
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
        let line = serde_json::json!({
            "id": format!("correction-{}", c.id),
            "text": c.text,
            "category": c.to_category,
            "priority": c.to_priority,
            "classifier": { "category": c.from_category, "priority": c.from_priority },
            "folio": c.folio,
            "reason": c.reason,
            "corrected_by": c.actor,
            "corrected_at": c.at,
        });
        out.push_str(&line.to_string());
        out.push('\n');
    }
    Ok(out)
}
