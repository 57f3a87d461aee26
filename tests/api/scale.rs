//! Faults and scale: two replicas on one PostgreSQL, SIGKILL during load, and a database that
//! goes away and comes back.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alerta::loadgen::{self, LoadSpec};
use alerta::store::{self, Store, StoreOptions};
use axum::http::StatusCode;

use crate::fake_graph::FakeGraph;
use crate::helpers::{
    fixture, free_port, fresh_postgres_database, postgres_url, repo_path, Backend, TestApp, SECRET,
};

/// Short deadlines and no pacing, so a test sees escalations and a drained outbox in seconds.
fn fast_config(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("fast.toml");
    std::fs::write(
        &path,
        "[routing]\ncritical_secs = 1\nhigh_secs = 1\nnormal_secs = 1\nlow_working_days = 0\nescalation_poll_secs = 1\n\
         [notify]\npair_gap_secs = 0\npoll_secs = 1\n",
    )
    .unwrap();
    path
}

fn spawn_server(
    port: u16,
    database_url: &str,
    overlay: &std::path::Path,
    graph: Option<&str>,
) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_alerta"));
    cmd.arg("serve")
        .current_dir(repo_path(""))
        .env("ALERTA_BIND", format!("127.0.0.1:{port}"))
        .env("ALERTA_METRICS_LISTEN", "127.0.0.1:0")
        .env("DATABASE_URL", database_url)
        .env("ALERTA_CONFIG", overlay)
        .env("WHATSAPP_APP_SECRET", SECRET)
        .env("ALERTA_LOG", "warn")
        .env_remove("WHATSAPP_ACCESS_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(base) = graph {
        cmd.env("WHATSAPP_ACCESS_TOKEN", "test-token")
            .env("WHATSAPP_PHONE_NUMBER_ID", "106540352242922")
            .env("WHATSAPP_API_BASE", base);
    }
    let child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "server on {port} did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

fn spec(url: String, requests: usize, seed: u64, rate: Option<f64>) -> LoadSpec {
    LoadSpec {
        url,
        secret: SECRET.into(),
        requests,
        concurrency: 8,
        rate,
        max_batch: 3,
        duplicates: 0.1,
        statuses: 0.1,
        seed,
        timeout: Duration::from_secs(5),
    }
}

/// Folios of each state and year must be 1..=n: unique, none skipped.
async fn assert_folios_gap_free(store: &Store) {
    let mut seqs: Vec<i64> = store
        .reports()
        .await
        .unwrap()
        .iter()
        .map(|r| r.folio.rsplit('-').next().unwrap().parse().unwrap())
        .collect();
    seqs.sort_unstable();
    let expected: Vec<i64> = (1..=seqs.len() as i64).collect();
    assert_eq!(seqs, expected, "folios unique and gap-free");
}

