//! Prometheus metrics, kept in process with atomics (no exporter dependency). Counters that
//! live in the database (reports, outbox depth) are read at scrape time instead, so every
//! replica reports the same figures for them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// Upper bounds (seconds) of the ingest latency histogram.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Process-wide metrics.
#[derive(Default)]
pub struct Metrics {
    webhooks: Labelled,
    send_failures: Labelled,
    escalations: Labelled,
    logins: Labelled,
    undeliverable: Labelled,
    /// The cost ledger by pricing category, as the sender last read it from the database.
    billed: Mutex<Vec<(String, f64)>>,
    connections_closed: Labelled,
    ingest_buckets: [AtomicU64; BUCKETS.len()],
    ingest_count: AtomicU64,
    ingest_sum_micros: AtomicU64,
}

#[derive(Default)]
struct Labelled(Mutex<BTreeMap<String, u64>>);

impl Labelled {
    fn inc(&self, label: &str) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *map.entry(label.to_owned()).or_default() += 1;
    }

    fn snapshot(&self) -> Vec<(String, u64)> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }
}

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::default)
}

impl Metrics {
    /// One webhook POST and how it ended (`stored`, `duplicate`, `flagged`, `unauthorized`,
    /// `too_large`, `unavailable`, `bad_request`).
    pub fn webhook(&self, outcome: &str) {
        self.webhooks.inc(outcome);
    }

    /// Time from receiving a webhook to its commit.
    pub fn ingest_latency(&self, took: Duration) {
        let secs = took.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                self.ingest_buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.ingest_count.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.ingest_sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// A failed send attempt, by Graph error code (`network` when there was none).
    pub fn send_failure(&self, code: Option<i64>) {
        self.send_failures
            .inc(&code.map_or_else(|| "network".to_owned(), |c| c.to_string()));
    }

    pub fn escalation(&self, level: i32) {
        self.escalations.inc(&level.to_string());
    }

    /// One login attempt and how it ended (`ok`, `bad_credentials`, `locked_account`,
    /// `locked_address`, `busy`). Refusals while locked are counted here, not audited one
    /// by one: the lock itself is audited once.
    pub fn login(&self, outcome: &str) {
        self.logins.inc(outcome);
    }

    /// A message that will never reach its recipient (a permanent send error, or a `failed`
    /// status webhook that no template can fix), by purpose.
    pub fn undeliverable(&self, purpose: &str) {
        self.undeliverable.inc(purpose);
    }

    /// Messages billed so far by pricing category (read from the cost ledger by the sender,
    /// so the figure is the database's, the same whichever replica is scraped).
    pub fn set_billed(&self, by_category: Vec<(String, f64)>) {
        *self.billed.lock().unwrap_or_else(|e| e.into_inner()) = by_category;
    }

    /// A connection the server closed on its own: over the `limit`, or by its clock
    /// (`header_timeout`, `idle_timeout`, `write_stalled`).
    pub fn connection_closed(&self, reason: &str) {
        self.connections_closed.inc(reason);
    }

    /// Renders the in-process metrics in the Prometheus text format.
    pub fn render(&self, out: &mut String) {
        counter(
            out,
            "alerta_webhooks_total",
            "Webhook POSTs by outcome.",
            "outcome",
            &self.webhooks.snapshot(),
        );
        let _ = writeln!(
            out,
            "# HELP alerta_ingest_seconds Time from receiving a webhook to its commit."
        );
        let _ = writeln!(out, "# TYPE alerta_ingest_seconds histogram");
        for (i, bound) in BUCKETS.iter().enumerate() {
            let n = self.ingest_buckets[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "alerta_ingest_seconds_bucket{{le=\"{bound}\"}} {n}");
        }
        let count = self.ingest_count.load(Ordering::Relaxed);
        let sum = self.ingest_sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "alerta_ingest_seconds_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "alerta_ingest_seconds_sum {sum}");
        let _ = writeln!(out, "alerta_ingest_seconds_count {count}");
        counter(
            out,
            "alerta_send_failures_total",
            "Failed send attempts by Graph error code.",
            "code",
            &self.send_failures.snapshot(),
        );
        counter(
            out,
            "alerta_escalations_total",
            "Escalation steps applied by this process, by level.",
            "level",
            &self.escalations.snapshot(),
        );
        counter(
            out,
            "alerta_logins_total",
            "Web login attempts by outcome.",
            "outcome",
            &self.logins.snapshot(),
        );
        counter(
            out,
            "alerta_outbound_undeliverable_total",
            "Messages this process found undeliverable for good, by purpose.",
            "purpose",
            &self.undeliverable.snapshot(),
        );
        let billed = self
            .billed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        gauge(
            out,
            "alerta_outbound_messages",
            "Messages billed by Meta so far, by pricing category (cost ledger).",
            "category",
            &billed,
        );
        counter(
            out,
            "alerta_connections_closed_total",
            "Connections closed by the server: over the limit, or by a timeout.",
            "reason",
            &self.connections_closed.snapshot(),
        );
    }
}

fn counter(out: &mut String, name: &str, help: &str, label: &str, values: &[(String, u64)]) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} counter");
    for (value, n) in values {
        let _ = writeln!(out, "{name}{{{label}=\"{}\"}} {n}", escape(value));
    }
}

/// A gauge family with one label, for figures read from the database.
pub fn gauge(out: &mut String, name: &str, help: &str, label: &str, values: &[(String, f64)]) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
    for (value, n) in values {
        if label.is_empty() {
            let _ = writeln!(out, "{name} {n}");
        } else {
            let _ = writeln!(out, "{name}{{{label}=\"{}\"}} {n}", escape(value));
        }
    }
}

fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_a_cumulative_histogram() {
        let m = Metrics::default();
        m.webhook("stored");
        m.webhook("stored");
        m.webhook("unauthorized");
        m.ingest_latency(Duration::from_millis(3));
        m.ingest_latency(Duration::from_millis(300));
        m.send_failure(Some(131047));
        m.send_failure(None);
        m.undeliverable("reply_ack");
        m.set_billed(vec![("utility".into(), 3.0), ("service".into(), 1.0)]);
        let mut out = String::new();
        m.render(&mut out);
        assert!(out.contains("alerta_webhooks_total{outcome=\"stored\"} 2"));
        assert!(out.contains("alerta_ingest_seconds_bucket{le=\"0.005\"} 1"));
        assert!(out.contains("alerta_ingest_seconds_bucket{le=\"0.5\"} 2"));
        assert!(out.contains("alerta_ingest_seconds_count 2"));
        assert!(out.contains("alerta_send_failures_total{code=\"131047\"} 1"));
        assert!(out.contains("alerta_send_failures_total{code=\"network\"} 1"));
        assert!(out.contains("alerta_outbound_undeliverable_total{purpose=\"reply_ack\"} 1"));
        assert!(out.contains("# TYPE alerta_outbound_messages gauge"));
        assert!(out.contains("alerta_outbound_messages{category=\"utility\"} 3"));
    }
}
