//! Acknowledgement deadlines and escalation times, in the regions' own time zones.

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::America::{Hermosillo, Mexico_City, Tijuana};
use chrono_tz::Asia::Tehran;
use chrono_tz::Tz;

use super::super::{ack_deadline, after_working_days, next_escalation, Deadlines};
use super::{at, local};
use crate::triage::Priority;

#[test]
fn default_deadlines_and_partial_configuration() {
    let d = Deadlines::default();
    assert_eq!(
        (
            d.critical_secs,
            d.high_secs,
            d.normal_secs,
            d.low_working_days
        ),
        (120, 900, 14_400, 2)
    );
    let partial: Deadlines = toml::from_str("critical_secs = 60\nlow_working_days = 3").unwrap();
    assert_eq!(
        partial,
        Deadlines {
            critical_secs: 60,
            low_working_days: 3,
            ..Deadlines::default()
        }
    );
    assert!(toml::from_str::<Deadlines>("critical = 60").is_err());
    assert!(toml::from_str::<Deadlines>("high_secs = -1").is_err());
}

#[test]
fn fixed_deadlines_count_seconds() {
    let d = Deadlines::default();
    let from = at(Hermosillo, "2026-03-06 23:59");
    let cases = [
        (Priority::Critical, Some(120)),
        (Priority::High, Some(900)),
        (Priority::Normal, Some(14_400)),
        (Priority::None, None),
    ];
    for (priority, secs) in cases {
        let expected = secs.map(|s| from + TimeDelta::seconds(s));
        assert_eq!(
            ack_deadline(priority, from, Hermosillo, &d),
            expected,
            "{priority}"
        );
    }
    let huge = Deadlines {
        critical_secs: u64::MAX,
        high_secs: i64::MAX as u64,
        ..Deadlines::default()
    };
    assert_eq!(
        ack_deadline(Priority::Critical, from, Hermosillo, &huge),
        Some(DateTime::<Utc>::MAX_UTC)
    );
    assert_eq!(
        ack_deadline(Priority::High, from, Hermosillo, &huge),
        Some(DateTime::<Utc>::MAX_UTC)
    );
}

/// (zone, created at local, working days, deadline at local).
const WORKING_DAYS: &[(Tz, &str, u32, &str)] = &[
    // Weekdays keep the local time of day.
    (Hermosillo, "2026-03-02 09:00", 2, "2026-03-04 09:00 Wed"),
    (Hermosillo, "2026-03-05 10:00", 2, "2026-03-09 10:00 Mon"),
    (Hermosillo, "2026-03-06 15:00", 2, "2026-03-10 15:00 Tue"),
    (Hermosillo, "2026-03-06 00:00", 1, "2026-03-09 00:00 Mon"),
    // Friday evening in Hermosillo is already Saturday in UTC: the local day counts.
    (Hermosillo, "2026-03-06 20:00", 2, "2026-03-10 20:00 Tue"),
    // From the weekend, counting starts on Monday 00:00.
    (Hermosillo, "2026-03-07 00:00", 2, "2026-03-11 00:00 Wed"),
    (Hermosillo, "2026-03-07 15:00", 2, "2026-03-11 00:00 Wed"),
    (Hermosillo, "2026-03-08 23:59", 2, "2026-03-11 00:00 Wed"),
    (Hermosillo, "2026-03-08 23:59", 1, "2026-03-10 00:00 Tue"),
    (Hermosillo, "2026-03-07 15:00", 0, "2026-03-09 00:00 Mon"),
    (Hermosillo, "2026-03-04 11:11", 0, "2026-03-04 11:11 Wed"),
    // Whole weeks and more.
    (Hermosillo, "2026-03-02 09:00", 5, "2026-03-09 09:00 Mon"),
    (Hermosillo, "2026-03-02 09:00", 7, "2026-03-11 09:00 Wed"),
    (Hermosillo, "2026-03-06 09:00", 10, "2026-03-20 09:00 Fri"),
    (Hermosillo, "2026-03-06 09:00", 11, "2026-03-23 09:00 Mon"),
    (Hermosillo, "2026-03-02 09:00", 20, "2026-03-30 09:00 Mon"),
    // Across the year boundary (holidays such as 1 January are not known here).
    (Hermosillo, "2025-12-31 10:00", 2, "2026-01-02 10:00 Fri"),
    (Hermosillo, "2026-12-31 10:00", 2, "2027-01-04 10:00 Mon"),
    (Hermosillo, "2026-12-31 23:30", 1, "2027-01-01 23:30 Fri"),
    (Hermosillo, "2027-01-02 08:00", 2, "2027-01-06 00:00 Wed"),
    (Hermosillo, "2026-12-26 08:00", 2, "2026-12-30 00:00 Wed"),
    // Central Mexico: no DST since 2022, so late October is a plain week.
    (Mexico_City, "2026-10-30 18:00", 2, "2026-11-03 18:00 Tue"),
    (Mexico_City, "2026-07-02 12:00", 2, "2026-07-06 12:00 Mon"),
    // A border zone keeps the wall-clock time across its March DST change.
    (Tijuana, "2026-03-05 10:00", 2, "2026-03-09 10:00 Mon"),
    (Tijuana, "2026-10-30 10:00", 2, "2026-11-03 10:00 Tue"),
];

