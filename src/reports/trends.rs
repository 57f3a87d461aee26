//! Colonia trends: a week in which one colonia asks for one category of help far more often
//! than it usually does.
//!
//! Each (region, municipality, colonia, category) is compared with its OWN history: the
//! counts of the 8 weeks before ("baseline"), weeks without a request counting as 0. The week
//! is an alert when all three hold:
//!
//! 1. at least [`MIN_COUNT`] requests this week, so 1 → 2 or 0 → 3 is never news;
//! 2. the count is unlikely under a Poisson law whose mean is the baseline mean, floored at
//!    [`BASELINE_FLOOR`] per week (a colonia that is usually silent is not judged against a
//!    mean of 0.1): P(X ≥ count) ≤ [`ALPHA`];
//! 3. the count is above the baseline mean plus [`SD_FACTOR`] sample standard deviations
//!    (EARS C2's rule on weekly counts), so a colonia whose weeks swing widely (more than a
//!    Poisson law allows) is judged by its own swings.
//!
//! Reports without an identified colonia, and follow-ups (which are about an earlier
//! report, not a new event), are not tested. Everything here is pure and deterministic; the
//! digest worker (`reports::digest`) raises the alerts and the store keeps the cool-down.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::summary::RequestRow;
use super::week::IsoWeek;
use crate::vocab::labels::category_es;

/// Weeks of history each count is compared with.
pub const BASELINE_WEEKS: usize = 8;
/// Fewest requests in a week that can be a trend.
pub const MIN_COUNT: u64 = 4;
/// Weekly mean assumed for a baseline quieter than this.
pub const BASELINE_FLOOR: f64 = 1.0;
/// Largest Poisson upper-tail probability that still counts as unusual.
pub const ALPHA: f64 = 0.005;
/// Standard deviations above the baseline mean a count must exceed.
pub const SD_FACTOR: f64 = 3.0;
/// Weeks after an alert in which the same colonia and category stay quiet unless the count
/// grows past the alerted one.
pub const COOL_DOWN_WEEKS: u32 = 4;

/// How one week's count compares with its baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub count: u64,
    /// Mean of the baseline weeks.
    pub mean: f64,
    /// Sample standard deviation of the baseline weeks.
    pub sd: f64,
    /// P(X ≥ count) for X ~ Poisson(max(mean, floor)).
    pub p_value: f64,
    pub exceeded: bool,
}

/// Tests `count` against the `baseline` weeks' counts (any order).
pub fn judge(count: u64, baseline: &[u64]) -> Verdict {
    let n = baseline.len() as f64;
    let mean = if baseline.is_empty() {
        0.0
    } else {
        baseline.iter().sum::<u64>() as f64 / n
    };
    let sd = if baseline.len() < 2 {
        0.0
    } else {
        let ss: f64 = baseline.iter().map(|&c| (c as f64 - mean).powi(2)).sum();
        (ss / (n - 1.0)).sqrt()
    };
    let p_value = poisson_upper_tail(count, mean.max(BASELINE_FLOOR));
    let exceeded = count >= MIN_COUNT && p_value <= ALPHA && count as f64 > mean + SD_FACTOR * sd;
    Verdict {
        count,
        mean,
        sd,
        p_value,
        exceeded,
    }
}

/// P(X ≥ k) for X ~ Poisson(lambda), summed from k upwards in log space so that neither a
/// large k nor a large lambda overflows a factorial. Exact to rounding for k > lambda, the
/// only side a trend can be on; below the mean the answer is 1 for our purpose.
pub fn poisson_upper_tail(k: u64, lambda: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if lambda.is_nan() || lambda <= 0.0 {
        return 0.0;
    }
    if (k as f64) <= lambda {
        return 1.0;
    }
    let ln_factorial: f64 = (2..=k).map(|j| (j as f64).ln()).sum();
    let mut term = (-lambda + k as f64 * lambda.ln() - ln_factorial).exp();
    let mut sum = 0.0;
    let mut i = k;
    // Past the mean every term is smaller than the one before by lambda / (i + 1) < 1.
    while term > 0.0 && term >= sum * 1e-17 {
        sum += term;
        i += 1;
        term *= lambda / i as f64;
    }
    sum.min(1.0)
}

