//! The queue's filters as the page and the API receive them, turned into a store query with
//! the caller's region scope. `reports` (weekly figures) uses the same function, so the
//! queue, the exports and the summary page always count the same reports.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::access::principal::Principal;
use crate::registry::Registry;
use crate::routing::UNREGISTERED_GROUP;
use crate::store::ReportQuery;

/// Query-string filters. Lists are comma-separated (`status=open,acknowledged`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ReportFilter {
    pub region: Option<String>,
    pub municipality: Option<String>,
    pub group: Option<String>,
    pub category: Option<String>,
    /// Default: the active ones (open, acknowledged); `all` for every status.
    pub status: Option<String>,
    /// `YYYY-MM-DD` (local day in the region's time zone) or RFC 3339.
    pub since: Option<String>,
    pub until: Option<String>,
    /// Words in the message or the folio.
    pub q: Option<String>,
    /// `unregistered`: only reports from numbers in no registered group.
    pub sender: Option<String>,
    /// 1-based.
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

pub const ACTIVE: [&str; 2] = ["open", "acknowledged"];
pub const STATUSES: [&str; 5] = ["open", "acknowledged", "resolved", "dismissed", "duplicate"];

impl ReportFilter {
    /// The store query for `who`. A region outside the caller's scope yields nothing rather
    /// than an error, like any filter that matches nothing.
    pub fn to_query(
        &self,
        who: &Principal,
        registry: &Registry,
        page_size: i64,
    ) -> Result<ReportQuery, String> {
        let mut regions = who.scope();
        if let Some(r) = non_empty(&self.region) {
            regions = Some(if who.sees_region(r) {
                vec![r.to_owned()]
            } else {
                Vec::new()
            });
        }
        let mut groups: Option<Vec<String>> = None;
        if let Some(m) = non_empty(&self.municipality) {
            groups = Some(
                registry
                    .groups()
                    .iter()
                    .filter(|g| g.municipality.eq_ignore_ascii_case(m))
                    .map(|g| g.id.clone())
                    .collect(),
            );
        }
        if let Some(g) = non_empty(&self.group) {
            groups = Some(match groups {
                Some(list) => list.into_iter().filter(|x| x == g).collect(),
                None => vec![g.to_owned()],
            });
        }
        match non_empty(&self.sender) {
            None => {}
            Some("unregistered") => {
                groups = Some(match groups {
                    Some(list) => list
                        .into_iter()
                        .filter(|x| x == UNREGISTERED_GROUP)
                        .collect(),
                    None => vec![UNREGISTERED_GROUP.to_owned()],
                });
            }
            Some(other) => return Err(format!("remitente desconocido: {other}")),
        }
        let statuses = match non_empty(&self.status) {
            None => ACTIVE.iter().map(|s| s.to_string()).collect(),
            Some("all") => Vec::new(),
            Some(list) => split(list, &STATUSES, "estado")?,
        };
        let categories = match non_empty(&self.category) {
            None => Vec::new(),
            Some(list) => {
                let known: Vec<&str> = crate::triage::Category::ALL
                    .iter()
                    .map(|c| c.as_str())
                    .collect();
                split(list, &known, "categoría")?
            }
        };
        let text = non_empty(&self.q).map(str::to_owned);
        let text_groups = text
            .as_deref()
            .map(|t| groups_named(registry, who, t))
            .unwrap_or_default();
        let tz = self.time_zone(registry);
        let per_page = self.per_page.unwrap_or(page_size).clamp(1, 500);
        let page = self.page.unwrap_or(1).max(1);
        Ok(ReportQuery {
            regions,
            groups,
            categories,
            statuses,
            since: parse_time(non_empty(&self.since), tz, false)?,
            until: parse_time(non_empty(&self.until), tz, true)?,
            text,
            text_groups,
            folio: None,
            folio_suffix: None,
            chronological: false,
            limit: per_page,
            offset: (page - 1) * per_page,
            after_id: None,
        })
    }

    /// Dates are read in the filtered region's zone, else the first region's.
    fn time_zone(&self, registry: &Registry) -> chrono_tz::Tz {
        non_empty(&self.region)
            .and_then(|r| registry.region(r))
            .or_else(|| registry.regions().first())
            .map_or(chrono_tz::America::Mexico_City, |r| r.time_zone)
    }

    /// The filter as a query string, for links (pagination, downloads).
    pub fn query_string(&self) -> String {
        serde_urlencoded::to_string(self).unwrap_or_default()
    }
}

/// What a caller reads out as a folio: the whole one (`SON-2026-000003`, any case) or
/// only its number (`000003`, `3`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FolioInput {
    Full(String),
    Short(i64),
}

impl FolioInput {
    pub fn parse(s: &str) -> Option<FolioInput> {
        let s = s.trim();
        if let Ok(f) = s.parse::<crate::routing::Folio>() {
            return Some(FolioInput::Full(f.to_string()));
        }
        let digits = s.trim_start_matches('#');
        if (1..=9).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
            return digits
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .map(FolioInput::Short);
        }
        None
    }

    /// The store query for it in `who`'s scope, whatever the status.
    pub fn to_query(&self, who: &Principal) -> ReportQuery {
        let (folio, folio_suffix) = match self {
            FolioInput::Full(f) => (Some(f.clone()), None),
            FolioInput::Short(n) => (None, Some(format!("-{n:06}"))),
        };
        ReportQuery {
            regions: who.scope(),
            folio,
            folio_suffix,
            limit: 50,
            ..ReportQuery::default()
        }
    }
}

