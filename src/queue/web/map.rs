//! The map page (`/mapa`): the queue's reports that carry a location, as pins and as a
//! list. The list is server-rendered and carries each pin's coordinates, so the page works
//! with no tiles (offline, a blocked tile server) and even without the script; `map.js`
//! turns the list into Leaflet pins.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use chrono::Utc;

use super::pages::{category_choices, region_choices, status_choices, Choice};
use super::render::{error_page, render, Layout};
use super::security::csp_with_images_from;
use crate::app::state::AppState;
use crate::error::AppError;
use crate::queue::auth::WebUser;
use crate::queue::filter::ReportFilter;
use crate::queue::map::{pins, MapPins, MAP_LIMIT};

#[derive(Template)]
#[template(path = "map.html")]
pub struct MapTemplate {
    pub layout: Layout,
    pub m: MapPins,
    pub limit: i64,
    /// Tile URL template for Leaflet; empty: no background.
    pub tiles: String,
    pub attribution: String,
    pub regions: Vec<Choice>,
    pub categories: Vec<Choice>,
    pub statuses: Vec<Choice>,
    pub q: String,
    /// The filters the form does not show, kept as hidden fields so a search keeps them.
    pub hidden: Vec<(String, String)>,
    /// The same filters in the queue.
    pub queue_href: String,
    pub error: Option<String>,
}

pub async fn page(
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
    let (m, status) = match pins(&state, &user.who, &filter, Utc::now()).await {
        Ok(m) => (m, StatusCode::OK),
        Err(AppError::BadRequest(msg)) => {
            error = Some(format!("Filtro no válido: {msg}"));
            let empty = MapPins {
                pins: Vec::new(),
                without_location: 0,
                truncated: false,
            };
            (empty, StatusCode::BAD_REQUEST)
        }
        Err(e) => return error_page(e, Some(&user)),
    };
    let current = |v: &Option<String>| v.clone().unwrap_or_default();
    let mut hidden = Vec::new();
    for (name, value) in [
        ("municipality", &filter.municipality),
        ("group", &filter.group),
        ("since", &filter.since),
        ("until", &filter.until),
        ("sender", &filter.sender),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty()) {
            hidden.push((name.to_owned(), v.to_owned()));
        }
    }
    let mut in_queue = filter.clone();
    in_queue.page = None;
    let map = &state.config.map;
    let t = MapTemplate {
        layout: Layout::new("Mapa de reportes", "mapa", Some(&user)),
        m,
        limit: MAP_LIMIT,
        tiles: map.tiles.clone(),
        attribution: map.attribution.clone(),
        regions: region_choices(&state, &user.who, &current(&filter.region)),
        categories: category_choices(&current(&filter.category)),
        statuses: status_choices(&current(&filter.status)),
        q: current(&filter.q),
        hidden,
        queue_href: format!("/cola?{}", in_queue.query_string()),
        error,
    };
    let mut response = render(status, &t);
    // The tile server is the one image source this page adds to the policy; validated when
    // the configuration was loaded, so an error here cannot happen in a running server.
    if let Ok(Some(origin)) = map.tile_origin() {
        if let Ok(v) = HeaderValue::from_str(&csp_with_images_from(&origin)) {
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    response
}
