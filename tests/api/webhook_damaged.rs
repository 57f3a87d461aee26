//! A damaged string in one message (a lone surrogate escape, a byte that is not UTF-8)
//! costs nothing else of its delivery, and a flood of forged signatures is counted, not
//! written to the log line by line.

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;

use crate::helpers::{backends, Backend, TestApp, MARIA};

/// Three text messages from María; `second` is spliced in raw as the second one's body.
fn three_messages(second: &[u8]) -> Vec<u8> {
    let ts = chrono::Utc::now().timestamp();
    let message = |id: &str, body: &[u8]| {
        let mut m = format!(
            r#"{{"from":"{}","id":"{id}","timestamp":"{ts}","type":"text","text":{{"body":""#,
            MARIA.0
        )
        .into_bytes();
        m.extend_from_slice(body);
        m.extend_from_slice(br#""}}"#);
        m
    };
    let mut body = br#"{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"526621234567","phone_number_id":"106540352242922"},"messages":["#.to_vec();
    body.extend(message(
        "wamid.damaged.1",
        "Hay un choque con heridos en el bulevar Kino, manden ambulancia".as_bytes(),
    ));
    body.push(b',');
    body.extend(message("wamid.damaged.2", second));
    body.push(b',');
    body.extend(message(
        "wamid.damaged.3",
        "Solicitamos una plática de prevención del delito para la escuela".as_bytes(),
    ));
    body.extend_from_slice(b"]}}]}]}");
    body
}

async fn the_neighbours_survive(second: &[u8]) {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let body = three_messages(second);
        assert!(
            serde_json::from_slice::<serde_json::Value>(&body).is_err(),
            "the fixture must be one serde_json refuses whole"
        );
        let (status, text) = app.post_signed(&body).await;
        assert_eq!(status, StatusCode::OK, "{backend:?}: {text}");
        for wamid in ["wamid.damaged.1", "wamid.damaged.3"] {
            let row = app.message(wamid).await;
            assert!(row.category.is_some(), "{backend:?}: {wamid} classified");
        }
        assert_eq!(
            app.message("wamid.damaged.1").await.category.as_deref(),
            Some("emergency_911"),
            "{backend:?}"
        );
        let damaged = app.message("wamid.damaged.2").await;
        assert!(
            damaged
                .body
                .as_deref()
                .is_some_and(|b| b.contains('\u{FFFD}')),
            "{backend:?}: {:?}",
            damaged.body
        );
        let delivery = app
            .state
            .store
            .delivery(damaged.delivery_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(delivery.outcome, "parsed", "{backend:?}");
        assert!(
            delivery
                .detail
                .as_deref()
                .is_some_and(|d| d.contains("repaired: 1")),
            "{backend:?}: {:?}",
            delivery.detail
        );
        assert_eq!(delivery.body, body, "the raw body is kept byte for byte");
        assert_eq!(app.counts().await.flagged_deliveries, 0, "{backend:?}");
    }
}

#[tokio::test]
async fn a_lone_surrogate_in_the_second_message_keeps_the_first_and_the_third() {
    the_neighbours_survive(br"se cort\ud83d el emoji").await;
}

#[tokio::test]
async fn an_invalid_byte_in_the_second_message_keeps_the_first_and_the_third() {
    the_neighbours_survive(b"caf\xe9 de la esquina").await;
}

/// Collects what the handler logs on this thread.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn unauthorized_count(metrics: &str) -> u64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix("alerta_webhooks_total{outcome=\"unauthorized\"} "))
        .map_or(0, |n| n.parse().unwrap())
}

#[tokio::test]
async fn forged_signatures_are_counted_each_and_logged_once_per_interval() {
    let app = TestApp::new(Backend::Sqlite).await;
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let (_, before) = app.metrics().await;
    for i in 0..50 {
        let body = format!("{{\"forged\":{i}}}");
        let (status, _) = app.post_webhook(body.as_bytes(), Some("sha256=00")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (_, after) = app.metrics().await;
    // Other tests of this binary may refuse signatures at the same time: at least ours.
    assert!(unauthorized_count(&after) - unauthorized_count(&before) >= 50);
    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let lines = text.matches("webhook signature").count();
    assert!(lines <= 1, "{lines} lines for 50 refusals:\n{text}");
}
