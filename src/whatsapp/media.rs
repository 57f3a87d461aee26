//! Fetching inbound media (photos, voice notes, documents) from the Graph API (reference §10):
//! resolve the media ID to a short-lived URL, then download it with the same bearer token.
//!
//! Nothing here logs or returns the media URL (its query string is a signed capability), the
//! token or the bytes: errors (classified in `media_error.rs`) carry only HTTP statuses, Graph
//! codes and sizes.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use serde::Deserialize;
use sha2::{Digest, Sha256};

pub use super::media_error::MediaError;
use super::media_error::{classify, graph_error, transport_error};

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
mod tests;