/// A colonia and category whose week exceeded its baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trend {
    pub region: String,
    pub municipality: String,
    pub colonia: String,
    /// The machine name (emergency_911, patrol, …).
    pub category: String,
    pub count: u64,
    /// Mean of the 8 previous weeks.
    pub baseline_mean: f64,
    /// The 8 previous weeks' counts, oldest first.
    pub baseline: Vec<u64>,
    pub p_value: f64,
}

impl Trend {
    /// "Solicitud de patrullaje en Col. Villa Bonita (Hermosillo): 9 esta semana, promedio 3
    /// en las 8 anteriores".
    pub fn sentence_es(&self) -> String {
        format!(
            "{} en Col. {} ({}): {} esta semana, promedio {} en las {} anteriores",
            category_es(&self.category),
            self.colonia,
            self.municipality,
            self.count,
            mean_es(self.baseline_mean),
            BASELINE_WEEKS
        )
    }
}

/// "3", "2.4": one decimal, none when it is a whole number.
pub fn mean_es(mean: f64) -> String {
    let rounded = (mean * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}

/// The first of the baseline weeks of `week`.
pub fn baseline_start(week: IsoWeek) -> IsoWeek {
    (0..BASELINE_WEEKS).fold(week, |w, _| w.previous())
}

/// The trends of `week` among `rows` (which must cover it and the 8 weeks before, in the
/// zone `tz`). Nothing is tested before the installation has a whole baseline: when its
/// first report (`history_from`) is not older than the first baseline week, every colonia
/// would look like it rose from nothing. Strongest first (smallest p-value), then by name.
pub fn detect(
    week: IsoWeek,
    tz: Tz,
    rows: &[RequestRow],
    history_from: Option<DateTime<Utc>>,
) -> Vec<Trend> {
    let (baseline_from, _) = baseline_start(week).bounds(tz);
    if history_from.is_none_or(|first| first >= baseline_from) {
        return Vec::new();
    }
    let weeks = week.last_n(BASELINE_WEEKS + 1);
    // key → one count per week of `weeks`.
    let mut counts: BTreeMap<(&str, &str, &str, &str), Vec<u64>> = BTreeMap::new();
    for r in rows {
        let Some(colonia) = r.colonia.as_deref() else {
            continue;
        };
        if r.category == "follow_up" {
            continue;
        }
        let w = IsoWeek::of(r.received_at, tz);
        let Some(i) = weeks.iter().position(|x| *x == w) else {
            continue;
        };
        let key = (
            r.region.as_str(),
            r.municipality.as_str(),
            colonia,
            r.category.as_str(),
        );
        counts.entry(key).or_insert_with(|| vec![0; weeks.len()])[i] += 1;
    }
    let mut out: Vec<Trend> = counts
        .into_iter()
        .filter_map(|((region, municipality, colonia, category), series)| {
            let (baseline, this) = series.split_at(BASELINE_WEEKS);
            let v = judge(this[0], baseline);
            v.exceeded.then(|| Trend {
                region: region.to_owned(),
                municipality: municipality.to_owned(),
                colonia: colonia.to_owned(),
                category: category.to_owned(),
                count: v.count,
                baseline_mean: v.mean,
                baseline: baseline.to_vec(),
                p_value: v.p_value,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        a.p_value
            .total_cmp(&b.p_value)
            .then_with(|| a.region.cmp(&b.region))
            .then_with(|| a.colonia.cmp(&b.colonia))
            .then_with(|| a.category.cmp(&b.category))
    });
    out
}

#[cfg(test)]
mod tests;
