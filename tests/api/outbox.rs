//! Replies, coordinator notices and the sender against a fake Graph API.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use alerta::config::Secret;
use alerta::store::OutboxRow;
use alerta::vocab::Clock;
use chrono::Utc;
use serde_json::Value;

use crate::fake_graph::{text_of, Answer, FakeGraph};
use crate::helpers::outbox::drain;
use crate::helpers::{text_webhook, Backend, TestApp, JOSE, LAURA, MARIA, STRANGER};

pub(crate) async fn graph_app(fake: &FakeGraph) -> TestApp {
    graph_app_on(fake, Backend::Sqlite).await
}

/// An app on `backend` that sends through `fake`.
pub(crate) async fn graph_app_on(fake: &FakeGraph, backend: Backend) -> TestApp {
    let base = fake.base_url.clone();
    TestApp::with(backend, move |c| {
        c.whatsapp.access_token = Some(Secret::new("test-token"));
        c.whatsapp.phone_number_id = Some("106540352242922".into());
        c.whatsapp.api_base = base;
        c.whatsapp.send_timeout = Duration::from_millis(400);
        c.sender.backoff_base = Duration::from_secs(1);
    })
    .await
}

pub(crate) async fn post_text(app: &TestApp, wamid: &str, from: &str, text: &str) {
    let (status, body) = app
        .post_signed(&text_webhook(wamid, Some(from), None, None, text))
        .await;
    assert_eq!(status.as_u16(), 200, "{body}");
}

pub(crate) fn rows_for<'a>(rows: &'a [OutboxRow], purpose: &str) -> Vec<&'a OutboxRow> {
    rows.iter().filter(|r| r.purpose == purpose).collect()
}

pub(crate) fn payload(row: &OutboxRow) -> Value {
    serde_json::from_str(row.payload.as_deref().expect("payload recorded")).unwrap()
}

#[tokio::test]
async fn each_category_gets_its_reply_to_the_right_recipient_in_dry_run() {
    let app = TestApp::new(Backend::Sqlite).await;
    let cases = [
        (
            "w.em",
            MARIA.0,
            "auxilio se estan metiendo a robar a la casa de enfrente ahorita",
            "emergency_911",
        ),
        (
            "w.tip",
            JOSE,
            "en la casa de la esquina venden droga, es un punto de venta todos los dias",
            "tip_089",
        ),
        (
            "w.pat",
            LAURA,
            "pueden mandar rondines en la noche por la calle de la escuela xfa",
            "patrol",
        ),
        (
            "w.other",
            STRANGER,
            "buenos dias, bendiciones a todos",
            "other",
        ),
    ];
    for (wamid, from, text, expected) in cases {
        post_text(&app, wamid, from, text).await;
        assert_eq!(
            app.message(wamid).await.category.as_deref(),
            Some(expected),
            "{text}"
        );
    }
    let workshop =
        "buen dia, solicitamos una platica de prevencion de adicciones para los alumnos de 2o";
    post_text(&app, "w.ws", "5216311000401", workshop).await;
    assert_eq!(
        app.message("w.ws").await.category.as_deref(),
        Some("workshop")
    );
    post_text(
        &app,
        "w.other2",
        "5216441000202",
        "buenos dias vecinos, que tengan bonito dia",
    )
    .await;

    let clock = Clock::manual(Utc::now());
    let sender = app.state.sender(clock.clone()).unwrap();
    drain(&app, &sender, &clock).await;
    let rows = app.state.store.outbox().await.unwrap();
    assert!(
        rows.iter()
            .all(|r| r.state == "dry_run" || r.state == "merged"),
        "no token: everything is dry-run (privacy notices ride along with a reply)"
    );

    let reports = app.state.store.reports().await.unwrap();
    assert_eq!(
        reports.len(),
        4,
        "emergency, tip, patrol and workshop open reports"
    );
    let year = chrono::Datelike::year(&Utc::now());
    for (i, r) in reports.iter().enumerate() {
        assert_eq!(
            r.folio,
            format!("SON-{year}-{:06}", i + 1),
            "gap-free folios"
        );
    }

    let em = rows_for(&rows, "reply_emergency");
    assert_eq!(em.len(), 1);
    let p = payload(em[0]);
    assert!(text_of(&p).contains("9-1-1") && text_of(&p).contains(&reports[0].folio));
    assert_eq!(p["context"]["message_id"], "w.em", "quotes the report");
    assert_eq!(
        em[0].recipient_key,
        format!("wa:{}", MARIA.0),
        "1:1, by the wa_id Meta gave"
    );
    assert_eq!(em[0].priority, 0);

    let tip = payload(rows_for(&rows, "reply_tip")[0]);
    assert!(text_of(&tip).contains("089"));
    let acks = rows_for(&rows, "reply_ack");
    assert_eq!(
        acks.len(),
        2,
        "patrol and workshop are acknowledged with a folio"
    );
    assert!(text_of(&payload(acks[0])).contains(&reports[2].folio));
    assert_eq!(acks[0].recipient_key, format!("wa:{LAURA}"));

    let unregistered = rows_for(&rows, "reply_unregistered");
    assert_eq!(unregistered.len(), 1);
    assert!(text_of(&payload(unregistered[0])).contains("registrar"));
    // A stranger's plain reply offers joining in one tap.
    assert_eq!(
        payload(unregistered[0])
            .pointer("/interactive/action/buttons/0/reply/id")
            .and_then(serde_json::Value::as_str),
        Some(alerta::vocab::JOIN_BUTTON)
    );
    let other_id = app.message("w.other2").await.id;
    assert!(
        rows.iter()
            .all(|r| r.message_id != Some(other_id) || r.purpose == "privacy_notice"),
        "no reply to `other` (only the first-contact privacy notice)"
    );

    let notices = rows_for(&rows, "coordinator_notice");
    assert!(
        notices.len() >= 4,
        "every report reaches at least one coordinator"
    );
    for n in &notices {
        let body = n.payload.as_deref().unwrap();
        for phone in ["6621000101", "6621000102", "6621000301", "6311000401"] {
            assert!(
                !body.contains(phone),
                "a coordinator notice never carries the reporter's phone"
            );
        }
    }
}

