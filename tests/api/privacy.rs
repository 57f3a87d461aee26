//! Personal data: the privacy notice once per person, retention in virtual time, access and
//! erasure round trips that leave the weekly figures alone, and who may reveal a number.

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use serde_json::json;

use crate::helpers::api::call;
use crate::helpers::outbox::drain;
use crate::helpers::{backdate, backends, text_webhook, TestApp, JOSE, MARIA};
use crate::queue_api::users;

const PATROL: &str = "pedimos rondines de patrulla en la noche por la calle principal";

async fn post(app: &TestApp, wamid: &str, from: &str, bsuid: Option<&str>, text: &str) {
    let (s, _) = app
        .post_signed(&text_webhook(wamid, Some(from), bsuid, None, text))
        .await;
    assert_eq!(s, StatusCode::OK);
}

fn notices(rows: &[alerta::store::OutboxRow]) -> Vec<&alerta::store::OutboxRow> {
    rows.iter()
        .filter(|o| o.purpose == "privacy_notice")
        .collect()
}

#[tokio::test]
async fn the_privacy_notice_goes_once_to_each_person() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        post(&app, "wamid.P1", MARIA.0, None, PATROL).await;
        post(&app, "wamid.P2", MARIA.0, None, "gracias, buenas noches").await;
        // The same person arriving with her BSUID as well is not new.
        post(
            &app,
            "wamid.P3",
            MARIA.0,
            Some(MARIA.1),
            "otra vez pedimos rondines en la noche",
        )
        .await;
        post(&app, "wamid.P4", JOSE, None, "buenas tardes vecinos").await;
        let rows = app.state.store.outbox().await.unwrap();
        let sent = notices(&rows);
        assert_eq!(sent.len(), 2, "{sent:#?}");
        let keys: Vec<&str> = sent.iter().map(|o| o.recipient_key.as_str()).collect();
        assert!(
            keys.contains(&format!("wa:{}", MARIA.0).as_str())
                && keys.contains(&format!("wa:{JOSE}").as_str()),
            "{keys:?}"
        );
        assert!(sent[0].params.contains("/aviso-de-privacidad"));
        // The record holds pseudonyms, never the number.
        let m = app.message("wamid.P1").await;
        let pseudonym = m.sender_pseudonym.clone().unwrap();
        assert_eq!(pseudonym.len(), 64);
        assert!(!pseudonym.contains("6621000101"));
        assert_eq!(
            app.message("wamid.P3").await.sender_pseudonym,
            Some(pseudonym)
        );

        // The notice goes out with the reply, as one message.
        let clock = alerta::vocab::Clock::manual(Utc::now());
        drain(&app, &app.state.sender(clock.clone()).unwrap(), &clock).await;
        let rows = app.state.store.outbox().await.unwrap();
        let first_answer = rows
            .iter()
            .find(|o| o.message_id == Some(m.id) && o.purpose == "reply_ack")
            .unwrap();
        let payload = first_answer.payload.as_deref().unwrap();
        assert!(
            payload.contains("Aviso de privacidad") && payload.contains("folio"),
            "{payload}"
        );
    }
}

