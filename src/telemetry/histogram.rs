//! Prometheus histograms kept with atomics, alone or one per label value.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use super::metrics::escape;

/// Upper bounds (seconds) for request, ingest and commit times.
pub const SECONDS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Upper bounds for how many deliveries a writer folded into one transaction.
pub const GROUP_SIZES: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

/// One histogram. Sums are kept in millionths so an atomic integer can hold them.
pub struct Histogram {
    bounds: &'static [f64],
    buckets: Vec<AtomicU64>,
    count: AtomicU64,
    sum_millionths: AtomicU64,
}

impl Histogram {
    pub fn new(bounds: &'static [f64]) -> Self {
        Histogram {
            bounds,
            buckets: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum_millionths: AtomicU64::new(0),
        }
    }

    pub fn observe(&self, value: f64) {
        for (i, bound) in self.bounds.iter().enumerate() {
            if value <= *bound {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        // Saturating float-to-int: a negative or absurd value cannot wrap the sum.
        let millionths = (value * 1e6) as u64;
        self.sum_millionths.fetch_add(millionths, Ordering::Relaxed);
    }

    /// The sample lines (no HELP/TYPE) with `labels` (already rendered, `k="v"` pairs joined
    /// by commas, or empty) in front of `le`.
    fn render_samples(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (i, bound) in self.bounds.iter().enumerate() {
            let n = self.buckets[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {n}");
        }
        let count = self.count.load(Ordering::Relaxed);
        let sum = self.sum_millionths.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {sum}");
        let _ = writeln!(out, "{name}_count{braces} {count}");
    }

    pub fn render(&self, out: &mut String, name: &str, help: &str) {
        header(out, name, help);
        self.render_samples(out, name, "");
    }
}

/// Histograms keyed by the values of a fixed list of labels (e.g. the route).
pub struct HistogramVec {
    bounds: &'static [f64],
    labels: &'static [&'static str],
    series: Mutex<BTreeMap<Vec<String>, Histogram>>,
}

impl HistogramVec {
    pub fn new(bounds: &'static [f64], labels: &'static [&'static str]) -> Self {
        HistogramVec {
            bounds,
            labels,
            series: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn observe(&self, values: &[&str], value: f64) {
        let mut series = self.series.lock().unwrap_or_else(|e| e.into_inner());
        let key: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
        series
            .entry(key)
            .or_insert_with(|| Histogram::new(self.bounds))
            .observe(value);
    }

    pub fn render(&self, out: &mut String, name: &str, help: &str) {
        header(out, name, help);
        let series = self.series.lock().unwrap_or_else(|e| e.into_inner());
        for (values, histogram) in series.iter() {
            let labels = label_pairs(self.labels, values);
            histogram.render_samples(out, name, &labels);
        }
    }
}

fn header(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} histogram");
}

/// `a="x",b="y"` for label names and their values.
pub fn label_pairs(names: &[&str], values: &[String]) -> String {
    names
        .iter()
        .zip(values)
        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_labels_come_before_le() {
        let h = HistogramVec::new(SECONDS, &["route"]);
        h.observe(&["/webhook"], 0.003);
        h.observe(&["/webhook"], 0.3);
        h.observe(&["/readyz"], 7.0);
        let mut out = String::new();
        h.render(&mut out, "x_seconds", "X.");
        assert!(out.contains("x_seconds_bucket{route=\"/webhook\",le=\"0.005\"} 1"));
        assert!(out.contains("x_seconds_bucket{route=\"/webhook\",le=\"0.5\"} 2"));
        assert!(out.contains("x_seconds_bucket{route=\"/readyz\",le=\"5\"} 0"));
        assert!(out.contains("x_seconds_bucket{route=\"/readyz\",le=\"+Inf\"} 1"));
        assert!(out.contains("x_seconds_count{route=\"/webhook\"} 2"));
        assert!(out.contains("x_seconds_sum{route=\"/readyz\"} 7"));
    }
}
