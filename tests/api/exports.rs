//! Weekly exports: ISO weeks in each region's time zone (Sunday 23:30 in Hermosillo is
//! Monday in UTC), across the year end (2026-W53, 2027-W01), CSV that Excel opens with its
//! accents, XLSX read back, the same figures as the queue, and region scope.

use std::io::Cursor;

use axum::http::StatusCode;
use calamine::{Reader, Xlsx};
use chrono::{DateTime, Utc};
use tower::ServiceExt;

use crate::helpers::api::call;
use crate::helpers::{backends, repo_path, text_webhook, TestApp, MARIA};
use crate::queue_api::users;

/// A registered member in San Luis Potosí (America/Mexico_City, UTC-6).
const SLP_MEMBER: &str = "5214441000201";

/// Sonora's registry plus San Luis Potosí's: two time zones in one deployment.
fn two_zone_registry() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(repo_path("config/registry")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    for entry in std::fs::read_dir(repo_path("fixtures/registry/slp")).unwrap() {
        let p = entry.unwrap().path();
        let name = format!("slp-{}", p.file_name().unwrap().to_string_lossy());
        std::fs::copy(&p, dir.path().join(name)).unwrap();
    }
    dir
}

/// Moves a report's creation time: the pipeline stamps "now", the fixture needs the past.
async fn set_created(app: &TestApp, folio: &str, at: &str) {
    let sql = "UPDATE reports SET created_at = $1, updated_at = $1 WHERE folio = $2";
    crate::helpers::backdate(app, sql, at.parse().unwrap(), folio).await;
}

async fn report(app: &TestApp, n: u32, from: &str, text: &str, at: &str) -> String {
    let wamid = format!("wamid.EXP{n}");
    let (s, _) = app
        .post_signed(&text_webhook(&wamid, Some(from), None, None, text))
        .await;
    assert_eq!(s, StatusCode::OK);
    let folio = app
        .report(alerta::store::ReportLookup::MessageWamid(&wamid))
        .await
        .folio;
    set_created(app, &folio, at).await;
    folio
}

pub(crate) async fn download(app: &TestApp, token: &str, query: &str) -> (StatusCode, Vec<u8>) {
    let req = axum::http::Request::get(format!("/api/v1/exports/weekly?{query}"))
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let response = app.router.clone().oneshot(req).await.unwrap();
    let status = response.status();
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes();
    (status, bytes.to_vec())
}

fn csv_folios(bytes: &[u8]) -> Vec<String> {
    let text = std::str::from_utf8(bytes).unwrap();
    text.trim_start_matches('\u{feff}')
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn weeks_follow_each_regions_time_zone_and_the_year_end() {
    let registry = two_zone_registry();
    for backend in backends() {
        let dir = registry.path().to_owned();
        let app = TestApp::with(backend, move |c| c.registry_dir = dir).await;
        let users = users(&app).await;
        let patrol = "pedimos rondines de patrulla en la noche por la calle principal";
        // Sunday 23:30 in Hermosillo (UTC-7) is Monday 06:30 UTC: still week 47 there.
        let sunday_night = report(&app, 1, MARIA.0, patrol, "2026-11-23T06:30:00Z").await;
        let monday_hmo = report(&app, 2, MARIA.0, patrol, "2026-11-23T07:30:00Z").await;
        // The same UTC instant as the first is Monday 00:30 in San Luis Potosí (UTC-6).
        let monday_slp = report(&app, 3, SLP_MEMBER, patrol, "2026-11-23T06:30:00Z").await;
        let new_year_eve = report(&app, 4, MARIA.0, patrol, "2026-12-31T20:00:00Z").await;
        let first_monday = report(&app, 5, MARIA.0, patrol, "2027-01-04T08:00:00Z").await;

        let admin = users.token("admin");
        let folios = |q: &'static str| {
            let app = &app;
            async move {
                let (s, body) = download(app, admin, q).await;
                assert_eq!(s, StatusCode::OK, "{q}: {}", String::from_utf8_lossy(&body));
                assert!(
                    body.starts_with(b"\xEF\xBB\xBF"),
                    "Excel needs the BOM to read UTF-8"
                );
                csv_folios(&body)
            }
        };
        assert_eq!(
            folios("week=2026-W47&region=son-centro").await,
            vec![sunday_night.clone()]
        );
        assert_eq!(
            folios("week=2026-W48&region=son-centro").await,
            vec![monday_hmo.clone()]
        );
        assert_eq!(
            folios("week=2026-W48&region=slp-centro").await,
            vec![monday_slp.clone()]
        );
        assert!(folios("week=2026-W47&region=slp-centro").await.is_empty());
        assert_eq!(
            folios("week=2026-W53&region=son-centro").await,
            vec![new_year_eve]
        );
        assert_eq!(
            folios("week=2027-W01&region=son-centro").await,
            vec![first_monday]
        );
        let (s, _) = download(&app, admin, "week=2025-W53").await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "2025 has 52 ISO weeks");

        // Headers in Spanish with their accents, local times, no phone number anywhere.
        let (_, csv) = download(&app, admin, "week=2026-W47&region=son-centro").await;
        let text = String::from_utf8(csv.clone()).unwrap();
        assert!(
            text.contains("Categoría") && text.contains("Comité Vecinal Villa de Seris"),
            "{text}"
        );
        assert!(
            text.contains("2026-11-22 23:30"),
            "received time is local: {text}"
        );
        // The request text is there (coordinators must know what was asked, issue 17); the
        // sender's number never is.
        assert!(
            !text.contains("6621000101") && text.contains("rondines"),
            "{text}"
        );

        // The XLSX has the same rows, and its summary counts them.
        let (s, xlsx) = download(&app, admin, "week=2026-W48&region=son-centro&format=xlsx").await;
        assert_eq!(s, StatusCode::OK);
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(xlsx)).unwrap();
        let detail = book.worksheet_range("Detalle").unwrap();
        let rows: Vec<String> = detail.rows().skip(1).map(|r| r[0].to_string()).collect();
        assert_eq!(rows, vec![monday_hmo.clone()]);
        assert!(book.worksheet_range("Resumen").is_ok());

        // The queue, filtered to the same week, counts the same requests.
        let (_, page) = call(
            &app,
            "GET",
            "/api/v1/reports?region=son-centro&status=all&since=2026-11-23&until=2026-11-29",
            Some(admin),
            None,
        )
        .await;
        assert_eq!(page["total"], 1, "{page}");
        assert_eq!(page["items"][0]["folio"], monday_hmo.as_str());

        // A coordinator exports their region only; another region is not found.
        let (s, _) = download(
            &app,
            users.token("coord_yaqui"),
            "week=2026-W48&region=son-centro",
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, body) = download(&app, users.token("coord_centro"), "week=2026-W48").await;
        assert_eq!(
            (s, csv_folios(&body)),
            (StatusCode::OK, vec![monday_hmo.clone()])
        );

        // Every export is in the audit trail with who, what and how many rows.
        let trail = app.state.store.audit_after("export", 0, 100).await.unwrap();
        let last = trail.last().unwrap();
        assert_eq!(last.actor, "user:coord_centro");
        let detail: serde_json::Value =
            serde_json::from_str(last.detail.as_deref().unwrap()).unwrap();
        assert_eq!(
            (detail["week"].as_str(), detail["rows"].as_u64()),
            (Some("2026-W48"), Some(1))
        );
    }
}

