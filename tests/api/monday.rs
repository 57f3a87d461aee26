//! The coordinator's Monday: `/resumen` lists what is pending (with ages and links to each
//! folio) and where requests happened (the report's colonia, not the group's list); the
//! exports carry the request text, who handled it, a "Región" column when they cover
//! several regions, and minutes as numbers. On both backends.

use std::io::Cursor;

use alerta::reports::IsoWeek;
use alerta::store::ReportLookup;
use axum::http::StatusCode;
use calamine::{Data, Reader, Xlsx};
use serde_json::json;

use crate::helpers::api::call;
use crate::helpers::session::login;
use crate::helpers::{backends, text_webhook, TestApp};
use crate::queue_api::users;
use crate::web_summary_media_privacy::get;

/// Members of "Comité Vecinal Cerro de la Campana–Centro" (son-centro), whose colonias are
/// Centro, El Coloso Alto and El Coloso Bajo.
const RICARDO: &str = "5216621000701";
const ESMERALDA: &str = "5216621000702";
const EDUARDO: &str = "5216621000703";

/// A WhatsApp location from `from`, sent now (it attaches to the sender's latest text).
pub fn location_webhook(wamid: &str, from: &str, lat: f64, lon: f64, address: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "526621234567", "phone_number_id": "106540352242922"},
            "messages": [{
                "id": wamid, "from": from,
                "timestamp": chrono::Utc::now().timestamp().to_string(),
                "type": "location",
                "location": {"latitude": lat, "longitude": lon, "address": address}
            }]
        }}]}]
    }))
    .unwrap()
}

pub async fn report(app: &TestApp, wamid: &str, from: &str, text: &str) -> String {
    let (s, _) = app
        .post_signed(&text_webhook(wamid, Some(from), None, None, text))
        .await;
    assert_eq!(s, StatusCode::OK);
    app.report(ReportLookup::MessageWamid(wamid)).await.folio
}

/// Three requests of one group: one names its colonia, one sends a location whose address
/// names another, one says nothing about where.
async fn three_requests(app: &TestApp) -> [String; 3] {
    let named = report(
        app,
        "wamid.MON1",
        RICARDO,
        "pedimos rondines de patrulla en la noche por El Coloso Alto, calle 5",
    )
    .await;
    let placed = report(
        app,
        "wamid.MON2",
        ESMERALDA,
        "pedimos rondines de patrulla en la noche, hay muchachos tomando",
    )
    .await;
    let pin = location_webhook(
        "wamid.MON2L",
        ESMERALDA,
        29.0744,
        -110.9612,
        "Calle Jesús García 12, Centro, Hermosillo",
    );
    assert_eq!(app.post_signed(&pin).await.0, StatusCode::OK);
    let unknown = report(
        app,
        "wamid.MON3",
        EDUARDO,
        "solicitamos platica de prevencion del delito para los vecinos el proximo mes",
    )
    .await;
    [named, placed, unknown]
}

