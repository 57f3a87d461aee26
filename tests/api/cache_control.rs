//! Every API response that can carry personal data says `Cache-Control: no-store`: a
//! report, a list, an export or a privacy export must not stay in a browser's or a proxy's
//! cache after logout or after the citizen's data was erased. Public files may be cached.

use axum::http::{header, Request, StatusCode};
use tower::ServiceExt;

use crate::helpers::{backends, text_webhook, TestApp, MARIA};
use crate::queue_api::users;

async fn cache_control(app: &TestApp, req: Request<axum::body::Body>) -> (StatusCode, String) {
    let response = app.router.clone().oneshot(req).await.unwrap();
    let value = response
        .headers()
        .get(header::CACHE_CONTROL)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (response.status(), value)
}

#[tokio::test]
async fn personal_data_is_never_cached() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let users = users(&app).await;
        let wamid = "wamid.cache.1";
        let (s, _) = app
            .post_signed(&text_webhook(
                wamid,
                Some(MARIA.0),
                None,
                None,
                "Solicitamos patrullaje en la colonia, hay robos en las noches",
            ))
            .await;
        assert_eq!(s, StatusCode::OK);
        let folio = app
            .report(alerta::store::ReportLookup::MessageWamid(wamid))
            .await
            .folio;
        let token = users.token("admin");
        let tz = app
            .state
            .registry
            .current()
            .region("son-centro")
            .unwrap()
            .time_zone;
        let today = chrono::Utc::now().with_timezone(&tz).date_naive();
        let week = chrono::Datelike::iso_week(&today);
        let get = |uri: String| {
            Request::get(uri)
                .header("authorization", format!("Bearer {token}"))
                .body(axum::body::Body::empty())
                .unwrap()
        };
        let requests = [
            get("/api/v1/reports?status=all".into()),
            get(format!("/api/v1/reports/{folio}")),
            get("/api/v1/me".into()),
            get("/api/v1/users".into()),
            get("/api/v1/triage/corrections".into()),
            get(format!(
                "/api/v1/exports/weekly?week={}-W{:02}",
                week.year(),
                week.week()
            )),
            Request::post("/api/v1/privacy/export")
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(
                    serde_json::json!({ "phone": MARIA.0 }).to_string(),
                ))
                .unwrap(),
            Request::post(format!("/api/v1/reports/{folio}/contact"))
                .header("authorization", format!("Bearer {token}"))
                .body(axum::body::Body::empty())
                .unwrap(),
        ];
        for req in requests {
            let what = format!("{} {}", req.method(), req.uri());
            let (status, cache) = cache_control(&app, req).await;
            assert!(status.is_success(), "{backend:?} {what}: {status}");
            assert_eq!(cache, "no-store", "{backend:?} {what}");
        }
        // A refusal carries no data, but nothing about it should be cached either.
        let (status, cache) =
            cache_control(&app, get("/api/v1/reports/XX-0000-000000".into())).await;
        assert_eq!(
            (status, cache.as_str()),
            (StatusCode::NOT_FOUND, "no-store")
        );
        // Public files keep their caching.
        let notice = Request::get("/aviso-de-privacidad")
            .body(axum::body::Body::empty())
            .unwrap();
        let (status, cache) = cache_control(&app, notice).await;
        assert_eq!(
            (status, cache.as_str()),
            (StatusCode::OK, "public, max-age=3600")
        );
    }
}
