//! Graph API client for `POST /{version}/{phone-number-id}/messages`, and the mapping of
//! Graph errors to what the outbox should do next (reference §9.3).
//!
//! Nothing here logs or returns the message text, the recipient or a wamid (a wamid encodes
//! the phone number): only codes, HTTP statuses and Meta's own redacted error text.

use std::error::Error as _;
use std::fmt;
use std::time::Duration;

use serde_json::Value;

use super::outbound::OutboundMessage;

/// A slow TCP/TLS handshake should fail well before the whole request budget is spent.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Bounds how much of Meta's error text travels into logs and the outbox table.
const MAX_ERROR_MESSAGE_CHARS: usize = 300;
/// Digit runs this long are phone numbers or BSUIDs; Graph error codes have at most six.
const REDACT_DIGIT_RUN: usize = 8;

/// Sends messages with one pooled connection set; cheap to clone and share.
#[derive(Clone)]
pub struct GraphClient {
    http: reqwest::Client,
    url: String,
    access_token: String,
}

impl fmt::Debug for GraphClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphClient")
            .field("url", &self.url)
            .field("access_token", &"***")
            .finish()
    }
}

/// A send Meta accepted (not yet delivered: that arrives as a status webhook).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    pub wamid: String,
    pub request_body: Value,
}

/// A failed send; `message` carries Meta's error text with phone numbers masked, never ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind:?} (http {http_status:?}, code {code:?}): {message}")]
pub struct SendError {
    pub kind: SendErrorKind,
    pub http_status: Option<u16>,
    pub code: Option<i64>,
    pub message: String,
}

/// What the outbox should do next; see [`classify_error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendErrorKind {
    /// Try again with backoff.
    Retryable,
    /// Retrying cannot help: drop it and record why.
    Permanent,
    /// The 24-hour window is closed: only a template can reach the user now.
    WindowClosed,
    /// The access token must be replaced; every send will fail until then.
    TokenExpired,
    /// Try again later and slower (throughput or per-user pair rate).
    RateLimited,
}

impl GraphClient {
    /// A client for `{api_base}/{api_version}/{phone_number_id}/messages`; `timeout` bounds
    /// each whole request.
    pub fn new(
        api_base: &str,
        api_version: &str,
        phone_number_id: &str,
        access_token: &str,
        timeout: Duration,
    ) -> Result<GraphClient, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(CONNECT_TIMEOUT))
            .pool_idle_timeout(Duration::from_secs(90))
            // Graph never redirects a send; following one could carry the token elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("alerta-ciudadana/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let url = format!(
            "{}/{}/{}/messages",
            api_base.trim_end_matches('/'),
            api_version.trim_matches('/'),
            phone_number_id.trim_matches('/')
        );
        // Building one request surfaces a bad URL or a token that is not a valid header
        // value now, at startup, instead of on every send.
        http.post(&url).bearer_auth(access_token).build()?;
        Ok(GraphClient {
            http,
            url,
            access_token: access_token.to_owned(),
        })
    }

    /// POSTs [`OutboundMessage::to_request_body`] and returns the wamid Meta assigned.
    #[tracing::instrument(name = "whatsapp_send", skip_all)]
    pub async fn send(&self, message: &OutboundMessage) -> Result<SentMessage, SendError> {
        if !message.has_address() {
            let reason = "recipient has neither a wa_id nor a bsuid";
            return Err(logged(error(SendErrorKind::Permanent, None, None, reason)));
        }
        let request_body = message.to_request_body();
        let response = self
            .http
            .post(&self.url)
            .bearer_auth(&self.access_token)
            .json(&request_body)
            .send()
            .await
            .map_err(|e| logged(network_error(&e)))?;
        let status = response.status().as_u16();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| logged(network_error(&e)))?;
        if !(200..300).contains(&status) {
            return Err(logged(graph_error(status, &bytes)));
        }
        let parsed: Option<Value> = serde_json::from_slice(&bytes).ok();
        let wamid = parsed
            .as_ref()
            .and_then(|v| v["messages"][0]["id"].as_str());
        match wamid.filter(|id| !id.is_empty()) {
            Some(wamid) => Ok(SentMessage {
                wamid: wamid.to_owned(),
                request_body,
            }),
            // Accepted without an id: the outbox could not track it, so it retries.
            None => {
                let reason = "accepted response without messages[0].id";
                Err(logged(error(
                    SendErrorKind::Retryable,
                    Some(status),
                    None,
                    reason,
                )))
            }
        }
    }
}

