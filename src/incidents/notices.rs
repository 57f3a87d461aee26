//! What people are told about an incident: the coordinators' notice when it opens and
//! again as it grows past [`GROWTH`] sizes, and each reporter's outcome when it is
//! acknowledged or resolved. Pure functions of the incident's state; the worker sends what
//! they return inside the store's placement and outcome transactions.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::registry::Registry;
use crate::routing::{coordinators_for, excerpt, to_coordinator};
use crate::store::{IncidentSource, IncidentState, NewOutbox, PendingOutcome};
use crate::triage::{Category, Priority};
use crate::vocab::priority_es;

/// Sizes at which coordinators hear again that an incident grew.
pub const GROWTH: [i64; 4] = [5, 10, 25, 50];

/// The coordinators' notices an incident's new state calls for: the first report's
/// notice, or a follow-up when it passes a [`GROWTH`] size.
pub(super) fn notices(
    registry: &Registry,
    s: &IncidentState,
    r: &IncidentSource,
    place: Option<&str>,
    now: DateTime<Utc>,
) -> Vec<NewOutbox> {
    let Some(region) = registry.region(&s.region) else {
        return Vec::new();
    };
    let category: Option<Category> = s.category.parse().ok();
    let priority: Priority = r.priority.parse().unwrap_or(Priority::Normal);
    // The 9-1-1 safety net makes a report critical whatever its category: such an
    // incident goes to the emergency roster, first in the queue.
    let urgent = category == Some(Category::Emergency911) || priority == Priority::Critical;
    let roster = if urgent {
        Category::Emergency911
    } else {
        category.unwrap_or(Category::Other)
    };
    let label = match category {
        Some(c) if urgent && c != Category::Emergency911 => {
            format!("{} (posible emergencia)", c.label_es())
        }
        Some(c) => c.label_es().to_owned(),
        None => s.category.clone(),
    };
    let text = r.text.as_deref().map(excerpt).unwrap_or_default();
    // The report that leads the incident is told as a new event: the one that opened it,
    // or an event that took over a comment's incident (the comment told coordinators of
    // no event).
    let (purpose, params) = if s.lead_report_id == r.report_id {
        if s.lead_notified {
            return Vec::new();
        }
        let group = registry.group(&r.group_ref);
        (
            "coordinator_notice",
            json!({
                "grupo": group.map_or(r.group_ref.as_str(), |g| g.name.as_str()),
                "colonia": group.map(|g| g.colonias.join(", ")).unwrap_or_default(),
                "categoria": label,
                "prioridad": priority_es(priority.as_str()).to_lowercase(),
                "extracto": text,
            }),
        )
    } else if GROWTH
        .iter()
        .any(|&t| s.notified_count < t && t <= s.report_count)
    {
        (
            "incident_update",
            json!({
                "resumen": summary(s.report_count, s.groups, place),
                "categoria": label,
                "prioridad": priority_es(priority.as_str()).to_lowercase(),
                "extracto": text,
            }),
        )
    } else {
        return Vec::new();
    };
    let urgency = if urgent { 1 } else { 3 };
    coordinators_for(region, roster, now)
        .into_iter()
        .filter_map(|c| to_coordinator(c, purpose, urgency, &params, now))
        .collect()
}

/// "5 reportes de 3 grupos en Col. Villa Bonita".
pub fn summary(reports: i64, groups: i64, place: Option<&str>) -> String {
    let plural = |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut s = format!(
        "{} de {}",
        plural(reports, "reporte", "reportes"),
        plural(groups, "grupo", "grupos")
    );
    if let Some(p) = place {
        s.push_str(" en ");
        s.push_str(p);
    }
    s
}

/// The reporter's message for an outcome: their own report's status, in the words every
/// reporter gets (`reporter_status`); none when their report already had it (an operator
/// acted on it alone and they were told then).
pub(super) fn tell_reporter(o: &PendingOutcome, now: DateTime<Utc>) -> Option<NewOutbox> {
    let already = match o.status.as_str() {
        "acknowledged" => o.member_status != "open",
        _ => !matches!(o.member_status.as_str(), "open" | "acknowledged"),
    };
    if already {
        return None;
    }
    let status = if o.status == "resolved" {
        "resolved"
    } else {
        "acknowledged"
    };
    NewOutbox::to_origin(
        o.cloud_group_id.as_deref(),
        o.sender_phone.as_deref(),
        o.sender_bsuid.as_deref(),
        &o.wamid,
        "reporter_status",
        json!({ "folio": o.folio, "status": status, "incidente": o.lead_folio }),
        now,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_agree_in_number() {
        assert_eq!(
            summary(5, 3, Some("Col. Villa Bonita")),
            "5 reportes de 3 grupos en Col. Villa Bonita"
        );
        assert_eq!(summary(1, 1, None), "1 reporte de 1 grupo");
    }
}
