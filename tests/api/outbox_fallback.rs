//! Nothing alerta owes someone is lost: a 131047 (synchronous, or in a `failed` status
//! webhook) re-plans every row the failed message carried as its own template, and a message
//! Meta will never deliver is in the report's timeline and a metric. On both backends.

use std::collections::BTreeSet;

use alerta::store::{OutboxRow, ReportLookup};
use alerta::vocab::Clock;
use chrono::Utc;
use serde_json::{json, Value};

use crate::fake_graph::{text_of, Answer, FakeGraph};
use crate::helpers::outbox::drain;
use crate::helpers::{backends, TestApp, JOSE, LAURA, MARIA};
use crate::outbox::{graph_app_on, post_text};

/// The first patrol coordinator on shift in Hermosillo: (their number as Meta shows it when
/// they write, its last ten digits).
pub(crate) fn patrol_coordinator(app: &TestApp) -> (String, String) {
    let registry = app.state.registry.current();
    let region = registry.region("son-centro").unwrap();
    let c =
        alerta::routing::coordinators_for(region, alerta::triage::Category::Patrol, Utc::now())[0];
    let phone = c.phone.as_ref().unwrap().as_str();
    let ten = phone[phone.len() - 10..].to_owned();
    (format!("521{ten}"), ten)
}

/// A `statuses` webhook with the given status objects.
pub(crate) fn statuses_webhook(statuses: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "526621234567", "phone_number_id": "106540352242922"},
            "statuses": statuses
        }}]}]
    }))
    .unwrap()
}