async fn wait_until_drained(store: &Store, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let open = store
            .outbox()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.state == "pending" || r.state == "sending")
            .count();
        if open == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{open} outbox rows still waiting"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_on_one_postgres_send_each_message_once() {
    let Some(base) = postgres_url() else { return };
    let db = fresh_postgres_database(&base).await;
    let dir = tempfile::tempdir().unwrap();
    let overlay = fast_config(dir.path());
    let fake = FakeGraph::start().await;
    // Migrate once up front, as a deployment would, then start both replicas.
    let store = store::connect(&db, &StoreOptions::default()).await.unwrap();
    let (pa, pb) = (free_port(), free_port());
    let mut a = spawn_server(pa, &db, &overlay, Some(&fake.base_url));
    let mut b = spawn_server(pb, &db, &overlay, Some(&fake.base_url));

    // The same bodies to both replicas at once: Meta's retries landing on different replicas.
    let (sa, sb) = (
        spec(format!("http://127.0.0.1:{pa}"), 60, 7, None),
        spec(format!("http://127.0.0.1:{pb}"), 60, 7, None),
    );
    let (ra, rb) = tokio::join!(loadgen::run(&sa), loadgen::run(&sb));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.by_status.get(&200), Some(&60), "{}", ra.summary());
    assert_eq!(rb.by_status.get(&200), Some(&60), "{}", rb.summary());
    loadgen::verify(store.as_ref(), &ra).await.unwrap();

    wait_until_drained(store.as_ref(), Duration::from_secs(60)).await;
    // Let escalation timers (1 s deadlines) run on both replicas for a while.
    tokio::time::sleep(Duration::from_secs(4)).await;
    wait_until_drained(store.as_ref(), Duration::from_secs(60)).await;
    let _ = (a.kill(), b.kill(), a.wait(), b.wait());

    assert_folios_gap_free(store.as_ref()).await;
    let rows = store.outbox().await.unwrap();
    let sent = rows.iter().filter(|r| r.state == "sent").count();
    assert_eq!(
        fake.accepted().len(),
        sent,
        "every outbox row went out exactly once"
    );
    for report in store.reports().await.unwrap() {
        let trail = store.audit_trail("report", &report.folio).await.unwrap();
        for level in ["report.escalated.1", "report.escalated.2"] {
            let n = trail.iter().filter(|t| t.action == level).count();
            assert!(n <= 1, "{} fired {n} times for {}", level, report.folio);
        }
    }
    let escalated = rows
        .iter()
        .filter(|r| r.purpose == "escalation_notice")
        .count();
    assert!(escalated > 0, "unacknowledged reports escalated");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_load_loses_nothing_answered_200() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("crash.db").display());
    let overlay = fast_config(dir.path());
    let port = free_port();
    let mut server = spawn_server(port, &db, &overlay, None);
    let load_spec = spec(format!("http://127.0.0.1:{port}"), 400, 11, Some(80.0));
    let load = tokio::spawn(async move { loadgen::run(&load_spec).await });
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        server.kill().unwrap(); // SIGKILL: no graceful anything
        server.wait().unwrap();
        server = spawn_server(port, &db, &overlay, None);
    }
    let report = load.await.unwrap().unwrap();
    assert!(
        report.by_status.get(&200).copied().unwrap_or(0) > 50,
        "{}",
        report.summary()
    );

    let store = store::connect(&db, &StoreOptions::default()).await.unwrap();
    loadgen::verify(store.as_ref(), &report).await.unwrap();
    assert_folios_gap_free(store.as_ref()).await;
    // The restarted server's sender picks up whatever the killed ones left (leases expire).
    wait_until_drained(store.as_ref(), Duration::from_secs(90)).await;
    server.kill().unwrap();
    server.wait().unwrap();
}

/// A TCP proxy to PostgreSQL that can be cut (new and existing connections dropped).
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    generation: Arc<std::sync::atomic::AtomicU64>,
}

impl Proxy {
    async fn start(target: u16) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let generation = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let (up2, gen2) = (up.clone(), generation.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    continue; // dropped: the database is "unreachable"
                }
                let (gen_now, gen) = (gen2.load(Ordering::SeqCst), gen2.clone());
                tokio::spawn(async move {
                    let Ok(mut outbound) =
                        tokio::net::TcpStream::connect(("127.0.0.1", target)).await
                    else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {},
                        () = async { while gen.load(Ordering::SeqCst) == gen_now { tokio::time::sleep(Duration::from_millis(20)).await; } } => {},
                    }
                });
            }
        });
        Proxy {
            port,
            up,
            generation,
        }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_answers_503_and_recovers_by_itself() {
    let Some(base) = postgres_url() else { return };
    let db = fresh_postgres_database(&base).await;
    let target: u16 = db
        .split(':')
        .nth(2)
        .and_then(|p| p.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or(5432);
    let proxy = Proxy::start(target).await;
    let via_proxy = db.replacen(&format!(":{target}/"), &format!(":{}/", proxy.port), 1);
    let app = TestApp::with(Backend::Sqlite, |c| c.database_url = via_proxy).await;
    assert_eq!(app.state.store.backend(), "postgres");
    let body = fixture("text_registered_phone.json");

    proxy.cut();
    // Let the proxy drop the pool's open connections too.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, _) = app.post_signed(&body).await;
    assert_eq!(
        status,
        StatusCode::SERVICE_UNAVAILABLE,
        "never 200 for something not stored"
    );
    assert_eq!(app.get("/readyz").await.0, StatusCode::SERVICE_UNAVAILABLE);

    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, _) = app.post_signed(&body).await;
        if status == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < deadline, "did not recover: {status}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(app.get("/readyz").await.0, StatusCode::OK);
    assert_eq!(app.counts().await.messages, 1);
}
