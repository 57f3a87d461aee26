//! Tests of the parent module.
use super::*;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const TOKEN: &str = "test-token";
const DATA: &[u8] = b"foto de la patrulla";

/// A fake Graph API plus a second origin (other port) for redirects and a raw endless body.
struct Fake {
    base: String,
    other: String,
    endless: String,
    downloads: AtomicUsize,
    /// (Authorization present, Referer present) as seen by the redirect target.
    landing: Mutex<Option<(bool, bool)>>,
}

async fn listener() -> (TcpListener, String) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    (l, url)
}

async fn start() -> Arc<Fake> {
    let ((main, base), (other_l, other)) = (listener().await, listener().await);
    let (endless_l, endless) = listener().await;
    let fake = Arc::new(Fake {
        base,
        other,
        endless: format!("{endless}/files/endless?hash=secret"),
        downloads: AtomicUsize::new(0),
        landing: Mutex::new(None),
    });
    let app = Router::new()
        .route("/v25.0/{id}", get(metadata))
        .route("/files/ok", get(file))
        .route("/files/hop", get(hop))
        .route("/landing", get(landing))
        .with_state(fake.clone());
    let app2 = app.clone();
    tokio::spawn(async move { axum::serve(main, app).await });
    tokio::spawn(async move { axum::serve(other_l, app2).await });
    tokio::spawn(endless_body(endless_l));
    fake
}

fn authorized(h: &HeaderMap) -> bool {
    h.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) == Some("Bearer test-token")
}

fn graph_error(status: StatusCode, code: i64, message: &str) -> Response {
    let body = json!({"error": {"message": message, "type": "OAuthException", "code": code}});
    (status, Json(body)).into_response()
}

async fn metadata(State(f): State<Arc<Fake>>, Path(id): Path<String>, h: HeaderMap) -> Response {
    if !authorized(&h) {
        return graph_error(StatusCode::UNAUTHORIZED, 190, "Session has expired");
    }
    let hex = hex::encode(Sha256::digest(DATA));
    let file = format!("{}/files/ok?ext=1&hash=secret", f.base);
    let (url, sha, size) = match id.as_str() {
        "hex" => (file, hex, json!(DATA.len().to_string())),
        "b64" => (
            file,
            STANDARD.encode(Sha256::digest(DATA)),
            json!(DATA.len()),
        ),
        "bad" => (
            file,
            hex::encode(Sha256::digest(b"other")),
            json!(DATA.len()),
        ),
        "huge" => (file, hex, json!(50_000_000)),
        "endless" => (f.endless.clone(), hex, Value::Null),
        "hop" => (format!("{}/files/hop", f.base), hex, Value::Null),
        "expired" => {
            let msg = "Unsupported get request. Object with ID 'expired' does not exist";
            return graph_error(StatusCode::BAD_REQUEST, 100, msg);
        }
        "boom" => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let body = json!({"messaging_product": "whatsapp", "url": url, "mime_type": "image/jpeg",
        "sha256": sha, "file_size": size, "id": id});
    Json(body).into_response()
}

async fn file(State(f): State<Arc<Fake>>, h: HeaderMap) -> Response {
    if !authorized(&h) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    f.downloads.fetch_add(1, Ordering::SeqCst);
    DATA.into_response()
}

async fn hop(State(f): State<Arc<Fake>>, h: HeaderMap) -> Response {
    if !authorized(&h) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let to = format!("{}/landing", f.other);
    (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
}

async fn landing(State(f): State<Arc<Fake>>, h: HeaderMap) -> Response {
    let seen = (
        h.contains_key(header::AUTHORIZATION),
        h.contains_key(header::REFERER),
    );
    *f.landing.lock().unwrap() = Some(seen);
    DATA.into_response()
}

/// Chunked body that never ends: a client reading it whole would hang the test.
async fn endless_body(listener: TcpListener) {
    while let Ok((mut sock, _)) = listener.accept().await {
        tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            let head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
            if sock.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let chunk = [b"4000\r\n".as_slice(), &[b'x'; 0x4000], b"\r\n"].concat();
            while sock.write_all(&chunk).await.is_ok() {}
        });
    }
}

fn client(f: &Fake, token: &str) -> MediaClient {
    MediaClient::new(&f.base, "v25.0", token, Duration::from_secs(10)).unwrap()
}

