//! A fake Graph API on 127.0.0.1:0: records every request and answers as the test says.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

/// How the fake answers one request.
#[derive(Debug, Clone)]
pub enum Answer {
    Ok,
    /// HTTP status and Graph error code.
    Error(u16, i64),
    /// Sleeps longer than the client's timeout, then accepts (as Meta may have).
    Slow,
}

type Script = Box<dyn FnMut(usize, &Value) -> Answer + Send>;

#[derive(Default)]
struct Inner {
    requests: Vec<Value>,
    tokens: Vec<String>,
    accepted: Vec<Value>,
    script: Option<Script>,
    media: std::collections::HashMap<String, FakeMedia>,
    media_downloads: Vec<String>,
}

/// A media file the fake serves: `declared_sha256` is what the metadata claims.
#[derive(Debug, Clone)]
pub struct FakeMedia {
    pub bytes: Vec<u8>,
    pub mime: String,
    pub declared_sha256: String,
    /// Answer the metadata lookup with this status instead (404: expired).
    pub status: Option<u16>,
}

#[derive(Clone)]
pub struct FakeGraph {
    inner: Arc<Mutex<Inner>>,
    pub base_url: String,
}

impl FakeGraph {
    pub async fn start() -> FakeGraph {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = Router::new()
            .route("/{version}/{number}/messages", post(messages))
            .route("/{version}/{media_id}", axum::routing::get(media_info))
            .route("/download/{media_id}", axum::routing::get(media_bytes))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        inner.lock().unwrap().media.insert(
            "__base".into(),
            FakeMedia {
                bytes: base_url.clone().into_bytes(),
                mime: String::new(),
                declared_sha256: String::new(),
                status: None,
            },
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        FakeGraph { inner, base_url }
    }

    /// Decides the answer for request number `n` (from 0) with body `body`.
    pub fn script(&self, f: impl FnMut(usize, &Value) -> Answer + Send + 'static) {
        self.inner.lock().unwrap().script = Some(Box::new(f));
    }

    pub fn requests(&self) -> Vec<Value> {
        self.inner.lock().unwrap().requests.clone()
    }

    /// The `Authorization` header of each request.
    pub fn tokens(&self) -> Vec<String> {
        self.inner.lock().unwrap().tokens.clone()
    }

    pub fn add_media(&self, id: &str, media: FakeMedia) {
        self.inner
            .lock()
            .unwrap()
            .media
            .insert(id.to_owned(), media);
    }

    /// Media ids whose bytes were downloaded, in order.
    pub fn media_downloads(&self) -> Vec<String> {
        self.inner.lock().unwrap().media_downloads.clone()
    }

    /// Bodies answered 200 (what reached citizens and coordinators).
    pub fn accepted(&self) -> Vec<Value> {
        self.inner.lock().unwrap().accepted.clone()
    }
}

async fn messages(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let answer = {
        let mut g = inner.lock().unwrap();
        let n = g.requests.len();
        g.requests.push(body.clone());
        g.tokens.push(token);
        match g.script.as_mut() {
            Some(f) => f(n, &body),
            None => Answer::Ok,
        }
    };
    match answer {
        Answer::Ok => accept(&inner, body),
        Answer::Slow => {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            accept(&inner, body)
        }
        Answer::Error(status, code) => (
            StatusCode::from_u16(status).unwrap(),
            Json(
                json!({"error": {"message": format!("(#{code}) fake"), "type": "OAuthException", "code": code, "fbtrace_id": "x"}}),
            ),
        ),
    }
}

fn accept(inner: &Arc<Mutex<Inner>>, body: Value) -> (StatusCode, Json<Value>) {
    let mut g = inner.lock().unwrap();
    let n = g.accepted.len();
    g.accepted.push(body);
    (
        StatusCode::OK,
        Json(
            json!({"messaging_product": "whatsapp", "messages": [{"id": format!("wamid.FAKE.{n}")}]}),
        ),
    )
}

async fn media_info(
    State(inner): State<Arc<Mutex<Inner>>>,
    axum::extract::Path((_version, id)): axum::extract::Path<(String, String)>,
) -> (StatusCode, Json<Value>) {
    let g = inner.lock().unwrap();
    let base = String::from_utf8(g.media["__base"].bytes.clone()).unwrap();
    match g.media.get(&id) {
        Some(m) if m.status.is_none() => (
            StatusCode::OK,
            Json(json!({
                "messaging_product": "whatsapp", "id": id, "mime_type": m.mime,
                "sha256": m.declared_sha256, "file_size": m.bytes.len(),
                "url": format!("{base}/download/{id}?token=secret-signature"),
            })),
        ),
        Some(m) => (
            StatusCode::from_u16(m.status.unwrap()).unwrap(),
            Json(
                json!({"error": {"message": "(#100) Object does not exist", "type": "GraphMethodException", "code": 100}}),
            ),
        ),
        None => (
            StatusCode::NOT_FOUND,
            Json(
                json!({"error": {"message": "(#100) Object does not exist", "type": "GraphMethodException", "code": 100}}),
            ),
        ),
    }
}

async fn media_bytes(
    State(inner): State<Arc<Mutex<Inner>>>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> (StatusCode, Vec<u8>) {
    let mut g = inner.lock().unwrap();
    g.media_downloads.push(id.clone());
    match g.media.get(&id) {
        Some(m) => (StatusCode::OK, m.bytes.clone()),
        None => (StatusCode::NOT_FOUND, Vec::new()),
    }
}

/// The text a request carries (text body, button body or template name).
pub fn text_of(body: &Value) -> String {
    body.pointer("/text/body")
        .or_else(|| body.pointer("/interactive/body/text"))
        .or_else(|| body.pointer("/template/name"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}
