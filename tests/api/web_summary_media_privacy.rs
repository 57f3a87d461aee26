//! The web app's weekly summary, media and privacy pages in-process: the summary counts what
//! the CSV, the XLSX and the queue count, each page keeps to its region and role, and the
//! media pages.

use std::io::Cursor;

use alerta::reports::IsoWeek;
use alerta::store::ReportLookup;
use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use calamine::{Reader, Xlsx};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::fake_graph::FakeGraph;
use crate::helpers::api::call;
use crate::helpers::media::{fake_media, sha_hex};
use crate::helpers::session::{login, Session};
use crate::helpers::{backends, media_webhook, text_webhook, TestApp, MARIA};
use crate::queue_api::users;

const PATROL: &str = "pedimos rondines de patrulla en la noche por la calle principal";
const WORKSHOP: &str =
    "solicitamos platica de prevencion del delito para los vecinos el proximo mes";

pub(crate) struct Resp {
    pub(crate) status: StatusCode,
    headers: HeaderMap,
    pub(crate) bytes: Vec<u8>,
}

impl Resp {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    pub(crate) fn header(&self, name: header::HeaderName) -> &str {
        self.headers.get(name).map_or("", |v| v.to_str().unwrap())
    }
}

async fn send(app: &TestApp, req: Request<Body>) -> Resp {
    let res = app.router.clone().oneshot(req).await.expect("infallible");
    let (status, headers) = (res.status(), res.headers().clone());
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Resp {
        status,
        headers,
        bytes,
    }
}

pub(crate) async fn get(app: &TestApp, cookie: &str, uri: &str) -> Resp {
    let req = Request::get(uri).header(header::COOKIE, cookie);
    send(app, req.body(Body::empty()).unwrap()).await
}

/// A form POST as the page sends it; the session's token unless `pairs` has one.
async fn post(app: &TestApp, s: &Session, uri: &str, pairs: &[(&str, &str)]) -> Resp {
    let mut all: Vec<(&str, &str)> = pairs.to_vec();
    if !pairs.iter().any(|(k, _)| *k == "csrf") {
        all.push(("csrf", &s.csrf));
    }
    let req = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &s.cookie)
        .header(header::ORIGIN, "null");
    let body = serde_urlencoded::to_string(all).unwrap();
    send(app, req.body(Body::from(body)).unwrap()).await
}

async fn report(app: &TestApp, wamid: &str, text: &str) -> alerta::store::ReportRow {
    let (s, _) = app
        .post_signed(&text_webhook(wamid, Some(MARIA.0), None, None, text))
        .await;
    assert_eq!(s, StatusCode::OK);
    app.report(ReportLookup::MessageWamid(wamid)).await
}

/// The text of the first element after `marker`, up to the next tag.
fn after<'a>(html: &'a str, marker: &str) -> &'a str {
    let rest = &html[html.find(marker).unwrap_or_else(|| panic!("{marker}")) + marker.len()..];
    rest[rest.find('>').unwrap() + 1..]
        .split('<')
        .next()
        .unwrap()
}