#[test]
fn low_priority_counts_working_days_in_local_time() {
    let d = Deadlines::default();
    for &(tz, from, n, expected) in WORKING_DAYS {
        let start = at(tz, from);
        let got = after_working_days(start, tz, n);
        assert_eq!(local(got, tz), expected, "{tz} {from} + {n}");
        if n == d.low_working_days {
            assert_eq!(ack_deadline(Priority::Low, start, tz, &d), Some(got));
        }
    }
}

#[test]
fn deadlines_are_absolute_instants() {
    // Same wall-clock rule, different zones: the instants differ by the zones' offsets.
    let d = Deadlines::default();
    let son = ack_deadline(
        Priority::Low,
        at(Hermosillo, "2026-03-06 15:00"),
        Hermosillo,
        &d,
    );
    let slp = ack_deadline(
        Priority::Low,
        at(Mexico_City, "2026-03-06 15:00"),
        Mexico_City,
        &d,
    );
    assert_eq!(son.unwrap().to_rfc3339(), "2026-03-10T22:00:00+00:00");
    assert_eq!(slp.unwrap().to_rfc3339(), "2026-03-10T21:00:00+00:00");
    // Tijuana moved from UTC−8 to UTC−7 on Sunday 8 March 2026.
    let tj = ack_deadline(Priority::Low, at(Tijuana, "2026-03-05 10:00"), Tijuana, &d);
    assert_eq!(tj.unwrap().to_rfc3339(), "2026-03-09T17:00:00+00:00");
}

#[test]
fn nonexistent_and_repeated_local_times_resolve() {
    // Iran switched to summer time at 00:00 on Monday 22 March 2021 and back at 00:00 on
    // Wednesday 22 September 2021, which exercises gaps and overlaps on working days.
    let gap_from = at(Tehran, "2021-03-18 00:30");
    let got = after_working_days(gap_from, Tehran, 2);
    assert_eq!(local(got, Tehran), "2021-03-22 01:30 Mon");
    let overlap_from = at(Tehran, "2021-09-17 10:00");
    let repeated = overlap_from + TimeDelta::hours(13) + TimeDelta::minutes(30);
    assert_eq!(local(repeated, Tehran), "2021-09-17 23:30 Fri");
    let got = after_working_days(repeated, Tehran, 2);
    // Two instants read 23:30 on that Tuesday; the earlier (+04:30) is chosen.
    assert_eq!(got.to_rfc3339(), "2021-09-21T19:00:00+00:00");
}

#[test]
fn extreme_inputs_clamp_instead_of_panicking() {
    let far = DateTime::<Utc>::MAX_UTC - TimeDelta::days(3);
    assert_eq!(
        after_working_days(far, Hermosillo, 10),
        DateTime::<Utc>::MAX_UTC
    );
    let now = at(Hermosillo, "2026-03-02 09:00");
    assert_eq!(
        after_working_days(now, Hermosillo, u32::MAX),
        DateTime::<Utc>::MAX_UTC
    );
}

#[test]
fn escalation_steps_follow_the_same_windows_and_stop_at_the_supervisor() {
    let d = Deadlines::default();
    let t = at(Hermosillo, "2026-03-06 18:00");
    let cases = [
        (0, Priority::Critical, Some(t + TimeDelta::seconds(120))),
        (1, Priority::Critical, Some(t + TimeDelta::seconds(120))),
        (1, Priority::High, Some(t + TimeDelta::seconds(900))),
        (1, Priority::Normal, Some(t + TimeDelta::hours(4))),
        (1, Priority::Low, Some(at(Hermosillo, "2026-03-10 18:00"))),
        (1, Priority::None, None),
        (2, Priority::Critical, None),
        (3, Priority::Low, None),
        (u8::MAX, Priority::High, None),
    ];
    for (level, priority, expected) in cases {
        assert_eq!(
            next_escalation(level, t, priority, Hermosillo, &d),
            expected,
            "level {level} {priority}"
        );
    }
    // Level 0 is the first notice: its next step is the acknowledgement deadline itself.
    for p in Priority::ALL {
        assert_eq!(
            next_escalation(0, t, p, Mexico_City, &d),
            ack_deadline(p, t, Mexico_City, &d)
        );
    }
}
