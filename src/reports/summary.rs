//! Weekly figures for one region, computed from plain request rows.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::stats::{ack_secs, resolve_secs, AckHistogram, DurationStats};
use super::week::IsoWeek;
use crate::vocab::labels::category_rank;

/// One request as exported. Holds no phone number on purpose: exports leave the system.
/// The request text is there because coordinators must know what was asked ("Detalle");
/// every export is recorded in the audit trail with who took it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestRow {
    pub folio: String,
    /// Region id.
    pub region: String,
    /// The region's display name, for the all-regions exports' "Región" column.
    pub region_name: String,
    pub received_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// When the request was closed (resolved, dismissed or marked duplicate).
    pub resolved_at: Option<DateTime<Utc>>,
    /// When it had to be acknowledged by.
    pub ack_deadline: Option<DateTime<Utc>>,
    pub group_ref: String,
    pub group_name: String,
    /// Already Spanish, e.g. "comité vecinal", "escuela", "comercio".
    pub group_kind: String,
    pub municipality: String,
    /// The colonia of the REPORT, when its location or text names one of the group's
    /// (see `reports::colonia`); never the group's whole list.
    pub colonia: Option<String>,
    /// What the citizen wrote (or the caption of what they sent).
    pub text: Option<String>,
    /// emergency_911, tip_089, patrol, workshop, follow_up, other.
    pub category: String,
    /// critical, high, normal, low.
    pub priority: String,
    /// open, acknowledged, resolved, dismissed, duplicate.
    pub status: String,
    /// Display name.
    pub coordinator: Option<String>,
    /// Who closed it, else who acknowledged it (display name).
    pub handler: Option<String>,
    /// Reports marked duplicate of this one.
    pub merged_count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupCount {
    pub group_ref: String,
    pub name: String,
    pub kind: String,
    pub count: u64,
}

