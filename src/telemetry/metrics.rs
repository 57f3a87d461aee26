//! Prometheus metrics, kept in process with atomics (no exporter dependency). Counters that
//! live in the database (reports, outbox depth) are read at scrape time instead, so every
//! replica reports the same figures for them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use super::histogram::{label_pairs, Histogram, HistogramVec, GROUP_SIZES, SECONDS};

/// Process-wide metrics.
pub struct Metrics {
    webhooks: Labelled,
    send_failures: Labelled,
    escalations: Labelled,
    logins: Labelled,
    undeliverable: Labelled,
    /// The cost ledger by pricing category, as the sender last read it from the database.
    billed: Mutex<Vec<(String, f64)>>,
    connections_closed: Labelled,
    ingest: Histogram,
    http_requests: Labelled,
    http_seconds: HistogramVec,
    writer_group: HistogramVec,
    writer_commit: HistogramVec,
    writer_fsync: Histogram,
    media_failures: Labelled,
    event_streams: AtomicI64,
    retention_runs: Labelled,
    /// Unix time of the last retention run that finished; 0 before the first.
    retention_last: AtomicI64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            webhooks: Labelled::default(),
            send_failures: Labelled::default(),
            escalations: Labelled::default(),
            logins: Labelled::default(),
            undeliverable: Labelled::default(),
            billed: Mutex::default(),
            connections_closed: Labelled::default(),
            ingest: Histogram::new(SECONDS),
            http_requests: Labelled::default(),
            http_seconds: HistogramVec::new(SECONDS, &["route"]),
            writer_group: HistogramVec::new(GROUP_SIZES, &["backend"]),
            writer_commit: HistogramVec::new(SECONDS, &["backend"]),
            writer_fsync: Histogram::new(SECONDS),
            media_failures: Labelled::default(),
            event_streams: AtomicI64::new(0),
            retention_runs: Labelled::default(),
            retention_last: AtomicI64::new(0),
        }
    }
}

/// A counter family: one count per combination of label values.
#[derive(Default)]
struct Labelled(Mutex<BTreeMap<Vec<String>, u64>>);

impl Labelled {
    fn inc(&self, values: &[&str]) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let key = values.iter().map(|v| (*v).to_owned()).collect();
        *map.entry(key).or_default() += 1;
    }

    fn snapshot(&self) -> Vec<(Vec<String>, u64)> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }
}

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::default)
}

/// Keeps `alerta_event_streams` up while a live-queue stream is open.
pub struct StreamGuard(());

