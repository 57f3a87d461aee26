//! Coordinators acknowledging and resolving on WhatsApp, escalation in virtual time, and the
//! 6-second pair limit.

use alerta::routing::coordinators_for;
use alerta::store::ReportLookup;
use alerta::triage::Category;
use alerta::vocab::Clock;
use chrono::Utc;

use crate::helpers::{backends, text_webhook, Backend, TestApp, JOSE, LAURA, MARIA};

async fn post(app: &TestApp, body: Vec<u8>) {
    let (status, text) = app.post_signed(&body).await;
    assert_eq!(status.as_u16(), 200, "{text}");
}

/// A coordinator tapping one of our quick-reply buttons in a 1:1 chat.
fn button_webhook(wamid: &str, from: &str, id: &str, title: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "526621234567", "phone_number_id": "106540352242922"},
            "messages": [{"from": from, "id": wamid, "timestamp": "1780000000", "type": "interactive",
                "interactive": {"type": "button_reply", "button_reply": {"id": id, "title": title}}}]
        }}]}]
    }))
    .unwrap()
}

/// The wa_id (as Meta sends it, 521…) of the first patrol coordinator of Hermosillo.
fn patrol_coordinator(app: &TestApp) -> (String, String) {
    let registry = app.state.registry.current();
    let region = registry.region("son-centro").unwrap();
    let c = coordinators_for(region, Category::Patrol, Utc::now())[0];
    let phone = c.phone.as_ref().expect("coordinator with phone").as_str();
    let wa_id = format!("521{}", &phone[phone.len() - 10..]);
    (c.id.clone(), wa_id)
}

#[tokio::test]
async fn coordinators_acknowledge_and_resolve_by_text_and_button() {
    let app = TestApp::new(Backend::Sqlite).await;
    post(
        &app,
        text_webhook(
            "w.p1",
            Some(LAURA),
            None,
            None,
            "pueden mandar rondines en la tarde por la escuela xfa",
        ),
    )
    .await;
    let report = app.report(ReportLookup::MessageWamid("w.p1")).await;
    assert_eq!(report.status, "open");
    let (coordinator, wa_id) = patrol_coordinator(&app);

    post(
        &app,
        text_webhook(
            "w.c1",
            Some(&wa_id),
            None,
            None,
            &format!("ok {}", report.folio.to_lowercase()),
        ),
    )
    .await;
    let row = app.message("w.c1").await;
    assert_eq!(
        (row.attribution.as_str(), row.coordinator_ref.as_deref()),
        ("coordinator", Some(coordinator.as_str()))
    );
    let acked = app.report(ReportLookup::Id(report.id)).await;
    assert_eq!(acked.status, "acknowledged");
    assert_eq!(
        acked.acknowledged_by,
        Some(format!("coordinator:{coordinator}"))
    );
    assert_eq!(
        acked.escalate_at, None,
        "acknowledged reports do not escalate"
    );

    post(
        &app,
        text_webhook(
            "w.c2",
            Some(&wa_id),
            None,
            None,
            &format!("atendido {}", report.folio),
        ),
    )
    .await;
    let resolved = app.report(ReportLookup::Id(report.id)).await;
    assert_eq!(resolved.status, "resolved");

    let outbox = app.state.store.outbox().await.unwrap();
    let notices: Vec<_> = outbox
        .iter()
        .filter(|r| r.purpose == "reporter_status")
        .collect();
    assert_eq!(notices.len(), 2, "the reporter is told twice");
    assert!(notices
        .iter()
        .all(|n| n.recipient_key == format!("wa:{LAURA}")));
    let trail = app
        .state
        .store
        .audit_trail("report", &report.folio)
        .await
        .unwrap();
    let actions: Vec<&str> = trail.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(
        actions,
        ["report.created", "report.acknowledged", "report.resolved"]
    );

    // A quick-reply button on a closed report, and an unknown folio: the coordinator is told.
    post(
        &app,
        button_webhook(
            "w.c3",
            &wa_id,
            &format!("resolve:{}", report.folio),
            "Atendido",
        ),
    )
    .await;
    post(
        &app,
        text_webhook("w.c4", Some(&wa_id), None, None, "ok SON-2026-999999"),
    )
    .await;
    let unknown = app
        .state
        .store
        .outbox()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.purpose == "command_unknown")
        .count();
    assert_eq!(unknown, 2);
}

/// Jesús, a member of a Cajeme committee (region son-valle-yaqui), as Meta sends his number.
const JESUS_CAJEME: &str = "5216441000202";

