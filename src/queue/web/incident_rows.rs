//! Incidents on the queue: the reports of one incident of two or more share one row (its
//! first report on the page), which says how many reports, from how many groups, over
//! which minutes, and expands to the others. The report page says which incident a report
//! is part of and the signals that placed it there.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::access::principal::Principal;
use crate::app::state::AppState;
use crate::queue::views::QueueEntry;
use crate::registry::Registry;
use crate::store::IncidentMemberView;
use crate::vocab::status_es;

/// What a lead row adds: the badge and the reports folded under it.
pub struct IncidentBadge {
    /// "Incidente · 5 reportes de 3 grupos · 14:02–14:40".
    pub text: String,
    pub others: Vec<MemberLine>,
}

/// Another report of the incident, as a line under the lead row or on the report page.
pub struct MemberLine {
    pub folio: String,
    pub group_name: String,
    pub time: String,
    pub status_es: String,
    /// The incident's first report.
    pub lead: bool,
}

/// Folds each incident's reports on the page into one row. A report's incident is read
/// once per page; if it cannot be read the queue shows every report on its own row.
pub async fn fold(
    state: &AppState,
    who: &Principal,
    mut rows: Vec<QueueEntry>,
) -> (Vec<QueueEntry>, HashMap<String, IncidentBadge>) {
    let mut badges = HashMap::new();
    let (Some(from), Some(to)) = (
        rows.iter().map(|e| e.created_at).min(),
        rows.iter().map(|e| e.created_at).max(),
    ) else {
        return (rows, badges);
    };
    let members = match state.store.incident_members_spanning(from, to).await {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(error = %e, "queue: incidents not read; reports shown one per row");
            return (rows, badges);
        }
    };
    let registry = state.registry.current();
    let on_page: HashMap<&str, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, e)| (e.folio.as_str(), i))
        .collect();
    let mut by_incident: BTreeMap<i64, Vec<&IncidentMemberView>> = BTreeMap::new();
    for m in members.iter().filter(|m| who.sees_region(&m.member_region)) {
        by_incident.entry(m.incident.id).or_default().push(m);
    }
    let mut hidden: HashSet<String> = HashSet::new();
    // An incident reaching into a region the operator does not see may leave one report.
    for list in by_incident.values().filter(|l| l.len() >= 2) {
        let here: Vec<usize> = list
            .iter()
            .filter_map(|m| on_page.get(m.member_folio.as_str()).copied())
            .collect();
        let Some(&first_here) = here.iter().min() else {
            continue;
        };
        let incident = &list[0].incident;
        // The incident's first report leads when the page holds it; otherwise the
        // member highest on the page does.
        let lead = on_page
            .get(incident.lead_folio.as_str())
            .map_or(rows[first_here].folio.clone(), |&i| rows[i].folio.clone());
        let tz = zone(&registry, &incident.region);
        for &i in &here {
            if rows[i].folio != lead {
                hidden.insert(rows[i].folio.clone());
            }
        }
        let others = list
            .iter()
            .filter(|m| m.member_folio != lead)
            .map(|m| line(&registry, m, tz))
            .collect();
        badges.insert(
            lead,
            IncidentBadge {
                text: summary(list, tz),
                others,
            },
        );
    }
    rows.retain(|e| !hidden.contains(&e.folio));
    (rows, badges)
}

/// The incident holding `folio`, for the report page: its first report, the others, and
/// the signals that placed this report.
pub struct IncidentPart {
    pub lead_folio: String,
    /// This report is the first one.
    pub is_lead: bool,
    pub summary: String,
    pub others: Vec<MemberLine>,
    /// "tiempo: 0.83 (5 min)", … in the order grouping weighed them.
    pub signals: Vec<String>,
    /// "Lo unió un operador" or "Abrió el incidente", when no signals apply.
    pub how: Option<&'static str>,
}