/// Acknowledgement deadlines as of when the figures were computed. A deadline not reached
/// yet is neither met nor missed, so it counts apart instead of dragging the share down.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DeadlineStats {
    pub with_deadline: u64,
    /// Acknowledged on or before the deadline ("en plazo").
    pub within: u64,
    /// Acknowledged after it, or not acknowledged and the deadline has passed ("vencidas").
    pub late: u64,
    /// Not acknowledged and the deadline is still ahead ("aún no vencen").
    pub not_yet_due: u64,
    /// `within / (within + late)` in 0..=1; None when no deadline was reached.
    pub share: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryChange {
    pub category: String,
    pub this_week: u64,
    /// Mean over the 4 previous weeks; a week without rows counts as 0.
    pub previous_avg: f64,
    /// None when the previous average is 0 (a percentage of nothing).
    pub change_pct: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeeklySummary {
    pub week: IsoWeek,
    pub label: String,
    /// IANA zone the week and all local times were computed in.
    pub time_zone: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub total: u64,
    pub merged_reports: u64,
    pub by_category: BTreeMap<String, u64>,
    pub by_municipality: BTreeMap<String, u64>,
    /// category → municipality → count.
    pub by_category_municipality: BTreeMap<String, BTreeMap<String, u64>>,
    /// Most requests first, then by name.
    pub by_group: Vec<GroupCount>,
    pub ack_within_deadline: DeadlineStats,
    pub time_to_ack: DurationStats,
    /// Only requests with status "resolved": quick dismissals and duplicate
    /// merges would otherwise make resolution look faster than it is.
    pub time_to_resolve: DurationStats,
    pub ack_histogram: AckHistogram,
    /// Received in the week and not closed by the week's end instant.
    pub open_at_week_end: u64,
    /// In category order (known categories first).
    pub change_vs_previous: Vec<CategoryChange>,
    /// The week's requests by the colonia where each happened.
    pub by_colonia: Vec<super::colonia::ColoniaCount>,
    /// Requests received up to the week's end and still open or acknowledged at `as_of`,
    /// oldest first (the first `PENDING_SHOWN`).
    pub pending: Vec<super::pending::PendingItem>,
    pub pending_total: u64,
    /// When the figures were computed: ages and deadlines are measured against it.
    pub as_of: DateTime<Utc>,
    /// The configured deadlines in words; filled by `export::summary`, which has the
    /// configuration.
    pub deadline_legend: Vec<String>,
    /// Messages sent in the week and what they cost (the cost ledger); filled by
    /// `export::summary`, which has the store.
    pub messages: super::costs::MessageCosts,
    /// Colonias and categories far above their own previous 8 weeks (`reports::trends`);
    /// filled by `export::summary`, which knows when the installation's history starts.
    pub trends: Vec<super::trends::Trend>,
}

/// Number of earlier weeks the change column compares against.
pub const PREVIOUS_WEEKS: usize = 4;

/// Per-week category counts for charts, oldest first.
pub type WeeklySeries = Vec<(IsoWeek, BTreeMap<String, u64>)>;

impl WeeklySummary {
    /// [`WeeklySummary::compute_at`] now.
    pub fn compute(
        week: IsoWeek,
        tz: Tz,
        this_week: &[RequestRow],
        previous_weeks: &[RequestRow],
    ) -> WeeklySummary {
        Self::compute_at(week, tz, this_week, previous_weeks, Utc::now())
    }

    /// Rows whose local week (in `tz`) is not `week`, or not one of the 4
    /// weeks before it for `previous_weeks`, are ignored: callers may
    /// over-fetch with a UTC range without skewing the figures. The pending list takes
    /// every row of both slices received before the week's end. Deadlines and ages are
    /// judged at `now`.
    pub fn compute_at(
        week: IsoWeek,
        tz: Tz,
        this_week: &[RequestRow],
        previous_weeks: &[RequestRow],
        now: DateTime<Utc>,
    ) -> WeeklySummary {
        let (starts_at, ends_at) = week.bounds(tz);
        let rows: Vec<&RequestRow> = this_week
            .iter()
            .filter(|r| IsoWeek::of(r.received_at, tz) == week)
            .collect();

        let mut s = WeeklySummary {
            week,
            label: week.label_es(),
            time_zone: tz.name().to_string(),
            starts_at,
            ends_at,
            total: rows.len() as u64,
            merged_reports: rows.iter().map(|r| u64::from(r.merged_count)).sum(),
            by_category: BTreeMap::new(),
            by_municipality: BTreeMap::new(),
            by_category_municipality: BTreeMap::new(),
            by_group: Vec::new(),
            ack_within_deadline: DeadlineStats::default(),
            time_to_ack: DurationStats::default(),
            time_to_resolve: DurationStats::default(),
            ack_histogram: AckHistogram::from_rows(rows.iter().copied()),
            open_at_week_end: 0,
            change_vs_previous: Vec::new(),
            by_colonia: super::colonia::by_colonia(rows.iter().copied()),
            pending: Vec::new(),
            pending_total: 0,
            as_of: now,
            deadline_legend: Vec::new(),
            messages: Default::default(),
            trends: Vec::new(),
        };
        (s.pending, s.pending_total) =
            super::pending::pending(this_week.iter().chain(previous_weeks), ends_at, now);

        let mut groups: HashMap<&str, GroupCount> = HashMap::new();
        let (mut ack, mut resolve) = (Vec::new(), Vec::new());
        for r in &rows {
            *s.by_category.entry(r.category.clone()).or_default() += 1;
            *s.by_municipality.entry(r.municipality.clone()).or_default() += 1;
            *s.by_category_municipality
                .entry(r.category.clone())
                .or_default()
                .entry(r.municipality.clone())
                .or_default() += 1;
            groups
                .entry(&r.group_ref)
                .or_insert_with(|| GroupCount {
                    group_ref: r.group_ref.clone(),
                    name: r.group_name.clone(),
                    kind: r.group_kind.clone(),
                    count: 0,
                })
                .count += 1;
            if let Some(deadline) = r.ack_deadline {
                let d = &mut s.ack_within_deadline;
                d.with_deadline += 1;
                match r.acknowledged_at {
                    Some(a) if a <= deadline => d.within += 1,
                    Some(_) => d.late += 1,
                    None if deadline <= now => d.late += 1,
                    None => d.not_yet_due += 1,
                }
            }
            ack.extend(ack_secs(r));
            if r.status == "resolved" {
                resolve.extend(resolve_secs(r));
            }
            // The export may run weeks later, so the current status says
            // nothing about the week's end: only the closing instant does.
            if r.resolved_at.is_none_or(|t| t >= ends_at) {
                s.open_at_week_end += 1;
            }
        }
        let d = &mut s.ack_within_deadline;
        let reached = d.within + d.late;
        d.share = (reached > 0).then(|| d.within as f64 / reached as f64);
        s.time_to_ack = DurationStats::from_secs(ack);
        s.time_to_resolve = DurationStats::from_secs(resolve);

        s.by_group = groups.into_values().collect();
        s.by_group
            .sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));

        let earlier: Vec<IsoWeek> = week.previous().last_n(PREVIOUS_WEEKS);
        let prev = series(&earlier, tz, previous_weeks);
        s.change_vs_previous = category_changes(&s.by_category, &prev);
        s
    }
}

fn category_changes(current: &BTreeMap<String, u64>, prev: &WeeklySeries) -> Vec<CategoryChange> {
    let mut sums: BTreeMap<&str, u64> = current.keys().map(|c| (c.as_str(), 0)).collect();
    for (_, counts) in prev {
        for (cat, n) in counts {
            *sums.entry(cat.as_str()).or_default() += n;
        }
    }
    let mut out: Vec<CategoryChange> = sums
        .into_iter()
        .map(|(cat, sum)| {
            let this_week = current.get(cat).copied().unwrap_or(0);
            let previous_avg = sum as f64 / PREVIOUS_WEEKS as f64;
            let change_pct = (previous_avg > 0.0)
                .then(|| (this_week as f64 - previous_avg) / previous_avg * 100.0);
            CategoryChange {
                category: cat.to_string(),
                this_week,
                previous_avg,
                change_pct,
            }
        })
        .collect();
    out.sort_by(|a, b| category_rank(&a.category).cmp(&category_rank(&b.category)));
    out
}

/// Category counts for each of `weeks` (in the given order), bucketing rows
/// by their local week in `tz`. Weeks without rows get an empty map.
pub fn series(weeks: &[IsoWeek], tz: Tz, rows: &[RequestRow]) -> WeeklySeries {
    let mut index: HashMap<IsoWeek, BTreeMap<String, u64>> =
        weeks.iter().map(|w| (*w, BTreeMap::new())).collect();
    for r in rows {
        if let Some(counts) = index.get_mut(&IsoWeek::of(r.received_at, tz)) {
            *counts.entry(r.category.clone()).or_default() += 1;
        }
    }
    weeks
        .iter()
        .map(|w| (*w, index.get(w).cloned().unwrap_or_default()))
        .collect()
}

#[cfg(test)]
mod tests;
