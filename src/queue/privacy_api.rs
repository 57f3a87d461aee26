//! The public privacy notice page and the admins' ARCO endpoints.

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse};
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

const BUILTIN_NOTICE: &str = include_str!("../../config/aviso-de-privacidad.md");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/aviso-de-privacidad", get(notice))
        .route("/api/v1/privacy/export", post(export_api))
        .route("/api/v1/privacy/erase", post(erase_api))
}

/// The full notice, from `config/aviso-de-privacidad.md` (edit and reload; no rebuild).
async fn notice() -> impl IntoResponse {
    let text = tokio::fs::read_to_string("config/aviso-de-privacidad.md")
        .await
        .unwrap_or_else(|_| BUILTIN_NOTICE.to_owned());
    (
        [
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'self'",
            ),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        Html(render_notice(&text)),
    )
}

/// A small Markdown subset (headings, lists, paragraphs), escaped.
pub fn render_notice(text: &str) -> String {
    let mut out = String::from(
        "<!doctype html><html lang=\"es\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Aviso de privacidad</title><link rel=\"stylesheet\" href=\"/static/app.css\">\
         </head><body><main class=\"aviso\">",
    );
    let mut in_list = false;
    for block in text.split("\n\n") {
        for line in block.lines() {
            let line = line.trim_end();
            let (tag, body) = if let Some(b) = line.strip_prefix("## ") {
                ("h2", b)
            } else if let Some(b) = line.strip_prefix("# ") {
                ("h1", b)
            } else if let Some(b) = line.strip_prefix("- ") {
                ("li", b)
            } else {
                ("p", line)
            };
            if tag == "li" && !in_list {
                out.push_str("<ul>");
                in_list = true;
            } else if tag != "li" && in_list {
                out.push_str("</ul>");
                in_list = false;
            }
            if !body.is_empty() {
                out.push_str(&format!("<{tag}>{}</{tag}>", escape(body)));
            }
        }
    }
    if in_list {
        out.push_str("</ul>");
    }
    out.push_str("</main></body></html>");
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
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
