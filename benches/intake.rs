//! Intake throughput: the load generator (`alerta loadgen`'s engine) against the real server
//! started in-process on loopback, SQLite in a temporary file by default, then the check that
//! every message answered 200 was stored.
//!
//! `cargo bench --bench intake` — knobs: INTAKE_BENCH_REQUESTS (default 20000),
//! INTAKE_BENCH_CONCURRENCY (64), INTAKE_BENCH_RATE (offered req/s, default unlimited),
//! INTAKE_BENCH_MAX_BATCH (1), INTAKE_BENCH_DUPLICATES and INTAKE_BENCH_STATUSES (shares of
//! requests that repeat an earlier body or carry shuffled statuses; 0),
//! INTAKE_BENCH_SYNCHRONOUS (full|normal),
//! INTAKE_BENCH_WORKERS (true: the sender and escalation run beside intake, as in production),
//! INTAKE_BENCH_MAX_CONNECTIONS (the pool for reads and the workers),
//! INTAKE_BENCH_GROUP_COMMIT (most webhooks in one transaction, either backend),
//! INTAKE_BENCH_PG_WRITERS (PostgreSQL transactions written at once) and
//! INTAKE_BENCH_DATABASE_URL (e.g. a fresh PostgreSQL database).

use std::time::Duration;

use alerta::config::{Config, Secret};
use alerta::loadgen::{self, LoadSpec};
use tokio_util::sync::CancellationToken;

const SECRET: &str = "bench-secret";

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = std::env::var("INTAKE_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("bench.db").display()));
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut config = Config::for_tests(&url, &root.join("config/registry"));
    config.triage_rules = root.join("config/triage/rules.toml");
    config.triage_model = root.join("config/triage/model.tsv");
    config.replies = root.join("config/replies.toml");
    config.whatsapp.app_secret = Some(Secret::new(SECRET));
    config.store.sqlite_synchronous = env_or("INTAKE_BENCH_SYNCHRONOUS", "full".to_owned());
    config.workers = env_or("INTAKE_BENCH_WORKERS", true);
    config.store.max_connections =
        env_or("INTAKE_BENCH_MAX_CONNECTIONS", config.store.max_connections);
    let group_commit = env_or(
        "INTAKE_BENCH_GROUP_COMMIT",
        config.store.sqlite_group_commit,
    );
    config.store.sqlite_group_commit = group_commit;
    config.store.postgres_group_commit = group_commit;
    config.store.postgres_writers =
        env_or("INTAKE_BENCH_PG_WRITERS", config.store.postgres_writers);
    let store_options = config.store.clone();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let token = CancellationToken::new();
    let server = tokio::spawn(alerta::app::run(config, listener, token.clone()));
    tokio::time::sleep(Duration::from_millis(300)).await;

    let spec = LoadSpec {
        url: format!("http://{addr}"),
        secret: SECRET.into(),
        requests: env_or("INTAKE_BENCH_REQUESTS", 20_000),
        concurrency: env_or("INTAKE_BENCH_CONCURRENCY", 64),
        rate: std::env::var("INTAKE_BENCH_RATE")
            .ok()
            .and_then(|r| r.parse().ok()),
        max_batch: env_or("INTAKE_BENCH_MAX_BATCH", 1),
        duplicates: env_or("INTAKE_BENCH_DUPLICATES", 0.0),
        statuses: env_or("INTAKE_BENCH_STATUSES", 0.0),
        seed: 1,
        timeout: Duration::from_secs(10),
    };
    let report = loadgen::run(&spec).await?;
    println!(
        "intake ({}): {}",
        url.split(':').next().unwrap_or(""),
        report.summary()
    );

    let store = alerta::store::connect(&url, &store_options).await?;
    let checked = loadgen::verify(store.as_ref(), &report)
        .await
        .map_err(anyhow::Error::msg)?;
    println!("verified: {checked} accepted messages stored");
    token.cancel();
    server.await??;
    Ok(())
}
