//! Fetching inbound media (photos, voice notes, documents) from the Graph API (reference §10):
//! resolve the media ID to a short-lived URL, then download it with the same bearer token.
//!
//! Nothing here logs or returns the media URL (its query string is a signed capability), the
//! token or the bytes: errors carry only HTTP statuses, Graph codes and sizes.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The lookaside URL may bounce through a CDN host; more hops than this means something is off.
const MAX_REDIRECTS: usize = 3;
/// A slow handshake should fail well before the whole request budget is spent.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Metadata and error bodies are tiny; a huge one is not worth buffering.
const MAX_JSON_BYTES: u64 = 64 * 1024;

/// Downloads media with one pooled connection set; cheap to clone and share.
#[derive(Clone)]
pub struct MediaClient {
    http: reqwest::Client,
    base: String,
    access_token: String,
}

impl fmt::Debug for MediaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaClient")
            .field("base", &self.base)
            .field("access_token", &"***")
            .finish()
    }
}

/// What `GET /{version}/{media-id}` returns. The URL expires about 5 minutes after issue.
#[derive(Clone, PartialEq, Eq, Deserialize)]
pub struct MediaInfo {
    #[serde(default)]
    pub id: String,
    pub url: String,
    #[serde(default)]
    pub mime_type: String,
    /// Lowercase hex or base64, depending on where Meta put it; see [`sha256_matches`].
    pub sha256: String,
    #[serde(default, deserialize_with = "size_number_or_string")]
    pub file_size: Option<u64>,
}

impl fmt::Debug for MediaInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaInfo")
            .field("id", &self.id)
            .field("url", &strip_query(&self.url))
            .field("mime_type", &self.mime_type)
            .field("sha256", &self.sha256)
            .field("file_size", &self.file_size)
            .finish()
    }
}

/// A failed fetch, classified by what the worker should do next.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MediaError {
    /// The media ID or URL is gone (404, expired, or Meta could not fetch it from the phone).
    /// Ask the citizen to send it again.
    #[error("media not found or expired ({0})")]
    NotFound(String),
    /// `size` is the declared size, or the bytes received so far when the body was cut off.
    #[error("media of at least {size} bytes exceeds the {limit}-byte limit")]
    TooLarge { size: u64, limit: u64 },
    #[error("media sha256 mismatch: expected {expected}, computed {actual}")]
    HashMismatch { expected: String, actual: String },
    /// Network trouble, throttling or a Meta outage: try again with backoff.
    #[error("transient media fetch failure ({0})")]
    Retryable(String),
    /// Retrying with the same token cannot help; the token must be renewed (Graph code 190).
    #[error("access token expired or invalid ({0})")]
    TokenExpired(String),
    #[error("media fetch failed permanently ({0})")]
    Permanent(String),
}

impl MediaError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, MediaError::Retryable(_))
    }
}

impl MediaClient {
    /// `timeout` bounds each whole request, body included, so size it for the largest
    /// download allowed (Meta caps inbound media at 100 MB).
    pub fn new(
        api_base: &str,
        api_version: &str,
        access_token: &str,
        timeout: Duration,
    ) -> Result<MediaClient, reqwest::Error> {
        let redirects = reqwest::redirect::Policy::custom(|attempt| {
            // `previous` includes the original URL, so this allows MAX_REDIRECTS hops.
            let downgrade = attempt
                .previous()
                .last()
                .is_some_and(|p| p.scheme() == "https")
                && attempt.url().scheme() != "https";
            if attempt.previous().len() > MAX_REDIRECTS {
                attempt.error("too many redirects")
            } else if downgrade {
                attempt.error("refusing a redirect from https to http")
            } else {
                attempt.follow()
            }
        });
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(CONNECT_TIMEOUT.min(timeout))
            .redirect(redirects)
            // reqwest drops Authorization when a redirect changes host or port (checked in
            // the tests), but by default it would send the signed URL on as a Referer.
            .referer(false)
            .build()?;
        let base = format!(
            "{}/{}",
            api_base.trim_end_matches('/'),
            api_version.trim_matches('/')
        );
        Ok(MediaClient {
            http,
            base,
            access_token: access_token.to_owned(),
        })
    }

    /// Asks Graph where the media lives: `GET {base}/{version}/{media_id}`.
    pub async fn resolve(&self, media_id: &str) -> Result<MediaInfo, MediaError> {
        let id_ok = !media_id.is_empty()
            && media_id.len() <= 128
            && media_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !id_ok {
            return Err(MediaError::Permanent("malformed media id".into()));
        }
        let url = format!("{}/{media_id}", self.base);
        let mut response = self.get(&url).await?;
        let body = read_limited(&mut response, MAX_JSON_BYTES)
            .await
            .map_err(|e| match e {
                MediaError::TooLarge { .. } => {
                    MediaError::Permanent("media metadata response too large".into())
                }
                other => other,
            })?;
        // serde_json's own message can quote body values, so report only where it broke.
        serde_json::from_slice(&body).map_err(|e| {
            let at = format!("line {} column {}", e.line(), e.column());
            MediaError::Permanent(format!(
                "unexpected media metadata ({:?} at {at})",
                e.classify()
            ))
        })
    }

