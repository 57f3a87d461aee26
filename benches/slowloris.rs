//! A slowloris against the real `alerta serve`: thousands of connections that trickle a
//! request head that never ends, re-opened as the server closes them, while signed webhooks
//! are timed on fresh connections and on one kept-alive connection. Only loopback, bounded
//! in connections and time.
//!
//! `cargo bench --bench slowloris` (builds the release binary) — knobs:
//! SLOWLORIS_CONNECTIONS (default 2000, at most 20000), SLOWLORIS_SECONDS (how long the
//! attack runs while webhooks are timed; default 25, at most 120), SLOWLORIS_WEBHOOKS
//! (webhooks per kind of connection; default 200). The server runs with its defaults
//! (header timeout 10 s, idle 75 s, connection cap from the open-file limit) on SQLite in a
//! temporary directory.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alerta::whatsapp::signature::sign;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SECRET: &str = "bench-secret";
const MARIA: &str = "5216621000101";

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The server process, killed if the bench fails half-way.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server(dir: &std::path::Path, port: u16) -> Server {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let child = Command::new(env!("CARGO_BIN_EXE_alerta"))
        .arg("serve")
        .current_dir(root)
        .env("ALERTA_BIND", format!("127.0.0.1:{port}"))
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.join("slowloris.db").display()),
        )
        .env("WHATSAPP_APP_SECRET", SECRET)
        .env("ALERTA_MEDIA_DIR", dir.join("media"))
        .env("ALERTA_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start alerta serve");
    Server(child)
}

fn webhook(n: usize) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "526621234567", "phone_number_id": "106540352242922"},
            "messages": [{
                "from": MARIA,
                "id": format!("wamid.slowloris.{n}"),
                "timestamp": chrono::Utc::now().timestamp().to_string(),
                "type": "text",
                "text": {"body": "Solicitamos patrullaje en la colonia, hay robos en las noches"}
            }]
        }}]}]
    }))
    .unwrap()
}

/// One slow client: connects, sends a request line and then a header line every few
/// seconds, forever; reconnects when the server closes it.
async fn slow_client(addr: SocketAddr, stop: Arc<AtomicBool>, open: Arc<AtomicUsize>) {
    while !stop.load(Ordering::Relaxed) {
        let Ok(mut s) = TcpStream::connect(addr).await else {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        };
        open.fetch_add(1, Ordering::Relaxed);
        let mut alive = s
            .write_all(b"POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            .await
            .is_ok();
        let mut i = 0u64;
        while alive && !stop.load(Ordering::Relaxed) {
            let mut buf = [0u8; 64];
            // A read that returns means the server closed (or answered) the connection.
            tokio::select! {
                _ = s.read(&mut buf) => alive = false,
                () = tokio::time::sleep(Duration::from_secs(3)) => {
                    i += 1;
                    alive = s.write_all(format!("X-Slow-{i}: a\r\n").as_bytes()).await.is_ok();
                }
            }
        }
        open.fetch_sub(1, Ordering::Relaxed);
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(what: &str, mut took: Vec<Duration>, failures: usize) {
    took.sort();
    if took.is_empty() {
        println!("{what}: no webhook answered ({failures} failed)");
        return;
    }
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{what}: {} answered 200, {failures} failed; latency ms p50 {:.2}  p95 {:.2}  p99 {:.2}  max {:.2}",
        took.len(),
        ms(percentile(&took, 0.50)),
        ms(percentile(&took, 0.95)),
        ms(percentile(&took, 0.99)),
        ms(*took.last().unwrap()),
    );
}

/// Posts `count` signed webhooks one after the other, spread over `over`.
async fn time_webhooks(
    client: &reqwest::Client,
    addr: SocketAddr,
    first: usize,
    count: usize,
    over: Duration,
) -> (Vec<Duration>, usize) {
    let gap = over / u32::try_from(count.max(1)).unwrap_or(u32::MAX);
    let mut took = Vec::new();
    let mut failures = 0;
    for n in first..first + count {
        let body = webhook(n);
        let started = Instant::now();
        let result = client
            .post(format!("http://{addr}/webhook"))
            .header("content-type", "application/json")
            .header("x-hub-signature-256", sign(SECRET.as_bytes(), &body))
            .body(body)
            .send()
            .await;
        match result {
            Ok(r) if r.status() == 200 => took.push(started.elapsed()),
            _ => failures += 1,
        }
        tokio::time::sleep(gap.saturating_sub(started.elapsed())).await;
    }
    (took, failures)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let connections: usize = env_or("SLOWLORIS_CONNECTIONS", 2000).min(20_000);
    let seconds: u64 = env_or("SLOWLORIS_SECONDS", 25).clamp(1, 120);
    let webhooks: usize = env_or("SLOWLORIS_WEBHOOKS", 200).max(1);
    let dir = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let _server = start_server(dir.path(), port);
    let fresh = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10))
        .build()?;
    let kept = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while fresh
        .get(format!("http://{addr}/readyz"))
        .send()
        .await
        .map_or(true, |r| !r.status().is_success())
    {
        anyhow::ensure!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let quiet = Duration::from_secs(3);
    let (t, f) = time_webhooks(&fresh, addr, 0, webhooks, quiet).await;
    report("no attack, new connection per webhook", t, f);
    let (t, f) = time_webhooks(&kept, addr, webhooks, webhooks, quiet).await;
    report("no attack, one kept-alive connection", t, f);

    let stop = Arc::new(AtomicBool::new(false));
    let open = Arc::new(AtomicUsize::new(0));
    let attackers: Vec<_> = (0..connections)
        .map(|_| tokio::spawn(slow_client(addr, stop.clone(), open.clone())))
        .collect();
    let ramp = Instant::now() + Duration::from_secs(20);
    while open.load(Ordering::Relaxed) < connections && Instant::now() < ramp {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "slowloris: {} of {connections} slow connections open; timing webhooks for {seconds} s",
        open.load(Ordering::Relaxed)
    );
    let half = Duration::from_secs(seconds) / 2;
    let (t, f) = time_webhooks(&fresh, addr, 2 * webhooks, webhooks, half).await;
    report("under slowloris, new connection per webhook", t, f);
    let (t, f) = time_webhooks(&kept, addr, 3 * webhooks, webhooks, half).await;
    report("under slowloris, one kept-alive connection", t, f);
    let health = Instant::now();
    let status = fresh
        .get(format!("http://{addr}/healthz"))
        .send()
        .await?
        .status();
    println!(
        "under slowloris: /healthz {status} in {:.2} ms; {} slow connections open",
        health.elapsed().as_secs_f64() * 1000.0,
        open.load(Ordering::Relaxed)
    );
    stop.store(true, Ordering::Relaxed);
    for a in attackers {
        a.abort();
    }

    let metrics = fresh
        .get(format!("http://{addr}/metrics"))
        .send()
        .await?
        .text()
        .await?;
    for line in metrics.lines().filter(|l| {
        l.starts_with("alerta_webhooks_total") || l.starts_with("alerta_connections_closed_total")
    }) {
        println!("{line}");
    }
    Ok(())
}