#[tokio::test]
async fn the_weekly_summary_counts_what_the_exports_and_the_queue_count() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let users = users(&app).await;
        let first = report(&app, "wamid.S1", PATROL).await;
        report(&app, "wamid.S2", &format!("{PATROL} de la colonia centro")).await;
        report(&app, "wamid.S3", WORKSHOP).await;
        let tz = app
            .state
            .registry
            .current()
            .region("son-centro")
            .unwrap()
            .time_zone;
        let week = IsoWeek::of(first.created_at, tz);
        let scope = format!("week={week}&region=son-centro");
        let centro = login(&app, "coord_centro").await;

        let page = get(&app, &centro.cookie, &format!("/resumen?{scope}")).await;
        let html = page.text();
        assert_eq!(page.status, StatusCode::OK, "{backend:?}: {html}");
        assert!(html.contains(&week.label_es()) && html.contains(">Resumen semanal</a>"));
        let total: u64 = after(&html, r#"id="total-solicitudes""#).parse().unwrap();
        let per_category = |key: &str| -> u64 {
            let row = format!(r#"data-categoria="{key}""#);
            after(&html[html.find(&row).unwrap()..], r#"class="num total""#)
                .parse()
                .unwrap()
        };
        assert_eq!(total, 3);
        assert_eq!((per_category("patrol"), per_category("workshop")), (2, 1));
        // Dry-run sends carry no pricing: the ledger shows nothing billed, and says so.
        assert_eq!(after(&html, r#"id="mensajes-enviados""#), "0");
        assert_eq!(
            after(&html, r#"id="costo-mensajes""#),
            "$0.00 MXN (estimado)"
        );
        assert!(html.contains("Sin mensajes cobrados esta semana."));
        assert_eq!(html.matches("<svg").count(), 2, "both charts, inline");
        assert!(!html.contains("style="), "the CSP forbids inline styles");

        // The CSV has one line per request, and the same split by category.
        let uri = format!("/resumen/descargar?{scope}&format=csv");
        let csv = get(&app, &centro.cookie, &uri).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.header(header::CONTENT_TYPE).starts_with("text/csv"));
        assert!(csv
            .header(header::CONTENT_DISPOSITION)
            .starts_with("attachment"));
        let text = csv.text();
        let lines: Vec<&str> = text.lines().skip(1).collect();
        assert_eq!(lines.len() as u64, total);
        let patrol = alerta::reports::category_es("patrol");
        let n = lines.iter().filter(|l| l.contains(patrol)).count() as u64;
        assert_eq!(n, per_category("patrol"));

        // The XLSX's "Resumen" sheet states the same total.
        let uri = format!("/resumen/descargar?{scope}&format=xlsx");
        let xlsx = get(&app, &centro.cookie, &uri).await;
        assert_eq!(xlsx.status, StatusCode::OK);
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(xlsx.bytes)).unwrap();
        let sheet = book.worksheet_range("Resumen").unwrap();
        let row = sheet
            .rows()
            .find(|r| r[0] == "Total de solicitudes")
            .expect("a total row");
        assert_eq!(row[1].to_string(), total.to_string());

        // The queue, for the same local week, counts the same requests.
        let (mon, sun) = (week.monday(), week.sunday());
        let uri = format!("/api/v1/reports?status=all&region=son-centro&since={mon}&until={sun}");
        let (_, queue) = call(&app, "GET", &uri, Some(users.token("op_todas")), None).await;
        assert_eq!(queue["total"], json!(total), "{queue}");
        let counted = |key: &str| {
            let list = queue["by_category"].as_array().unwrap();
            list.iter()
                .find(|c| c["key"] == key)
                .map_or(0, |c| c["n"].as_u64().unwrap())
        };
        assert_eq!(counted("patrol"), per_category("patrol"));
        let audit = app.state.store.audit_after("export", 0, 10).await.unwrap();
        assert_eq!(audit.len(), 2, "both downloads are audited");

        // Without a week: the last complete one. Another region is "not found".
        let default = get(&app, &centro.cookie, "/resumen").await;
        let last = IsoWeek::of(chrono::Utc::now(), tz).previous();
        assert!(default.text().contains(&last.label_es()));
        let yaqui = login(&app, "coord_yaqui").await;
        for uri in [
            "/resumen?region=son-centro",
            "/resumen/descargar?region=son-centro",
        ] {
            let r = get(&app, &yaqui.cookie, uri).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{uri}");
            assert!(r.text().contains("La región no existe"));
        }
        let bad = get(&app, &yaqui.cookie, "/resumen?week=2025-W53").await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn media_shows_on_the_report_page_of_its_region_only() {
    for backend in backends() {
        let fake = FakeGraph::start().await;
        let media_dir = tempfile::tempdir().unwrap();
        let (base, dir) = (fake.base_url.clone(), media_dir.path().to_owned());
        let app = TestApp::with(backend, move |c| {
            c.whatsapp.access_token = Some(alerta::config::Secret::new("test-token"));
            c.whatsapp.phone_number_id = Some("106540352242922".into());
            c.whatsapp.api_base = base;
            c.media.dir = dir;
        })
        .await;
        users(&app).await;
        let photo = b"\xFF\xD8\xFF\xE0 not really a jpeg".to_vec();
        fake.add_media("IMG1", fake_media(photo.clone(), "image/jpeg"));
        let hook = media_webhook("wamid.P1", "image", "IMG1", "image/jpeg", &sha_hex(&photo));
        assert_eq!(app.post_signed(&hook).await.0, StatusCode::OK);
        let folio = app
            .report(ReportLookup::MessageWamid("wamid.P1"))
            .await
            .folio;
        let id = app.message("wamid.P1").await.id;
        let centro = login(&app, "coord_centro").await;
        let page = get(&app, &centro.cookie, &format!("/reportes/{folio}")).await;
        assert!(
            page.text().contains("Descargando de WhatsApp…"),
            "{backend:?}"
        );

        let clock = alerta::vocab::Clock::manual(chrono::Utc::now());
        let fetcher = app.state.media_fetcher(clock).unwrap().unwrap();
        fetcher.tick().await.unwrap();
        let page = get(&app, &centro.cookie, &format!("/reportes/{folio}")).await;
        let img = format!(
            r#"<img class="media-photo" src="/media/{id}" alt="Foto enviada por el reportante" loading="lazy">"#
        );
        assert!(page.text().contains(&img), "{}", page.text());
        let csp = page.header(header::CONTENT_SECURITY_POLICY);
        assert!(csp.contains("img-src 'self'") && csp.contains("media-src 'self'"));
        let file = get(&app, &centro.cookie, &format!("/media/{id}")).await;
        assert_eq!(file.header(header::CACHE_CONTROL), "no-store");
        assert_eq!((file.status, file.bytes), (StatusCode::OK, photo));
        let yaqui = login(&app, "coord_yaqui").await;
        let other = get(&app, &yaqui.cookie, &format!("/media/{id}")).await;
        assert_eq!(
            other.status,
            StatusCode::NOT_FOUND,
            "another region's media"
        );
    }
}

#[tokio::test]
async fn privacy_requests_are_for_admins_and_erase_the_text() {
    const SECRET_TEXT: &str = "pedimos rondines, mi casa es la de la reja verde junto a la tienda";
    for backend in backends() {
        let app = TestApp::new(backend).await;
        users(&app).await;
        report(&app, "wamid.A1", SECRET_TEXT).await;
        let op = login(&app, "op_todas").await;
        let admin = login(&app, "admin").await;
        let person = [("phone", MARIA.0)];

        let cola = get(&app, &op.cookie, "/cola").await.text();
        assert!(
            !cola.contains(r#"href="/privacidad""#),
            "no link for operators"
        );
        assert_eq!(
            get(&app, &op.cookie, "/privacidad").await.status,
            StatusCode::FORBIDDEN
        );
        for uri in ["/privacidad/exportar", "/privacidad/suprimir"] {
            let r = post(
                &app,
                &op,
                uri,
                &[("phone", MARIA.0), ("reason", "x"), ("confirm", "1")],
            )
            .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{uri}");
        }

        let page = get(&app, &admin.cookie, "/privacidad").await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}");
        assert!(page.text().contains(r#"href="/privacidad""#));
        let forged = post(
            &app,
            &admin,
            "/privacidad/exportar",
            &[("phone", MARIA.0), ("csrf", "x")],
        )
        .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        let nobody = post(&app, &admin, "/privacidad/exportar", &[]).await;
        assert_eq!(nobody.status, StatusCode::BAD_REQUEST);
        assert!(nobody.text().contains("Indique el teléfono o el BSUID"));

        let export = post(&app, &admin, "/privacidad/exportar", &person).await;
        assert_eq!(export.status, StatusCode::OK, "{}", export.text());
        assert_eq!(
            export.header(header::CONTENT_DISPOSITION),
            "attachment; filename=\"datos-personales.json\""
        );
        assert_eq!(export.header(header::CACHE_CONTROL), "no-store");
        let doc: Value = serde_json::from_slice(&export.bytes).unwrap();
        let texts: Vec<&str> = doc["mensajes"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m["texto"].as_str())
            .collect();
        assert!(texts.contains(&SECRET_TEXT), "{doc}");

        let no_reason = post(
            &app,
            &admin,
            "/privacidad/suprimir",
            &[("phone", MARIA.0), ("confirm", "1")],
        )
        .await;
        assert_eq!(no_reason.status, StatusCode::BAD_REQUEST);
        assert!(no_reason
            .text()
            .contains("Indique el motivo de la supresión."));
        assert!(
            no_reason
                .text()
                .contains(&format!(r#"value="{}""#, MARIA.0)),
            "refilled"
        );
        let unconfirmed = post(
            &app,
            &admin,
            "/privacidad/suprimir",
            &[("phone", MARIA.0), ("reason", "ARCO-7")],
        )
        .await;
        assert_eq!(unconfirmed.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            app.message("wamid.A1").await.body.as_deref(),
            Some(SECRET_TEXT)
        );

        let pairs = [
            ("phone", MARIA.0),
            ("reason", "solicitud ARCO-7"),
            ("confirm", "1"),
        ];
        let done = post(&app, &admin, "/privacidad/suprimir", &pairs).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text());
        assert!(
            done.text()
                .contains("1 mensaje suprimido; los reportes se conservan sin datos personales."),
            "{}",
            done.text()
        );
        assert_eq!(app.message("wamid.A1").await.body, None);
        assert!(app
            .report(ReportLookup::MessageWamid("wamid.A1"))
            .await
            .folio
            .starts_with("SON-"));
    }
}

#[tokio::test]
async fn a_live_refresh_carries_the_filter_bars_counts() {
    let app = TestApp::new(backends().remove(0)).await;
    crate::queue_api::users(&app).await;
    let s = login(&app, "op_todas").await;
    report(
        &app,
        "wamid.LC1",
        "pedimos rondines de patrulla en la noche por favor",
    )
    .await;
    report(
        &app,
        "wamid.LC2",
        "otra vez piden rondines en el parque de la colonia",
    )
    .await;
    let rows = get(&app, &s.cookie, "/cola/filas").await.text();
    let attr = rows
        .split("data-counts=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let json = attr.replace("&#34;", "\"").replace("&quot;", "\"");
    let counts: serde_json::Value =
        serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(counts["category:patrol"], 2, "{counts}");
    assert_eq!(counts["status:open"], 2, "{counts}");
    // The page's numbers carry the keys the script updates.
    let page = get(&app, &s.cookie, "/cola").await.text();
    assert!(
        page.contains("data-count=\"category:patrol\"")
            && page.contains("data-count=\"status:open\"")
    );
}
