//! Small statistics shared by the summary, exports and charts.

use chrono::Duration;
use serde::Serialize;

use super::summary::RequestRow;

/// Nearest-rank percentile (`p` in 0..=100) of an ascending slice.
///
/// Nearest rank always returns an observed value, which is what a
/// coordinator can find again in the detail sheet.
pub fn percentile_nearest_rank(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = ((p / 100.0) * n as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, n) - 1])
}

/// Median and 90th percentile of a set of durations, in seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DurationStats {
    pub count: u64,
    pub median_secs: Option<i64>,
    pub p90_secs: Option<i64>,
}

impl DurationStats {
    pub fn from_secs(mut values: Vec<i64>) -> Self {
        values.sort_unstable();
        DurationStats {
            count: values.len() as u64,
            median_secs: percentile_nearest_rank(&values, 50.0),
            p90_secs: percentile_nearest_rank(&values, 90.0),
        }
    }

    pub fn median(&self) -> Option<Duration> {
        self.median_secs.map(Duration::seconds)
    }

    pub fn p90(&self) -> Option<Duration> {
        self.p90_secs.map(Duration::seconds)
    }
}

/// Human duration for coordinators: "45 s", "12 min", "1 h 05 min", "3 d 4 h".
pub fn format_duration_es(d: Duration) -> String {
    let total = d.num_seconds();
    let sign = if total < 0 { "-" } else { "" };
    let s = total.unsigned_abs();
    let (days, hours, mins) = (s / 86_400, (s % 86_400) / 3_600, (s % 3_600) / 60);
    if s < 60 {
        format!("{sign}{s} s")
    } else if s < 3_600 {
        format!("{sign}{mins} min")
    } else if s < 86_400 {
        format!("{sign}{hours} h {mins:02} min")
    } else {
        format!("{sign}{days} d {hours} h")
    }
}

/// Time-to-acknowledge buckets, in chart order.
pub const ACK_BUCKET_LABELS: [&str; 6] = [
    "< 15 min",
    "15–60 min",
    "1–4 h",
    "4–24 h",
    "> 24 h",
    "Sin acuse",
];

/// Histogram of time to acknowledge; `counts[i]` matches `ACK_BUCKET_LABELS[i]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AckHistogram {
    pub counts: [u64; 6],
}

impl AckHistogram {
    pub fn add(&mut self, row: &RequestRow) {
        let idx = match ack_secs(row) {
            None => 5,
            Some(s) if s < 15 * 60 => 0,
            Some(s) if s < 3_600 => 1,
            Some(s) if s < 4 * 3_600 => 2,
            Some(s) if s < 24 * 3_600 => 3,
            Some(_) => 4,
        };
        self.counts[idx] += 1;
    }

    pub fn from_rows<'a>(rows: impl IntoIterator<Item = &'a RequestRow>) -> Self {
        let mut h = AckHistogram::default();
        rows.into_iter().for_each(|r| h.add(r));
        h
    }
}

/// Seconds from reception to acknowledgement. A clock skew that puts the
/// acknowledgement first counts as instant rather than negative.
pub fn ack_secs(row: &RequestRow) -> Option<i64> {
    row.acknowledged_at
        .map(|a| (a - row.received_at).num_seconds().max(0))
}

/// Seconds from reception to resolution (same clamping as [`ack_secs`]).
pub fn resolve_secs(row: &RequestRow) -> Option<i64> {
    row.resolved_at
        .map(|r| (r - row.received_at).num_seconds().max(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(percentile_nearest_rank(&v, 50.0), Some(5));
        assert_eq!(percentile_nearest_rank(&v, 90.0), Some(9));
        assert_eq!(percentile_nearest_rank(&v[..1], 90.0), Some(1));
        assert_eq!(percentile_nearest_rank(&[], 50.0), None);
        // 3 values: median rank ceil(1.5)=2, p90 rank ceil(2.7)=3.
        assert_eq!(percentile_nearest_rank(&[10, 20, 30], 50.0), Some(20));
        assert_eq!(percentile_nearest_rank(&[10, 20, 30], 90.0), Some(30));
    }

    #[test]
    fn durations_in_spanish() {
        assert_eq!(format_duration_es(Duration::seconds(45)), "45 s");
        assert_eq!(format_duration_es(Duration::minutes(12)), "12 min");
        assert_eq!(format_duration_es(Duration::minutes(65)), "1 h 05 min");
        assert_eq!(format_duration_es(Duration::minutes(60)), "1 h 00 min");
        let d = Duration::days(3) + Duration::hours(4) + Duration::minutes(59);
        assert_eq!(format_duration_es(d), "3 d 4 h");
        assert_eq!(format_duration_es(Duration::seconds(-90)), "-1 min");
    }
}
