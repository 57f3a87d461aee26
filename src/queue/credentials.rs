//! API tokens and what a live stream holds on to: the bearer scheme, token expiry, who a
//! token opens (or why it opens nobody), and whether a session or token is still valid.
//! The extractors that use them are in `auth`.

use axum::http::{header, HeaderMap};
use chrono::{DateTime, Utc};

use crate::store::{Store, StoreError, UserRow};

/// The token of `Authorization: Bearer <token>`. The scheme is case-insensitive (RFC 7235
/// §2.1), so `bearer` and `BEARER` work too.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim_start().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// When a token issued at `issued_at` stops working.
pub fn token_expiry(issued_at: DateTime<Utc>, token_days: i64) -> DateTime<Utc> {
    issued_at + chrono::Duration::days(token_days.max(1))
}

/// The account a token opens now, or why it opens none (in Spanish, for the 401).
pub async fn token_user(
    store: &Store,
    token_sha256: &str,
    token_days: i64,
    now: DateTime<Utc>,
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
        store: &Store,
        token_days: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        match self {
            Credential::Session(sha) => Ok(store.session(sha, now).await?.is_some()),
            Credential::Token(sha) => Ok(token_user(store, sha, token_days, now).await?.is_ok()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let t = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            token_expiry(t, 90).to_rfc3339(),
            "2026-04-01T00:00:00+00:00"
        );
        assert_eq!(token_expiry(t, 0), token_expiry(t, 1), "at least a day");
    }
}
