//! The listener against hostile clients (issue 15, item 3): a half-sent request head is
//! closed after the header timeout, an idle keep-alive after the idle timeout, an event
//! stream is never cut by the idle timeout, and with the connection cap full of slow
//! connections new ones are closed at once (no descriptor piles up) until the slow ones
//! time out, after which a signed webhook is answered 200 and stored.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use alerta::app::AppState;
use alerta::config::{Config, Secret};
use alerta::whatsapp::signature::sign;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::helpers::{
    backends, fresh_postgres_database, postgres_url, repo_path, text_webhook, Backend, MARIA,
    SECRET,
};

/// Closing is "within the timeout plus a generous margin": the machine may be busy.
const MARGIN: Duration = Duration::from_secs(10);

struct Server {
    addr: SocketAddr,
    metrics_addr: SocketAddr,
    config: Config,
    shutdown: CancellationToken,
    task: JoinHandle<anyhow::Result<()>>,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let url = match backend {
            Backend::Sqlite => format!("sqlite://{}", dir.path().join("c.db").display()),
            Backend::Postgres => fresh_postgres_database(&postgres_url().unwrap()).await,
        };
        let mut config = Config::for_tests(&url, &repo_path("config/registry"));
        config.triage_rules = repo_path("config/triage/rules.toml");
        config.whatsapp.app_secret = Some(Secret::new(SECRET));
        config.shutdown_grace = Duration::from_secs(5);
        adjust(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let metrics = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let metrics_addr = metrics.local_addr().unwrap();
        let task = tokio::spawn(alerta::app::run_with_metrics(
            config.clone(),
            listener,
            Some(metrics),
            shutdown.clone(),
        ));
        let server = Server {
            addr,
            metrics_addr,
            config,
            shutdown,
            task,
            _dir: dir,
        };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&self) {
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if let Ok(r) = client
                .get(format!("http://{}/readyz", self.addr))
                .send()
                .await
            {
                if r.status().is_success() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not become ready");
    }

    async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .expect("run returns after the shutdown token")
            .unwrap()
            .unwrap();
    }
}

/// Reads until the server closes the connection; how long that took.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Duration {
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at((started + limit).into(), stream.read(&mut buf)).await {
            Err(_) => panic!("still open after {limit:?}"),
            Ok(Ok(0) | Err(_)) => return started.elapsed(),
            Ok(Ok(_)) => continue,
        }
    }
}

/// Sends a full request and reads one response whose head says `Content-Length`.
async fn one_request(stream: &mut TcpStream, path: &str) -> String {
    let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed before the response");
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().unwrap())
                })
                .expect("content-length");
            if body.len() >= length {
                return text;
            }
        }
    }
}

#[tokio::test]
async fn a_half_sent_request_head_is_closed_after_the_header_timeout() {
    let server = Server::start(Backend::Sqlite, |c| {
        c.connections.header_read_timeout = Duration::from_secs(1);
        c.connections.idle_timeout = Duration::from_secs(120);
    })
    .await;
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(b"POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Uno: 1\r\n")
        .await
        .unwrap();
    closed_within(&mut slow, Duration::from_secs(1) + MARGIN).await;
    // One that connects and sends nothing at all owes its head just the same.
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    closed_within(&mut silent, Duration::from_secs(1) + MARGIN).await;
    server.stop().await;
}

#[tokio::test]
async fn an_idle_keep_alive_is_closed_after_the_idle_timeout() {
    let server = Server::start(Backend::Sqlite, |c| {
        c.connections.header_read_timeout = Duration::from_secs(120);
        c.connections.idle_timeout = Duration::from_secs(1);
    })
    .await;
    let mut conn = TcpStream::connect(server.addr).await.unwrap();
    let first = one_request(&mut conn, "/healthz").await;
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    // Kept alive: a second request on the same connection is served.
    let second = one_request(&mut conn, "/healthz").await;
    assert!(second.starts_with("HTTP/1.1 200"), "{second}");
    closed_within(&mut conn, Duration::from_secs(1) + MARGIN).await;
    server.stop().await;
}

