//! `TestApp`: the real router over a fresh database (SQLite file, or a new PostgreSQL
//! database when `TEST_POSTGRES_URL` is set), driven in-process with `oneshot`.

pub mod api;
pub mod media;
pub mod outbox;
pub mod session;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use alerta::app::{self, AppState};
use alerta::config::{Config, Secret};
use alerta::store::{InboundRow, ReportLookup, ReportRow, StoreCounts};
use alerta::whatsapp::signature::sign;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use sqlx::Connection;
use tower::ServiceExt;

pub const SECRET: &str = "test-app-secret";
pub const VERIFY_TOKEN: &str = "test-verify-token";

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

pub fn fixture(name: &str) -> Vec<u8> {
    let path = repo_path("fixtures/whatsapp").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `TEST_POSTGRES_URL`, or `None` to skip. In CI a missing URL is a failure, not a skip.
pub fn postgres_url() -> Option<String> {
    match std::env::var("TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but TEST_POSTGRES_URL is not set: PostgreSQL tests must run in CI")
        }
        _ => {
            eprintln!("TEST_POSTGRES_URL not set: skipping the PostgreSQL variant");
            None
        }
    }
}

/// The backends this run covers: SQLite always, PostgreSQL when configured.
pub fn backends() -> Vec<Backend> {
    let mut list = vec![Backend::Sqlite];
    if postgres_url().is_some() {
        list.push(Backend::Postgres);
    }
    list
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Creates an empty PostgreSQL database and returns its URL.
pub async fn fresh_postgres_database(base_url: &str) -> String {
    let name = format!(
        "alerta_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        chrono::Utc::now().timestamp_micros()
    );
    let mut admin = sqlx::PgConnection::connect(base_url)
        .await
        .expect("connect to TEST_POSTGRES_URL");
    let create = format!("CREATE DATABASE {name}");
    // The name is ours (process id, counter, clock), not input.
    sqlx::query(sqlx::AssertSqlSafe(create))
        .execute(&mut admin)
        .await
        .expect("create test database");
    let (prefix, _) = base_url
        .rsplit_once('/')
        .expect("TEST_POSTGRES_URL has a database path");
    format!("{prefix}/{name}")
}

pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    _dir: tempfile::TempDir,
}

impl TestApp {
    pub async fn new(backend: Backend) -> TestApp {
        TestApp::with(backend, |_| {}).await
    }

