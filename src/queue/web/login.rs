//! Signing in and out. The login form is protected by a double-submit token (there is no
//! session yet to hold one); failures all look alike and cost the same time; repeated
//! failures lock the guessing address out (`login_throttle`), and password checks run
//! under a budget (`password`).

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use super::render::{error_page, render, Layout};
use super::security::{csrf_refused, csrf_valid};
use crate::access::principal::Principal;
use crate::app::state::AppState;
use crate::queue::auth::{
    cookie, csrf_ok, digest, random_token, set_cookie, WebUser, LOGIN_COOKIE, SESSION_COOKIE,
};
use crate::queue::client_addr::throttle_key;
use crate::queue::login_throttle::{LockScope, Locked};
use crate::store::{NewAudit, SessionRow};
use crate::telemetry::metrics::metrics;

/// An argon2id hash (default parameters, like real ones) of a password nobody has: checked
/// when the account does not exist or has no password, so the answer takes as long as for a
/// real account and does not reveal which names exist.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$YWxlcnRhLWR1bW15LXNsdA$wgOz3QUZ/0cTxAd2mT0S0Nf3ZmIy9x5Bfz69c9i5IzY";

/// The login form's token lives ten minutes: enough to type a password, short enough that a
/// stolen page is useless soon.
const LOGIN_FORM_SECS: i64 = 600;

const BAD_CREDENTIALS: &str = "Usuario o contraseña incorrectos.";

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginTemplate {
    pub layout: Layout,
    pub csrf: String,
    pub next: String,
    pub name: String,
    pub message: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NextQuery {
    pub next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    pub name: Option<String>,
    pub password: Option<String>,
    pub csrf: Option<String>,
    pub next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsrfForm {
    pub csrf: Option<String>,
}

pub async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    login_page(
        &state,
        &headers,
        StatusCode::OK,
        q.next.as_deref(),
        "",
        None,
    )
}

/// The form with a fresh double-submit token in its field and in a cookie.
fn login_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    next: Option<&str>,
    name: &str,
    message: Option<String>,
) -> Response {
    let token = random_token();
    let page = LoginTemplate {
        layout: Layout::new("Iniciar sesión", "login", None),
        csrf: token.clone(),
        next: safe_next(next).to_owned(),
        name: name.to_owned(),
        message,
    };
    let mut res = render(status, &page);
    if let Ok(v) = set_cookie(state, headers, LOGIN_COOKIE, &token, LOGIN_FORM_SECS).parse() {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    Form(form): Form<LoginForm>,
) -> Response {
    let from = state
        .trusted_proxies
        .client(peer.map(|p| p.0 .0.ip()), &headers)
        .map(throttle_key);
    let next = form.next.as_deref();
    let name = form.name.as_deref().unwrap_or("").trim().to_owned();
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if !csrf_ok(&expected, form.csrf.as_deref()) {
        let msg = "El formulario caducó; vuelva a intentarlo.".to_owned();
        return login_page(
            &state,
            &headers,
            StatusCode::FORBIDDEN,
            next,
            &name,
            Some(msg),
        );
    }
    let refuse = |status: StatusCode, msg: String| {
        login_page(&state, &headers, status, next, &name, Some(msg))
    };
    if let Err(locked) = state.login_throttle.admit(&name, from) {
        // Not audited: the lock was, once, when it began; refusals are a counter.
        metrics().login(match locked.scope {
            LockScope::Account => "locked_account",
            LockScope::Address => "locked_address",
        });
        return refuse(StatusCode::TOO_MANY_REQUESTS, locked_message(locked));
    }
    let user = match state.store.user_by_name(&name).await {
        Ok(u) => u.filter(|u| u.disabled_at.is_none()),
        Err(e) => {
            state.login_throttle.abandoned(&name, from);
            return error_page(e.into(), None);
        }
    };
    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let has_hash = hash.is_some();
    let password = form.password.unwrap_or_default();
    let phc = hash.unwrap_or_else(|| DUMMY_HASH.to_owned());
    let Ok(matches) = state.password_work.verify(password, phc).await else {
        state.login_throttle.abandoned(&name, from);
        metrics().login("busy");
        let mut res = refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "El servicio está ocupado; vuelva a intentarlo en unos segundos.".into(),
        );
        res.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        return res;
    };
    let principal = user
        .filter(|_| matches && has_hash)
        .and_then(|u| Principal::from_user(&u, &state.config.web.reveal_roles));
    let Some(who) = principal else {
        let lock = state.login_throttle.failed(&name, from);
        metrics().login("bad_credentials");
        audit(
            &state,
            &name,
            "user.login_failed",
            json!({ "reason": "credentials" }),
        )
        .await;
        if let Some(lock) = lock {
            let detail = json!({
                "scope": lock.scope.as_str(),
                "minutes": lock.wait.as_secs().div_ceil(60),
            });
            audit(&state, &name, "user.login_locked", detail).await;
        }
        return refuse(StatusCode::UNAUTHORIZED, BAD_CREDENTIALS.to_owned());
    };
    state.login_throttle.succeeded(&name, from);
    metrics().login("ok");
    let now = Utc::now();
    let id = random_token();
    let hours = state.config.web.session_hours.max(1);
    let session = SessionRow {
        id_sha256: digest(&id),
        user_id: who.user_id,
        csrf_token: random_token(),
        created_at: now,
        expires_at: now + chrono::Duration::hours(hours),
    };
    if let Err(e) = state.store.create_session(&session).await {
        return error_page(e.into(), None);
    }
    audit(&state, &who.name, "user.login", json!({})).await;
    (
        AppendHeaders([
            (
                header::SET_COOKIE,
                set_cookie(&state, &headers, SESSION_COOKIE, &id, hours * 3600),
            ),
            (
                header::SET_COOKIE,
                set_cookie(&state, &headers, LOGIN_COOKIE, "", 0),
            ),
        ]),
        Redirect::to(safe_next(next)),
    )
        .into_response()
}

