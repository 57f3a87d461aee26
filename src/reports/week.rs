//! ISO 8601 weeks computed on the LOCAL calendar of a region's zone.
//!
//! Weeks are keyed in the group's own IANA zone (domain notes §3.3): a report
//! sent Sunday 23:30 in Hermosillo is already Monday in UTC, but the
//! coordinator counts it in Sunday's week.

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An ISO week such as 2026-W53. Ordered by (year, week).
///
/// Fields are public for pattern matching; prefer [`IsoWeek::new`] or
/// parsing, which reject weeks the year does not have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoWeek {
    pub year: i32,
    pub week: u32,
}

/// Returned when a week key cannot be parsed; the message is shown to users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("semana inválida: {input:?}; use AAAA-Www, p. ej. 2026-W07")]
pub struct WeekParseError {
    pub input: String,
}

const SHORT_MONTHS_ES: [&str; 12] = [
    "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic",
];

/// Number of ISO weeks (52 or 53) in an ISO week-based year.
pub fn weeks_in_year(year: i32) -> u32 {
    // 28 December always falls in the last ISO week of its year.
    NaiveDate::from_ymd_opt(year, 12, 28)
        .map(|d| d.iso_week().week())
        .unwrap_or(52)
}

impl IsoWeek {
    /// A checked constructor: `None` for week 0 or a week past the year's last.
    pub fn new(year: i32, week: u32) -> Option<Self> {
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).map(|_| IsoWeek { year, week })
    }

    /// The ISO week of a calendar date.
    pub fn from_date(date: NaiveDate) -> Self {
        let iw = date.iso_week();
        IsoWeek {
            year: iw.year(),
            week: iw.week(),
        }
    }

    /// The week of the LOCAL date of `at` in `tz`.
    pub fn of(at: DateTime<Utc>, tz: Tz) -> Self {
        Self::from_date(at.with_timezone(&tz).date_naive())
    }

    /// Monday of this week.
    pub fn monday(self) -> NaiveDate {
        // Offsetting from week 1 instead of calling from_isoywd_opt directly
        // keeps hand-built out-of-range values (pub fields) from panicking:
        // they simply roll into the neighbouring year.
        let first = NaiveDate::from_isoywd_opt(self.year, 1, Weekday::Mon);
        let first = first.unwrap_or(NaiveDate::MIN);
        let offset = (i64::from(self.week) - 1) * 7;
        first
            .checked_add_signed(Duration::days(offset))
            .unwrap_or(first)
    }

    /// Sunday of this week.
    pub fn sunday(self) -> NaiveDate {
        self.monday() + Duration::days(6)
    }

    pub fn previous(self) -> Self {
        Self::from_date(self.monday() - Duration::days(7))
    }

    pub fn next(self) -> Self {
        Self::from_date(self.monday() + Duration::days(7))
    }

    /// `n` consecutive weeks ending with `self`, oldest first (chart axes).
    pub fn last_n(self, n: usize) -> Vec<IsoWeek> {
        let mut weeks = Vec::with_capacity(n);
        let mut w = self;
        for _ in 0..n {
            weeks.push(w);
            w = w.previous();
        }
        weeks.reverse();
        weeks
    }

    /// Half-open UTC interval [local Monday 00:00, next local Monday 00:00).
    ///
    /// Not always 168 h: a week containing a DST change (America/Tijuana)
    /// is an hour shorter or longer.
    pub fn bounds(self, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = start_of_local_day(self.monday(), tz);
        let end = start_of_local_day(self.monday() + Duration::days(7), tz);
        (start, end)
    }

    /// Coordinator-facing label, e.g. "Semana 53 de 2026 (28 dic – 3 ene)".
    pub fn label_es(self) -> String {
        let (mon, sun) = (self.monday(), self.sunday());
        format!(
            "Semana {} de {} ({} {} – {} {})",
            self.week,
            self.year,
            mon.day(),
            SHORT_MONTHS_ES[mon.month0() as usize],
            sun.day(),
            SHORT_MONTHS_ES[sun.month0() as usize],
        )
    }

    /// Short axis label "W07".
    pub fn short_label(self) -> String {
        format!("W{:02}", self.week)
    }
}

/// First instant of a local calendar day, in UTC.
///
/// Midnight can be ambiguous (take the earlier instant, so no report is
/// lost between weeks) or nonexistent where a zone springs forward at 00:00
/// (take the first wall-clock minute that exists, i.e. the transition).
pub(crate) fn start_of_local_day(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN);
    let mut t = midnight;
    // Real gaps last minutes to a whole day (Samoa 2011); two days is ample.
    for _ in 0..(2 * 24 * 60) {
        match tz.from_local_datetime(&t) {
            LocalResult::Single(dt) => return dt.with_timezone(&Utc),
            LocalResult::Ambiguous(earliest, _) => return earliest.with_timezone(&Utc),
            LocalResult::None => t += Duration::minutes(1),
        }
    }
    Utc.from_utc_datetime(&midnight)
}

impl fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-W{:02}", self.year, self.week)
    }
}

impl FromStr for IsoWeek {
    type Err = WeekParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || WeekParseError {
            input: s.to_string(),
        };
        let t = s.trim();
        let (year, week) = t.split_once(['W', 'w']).ok_or_else(err)?;
        let year = year.strip_suffix('-').ok_or_else(err)?;
        let digits = |x: &str, n: usize| x.len() == n && x.bytes().all(|b| b.is_ascii_digit());
        if !digits(year, 4) || !digits(week, 2) {
            return Err(err());
        }
        let year: i32 = year.parse().map_err(|_| err())?;
        let week: u32 = week.parse().map_err(|_| err())?;
        IsoWeek::new(year, week).ok_or_else(err)
    }
}

// Serialized as the "2026-W07" key so JSON and query strings share one form.
impl Serialize for IsoWeek {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IsoWeek {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
