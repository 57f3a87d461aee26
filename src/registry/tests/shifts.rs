//! Duty rosters: `Shift::covers`, day and time parsing, and the rosters shipped in the Sonora
//! registry and the SLP fixture.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, Weekday};

use super::super::shift::{parse_day, parse_time};
use super::super::{CoordinatorRole, Registry, Shift};
use super::crate_path;

fn t(hm: &str) -> NaiveTime {
    NaiveTime::parse_from_str(hm, "%H:%M").unwrap()
}

/// 2026-03-02 is a Monday; `at("sab", "23:30")` is that week's Saturday.
pub(super) fn at(day: &str, hm: &str) -> NaiveDateTime {
    let offset = parse_day(day).unwrap().num_days_from_monday();
    let monday = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    (monday + Duration::days(i64::from(offset))).and_time(t(hm))
}

pub(super) fn shift(days: &[&str], start: &str, end: &str) -> Shift {
    Shift {
        days: days.iter().map(|d| parse_day(d).unwrap()).collect(),
        start: t(start),
        end: t(end),
    }
}

#[test]
fn covers_day_overnight_and_24_hour_shifts() {
    let weekdays = ["lun", "mar", "mie", "jue", "vie"];
    let cases: &[(Shift, &str, &str, bool)] = &[
        // Day shift: half-open [07:00, 19:00).
        (shift(&weekdays, "07:00", "19:00"), "lun", "07:00", true),
        (shift(&weekdays, "07:00", "19:00"), "lun", "06:59", false),
        (shift(&weekdays, "07:00", "19:00"), "vie", "18:59", true),
        (shift(&weekdays, "07:00", "19:00"), "vie", "19:00", false),
        (shift(&weekdays, "07:00", "19:00"), "sab", "12:00", false),
        // Overnight across midnight: sab 19:00 → dom 07:00 and dom 19:00 → lun 07:00.
        (
            shift(&["sab", "dom"], "19:00", "07:00"),
            "sab",
            "18:59",
            false,
        ),
        (
            shift(&["sab", "dom"], "19:00", "07:00"),
            "sab",
            "19:00",
            true,
        ),
        (
            shift(&["sab", "dom"], "19:00", "07:00"),
            "sab",
            "23:59",
            true,
        ),
        (
            shift(&["sab", "dom"], "19:00", "07:00"),
            "dom",
            "00:00",
            true,
        ),
        (
            shift(&["sab", "dom"], "19:00", "07:00"),
            "dom",
            "06:59",
            true,
        ),
        (
            shift(&["sab", "dom"], "19:00", "07:00"),
            "dom",
            "07:00",
            false,
        ),
        (
            shift(&["sab", "dom"], "19:00", "07:00"),
            "dom",
            "12:00",
            false,
        ),
        (
            shift(&["sab", "dom"], "19:00", "07:00"),
            "dom",
            "20:00",
            true,
        ),
        // Sunday → Monday wrap of the week.
        (
            shift(&["sab", "dom"], "19:00", "07:00"),
            "lun",
            "03:00",
            true,
        ),
        (
            shift(&["sab", "dom"], "19:00", "07:00"),
            "lun",
            "07:00",
            false,
        ),
        (
            shift(&["sab", "dom"], "19:00", "07:00"),
            "sab",
            "03:00",
            false,
        ),
        (shift(&["dom"], "22:00", "06:00"), "lun", "05:59", true),
        (shift(&["dom"], "22:00", "06:00"), "dom", "05:59", false),
        // start == end is 24 hours from `start`.
        (shift(&["sab"], "08:00", "08:00"), "sab", "08:00", true),
        (shift(&["sab"], "08:00", "08:00"), "dom", "07:59", true),
        (shift(&["sab"], "08:00", "08:00"), "dom", "08:00", false),
        (shift(&["sab"], "08:00", "08:00"), "sab", "07:59", false),
        (shift(&["mie"], "00:00", "00:00"), "mie", "00:00", true),
        (shift(&["mie"], "00:00", "00:00"), "mie", "23:59", true),
        (shift(&["mie"], "00:00", "00:00"), "jue", "00:00", false),
        // An end of 24:00 parses as 00:00: from `start` to midnight.
        (shift(&["vie"], "19:00", "00:00"), "vie", "23:59", true),
        (shift(&["vie"], "19:00", "00:00"), "sab", "00:00", false),
    ];
    for (i, (s, day, hm, expected)) in cases.iter().enumerate() {
        assert_eq!(
            s.covers(at(day, hm)),
            *expected,
            "case {i}: {s:?} at {day} {hm}"
        );
    }
    assert_eq!(shift(&["lun"], "19:00", "07:00").minutes(), 720);
    assert_eq!(shift(&["lun"], "08:00", "08:00").minutes(), 1440);
    assert_eq!(shift(&["lun"], "07:00", "19:00").minutes(), 720);
}

