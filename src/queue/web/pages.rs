//! The queue: the page with its filters and counts, the rows fragment the script swaps in
//! after a live event, and the event stream itself.

use std::collections::HashMap;

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;

use super::incident_rows::{fold, IncidentBadge};
use super::render::{error_page, render, Layout};
use crate::access::filter::{ReportFilter, STATUSES};
use crate::access::principal::Principal;
use crate::app::state::AppState;
use crate::error::AppError;
use crate::queue::auth::{digest, WebRejection, WebUser};
use crate::queue::credentials::Credential;
use crate::queue::service::{self, QueuePage};
use crate::queue::stream;
use crate::queue::views::{CountView, QueueEntry};
use crate::vocab::status_es;

#[derive(Template)]
#[template(path = "queue.html")]
pub struct QueueTemplate {
    pub layout: Layout,
    pub rows: Vec<QueueEntry>,
    /// Lead rows' incident badges, by folio (the other reports are folded under them).
    pub incidents: HashMap<String, IncidentBadge>,
    pub total: i64,
    /// Shared with `rows.html`, which the page includes.
    pub counts: String,
    pub f: FilterValues,
    pub regions: Vec<Choice>,
    pub municipalities: Vec<Choice>,
    pub groups: Vec<Choice>,
    pub categories: Vec<Choice>,
    pub statuses: Vec<Choice>,
    pub by_category: Vec<CountLink>,
    pub by_status: Vec<CountLink>,
    /// "Remitentes no registrados": shown to those who see every region (the only ones
    /// whose scope includes "sin región").
    pub unregistered: Option<CountLink>,
    pub page: i64,
    pub pages: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub error: Option<String>,
    /// "El folio 3 corresponde a varios reportes…" after a short-folio search.
    pub notice: Option<String>,
    /// Filters set inside "Más filtros" (it opens when any is).
    pub more_active: usize,
    /// Join requests (altas) waiting in the user's regions, linked to `/registro`.
    pub altas: usize,
}

/// Only the `<tbody>`: what app.js fetches after an event.
#[derive(Template)]
#[template(path = "rows.html")]
pub struct RowsTemplate {
    pub rows: Vec<QueueEntry>,
    pub incidents: HashMap<String, IncidentBadge>,
    pub total: i64,
    /// `{"category:patrol": 3, "status:open": 5, …}` so the filter bar's numbers refresh too.
    pub counts: String,
}

/// The free-text filters as typed, to put back in the form.
#[derive(Default)]
pub struct FilterValues {
    pub since: String,
    pub until: String,
    pub q: String,
}

/// An `<option>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A count in the filter bar, linking to the same filter narrowed to it.
pub struct CountLink {
    /// `category:patrol`, `status:open`: how a live refresh finds the number to update.
    pub key: String,
    pub label: String,
    pub n: i64,
    pub href: String,
    pub active: bool,
}

pub async fn queue(
    State(state): State<AppState>,
    user: WebUser,
    query: Result<Query<ReportFilter>, QueryRejection>,
) -> Response {
    let (filter, mut error) = match query {
        Ok(Query(f)) => (f, None),
        Err(_) => (
            ReportFilter::default(),
            Some("Filtro no válido; se muestran los reportes activos.".to_owned()),
        ),
    };
    let (mut page, status) = match service::list(&state, &user.who, &filter, Utc::now()).await {
        Ok(p) => (p, StatusCode::OK),
        Err(AppError::BadRequest(m)) => {
            error = Some(format!("Filtro no válido: {m}"));
            (
                empty_page(state.config.web.page_size),
                StatusCode::BAD_REQUEST,
            )
        }
        Err(e) => return error_page(e, Some(&user)),
    };
    if page.folio_search && page.items.len() == 1 {
        // The folio a caller read out: straight to its report.
        return Redirect::to(&format!("/reportes/{}", page.items[0].folio)).into_response();
    }
    let (items, incidents) = fold(&state, &user.who, std::mem::take(&mut page.items)).await;
    page.items = items;
    let mut t = queue_template(&state, &user, &filter, page, incidents, error);
    // Join requests are not reports, but they wait for the same people: the queue says so.
    t.altas = crate::queue::registry_requests::pending(&state, &user.who)
        .await
        .map_or(0, |list| list.len());
    render(status, &t)
}

pub async fn rows(
    State(state): State<AppState>,
    user: Result<WebUser, WebRejection>,
    Query(filter): Query<ReportFilter>,
) -> Response {
    let user = match user {
        Ok(u) => u,
        Err(rejection) => return unauthorized(rejection),
    };
    match service::list(&state, &user.who, &filter, Utc::now()).await {
        Ok(page) => {
            let counts = counts_json(&page);
            let (rows, incidents) = fold(&state, &user.who, page.items).await;
            render(
                StatusCode::OK,
                &RowsTemplate {
                    total: page.total,
                    counts,
                    rows,
                    incidents,
                },
            )
        }
        Err(e) => e.into_response(),
    }
}

fn counts_json(page: &service::QueuePage) -> String {
    let mut map = serde_json::Map::new();
    for (kind, list) in [("category", &page.by_category), ("status", &page.by_status)] {
        for c in list.iter() {
            map.insert(format!("{kind}:{}", c.key), c.n.into());
        }
    }
    map.insert("sender:unregistered".into(), page.unregistered.into());
    serde_json::Value::Object(map).to_string()
}

pub async fn events(
    State(state): State<AppState>,
    user: Result<WebUser, WebRejection>,
) -> Response {
    match user {
        Ok(u) => {
            let credential = Credential::Session(digest(&u.session));
            stream::sse(&state, u.who, credential).into_response()
        }
        Err(rejection) => unauthorized(rejection),
    }
}

