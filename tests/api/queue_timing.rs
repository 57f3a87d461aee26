//! Issue 17, point 4: age, deadline and escalation state in the queue, a claim that pauses
//! escalation, late deliveries dated from when they were written; and Spanish 404/405
//! pages. Through the real router, on both backends.

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use serde_json::Value;

use crate::helpers::api::call;
use crate::helpers::session::login;
use crate::helpers::{backdate, backends, text_webhook, TestApp, MARIA};
use crate::queue_api::users;
use crate::web::get;
use alerta::notify::Clock;
use alerta::store::ReportLookup;

const ROBBERY: &str = "se estan metiendo a robar a la casa de enfrente ahorita, traen pistola";

async fn post(app: &TestApp, body: Vec<u8>) {
    let (status, text) = app.post_signed(&body).await;
    assert_eq!(status, StatusCode::OK, "{text}");
}

/// A text whose WhatsApp timestamp is `ago` before now (Meta delivering it late).
fn written_ago(wamid: &str, text: &str, ago: Duration) -> Vec<u8> {
    let mut v: Value =
        serde_json::from_slice(&text_webhook(wamid, Some(MARIA.0), None, None, text)).unwrap();
    v["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] =
        (Utc::now() - ago).timestamp().to_string().into();
    serde_json::to_vec(&v).unwrap()
}

fn item<'a>(page: &'a Value, folio: &str) -> &'a Value {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["folio"] == folio)
        .unwrap_or_else(|| panic!("{folio} in {page}"))
}

#[tokio::test]
async fn queue_items_say_age_deadline_and_escalation() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let users = users(&app).await;
        post(
            &app,
            text_webhook("w.t1", Some(MARIA.0), None, None, ROBBERY),
        )
        .await;
        let r = app.report(ReportLookup::MessageWamid("w.t1")).await;
        assert_eq!(r.priority, "critical");
        let token = users.token("op_todas");
        let (status, page) = call(&app, "GET", "/api/v1/reports", Some(token), None).await;
        assert_eq!(status, StatusCode::OK);
        let fresh = item(&page, &r.folio);
        assert_eq!(fresh["age_minutes"], 0);
        assert_eq!(fresh["deadline"]["state"], "pending", "{fresh}");
        assert!(fresh["deadline"]["text_es"]
            .as_str()
            .unwrap()
            .starts_with("vence en "));
        assert_eq!(fresh["escalation"]["state"], "waiting");
        assert!(fresh["late_delivery"].is_null());

        // Twelve minutes later, escalated to the backup by the worker.
        let created = Utc::now() - Duration::minutes(12);
        backdate(
            &app,
            "UPDATE reports SET created_at = $1 WHERE folio = $2",
            created,
            &r.folio,
        )
        .await;
        backdate(
            &app,
            "UPDATE reports SET escalate_at = $1 WHERE folio = $2",
            created + Duration::minutes(2),
            &r.folio,
        )
        .await;
        let clock = Clock::manual(Utc::now());
        assert_eq!(app.state.escalator(clock).tick().await.unwrap(), 1);
        let (_, page) = call(&app, "GET", "/api/v1/reports", Some(token), None).await;
        let late = item(&page, &r.folio);
        assert_eq!(late["age_minutes"], 12);
        assert_eq!(late["age_es"], "hace 12 min");
        assert_eq!(late["deadline"]["state"], "overdue");
        assert_eq!(late["escalation"]["level"], 1);
        assert!(
            late["summary_es"]
                .as_str()
                .unwrap()
                .starts_with("vencido · escalado a respaldo"),
            "{late}"
        );

        // The page says the same, and the history names the level and who was told.
        let s = login(&app, "op_todas").await;
        let html = get(&app, Some(&s.cookie), "/cola").await.body;
        assert!(html.contains("hace 12 min"), "queue row shows the age");
        assert!(html.contains("vencido · escalado a respaldo"));
        let page = get(&app, Some(&s.cookie), &format!("/reportes/{}", r.folio)).await;
        assert!(
            page.body.contains("Escalamiento nivel 1 (respaldo)"),
            "{}",
            page.body
        );
        assert!(page.body.contains("Se avisó a: "));
        assert!(page.body.contains("Plazo de acuse"));
    }
}

