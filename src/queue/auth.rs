//! Who is calling: bearer tokens for the API, session cookies (with a CSRF token per
//! session) for the web app, and argon2id passwords.

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::credentials::{bearer_token, token_user};
use crate::access::principal::Principal;
use crate::app::state::AppState;
use crate::error::AppError;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_tokens() {
        let h = hash_password("correcto caballo").unwrap();
        assert!(h.starts_with("$argon2id$"));
        let verify = |p: &str, h: &str| {
            crate::queue::password::verify_with(&mut Vec::new(), p.as_bytes(), h)
        };
        assert!(verify("correcto caballo", &h));
        assert!(!verify("otro", &h));
        assert!(!verify("x", "no-es-un-hash"));
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(digest("abc").len(), 64);
        assert!(csrf_ok("tok", Some("tok")) && !csrf_ok("tok", Some("tak")));
        assert!(!csrf_ok("", Some("")) && !csrf_ok("tok", None));
    }
}