pub async fn part_of(state: &AppState, who: &Principal, folio: &str) -> Option<IncidentPart> {
    let members = match state.store.incident_members_of_folio(folio).await {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(error = %e, "report page: incident not read");
            return None;
        }
    };
    let members: Vec<&IncidentMemberView> = members
        .iter()
        .filter(|m| who.sees_region(&m.member_region))
        .collect();
    if members.len() < 2 {
        return None;
    }
    let incident = &members[0].incident;
    let registry = state.registry.current();
    let tz = zone(&registry, &incident.region);
    let me = members.iter().find(|m| m.member_folio == folio)?;
    let is_lead = incident.lead_folio == folio;
    let signals = signal_lines(&me.member_signals);
    let how = if is_lead {
        Some("Este reporte abrió el incidente.")
    } else if signals.is_empty() {
        Some("Lo unió un operador.")
    } else {
        None
    };
    Some(IncidentPart {
        lead_folio: incident.lead_folio.clone(),
        is_lead,
        summary: summary(&members, tz),
        others: members
            .iter()
            .filter(|m| m.member_folio != folio)
            .map(|m| line(&registry, m, tz))
            .collect(),
        signals: if is_lead { Vec::new() } else { signals },
        how,
    })
}

fn zone(registry: &Registry, region: &str) -> Tz {
    registry
        .region(region)
        .or_else(|| registry.regions().first())
        .map_or(chrono_tz::America::Mexico_City, |r| r.time_zone)
}

fn hm(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%H:%M").to_string()
}

/// "Incidente · 5 reportes de 3 grupos · 14:02–14:40", counted from what the caller sees.
fn summary(members: &[&IncidentMemberView], tz: Tz) -> String {
    let n = members.len();
    let groups = members
        .iter()
        .map(|m| m.member_group.as_str())
        .collect::<HashSet<_>>()
        .len();
    let first = members.iter().map(|m| m.member_created_at).min();
    let last = members.iter().map(|m| m.member_created_at).max();
    let span = match (first, last) {
        (Some(a), Some(b)) if hm(a, tz) != hm(b, tz) => format!("{}–{}", hm(a, tz), hm(b, tz)),
        (Some(a), _) => hm(a, tz),
        _ => String::new(),
    };
    let groups_es = if groups == 1 { "grupo" } else { "grupos" };
    format!("Incidente · {n} reportes de {groups} {groups_es} · {span}")
}

fn line(registry: &Registry, m: &IncidentMemberView, tz: Tz) -> MemberLine {
    MemberLine {
        folio: m.member_folio.clone(),
        group_name: registry
            .group(&m.member_group)
            .map_or_else(|| m.member_group.clone(), |g| g.name.clone()),
        time: hm(m.member_created_at, tz),
        status_es: status_es(&m.member_status).to_owned(),
        lead: m.member_folio == m.incident.lead_folio,
    }
}

/// The grouping decision's signals (`{"signals": [{"name", "score", "detail"}, …]}`) in
/// words; an operator's placement (`{}`) has none.
fn signal_lines(json: &str) -> Vec<String> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(json) else {
        return Vec::new();
    };
    let Some(list) = v.get("signals").and_then(|s| s.as_array()) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|s| {
            let name = s.get("name")?.as_str()?;
            let score = s.get("score")?.as_f64()?;
            let detail = s.get("detail").and_then(|d| d.as_str());
            Some(match detail {
                Some(d) => format!("{name}: coincidencia {:.0} % ({d})", score * 100.0),
                None => format!("{name}: coincidencia {:.0} %", score * 100.0),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::signal_lines;

    #[test]
    fn signals_read_as_words_and_an_operators_placement_has_none() {
        let json = r#"{"incident":3,"signals":[{"name":"tiempo","score":0.8,"detail":"4 min"},
            {"name":"misma foto","score":1.0}]}"#;
        assert_eq!(
            signal_lines(json),
            vec![
                "tiempo: coincidencia 80 % (4 min)".to_owned(),
                "misma foto: coincidencia 100 %".to_owned()
            ]
        );
        assert!(signal_lines("{}").is_empty());
        assert!(signal_lines("no es json").is_empty());
    }
}
