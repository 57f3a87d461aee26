//! The cost ledger: every message's `pricing.category` and `pricing.type` from the status
//! webhooks, counted once however many statuses carry it and in whatever order they come,
//! and shown per week on the summary, the XLSX and the Monday digest. On both backends.

use std::io::Cursor;

use alerta::queue::Principal;
use alerta::reports::export::{self, Format, Scope};
use alerta::store::ReportLookup;
use alerta::vocab::Clock;
use calamine::{Reader, Xlsx};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::fake_graph::FakeGraph;
use crate::helpers::outbox::drain;
use crate::helpers::{backdate, backends, JOSE, LAURA, SERIS_GROUP};
use crate::outbox::{graph_app_on, post_text};
use crate::outbox_fallback::statuses_webhook;

/// Wednesday of 2026-W47 in Hermosillo.
const WEDNESDAY: &str = "2026-11-18T18:00:00Z";

fn status(wamid: &str, status: &str, at: i64, pricing: Option<(&str, &str)>) -> Value {
    let mut s = json!({"id": wamid, "status": status, "timestamp": at.to_string(),
                       "recipient_id": LAURA});
    if let Some((category, kind)) = pricing {
        s["pricing"] = json!({"billable": kind == "regular", "pricing_model": "PMP",
                              "category": category, "type": kind});
    }
    s
}

