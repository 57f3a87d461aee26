//! Taking access away: disabling and enabling accounts, rotating and expiring API tokens,
//! password changes that end sessions, live streams that end with their session, and the
//! admins-only account API, page and commands. Every test runs on SQLite and, when
//! configured, PostgreSQL. Shared here: signing in through the form and calling the API.

mod admin;
mod sessions;
mod tokens;
mod upgrade;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub(super) use crate::helpers::api::call;
pub(super) use crate::helpers::session::{login, try_login, Session, PASSWORD};
use crate::helpers::TestApp;

pub(super) struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

pub(super) async fn send(app: &TestApp, req: Request<Body>) -> Resp {
    let res = app.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub(super) async fn get(app: &TestApp, cookie: &str, uri: &str) -> Resp {
    let req = Request::get(uri).header(header::COOKIE, cookie);
    send(app, req.body(Body::empty()).unwrap()).await
}

pub(super) async fn post_form(
    app: &TestApp,
    s: &Session,
    uri: &str,
    pairs: &[(&str, &str)],
) -> Resp {
    let req = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &s.cookie)
        .header(header::HOST, "alerta.test")
        .header(header::ORIGIN, "https://alerta.test");
    let body = serde_urlencoded::to_string(pairs).unwrap();
    send(app, req.body(Body::from(body)).unwrap()).await
}

/// True while the session opens the queue (an ended one is sent to the login form).
pub(super) async fn signed_in(app: &TestApp, s: &Session) -> bool {
    let r = get(app, &s.cookie, "/cola").await;
    assert!(
        r.status == StatusCode::OK || r.status == StatusCode::SEE_OTHER,
        "{}",
        r.status
    );
    r.status == StatusCode::OK
}

pub(super) async fn me(app: &TestApp, token: &str) -> (StatusCode, Value) {
    call(app, "GET", "/api/v1/me", Some(token), None).await
}

/// Account audit entries, oldest first.
pub(super) async fn user_audit(app: &TestApp) -> Vec<alerta::store::AuditRow> {
    app.state.store.audit_after("user", 0, 1000).await.unwrap()
}

pub(super) fn user_id_of(list: &[alerta::store::UserAccount], name: &str) -> i64 {
    list.iter().find(|a| a.user.name == name).unwrap().user.id
}