#[tokio::test]
async fn export_and_erase_leave_no_trace_but_the_statistics() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let users = users(&app).await;
        let secret_text = "rondines por favor en la calle Tulipanes 123 donde vivo";
        post(&app, "wamid.E1", MARIA.0, None, secret_text).await;
        post(&app, "wamid.E2", JOSE, None, PATROL).await;
        let folio = app
            .report(alerta::store::ReportLookup::MessageWamid("wamid.E1"))
            .await
            .folio;
        let week =
            alerta::reports::IsoWeek::of(Utc::now(), chrono_tz::America::Hermosillo).to_string();
        let admin = users.token("admin");
        let figures = || async {
            let (s, body) = call(
                &app,
                "GET",
                "/api/v1/reports?status=all&region=son-centro",
                Some(admin),
                None,
            )
            .await;
            assert_eq!(s, StatusCode::OK);
            body["total"].clone()
        };
        let before = figures().await;
        let (s, _) = call(
            &app,
            "GET",
            &format!("/api/v1/exports/weekly?week={week}&region=son-centro"),
            Some(admin),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK);

        // Only admins may ask.
        let (s, _) = call(
            &app,
            "POST",
            "/api/v1/privacy/export",
            Some(users.token("op_todas")),
            Some(json!({ "phone": "+52 662 100 0101" })),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, doc) = call(
            &app,
            "POST",
            "/api/v1/privacy/export",
            Some(admin),
            Some(json!({ "phone": "+52 662 100 0101" })),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{doc}");
        assert_eq!(doc["mensajes"].as_array().unwrap().len(), 1);
        assert_eq!(doc["mensajes"][0]["texto"], secret_text);
        assert_eq!(doc["reportes"][0]["folio"], folio.as_str());

        let (s, _) = call(
            &app,
            "POST",
            "/api/v1/privacy/erase",
            Some(admin),
            Some(json!({ "phone": "5216621000101" })),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "a reason is required");
        let (s, done) = call(
            &app,
            "POST",
            "/api/v1/privacy/erase",
            Some(admin),
            Some(json!({ "phone": "5216621000101", "reason": "solicitud ARCO 2026-17" })),
        )
        .await;
        assert_eq!(
            (s, done["messages_erased"].as_u64()),
            (StatusCode::OK, Some(1))
        );

        // Gone from every row that held it.
        let m = app.message("wamid.E1").await;
        let outbox = app.state.store.outbox().await.unwrap();
        let delivery = app
            .state
            .store
            .delivery(m.delivery_id)
            .await
            .unwrap()
            .unwrap();
        let trail = app.state.store.audit_trail("report", &folio).await.unwrap();
        let everything = format!("{m:?}{outbox:?}{delivery:?}{trail:?}");
        for needle in [
            "6621000101",
            "Tulipanes",
            "María",
            "Maria",
            "MX.4810000000000000101",
        ] {
            assert!(
                !everything.contains(needle),
                "{needle} survived the erasure"
            );
        }
        // Someone else's data is untouched.
        assert_eq!(app.message("wamid.E2").await.body.as_deref(), Some(PATROL));
        let (_, doc) = call(
            &app,
            "POST",
            "/api/v1/privacy/export",
            Some(admin),
            Some(json!({ "phone": "5216621000101" })),
        )
        .await;
        assert!(doc["mensajes"].as_array().unwrap().is_empty());
        // The figures do not change.
        assert_eq!(figures().await, before);
        assert!(app
            .state
            .store
            .report(alerta::store::ReportLookup::Folio(&folio))
            .await
            .unwrap()
            .is_some());
        let erased = app.state.store.audit_after("person", 0, 10).await.unwrap();
        assert!(erased.iter().any(|a| a.action == "privacy.erase"
            && a.actor == "user:admin"
            && a.entity_id.starts_with("V-")));
    }
}

