//! The 24-hour window: a closed window (131047, synchronous or in a status webhook) turns a
//! free-form message into its template.

use alerta::vocab::Clock;
use chrono::Utc;

use crate::fake_graph::{text_of, Answer, FakeGraph};
use crate::helpers::outbox::drain;
use crate::helpers::{TestApp, LAURA};
use crate::outbox::{graph_app, post_text};

/// Posts "ok FOLIO" from Hermosillo's first patrol coordinator.
async fn acknowledge(app: &TestApp, wamid: &str, folio: &str) {
    let registry = app.state.registry.current();
    let region = registry.region("son-centro").unwrap();
    let c =
        alerta::routing::coordinators_for(region, alerta::triage::Category::Patrol, Utc::now())[0];
    let phone = c.phone.as_ref().unwrap().as_str();
    let wa_id = format!("521{}", &phone[phone.len() - 10..]);
    post_text(app, wamid, &wa_id, &format!("ok {folio}")).await;
}

/// Laura asks for a patrol, her acknowledgement goes out, then the coordinator answers
/// "ok FOLIO": the reporter's status notice is left to send. Returns the sender and clock.
async fn patrol_then_acknowledged(app: &TestApp, wamid: &str) -> (alerta::notify::Sender, Clock) {
    post_text(
        app,
        wamid,
        LAURA,
        "pueden mandar rondines por la calle de la escuela xfa",
    )
    .await;
    let folio = app.state.store.reports().await.unwrap()[0].folio.clone();
    let clock = Clock::manual(Utc::now());
    let sender = app.state.sender(clock.clone()).unwrap();
    // The acknowledgement goes first, so the status notice is not merged into it.
    drain(app, &sender, &clock).await;
    acknowledge(app, &format!("{wamid}.ok"), &folio).await;
    drain(app, &sender, &clock).await;
    (sender, clock)
}

#[tokio::test]
async fn a_closed_window_switches_to_the_template() {
    let fake = FakeGraph::start().await;
    fake.script(|_, body| match body["type"].as_str() {
        Some("template") => Answer::Ok,
        _ => Answer::Error(400, 131047),
    });
    let app = graph_app(&fake).await;
    patrol_then_acknowledged(&app, "w.win").await;

    let rows = app.state.store.outbox().await.unwrap();
    let status = rows
        .iter()
        .find(|r| r.purpose == "reporter_status")
        .unwrap();
    assert_eq!((status.state.as_str(), status.use_template), ("sent", true));
    assert_eq!(
        status.last_error_code,
        Some(131047),
        "it was tried as free text first"
    );
    let names: Vec<String> = fake.accepted().iter().map(text_of).collect();
    assert!(
        names.contains(&"alerta_estado_reporte".to_owned()),
        "{names:?}"
    );
    // Every purpose has a template: the acknowledgement is rescued too.
    let ack = rows.iter().find(|r| r.purpose == "reply_ack").unwrap();
    assert_eq!(
        (ack.state.as_str(), ack.use_template, ack.last_error_code),
        ("sent", true, Some(131047))
    );
    assert!(rows.iter().all(|r| r.state != "failed"), "{rows:#?}");
}

#[tokio::test]
async fn a_failed_status_131047_requeues_the_message_as_a_template() {
    let fake = FakeGraph::start().await;
    let app = graph_app(&fake).await;
    let (sender, clock) = patrol_then_acknowledged(&app, "w.async").await;
    let rows = app.state.store.outbox().await.unwrap();
    let status = rows
        .iter()
        .find(|r| r.purpose == "reporter_status")
        .unwrap();
    assert!(!status.use_template);
    let wamid = status.wamid.clone().unwrap();

    let failed = serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "526621234567", "phone_number_id": "106540352242922"},
            "statuses": [{"id": wamid, "status": "failed", "timestamp": "1780000000",
                          "recipient_id": LAURA, "errors": [{"code": 131047, "title": "Re-engagement message"}]}]
        }}]}]
    });
    let (code, _) = app.post_signed(&serde_json::to_vec(&failed).unwrap()).await;
    assert_eq!(code.as_u16(), 200);
    let row = app
        .state
        .store
        .outbox()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.id == status.id)
        .unwrap();
    assert_eq!(
        (row.delivery_status.as_deref(), row.delivery_error),
        (Some("failed"), Some(131047)),
        "the status webhook updated the outbound record"
    );
    clock.advance(chrono::Duration::seconds(10));
    drain(&app, &sender, &clock).await;
    let row = app
        .state
        .store
        .outbox()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.id == status.id)
        .unwrap();
    assert_eq!((row.state.as_str(), row.use_template), ("sent", true));
    assert_ne!(
        row.wamid.as_deref(),
        Some(wamid.as_str()),
        "sent again, as a new message"
    );
    assert_eq!(
        text_of(fake.accepted().last().unwrap()),
        "alerta_estado_reporte"
    );
}