#[tokio::test]
async fn an_event_stream_outlives_the_idle_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("e.db").display());
    let mut config = Config::for_tests(&url, &repo_path("config/registry"));
    config.triage_rules = repo_path("config/triage/rules.toml");
    let state = AppState::build(config).await.unwrap();
    let token = alerta::queue::users::add_user(
        state.store.as_ref(),
        &state.registry.current(),
        "operadora",
        "operator",
        &[],
        None,
    )
    .await
    .unwrap();
    state.store.close().await;
    drop(state);
    let server = Server::start(Backend::Sqlite, |c| {
        c.database_url = url.clone();
        c.connections.idle_timeout = Duration::from_secs(1);
    })
    .await;
    let mut conn = TcpStream::connect(server.addr).await.unwrap();
    let req = format!(
        "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\r\n"
    );
    conn.write_all(req.as_bytes()).await.unwrap();
    let mut buf = [0u8; 4096];
    let n = conn.read(&mut buf).await.unwrap();
    let head = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("text/event-stream"), "{head}");
    // Three idle timeouts with nothing to send: the stream is a response in progress.
    let waited = tokio::time::timeout(Duration::from_secs(3), conn.read(&mut buf)).await;
    match waited {
        Err(_) => {}
        Ok(Ok(n)) if n > 0 => {}
        Ok(other) => panic!("the event stream was cut: {other:?}"),
    }
    // The shutdown token still ends it (and the server).
    server.stop().await;
}

fn closed_by_limit(metrics: &str) -> u64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix("alerta_connections_closed_total{reason=\"limit\"} "))
        .map_or(0, |n| n.parse().unwrap())
}

async fn metrics_text(addr: SocketAddr) -> String {
    reqwest::get(format!("http://{addr}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_full_connection_cap_refuses_at_once_and_frees_up_after_the_header_timeout() {
    const CAP: usize = 24;
    for backend in backends() {
        let server = Server::start(backend, |c| {
            c.connections.header_read_timeout = Duration::from_secs(5);
            c.connections.idle_timeout = Duration::from_secs(120);
            c.connections.limit = Some(CAP);
        })
        .await;
        let before = closed_by_limit(&metrics_text(server.metrics_addr).await);
        // The slowloris: every slot taken by a head that never ends.
        let mut slow = Vec::new();
        for i in 0..CAP {
            let mut s = TcpStream::connect(server.addr).await.unwrap();
            s.write_all(format!("POST /webhook HTTP/1.1\r\nX-{i}: a\r\n").as_bytes())
                .await
                .unwrap();
            slow.push(s);
        }
        // Give the server a moment to accept all of them into their slots.
        tokio::time::sleep(Duration::from_millis(300)).await;
        // Beyond the cap a connection is closed at once instead of held open (the metric
        // says it was the cap, not a timeout).
        for _ in 0..40 {
            let mut extra = TcpStream::connect(server.addr).await.unwrap();
            closed_within(&mut extra, MARGIN).await;
        }
        // Once the slow ones time out, a signed webhook gets in, is answered and stored.
        for s in &mut slow {
            closed_within(s, Duration::from_secs(5) + MARGIN).await;
        }
        let wamid = format!("wamid.after-slowloris.{backend:?}");
        let body = text_webhook(
            &wamid,
            Some(MARIA.0),
            None,
            None,
            "Solicitamos patrullaje en la colonia, hay robos en las noches",
        );
        let response = reqwest::Client::new()
            .post(format!("http://{}/webhook", server.addr))
            .header("content-type", "application/json")
            .header("x-hub-signature-256", sign(SECRET.as_bytes(), &body))
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{backend:?}");
        let refused = closed_by_limit(&metrics_text(server.metrics_addr).await);
        assert!(refused - before >= 40, "{backend:?}: {before} → {refused}");
        let store = alerta::store::connect(&server.config.database_url, &server.config.store)
            .await
            .unwrap();
        let stored = store.inbound(&wamid).await.unwrap();
        assert!(stored.is_some(), "{backend:?}: the webhook was not stored");
        store.close().await;
        server.stop().await;
    }
}