/// Hermosillo's duty coordinator writes about a Valle del Yaqui emergency, by text and by
/// button: nothing changes, the answer is the one for an unknown folio, and each attempt is
/// in that report's audit trail. Then Valle del Yaqui's own coordinator can acknowledge it.
#[tokio::test]
async fn coordinators_cannot_act_on_another_regions_reports() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        post(
            &app,
            text_webhook(
                "w.e1",
                Some(JESUS_CAJEME),
                None,
                None,
                "estan asaltando la tienda de la esquina traen pistola, manden patrulla ya",
            ),
        )
        .await;
        let report = app.report(ReportLookup::MessageWamid("w.e1")).await;
        assert_eq!(report.region, "son-valle-yaqui", "{backend:?}");
        let (_, outsider) = patrol_coordinator(&app);
        for (wamid, body) in [
            (
                "w.x1",
                text_webhook(
                    "w.x1",
                    Some(&outsider),
                    None,
                    None,
                    &format!("ok {}", report.folio),
                ),
            ),
            (
                "w.x2",
                text_webhook(
                    "w.x2",
                    Some(&outsider),
                    None,
                    None,
                    &format!("atendido {}", report.folio),
                ),
            ),
            (
                "w.x3",
                button_webhook(
                    "w.x3",
                    &outsider,
                    &format!("resolve:{}", report.folio),
                    "Atendido",
                ),
            ),
        ] {
            post(&app, body).await;
            assert_eq!(app.message(wamid).await.attribution, "coordinator");
        }
        let after = app.report(ReportLookup::Id(report.id)).await;
        assert_eq!(after.status, "open", "{backend:?}");
        assert_eq!(after.acknowledged_by, None, "{backend:?}");
        assert_eq!(
            after.escalate_at, report.escalate_at,
            "escalation still runs"
        );
        let outbox = app.state.store.outbox().await.unwrap();
        assert!(
            !outbox.iter().any(|r| r.purpose == "reporter_status"),
            "the reporter is told nothing: {backend:?}"
        );
        let unknown = outbox.iter().filter(|r| r.purpose == "command_unknown");
        assert_eq!(
            unknown.count(),
            3,
            "answered as an unknown folio: {backend:?}"
        );
        let trail = app
            .state
            .store
            .audit_trail("report", &report.folio)
            .await
            .unwrap();
        let refused: Vec<_> = trail
            .iter()
            .filter(|a| a.action == "report.command_refused")
            .map(|a| {
                serde_json::from_str::<serde_json::Value>(a.detail.as_deref().unwrap()).unwrap()
            })
            .collect();
        assert_eq!(refused.len(), 3, "{backend:?}");
        assert!(
            refused
                .iter()
                .all(|d| d["reason"] == "other_region" && d["coordinator_region"] == "son-centro"),
            "{refused:?}"
        );

        // The region's own coordinator still can.
        let registry = app.state.registry.current();
        let region = registry.region("son-valle-yaqui").unwrap();
        let own = region
            .coordinators
            .iter()
            .find_map(|c| c.phone.as_ref())
            .expect("a Valle del Yaqui coordinator with a phone")
            .as_str();
        let own = format!("521{}", &own[own.len() - 10..]);
        post(
            &app,
            text_webhook(
                "w.x4",
                Some(&own),
                None,
                None,
                &format!("ok {}", report.folio),
            ),
        )
        .await;
        let acked = app.report(ReportLookup::Id(report.id)).await;
        assert_eq!(acked.status, "acknowledged", "{backend:?}");
    }
}

#[tokio::test]
async fn a_button_acknowledges_an_open_report() {
    let app = TestApp::new(Backend::Sqlite).await;
    post(
        &app,
        text_webhook(
            "w.p2",
            Some(JOSE),
            None,
            None,
            "pueden mandar la patrulla a dar rondines en la noche xfa",
        ),
    )
    .await;
    let report = app.report(ReportLookup::MessageWamid("w.p2")).await;
    let (_, wa_id) = patrol_coordinator(&app);
    post(
        &app,
        button_webhook("w.b1", &wa_id, &format!("ack:{}", report.folio), "Enterado"),
    )
    .await;
    let acked = app.report(ReportLookup::Id(report.id)).await;
    assert_eq!(acked.status, "acknowledged");
}

