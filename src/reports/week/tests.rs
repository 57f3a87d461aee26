//! ISO week parsing, bucketing and bounds across zones and years.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::America::{Hermosillo, Mexico_City, Santiago, Tijuana};

use crate::reports::week::{start_of_local_day, weeks_in_year, IsoWeek};

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn w(s: &str) -> IsoWeek {
    s.parse().unwrap()
}

fn date_week(y: i32, m: u32, d: u32) -> IsoWeek {
    IsoWeek::from_date(NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

#[test]
fn sunday_night_local_belongs_to_sundays_week() {
    // Sunday 2026-02-15 23:30 in CDMX is Monday 05:30 UTC (W08 in UTC).
    let at = utc("2026-02-16T05:30:00Z");
    assert_eq!(IsoWeek::of(at, Mexico_City), w("2026-W07"));
    // Same instant is Sunday 22:30 in Hermosillo: still W07.
    assert_eq!(IsoWeek::of(at, Hermosillo), w("2026-W07"));
    // Sunday 23:30 in Hermosillo is Monday 06:30 UTC.
    assert_eq!(
        IsoWeek::of(utc("2026-02-16T06:30:00Z"), Hermosillo),
        w("2026-W07")
    );
}

#[test]
fn zones_bucket_the_same_instant_differently() {
    // 06:30 UTC Monday: 00:30 Monday in CDMX (W08), 23:30 Sunday in Sonora (W07).
    let at = utc("2026-02-16T06:30:00Z");
    assert_eq!(IsoWeek::of(at, Mexico_City), w("2026-W08"));
    assert_eq!(IsoWeek::of(at, Hermosillo), w("2026-W07"));
}

#[test]
fn weeks_across_years() {
    assert_eq!(date_week(2026, 12, 31), w("2026-W53"));
    assert_eq!(date_week(2027, 1, 3), w("2026-W53"));
    assert_eq!(date_week(2027, 1, 4), w("2027-W01"));
    assert_eq!(date_week(2024, 12, 30), w("2025-W01"));
    assert_eq!(weeks_in_year(2026), 53);
    assert_eq!(weeks_in_year(2025), 52);
    assert_eq!(w("2027-W01").previous(), w("2026-W53"));
    assert_eq!(w("2026-W53").next(), w("2027-W01"));
    assert_eq!(w("2026-W01").previous(), w("2025-W52"));
    assert_eq!(w("2025-W52").next(), w("2026-W01"));
    assert_eq!(
        w("2026-W53").monday(),
        NaiveDate::from_ymd_opt(2026, 12, 28).unwrap()
    );
    let last = w("2027-W02").last_n(3);
    assert_eq!(last, vec![w("2026-W53"), w("2027-W01"), w("2027-W02")]);
}

#[test]
fn parse_and_display() {
    assert_eq!(
        w("2026-w07"),
        IsoWeek {
            year: 2026,
            week: 7
        }
    );
    assert_eq!(w("2026-W07").to_string(), "2026-W07");
    assert_eq!(w("2026-W53").to_string(), "2026-W53");
    for bad in [
        "2025-W53", "2026-W00", "2026-W54", "2026W07", "2026-W7", "x", "", "26-W07",
    ] {
        let e = bad.parse::<IsoWeek>().unwrap_err();
        assert!(e.to_string().starts_with("semana inválida"), "{bad}: {e}");
        assert!(e.to_string().contains("AAAA-Www"));
    }
    let json = serde_json::to_string(&w("2026-W07")).unwrap();
    assert_eq!(json, "\"2026-W07\"");
    assert_eq!(
        serde_json::from_str::<IsoWeek>(&json).unwrap(),
        w("2026-W07")
    );
}

#[test]
fn bounds_are_local_mondays() {
    let (start, end) = w("2026-W53").bounds(Mexico_City);
    assert_eq!(start, utc("2026-12-28T06:00:00Z"));
    assert_eq!(end, utc("2027-01-04T06:00:00Z"));
    let (start, _) = w("2026-W53").bounds(Hermosillo);
    assert_eq!(start, utc("2026-12-28T07:00:00Z"));
    // Tijuana springs forward on Sunday 2026-03-08: the week has 167 h.
    let (start, end) = w("2026-W10").bounds(Tijuana);
    assert_eq!(start, utc("2026-03-02T08:00:00Z"));
    assert_eq!(end, utc("2026-03-09T07:00:00Z"));
    assert_eq!((end - start).num_hours(), 167);
}

#[test]
fn nonexistent_midnight_maps_to_transition() {
    // Chile skipped 2024-09-08 00:00–01:00 local; the day starts at 04:00Z.
    let day = NaiveDate::from_ymd_opt(2024, 9, 8).unwrap();
    assert_eq!(
        start_of_local_day(day, Santiago),
        utc("2024-09-08T04:00:00Z")
    );
}

#[test]
fn label_in_spanish() {
    assert_eq!(
        w("2026-W53").label_es(),
        "Semana 53 de 2026 (28 dic – 3 ene)"
    );
    assert_eq!(
        w("2026-W07").label_es(),
        "Semana 7 de 2026 (9 feb – 15 feb)"
    );
    assert_eq!(w("2026-W07").short_label(), "W07");
}
