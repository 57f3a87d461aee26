//! Who is calling: bearer tokens for the API, session cookies (with a CSRF token per
//! session) for the web app, argon2id passwords, and login throttling.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::principal::Principal;
use crate::app::AppState;
use crate::error::AppError;
use crate::store::{Store, StoreError, UserRow};

pub const SESSION_COOKIE: &str = "alerta_sesion";
pub const LOGIN_COOKIE: &str = "alerta_login";

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?
        .to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// 256 random bits, URL-safe: API tokens, session ids and CSRF tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Tokens and session ids are stored only as this digest.
pub fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Secure behind TLS.
pub fn set_cookie(
    state: &AppState,
    headers: &HeaderMap,
    name: &str,
    value: &str,
    max_age: i64,
) -> String {
    let secure = match state.config.web.secure_cookies.as_str() {
        "always" => true,
        "never" => false,
        _ => headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https")),
    };
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The token of `Authorization: Bearer <token>`. The scheme is case-insensitive (RFC 7235
/// §2.1), so `bearer` and `BEARER` work too.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim_start().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// When a token issued at `issued_at` stops working.
pub fn token_expiry(
    issued_at: chrono::DateTime<chrono::Utc>,
    token_days: i64,
) -> chrono::DateTime<chrono::Utc> {
    issued_at + chrono::Duration::days(token_days.max(1))
}

/// The account a token opens now, or why it opens none (in Spanish, for the 401).
pub async fn token_user(
    store: &dyn Store,
    token_sha256: &str,
    token_days: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Result<UserRow, String>, StoreError> {
    let Some(owner) = store.token_owner(token_sha256).await? else {
        return Ok(Err("token inválido".into()));
    };
    if owner.user.disabled_at.is_some() {
        return Ok(Err("la cuenta de este token está deshabilitada".into()));
    }
    let expires = token_expiry(owner.token_issued_at, token_days);
    if expires <= now {
        return Ok(Err(format!(
            "el token caducó el {} (UTC); pida a un supervisor uno nuevo",
            expires.format("%Y-%m-%d %H:%M")
        )));
    }
    Ok(Ok(owner.user))
}

/// An API caller, from `Authorization: Bearer <token>`.
pub struct ApiUser(pub Principal);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = bearer_token(&parts.headers).ok_or_else(|| {
            AppError::Unauthorized("falta el token (Authorization: Bearer …)".into())
        })?;
        let now = chrono::Utc::now();
        let user = token_user(
            state.store.as_ref(),
            &digest(token),
            state.config.web.token_days,
            now,
        )
        .await?
        .map_err(AppError::Unauthorized)?;
        Principal::from_user(&user, &state.config.web.reveal_roles)
            .map(ApiUser)
            .ok_or(AppError::Forbidden)
    }
}

/// What an open event stream was opened with, so it can check that it still holds
/// (`Credential::valid`) and end when it does not. Only digests are kept.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A web session: its id's digest.
    Session(String),
    /// An API token: its digest.
    Token(String),
}

