//! `alerta loadgen`: signed webhook load against a running server, with latency percentiles
//! and a check, through the database, that every message answered 200 is stored once.

mod client;
pub mod payloads;

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::time::{Duration, Instant};

use self::client::{Prepared, Schedule, Target};
use self::payloads::{envelope, message, statuses, Rng};
use crate::store::Store;
use crate::whatsapp::signature::sign;

/// What to send.
#[derive(Debug, Clone)]
pub struct LoadSpec {
    /// Base URL of the server (`/webhook` is appended).
    pub url: String,
    pub secret: String,
    pub requests: usize,
    pub concurrency: usize,
    /// Requests per second to offer; `None` sends as fast as concurrency allows.
    pub rate: Option<f64>,
    /// Messages per request: 1 to `max_batch`.
    pub max_batch: usize,
    /// Share of requests that re-send an earlier body exactly (Meta's retries).
    pub duplicates: f64,
    /// Share of requests that carry shuffled statuses for an outbound message.
    pub statuses: f64,
    pub seed: u64,
    pub timeout: Duration,
}

/// What happened.
#[derive(Debug, Default)]
pub struct LoadReport {
    pub elapsed: Duration,
    pub by_status: BTreeMap<u16, usize>,
    /// Requests that got no HTTP answer (connection refused, timeout).
    pub no_answer: usize,
    /// Message ids in requests answered 200.
    pub accepted: HashSet<String>,
    /// Every message id sent at least once.
    pub generated: HashSet<String>,
    pub latencies: Vec<Duration>,
}

impl LoadReport {
    pub fn requests(&self) -> usize {
        self.by_status.values().sum::<usize>() + self.no_answer
    }

    fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let idx = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[idx]
    }

    /// The human summary `alerta loadgen` prints.
    pub fn summary(&self) -> String {
        let secs = self.elapsed.as_secs_f64().max(1e-9);
        format!(
            "{} peticiones en {:.2} s = {:.0}/s; respuestas {:?}, sin respuesta {}\n\
             latencia p50 {:?}  p90 {:?}  p99 {:?}  máx {:?}\n\
             mensajes: {} generados, {} en peticiones aceptadas (200)",
            self.requests(),
            secs,
            self.requests() as f64 / secs,
            self.by_status,
            self.no_answer,
            self.percentile(0.50),
            self.percentile(0.90),
            self.percentile(0.99),
            self.latencies.last().copied().unwrap_or_default(),
            self.generated.len(),
            self.accepted.len(),
        )
    }
}

/// Builds every request body up front (so timing measures the server), with the ids of the
/// messages each one carries.
pub fn prepare(spec: &LoadSpec) -> Vec<(Vec<u8>, Vec<String>)> {
    let mut rng = Rng::new(spec.seed);
    let now = chrono::Utc::now().timestamp();
    let mut bodies: Vec<(Vec<u8>, Vec<String>)> = Vec::with_capacity(spec.requests);
    let mut n = 0usize;
    for i in 0..spec.requests {
        if !bodies.is_empty() && rng.chance(spec.duplicates) {
            let again = bodies[rng.below(bodies.len())].clone();
            bodies.push(again);
            continue;
        }
        let size = 1 + rng.below(spec.max_batch.max(1));
        let mut msgs = Vec::with_capacity(size);
        let mut ids = Vec::with_capacity(size);
        for _ in 0..size {
            let wamid = format!("wamid.LOAD.{}.{n:08}", spec.seed);
            n += 1;
            msgs.push(message(&mut rng, &wamid, now - 60 + (n % 60) as i64));
            ids.push(wamid);
        }
        let sts = if rng.chance(spec.statuses) {
            statuses(&mut rng, &format!("wamid.LOAD.out.{}.{i}", spec.seed), now)
        } else {
            Vec::new()
        };
        bodies.push((envelope(msgs, sts), ids));
    }
    bodies
}

/// Sends the load over `concurrency` connections and gathers the report.
pub async fn run(spec: &LoadSpec) -> anyhow::Result<LoadReport> {
    let target = Target::resolve(&spec.url).await?;
    let secret = spec.secret.as_bytes();
    let requests: Vec<Prepared> = prepare(spec)
        .into_iter()
        .map(|(body, ids)| Prepared {
            signature: sign(secret, &body),
            body: body.into(),
            ids,
        })
        .collect();
    let requests = Arc::new(requests);
    let next = Arc::new(AtomicUsize::new(0));
    let schedule = Arc::new(Schedule {
        started: Instant::now(),
        interval: spec
            .rate
            .map(|r| Duration::from_secs_f64(1.0 / r.max(0.001))),
        timeout: spec.timeout,
    });
    let connections: Vec<_> = (0..spec.concurrency.clamp(1, requests.len().max(1)))
        .map(|_| {
            tokio::spawn(client::connection(
                target.clone(),
                requests.clone(),
                next.clone(),
                schedule.clone(),
            ))
        })
        .collect();
    let mut outcomes = Vec::with_capacity(requests.len());
    for c in connections {
        outcomes.extend(c.await?);
    }
    let mut report = LoadReport {
        elapsed: schedule.started.elapsed(),
        ..LoadReport::default()
    };
    outcomes.sort_unstable_by_key(|o| o.0);
    for (i, status, latency) in outcomes {
        let ids = &requests[i].ids;
        report.latencies.push(latency);
        match status {
            Some(code) => {
                *report.by_status.entry(code).or_default() += 1;
                if code == 200 {
                    report.accepted.extend(ids.iter().cloned());
                }
            }
            None => report.no_answer += 1,
        }
        report.generated.extend(ids.iter().cloned());
    }
    report.latencies.sort();
    Ok(report)
}

/// Every message answered 200 must be stored (the wamid's uniqueness makes "once" a
/// database guarantee). Returns how many were checked.
pub async fn verify(store: &Store, report: &LoadReport) -> Result<usize, String> {
    let mut missing = Vec::new();
    for wamid in &report.accepted {
        match store.inbound(wamid).await {
            Ok(Some(_)) => {}
            Ok(None) => missing.push(wamid.clone()),
            Err(e) => return Err(format!("no se pudo verificar: {e}")),
        }
    }
    if missing.is_empty() {
        Ok(report.accepted.len())
    } else {
        Err(format!(
            "{} mensajes respondidos con 200 no están guardados (p. ej. {})",
            missing.len(),
            missing[0]
        ))
    }
}