#[tokio::test]
async fn a_claim_pauses_escalation_until_released() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let users = users(&app).await;
        post(
            &app,
            text_webhook("w.t2", Some(MARIA.0), None, None, ROBBERY),
        )
        .await;
        let r = app.report(ReportLookup::MessageWamid("w.t2")).await;
        let token = users.token("op_todas");
        let uri = format!("/api/v1/reports/{}/actions", r.folio);
        let claim = serde_json::json!({"action": "claim"});
        let (status, body) = call(&app, "POST", &uri, Some(token), Some(claim)).await;
        assert_eq!(status, StatusCode::OK, "{body}");

        let clock = Clock::manual(Utc::now() + Duration::minutes(5));
        let escalator = app.state.escalator(clock.clone());
        assert_eq!(escalator.tick().await.unwrap(), 0, "held: no escalation");
        let (_, page) = call(&app, "GET", "/api/v1/reports", Some(token), None).await;
        let held = item(&page, &r.folio);
        assert_eq!(held["escalation"]["state"], "paused", "{held}");

        let release = serde_json::json!({"action": "release"});
        let (status, _) = call(&app, "POST", &uri, Some(token), Some(release)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(escalator.tick().await.unwrap(), 1, "released: escalates");
        assert_eq!(app.report(ReportLookup::Id(r.id)).await.escalation_level, 1);
    }
}

#[tokio::test]
async fn a_late_delivery_is_marked_and_aged_from_when_it_was_written() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let users = users(&app).await;
        let text = "pueden mandar una patrulla a dar rondines en la noche, se juntan a tomar";
        post(&app, written_ago("w.t3", text, Duration::days(2))).await;
        let r = app.report(ReportLookup::MessageWamid("w.t3")).await;
        let (_, page) = call(
            &app,
            "GET",
            "/api/v1/reports",
            Some(users.token("op_todas")),
            None,
        )
        .await;
        let e = item(&page, &r.folio);
        assert_eq!(
            e["late_delivery"]["text_es"],
            "entregado con retraso · escrito hace 2 días"
        );
        assert!(e["age_minutes"].as_i64().unwrap() >= 2 * 24 * 60);
        let s = login(&app, "op_todas").await;
        let html = get(&app, Some(&s.cookie), "/cola").await.body;
        assert!(html.contains("entregado con retraso · escrito hace 2 días"));
    }
}

#[tokio::test]
async fn unknown_urls_get_spanish_pages_and_the_api_json() {
    let app = TestApp::new(backends().remove(0)).await;
    users(&app).await;
    let anonymous = get(&app, None, "/no-existe").await;
    assert_eq!(anonymous.status, StatusCode::NOT_FOUND);
    assert!(anonymous.body.contains("Página no encontrada"));
    assert!(anonymous.body.contains("lang=\"es\""));
    assert!(
        anonymous.headers.contains_key("content-security-policy"),
        "the site's headers"
    );
    let s = login(&app, "op_todas").await;
    let signed = get(&app, Some(&s.cookie), "/reportes/SON-2026-000001/otra-cosa").await;
    assert_eq!(signed.status, StatusCode::NOT_FOUND);
    assert!(
        signed.body.contains("Cerrar sesión"),
        "in the signed-in layout"
    );
    let api = get(&app, None, "/api/v1/no-existe").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    let v: Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(v["error"]["code"], "not_found");
    let (status, _) = call(&app, "DELETE", "/cola", None, None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    let wrong = crate::web::send(
        &app,
        axum::http::Request::delete("/cola")
            .body(axum::body::Body::empty())
            .unwrap(),
    )
    .await;
    assert!(
        wrong.body.contains("Operación no permitida"),
        "{}",
        wrong.body
    );
}
