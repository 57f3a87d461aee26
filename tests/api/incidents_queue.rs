//! Issue 20, part 4: the queue folds an incident's reports into one row with its count,
//! groups and times; the report page names its incident and why it was placed there; the
//! placement reaches the live change feed; another region's operator sees none of it.

use alerta::vocab::Clock;
use axum::http::StatusCode;
use chrono::Utc;

use crate::helpers::session::login;
use crate::helpers::{backends, TestApp};
use crate::incidents::{post, BURST};
use crate::queue_api::users;
use crate::web::get;

/// The top-level rows of a queue page or fragment, by folio, in order.
fn row_folios(html: &str) -> Vec<String> {
    html.split("data-folio=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_incident_is_one_queue_row_and_the_report_page_names_it() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        users(&app).await;
        alerta::queue::users::add_user(
            app.state.store.as_ref(),
            &app.state.registry.current(),
            "op_yaqui",
            "operator",
            &["son-valle-yaqui".to_owned()],
            Some(crate::helpers::session::PASSWORD),
        )
        .await
        .unwrap();
        let mut burst = Vec::new();
        for (i, (from, text)) in BURST.iter().take(3).enumerate() {
            burst.push(post(&app, &format!("w.q{i}"), from, text).await);
        }
        let worker = app.state.incidents(Clock::manual(Utc::now()));
        worker.tick().await.unwrap();
        let incident = app
            .state
            .store
            .incident_of_report(burst[0].id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(incident.report_count, 3);
        assert_eq!(burst[0].region, "son-centro");
        let folios: Vec<&str> = burst.iter().map(|r| r.folio.as_str()).collect();

        // The queue and the fragment a live refresh fetches: one row, the others under it.
        let ana = login(&app, "op_centro").await;
        for uri in ["/cola", "/cola/filas"] {
            let page = get(&app, Some(&ana.cookie), uri).await;
            assert_eq!(page.status, StatusCode::OK, "{uri}");
            let rows = row_folios(&page.body);
            assert_eq!(rows, [folios[0]], "{uri}: one row for the incident");
            assert!(
                page.body.contains("Incidente · 3 reportes de 2 grupos · "),
                "{uri}: {}",
                page.body
            );
            let folded = page
                .body
                .split("<details class=\"incident-members\">")
                .nth(1)
                .expect("the other reports fold under the row");
            assert!(folded.contains("Ver los otros 2 reportes"));
            for f in &folios[1..] {
                assert!(folded.contains(&format!("href=\"/reportes/{f}\"")), "{f}");
            }
        }

        // A joined report's page names the incident and the signals that placed it.
        let page = get(&app, Some(&ana.cookie), &format!("/reportes/{}", folios[2])).await;
        assert_eq!(page.status, StatusCode::OK);
        let lead = folios[0];
        assert!(page.body.contains(&format!(
            "Parte del incidente <a href=\"/reportes/{lead}\">{lead}</a>"
        )));
        assert!(page.body.contains(&format!(
            "href=\"/reportes/{}\">{}</a>",
            folios[1], folios[1]
        )));
        assert!(page.body.contains("Por qué se agrupó"));
        assert!(page.body.contains("tiempo: coincidencia "), "{}", page.body);

        // The placement is a report change, so open queues refresh the row live.
        let (changes, _) = app.state.store.report_changes_after(0, 1000).await.unwrap();
        assert!(changes
            .iter()
            .any(|c| c.action == "incident.joined" && c.folio == folios[2]));

        // Another region's operator sees neither the row nor the report.
        let beto = login(&app, "op_yaqui").await;
        let queue = get(&app, Some(&beto.cookie), "/cola").await;
        assert_eq!(queue.status, StatusCode::OK);
        assert!(!queue.body.contains("Incidente ·"));
        for f in &folios {
            assert!(!queue.body.contains(f), "{f}");
        }
        let page = get(
            &app,
            Some(&beto.cookie),
            &format!("/reportes/{}", folios[2]),
        )
        .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
    }
}