#[tokio::test]
async fn the_cost_ledger_sums_what_the_status_webhooks_said() {
    for backend in backends() {
        let fake = FakeGraph::start().await;
        let app = graph_app_on(&fake, backend).await;
        post_text(
            &app,
            "w.cost.1",
            LAURA,
            "pueden mandar rondines en la noche por la calle principal xfa",
        )
        .await;
        let group_msg = crate::helpers::text_webhook(
            "w.cost.g",
            Some(JOSE),
            None,
            Some(SERIS_GROUP),
            "pueden mandar rondines en la noche por la calle del parque xfa",
        );
        app.post_signed(&group_msg).await;
        // Grouping (which queues the coordinators' notices) runs before the reports are
        // moved into the past, as it would have on that Wednesday.
        let now = Clock::manual(Utc::now());
        app.state.incidents(now).tick().await.unwrap();
        for wamid in ["w.cost.1", "w.cost.g"] {
            let folio = app.report(ReportLookup::MessageWamid(wamid)).await.folio;
            let sql = "UPDATE reports SET created_at = $1, updated_at = $1 WHERE folio = $2";
            backdate(&app, sql, WEDNESDAY.parse().unwrap(), &folio).await;
        }
        let clock = Clock::manual(Utc::now());
        drain(&app, &app.state.sender(clock.clone()).unwrap(), &clock).await;
        let rows = app.state.store.outbox().await.unwrap();
        let wamid_of = |purpose: &str, key: &str| {
            rows.iter()
                .find(|r| r.purpose == purpose && r.recipient_key == key && r.state == "sent")
                .and_then(|r| r.wamid.clone())
                .unwrap_or_else(|| panic!("{purpose} to {key}: {rows:#?}"))
        };
        let ack = wamid_of("reply_ack", &format!("wa:{LAURA}"));
        let group = wamid_of("reply_ack", &format!("group:{SERIS_GROUP}"));
        let notice = rows
            .iter()
            .find(|r| r.purpose == "coordinator_notice" && r.state == "sent")
            .and_then(|r| r.wamid.clone())
            .unwrap();

        let t: DateTime<Utc> = WEDNESDAY.parse().unwrap();
        let t = t.timestamp();
        // The acknowledgement: pricing on `sent` and on `delivered`, which arrives first.
        let ack_statuses = vec![
            status(
                &ack,
                "delivered",
                t + 2,
                Some(("service", "free_customer_service")),
            ),
            status(
                &ack,
                "sent",
                t + 1,
                Some(("service", "free_customer_service")),
            ),
            status(&ack, "read", t + 3, None),
        ];
        // The coordinator's notice: a utility template, priced on `sent` and on `read`.
        let notice_statuses = vec![
            status(&notice, "sent", t + 1, Some(("utility", "regular"))),
            status(&notice, "read", t + 9, Some(("utility", "regular"))),
        ];
        // The group reply: billed per participant who receives it.
        let mut group_statuses = Vec::new();
        for (i, participant) in ["5216621000102", "5216621000103"].iter().enumerate() {
            for s in ["sent", "delivered"] {
                let mut st = status(&group, s, t + i as i64, Some(("group_utility", "regular")));
                st["recipient_type"] = "group".into();
                st["recipient_id"] = SERIS_GROUP.into();
                st["recipient_participant_id"] = (*participant).into();
                group_statuses.push(st);
            }
        }
        for body in [
            statuses_webhook(ack_statuses.clone()),
            statuses_webhook(notice_statuses),
            statuses_webhook(group_statuses),
            // Meta retries a delivery, and sends one status again in a new body.
            statuses_webhook(ack_statuses.clone()),
            statuses_webhook(vec![ack_statuses[1].clone()]),
        ] {
            let (code, text) = app.post_signed(&body).await;
            assert_eq!(code.as_u16(), 200, "{text}");
        }

        let since: DateTime<Utc> = "2026-11-16T07:00:00Z".parse().unwrap();
        let until: DateTime<Utc> = "2026-11-23T07:00:00Z".parse().unwrap();
        let ledger = app
            .state
            .store
            .cost_ledger(since, until, None)
            .await
            .unwrap();
        assert_eq!(
            ledger,
            vec![
                ("group_utility".to_owned(), "regular".to_owned(), 2),
                ("service".to_owned(), "free_customer_service".to_owned(), 1),
                ("utility".to_owned(), "regular".to_owned(), 1),
            ],
            "{backend:?}"
        );
        let totals = app.state.store.ledger_totals().await.unwrap();
        assert_eq!(totals.iter().map(|(_, n)| n).sum::<i64>(), 4);

        // The week's summary (what /resumen shows), the XLSX and the Monday digest.
        let system = Principal::system("test");
        let scope = Scope::new(
            &app.state.reports(),
            &system,
            "2026-W47",
            Some("son-centro"),
        )
        .unwrap();
        let (summary, _) = export::summary(&app.state.reports(), &system, &scope)
            .await
            .unwrap();
        assert_eq!(summary.messages.messages, 4, "{backend:?}");
        // 1 utility + 2 group_utility at the default 0.15; the free service reply costs 0.
        assert!((summary.messages.cost_mxn - 0.45).abs() < 1e-9);
        assert_eq!(
            summary.messages.messages_es(),
            "4 (utilidad (grupo) 2, servicio 1, utilidad 1)"
        );

        let mut bytes = Vec::new();
        export::export(
            &app.state.reports(),
            &system,
            &scope,
            Format::Xlsx,
            &mut bytes,
        )
        .await
        .unwrap();
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
        let sheet = book.worksheet_range("Resumen").unwrap();
        let cells: Vec<String> = sheet.cells().map(|(_, _, c)| c.to_string()).collect();
        let at = cells
            .iter()
            .position(|c| c.starts_with("Mensajes de WhatsApp enviados"))
            .expect("the ledger section");
        assert!(cells[at..].iter().any(|c| c == "servicio"), "{cells:?}");
        assert!(cells[at..].iter().any(|c| c == "0.45"), "{cells:?}");

        let monday = Clock::manual("2026-11-23T15:01:00Z".parse().unwrap());
        alerta::reports::digest::Digester::new(
            app.state.reports(),
            monday,
            std::time::Duration::from_secs(60),
        )
        .tick()
        .await
        .unwrap();
        let rows = app.state.store.outbox().await.unwrap();
        let digest = rows
            .iter()
            .find(|r| r.purpose == "weekly_digest" && r.params.contains("son-centro"))
            .expect("a digest for the region");
        let params: Value = serde_json::from_str(&digest.params).unwrap();
        assert_eq!(
            params["mensajes"],
            "4 (utilidad (grupo) 2, servicio 1, utilidad 1)"
        );
        assert_eq!(params["costo"], "$0.45 MXN (estimado)");
    }
}
