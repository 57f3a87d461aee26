//! The reports that say where they happened, as map pins. The list comes through the
//! queue's own filter (`ReportFilter` with the caller's region scope), so the map shows
//! exactly the reports the queue would, and a coordinator never sees another region's pins.
//!
//! A pin is the last WhatsApp location the citizen shared with the report. Reports
//! without one are counted, not placed: the registry has no colonia coordinates to fall
//! back on, and a pin at a guessed place would send a patrol to the wrong street.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::filter::ReportFilter;
use super::principal::Principal;
use crate::app::state::AppState;
use crate::error::AppError;
use crate::reports::format_duration_es;
use crate::vocab::{category_es, priority_es, status_es};

/// Reports read for one map: enough for a region's busy week; the page says when more
/// matched and the filters narrow it.
pub const MAP_LIMIT: i64 = 500;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MapPin {
    pub folio: String,
    pub region: String,
    pub category: String,
    pub category_es: String,
    pub priority: String,
    pub priority_es: String,
    pub status: String,
    pub status_es: String,
    pub received_at: DateTime<Utc>,
    /// Seconds since the report arrived.
    pub age_secs: i64,
    /// "hace 3 h 05 min".
    pub age_es: String,
    pub latitude: f64,
    pub longitude: f64,
    /// The location's name or address as WhatsApp sent it.
    pub place: Option<String>,
    pub group: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MapPins {
    pub pins: Vec<MapPin>,
    /// Reports under the filter that carry no location.
    pub without_location: u64,
    /// More than [`MAP_LIMIT`] reports matched: only the first were read.
    pub truncated: bool,
}

/// The pins `who` may see under `filter`, most urgent first (the queue's order).
pub async fn pins(
    state: &AppState,
    who: &Principal,
    filter: &ReportFilter,
    now: DateTime<Utc>,
) -> Result<MapPins, AppError> {
    let mut filter = filter.clone();
    // One map shows everything that matched, not a page of it.
    filter.page = None;
    filter.per_page = None;
    let mut q = filter
        .to_query(who, &state.registry.current(), MAP_LIMIT)
        .map_err(AppError::BadRequest)?;
    q.limit = MAP_LIMIT + 1;
    let mut items = state.store.query_reports(&q).await?;
    let truncated = items.len() as i64 > MAP_LIMIT;
    items.truncate(MAP_LIMIT as usize);
    let ids: Vec<i64> = items.iter().map(|i| i.report.message_id).collect();
    let mut places = HashMap::new();
    // Oldest first: the last location shared is the one kept.
    for p in state.store.report_places(&ids).await? {
        places.insert(p.message_id, p);
    }
    let mut out = MapPins {
        pins: Vec::new(),
        without_location: 0,
        truncated,
    };
    for item in &items {
        let r = &item.report;
        let Some(p) = places.get(&r.message_id) else {
            out.without_location += 1;
            continue;
        };
        if !(-90.0..=90.0).contains(&p.latitude) || !(-180.0..=180.0).contains(&p.longitude) {
            out.without_location += 1;
            continue;
        }
        let age_secs = (now - r.created_at).num_seconds().max(0);
        out.pins.push(MapPin {
            folio: r.folio.clone(),
            region: r.region.clone(),
            category: r.category.clone(),
            category_es: category_es(&r.category).to_owned(),
            priority: r.priority.clone(),
            priority_es: priority_es(&r.priority).to_owned(),
            status: r.status.clone(),
            status_es: status_es(&r.status).to_owned(),
            received_at: r.created_at,
            age_secs,
            age_es: format!(
                "hace {}",
                format_duration_es(chrono::Duration::seconds(age_secs))
            ),
            latitude: p.latitude,
            longitude: p.longitude,
            place: p
                .location_name
                .clone()
                .or_else(|| p.location_address.clone())
                .filter(|s| !s.trim().is_empty()),
            group: state
                .registry
                .current()
                .group(&r.group_ref)
                .map_or_else(|| r.group_ref.clone(), |g| g.name.clone()),
        });
    }
    Ok(out)
}