#[tokio::test]
async fn the_monday_digest_goes_out_once_per_region_and_week() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let folio = report(
            &app,
            1,
            MARIA.0,
            "pedimos rondines de patrulla en la noche por la calle principal",
            "2026-11-18T18:00:00Z",
        )
        .await;
        let sunday: DateTime<Utc> = "2026-11-23T14:59:00Z".parse().unwrap(); // Monday 07:59 in Hermosillo
        let clock = alerta::vocab::Clock::manual(sunday);
        let replica = |c: &alerta::vocab::Clock| {
            alerta::reports::digest::Digester::new(
                app.state.reports(),
                c.clone(),
                std::time::Duration::from_secs(60),
            )
        };
        let (a, b) = (replica(&clock), replica(&clock));
        let before: Vec<_> = app.state.store.outbox().await.unwrap();
        let digests = |rows: &[alerta::store::OutboxRow]| {
            rows.iter().filter(|o| o.purpose == "weekly_digest").count()
        };
        assert_eq!(
            a.tick().await.unwrap(),
            digests(&before),
            "nothing new before 08:00 Monday for W47"
        );
        clock.advance(chrono::Duration::minutes(1));
        let regions = app.state.registry.current().regions().len();
        assert_eq!(
            a.tick().await.unwrap() + b.tick().await.unwrap(),
            regions,
            "one per region, whichever replica"
        );
        assert_eq!(a.tick().await.unwrap(), 0);
        // Another process after a restart finds them sent.
        assert_eq!(replica(&clock).tick().await.unwrap(), 0);
        let rows = app.state.store.outbox().await.unwrap();
        let centro: Vec<_> = rows
            .iter()
            .filter(|o| o.purpose == "weekly_digest" && o.params.contains("region=son-centro"))
            .collect();
        let coordinators = app
            .state
            .registry
            .current()
            .region("son-centro")
            .unwrap()
            .coordinators
            .len();
        assert_eq!(
            centro.len(),
            coordinators,
            "every coordinator of the region"
        );
        let params: serde_json::Value = serde_json::from_str(&centro[0].params).unwrap();
        assert_eq!(params["total"], 1, "{params} ({folio})");
        assert!(params["enlace"]
            .as_str()
            .unwrap()
            .ends_with("/resumen?week=2026-W47&region=son-centro"));
    }
}

#[tokio::test]
async fn a_csv_larger_than_one_batch_streams_every_row_once() {
    let app = TestApp::new(backends().remove(0)).await;
    let users = users(&app).await;
    // 2,100 requests in 42 webhooks of 50 messages: three database batches of 1,000.
    let now = Utc::now();
    for w in 0..42 {
        let messages: Vec<serde_json::Value> = (0..50)
            .map(|i| {
                serde_json::json!({
                    "from": MARIA.0, "id": format!("wamid.BIG.{w}.{i}"),
                    "timestamp": now.timestamp().to_string(), "type": "text",
                    "text": { "body": format!("pedimos rondines de patrulla en la calle {i} por favor") },
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
        let (s, _) = app.post_signed(&body).await;
        assert_eq!(s, StatusCode::OK);
    }
    let week = alerta::reports::IsoWeek::of(now, chrono_tz::America::Hermosillo).to_string();
    let (s, body) = download(
        &app,
        users.token("admin"),
        &format!("week={week}&region=son-centro"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let folios = csv_folios(&body);
    assert_eq!(folios.len(), 2100);
    let unique: std::collections::HashSet<_> = folios.iter().collect();
    assert_eq!(unique.len(), 2100, "no row twice across batches");
    let trail = app.state.store.audit_after("export", 0, 10).await.unwrap();
    assert!(trail
        .last()
        .unwrap()
        .detail
        .as_deref()
        .unwrap()
        .contains("\"rows\":2100"));
}
