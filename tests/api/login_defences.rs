//! Login floods and lock-outs as weapons (issue 15): the throttle counts by the real client
//! address, spraying names from one address stops, a stranger's guessing never locks the
//! right password out of a desk that has not failed, locks are audited once, and password
//! checks beyond the budget are refused at once.

use std::net::SocketAddr;

use alerta::store::AuditRow;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request, StatusCode};

use crate::helpers::{backends, Backend, TestApp};
use crate::web::{add_user, form, login_form, send, Resp, PASSWORD};

/// A login POST from `peer`, through a proxy that added `forwarded` when given.
async fn login_from(
    app: &TestApp,
    name: &str,
    password: &str,
    peer: &str,
    forwarded: Option<&str>,
) -> Resp {
    let (cookie, token) = login_form(app).await;
    let mut req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie);
    if let Some(f) = forwarded {
        req = req.header("x-forwarded-for", f);
    }
    let body = form(&[("name", name), ("password", password), ("csrf", &token)]);
    let mut req = req.body(Body::from(body)).unwrap();
    let peer: SocketAddr = format!("{peer}:40000").parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(peer));
    send(app, req).await
}

async fn trail(app: &TestApp, name: &str) -> Vec<AuditRow> {
    app.state.store.audit_trail("user", name).await.unwrap()
}

fn count(rows: &[AuditRow], action: &str) -> usize {
    rows.iter().filter(|a| a.action == action).count()
}

#[tokio::test]
async fn spraying_names_from_one_address_stops_and_other_desks_still_sign_in() {
    for backend in backends() {
        let app = TestApp::with(backend, |c| c.web.login_attempts_per_address = 6).await;
        add_user(&app, "ana", "operator", &[]).await;
        for i in 0..6 {
            let r = login_from(
                &app,
                &format!("nombre{i}"),
                "adivinanza-1",
                "203.0.113.7",
                None,
            )
            .await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{backend:?} {i}");
        }
        // Even the right password is refused from the sprayer's address: it is locked out.
        let r = login_from(&app, "ana", PASSWORD, "203.0.113.7", None).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{backend:?}");
        assert!(r.body.contains("desde esta conexión"), "{}", r.body);
        let r = login_from(&app, "ana", PASSWORD, "198.51.100.20", None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "another desk: {}", r.body);
        let mut locks = 0;
        for i in 0..6 {
            locks += count(
                &trail(&app, &format!("nombre{i}")).await,
                "user.login_locked",
            );
        }
        assert_eq!(locks, 1, "the lock is audited once: {backend:?}");
    }
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_count() {
    for backend in backends() {
        let app = TestApp::with(backend, |c| {
            c.web.login_attempts = 3;
            c.web.trusted_proxies = vec!["10.0.0.0/8".into()];
        })
        .await;
        add_user(&app, "ana", "operator", &[]).await;
        let proxy = "10.0.0.2";
        for _ in 0..3 {
            let r = login_from(&app, "ana", "equivocada-1", proxy, Some("203.0.113.9")).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        }
        let stranger = login_from(&app, "ana", PASSWORD, proxy, Some("203.0.113.9")).await;
        assert_eq!(
            stranger.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{backend:?}"
        );
        let desk = login_from(&app, "ana", PASSWORD, proxy, Some("192.168.5.20")).await;
        assert_eq!(
            desk.status,
            StatusCode::SEE_OTHER,
            "{backend:?}: {}",
            desk.body
        );
        // A client that names an address itself, without going through the proxy, is not
        // believed: it is counted as itself.
        for _ in 0..3 {
            login_from(
                &app,
                "ana",
                "equivocada-2",
                "198.51.100.4",
                Some("192.168.5.20"),
            )
            .await;
        }
        let desk = login_from(&app, "ana", PASSWORD, proxy, Some("192.168.5.20")).await;
        assert_eq!(
            desk.status,
            StatusCode::SEE_OTHER,
            "{backend:?}: {}",
            desk.body
        );
    }
}

#[tokio::test]
async fn refusals_while_locked_are_not_audited_one_by_one() {
    for backend in backends() {
        let app = TestApp::with(backend, |c| c.web.login_attempts = 2).await;
        add_user(&app, "ana", "operator", &[]).await;
        for _ in 0..2 {
            login_from(&app, "ana", "equivocada-1", "203.0.113.5", None).await;
        }
        for _ in 0..40 {
            let r = login_from(&app, "ana", "equivocada-1", "203.0.113.5", None).await;
            assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        }
        let rows = trail(&app, "ana").await;
        assert_eq!(count(&rows, "user.login_failed"), 2, "{backend:?}");
        assert_eq!(count(&rows, "user.login_locked"), 1, "{backend:?}");
        assert_eq!(rows.len(), 4, "created, two failures, one lock: {rows:?}");
    }
}

#[tokio::test]
async fn a_full_hashing_budget_answers_503_at_once_and_costs_no_attempt() {
    let app = TestApp::with(Backend::Sqlite, |c| {
        c.web.password_workers = 1;
        c.web.password_queue = 0;
        c.web.login_attempts = 1;
    })
    .await;
    add_user(&app, "ana", "operator", &[]).await;
    let held = app.state.password_work.admit().expect("the only place");
    let r = login_from(&app, "ana", PASSWORD, "203.0.113.5", None).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers.get(header::RETRY_AFTER).unwrap(), "5");
    assert!(r.body.contains("ocupado"), "{}", r.body);
    drop(held);
    let r = login_from(&app, "ana", PASSWORD, "203.0.113.5", None).await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "the refused attempt was not counted against a limit of one: {}",
        r.body
    );
}