#[tokio::test]
async fn the_summary_lists_pending_requests_and_where_they_happened() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        users(&app).await;
        let [named, placed, unknown] = three_requests(&app).await;
        let tz = app
            .state
            .registry
            .current()
            .region("son-centro")
            .unwrap()
            .time_zone;
        let week = IsoWeek::of(chrono::Utc::now(), tz);
        let centro = login(&app, "coord_centro").await;
        let page = get(
            &app,
            &centro.cookie,
            &format!("/resumen?week={week}&region=son-centro"),
        )
        .await;
        let html = page.text();
        assert_eq!(page.status, StatusCode::OK, "{backend:?}: {html}");

        let pending = section(&html, r#"id="pendientes""#);
        for folio in [&named, &placed, &unknown] {
            assert!(
                pending.contains(&format!(r#"<a href="/reportes/{folio}">{folio}</a>"#)),
                "{backend:?}: {folio} linked in {pending}"
            );
        }
        assert_eq!(
            pending.matches("class=\"age\">hace ").count(),
            3,
            "{pending}"
        );
        // The queue with the same region and the pending statuses (askama escapes the `&`).
        let link = html.find(r#"id="ver-en-cola""#).expect("the queue link");
        let link = &html[link.saturating_sub(90)..link];
        assert!(
            link.contains(r#"href="/cola?status=open%2Cacknowledged&"#)
                && link.contains(r#"region=son-centro""#),
            "{link}"
        );

        let colonias = section(&html, r#"id="por-colonia""#);
        let row = |name: &str| {
            let at = colonias
                .find(&format!("<th scope=\"row\">{name}</th>"))
                .unwrap_or_else(|| panic!("{backend:?}: {name} in {colonias}"));
            colonias[at..].split("</tr>").next().unwrap().to_owned()
        };
        assert!(row("El Coloso Alto").contains(r#"<td class="num">1</td>"#));
        assert!(
            row("Centro").contains(r#"<td class="num">1</td>"#),
            "from the location"
        );
        assert!(row("Sin colonia identificada").contains(r#"<td class="num">1</td>"#));
        assert!(
            !colonias.contains("El Coloso Bajo"),
            "the group's other colonias are not places of these requests"
        );

        // Deadlines: met, missed and not reached yet are told apart, and explained.
        assert!(html.contains(r#"id="aun-no-vencen">"#) && html.contains(" aún no vencen<"));
        assert!(html.contains(r#"id="vencidas">"#) && html.contains(r#"id="en-plazo">"#));
        assert!(html.contains("Plazo de acuse: tiempo para que alguien confirme"));
        assert!(!html.contains("style="), "the CSP forbids inline styles");
    }
}

/// The markup of the element opened by `marker`, up to its table's end.
fn section<'a>(html: &'a str, marker: &str) -> &'a str {
    let start = html.find(marker).unwrap_or_else(|| panic!("{marker}"));
    let rest = &html[start..];
    &rest[..rest.find("</table>").unwrap()]
}

#[tokio::test]
async fn exports_carry_region_request_text_handler_and_numeric_minutes() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let users = users(&app).await;
        let [named, _, _] = three_requests(&app).await;
        let (s, _) = call(
            &app,
            "POST",
            &format!("/api/v1/reports/{named}/actions"),
            Some(users.token("op_todas")),
            Some(json!({ "action": "resolve" })),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{backend:?}");
        let tz = app
            .state
            .registry
            .current()
            .region("son-centro")
            .unwrap()
            .time_zone;
        let week = IsoWeek::of(chrono::Utc::now(), tz);

        // All regions (the admin chose none): "Región" names each row's region.
        let (status, bytes) = crate::exports::download(
            &app,
            users.token("admin"),
            &format!("week={week}&format=xlsx"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{backend:?}");
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        let detail = book.worksheet_range("Detalle").unwrap();
        let head: Vec<String> = detail
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        let col = |name: &str| {
            head.iter()
                .position(|h| h == name)
                .unwrap_or_else(|| panic!("{name} in {head:?}"))
        };
        assert_eq!(head[1], "Región");
        let row = detail
            .rows()
            .find(|r| r[0].to_string() == named)
            .expect("the resolved request");
        assert_eq!(row[col("Región")].to_string(), "Centro / Hermosillo");
        assert!(row[col("Solicitud")]
            .to_string()
            .contains("El Coloso Alto, calle 5"));
        assert_eq!(row[col("Atendió")].to_string(), "op_todas");
        assert_eq!(row[col("Colonia")].to_string(), "El Coloso Alto");
        assert!(
            matches!(row[col("Recibido")], Data::DateTime(_)),
            "dates stay dates: {:?}",
            row[col("Recibido")]
        );
        assert!(matches!(
            row[col("Tiempo para resolver (min)")],
            Data::Float(_)
        ));

        // "Resumen": minutes are numbers Excel can sum; the text form sits beside them.
        let summary = book.worksheet_range("Resumen").unwrap();
        let resolve = summary
            .rows()
            .find(|r| r[0] == "Tiempo para resolver, min (mediana)")
            .expect("the resolution median row");
        assert!(matches!(resolve[1], Data::Float(_)), "{:?}", resolve[1]);
        let labels: Vec<String> = summary.rows().map(|r| r[0].to_string()).collect();
        for wanted in ["En plazo", "Vencidas", "Aún no vencen", "Plazos de acuse"] {
            assert!(labels.iter().any(|l| l == wanted), "{wanted} in {labels:?}");
        }
        assert!(labels.iter().any(|l| l.starts_with("Pendientes al ")));

        // One region's CSV has no "Región" column, and still the text and the handler.
        let (_, csv) = crate::exports::download(
            &app,
            users.token("admin"),
            &format!("week={week}&region=son-centro&format=csv"),
        )
        .await;
        let text = String::from_utf8(csv).unwrap();
        let header = text.trim_start_matches('\u{feff}').lines().next().unwrap();
        assert!(!header.contains("Región"), "{header}");
        assert!(
            header.contains(",Solicitud,Coordinador,Atendió,"),
            "{header}"
        );
        let line = text.lines().find(|l| l.starts_with(&named)).unwrap();
        assert!(line.contains("El Coloso Alto, calle 5") && line.contains(",op_todas,"));
    }
}
