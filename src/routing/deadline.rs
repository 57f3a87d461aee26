//! Acknowledgement deadlines and escalation times.
//!
//! Critical, high and normal reports get a fixed number of seconds. Low-priority reports
//! (workshops, follow-ups) get working days, counted in the region's local time because that
//! is where the office week happens:
//! - a working day is Monday to Friday; public holidays are not known here and count as
//!   working days;
//! - from a weekday, N working days later keeps the local time of day (Friday 15:00 + 2 is
//!   Tuesday 15:00);
//! - from a Saturday or Sunday, counting starts on the next Monday at 00:00, so the whole of
//!   N working days is available (Saturday 15:00 + 2 is Wednesday 00:00);
//! - a local time that does not exist (a daylight-saving gap) moves forward by the gap and
//!   an ambiguous one takes the earlier instant. Sonora and central Mexico have no DST; the
//!   northern border zones switch on Sundays, which working days never land on.

use chrono::{
    DateTime, Datelike, Days, LocalResult, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use serde::Deserialize;

use crate::triage::Priority;

/// How long coordinators have to acknowledge a report, by priority.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Deadlines {
    pub critical_secs: u64,
    pub high_secs: u64,
    pub normal_secs: u64,
    pub low_working_days: u32,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            critical_secs: 120,
            high_secs: 900,
            normal_secs: 14_400,
            low_working_days: 2,
        }
    }
}

/// When a report of `priority` created at `from` must have been acknowledged before it is
/// escalated; `None` for reports that are not queued (`Priority::None`).
pub fn ack_deadline(
    priority: Priority,
    from: DateTime<Utc>,
    tz: Tz,
    d: &Deadlines,
) -> Option<DateTime<Utc>> {
    match priority {
        Priority::Critical => Some(after_secs(from, d.critical_secs)),
        Priority::High => Some(after_secs(from, d.high_secs)),
        Priority::Normal => Some(after_secs(from, d.normal_secs)),
        Priority::Low => Some(after_working_days(from, tz, d.low_working_days)),
        Priority::None => None,
    }
}

/// When the step after escalation `level` is due, `level` having been reached at
/// `escalated_at`: level 0 is the first notice (the backup is due at the acknowledgement
/// deadline), 1 means the backup was notified (the supervisor is due after the same window
/// again), and after the supervisor (2 and above) nothing follows.
pub fn next_escalation(
    level: u8,
    escalated_at: DateTime<Utc>,
    priority: Priority,
    tz: Tz,
    d: &Deadlines,
) -> Option<DateTime<Utc>> {
    if level >= 2 {
        return None;
    }
    ack_deadline(priority, escalated_at, tz, d)
}

/// A configuration with absurd values clamps to the end of time instead of panicking.
fn after_secs(from: DateTime<Utc>, secs: u64) -> DateTime<Utc> {
    i64::try_from(secs)
        .ok()
        .and_then(TimeDelta::try_seconds)
        .and_then(|delta| from.checked_add_signed(delta))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// `n` working days after `from`, per the rules in the module documentation.
pub fn after_working_days(from: DateTime<Utc>, tz: Tz, n: u32) -> DateTime<Utc> {
    let mut local = from.with_timezone(&tz).naive_local();
    let weekend_days = match local.weekday() {
        Weekday::Sat => Some(2),
        Weekday::Sun => Some(1),
        _ => None,
    };
    if let Some(days) = weekend_days {
        let monday = local.date().checked_add_days(Days::new(days));
        match monday {
            Some(monday) => local = monday.and_time(chrono::NaiveTime::MIN),
            None => return DateTime::<Utc>::MAX_UTC,
        }
    }
    // Whole weeks first so a large `n` costs nothing; the remainder walks at most 4 days
    // plus one weekend.
    let mut date = local
        .date()
        .checked_add_days(Days::new(u64::from(n / 5) * 7));
    for _ in 0..n % 5 {
        date = date.and_then(|d| {
            let skip = match d.weekday() {
                Weekday::Fri => 3,
                Weekday::Sat => 2,
                _ => 1,
            };
            d.checked_add_days(Days::new(skip))
        });
    }
    match date {
        Some(date) => from_local(tz, date.and_time(local.time())),
        None => DateTime::<Utc>::MAX_UTC,
    }
}

/// The instant a wall-clock time in `tz` names: the earlier one when the clock was turned
/// back, and when it was turned forward, the offset in force before the gap (so 02:30 in a
/// 02:00→03:00 gap becomes 03:30).
fn from_local(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(earlier, _) => earlier.with_timezone(&Utc),
        LocalResult::None => {
            let before = local
                .checked_sub_signed(TimeDelta::days(1))
                .map(|day_before| tz.offset_from_utc_datetime(&day_before).fix())
                .unwrap_or_else(|| Utc.fix());
            local
                .checked_sub_signed(TimeDelta::seconds(i64::from(before.local_minus_utc())))
                .map_or(DateTime::<Utc>::MAX_UTC, |utc| Utc.from_utc_datetime(&utc))
        }
    }
}