#[tokio::test]
async fn escalation_fires_once_per_step_even_with_two_workers() {
    let app = TestApp::new(Backend::Sqlite).await;
    let start = Utc::now();
    post(
        &app,
        text_webhook(
            "w.e1",
            Some(MARIA.0),
            Some(MARIA.1),
            None,
            "se estan metiendo a robar a la casa de enfrente ahorita",
        ),
    )
    .await;
    let report = app.report(ReportLookup::MessageWamid("w.e1")).await;
    assert_eq!(report.priority, "critical");
    let deadline = report
        .escalate_at
        .expect("critical reports have a deadline");
    assert!(deadline - report.created_at <= chrono::Duration::minutes(2));

    let clock = Clock::manual(start);
    let a = app.state.escalator(clock.clone());
    let b = app.state.escalator(clock.clone());
    assert_eq!(
        a.tick().await.unwrap() + b.tick().await.unwrap(),
        0,
        "not yet due"
    );

    clock.advance(chrono::Duration::minutes(3));
    let first = a.tick().await.unwrap() + b.tick().await.unwrap();
    assert_eq!(first, 1, "one step, whoever got there first");
    let r = app.report(ReportLookup::Id(report.id)).await;
    assert_eq!(r.escalation_level, 1);

    let mut total = first;
    for _ in 0..10 {
        clock.advance(chrono::Duration::minutes(30));
        total += a.tick().await.unwrap() + b.tick().await.unwrap();
    }
    assert_eq!(total, 2, "backup, then supervisor, then nothing more");
    let r = app.report(ReportLookup::Id(report.id)).await;
    assert_eq!((r.escalation_level, r.escalate_at), (2, None));
    let trail = app
        .state
        .store
        .audit_trail("report", &report.folio)
        .await
        .unwrap();
    let steps: Vec<&str> = trail
        .iter()
        .map(|t| t.action.as_str())
        .filter(|a| a.starts_with("report.escalated"))
        .collect();
    assert_eq!(steps, ["report.escalated.1", "report.escalated.2"]);
    let notices = app
        .state
        .store
        .outbox()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.purpose == "escalation_notice")
        .count();
    assert!(notices >= 2, "backup and supervisor were notified");
}

#[tokio::test]
async fn the_pair_limit_spaces_messages_to_one_coordinator_by_six_seconds() {
    let app = TestApp::new(Backend::Sqlite).await;
    let texts = [
        // Three problems on three named streets: grouping keeps them apart (a different
        // street is a veto), so each opens its own incident and its own notice.
        (
            LAURA,
            "pueden mandar rondines por la calle Yanez a la salida de la escuela xfa",
        ),
        (
            JOSE,
            "pueden mandar la patrulla a dar rondines en la calle Morelos en la noche xfa",
        ),
        (
            MARIA.0,
            "se juntan muchachos a tomar en el parque de la calle Jalisco, pedimos patrulla",
        ),
    ];
    for (i, (from, text)) in texts.iter().enumerate() {
        post(
            &app,
            text_webhook(&format!("w.pace.{i}"), Some(from), None, None, text),
        )
        .await;
    }
    // Virtual time: a clock that moves one second per pass, only when told to. (Pausing
    // tokio's clock instead lets it jump to the pool's timers while SQLite works.)
    let clock = Clock::manual(Utc::now());
    // The incident worker queues the coordinators' notices (three problems, three
    // incidents).
    app.state.incidents(clock.clone()).tick().await.unwrap();
    let sender = app.state.sender(clock.clone()).unwrap();
    for _ in 0..40 {
        sender.tick().await.unwrap();
        clock.advance(chrono::Duration::seconds(1));
    }
    let rows = app.state.store.outbox().await.unwrap();
    assert!(
        rows.iter()
            .all(|r| r.state == "dry_run" || r.state == "merged"),
        "{rows:#?}"
    );
    let mut by_recipient: std::collections::HashMap<&str, Vec<chrono::DateTime<Utc>>> =
        Default::default();
    for r in rows.iter().filter(|r| r.state == "dry_run") {
        by_recipient
            .entry(r.recipient_key.as_str())
            .or_default()
            .push(r.sent_at.unwrap());
    }
    let busiest = by_recipient.values().map(Vec::len).max().unwrap();
    assert!(busiest >= 3, "one coordinator got all three notices");
    for (key, mut times) in by_recipient {
        times.sort();
        for pair in times.windows(2) {
            assert!(
                pair[1] - pair[0] >= chrono::Duration::seconds(6),
                "{key}: {pair:?}"
            );
        }
    }
}
