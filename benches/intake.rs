//! Intake throughput: signed single-message webhooks over HTTP into the real server
//! (in-process, SQLite in a temporary file, loopback), with latency percentiles and a final
//! check that every message answered 200 was stored exactly once.
//!
//! `cargo bench --bench intake` — tune with INTAKE_BENCH_REQUESTS (default 20000),
//! INTAKE_BENCH_CONCURRENCY (default 64), INTAKE_BENCH_SYNCHRONOUS (full|normal, default full)
//! and INTAKE_BENCH_DATABASE_URL (e.g. a PostgreSQL database to measure that backend).

use std::sync::Arc;
use std::time::{Duration, Instant};

use alerta::config::{Config, Secret};
use alerta::whatsapp::signature::sign;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

const SECRET: &str = "bench-secret";
const TEXTS: [&str; 6] = [
    "pueden mandar rondines en la noche por la calle 5 de mayo xfa",
    "se estan metiendo a robar a la casa de enfrente ahorita",
    "en la esquina del parque venden cristal todos los dias",
    "buenos dias vecinos, bendiciones",
    "solicitamos una platica de prevencion para los alumnos de 2o",
    "que paso con el folio SON-2026-000123?",
];
const SENDERS: [&str; 3] = ["5216621000101", "5216621000102", "5216629999999"];

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn body(i: usize) -> Vec<u8> {
    let ts = 1_780_000_000 + i;
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"102290129340398","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"526621234567","phone_number_id":"106540352242922"}},"contacts":[{{"profile":{{"name":"Vecino"}},"wa_id":"{from}"}}],"messages":[{{"from":"{from}","id":"wamid.BENCH.{i:08}","timestamp":"{ts}","type":"text","text":{{"body":"{text}"}}}}]}}}}]}}]}}"#,
        from = SENDERS[i % SENDERS.len()],
        text = TEXTS[i % TEXTS.len()],
    )
    .into_bytes()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let requests: usize = env_or("INTAKE_BENCH_REQUESTS", 20_000);
    let concurrency: usize = env_or("INTAKE_BENCH_CONCURRENCY", 64);
    let dir = tempfile::tempdir()?;
    let url = std::env::var("INTAKE_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut config = Config::for_tests(&url, &root.join("config/registry"));
    config.triage_rules = root.join("config/triage/rules.toml");
    config.whatsapp.app_secret = Some(Secret::new(SECRET));
    config.store.sqlite_synchronous = env_or("INTAKE_BENCH_SYNCHRONOUS", "full".to_owned());

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let token = CancellationToken::new();
    let server = tokio::spawn(alerta::app::run(config, listener, token.clone()));
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Bodies and signatures are prepared up front so the timing measures the server.
    let prepared: Vec<(Vec<u8>, String)> = (0..requests)
        .map(|i| {
            let b = body(i);
            let s = sign(SECRET.as_bytes(), &b);
            (b, s)
        })
        .collect();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let endpoint = format!("http://{addr}/webhook");
    let gate = Arc::new(Semaphore::new(concurrency));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(requests);
    for (i, (b, s)) in prepared.into_iter().enumerate() {
        let permit = gate.clone().acquire_owned().await?;
        let (client, endpoint) = (client.clone(), endpoint.clone());
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let ok = client
                .post(&endpoint)
                .header("x-hub-signature-256", s)
                .header("content-type", "application/json")
                .body(b)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            drop(permit);
            (i, ok, t.elapsed())
        }));
    }
    let mut latencies = Vec::with_capacity(requests);
    let mut accepted = Vec::with_capacity(requests);
    for t in tasks {
        let (i, success, latency) = t.await?;
        if success {
            accepted.push(i);
        }
        latencies.push(latency);
    }
    let ok = accepted.len();
    let elapsed = started.elapsed();
    latencies.sort();
    println!(
        "intake: {requests} webhooks, concurrency {concurrency}, {ok} answered 200 in {:.2}s = {:.0}/s",
        elapsed.as_secs_f64(),
        requests as f64 / elapsed.as_secs_f64()
    );
    println!(
        "latency p50 {:?}  p90 {:?}  p99 {:?}  max {:?}",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.90),
        percentile(&latencies, 0.99),
        latencies[latencies.len() - 1]
    );

    // Verify through a separate connection that every accepted message is stored once.
    let store = alerta::store::connect(&url, &Default::default()).await?;
    let counts = store.counts().await?;
    println!(
        "stored: {} messages from {} deliveries",
        counts.messages, counts.deliveries
    );
    anyhow::ensure!(
        counts.messages as usize == ok,
        "stored {} != accepted {ok}",
        counts.messages
    );
    token.cancel();
    server.await??;
    Ok(())
}
