//! The queue's filters as the page and the API receive them, turned into a store query with
//! the caller's region scope. `reports` (weekly figures) uses the same function, so the
//! queue, the exports and the summary page always count the same reports.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::access::principal::Principal;
use crate::registry::Registry;
use crate::routing::UNREGISTERED_GROUP;
use crate::store::ReportQuery;

/// Query-string filters. Lists are comma-separated (`status=open,acknowledged`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(default)]
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
            text: non_empty(&self.q).map(str::to_owned),
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
