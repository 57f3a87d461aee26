//! Issue 17's emergencies nobody acted on: unregistered senders' 9-1-1/089 messages in the
//! operators' queue, and citizens' follow-ups in the thread of the folio they name. Through
//! the real router, on both backends.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::helpers::api::call;
use crate::helpers::{backends, text_webhook, TestApp, MARIA, STRANGER};
use crate::queue_api::users;
use alerta::store::ReportLookup;

/// A registered member of cajeme-fovissste (region son-valle-yaqui): another group.
const JESUS: &str = "5216441000202";
const ARMED: &str = "Hay un hombre armado en la parada del camión de la calle Reforma, trae una \
                     pistola y está amenazando a la gente";

async fn post(app: &TestApp, body: Vec<u8>) {
    let (status, text) = app.post_signed(&body).await;
    assert_eq!(status, StatusCode::OK, "{text}");
}

/// A text that quotes `quoted` (WhatsApp's reply context).
fn reply_webhook(wamid: &str, from: &str, quoted: &str, text: &str) -> Vec<u8> {
    let mut v: Value =
        serde_json::from_slice(&text_webhook(wamid, Some(from), None, None, text)).unwrap();
    v["entry"][0]["changes"][0]["value"]["messages"][0]["context"] =
        json!({ "from": "526621234567", "id": quoted });
    serde_json::to_vec(&v).unwrap()
}

