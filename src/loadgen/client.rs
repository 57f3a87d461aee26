//! The load generator's HTTP side: a fixed set of keep-alive HTTP/1.1 connections, each
//! driven by one task that takes the next prepared request from a shared counter.
//!
//! It shares the machine's two cores with the server it measures, so it does as little as
//! it can per request: bodies are built and signed before the clock starts, there is no
//! task or pool lookup per request, and a connection is reopened only after a failure.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;

/// One request, ready to send.
pub struct Prepared {
    pub body: Bytes,
    pub signature: String,
    /// Message ids it carries.
    pub ids: Vec<String>,
}

/// Where to send: the resolved address, the Host header and the path.
#[derive(Clone)]
pub struct Target {
    addr: SocketAddr,
    host: String,
    path: String,
}

impl Target {
    /// `base` is the server's base URL; `/webhook` is appended to its path.
    pub async fn resolve(base: &str) -> anyhow::Result<Target> {
        let url = reqwest::Url::parse(base).with_context(|| format!("URL inválida: {base}"))?;
        anyhow::ensure!(
            url.scheme() == "http",
            "loadgen habla HTTP/1.1 sin TLS con el servicio; use http:// ({base})"
        );
        let host = url.host_str().context("la URL no tiene host")?.to_owned();
        let port = url.port_or_known_default().unwrap_or(80);
        let addr = tokio::net::lookup_host((host.as_str(), port))
            .await?
            .next()
            .with_context(|| format!("no se pudo resolver {host}"))?;
        Ok(Target {
            addr,
            host: format!("{host}:{port}"),
            path: format!("{}/webhook", url.path().trim_end_matches('/')),
        })
    }
}

/// What one request got: its index, the HTTP status (None: no answer) and the latency.
pub type Outcome = (usize, Option<u16>, Duration);

/// The pace and the clock every connection shares.
pub struct Schedule {
    pub started: Instant,
    /// Time between two request starts; `None` sends as fast as the connections allow.
    pub interval: Option<Duration>,
    pub timeout: Duration,
}

impl Schedule {
    /// When request `i` is due. With a rate, latency counts from here, so time a request
    /// spent waiting for a free connection is not hidden (no coordinated omission).
    fn due(&self, i: usize) -> Option<Instant> {
        self.interval
            .map(|every| self.started + every.mul_f64(i as f64))
    }
}

/// Runs one connection until the requests run out.
pub async fn connection(
    target: Target,
    requests: Arc<Vec<Prepared>>,
    next: Arc<AtomicUsize>,
    schedule: Arc<Schedule>,
) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    let mut conn: Option<SendRequest<Full<Bytes>>> = None;
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some(request) = requests.get(i) else {
            return outcomes;
        };
        let due = schedule.due(i);
        if let Some(due) = due {
            tokio::time::sleep_until(due.into()).await;
        }
        let sent = Instant::now();
        let result =
            tokio::time::timeout(schedule.timeout, send(&mut conn, &target, request)).await;
        let status = match result {
            Ok(Ok(status)) => Some(status),
            // A failed or timed-out connection is not reused: its state is unknown.
            Ok(Err(_)) | Err(_) => {
                conn = None;
                None
            }
        };
        outcomes.push((i, status, due.unwrap_or(sent).elapsed()));
    }
}

async fn send(
    conn: &mut Option<SendRequest<Full<Bytes>>>,
    target: &Target,
    request: &Prepared,
) -> anyhow::Result<u16> {
    if conn.as_ref().is_none_or(|c| c.is_closed()) {
        *conn = Some(open(target).await?);
    }
    let sender = conn.as_mut().context("sin conexión")?;
    sender.ready().await?;
    let req = hyper::Request::post(target.path.as_str())
        .header(hyper::header::HOST, target.host.as_str())
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header("x-hub-signature-256", request.signature.as_str())
        .body(Full::new(request.body.clone()))?;
    let response = sender.send_request(req).await?;
    let status = response.status().as_u16();
    // Read the answer to its end so that the connection can carry the next request.
    response.into_body().collect().await?;
    Ok(status)
}

async fn open(target: &Target) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    let stream = tokio::net::TcpStream::connect(target.addr).await?;
    stream.set_nodelay(true)?;
    let (sender, driver) = http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        // Ends when the server closes the connection or the sender is dropped.
        let _ = driver.await;
    });
    Ok(sender)
}