pub(crate) fn template_params(body: &Value) -> Vec<(String, String)> {
    body.pointer("/template/components/0/parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p["parameter_name"].as_str().unwrap().to_owned(),
                p["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn row<'a>(rows: &'a [OutboxRow], purpose: &str, key: &str) -> Vec<&'a OutboxRow> {
    rows.iter()
        .filter(|r| r.purpose == purpose && r.recipient_key == key)
        .collect()
}

#[tokio::test]
async fn a_synchronous_131047_on_a_reply_reaches_the_citizen_as_a_template() {
    for backend in backends() {
        let fake = FakeGraph::start().await;
        // Meta's occasional in-window 131047: no free-form message reaches Laura.
        let laura = format!("+{LAURA}");
        fake.script(move |_, body| {
            if body["type"] == "template" || body["to"] != laura.as_str() {
                Answer::Ok
            } else {
                Answer::Error(400, 131047)
            }
        });
        let app = graph_app_on(&fake, backend).await;
        post_text(
            &app,
            "w.sync",
            LAURA,
            "pueden mandar rondines por la calle de la escuela xfa",
        )
        .await;
        let folio = app.report(ReportLookup::MessageWamid("w.sync")).await.folio;
        let clock = Clock::manual(Utc::now());
        drain(&app, &app.state.sender(clock.clone()).unwrap(), &clock).await;

        let rows = app.state.store.outbox().await.unwrap();
        let key = format!("wa:{LAURA}");
        for purpose in ["reply_ack", "privacy_notice"] {
            let r = row(&rows, purpose, &key);
            assert_eq!(r.len(), 1, "{backend:?} {purpose}");
            assert_eq!(
                (r[0].state.as_str(), r[0].use_template),
                ("sent", true),
                "{backend:?} {purpose}: {rows:#?}"
            );
        }
        let to_laura: Vec<Value> = fake
            .accepted()
            .into_iter()
            .filter(|b| b["to"] == format!("+{LAURA}").as_str())
            .collect();
        let names: BTreeSet<String> = to_laura.iter().map(text_of).collect();
        assert_eq!(
            names,
            BTreeSet::from([
                "alerta_acuse_folio".to_owned(),
                "alerta_aviso_privacidad".to_owned()
            ]),
            "{backend:?}: the acknowledgement and the notice that was to ride along in it"
        );
        let ack = to_laura
            .iter()
            .find(|b| text_of(b) == "alerta_acuse_folio")
            .unwrap();
        assert!(
            template_params(ack).contains(&("folio".to_owned(), folio.clone())),
            "{backend:?}: the citizen gets the folio: {ack}"
        );
        let free_form_tries = fake
            .requests()
            .iter()
            .filter(|b| b["to"] == format!("+{LAURA}").as_str() && b["type"] != "template")
            .count();
        assert_eq!(
            free_form_tries, 1,
            "{backend:?}: after one 131047 the rest of Laura's queue goes as templates"
        );
    }
}

#[tokio::test]
async fn a_failed_131047_on_a_merged_coordinator_notice_delivers_every_folio() {
    for backend in backends() {
        let fake = FakeGraph::start().await;
        let app = graph_app_on(&fake, backend).await;
        // The coordinator wrote this morning: notices go free-form, and merge.
        let (coordinator, ten) = patrol_coordinator(&app);
        post_text(&app, "w.coord.hi", &coordinator, "buenos días, de turno").await;
        let mut folios = BTreeSet::new();
        // Three different problems: three incidents, three notices to the same coordinator.
        let texts = [
            "pueden mandar rondines en la noche por la calle 7 xfa",
            "se juntan muchachos a tomar en el parque de la Jalisco, pedimos patrulla",
            "roban autopartes cada noche en la cerrada Olivos, necesitamos vigilancia",
        ];
        for (i, (from, text)) in [LAURA, JOSE, MARIA.0].into_iter().zip(texts).enumerate() {
            let wamid = format!("w.merge.{i}");
            post_text(&app, &wamid, from, text).await;
            folios.insert(app.report(ReportLookup::MessageWamid(&wamid)).await.folio);
        }
        let clock = Clock::manual(Utc::now());
        let sender = app.state.sender(clock.clone()).unwrap();
        drain(&app, &sender, &clock).await;

        let rows = app.state.store.outbox().await.unwrap();
        let notices: Vec<&OutboxRow> = rows
            .iter()
            .filter(|r| r.purpose == "coordinator_notice" && r.recipient.contains(&ten))
            .collect();
        let key = notices[0].recipient_key.clone();
        assert_eq!(notices.len(), 3, "{backend:?}: {rows:#?}");
        let carrier = notices.iter().find(|r| r.state == "sent").unwrap();
        assert!(!carrier.use_template);
        assert_eq!(
            notices
                .iter()
                .filter(|r| r.state == "merged" && r.merged_into == Some(carrier.id))
                .count(),
            2,
            "{backend:?}: one message carried the three folios"
        );
        let carried = text_of(&serde_json::from_str(carrier.payload.as_deref().unwrap()).unwrap());
        for f in &folios {
            assert!(carried.contains(f.as_str()), "{backend:?}: {carried}");
        }

        let wamid = carrier.wamid.clone().unwrap();
        let failed = statuses_webhook(vec![json!({
            "id": wamid, "status": "failed", "timestamp": Utc::now().timestamp().to_string(),
            "recipient_id": coordinator,
            "errors": [{"code": 131047, "title": "Re-engagement message"}]
        })]);
        let (code, _) = app.post_signed(&failed).await;
        assert_eq!(code.as_u16(), 200);
        let before = fake.accepted().len();
        clock.advance(chrono::Duration::seconds(10));
        drain(&app, &sender, &clock).await;

        let rows = app.state.store.outbox().await.unwrap();
        for n in row(&rows, "coordinator_notice", &key) {
            assert_eq!(
                (n.state.as_str(), n.use_template),
                ("sent", true),
                "{backend:?}: every notice re-planned on its own: {n:#?}"
            );
        }
        let delivered: BTreeSet<String> = fake.accepted()[before..]
            .iter()
            .filter(|b| text_of(b) == "alerta_aviso_coordinador")
            .flat_map(template_params)
            .filter(|(name, _)| name == "folio")
            .map(|(_, v)| v)
            .collect();
        assert_eq!(delivered, folios, "{backend:?}: every folio it carried");
    }
}

#[tokio::test]
async fn a_message_meta_will_never_deliver_is_in_the_timeline_and_a_metric() {
    for backend in backends() {
        let fake = FakeGraph::start().await;
        let app = graph_app_on(&fake, backend).await;
        post_text(
            &app,
            "w.lost",
            LAURA,
            "pueden mandar rondines por la calle de la escuela xfa",
        )
        .await;
        let folio = app.report(ReportLookup::MessageWamid("w.lost")).await.folio;
        let clock = Clock::manual(Utc::now());
        let sender = app.state.sender(clock.clone()).unwrap();
        drain(&app, &sender, &clock).await;
        let rows = app.state.store.outbox().await.unwrap();
        let key = format!("wa:{LAURA}");
        let ack = row(&rows, "reply_ack", &key)[0].clone();
        let notice = row(&rows, "privacy_notice", &key)[0].clone();
        assert_eq!(notice.merged_into, Some(ack.id), "the notice rode along");

        let failed = statuses_webhook(vec![json!({
            "id": ack.wamid.clone().unwrap(), "status": "failed",
            "timestamp": Utc::now().timestamp().to_string(), "recipient_id": LAURA,
            "errors": [{"code": 131026, "title": "Message undeliverable"}]
        })]);
        app.post_signed(&failed).await;
        clock.advance(chrono::Duration::seconds(10));
        drain(&app, &sender, &clock).await;

        let rows = app.state.store.outbox().await.unwrap();
        for id in [ack.id, notice.id] {
            let r = rows.iter().find(|r| r.id == id).unwrap();
            assert_eq!(r.state, "failed", "{backend:?}: {r:#?}");
        }
        let trail = app.state.store.audit_trail("report", &folio).await.unwrap();
        let lost: Vec<_> = trail
            .iter()
            .filter(|a| a.action == "report.undeliverable")
            .collect();
        assert_eq!(lost.len(), 1, "{backend:?}: {trail:#?}");
        assert!(lost[0].detail.as_deref().unwrap().contains("reply_ack"));
        let mut metrics = String::new();
        alerta::telemetry::metrics::metrics().render(&mut metrics);
        assert!(
            metrics.contains("alerta_outbound_undeliverable_total{purpose=\"reply_ack\"}"),
            "{metrics}"
        );
        // Nothing is retried: Meta said it will not arrive.
        let sent_again = fake
            .accepted()
            .iter()
            .filter(|b| b["to"] == format!("+{LAURA}").as_str())
            .count();
        assert_eq!(sent_again, 1, "{backend:?}");
    }
}