/// Groups in `who`'s scope whose name or one of whose colonias contains `text`, ignoring
/// case and accents.
fn groups_named(registry: &Registry, who: &Principal, text: &str) -> Vec<String> {
    let needle = crate::store::fold_text(text.trim());
    if needle.chars().count() < 3 {
        // One or two letters name half the registry: the text search alone is meant.
        return Vec::new();
    }
    registry
        .groups()
        .iter()
        .filter(|g| who.sees_region(&g.region))
        .filter(|g| {
            crate::store::fold_text(&g.name).contains(&needle)
                || g.colonias
                    .iter()
                    .any(|c| crate::store::fold_text(c).contains(&needle))
        })
        .map(|g| g.id.clone())
        .collect()
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn split(list: &str, known: &[&str], what: &str) -> Result<Vec<String>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            if known.contains(&s) {
                Ok(s.to_owned())
            } else {
                Err(format!("{what} desconocido(a): {s}"))
            }
        })
        .collect()
}

/// A day means its local midnight (for `until`, the next midnight: the day is included).
fn parse_time(
    v: Option<&str>,
    tz: chrono_tz::Tz,
    end_of_day: bool,
) -> Result<Option<DateTime<Utc>>, String> {
    let Some(v) = v else { return Ok(None) };
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    let day = NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map_err(|_| format!("fecha inválida: {v}; use AAAA-MM-DD"))?;
    let day = if end_of_day {
        day.succ_opt().unwrap_or(day)
    } else {
        day
    };
    let local = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    Ok(tz
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.with_timezone(&Utc)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::principal::Role;

    fn who(regions: &[&str]) -> Principal {
        Principal {
            user_id: 1,
            name: "ana".into(),
            role: Role::Operator,
            regions: regions.iter().map(|s| s.to_string()).collect(),
            may_reveal: false,
        }
    }

    fn registry() -> Registry {
        Registry::load_dir(std::path::Path::new("config/registry")).unwrap()
    }

    #[test]
    fn scope_and_region_filter_intersect() {
        let reg = registry();
        let f = ReportFilter {
            region: Some("other-region".into()),
            ..Default::default()
        };
        let q = f.to_query(&who(&["son-centro"]), &reg, 50).unwrap();
        assert_eq!(q.regions, Some(vec![]), "outside the scope matches nothing");
        let q = ReportFilter::default()
            .to_query(&who(&[]), &reg, 50)
            .unwrap();
        assert_eq!(q.regions, None);
        assert_eq!(q.statuses, vec!["open", "acknowledged"]);
    }

    #[test]
    fn folios_as_read_out() {
        assert_eq!(
            FolioInput::parse(" son-2026-000003 "),
            Some(FolioInput::Full("SON-2026-000003".into()))
        );
        assert_eq!(
            FolioInput::parse("SON-2026-3"),
            Some(FolioInput::Full("SON-2026-000003".into()))
        );
        assert_eq!(FolioInput::parse("000003"), Some(FolioInput::Short(3)));
        assert_eq!(FolioInput::parse("3"), Some(FolioInput::Short(3)));
        assert_eq!(FolioInput::parse("#12"), Some(FolioInput::Short(12)));
        assert_eq!(FolioInput::parse("0"), None);
        assert_eq!(
            FolioInput::parse("6621234567"),
            None,
            "a phone is not a folio"
        );
        assert_eq!(FolioInput::parse("patrulla 3"), None);
        let q = FolioInput::Short(3).to_query(&who(&["son-centro"]));
        assert_eq!(q.folio_suffix.as_deref(), Some("-000003"));
        assert!(q.statuses.is_empty(), "whatever the status");
        assert_eq!(q.regions, Some(vec!["son-centro".to_owned()]));
    }

    #[test]
    fn text_search_names_groups_and_colonias_without_accents() {
        let reg = registry();
        let g = reg
            .groups()
            .iter()
            .find(|g| {
                g.colonias
                    .iter()
                    .any(|c| c.chars().any(|ch| "áéíóú".contains(ch)))
            })
            .expect("a colonia with an accent in the default registry");
        let colonia = g
            .colonias
            .iter()
            .find(|c| c.chars().any(|ch| "áéíóú".contains(ch)))
            .unwrap();
        let typed = crate::store::fold_text(colonia).to_uppercase();
        let f = ReportFilter {
            q: Some(typed),
            ..Default::default()
        };
        let q = f.to_query(&who(&[]), &reg, 50).unwrap();
        assert!(q.text_groups.contains(&g.id), "{:?}", q.text_groups);
        // Outside the caller's regions the group is not named.
        let other: Vec<&str> = reg
            .regions()
            .iter()
            .map(|r| r.id.as_str())
            .filter(|r| *r != g.region)
            .collect();
        let q = f.to_query(&who(&other[..1]), &reg, 50).unwrap();
        assert!(!q.text_groups.contains(&g.id));
    }

    #[test]
    fn lists_dates_and_bad_values() {
        let reg = registry();
        let f = ReportFilter {
            status: Some("all".into()),
            category: Some("patrol, other".into()),
            since: Some("2026-11-01".into()),
            until: Some("2026-11-01".into()),
            page: Some(3),
            per_page: Some(20),
            ..Default::default()
        };
        let q = f.to_query(&who(&[]), &reg, 50).unwrap();
        assert!(q.statuses.is_empty());
        assert_eq!(q.categories, vec!["patrol", "other"]);
        assert_eq!(
            q.until.unwrap() - q.since.unwrap(),
            chrono::Duration::days(1)
        );
        assert_eq!((q.limit, q.offset), (20, 40));
        let bad = ReportFilter {
            status: Some("borrado".into()),
            ..Default::default()
        };
        assert!(bad.to_query(&who(&[]), &reg, 50).is_err());
    }
}
