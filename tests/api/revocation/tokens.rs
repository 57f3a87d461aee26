//! Tokens and accounts over the API: disabled, enabled, rotated, expired, and the scheme.

use alerta::queue::auth::{digest, random_token};
use alerta::queue::users::{self, By};
use alerta::store::NewAudit;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::Utc;

use super::{login, me, send, signed_in, try_login, user_audit, user_id_of, PASSWORD};
use crate::helpers::api::call;
use crate::helpers::{backends, TestApp};
use crate::queue_api::users as make_users;

#[tokio::test]
async fn a_disabled_users_token_and_sessions_are_refused_and_enable_restores_the_token() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let u = make_users(&app).await;
        let token = u.token("op_centro").to_owned();
        let first = login(&app, "op_centro").await;
        let second = login(&app, "op_centro").await;
        assert_eq!(me(&app, &token).await.0, StatusCode::OK);

        let (s, body) = call(
            &app,
            "POST",
            "/api/v1/users/op_centro/disable",
            Some(u.token("admin")),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{backend:?}: {body}");
        assert_eq!(body["changed"], true);
        assert_eq!(body["sessions_ended"], 2, "{backend:?}: {body}");
        assert_eq!(body["user"]["disabled"], true);

        let (s, err) = me(&app, &token).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{backend:?}");
        let message = err["error"]["message"].as_str().unwrap();
        assert!(message.contains("deshabilitada"), "{message}");
        assert!(!signed_in(&app, &first).await, "{backend:?}: session 1");
        assert!(!signed_in(&app, &second).await, "{backend:?}: session 2");
        assert!(
            try_login(&app, "op_centro", PASSWORD).await.is_none(),
            "{backend:?}: a disabled account cannot sign in"
        );

        // Twice is not an error, and writes nothing.
        let (s, body) = call(
            &app,
            "POST",
            "/api/v1/users/op_centro/disable",
            Some(u.token("admin")),
            None,
        )
        .await;
        assert_eq!((s, body["changed"].clone()), (StatusCode::OK, false.into()));

        let (s, body) = call(
            &app,
            "POST",
            "/api/v1/users/op_centro/enable",
            Some(u.token("admin")),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(body["user"]["disabled"], false);
        assert_eq!(me(&app, &token).await.0, StatusCode::OK, "{backend:?}");
        assert!(
            !signed_in(&app, &first).await,
            "{backend:?}: enabling does not bring old sessions back"
        );
        assert!(try_login(&app, "op_centro", PASSWORD).await.is_some());

        let audit = user_audit(&app).await;
        let changes: Vec<(&str, &str, &str)> = audit
            .iter()
            .filter(|a| a.action == "user.disabled" || a.action == "user.enabled")
            .map(|a| (a.action.as_str(), a.actor.as_str(), a.entity_id.as_str()))
            .collect();
        assert_eq!(
            changes,
            vec![
                ("user.disabled", "user:admin", "op_centro"),
                ("user.enabled", "user:admin", "op_centro"),
            ],
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn rotating_a_token_invalidates_the_old_one_at_once() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let u = make_users(&app).await;
        let old = u.token("coord_centro").to_owned();
        assert_eq!(me(&app, &old).await.0, StatusCode::OK);

        let (s, body) = call(
            &app,
            "POST",
            "/api/v1/users/coord_centro/token",
            Some(u.token("admin")),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{backend:?}: {body}");
        let new = body["token"].as_str().unwrap().to_owned();
        assert_ne!(new, old);
        assert!(body["user"]["token_expires_at"].is_string());
        assert_eq!(
            me(&app, &old).await.0,
            StatusCode::UNAUTHORIZED,
            "{backend:?}"
        );
        let (s, who) = me(&app, &new).await;
        assert_eq!(
            (s, who["name"].as_str()),
            (StatusCode::OK, Some("coord_centro"))
        );

        // From the command line's side too, audited as such.
        let cli = users::rotate_token(
            app.state.store.as_ref(),
            "coord_centro",
            By::Cli,
            Utc::now(),
        )
        .await
        .unwrap();
        assert_eq!(me(&app, &new).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(me(&app, &cli).await.0, StatusCode::OK);
        let rotations: Vec<String> = user_audit(&app)
            .await
            .into_iter()
            .filter(|a| a.action == "user.token_rotated")
            .map(|a| a.actor)
            .collect();
        assert_eq!(rotations, vec!["user:admin", "system:cli"], "{backend:?}");
    }
}

#[tokio::test]
async fn an_expired_token_is_refused_with_a_clear_message() {
    for backend in backends() {
        let app = TestApp::with(backend, |c| c.web.token_days = 30).await;
        let u = make_users(&app).await;
        let store = app.state.store.as_ref();
        let id = user_id_of(&store.users().await.unwrap(), "op_todas");
        let token = random_token();
        let audit = NewAudit {
            at: Utc::now(),
            actor: "system:test".into(),
            action: "user.token_rotated".into(),
            entity_kind: "user".into(),
            entity_id: "op_todas".into(),
            detail: serde_json::json!({}),
        };
        // Issued 31 days ago: past the 30 configured.
        let issued = Utc::now() - chrono::Duration::days(31);
        store
            .rotate_token(id, &digest(&token), issued, &audit)
            .await
            .unwrap();
        let (s, err) = me(&app, &token).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{backend:?}");
        let message = err["error"]["message"].as_str().unwrap();
        assert!(message.starts_with("el token caducó el "), "{message}");

        let (_, list) = call(&app, "GET", "/api/v1/users", Some(u.token("admin")), None).await;
        let line = list["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "op_todas")
            .unwrap();
        assert_eq!(line["token_expired"], true, "{backend:?}: {line}");

        // A day younger, it still works.
        let fresh = random_token();
        let issued = Utc::now() - chrono::Duration::days(29);
        store
            .rotate_token(id, &digest(&fresh), issued, &audit)
            .await
            .unwrap();
        assert_eq!(me(&app, &fresh).await.0, StatusCode::OK, "{backend:?}");
    }
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let u = make_users(&app).await;
        let token = u.token("op_todas");
        for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
            let req = Request::get("/api/v1/me")
                .header(header::AUTHORIZATION, format!("{scheme} {token}"))
                .body(Body::empty())
                .unwrap();
            let r = send(&app, req).await;
            assert_eq!(r.status, StatusCode::OK, "{backend:?} {scheme}: {}", r.body);
        }
        let req = Request::get("/api/v1/me")
            .header(header::AUTHORIZATION, format!("Basic {token}"))
            .body(Body::empty())
            .unwrap();
        assert_eq!(send(&app, req).await.status, StatusCode::UNAUTHORIZED);
    }
}