/// What a refused person reads: how long, and whether it is their account or their address.
fn locked_message(locked: Locked) -> String {
    let minutes = locked.wait.as_secs().div_ceil(60).max(1);
    match locked.scope {
        LockScope::Account => format!("Demasiados intentos; espere {minutes} minutos."),
        LockScope::Address => {
            format!("Demasiados intentos desde esta conexión; espere {minutes} minutos.")
        }
    }
}

pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: WebUser,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !csrf_valid(&user, form.csrf.as_deref()) {
        return csrf_refused();
    }
    let now = Utc::now();
    // Expired sessions of everyone go too: logging out is a natural moment to tidy up.
    if let Err(e) = state
        .store
        .delete_session(&digest(&user.session), Some(now))
        .await
    {
        return error_page(e.into(), Some(&user));
    }
    // This process's streams of that session end now, not at their next check.
    state.changes.revoked();
    audit(&state, &user.who.name, "user.logout", json!({})).await;
    (
        AppendHeaders([(
            header::SET_COOKIE,
            set_cookie(&state, &headers, SESSION_COOKIE, "", 0),
        )]),
        Redirect::to("/login"),
    )
        .into_response()
}

/// Where to go after signing in: only a path of this site. `//host` and `/\host` are
/// other sites to a browser; a form target (POST only) goes back to its page instead.
pub fn safe_next(next: Option<&str>) -> &str {
    let Some(n) = next.map(str::trim) else {
        return "/";
    };
    let local = n.starts_with('/')
        && !n.starts_with("//")
        && !n.starts_with("/\\")
        && !n.chars().any(|c| c.is_control() || c == '\\');
    if !local || n.starts_with("/logout") || n.starts_with("/login") {
        return "/";
    }
    n.strip_suffix("/accion")
        .or_else(|| n.strip_suffix("/contacto"))
        .unwrap_or(n)
}

/// Sign-in events in the audit trail; never the password. A failure to write one is logged
/// but does not block the operator.
async fn audit(state: &AppState, name: &str, action: &str, detail: serde_json::Value) {
    let entry = NewAudit {
        at: Utc::now(),
        actor: format!("user:{}", name.chars().take(64).collect::<String>()),
        action: action.into(),
        entity_kind: "user".into(),
        entity_id: name.chars().take(64).collect(),
        detail,
    };
    if let Err(e) = state.store.append_audit(&entry).await {
        tracing::warn!(error = %e, action, "could not audit a sign-in event");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(None), "/");
        assert_eq!(
            safe_next(Some("/cola?region=son-centro")),
            "/cola?region=son-centro"
        );
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/logout")), "/");
        assert_eq!(safe_next(Some("/reportes/SON-1/accion")), "/reportes/SON-1");
    }

    #[test]
    fn dummy_hash_is_a_real_default_argon2id_hash() {
        let parsed = argon2::PasswordHash::new(DUMMY_HASH).unwrap();
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        let default = argon2::Params::default();
        let params = argon2::Params::try_from(&parsed).unwrap();
        assert_eq!(
            (params.m_cost(), params.t_cost()),
            (default.m_cost(), default.t_cost())
        );
        assert!(!crate::queue::password::verify_with(
            &mut Vec::new(),
            b"",
            DUMMY_HASH
        ));
    }
}