/// Fragments and streams are fetched by the script, which cannot follow a redirect to a
/// login form: it gets 401 and sends the whole page to sign in.
fn unauthorized(rejection: WebRejection) -> Response {
    match rejection {
        WebRejection::Login(_) => AppError::Unauthorized("inicie sesión".into()).into_response(),
        other => other.into_response(),
    }
}

fn empty_page(per_page: i64) -> QueuePage {
    QueuePage {
        items: Vec::new(),
        by_category: Vec::new(),
        by_status: Vec::new(),
        total: 0,
        unregistered: 0,
        page: 1,
        per_page: per_page.max(1),
        folio_search: false,
    }
}

fn queue_template(
    state: &AppState,
    user: &WebUser,
    filter: &ReportFilter,
    page: QueuePage,
    incidents: HashMap<String, IncidentBadge>,
    error: Option<String>,
) -> QueueTemplate {
    let who = &user.who;
    let link = |change: &dyn Fn(&mut ReportFilter)| {
        let mut f = filter.clone();
        f.page = None;
        change(&mut f);
        format!("/cola?{}", f.query_string())
    };
    let current = |v: &Option<String>| v.clone().unwrap_or_default();
    let counts =
        |list: &[CountView], active: &Option<String>, set: fn(&mut ReportFilter, String)| {
            list.iter()
                .map(|c| CountLink {
                    key: c.key.clone(),
                    label: c.label.clone(),
                    n: c.n,
                    href: link(&|f| set(f, c.key.clone())),
                    active: active.as_deref() == Some(c.key.as_str()),
                })
                .collect::<Vec<_>>()
        };
    let by_category = counts(&page.by_category, &filter.category, |f, k| {
        f.category = Some(k)
    });
    let by_status = counts(&page.by_status, &filter.status, |f, k| f.status = Some(k));
    let pages = ((page.total + page.per_page - 1) / page.per_page).max(1);
    let prev = (page.page > 1).then(|| {
        let n = page.page - 1;
        link(&|f| f.page = Some(n))
    });
    let next = page.has_more().then(|| {
        let n = page.page + 1;
        link(&|f| f.page = Some(n))
    });
    let notice = page.folio_search.then(|| {
        format!(
            "«{}» corresponde a {} reportes (de cualquier estado); elija uno.",
            filter.q.as_deref().unwrap_or_default().trim(),
            page.items.len()
        )
    });
    let more_active = [
        &filter.region,
        &filter.municipality,
        &filter.group,
        &filter.category,
        &filter.since,
        &filter.until,
    ]
    .iter()
    .filter(|v| v.as_deref().is_some_and(|s| !s.trim().is_empty()))
    .count();
    QueueTemplate {
        notice,
        more_active,
        layout: Layout::new("Cola de reportes", "cola", Some(user)),
        total: page.total,
        counts: counts_json(&page),
        f: FilterValues {
            since: current(&filter.since),
            until: current(&filter.until),
            q: current(&filter.q),
        },
        regions: region_choices(state, who, &current(&filter.region)),
        municipalities: municipality_choices(state, who, &current(&filter.municipality)),
        groups: group_choices(state, who, &current(&filter.group)),
        categories: category_choices(&current(&filter.category)),
        statuses: status_choices(&current(&filter.status)),
        by_category,
        by_status,
        unregistered: who.scope().is_none().then(|| CountLink {
            key: "unregistered".into(),
            label: "Remitentes no registrados".into(),
            n: page.unregistered,
            href: if filter.sender.is_some() {
                link(&|f| f.sender = None)
            } else {
                link(&|f| f.sender = Some("unregistered".into()))
            },
            active: filter.sender.as_deref() == Some("unregistered"),
        }),
        page: page.page,
        pages,
        prev,
        next,
        error,
        rows: page.items,
        incidents,
        altas: 0,
    }
}

pub fn choice(value: &str, label: &str, current: &str) -> Choice {
    Choice {
        value: value.to_owned(),
        label: label.to_owned(),
        selected: value == current,
    }
}

pub(super) fn region_choices(state: &AppState, who: &Principal, current: &str) -> Vec<Choice> {
    let mut list = vec![choice("", "Todas mis regiones", current)];
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

fn municipality_choices(state: &AppState, who: &Principal, current: &str) -> Vec<Choice> {
    let registry = state.registry.current();
    let mut names: Vec<&str> = registry
        .groups()
        .iter()
        .filter(|g| who.sees_region(&g.region))
        .map(|g| g.municipality.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut list = vec![choice("", "Todos", current)];
    list.extend(names.into_iter().map(|m| choice(m, m, current)));
    list
}

fn group_choices(state: &AppState, who: &Principal, current: &str) -> Vec<Choice> {
    let registry = state.registry.current();
    let mut groups: Vec<_> = registry
        .groups()
        .iter()
        .filter(|g| who.sees_region(&g.region))
        .collect();
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    let mut list = vec![choice("", "Todos", current)];
    list.extend(groups.into_iter().map(|g| choice(&g.id, &g.name, current)));
    list
}

pub(super) fn category_choices(current: &str) -> Vec<Choice> {
    let mut list = vec![choice("", "Todas", current)];
    list.extend(
        crate::triage::Category::ALL
            .iter()
            .map(|c| choice(c.as_str(), c.label_es(), current)),
    );
    list
}

pub(super) fn status_choices(current: &str) -> Vec<Choice> {
    let mut list = vec![choice("", "Activos (abiertos y en atención)", current)];
    list.extend(STATUSES.iter().map(|s| choice(s, status_es(s), current)));
    list.push(choice("all", "Todos", current));
    list
}