impl Drop for StreamGuard {
    fn drop(&mut self) {
        metrics().event_streams.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    /// One webhook POST and how it ended (`stored`, `duplicate`, `flagged`, `unauthorized`,
    /// `too_large`, `unavailable`, `bad_request`).
    pub fn webhook(&self, outcome: &str) {
        self.webhooks.inc(&[outcome]);
    }

    /// Time from receiving a webhook to its commit.
    pub fn ingest_latency(&self, took: Duration) {
        self.ingest.observe(took.as_secs_f64());
    }

    /// A failed send attempt, by Graph error code (`network` when there was none).
    pub fn send_failure(&self, code: Option<i64>) {
        let code = code.map_or_else(|| "network".to_owned(), |c| c.to_string());
        self.send_failures.inc(&[&code]);
    }

    pub fn escalation(&self, level: i32) {
        self.escalations.inc(&[&level.to_string()]);
    }

    /// One login attempt and how it ended (`ok`, `bad_credentials`, `locked_account`,
    /// `locked_address`, `busy`). Refusals while locked are counted here, not audited one
    /// by one: the lock itself is audited once.
    pub fn login(&self, outcome: &str) {
        self.logins.inc(&[outcome]);
    }

    /// A message that will never reach its recipient (a permanent send error, or a `failed`
    /// status webhook that no template can fix), by purpose.
    pub fn undeliverable(&self, purpose: &str) {
        self.undeliverable.inc(&[purpose]);
    }

    /// Messages billed so far by pricing category (read from the cost ledger by the sender,
    /// so the figure is the database's, the same whichever replica is scraped).
    pub fn set_billed(&self, by_category: Vec<(String, f64)>) {
        *self.billed.lock().unwrap_or_else(|e| e.into_inner()) = by_category;
    }

    /// A connection the server closed on its own: over the `limit`, or by its clock
    /// (`header_timeout`, `idle_timeout`, `write_stalled`).
    pub fn connection_closed(&self, reason: &str) {
        self.connections_closed.inc(&[reason]);
    }

    /// One answered HTTP request. `route` is the matched route template (`unmatched` for a
    /// 404), never the raw path: paths carry ids and would grow the series without bound.
    pub fn http_request(&self, route: &str, method: &str, status: u16, took: Duration) {
        self.http_requests
            .inc(&[route, method, &status.to_string()]);
        self.http_seconds.observe(&[route], took.as_secs_f64());
    }

    /// One group commit of a writer: how many deliveries it held and how long the
    /// transaction took (`backend` is `sqlite` or `postgres`).
    pub fn writer_commit(&self, backend: &str, group: usize, took: Duration) {
        self.writer_group.observe(&[backend], group as f64);
        self.writer_commit.observe(&[backend], took.as_secs_f64());
    }

    /// One fsync of SQLite's write-ahead log (off the writer thread).
    pub fn writer_fsync(&self, took: Duration) {
        self.writer_fsync.observe(took.as_secs_f64());
    }

    /// A media fetch that did not store the file: `retry`, `unavailable` (Meta no longer
    /// has it) or `refused` (too large, or the store is full).
    pub fn media_failure(&self, outcome: &str) {
        self.media_failures.inc(&[outcome]);
    }

    /// Counts an open live-queue stream until the guard is dropped.
    pub fn event_stream_opened(&self) -> StreamGuard {
        self.event_streams.fetch_add(1, Ordering::Relaxed);
        StreamGuard(())
    }

    /// A retention run ended (`ok` or `failed`) at `at` (Unix seconds).
    pub fn retention_run(&self, outcome: &str, at: i64) {
        self.retention_runs.inc(&[outcome]);
        if outcome == "ok" {
            self.retention_last.store(at, Ordering::Relaxed);
        }
    }

    /// Renders the in-process metrics in the Prometheus text format.
    pub fn render(&self, out: &mut String) {
        gauge_labels(
            out,
            "alerta_build_info",
            "The running build: 1, labelled with its version.",
            &["version"],
            &[(vec![env!("CARGO_PKG_VERSION").to_owned()], 1.0)],
        );
        counter(
            out,
            "alerta_webhooks_total",
            "Webhook POSTs by outcome.",
            &["outcome"],
            &self.webhooks.snapshot(),
        );
        self.ingest.render(
            out,
            "alerta_ingest_seconds",
            "Time from receiving a webhook to its commit.",
        );
        counter(
            out,
            "alerta_http_requests_total",
            "HTTP requests answered, by matched route template, method and status code.",
            &["route", "method", "status"],
            &self.http_requests.snapshot(),
        );
        self.http_seconds.render(
            out,
            "alerta_http_request_seconds",
            "Time to answer an HTTP request (to the response head), by matched route template.",
        );
        self.writer_group.render(
            out,
            "alerta_writer_group_size",
            "Webhook deliveries folded into one write transaction.",
        );
        self.writer_commit.render(
            out,
            "alerta_writer_commit_seconds",
            "Time of one group's write transaction, to its commit.",
        );
        self.writer_fsync.render(
            out,
            "alerta_writer_fsync_seconds",
            "Time of one fsync of SQLite's write-ahead log.",
        );
        counter(
            out,
            "alerta_send_failures_total",
            "Failed send attempts by Graph error code.",
            &["code"],
            &self.send_failures.snapshot(),
        );
        counter(
            out,
            "alerta_escalations_total",
            "Escalation steps applied by this process, by level.",
            &["level"],
            &self.escalations.snapshot(),
        );
        counter(
            out,
            "alerta_logins_total",
            "Web login attempts by outcome.",
            &["outcome"],
            &self.logins.snapshot(),
        );
        counter(
            out,
            "alerta_outbound_undeliverable_total",
            "Messages this process found undeliverable for good, by purpose.",
            &["purpose"],
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
            &["reason"],
            &self.connections_closed.snapshot(),
        );
        counter(
            out,
            "alerta_media_failures_total",
            "Media fetches that did not store the file, by outcome.",
            &["outcome"],
            &self.media_failures.snapshot(),
        );
        gauge(
            out,
            "alerta_event_streams",
            "Live-queue event streams open in this process.",
            "",
            &[(
                String::new(),
                self.event_streams.load(Ordering::Relaxed) as f64,
            )],
        );
        counter(
            out,
            "alerta_retention_runs_total",
            "Retention runs of this process, by outcome.",
            &["outcome"],
            &self.retention_runs.snapshot(),
        );
        gauge(
            out,
            "alerta_retention_last_run_timestamp_seconds",
            "Unix time of this process's last retention run that finished (0: none yet).",
            "",
            &[(
                String::new(),
                self.retention_last.load(Ordering::Relaxed) as f64,
            )],
        );
    }
}

fn counter(
    out: &mut String,
    name: &str,
    help: &str,
    labels: &[&str],
    values: &[(Vec<String>, u64)],
) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} counter");
    for (values, n) in values {
        let _ = writeln!(out, "{name}{{{}}} {n}", label_pairs(labels, values));
    }
}

/// A gauge family with one label (none when `label` is empty).
pub fn gauge(out: &mut String, name: &str, help: &str, label: &str, values: &[(String, f64)]) {
    if label.is_empty() {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} gauge");
        for (_, n) in values {
            let _ = writeln!(out, "{name} {n}");
        }
        return;
    }
    let values: Vec<(Vec<String>, f64)> =
        values.iter().map(|(v, n)| (vec![v.clone()], *n)).collect();
    gauge_labels(out, name, help, &[label], &values);
}

/// A gauge family with several labels, one per dimension.
pub fn gauge_labels(
    out: &mut String,
    name: &str,
    help: &str,
    labels: &[&str],
    values: &[(Vec<String>, f64)],
) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
    for (values, n) in values {
        let _ = writeln!(out, "{name}{{{}}} {n}", label_pairs(labels, values));
    }
}

pub(super) fn escape(v: &str) -> String {
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