fn folios(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["folio"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn unregistered_emergencies_reach_the_operators_who_see_every_region() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let users = users(&app).await;
        post(
            &app,
            text_webhook("wamid.U1", Some(STRANGER), None, None, ARMED),
        )
        .await;
        post(
            &app,
            text_webhook("wamid.U2", Some(STRANGER), None, None, "hola buenas tardes"),
        )
        .await;
        let r = app.report(ReportLookup::MessageWamid("wamid.U1")).await;
        assert_eq!(
            (r.region.as_str(), r.group_ref.as_str(), r.category.as_str()),
            ("sin-region", "no-registrado", "emergency_911")
        );
        assert_eq!(r.priority, "critical");
        assert!(r.folio.starts_with("SON-"), "{}", r.folio);

        // Its own view and counter, for those who see every region.
        for who in ["op_todas", "admin"] {
            let token = users.token(who);
            let (s, page) = call(
                &app,
                "GET",
                "/api/v1/reports?sender=unregistered",
                Some(token),
                None,
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{who}: {page}");
            assert_eq!(folios(&page), vec![r.folio.clone()], "{who}");
            assert_eq!(page["unregistered"], 1, "{who}");
            let item = &page["items"][0];
            assert_eq!(item["unregistered"], true);
            assert_eq!(item["group_name"], "Remitente no registrado");
            assert_eq!(item["region_name"], "Sin región");
            assert!(item["excerpt"].as_str().unwrap().contains("hombre armado"));
            let reply = item["safety_reply_es"].as_str().unwrap();
            assert!(reply.starts_with("Respuesta de seguridad"), "{reply}");
        }
        // The greeting from the same stranger opens nothing.
        let (_, all) = call(
            &app,
            "GET",
            "/api/v1/reports?status=all",
            Some(users.token("op_todas")),
            None,
        )
        .await;
        assert_eq!(folios(&all), vec![r.folio.clone()]);

        // Coordinators and region-bound operators never see it, by list, view or folio.
        for who in ["op_centro", "coord_centro", "coord_yaqui"] {
            let token = users.token(who);
            for uri in [
                "/api/v1/reports?status=all",
                "/api/v1/reports?sender=unregistered",
            ] {
                let (s, page) = call(&app, "GET", uri, Some(token), None).await;
                assert_eq!(s, StatusCode::OK, "{who} {uri}");
                assert!(folios(&page).is_empty(), "{who} {uri}: {page}");
                assert_eq!(page["unregistered"], 0, "{who}");
            }
            let (s, _) = call(
                &app,
                "GET",
                &format!("/api/v1/reports/{}", r.folio),
                Some(token),
                None,
            )
            .await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{who}");
        }

        // An operator on shift can act on it: take it, note what was done, resolve it.
        let op = users.token("op_todas");
        let base = format!("/api/v1/reports/{}", r.folio);
        for action in [
            json!({ "action": "claim" }),
            json!({ "action": "note", "text": "Se canalizó al 9-1-1 por radio" }),
            json!({ "action": "resolve" }),
        ] {
            let (s, body) = call(
                &app,
                "POST",
                &format!("{base}/actions"),
                Some(op),
                Some(action.clone()),
            )
            .await;
            assert_eq!(s, StatusCode::OK, "{action}: {body}");
        }
        let (s, detail) = call(&app, "GET", &base, Some(op), None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(detail["report"]["status"], "resolved");
        // The safety reply is in its history; the phone is masked as everywhere else.
        let sent: Vec<&str> = detail["outbox"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["purpose"].as_str().unwrap())
            .collect();
        assert!(sent.contains(&"reply_unregistered"), "{sent:?}");
        let shown = detail.to_string();
        assert!(!shown.contains("9999999"), "phone not masked: {shown}");
    }
}

#[tokio::test]
async fn a_follow_up_reaches_the_folio_it_names_and_only_its_groups() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let users = users(&app).await;
        let op = users.token("op_todas");
        let patrol = "pueden mandar una patrulla a dar rondines en la noche, se juntan a tomar";
        post(
            &app,
            text_webhook("wamid.F1", Some(MARIA.0), None, None, patrol),
        )
        .await;
        let first = app.report(ReportLookup::MessageWamid("wamid.F1")).await;
        post(
            &app,
            text_webhook(
                "wamid.F2",
                Some(MARIA.0),
                None,
                None,
                "solicitamos platica de prevencion del delito para los vecinos",
            ),
        )
        .await;
        let latest = app.report(ReportLookup::MessageWamid("wamid.F2")).await;
        post(
            &app,
            text_webhook(
                "wamid.F0",
                Some(JESUS),
                None,
                None,
                "pueden mandar una patrulla a rondines en la colonia, hay robos",
            ),
        )
        .await;
        let other_group = app.report(ReportLookup::MessageWamid("wamid.F0")).await;

        // Named folio: in that report's thread, not in the latest one's window.
        let asks = format!(
            "¿Qué pasó con el reporte {}? ya pasaron tres días y nadie ha venido",
            first.folio
        );
        post(
            &app,
            text_webhook("wamid.F3", Some(MARIA.0), None, None, &asks),
        )
        .await;
        let m = app.message("wamid.F3").await;
        assert_eq!(m.attached_to, Some(first.message_id));
        let first_now = app.report(ReportLookup::Folio(&first.folio)).await;
        assert_eq!(first_now.follow_ups_unseen, 1);

        // The queue: a marker on the row, "Seguimiento" counts it, and its chip lists it.
        let (_, page) = call(&app, "GET", "/api/v1/reports", Some(op), None).await;
        let row = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["folio"] == first.folio.as_str())
            .unwrap();
        assert_eq!(row["follow_ups_unseen"], 1);
        let seguimiento = page["by_category"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == "follow_up")
            .unwrap();
        assert_eq!(seguimiento["n"], 1, "{page}");
        let (_, only) = call(
            &app,
            "GET",
            "/api/v1/reports?category=follow_up",
            Some(op),
            None,
        )
        .await;
        assert_eq!(folios(&only), vec![first.folio.clone()]);
        assert_eq!(only["total"], 1);

        let thread = |detail: &Value| detail["messages"].to_string();
        let (_, latest_view) = call(
            &app,
            "GET",
            &format!("/api/v1/reports/{}", latest.folio),
            Some(op),
            None,
        )
        .await;
        assert!(!thread(&latest_view).contains("nadie ha venido"));
        let (_, first_view) = call(
            &app,
            "GET",
            &format!("/api/v1/reports/{}", first.folio),
            Some(op),
            None,
        )
        .await;
        assert!(thread(&first_view).contains("nadie ha venido"));
        assert!(first_view["timeline"]
            .to_string()
            .contains("Seguimiento del ciudadano"));
        // Its answer is among the report's messages sent.
        assert!(first_view["outbox"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["purpose"] == "reply_follow_up"));
        // Opening the report read it: the marker goes.
        let seen = app.report(ReportLookup::Folio(&first.folio)).await;
        assert_eq!(seen.follow_ups_unseen, 0);

        // Another group's folio is never a way into its thread: the group's latest open
        // report gets it instead.
        let probe = format!(
            "¿Qué pasó con el reporte {}? nadie ha venido",
            other_group.folio
        );
        post(
            &app,
            text_webhook("wamid.F4", Some(MARIA.0), None, None, &probe),
        )
        .await;
        assert_eq!(
            app.message("wamid.F4").await.attached_to,
            Some(latest.message_id)
        );
        let untouched = app.report(ReportLookup::Folio(&other_group.folio)).await;
        assert_eq!(untouched.follow_ups_unseen, 0);

        // No folio, but quoting the first report's message: that report.
        post(
            &app,
            reply_webhook(
                "wamid.F5",
                MARIA.0,
                "wamid.F1",
                "¿hay alguna novedad de lo que reportamos? nadie ha venido",
            ),
        )
        .await;
        assert_eq!(
            app.message("wamid.F5").await.attached_to,
            Some(first.message_id)
        );
    }
}
