//! Tests of `client.rs`.

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode, Uri};
use axum::{extract::State, Router};
use serde_json::json;

use super::*;
use SendErrorKind::*;

const TOKEN: &str = "EAAG-test-token";
const DOWN: &str = r#"{"error":{"message":"Service unavailable","type":"OAuthException"}}"#;
const NO_ID: &str = r#"{"messaging_product":"whatsapp","messages":[]}"#;
type Seen = Arc<Mutex<Vec<(String, Option<String>, Value)>>>;

/// Status, body and delay of every answer, and what each request carried.
#[derive(Clone)]
struct Fake(u16, String, Duration, Seen);

async fn graph(
    State(f): State<Fake>,
    uri: Uri,
    h: HeaderMap,
    body: String,
) -> (StatusCode, String) {
    let auth = h
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(Into::into);
    let json = serde_json::from_str(&body).unwrap_or(Value::Null);
    f.3.lock().unwrap().push((uri.path().into(), auth, json));
    tokio::time::sleep(f.2).await;
    (StatusCode::from_u16(f.0).unwrap(), f.1)
}

/// A fake Graph API on loopback, and a client for it with a 500 ms timeout.
async fn fake_graph(status: u16, body: &str, delay: Duration) -> (GraphClient, Seen) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Seen::default();
    let fake = Fake(status, body.to_owned(), delay, seen.clone());
    let app = Router::new().fallback(graph).with_state(fake);
    tokio::spawn(async move { axum::serve(listener, app).await });
    (client(&base, Duration::from_millis(500)), seen)
}

fn client(base: &str, timeout: Duration) -> GraphClient {
    GraphClient::new(base, "v25.0", "1234567890", TOKEN, timeout).unwrap()
}

fn message(wa_id: Option<&str>) -> OutboundMessage {
    let to = json!({"type": "individual", "wa_id": wa_id, "bsuid": null});
    let content = json!({"type": "text", "body": "texto del ciudadano"});
    let message = json!({"to": to, "reply_to": "wamid.IN", "content": content});
    serde_json::from_value(message).unwrap()
}

/// Graph's error envelope; the details name the recipient, as some of Meta's do.
fn graph_error_body(code: i64) -> String {
    let data = json!({"messaging_product": "whatsapp", "details": "+5215512345678 failed"});
    json!({"error": {"message": format!("(#{code}) Failure"), "type": "OAuthException",
        "code": code, "error_data": data, "fbtrace_id": "AbC9xYz"}})
    .to_string()
}

fn class(err: &SendError) -> (SendErrorKind, Option<u16>, Option<i64>) {
    (err.kind, err.http_status, err.code)
}

#[tokio::test]
async fn success_returns_wamid_after_authenticated_post_to_versioned_path() {
    let ok = r#"{"messaging_product":"whatsapp","contacts":[{"input":"+5215512345678",
        "wa_id":"5215512345678"}],"messages":[{"id":"wamid.HBgLMTIz"}]}"#;
    let (client, seen) = fake_graph(200, ok, Duration::ZERO).await;
    let msg = message(Some("5215512345678"));
    let sent = client.send(&msg).await.unwrap();
    assert_eq!(sent.wamid, "wamid.HBgLMTIz");
    assert_eq!(sent.request_body, msg.to_request_body());
    let path = "/v25.0/1234567890/messages".to_owned();
    let expected = (path, Some(format!("Bearer {TOKEN}")), sent.request_body);
    assert_eq!(*seen.lock().unwrap(), vec![expected]);
}