impl Credential {
    /// True while the session or token would still be accepted by a new request: not
    /// logged out, expired, rotated, or its account disabled. One primary-key lookup.
    pub async fn valid(
        &self,
        store: &dyn Store,
        token_days: i64,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, StoreError> {
        match self {
            Credential::Session(sha) => Ok(store.session(sha, now).await?.is_some()),
            Credential::Token(sha) => Ok(token_user(store, sha, token_days, now).await?.is_ok()),
        }
    }
}

/// A signed-in web user and the CSRF token their forms must carry.
pub struct WebUser {
    pub who: Principal,
    pub csrf: String,
    pub session: String,
}

/// Not signed in: pages redirect to the login form, fragments and streams answer 401.
pub enum WebRejection {
    Login(String),
    Error(AppError),
}

impl IntoResponse for WebRejection {
    fn into_response(self) -> Response {
        match self {
            WebRejection::Login(next) => {
                let next = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
                Redirect::to(&format!("/login?{next}")).into_response()
            }
            WebRejection::Error(e) => e.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for WebUser {
    type Rejection = WebRejection;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebRejection> {
        let next = parts
            .uri
            .path_and_query()
            .map_or("/".to_owned(), |p| p.as_str().to_owned());
        let Some(id) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(WebRejection::Login(next));
        };
        let now = chrono::Utc::now();
        let session = state
            .store
            .session(&digest(&id), now)
            .await
            .map_err(|e| WebRejection::Error(e.into()))?;
        let Some(session) = session else {
            return Err(WebRejection::Login(next));
        };
        let user = state
            .store
            .user_by_id(session.user_id)
            .await
            .map_err(|e| WebRejection::Error(e.into()))?;
        let who = user
            .and_then(|u| Principal::from_user(&u, &state.config.web.reveal_roles))
            .ok_or(WebRejection::Error(AppError::Forbidden))?;
        Ok(WebUser {
            who,
            csrf: session.csrf_token,
            session: id,
        })
    }
}

/// Constant-time comparison of a submitted CSRF token with the expected one.
pub fn csrf_ok(expected: &str, submitted: Option<&str>) -> bool {
    use subtle::ConstantTimeEq;
    match submitted {
        Some(s) if !expected.is_empty() => s.as_bytes().ct_eq(expected.as_bytes()).into(),
        _ => false,
    }
}

/// Failed logins: after `max` failures from one address an account is locked for that
/// address for `lockout`; after ten times as many from anywhere, for everyone (distributed
/// guessing). Keying by address as well means a stranger typing an operator's name cannot
/// lock them out of their own workstation. Per process: each replica keeps its own counts.
pub struct LoginThrottle {
    max: u32,
    lockout: Duration,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginThrottle {
    pub fn new(max: u32, lockout: Duration) -> LoginThrottle {
        LoginThrottle {
            max: max.max(1),
            lockout,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn keys(name: &str, from: Option<std::net::IpAddr>) -> [String; 2] {
        let name = name.to_lowercase();
        let from = from.map_or("-".to_owned(), |ip| ip.to_string());
        [format!("{name}|{from}"), name]
    }

    /// `Some(wait)` while the account is locked for this address.
    pub fn locked(&self, name: &str, from: Option<std::net::IpAddr>) -> Option<Duration> {
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let [here, anywhere] = Self::keys(name, from);
        [(here, self.max), (anywhere, self.max.saturating_mul(10))]
            .iter()
            .filter_map(|(k, max)| {
                let (count, since) = map.get(k)?;
                let elapsed = since.elapsed();
                (*count >= *max && elapsed < self.lockout).then(|| self.lockout - elapsed)
            })
            .max()
    }

    pub fn failed(&self, name: &str, from: Option<std::net::IpAddr>) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 10_000 {
            let lockout = self.lockout;
            map.retain(|_, (_, since)| since.elapsed() < lockout);
        }
        for key in Self::keys(name, from) {
            let entry = map.entry(key).or_insert((0, Instant::now()));
            if entry.1.elapsed() >= self.lockout {
                *entry = (0, Instant::now());
            }
            entry.0 += 1;
            entry.1 = Instant::now();
        }
    }

    pub fn succeeded(&self, name: &str, from: Option<std::net::IpAddr>) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&Self::keys(name, from)[0]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_tokens() {
        let h = hash_password("correcto caballo").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correcto caballo", &h));
        assert!(!verify_password("otro", &h));
        assert!(!verify_password("x", "no-es-un-hash"));
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(digest("abc").len(), 64);
        assert!(csrf_ok("tok", Some("tok")) && !csrf_ok("tok", Some("tak")));
        assert!(!csrf_ok("", Some("")) && !csrf_ok("tok", None));
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::AUTHORIZATION, v.parse().unwrap());
            bearer_token(&h).map(str::to_owned)
        };
        for v in ["Bearer abc", "bearer abc", "BEARER abc", "bEaReR  abc "] {
            assert_eq!(with(v).as_deref(), Some("abc"), "{v}");
        }
        for v in ["Basic abc", "Bearer", "Bearer ", "Bearerabc", "abc"] {
            assert_eq!(with(v), None, "{v}");
        }
        assert_eq!(bearer_token(&HeaderMap::new()), None);
    }

    #[test]
    fn tokens_expire_after_the_configured_days() {
        let t = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(
            token_expiry(t, 90).to_rfc3339(),
            "2026-04-01T00:00:00+00:00"
        );
        assert_eq!(token_expiry(t, 0), token_expiry(t, 1), "at least a day");
    }

    #[test]
    fn throttle_locks_after_failures() {
        let t = LoginThrottle::new(3, Duration::from_secs(60));
        let desk: Option<std::net::IpAddr> = "10.0.0.5".parse().ok();
        let stranger: Option<std::net::IpAddr> = "10.0.0.9".parse().ok();
        for _ in 0..2 {
            t.failed("Ana", stranger);
        }
        assert!(t.locked("ana", stranger).is_none());
        t.failed("ana", stranger);
        assert!(t.locked("ANA", stranger).is_some());
        assert!(
            t.locked("ana", desk).is_none(),
            "her own desk still gets in"
        );
        t.succeeded("ana", stranger);
        assert!(t.locked("ana", stranger).is_none());
        for _ in 0..30 {
            t.failed("beto", None);
        }
        assert!(
            t.locked("beto", desk).is_some(),
            "guessing from everywhere locks everyone"
        );
    }
}