#[test]
fn day_and_time_parsing() {
    let days = [
        ("lun", Some(Weekday::Mon)),
        ("MAR", Some(Weekday::Tue)),
        ("mie", Some(Weekday::Wed)),
        ("mié", Some(Weekday::Wed)),
        ("Miércoles", Some(Weekday::Wed)),
        (" jue ", Some(Weekday::Thu)),
        ("viernes", Some(Weekday::Fri)),
        ("sáb", Some(Weekday::Sat)),
        ("SAB", Some(Weekday::Sat)),
        ("dom", Some(Weekday::Sun)),
        ("mon", None),
        ("lu", None),
        ("", None),
    ];
    for (text, expected) in days {
        assert_eq!(parse_day(text), expected, "{text:?}");
    }
    let times = [
        ("07:00", false, Some("07:00")),
        ("7:00", false, Some("07:00")),
        ("23:59", false, Some("23:59")),
        ("00:00", true, Some("00:00")),
        ("24:00", true, Some("00:00")),
        ("24:00", false, None),
        ("24:01", true, None),
        ("25:00", false, None),
        ("07:60", false, None),
        ("07:5", false, None),
        ("0700", false, None),
        ("07:00:00", false, None),
        ("+7:00", false, None),
        ("", false, None),
    ];
    for (text, is_end, expected) in times {
        assert_eq!(parse_time(text, is_end), expected.map(t), "{text:?}");
    }
}

/// Every half hour of a week (Monday 2026-03-02 onwards), as local times.
fn week() -> impl Iterator<Item = NaiveDateTime> {
    let start = at("lun", "00:00");
    (0..7 * 48).map(move |i| start + Duration::minutes(30 * i))
}

#[test]
fn sonora_regions_with_groups_have_a_day_and_night_duty_roster() {
    let r = Registry::load_dir(&crate_path("config/registry")).unwrap();
    let day = (t("07:00"), t("19:00"));
    let night = (t("19:00"), t("07:00"));
    let mut regions_with_roster = 0;
    for region in r.regions() {
        let on_roster: Vec<_> = region
            .coordinators_with(CoordinatorRole::Duty)
            .filter(|c| !c.shifts.is_empty())
            .collect();
        for c in &region.coordinators {
            if !c.has_role(CoordinatorRole::Duty) {
                assert!(c.shifts.is_empty(), "{} is not duty but has shifts", c.id);
            }
        }
        if r.groups_in_region(&region.id).next().is_none() {
            continue;
        }
        regions_with_roster += 1;
        assert!(
            on_roster.len() >= 2,
            "{} has {} duty shifts",
            region.id,
            on_roster.len()
        );
        let windows: Vec<(NaiveTime, NaiveTime)> = on_roster
            .iter()
            .flat_map(|c| c.shifts.iter().map(|s| (s.start, s.end)))
            .collect();
        assert!(
            windows.contains(&day) && windows.contains(&night),
            "{}",
            region.id
        );
        for local in week() {
            let on_duty = on_roster.iter().filter(|c| c.on_shift_at(local)).count();
            assert_eq!(on_duty, 1, "{} at {local}: {on_duty} on duty", region.id);
        }
    }
    assert_eq!(regions_with_roster, 8);
    let guardia = r
        .region("son-centro")
        .unwrap()
        .coordinators
        .iter()
        .find(|c| c.id == "son-centro-guardia-1")
        .unwrap();
    assert_eq!(
        guardia.shifts,
        [
            shift(&["lun", "mar", "mie", "jue", "vie"], "07:00", "19:00"),
            shift(&["sab", "dom"], "19:00", "07:00"),
        ]
    );
}

#[test]
fn slp_centro_roster_covers_the_whole_week() {
    let r = Registry::load_dir(&crate_path("fixtures/registry/slp")).unwrap();
    let centro = r.region("slp-centro").unwrap();
    let guards: Vec<_> = centro
        .coordinators_with(CoordinatorRole::Duty)
        .filter(|c| !c.shifts.is_empty())
        .collect();
    assert_eq!(guards.len(), 3);
    assert!(guards
        .iter()
        .any(|c| c.shifts.iter().any(|s| s.minutes() == 1440)));
    for local in week() {
        let on_duty: Vec<&str> = guards
            .iter()
            .filter(|c| c.on_shift_at(local))
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(on_duty.len(), 1, "{local}: {on_duty:?}");
    }
}