#[tokio::test]
async fn graph_errors_are_classified_without_leaking_recipient_or_text() {
    let coded = |code| (graph_error_body(code), Some(code));
    let raw = |body: &str| (body.to_owned(), None);
    let cases = [
        (500, raw(DOWN), Retryable),
        (429, raw(""), RateLimited),
        (400, coded(131056), RateLimited),
        (400, coded(130429), RateLimited),
        (400, coded(131047), WindowClosed),
        (401, coded(190), TokenExpired),
        (400, coded(131026), Permanent),
        (400, coded(132001), Permanent),
        (502, raw("<html>Bad gateway</html>"), Retryable),
        (400, raw(r#"{"error": {"code": 131"#), Permanent),
        (400, raw(r#"{"error":"nope"}"#), Permanent),
        (200, raw(NO_ID), Retryable),
    ];
    for (status, (body, code), kind) in cases {
        let (client, _) = fake_graph(status, &body, Duration::ZERO).await;
        let err = client.send(&message(Some("5215512345678"))).await;
        let err = err.unwrap_err();
        assert_eq!(class(&err), (kind, Some(status), code), "{body}");
        let shown = err.to_string();
        assert!(!shown.contains("5512345678"), "{shown}");
        assert!(!shown.contains("ciudadano"), "{shown}");
        if let Some(code) = code {
            let meta = format!("(#{code}) Failure; +<redacted> failed; fbtrace_id AbC9xYz");
            assert_eq!(err.message, format!("OAuthException; {meta}"));
        }
    }
}

#[tokio::test]
async fn transport_failures_are_retryable() {
    let (slow, _) = fake_graph(200, "{}", Duration::from_secs(3)).await;
    let err = slow.send(&message(Some("521"))).await.unwrap_err();
    assert_eq!(class(&err), (Retryable, None, None));
    assert!(err.message.starts_with("request timed out"), "{err}");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let refused = client(&closed, Duration::from_secs(5));
    let err = refused.send(&message(Some("521"))).await.unwrap_err();
    assert_eq!(class(&err), (Retryable, None, None));
    assert!(err.message.starts_with("connection failed"), "{err}");
}

#[tokio::test]
async fn recipient_without_address_fails_permanently_without_a_request() {
    let (client, seen) = fake_graph(200, "{}", Duration::ZERO).await;
    let err = client.send(&message(None)).await.unwrap_err();
    assert_eq!(class(&err), (Permanent, None, None));
    assert!(seen.lock().unwrap().is_empty());
}

#[test]
fn classify_error_table() {
    let permanent = [
        131026, 131051, 131008, 131009, 132000, 132001, 132015, 132016,
    ];
    let also_permanent = [131030, 131031, 368, 131048, 131049, 131050, 10, 100];
    let by_code: [(SendErrorKind, &[i64]); 6] = [
        (Retryable, &[131000, 131016, 80007, 4, 1, 2, 131057]),
        (RateLimited, &[130429, 131056, 131208]),
        (WindowClosed, &[131047]),
        (TokenExpired, &[190]),
        (Permanent, &permanent),
        (Permanent, &also_permanent),
    ];
    for (kind, codes) in by_code {
        for (&code, status) in codes
            .iter()
            .flat_map(|c| [None, Some(400), Some(401)].map(|s| (c, s)))
        {
            assert_eq!(
                classify_error(status, Some(code)),
                kind,
                "{status:?} {code}"
            );
        }
    }
    let by_status = [
        (None, None, Retryable),
        (Some(500), None, Retryable),
        (Some(503), Some(999_999), Retryable),
        (Some(429), None, RateLimited),
        (Some(429), Some(999_999), RateLimited),
        (Some(401), None, TokenExpired),
        (Some(400), None, Permanent),
        (Some(404), Some(999_999), Permanent),
    ];
    for (status, code, kind) in by_status {
        assert_eq!(classify_error(status, code), kind, "{status:?} {code:?}");
    }
}

#[test]
fn debug_hides_the_token_and_bad_tokens_fail_at_construction() {
    let base = "https://graph.facebook.com";
    let shown = format!("{:?}", client(base, Duration::from_secs(1)));
    assert!(!shown.contains(TOKEN) && shown.contains("***"), "{shown}");
    let bad = GraphClient::new(base, "v25.0", "1", "secret\nvalue", Duration::ZERO);
    assert!(!format!("{:?}", bad.unwrap_err()).contains("secret"));
}
