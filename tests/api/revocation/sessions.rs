//! Sessions that end: a new password ends them, and an open event stream ends with its
//! session or token (logout here, a change by another process, or found out at an event).

use std::sync::Arc;
use std::time::Duration;

use alerta::queue::auth::{digest, random_token};
use alerta::queue::users::{self, By};
use alerta::store::SessionRow;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::Utc;
use http_body_util::BodyExt;
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use super::{login, post_form, send, signed_in, try_login, user_audit, Session, PASSWORD};
use crate::helpers::{backends, text_webhook, TestApp, MARIA};
use crate::queue_api::users as make_users;

#[tokio::test]
async fn a_password_change_ends_every_session_of_that_user() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        make_users(&app).await;
        let a = login(&app, "op_todas").await;
        let b = login(&app, "op_todas").await;
        let other = login(&app, "op_centro").await;
        let ended = users::set_password(
            app.state.store.as_ref(),
            "op_todas",
            "otra-contraseña-larga",
            By::Cli,
        )
        .await
        .unwrap();
        assert_eq!(ended, 2, "{backend:?}");
        assert!(!signed_in(&app, &a).await && !signed_in(&app, &b).await);
        assert!(signed_in(&app, &other).await, "other users keep theirs");
        assert!(try_login(&app, "op_todas", PASSWORD).await.is_none());
        assert!(try_login(&app, "op_todas", "otra-contraseña-larga")
            .await
            .is_some());
        let entry = user_audit(&app)
            .await
            .into_iter()
            .find(|e| e.action == "user.password_changed")
            .expect("audited");
        assert_eq!(
            (entry.actor.as_str(), entry.entity_id.as_str()),
            ("system:cli", "op_todas")
        );
        let detail: Value = serde_json::from_str(entry.detail.as_deref().unwrap()).unwrap();
        assert_eq!(detail["sessions_ended"], 2, "{detail}");
    }
}

/// Reads the stream until it ends; its text, or `None` if it is still open at `within`.
async fn read_to_end(body: &mut Body, within: Duration) -> Option<String> {
    let mut text = String::new();
    let done = tokio::time::timeout(within, async {
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame.unwrap().into_data() {
                text.push_str(&String::from_utf8_lossy(&data));
            }
        }
    })
    .await;
    done.ok().map(|_| text)
}

async fn open_stream(app: &TestApp, req: Request<Body>) -> Body {
    let res = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    res.into_body()
}

fn web_stream(s: &Session) -> Request<Body> {
    Request::get("/cola/eventos")
        .header(header::COOKIE, &s.cookie)
        .body(Body::empty())
        .unwrap()
}

fn api_stream(token: &str, scheme: &str) -> Request<Body> {
    Request::get("/api/v1/events")
        .header(header::AUTHORIZATION, format!("{scheme} {token}"))
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn a_live_stream_ends_when_its_session_ends() {
    for backend in backends() {
        // A long periodic check: what ends these streams is the logout itself.
        let app = TestApp::with(backend, |c| c.web.stream_recheck_secs = 60).await;
        make_users(&app).await;
        let s = login(&app, "op_todas").await;
        let mut stream = open_stream(&app, web_stream(&s)).await;
        assert!(
            read_to_end(&mut stream, Duration::from_millis(300))
                .await
                .is_none(),
            "{backend:?}: open while the session is"
        );
        let out = post_form(&app, &s, "/logout", &[("csrf", &s.csrf)]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert!(
            read_to_end(&mut stream, Duration::from_secs(2))
                .await
                .is_some(),
            "{backend:?}: the stream outlived its logout"
        );
        // And reconnecting is refused.
        let again = send(&app, web_stream(&s)).await;
        assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn streams_end_when_their_session_expires_or_another_process_revokes_it() {
    for backend in backends() {
        let app = TestApp::with(backend, |c| c.web.stream_recheck_secs = 1).await;
        let u = make_users(&app).await;
        let store = app.state.store.as_ref();
        let s = login(&app, "op_centro").await;
        let renamed = login(&app, "op_todas").await;
        // A session that runs out two seconds from now.
        let short = random_token();
        let now = Utc::now();
        let coord = store.user_by_name("coord_yaqui").await.unwrap().unwrap();
        store
            .create_session(&SessionRow {
                id_sha256: digest(&short),
                user_id: coord.id,
                csrf_token: random_token(),
                created_at: now,
                expires_at: now + chrono::Duration::seconds(2),
            })
            .await
            .unwrap();
        let expiring = Session {
            cookie: format!("alerta_sesion={short}"),
            csrf: String::new(),
        };
        let mut streams = vec![
            ("disabled web", open_stream(&app, web_stream(&s)).await),
            (
                "disabled api",
                open_stream(&app, api_stream(u.token("op_centro"), "Bearer")).await,
            ),
            (
                "rotated",
                open_stream(&app, api_stream(u.token("coord_centro"), "bearer")).await,
            ),
            (
                "new password",
                open_stream(&app, web_stream(&renamed)).await,
            ),
            ("expired", open_stream(&app, web_stream(&expiring)).await),
        ];
        // Straight through the store, as `alerta users …` in another process would: no
        // signal reaches this process, only the periodic check.
        users::disable(store, "op_centro", By::Cli, Utc::now())
            .await
            .unwrap();
        users::rotate_token(store, "coord_centro", By::Cli, Utc::now())
            .await
            .unwrap();
        users::set_password(store, "op_todas", "otra-contraseña-larga", By::Cli)
            .await
            .unwrap();
        for (what, body) in &mut streams {
            assert!(
                read_to_end(body, Duration::from_secs(5)).await.is_some(),
                "{backend:?}: the {what} stream is still open"
            );
        }
    }
}

#[tokio::test]
async fn a_stream_checks_its_session_before_sending_an_event() {
    for backend in backends() {
        let app = TestApp::with(backend, |c| c.web.stream_recheck_secs = 60).await;
        make_users(&app).await;
        let shutdown = CancellationToken::new();
        let feed = app.state.changes.clone();
        tokio::spawn(feed.clone().run(
            Arc::clone(&app.state.store),
            Duration::from_millis(50),
            shutdown.clone(),
        ));
        let kept = login(&app, "op_todas").await;
        let ended = login(&app, "op_todas").await;
        let mut kept_stream = open_stream(&app, web_stream(&kept)).await;
        let mut ended_stream = open_stream(&app, web_stream(&ended)).await;
        // Ended behind the streams' back (no signal), and only the event can reveal it.
        app.state
            .store
            .delete_session(&digest(ended.cookie.split('=').nth(1).unwrap()), None)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let body = text_webhook(
            "wamid.REVOKE1",
            Some(MARIA.0),
            None,
            None,
            "solicitamos rondines de patrulla en la colonia por las noches",
        );
        assert_eq!(app.post_signed(&body).await.0, StatusCode::OK);
        feed.poke();
        let text = read_to_end(&mut ended_stream, Duration::from_secs(3))
            .await
            .expect("the stream ended at the event");
        assert!(!text.contains("event: report"), "{backend:?}: {text}");
        // The same event did reach the stream whose session holds.
        let mut seen = String::new();
        let _ = tokio::time::timeout(Duration::from_secs(3), async {
            while let Some(frame) = kept_stream.frame().await {
                if let Ok(data) = frame.unwrap().into_data() {
                    seen.push_str(&String::from_utf8_lossy(&data));
                    if seen.contains("event: report") {
                        break;
                    }
                }
            }
        })
        .await;
        assert!(seen.contains("event: report"), "{backend:?}: {seen:?}");
        shutdown.cancel();
    }
}