#[tokio::test]
async fn retention_purges_each_kind_at_its_deadline() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let now = Utc::now();
        let hour = Duration::hours(1);
        let days = |d: i64| Duration::days(d);
        // Messages that opened no report: 30 days.
        post(
            &app,
            "wamid.R1",
            JOSE,
            None,
            "buenas noches vecinos, que descansen",
        )
        .await;
        post(
            &app,
            "wamid.R2",
            JOSE,
            None,
            "buenos dias a todos los vecinos",
        )
        .await;
        let moved = "UPDATE inbound_messages SET received_at = $1 WHERE wamid = $2";
        backdate(&app, moved, now - days(30) - hour, "wamid.R1").await;
        backdate(&app, moved, now - days(30) + hour, "wamid.R2").await;
        // Closed reports: 365 days after closing.
        post(&app, "wamid.R3", MARIA.0, None, PATROL).await;
        post(
            &app,
            "wamid.R4",
            MARIA.0,
            None,
            "pedimos rondines de patrulla cerca de la escuela",
        )
        .await;
        let closed = "UPDATE reports SET status = 'resolved', resolved_at = $1 WHERE message_id = (SELECT id FROM inbound_messages WHERE wamid = $2)";
        backdate(&app, closed, now - days(365) - hour, "wamid.R3").await;
        backdate(&app, closed, now - days(365) + hour, "wamid.R4").await;
        // A tip forgets who sent it once the 089 redirect is out.
        post(
            &app,
            "wamid.R5",
            JOSE,
            None,
            "en la casa de la esquina venden droga, siempre llegan carros en la noche",
        )
        .await;
        let tip = app.message("wamid.R5").await;
        assert_eq!(tip.category.as_deref(), Some("tip_089"));
        // Audit entries: 5 years.
        let old_audit = "UPDATE audit_log SET at = $1 WHERE id = (SELECT MIN(id) FROM audit_log WHERE entity_kind = 'report' AND entity_id <> $2)";
        backdate(&app, old_audit, now - days(1826) - hour, "").await;
        let audit_before = app
            .state
            .store
            .audit_after("report", 0, 1000)
            .await
            .unwrap()
            .len();

        let week_total = || async {
            let admin = alerta::queue::Principal {
                user_id: 0,
                name: "t".into(),
                role: alerta::queue::Role::Admin,
                regions: vec![],
                may_reveal: false,
            };
            let scope = alerta::reports::export::Scope::new(
                &app.state.reports(),
                &admin,
                &alerta::reports::IsoWeek::of(now, chrono_tz::America::Hermosillo).to_string(),
                Some("son-centro"),
            )
            .unwrap();
            alerta::reports::export::summary(&app.state.reports(), &admin, &scope)
                .await
                .unwrap()
                .0
                .total
        };
        let total_before = week_total().await;

        let counts = alerta::privacy::retention::run_once(&app.state.privacy(), now)
            .await
            .unwrap();
        assert_eq!(app.message("wamid.R1").await.body, None, "past 30 days");
        assert!(
            app.message("wamid.R2").await.body.is_some(),
            "just inside 30 days"
        );
        let r3 = app.message("wamid.R3").await;
        assert_eq!(
            (r3.body, r3.sender_phone),
            (None, None),
            "closed more than a year ago"
        );
        assert!(app.message("wamid.R4").await.body.is_some());
        assert!(
            app.message("wamid.R5").await.sender_phone.is_some(),
            "the redirect has not gone out yet"
        );
        assert_eq!(
            app.state
                .store
                .audit_after("report", 0, 1000)
                .await
                .unwrap()
                .len(),
            audit_before - 1
        );
        assert!(
            counts.unreported_texts >= 1
                && counts.closed_report_messages >= 1
                && counts.audit_entries == 1,
            "{counts:?}"
        );

        // Once the 089 redirect is sent, the tip keeps no identity at all.
        let clock = alerta::vocab::Clock::manual(now);
        drain(&app, &app.state.sender(clock.clone()).unwrap(), &clock).await;
        alerta::privacy::retention::run_once(&app.state.privacy(), now)
            .await
            .unwrap();
        let tip = app.message("wamid.R5").await;
        let rows: Vec<_> = app
            .state
            .store
            .outbox()
            .await
            .unwrap()
            .into_iter()
            .filter(|o| o.message_id == Some(tip.id))
            .map(|o| (o.purpose, o.state))
            .collect();
        assert_eq!(
            (tip.sender_phone, tip.sender_pseudonym),
            (None, None),
            "{rows:?}"
        );
        assert!(tip.body.is_some(), "the tip's text stays for the operators");
        let redirect = app
            .state
            .store
            .outbox()
            .await
            .unwrap()
            .into_iter()
            .find(|o| o.message_id == Some(tip.id) && o.purpose == "reply_tip")
            .unwrap();
        assert!(!redirect.recipient.contains(JOSE), "{}", redirect.recipient);

        // A purge changes no weekly figure, and says what it did.
        assert_eq!(week_total().await, total_before);
        let runs = app
            .state
            .store
            .audit_after("retention", 0, 10)
            .await
            .unwrap();
        assert_eq!(runs.len(), 2);
        assert!(runs[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("unreported_texts"));
    }
}

#[tokio::test]
async fn revealing_a_number_is_limited_to_the_configured_roles() {
    let app = TestApp::with(backends().remove(0), |c| {
        c.web.reveal_roles = vec!["admin".into()]
    })
    .await;
    let users = users(&app).await;
    post(&app, "wamid.V1", MARIA.0, None, PATROL).await;
    let folio = app
        .report(alerta::store::ReportLookup::MessageWamid("wamid.V1"))
        .await
        .folio;
    let uri = format!("/api/v1/reports/{folio}/contact");
    let (s, _) = call(&app, "POST", &uri, Some(users.token("op_todas")), None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, body) = call(&app, "POST", &uri, Some(users.token("admin")), None).await;
    assert_eq!((s, body["phone"].as_str()), (StatusCode::OK, Some(MARIA.0)));
    // Until revealed, operators see a pseudonym, not the number.
    let (_, detail) = call(
        &app,
        "GET",
        &format!("/api/v1/reports/{folio}"),
        Some(users.token("op_todas")),
        None,
    )
    .await;
    let contact = detail["reporter"]["contact"].as_str().unwrap();
    assert!(
        contact.starts_with("V-") && !detail.to_string().contains("6621000101"),
        "{detail}"
    );
}
