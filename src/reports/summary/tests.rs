//! Summary figures on the hand-built fixture in test_support.rs.

use chrono_tz::America::{Hermosillo, Mexico_City};

use crate::reports::stats::format_duration_es;
use crate::reports::summary::{series, WeeklySummary};
use crate::reports::test_support::{previous_weeks, this_week, utc, week};

fn summary() -> WeeklySummary {
    WeeklySummary::compute(week(), Hermosillo, &this_week(), &previous_weeks())
}

#[test]
fn totals_and_tables() {
    let s = summary();
    // The Monday 00:30 row is next week in Sonora.
    assert_eq!(s.total, 5);
    assert_eq!(s.merged_reports, 2);
    assert_eq!(s.starts_at, utc("2026-02-09T07:00:00Z"));
    assert_eq!(s.ends_at, utc("2026-02-16T07:00:00Z"));
    assert_eq!(s.time_zone, "America/Hermosillo");
    assert_eq!(s.by_category["patrol"], 2);
    assert_eq!(s.by_category_municipality["patrol"]["Cajeme"], 1);
    assert_eq!(s.by_category_municipality["workshop"]["Puerto Peñasco"], 1);
    assert_eq!(s.by_municipality["Cajeme"], 2);
    let groups: Vec<(&str, u64)> = s
        .by_group
        .iter()
        .map(|g| (g.name.as_str(), g.count))
        .collect();
    assert_eq!(
        groups,
        vec![
            ("Comité Villa Bonita", 2),
            ("Escuela Primaria Benito Juárez", 2),
            ("=HYPERLINK(\"http://x\")", 1)
        ]
    );
    assert_eq!(s.by_group[1].kind, "escuela");
}

#[test]
fn same_rows_in_another_zone_change_the_total() {
    // In CDMX the Sunday 23:30 Sonora report is Monday 00:30: next week.
    let s = WeeklySummary::compute(week(), Mexico_City, &this_week(), &[]);
    assert_eq!(s.total, 4);
}

#[test]
fn deadlines_and_times() {
    let s = summary();
    assert_eq!(s.ack_within_deadline.with_deadline, 4);
    assert_eq!(s.ack_within_deadline.within, 1);
    assert_eq!(s.ack_within_deadline.share, Some(0.25));
    // Acks: 5, 10, 30, 120 min → median rank 2 = 10 min, p90 rank 4 = 120 min.
    assert_eq!(s.time_to_ack.count, 4);
    assert_eq!(s.time_to_ack.median_secs, Some(600));
    assert_eq!(s.time_to_ack.p90_secs, Some(7200));
    // Resolved only (dismissed excluded): 2 h and 7 d 4 h.
    assert_eq!(s.time_to_resolve.count, 2);
    assert_eq!(s.time_to_resolve.median_secs, Some(7200));
    assert_eq!(s.time_to_resolve.p90_secs, Some(7 * 86_400 + 4 * 3_600));
    let p90 = s.time_to_resolve.p90().unwrap();
    assert_eq!(format_duration_es(p90), "7 d 4 h");
    assert_eq!(s.ack_histogram.counts, [2, 1, 1, 0, 0, 1]);
}

#[test]
fn deadlines_not_reached_yet_count_apart() {
    // Judged on Sunday 23:40 in Sonora: F4 (23:30, 15 minutes) is not due yet, so it is
    // neither met nor missed, and the share counts only the deadlines already reached.
    let now = utc("2026-02-16T06:40:00Z");
    let s = WeeklySummary::compute_at(week(), Hermosillo, &this_week(), &[], now);
    let d = &s.ack_within_deadline;
    assert_eq!((d.within, d.late, d.not_yet_due), (1, 2, 1));
    assert_eq!(d.share, Some(1.0 / 3.0));
    // F2 (acknowledged) and F4 (open) are still pending, oldest first; the report of the
    // next week is not this summary's.
    let pending: Vec<&str> = s.pending.iter().map(|p| p.folio.as_str()).collect();
    assert_eq!(pending, ["SON-0002", "SON-0004"]);
    assert_eq!((s.pending_total, s.pending[1].age_secs), (2, 600));
}

#[test]
fn open_at_week_end_uses_closing_instant_not_status() {
    let s = summary();
    // F2 and F4 never closed; F3 is "resolved" but only after the week ended.
    assert_eq!(s.open_at_week_end, 3);
}

#[test]
fn change_against_previous_four_weeks() {
    let s = summary();
    let get = |c: &str| {
        s.change_vs_previous
            .iter()
            .find(|x| x.category == c)
            .unwrap()
    };
    let order: Vec<&str> = s
        .change_vs_previous
        .iter()
        .map(|c| c.category.as_str())
        .collect();
    assert_eq!(
        order,
        ["emergency_911", "patrol", "workshop", "follow_up", "other"]
    );
    // 4 patrol requests in W05+W06 (the W02 and W07 rows are ignored).
    assert_eq!(get("patrol").previous_avg, 1.0);
    assert_eq!(get("patrol").change_pct, Some(100.0));
    assert_eq!(get("emergency_911").change_pct, Some(0.0));
    assert_eq!(get("follow_up").this_week, 0);
    assert_eq!(get("follow_up").change_pct, Some(-100.0));
    assert_eq!(get("workshop").previous_avg, 0.0);
    assert_eq!(get("workshop").change_pct, None);
}

#[test]
fn series_buckets_by_local_week() {
    let weeks = week().last_n(3);
    let mut rows = previous_weeks();
    rows.extend(this_week());
    let sr = series(&weeks, Hermosillo, &rows);
    assert_eq!(sr.len(), 3);
    assert_eq!(sr[0].0.to_string(), "2026-W05");
    assert_eq!(sr[0].1["patrol"], 2);
    assert_eq!(sr[1].1["follow_up"], 2);
    // W07: 2 fixture patrol rows + the ignored-by-summary W07 "old" row.
    assert_eq!(sr[2].1["patrol"], 3);
    assert_eq!(sr[2].1.values().sum::<u64>(), 6);
}

#[test]
fn serializes_for_the_web_page() {
    let v = serde_json::to_value(summary()).unwrap();
    assert_eq!(v["week"], "2026-W07");
    assert_eq!(v["total"], 5);
    assert_eq!(
        v["by_category_municipality"]["emergency_911"]["Hermosillo"],
        1
    );
    assert_eq!(v["time_to_ack"]["median_secs"], 600);
}
