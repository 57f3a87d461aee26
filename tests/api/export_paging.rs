//! The weekly export reads its rows in keyset pages, (created_at, id) after the last row
//! sent: every row exactly once and in order, across page boundaries that fall inside a
//! run of reports created at the same instant (one delivery's messages share it).

use axum::http::StatusCode;
use tower::ServiceExt;

use crate::helpers::{backends, TestApp, MARIA};
use crate::queue_api::users;

const PATROL: &str = "Solicitamos patrullaje en la colonia, hay robos en las noches";

/// One signed delivery of `count` patrol requests from María; they share one created_at.
async fn delivery(app: &TestApp, tag: &str, count: usize) {
    let ts = chrono::Utc::now().timestamp().to_string();
    let messages: Vec<_> = (0..count)
        .map(|i| {
            serde_json::json!({
                "from": MARIA.0, "id": format!("wamid.page.{tag}.{i}"), "timestamp": ts,
                "type": "text", "text": { "body": PATROL }
            })
        })
        .collect();
    let body = serde_json::to_vec(&serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "526621234567", "phone_number_id": "106540352242922"},
            "messages": messages
        }}]}]
    }))
    .unwrap();
    let (status, text) = app.post_signed(&body).await;
    assert_eq!(status, StatusCode::OK, "{text}");
}

fn chronological(limit: i64, after_id: Option<i64>) -> alerta::store::ReportQuery {
    alerta::store::ReportQuery {
        chronological: true,
        limit,
        after_id,
        ..alerta::store::ReportQuery::default()
    }
}

#[tokio::test]
async fn keyset_pages_return_every_report_once_in_order() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        for tag in ["a", "b", "c"] {
            delivery(&app, tag, 4).await;
        }
        // A report created later but moved earlier: the order is created_at, not id.
        let moved = app
            .report(alerta::store::ReportLookup::MessageWamid("wamid.page.c.3"))
            .await;
        crate::helpers::backdate(
            &app,
            "UPDATE reports SET created_at = $1 WHERE folio = $2",
            chrono::Utc::now() - chrono::Duration::hours(1),
            &moved.folio,
        )
        .await;
        let store = &app.state.store;
        let all: Vec<i64> = store
            .query_reports(&chronological(5000, None))
            .await
            .unwrap()
            .iter()
            .map(|i| i.report.id)
            .collect();
        assert_eq!(all.len(), 12, "{backend:?}");
        assert_eq!(all[0], moved.id, "{backend:?}: created_at first");
        let mut paged = Vec::new();
        let mut after = None;
        loop {
            let page = store.query_reports(&chronological(3, after)).await.unwrap();
            paged.extend(page.iter().map(|i| i.report.id));
            after = page.last().map(|i| i.report.id);
            if page.len() < 3 {
                break;
            }
        }
        assert_eq!(paged, all, "{backend:?}");
    }
}

#[tokio::test]
async fn a_weekly_csv_over_several_batches_has_every_request_once_in_order() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let users = users(&app).await;
        // 1,050 requests: the export's batches are 1,000 rows, and the boundary falls
        // inside the last delivery, whose 150 reports share one created_at.
        for tag in 0..7 {
            delivery(&app, &tag.to_string(), 150).await;
        }
        let expected: Vec<String> = app
            .state
            .store
            .query_reports(&chronological(5000, None))
            .await
            .unwrap()
            .iter()
            .map(|i| i.report.folio.clone())
            .collect();
        assert_eq!(expected.len(), 1050, "{backend:?}");
        let tz = app
            .state
            .registry
            .current()
            .region("son-centro")
            .unwrap()
            .time_zone;
        let week = chrono::Utc::now().with_timezone(&tz).date_naive();
        let week = chrono::Datelike::iso_week(&week);
        let query = format!("week={}-W{:02}&region=son-centro", week.year(), week.week());
        let req = axum::http::Request::get(format!("/api/v1/exports/weekly?{query}"))
            .header("authorization", format!("Bearer {}", users.token("admin")))
            .body(axum::body::Body::empty())
            .unwrap();
        let response = app.router.clone().oneshot(req).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{backend:?}");
        let bytes = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap()
            .to_bytes();
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        let folios: Vec<String> = text
            .trim_start_matches('\u{feff}')
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().to_owned())
            .collect();
        assert_eq!(folios.len(), expected.len(), "{backend:?}");
        assert_eq!(folios, expected, "{backend:?}");
    }
}