    /// Downloads the bytes behind `info.url` and checks them against `info.sha256`.
    /// A `NotFound` here usually means the URL expired: resolve again (see [`Self::fetch`]).
    pub async fn download(&self, info: &MediaInfo, max_bytes: u64) -> Result<Vec<u8>, MediaError> {
        let too_large = |size| MediaError::TooLarge {
            size,
            limit: max_bytes,
        };
        if let Some(size) = info.file_size.filter(|&s| s > max_bytes) {
            return Err(too_large(size));
        }
        match reqwest::Url::parse(&info.url) {
            Ok(u) if u.scheme() == "https" || u.scheme() == "http" => {}
            _ => return Err(MediaError::Permanent("media url is not http(s)".into())),
        }
        let mut response = self.get(&info.url).await?;
        if let Some(size) = response.content_length().filter(|&s| s > max_bytes) {
            return Err(too_large(size));
        }
        let bytes = read_limited(&mut response, max_bytes).await?;
        if !sha256_matches(&info.sha256, &bytes) {
            return Err(MediaError::HashMismatch {
                expected: info.sha256.clone(),
                actual: hex::encode(Sha256::digest(&bytes)),
            });
        }
        Ok(bytes)
    }

    /// Resolve then download, resolving once more when the URL has already expired, as
    /// Meta advises. Returns the metadata too, for the MIME type.
    pub async fn fetch(
        &self,
        media_id: &str,
        max_bytes: u64,
    ) -> Result<(MediaInfo, Vec<u8>), MediaError> {
        let info = self.resolve(media_id).await?;
        match self.download(&info, max_bytes).await {
            Err(MediaError::NotFound(_)) => {
                tracing::debug!(media_id, "media url expired, resolving again");
                let info = self.resolve(media_id).await?;
                let bytes = self.download(&info, max_bytes).await?;
                Ok((info, bytes))
            }
            other => other.map(|bytes| (info, bytes)),
        }
    }

    /// GET with the bearer token; non-2xx responses become classified errors.
    async fn get(&self, url: &str) -> Result<reqwest::Response, MediaError> {
        let response = self
            .http
            .get(url)
            .bearer_auth(&self.access_token)
            .send()
            .await
            .map_err(transport_error)?;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(http_error(response).await)
    }
}

/// True when `expected` (64 hex chars, or base64 of the 32-byte digest) is the SHA-256 of
/// `bytes`. Meta's examples use base64 while captured metadata shows hex, so take both.
pub fn sha256_matches(expected: &str, bytes: &[u8]) -> bool {
    let expected = expected.trim();
    let decoded = if expected.len() == 64 {
        hex::decode(expected).ok()
    } else {
        use base64::engine::general_purpose::{
            STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD,
        };
        [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
            .iter()
            .find_map(|engine| engine.decode(expected).ok())
    };
    decoded.is_some_and(|d| d.len() == 32 && d[..] == Sha256::digest(bytes)[..])
}

/// Reads the body chunk by chunk, stopping as soon as it passes `limit` so an oversized or
/// endless body costs at most one chunk beyond the limit.
async fn read_limited(response: &mut reqwest::Response, limit: u64) -> Result<Vec<u8>, MediaError> {
    let hint = response.content_length().unwrap_or(0).min(limit);
    let mut body = Vec::with_capacity(hint as usize);
    while let Some(chunk) = response.chunk().await.map_err(transport_error)? {
        let seen = body.len() as u64 + chunk.len() as u64;
        if seen > limit {
            return Err(MediaError::TooLarge { size: seen, limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Maps a failed HTTP exchange, using the Graph error code when the body has one.
async fn http_error(mut response: reqwest::Response) -> MediaError {
    let status = response.status().as_u16();
    let (code, message) = match read_limited(&mut response, MAX_JSON_BYTES).await {
        Ok(body) => graph_error(&body),
        Err(_) => (None, String::new()),
    };
    let detail = match code {
        Some(code) => format!("http {status}, graph code {code}"),
        None => format!("http {status}"),
    };
    classify(status, code, &message, detail)
}

fn classify(status: u16, code: Option<i64>, message: &str, detail: String) -> MediaError {
    match (status, code) {
        (_, Some(190)) | (401, None) => MediaError::TokenExpired(detail),
        // 100 "does not exist" is what Graph says for an unknown or expired media ID;
        // 131052 means Meta itself could not get the file from the citizen's phone.
        (_, Some(131052)) => MediaError::NotFound(detail),
        (_, Some(100)) if message.contains("does not exist") => MediaError::NotFound(detail),
        // Throughput, app/WABA rate limits, and "temporarily unavailable".
        (_, Some(4 | 80007 | 130429 | 131000 | 131016)) => MediaError::Retryable(detail),
        (404 | 410, _) => MediaError::NotFound(detail),
        (408 | 429, _) | (500..=599, _) => MediaError::Retryable(detail),
        _ => MediaError::Permanent(detail),
    }
}

/// Pulls `error.code` and `error.message` out of a Graph error body, if it is one.
fn graph_error(body: &[u8]) -> (Option<i64>, String) {
    let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let error = &value["error"];
    let message = error["message"].as_str().unwrap_or_default().to_owned();
    (error["code"].as_i64(), message)
}

/// reqwest puts the URL (with its signed query string) in its messages; drop it first.
fn transport_error(err: reqwest::Error) -> MediaError {
    let err = err.without_url();
    let mut detail = if err.is_timeout() {
        "timed out".to_owned()
    } else {
        err.to_string()
    };
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        detail = format!("{detail}: {cause}");
        source = cause.source();
    }
    if err.is_redirect() || err.is_builder() {
        MediaError::Permanent(detail)
    } else {
        MediaError::Retryable(detail)
    }
}

fn strip_query(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or_default()
}

/// Graph has returned `file_size` both as a JSON number and as a string.
fn size_number_or_string<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Size {
        Number(u64),
        Text(String),
    }
    match Option::<Size>::deserialize(de)? {
        None => Ok(None),
        Some(Size::Number(n)) => Ok(Some(n)),
        Some(Size::Text(s)) => s.trim().parse().map(Some).map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
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

    async fn metadata(
        State(f): State<Arc<Fake>>,
        Path(id): Path<String>,
        h: HeaderMap,
    ) -> Response {
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
}
