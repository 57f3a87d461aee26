//! Duty shifts: when a coordinator is on duty, in the local time of their region.
//!
//! A shift is a set of weekdays and a half-open local time window `[start, end)`. A window
//! whose end is not after its start runs overnight: it begins on the listed day and ends on
//! the next one, so `sab 19:00–07:00` covers Saturday 19:00 to Sunday 07:00. `start == end`
//! is a 24-hour shift starting at `start` on each listed day.

use chrono::{Datelike, NaiveDateTime, NaiveTime, Timelike, Weekday};
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

/// Spanish day abbreviations in the order written in registry files and dumps.
const DAY_NAMES: [(Weekday, &str); 7] = [
    (Weekday::Mon, "lun"),
    (Weekday::Tue, "mar"),
    (Weekday::Wed, "mie"),
    (Weekday::Thu, "jue"),
    (Weekday::Fri, "vie"),
    (Weekday::Sat, "sab"),
    (Weekday::Sun, "dom"),
];

/// One recurring duty window of a coordinator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    /// Days the shift starts on (an overnight shift ends on the following day).
    pub days: Vec<Weekday>,
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Shift {
    /// Whether the shift covers `local`, a wall-clock time in the region's time zone.
    pub fn covers(&self, local: NaiveDateTime) -> bool {
        let day = local.weekday();
        let time = local.time();
        let starts_on = |d: Weekday| self.days.contains(&d);
        if self.start < self.end {
            starts_on(day) && self.start <= time && time < self.end
        } else {
            // Overnight or 24 h: the part from `start` to midnight belongs to today's shift,
            // the part before `end` to yesterday's.
            (starts_on(day) && time >= self.start) || (starts_on(day.pred()) && time < self.end)
        }
    }

    /// Whether the two shifts are on duty at some common minute of the week (overnight
    /// parts included): a roster with overlapping shifts is a typing mistake, and a
    /// coordinator would be counted twice on duty.
    pub fn overlaps(&self, other: &Shift) -> bool {
        const WEEK: u32 = 7 * 1440;
        let spans = |s: &Shift| -> Vec<(u32, u32)> {
            let start = s.start.hour() * 60 + s.start.minute();
            s.days
                .iter()
                .map(|d| {
                    let from = d.num_days_from_monday() * 1440 + start;
                    (from, from + s.minutes())
                })
                .collect()
        };
        let meets = |x: (u32, u32), y: (u32, u32)| x.0 < y.1 && y.0 < x.1;
        let later = |x: (u32, u32)| (x.0 + WEEK, x.1 + WEEK);
        let (a, b) = (spans(self), spans(other));
        // Sunday night runs into Monday: each span is also compared a week later.
        a.iter().any(|&x| {
            b.iter()
                .any(|&y| meets(x, y) || meets(later(x), y) || meets(x, later(y)))
        })
    }

    /// `lun,mar 08:00-16:00`: how screens and error messages show a shift.
    pub fn label(&self) -> String {
        let days: Vec<&str> = self.days.iter().map(|d| day_name(*d)).collect();
        let end = if self.end == NaiveTime::MIN && self.start != NaiveTime::MIN {
            "24:00".to_owned()
        } else {
            self.end.format("%H:%M").to_string()
        };
        format!("{} {}-{}", days.join(","), self.start.format("%H:%M"), end)
    }

    /// Length of the shift in minutes (1440 for a 24-hour shift).
    pub fn minutes(&self) -> u32 {
        let minute_of = |t: NaiveTime| t.hour() * 60 + t.minute();
        let (start, end) = (minute_of(self.start), minute_of(self.end));
        if end > start {
            end - start
        } else {
            end + 1440 - start
        }
    }
}

/// Parses a Spanish day name: the abbreviations `lun mar mie jue vie sab dom` (also `mié`,
/// `sáb`) or the full names, in any case.
pub fn parse_day(text: &str) -> Option<Weekday> {
    let folded: String = text
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'á' => 'a',
            'é' => 'e',
            'í' => 'i',
            'ó' => 'o',
            'ú' => 'u',
            other => other,
        })
        .collect();
    let day = match folded.as_str() {
        "lun" | "lunes" => Weekday::Mon,
        "mar" | "martes" => Weekday::Tue,
        "mie" | "miercoles" => Weekday::Wed,
        "jue" | "jueves" => Weekday::Thu,
        "vie" | "viernes" => Weekday::Fri,
        "sab" | "sabado" => Weekday::Sat,
        "dom" | "domingo" => Weekday::Sun,
        _ => return None,
    };
    Some(day)
}

/// The abbreviation used in registry files for `day`.
pub fn day_name(day: Weekday) -> &'static str {
    DAY_NAMES
        .iter()
        .find(|(d, _)| *d == day)
        .map_or("?", |(_, name)| name)
}

/// Parses `HH:MM` (or `H:MM`) from 00:00 to 23:59. When `is_end` is set, `24:00` is also
/// accepted and means midnight at the end of the day, so `19:00–24:00` reads naturally.
pub fn parse_time(text: &str, is_end: bool) -> Option<NaiveTime> {
    let (h, m) = text.trim().split_once(':')?;
    let digits = |s: &str, max_len: usize| {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let (hour, minute) = (digits(h, 2)?, digits(m, 2)?);
    if m.len() != 2 {
        return None;
    }
    if is_end && hour == 24 && minute == 0 {
        return Some(NaiveTime::MIN);
    }
    NaiveTime::from_hms_opt(hour, minute, 0)
}

/// Serialised as written in registry files, so `registry dump` reads like the configuration.
impl Serialize for Shift {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let days: Vec<&str> = self.days.iter().map(|&d| day_name(d)).collect();
        let mut s = serializer.serialize_struct("Shift", 3)?;
        s.serialize_field("days", &days)?;
        s.serialize_field("start", &self.start.format("%H:%M").to_string())?;
        s.serialize_field("end", &self.end.format("%H:%M").to_string())?;
        s.end()
    }
}