    /// Builds the app after letting `adjust` change the configuration.
    pub async fn with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = match backend {
            Backend::Sqlite => format!("sqlite://{}", dir.path().join("t.db").display()),
            Backend::Postgres => {
                let base = postgres_url().expect("postgres backend requested");
                fresh_postgres_database(&base).await
            }
        };
        let mut config = Config::for_tests(&url, &repo_path("config/registry"));
        config.triage_rules = repo_path("config/triage/rules.toml");
        config.whatsapp.app_secret = Some(Secret::new(SECRET));
        config.whatsapp.verify_token = Some(Secret::new(VERIFY_TOKEN));
        adjust(&mut config);
        let state = AppState::build(config).await.expect("build state");
        TestApp {
            router: app::router(state.clone()),
            state,

            _dir: dir,
        }
    }

    /// Another app over an existing state (a second replica on the same database).
    pub fn from_state(state: AppState) -> TestApp {
        TestApp {
            router: app::router(state.clone()),
            state,
            _dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub async fn request(&self, req: Request<Body>) -> (StatusCode, String) {
        let response = self.router.clone().oneshot(req).await.expect("infallible");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    /// POSTs `body` signed with the test secret.
    pub async fn post_signed(&self, body: &[u8]) -> (StatusCode, String) {
        self.post_webhook(body, Some(&sign(SECRET.as_bytes(), body)))
            .await
    }

    pub async fn post_webhook(&self, body: &[u8], signature: Option<&str>) -> (StatusCode, String) {
        let mut req = Request::post("/webhook").header("content-type", "application/json");
        if let Some(sig) = signature {
            req = req.header("x-hub-signature-256", sig);
        }
        self.request(req.body(Body::from(body.to_vec())).unwrap())
            .await
    }

    pub async fn get(&self, uri: &str) -> (StatusCode, String) {
        self.request(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    /// Scrapes `/metrics` from the metrics listener's router (not on the public port).
    pub async fn metrics(&self) -> (StatusCode, String) {
        let response = app::metrics_endpoint::router(self.state.clone())
            .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
            .await
            .expect("infallible");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    pub async fn counts(&self) -> StoreCounts {
        self.state.store.counts().await.expect("counts")
    }

    pub async fn report(&self, lookup: ReportLookup<'_>) -> ReportRow {
        self.state
            .store
            .report(lookup)
            .await
            .expect("query")
            .unwrap_or_else(|| panic!("no report for {lookup:?}"))
    }

    pub async fn message(&self, wamid: &str) -> InboundRow {
        self.state
            .store
            .inbound(wamid)
            .await
            .expect("query")
            .unwrap_or_else(|| panic!("{wamid} not stored"))
    }
}

/// Posts `name` from fixtures/whatsapp and asserts 200.
pub async fn post_fixture(app: &TestApp, name: &str) {
    let (status, body) = app.post_signed(&fixture(name)).await;
    assert_eq!(status, StatusCode::OK, "{name}: {body}");
}

/// A signed-ready webhook body with one text message.
pub fn text_webhook(
    wamid: &str,
    from: Option<&str>,
    bsuid: Option<&str>,
    group_id: Option<&str>,
    text: &str,
) -> Vec<u8> {
    let mut msg = serde_json::json!({
        "id": wamid,
        "timestamp": chrono::Utc::now().timestamp().to_string(),
        "type": "text",
        "text": { "body": text },
    });
    if let Some(f) = from {
        msg["from"] = f.into();
    }
    if let Some(b) = bsuid {
        msg["from_user_id"] = b.into();
    }
    if let Some(g) = group_id {
        msg["group_id"] = g.into();
    }
    serde_json::to_vec(&serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "526621234567", "phone_number_id": "106540352242922"},
            "messages": [msg]
        }}]}]
    }))
    .unwrap()
}

/// Who writes in the outbox tests (registry anchors).
pub const MARIA: (&str, &str) = ("5216621000101", "MX.4810000000000000101");
pub const JOSE: &str = "5216621000102";
pub const LAURA: &str = "5216621000301";
pub const STRANGER: &str = "5216629999999";
pub const SERIS_GROUP: &str = "Y2FwaV9ncm91cDpBTEVSVEEtSE1PLVZTLTAwMQ";

/// Runs one UPDATE with a timestamp and a text key: the fixtures need the past.
pub async fn backdate(
    app: &TestApp,
    sql: &'static str,
    at: chrono::DateTime<chrono::Utc>,
    key: &str,
) {
    let url = &app.state.config.database_url;
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query(sql)
            .bind(at)
            .bind(key)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        sqlx::query(sql)
            .bind(at)
            .bind(key)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
}

/// A signed-ready webhook body with one media message from María (no caption).
pub fn media_webhook(wamid: &str, kind: &str, media_id: &str, mime: &str, sha: &str) -> Vec<u8> {
    let mut media = serde_json::json!({ "id": media_id, "mime_type": mime, "sha256": sha });
    if kind == "audio" {
        media["voice"] = serde_json::json!(true);
    }
    let ts = chrono::Utc::now().timestamp().to_string();
    let mut msg =
        serde_json::json!({ "from": MARIA.0, "id": wamid, "timestamp": ts, "type": kind });
    msg[kind] = media;
    serde_json::to_vec(&serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "526621234567", "phone_number_id": "106540352242922"},
            "messages": [msg]
        }}]}]
    }))
    .unwrap()
}