#[tokio::test]
async fn the_emergency_reply_is_the_first_thing_sent() {
    let fake = FakeGraph::start().await;
    let app = graph_app(&fake).await;
    post_text(
        &app,
        "w.em",
        MARIA.0,
        "estan balaceando la casa de enfrente ahorita, auxilio",
    )
    .await;
    let clock = Clock::manual(Utc::now());
    drain(&app, &app.state.sender(clock.clone()).unwrap(), &clock).await;
    let requests = fake.requests();
    assert!(requests.len() >= 2);
    assert!(
        text_of(&requests[0]).contains("9-1-1"),
        "first: {}",
        requests[0]
    );
    assert!(fake.tokens().iter().all(|t| t == "Bearer test-token"));
}

/// A deterministic stand-in for randomness: the same failures on every run.
fn lcg(n: usize) -> f64 {
    let x = (n as u64)
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    ((x >> 33) % 1000) as f64 / 1000.0
}

fn folios_in(text: &str) -> Vec<String> {
    alerta::vocab::find_folios(text)
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[tokio::test]
async fn with_30_percent_failures_everything_is_sent_once_and_in_order() {
    let fake = FakeGraph::start().await;
    let slow: std::sync::Arc<std::sync::Mutex<HashSet<String>>> = Default::default();
    let slow_seen = slow.clone();
    fake.script(move |n, body| {
        let r = lcg(n);
        if r < 0.1 {
            Answer::Error(500, 131000)
        } else if r < 0.2 {
            Answer::Error(429, 130429)
        } else if r < 0.3 {
            slow_seen.lock().unwrap().insert(format!(
                "{}|{}|{}",
                body["to"],
                text_of(body),
                body["template"]["components"]
            ));
            Answer::Slow
        } else {
            Answer::Ok
        }
    });
    let app = graph_app(&fake).await;
    let senders = [LAURA, JOSE, MARIA.0];
    for i in 0..12 {
        let text = format!(
            "pueden mandar rondines en la noche por la calle {} xfa",
            i + 1
        );
        post_text(&app, &format!("w.flaky.{i}"), senders[i % 3], &text).await;
    }
    let clock = Clock::manual(Utc::now());
    drain(&app, &app.state.sender(clock.clone()).unwrap(), &clock).await;

    let rows = app.state.store.outbox().await.unwrap();
    assert!(
        rows.iter()
            .all(|r| r.state == "sent" || r.state == "merged"),
        "{rows:#?}"
    );
    let slow = slow.lock().unwrap().clone();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut per_recipient: HashMap<String, Vec<String>> = HashMap::new();
    for body in fake.accepted() {
        let key = format!(
            "{}|{}|{}",
            body["to"],
            text_of(&body),
            body["template"]["components"]
        );
        *seen.entry(key.clone()).or_default() += 1;
        per_recipient
            .entry(body["to"].to_string())
            .or_default()
            .extend(folios_in(&text_of(&body)));
        let _ = key;
    }
    for (key, count) in &seen {
        assert!(
            *count == 1 || slow.contains(key),
            "sent {count} times after clean errors: {key}"
        );
    }
    for (to, folios) in per_recipient {
        let mut sorted = folios.clone();
        sorted.sort();
        assert_eq!(folios, sorted, "order kept for {to}");
    }
    let reports = app.state.store.reports().await.unwrap();
    assert_eq!(reports.len(), 12);
}

#[tokio::test]
async fn a_worker_that_died_mid_send_is_replaced_when_its_lease_expires() {
    let fake = FakeGraph::start().await;
    let app = graph_app(&fake).await;
    post_text(
        &app,
        "w.lease",
        LAURA,
        "pueden mandar rondines por la calle de la escuela xfa",
    )
    .await;
    let now = Utc::now();
    let claimed = app
        .state
        .store
        .claim_outbox(
            now,
            now + chrono::Duration::seconds(60),
            "crashed-worker",
            100,
        )
        .await
        .unwrap();
    assert!(!claimed.is_empty());
    let clock = Clock::manual(now);
    let sender = app.state.sender(clock.clone()).unwrap();
    assert_eq!(sender.tick().await.unwrap(), 0, "the lease still holds");
    assert!(fake.requests().is_empty());
    clock.advance(chrono::Duration::seconds(61));
    drain(&app, &sender, &clock).await;
    let rows = app.state.store.outbox().await.unwrap();
    assert!(rows
        .iter()
        .all(|r| r.state == "sent" || r.state == "merged"));
    assert_eq!(
        fake.accepted().len(),
        rows.iter().filter(|r| r.state == "sent").count(),
        "each row sent exactly once"
    );
}

#[tokio::test]
async fn an_expired_token_pauses_sending_until_a_new_one_arrives() {
    let fake = FakeGraph::start().await;
    fake.script(|_, _| Answer::Error(401, 190));
    let app = graph_app(&fake).await;
    post_text(
        &app,
        "w.tok",
        LAURA,
        "pueden mandar rondines por la calle de la escuela xfa",
    )
    .await;
    let clock = Clock::manual(Utc::now());
    let sender = app.state.sender(clock.clone()).unwrap();
    sender.tick().await.unwrap();
    assert_eq!(fake.requests().len(), 1, "no burning of retries");
    assert!(app
        .state
        .store
        .sender_state()
        .await
        .unwrap()
        .paused_at
        .is_some());
    for _ in 0..5 {
        clock.advance(chrono::Duration::minutes(10));
        sender.tick().await.unwrap();
    }
    assert_eq!(fake.requests().len(), 1, "paused");
    let rows = app.state.store.outbox().await.unwrap();
    assert!(
        rows.iter().all(|r| r.state == "pending" && r.attempts == 0),
        "{rows:#?}"
    );

    // A new token is deployed: sending resumes by itself.
    fake.script(|_, _| Answer::Ok);
    let mut config = (*app.state.config).clone();
    config.whatsapp.access_token = Some(Secret::new("test-token-2"));
    let state = alerta::app::AppState {
        config: std::sync::Arc::new(config),
        ..app.state.clone()
    };
    drain(&app, &state.sender(clock.clone()).unwrap(), &clock).await;
    assert!(app
        .state
        .store
        .sender_state()
        .await
        .unwrap()
        .paused_at
        .is_none());
    assert!(fake.tokens().iter().any(|t| t == "Bearer test-token-2"));
}

#[tokio::test]
async fn a_message_in_a_cloud_api_group_is_answered_in_the_group() {
    let app = TestApp::new(Backend::Sqlite).await;
    let body = crate::helpers::text_webhook(
        "w.group",
        Some(JOSE),
        None,
        Some(crate::helpers::SERIS_GROUP),
        "pueden mandar rondines en la noche por la calle principal xfa",
    );
    let (status, _) = app.post_signed(&body).await;
    assert_eq!(status.as_u16(), 200);
    let clock = Clock::manual(Utc::now());
    drain(&app, &app.state.sender(clock.clone()).unwrap(), &clock).await;
    let rows = app.state.store.outbox().await.unwrap();
    let ack = rows_for(&rows, "reply_ack")[0];
    assert_eq!(
        ack.recipient_key,
        format!("group:{}", crate::helpers::SERIS_GROUP)
    );
    let p = payload(ack);
    assert_eq!(
        (p["recipient_type"].as_str(), p["to"].as_str()),
        (Some("group"), Some(crate::helpers::SERIS_GROUP))
    );
}
