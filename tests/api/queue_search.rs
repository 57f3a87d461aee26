//! Issue 17, points 6 and 7: search that finds what a caller reads out (whole or short folio
//! whatever its status, no accents or case, group names and colonias), duplicate marking by
//! short folio with suggestions, and the smaller report-page fixes. Real router, both
//! backends.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::helpers::api::call;
use crate::helpers::session::login;
use crate::helpers::{backends, text_webhook, TestApp, MARIA};
use crate::queue_api::users;
use crate::web::{act, get};
use alerta::store::ReportLookup;

const PATROL: &str = "Pueden mandar una patrulla a dar rondines, la POLICÍA no ha pasado en días";
const AGAIN: &str = "otra vez se juntan a tomar en el parque, manden una patrulla a dar rondines";

async fn post(app: &TestApp, wamid: &str, text: &str) -> String {
    let body = text_webhook(wamid, Some(MARIA.0), None, None, text);
    let (status, body) = app.post_signed(&body).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.report(ReportLookup::MessageWamid(wamid)).await.folio
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
async fn a_folio_read_out_opens_its_report_whatever_its_status() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let users = users(&app).await;
        let token = users.token("op_todas");
        let folio = post(&app, "w.s1", PATROL).await;
        let number: i64 = folio.rsplit('-').next().unwrap().parse().unwrap();
        let resolve = json!({"action": "resolve"});
        let uri = format!("/api/v1/reports/{folio}/actions");
        let (status, _) = call(&app, "POST", &uri, Some(token), Some(resolve)).await;
        assert_eq!(status, StatusCode::OK);
        // Resolved: the default filter (active reports) does not list it...
        let (_, page) = call(&app, "GET", "/api/v1/reports", Some(token), None).await;
        assert!(folios(&page).is_empty());
        // ...but its folio, whole or short, finds it.
        for q in [
            folio.to_lowercase(),
            format!("{number:06}"),
            number.to_string(),
        ] {
            let (status, page) = call(
                &app,
                "GET",
                &format!("/api/v1/reports?q={q}&category=workshop"),
                Some(token),
                None,
            )
            .await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(folios(&page), std::slice::from_ref(&folio), "q={q}");
            assert_eq!(page["folio_search"], true);
        }
        // Another region's operator is told nothing.
        let (_, page) = call(
            &app,
            "GET",
            &format!("/api/v1/reports?q={number}"),
            Some(users.token("coord_yaqui")),
            None,
        )
        .await;
        assert!(folios(&page).is_empty());
        // The web page goes straight to the report.
        let s = login(&app, "op_todas").await;
        let r = get(&app, Some(&s.cookie), &format!("/cola?q={number}")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location(), format!("/reportes/{folio}"));
    }
}

#[tokio::test]
async fn text_search_ignores_accents_and_case_and_finds_groups_and_colonias() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let users = users(&app).await;
        let token = users.token("op_todas");
        let folio = post(&app, "w.s2", PATROL).await;
        for q in [
            "policia",
            "POLIC%C3%8DA",
            "Policia",
            "dias",
            "SERIS",
            "villa%20de%20seris",
        ] {
            let (status, page) = call(
                &app,
                "GET",
                &format!("/api/v1/reports?q={q}"),
                Some(token),
                None,
            )
            .await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(folios(&page), std::slice::from_ref(&folio), "q={q}");
            assert_eq!(page["folio_search"], false);
        }
        let (_, page) = call(&app, "GET", "/api/v1/reports?q=bomberos", Some(token), None).await;
        assert!(folios(&page).is_empty());
    }
}

#[tokio::test]
async fn duplicates_by_short_folio_with_suggestions_from_the_same_group() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        users(&app).await;
        let first = post(&app, "w.s3", PATROL).await;
        let second = post(&app, "w.s4", AGAIN).await;
        let s = login(&app, "op_todas").await;
        let page = get(&app, Some(&s.cookie), &format!("/reportes/{second}")).await;
        assert!(
            page.body.contains(&format!("Unir a {first}")),
            "suggested: {}",
            page.body
        );
        let short: i64 = first.rsplit('-').next().unwrap().parse().unwrap();
        let r = act(
            &app,
            &s,
            &second,
            &[("action", "mark_duplicate"), ("of", &short.to_string())],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let dup = app.report(ReportLookup::Folio(&second)).await;
        assert_eq!(dup.duplicate_of.as_deref(), Some(first.as_str()));
    }
}

#[tokio::test]
async fn take_is_not_offered_on_a_report_someone_else_holds() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        users(&app).await;
        let folio = post(&app, "w.s5", PATROL).await;
        let ana = login(&app, "op_todas").await;
        let beto = login(&app, "op_centro").await;
        let before = get(&app, Some(&beto.cookie), &format!("/reportes/{folio}")).await;
        assert!(before.body.contains("id=\"tomar\""));
        assert!(before
            .body
            .contains("Tomarlo pone en pausa el escalamiento"));
        let r = act(&app, &ana, &folio, &[("action", "claim")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let after = get(&app, Some(&beto.cookie), &format!("/reportes/{folio}")).await;
        assert!(!after.body.contains("id=\"tomar\""), "no Tomar for beto");
        assert!(!after.body.contains("id=\"barra-tomar\""));
        assert!(after
            .body
            .contains("escalamiento en pausa mientras op_todas lo tenga"));
        // The admin may take it over, under its own name.
        let jefa = login(&app, "admin").await;
        let admin = get(&app, Some(&jefa.cookie), &format!("/reportes/{folio}")).await;
        assert!(admin.body.contains("Reasignar a mí (lo tiene op_todas)"));
    }
}