#[tokio::test]
async fn resolve_and_download_with_hex_hash() {
    let f = start().await;
    let c = client(&f, TOKEN);
    let info = c.resolve("hex").await.unwrap();
    assert_eq!(
        info.file_size,
        Some(DATA.len() as u64),
        "string file_size parsed"
    );
    assert_eq!(info.mime_type, "image/jpeg");
    assert_eq!(c.download(&info, 1024).await.unwrap(), DATA);
    assert_eq!(f.downloads.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn base64_hash_is_accepted() {
    let f = start().await;
    let (info, bytes) = client(&f, TOKEN).fetch("b64", 1024).await.unwrap();
    assert!(info.sha256.ends_with('='));
    assert_eq!(bytes, DATA);
}

#[test]
fn sha256_matches_hex_and_base64_forms() {
    let digest = Sha256::digest(DATA);
    assert!(sha256_matches(&hex::encode(digest), DATA));
    assert!(sha256_matches(&hex::encode_upper(digest), DATA));
    assert!(sha256_matches(&STANDARD.encode(digest), DATA));
    assert!(!sha256_matches(&hex::encode(digest), b"tampered"));
    assert!(!sha256_matches(&STANDARD.encode(digest), b"tampered"));
    assert!(!sha256_matches("", DATA));
    assert!(!sha256_matches("not a hash", DATA));
}

#[tokio::test]
async fn hash_mismatch_is_reported() {
    let f = start().await;
    let c = client(&f, TOKEN);
    let info = c.resolve("bad").await.unwrap();
    match c.download(&info, 1024).await {
        Err(MediaError::HashMismatch { expected, actual }) => {
            assert_eq!(expected, info.sha256);
            assert_eq!(actual, hex::encode(Sha256::digest(DATA)));
        }
        other => panic!("expected HashMismatch, got {other:?}"),
    }
}

#[tokio::test]
async fn resolve_errors_are_classified() {
    let f = start().await;
    let c = client(&f, TOKEN);
    assert!(matches!(
        c.resolve("gone").await,
        Err(MediaError::NotFound(_))
    ));
    let expired = c.resolve("expired").await.unwrap_err();
    assert!(matches!(expired, MediaError::NotFound(_)), "{expired:?}");
    let boom = c.resolve("boom").await.unwrap_err();
    assert!(matches!(boom, MediaError::Retryable(_)) && boom.is_retryable());
    let stale = client(&f, "stale").resolve("hex").await.unwrap_err();
    assert_eq!(
        stale,
        MediaError::TokenExpired("http 401, graph code 190".into())
    );
    assert!(!stale.is_retryable());
    let bad_id = c.resolve("../me").await.unwrap_err();
    assert!(matches!(bad_id, MediaError::Permanent(_)));
}

#[test]
fn graph_codes_map_to_actions() {
    let kind = |status, code| classify(status, Some(code), "", String::new());
    assert!(matches!(kind(400, 131052), MediaError::NotFound(_)));
    assert!(matches!(kind(400, 131053), MediaError::Permanent(_)));
    assert!(matches!(kind(400, 100), MediaError::Permanent(_)));
    assert!(kind(400, 130429).is_retryable());
    assert!(classify(429, None, "", String::new()).is_retryable());
    assert!(matches!(kind(400, 190), MediaError::TokenExpired(_)));
}

#[tokio::test]
async fn endless_chunked_body_stops_at_the_limit() {
    let f = start().await;
    let c = client(&f, TOKEN);
    let info = c.resolve("endless").await.unwrap();
    let limit = 256 * 1024;
    let result = tokio::time::timeout(Duration::from_secs(5), c.download(&info, limit))
        .await
        .expect("download must stop reading once over the limit");
    match result {
        // Reading stops within one 16 KiB chunk of the limit, not at some later point.
        Err(MediaError::TooLarge { size, limit: l }) => {
            assert!(
                l == limit && size > limit && size <= limit + 0x4000,
                "{size}"
            )
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
}

#[tokio::test]
async fn declared_sizes_over_the_limit_are_refused_before_reading() {
    let f = start().await;
    let c = client(&f, TOKEN);
    let huge = c.resolve("huge").await.unwrap();
    let err = c.download(&huge, 1024).await.unwrap_err();
    assert_eq!(
        err,
        MediaError::TooLarge {
            size: 50_000_000,
            limit: 1024
        }
    );
    assert_eq!(
        f.downloads.load(Ordering::SeqCst),
        0,
        "no download attempted"
    );
    // No file_size: the Content-Length header alone must trigger the refusal.
    let info = MediaInfo {
        file_size: None,
        ..c.resolve("hex").await.unwrap()
    };
    let err = c.download(&info, 5).await.unwrap_err();
    assert_eq!(
        err,
        MediaError::TooLarge {
            size: DATA.len() as u64,
            limit: 5
        }
    );
}

#[tokio::test]
async fn cross_origin_redirect_drops_token_and_referer() {
    let f = start().await;
    let c = client(&f, TOKEN);
    let info = c.resolve("hop").await.unwrap();
    assert_eq!(c.download(&info, 1024).await.unwrap(), DATA);
    assert_eq!(*f.landing.lock().unwrap(), Some((false, false)));
}

#[tokio::test]
async fn debug_and_errors_hide_token_and_signed_url() {
    let f = start().await;
    let c = client(&f, TOKEN);
    assert!(!format!("{c:?}").contains(TOKEN));
    let info = c.resolve("hex").await.unwrap();
    assert!(!format!("{info:?}").contains("secret"));
    // Nothing listens on port 1: the connect error must not echo the URL.
    let dead = MediaInfo {
        url: "http://127.0.0.1:1/f?hash=secret".into(),
        ..info
    };
    let err = c.download(&dead, 1024).await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert!(!err.to_string().contains("secret") && !format!("{err:?}").contains("secret"));
}