/// Retryable: network errors, timeouts, HTTP 5xx, 131000, 131016, 80007, 4; RateLimited (retry
/// later, slower): HTTP 429, 130429, 131056; WindowClosed: 131047; TokenExpired: 190 (and HTTP
/// 401 with code 190 or no code); Permanent: everything else (131026, 131051, 131008, 131009,
/// 132000/132001/132015/132016, 131030, 131031, 368, 131048, 131049, 131050 …).
///
/// Also Retryable: Graph's generic 1 and 2 and 131057 (number briefly unusable while its
/// throughput is upgraded); also RateLimited: 131208 (group rate limit, sent with HTTP 429).
/// A known code decides before the HTTP status does; any other code on a 5xx is retried.
pub fn classify_error(http_status: Option<u16>, code: Option<i64>) -> SendErrorKind {
    use SendErrorKind::*;
    match (http_status, code) {
        (_, Some(190)) => TokenExpired,
        (_, Some(131047)) => WindowClosed,
        (_, Some(130429 | 131056 | 131208)) => RateLimited,
        (_, Some(1 | 2 | 4 | 80007 | 131000 | 131016 | 131057)) => Retryable,
        (None, None) => Retryable,
        (Some(401), None) => TokenExpired,
        (Some(429), _) => RateLimited,
        (Some(500..=599), _) => Retryable,
        _ => Permanent,
    }
}

fn error(kind: SendErrorKind, http: Option<u16>, code: Option<i64>, message: &str) -> SendError {
    SendError {
        kind,
        http_status: http,
        code,
        message: message.to_owned(),
    }
}

/// Logs with the classification only: the message and recipient stay out of the logs.
fn logged(err: SendError) -> SendError {
    let (kind, http_status, code) = (err.kind, err.http_status, err.code);
    if kind == SendErrorKind::TokenExpired {
        tracing::error!(?kind, http_status, code, "whatsapp send failed");
    } else {
        tracing::warn!(?kind, http_status, code, "whatsapp send failed");
    }
    err
}

fn network_error(err: &reqwest::Error) -> SendError {
    let what = if err.is_timeout() {
        "request timed out"
    } else if err.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    // The source chain (e.g. "Connection refused") helps; the top level repeats the URL.
    let mut message = what.to_owned();
    let mut source = err.source();
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    error(SendErrorKind::Retryable, None, None, &sanitize(&message))
}

/// Reads `{"error":{"message","type","code","error_data":{"details"},"fbtrace_id"}}`; any
/// other body is classified on the HTTP status alone.
fn graph_error(status: u16, body: &[u8]) -> SendError {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let Some(err) = parsed
        .as_ref()
        .map(|v| &v["error"])
        .filter(|e| e.is_object())
    else {
        let kind = classify_error(Some(status), None);
        let message = format!("unparseable error body ({} bytes)", body.len());
        return error(kind, Some(status), None, &message);
    };
    let code = err["code"]
        .as_i64()
        .or_else(|| err["code"].as_str()?.parse().ok());
    let trace = err["fbtrace_id"]
        .as_str()
        .map(|t| format!("fbtrace_id {t}"));
    let fields = [&err["type"], &err["message"], &err["error_data"]["details"]];
    let mut parts: Vec<&str> = fields.iter().filter_map(|v| v.as_str()).collect();
    parts.extend(trace.as_deref());
    let kind = classify_error(Some(status), code);
    error(kind, Some(status), code, &sanitize(&parts.join("; ")))
}

/// Meta's details may name the recipient ("… +5215512345678 …"): long digit runs are masked
/// and the whole text is bounded.
fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        let masked = digits.len() >= REDACT_DIGIT_RUN;
        out.push_str(if masked { "<redacted>" } else { digits });
        digits.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    super::outbound::truncate_chars(&out, MAX_ERROR_MESSAGE_CHARS)
}

#[cfg(test)]
mod tests;
