//! Every kind of body alerta POSTs to `/{version}/{phone-number-id}/messages` validates
//! against the request schema of Meta's published OpenAPI document (`schema.rs`): what a
//! real conversation sends through the fake Graph API on each backend, and every content
//! kind built directly.

use std::collections::BTreeSet;

use alerta::vocab::Clock;
use alerta::whatsapp::outbound::{Button, Content, OutboundMessage, Recipient, TemplateParam};
use chrono::Utc;
use serde_json::Value;

use crate::fake_graph::FakeGraph;
use crate::helpers::outbox::drain;
use crate::helpers::{backends, JOSE, LAURA, SERIS_GROUP};
use crate::outbox::{graph_app_on, post_text};
use crate::outbox_fallback::patrol_coordinator;
use crate::schema::Schemas;

/// What kind of request a body is, for the coverage check.
fn kind(body: &Value) -> String {
    let mut k = body["type"].as_str().unwrap_or("?").to_owned();
    if body.get("context").is_some() {
        k.push_str("+context");
    }
    if body["recipient_type"] == "group" {
        k.push_str("+group");
    }
    k
}

fn assert_valid(schemas: &Schemas, body: &Value, what: &str) {
    let errors = schemas.validate("Message", body);
    assert!(errors.is_empty(), "{what}: {body}\n{errors:#?}");
}

#[tokio::test]
async fn every_body_a_conversation_sends_validates_against_metas_schema() {
    let schemas = Schemas::load();
    for backend in backends() {
        let fake = FakeGraph::start().await;
        let app = graph_app_on(&fake, backend).await;
        let clock = Clock::manual(Utc::now());
        let sender = app.state.sender(clock.clone()).unwrap();
        // A coordinator who wrote today gets reply buttons; the others get the template.
        let (coordinator, _) = patrol_coordinator(&app);
        post_text(&app, "w.s.hi", &coordinator, "buenos días").await;
        post_text(
            &app,
            "w.s.1",
            LAURA,
            "pueden mandar rondines por la calle de la escuela xfa",
        )
        .await;
        drain(&app, &sender, &clock).await;
        // A workshop goes to a prevention coordinator who never wrote: a template.
        post_text(
            &app,
            "w.s.ws",
            "5216311000401",
            "buen dia, solicitamos una platica de prevencion de adicciones para los alumnos de 2o",
        )
        .await;
        let group = crate::helpers::text_webhook(
            "w.s.g",
            Some(JOSE),
            None,
            Some(SERIS_GROUP),
            "pueden mandar rondines en la noche por la calle principal xfa",
        );
        app.post_signed(&group).await;
        drain(&app, &sender, &clock).await;

        let requests = fake.requests();
        let mut kinds = BTreeSet::new();
        for body in &requests {
            assert_valid(&schemas, body, &format!("{backend:?}"));
            kinds.insert(kind(body));
        }
        for expected in [
            "text+context",
            "text+context+group",
            "interactive",
            "template",
        ] {
            assert!(
                kinds.contains(expected),
                "{backend:?}: no {expected} in {kinds:?}"
            );
        }
        // The dry-run record is the same body; every stored payload validates too.
        for row in app.state.store.outbox().await.unwrap() {
            if let Some(p) = row.payload.as_deref() {
                assert_valid(&schemas, &serde_json::from_str(p).unwrap(), &row.purpose);
            }
        }
    }
}

#[test]
fn every_content_kind_validates_against_metas_schema() {
    let schemas = Schemas::load();
    let person = Recipient::Individual {
        wa_id: Some("5216621000101".into()),
        bsuid: None,
    };
    let group = Recipient::Group {
        group_id: SERIS_GROUP.into(),
    };
    let buttons = vec![
        Button {
            id: "ack:SON-2026-000001".into(),
            title: "Enterado".into(),
        },
        Button {
            id: "resolve:SON-2026-000001".into(),
            title: "Atendido con un título demasiado largo".into(),
        },
    ];
    let contents = [
        Content::Text {
            body: "a".repeat(5000),
        },
        Content::Buttons {
            body: "b".repeat(2000),
            buttons: buttons.clone(),
        },
        // Four buttons do not fit: they become a text listing them.
        Content::Buttons {
            body: "elija".into(),
            buttons: [buttons.clone(), buttons.clone()].concat(),
        },
        Content::Template {
            name: "alerta_acuse_folio".into(),
            language: "es_MX".into(),
            params: vec![TemplateParam {
                name: "folio".into(),
                value: "SON-2026-000001\n\tcon    espacios".into(),
            }],
        },
        Content::Template {
            name: "alerta_registro_grupo".into(),
            language: "es_MX".into(),
            params: vec![],
        },
    ];
    for to in [&person, &group] {
        for reply_to in [None, Some("wamid.IN".to_owned())] {
            for content in &contents {
                let m = OutboundMessage {
                    to: to.clone(),
                    reply_to: reply_to.clone(),
                    content: content.clone(),
                };
                assert_valid(&schemas, &m.to_request_body(), &format!("{m:?}"));
            }
        }
    }
}
