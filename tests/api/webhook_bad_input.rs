//! Bad input gets a clear answer and loses nothing: 401 stores nothing, a signed body that
//! does not parse is stored raw and answered 200, an outage answers 503.

use alerta::whatsapp::signature::sign;
use axum::http::StatusCode;

use crate::helpers::{backends, fixture, Backend, TestApp, SECRET, VERIFY_TOKEN};

#[tokio::test]
async fn signature_failures_answer_401_and_store_nothing() {
    let app = TestApp::new(Backend::Sqlite).await;
    let body = fixture("text_registered_phone.json");
    let wrong_secret = sign(b"not-the-secret", &body);
    let other_body = sign(SECRET.as_bytes(), b"{}");
    let cases: [(&str, Option<&str>); 6] = [
        ("missing header", None),
        ("empty header", Some("")),
        ("not sha256", Some("sha1=0123456789abcdef")),
        ("not hex", Some("sha256=zzzz")),
        ("wrong secret", Some(&wrong_secret)),
        ("signature of another body", Some(&other_body)),
    ];
    for (what, header) in cases {
        let (status, text) = app.post_webhook(&body, header).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["error"]["code"], "unauthorized", "{what}");
    }
    assert_eq!(app.counts().await.deliveries, 0);
}

#[tokio::test]
async fn an_empty_body_needs_a_signature_and_is_flagged_when_signed() {
    let app = TestApp::new(Backend::Sqlite).await;
    let (status, _) = app.post_webhook(b"", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.counts().await.deliveries, 0);
    let (status, _) = app.post_signed(b"").await;
    assert_eq!(status, StatusCode::OK);
    let counts = app.counts().await;
    assert_eq!((counts.deliveries, counts.flagged_deliveries), (1, 1));
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_and_not_stored() {
    let app = TestApp::new(Backend::Sqlite).await;
    let big = vec![b' '; 3 * 1024 * 1024 + 1];
    let (status, text) = app.post_signed(&big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{text}");
    assert!(text.contains("payload_too_large"));
    assert_eq!(app.counts().await.deliveries, 0);
    // Exactly at the limit is still accepted (and flagged, since it is not JSON).
    let (status, _) = app.post_signed(&big[1..]).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn malformed_and_unknown_bodies_are_stored_raw_and_answered_200() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        for (name, outcome) in [
            ("invalid_json.txt", "invalid_json"),
            ("not_whatsapp.json", "unknown_shape"),
        ] {
            let body = fixture(name);
            let (status, text) = app.post_signed(&body).await;
            assert_eq!(status, StatusCode::OK, "{name}");
            let id = serde_json::from_str::<serde_json::Value>(&text).unwrap()["delivery_id"]
                .as_i64()
                .unwrap();
            let row = app.state.store.delivery(id).await.unwrap().unwrap();
            assert_eq!(row.body, body, "{name}: raw bytes kept exactly");
            assert_eq!(row.outcome, outcome);
            assert!(row.detail.is_some());
        }
        assert_eq!(app.counts().await.messages, 0);
    }
}

#[tokio::test]
async fn a_nul_character_in_a_message_is_stored_on_both_backends() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        // PostgreSQL text cannot hold NUL: without the replacement this delivery would be
        // refused on every retry.
        let body = crate::helpers::text_webhook(
            "wamid.NUL",
            Some(crate::helpers::JOSE),
            None,
            None,
            "roban \u{0} en la esquina",
        );
        assert!(body.windows(6).any(|w| w == b"\\u0000"));
        let (status, text) = app.post_signed(&body).await;
        assert_eq!(status, StatusCode::OK, "{backend:?}: {text}");
        let stored = app.message("wamid.NUL").await;
        assert_eq!(stored.body.as_deref(), Some("roban \u{FFFD} en la esquina"));
        let id = serde_json::from_str::<serde_json::Value>(&text).unwrap()["delivery_id"]
            .as_i64()
            .unwrap();
        let row = app.state.store.delivery(id).await.unwrap().unwrap();
        assert_eq!(row.body, body, "the raw body keeps the original escape");
    }
}

#[tokio::test]
async fn the_handshake_echoes_the_challenge_only_for_the_right_token() {
    let app = TestApp::new(Backend::Sqlite).await;
    let ok = format!(
        "/webhook?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token={VERIFY_TOKEN}"
    );
    let (status, body) = app.get(&ok).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "1158201444"));

    for bad in [
        "/webhook?hub.mode=subscribe&hub.challenge=1&hub.verify_token=wrong",
        "/webhook?hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=test-verify-token",
        "/webhook?hub.mode=subscribe&hub.verify_token=test-verify-token",
        "/webhook?hub.mode=subscribe&hub.challenge=1",
        "/webhook",
    ] {
        let (status, _) = app.get(bad).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{bad}");
    }
}

#[tokio::test]
async fn without_a_verify_token_no_handshake_succeeds() {
    let app = TestApp::with(Backend::Sqlite, |c| c.whatsapp.verify_token = None).await;
    let (status, _) = app
        .get("/webhook?hub.mode=subscribe&hub.challenge=1&hub.verify_token=")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_unavailable_database_answers_503_so_meta_retries() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let (status, _) = app.get("/readyz").await;
        assert_eq!(status, StatusCode::OK);
        app.state.store.close().await;
        let (status, text) = app
            .post_signed(&fixture("text_registered_phone.json"))
            .await;
        assert_eq!(
            status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{backend:?}: {text}"
        );
        assert!(text.contains("unavailable"));
        let (status, _) = app.get("/readyz").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{backend:?}");
        let (status, _) = app.get("/healthz").await;
        assert_eq!(
            status,
            StatusCode::OK,
            "liveness does not depend on the database"
        );
    }
}

#[tokio::test]
async fn metrics_count_webhooks_reports_and_the_outbox() {
    let app = TestApp::new(Backend::Sqlite).await;
    app.post_webhook(b"{}", None).await;
    let body = crate::helpers::text_webhook(
        "w.metrics",
        Some("5216621000301"),
        None,
        None,
        "pueden mandar rondines por la escuela en la salida xfa",
    );
    app.post_signed(&body).await;
    let (status, text) = app.metrics().await;
    assert_eq!(status, StatusCode::OK);
    for needle in [
        "alerta_webhooks_total{outcome=\"unauthorized\"}",
        "alerta_webhooks_total{outcome=\"stored\"}",
        "alerta_ingest_seconds_count",
        "alerta_reports{category=\"patrol\",status=\"open\"} 1",
        "alerta_outbox_depth{state=\"pending\"}",
        "alerta_database_up 1",
    ] {
        assert!(text.contains(needle), "missing {needle} in\n{text}");
    }
    let (_, ready) = app.get("/readyz").await;
    assert!(ready.contains("\"sending\":\"dry_run\""), "{ready}");
}
