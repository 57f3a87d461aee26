//! The weekly summary page (`/resumen`) and its downloads. Scope, permissions, figures and
//! the export's audit all come from `reports::export`, the same code as the API's weekly
//! export, so the page, the CSV/XLSX and the queue count the same requests.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::pages::{choice, Choice};
use super::render::{error_page, error_page_for, render, Layout};
use crate::access::principal::Principal;
use crate::app::state::AppState;
use crate::error::AppError;
use crate::queue::auth::WebUser;
use crate::queue::reports_api::{self as reports_http, WeeklyParams};
use crate::reports::export::{self, Scope};
use crate::reports::page::{summary_page, SummaryPage};
use crate::reports::IsoWeek;

/// `?week=2026-W07&region=son-centro[&format=xlsx]`; everything optional.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SummaryQuery {
    pub week: Option<String>,
    pub region: Option<String>,
    pub format: Option<String>,
}

#[derive(Template)]
#[template(path = "summary.html")]
pub struct SummaryTemplate {
    pub layout: Layout,
    /// The region's name, or the state's for every region.
    pub title: String,
    pub label: String,
    /// "2026-W07", the value of the week field.
    pub week: String,
    pub time_zone: String,
    /// The week has not ended: its figures are partial.
    pub in_progress: bool,
    pub regions: Vec<Choice>,
    pub prev: String,
    /// `None` past the current week: there is nothing to show yet.
    pub next: Option<String>,
    pub csv: String,
    pub xlsx: String,
    /// The queue with this scope's pending reports.
    pub queue_href: String,
    pub p: SummaryPage,
}

pub async fn page(
    State(state): State<AppState>,
    user: WebUser,
    query: Result<Query<SummaryQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(q)) = query else {
        return refused(bad_query(), &user);
    };
    let now = Utc::now();
    let scope = match scope(&state, &user.who, &q, now) {
        Ok(s) => s,
        Err(e) => return refused(e, &user),
    };
    let (summary, rows) = match export::summary(&state.reports(), &user.who, &scope).await {
        Ok(x) => x,
        Err(e) => return refused(e, &user),
    };
    let region = scope.region.as_deref();
    let current = IsoWeek::of(now, scope.tz);
    let next = scope.week.next();
    let t = SummaryTemplate {
        layout: Layout::new(
            format!("Resumen semanal · {}", scope.title),
            "resumen",
            Some(&user),
        ),
        label: summary.label.clone(),
        week: scope.week.to_string(),
        time_zone: summary.time_zone.clone(),
        in_progress: scope.week >= current,
        regions: region_choices(&state, &user.who, region.unwrap_or("")),
        prev: href("/resumen", scope.week.previous(), region, None),
        next: (next <= current).then(|| href("/resumen", next, region, None)),
        csv: href("/resumen/descargar", scope.week, region, Some("csv")),
        xlsx: href("/resumen/descargar", scope.week, region, Some("xlsx")),
        queue_href: queue_href(region),
        p: summary_page(&summary, scope.tz, &rows),
        title: scope.title,
    };
    render(StatusCode::OK, &t)
}

/// The week's CSV or XLSX, named, audited and scoped by `queue::reports_api::download`.
pub async fn download(
    State(state): State<AppState>,
    user: WebUser,
    query: Result<Query<SummaryQuery>, QueryRejection>,
) -> Response {
    let Ok(Query(q)) = query else {
        return refused(bad_query(), &user);
    };
    // Only to resolve the default week; `download` checks the scope again itself.
    let week = match scope(&state, &user.who, &q, Utc::now()) {
        Ok(s) => s.week,
        Err(e) => return refused(e, &user),
    };
    let params = WeeklyParams {
        week: week.to_string(),
        region: q.region,
        format: q.format.unwrap_or_default(),
    };
    match reports_http::download(&state, &user.who, &params).await {
        Ok(file) => file,
        Err(e) => refused(e, &user),
    }
}

/// The requested scope; without a week, the last complete one in the scope's zone (which
/// depends on the region, so it is settled after the scope).
fn scope(
    state: &AppState,
    who: &Principal,
    q: &SummaryQuery,
    now: DateTime<Utc>,
) -> Result<Scope, AppError> {
    let given = q.week.as_deref().map(str::trim).filter(|w| !w.is_empty());
    let any_week = IsoWeek::of(now, chrono_tz::UTC).to_string();
    let mut scope = Scope::new(
        &state.reports(),
        who,
        given.unwrap_or(&any_week),
        q.region.as_deref(),
    )?;
    if given.is_none() {
        scope.week = IsoWeek::of(now, scope.tz).previous();
    }
    Ok(scope)
}

/// Unrestricted users may sum every region; someone with several regions, all of theirs;
/// someone with one region only has that one.
fn region_choices(state: &AppState, who: &Principal, current: &str) -> Vec<Choice> {
    let mut list = Vec::new();
    if who.regions.is_empty() {
        list.push(choice("", "Todas", current));
    } else if who.regions.len() > 1 {
        list.push(choice("", "Todas mis regiones", current));
    }
    list.extend(
        state
            .registry
            .current()
            .regions()
            .iter()
            .filter(|r| who.sees_region(&r.id))
            .map(|r| choice(&r.id, &r.name, current)),
    );
    list
}

fn href(path: &str, week: IsoWeek, region: Option<&str>, format: Option<&str>) -> String {
    let mut pairs = vec![("week", week.to_string())];
    pairs.extend(region.map(|r| ("region", r.to_owned())));
    pairs.extend(format.map(|f| ("format", f.to_owned())));
    format!(
        "{path}?{}",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    )
}

/// The queue filtered to the summary's region and the pending statuses.
fn queue_href(region: Option<&str>) -> String {
    let mut pairs = vec![("status", "open,acknowledged")];
    pairs.extend(region.map(|r| ("region", r)));
    format!(
        "/cola?{}",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    )
}

fn bad_query() -> AppError {
    AppError::BadRequest("Los parámetros de la dirección no son válidos.".into())
}

/// The shared error pages, except that a region outside the user's scope is "not found"
/// in words about regions (the generic page speaks of reports).
fn refused(e: AppError, user: &WebUser) -> Response {
    match e {
        AppError::NotFound => error_page_for(
            StatusCode::NOT_FOUND,
            "No encontrado",
            "La región no existe o no pertenece a sus regiones.",
            Some(user),
        ),
        other => error_page(other, Some(user)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_region_and_escape_it() {
        let w: IsoWeek = "2026-W07".parse().unwrap();
        assert_eq!(href("/resumen", w, None, None), "/resumen?week=2026-W07");
        assert_eq!(
            href("/resumen/descargar", w, Some("a&b"), Some("xlsx")),
            "/resumen/descargar?week=2026-W07&region=a%26b&format=xlsx"
        );
    }
}
