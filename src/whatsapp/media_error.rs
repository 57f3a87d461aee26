//! How a failed media fetch is classified: [`MediaError`], and the mapping of HTTP statuses,
//! Graph error codes and transport failures onto it. Details carry only statuses, codes and
//! causes: reqwest's messages lose the URL (a signed capability) before they are kept.

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

pub(super) fn classify(
    status: u16,
    code: Option<i64>,
    message: &str,
    detail: String,
) -> MediaError {
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
pub(super) fn graph_error(body: &[u8]) -> (Option<i64>, String) {
    let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let error = &value["error"];
    let message = error["message"].as_str().unwrap_or_default().to_owned();
    (error["code"].as_i64(), message)
}

/// reqwest puts the URL (with its signed query string) in its messages; drop it first.
pub(super) fn transport_error(err: reqwest::Error) -> MediaError {
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
