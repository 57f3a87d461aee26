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
use crate::web::{get, post as web_post};

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

/// Issue 20, part 1: an operator corrects grouping from the report page (split, merge,
/// confirm), with the session's CSRF token, and every correction is in the audit trail.
#[tokio::test]
async fn the_report_page_splits_and_merges_incidents_with_an_audit_trail() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        users(&app).await;
        let mut burst = Vec::new();
        for (i, (from, text)) in BURST.iter().take(3).enumerate() {
            burst.push(post(&app, &format!("w.e{i}"), from, text).await);
        }
        app.state
            .incidents(Clock::manual(Utc::now()))
            .tick()
            .await
            .unwrap();
        let store = &app.state.store;
        let first = store
            .incident_of_report(burst[0].id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(first.report_count, 3);
        let (lead, joined) = (burst[0].folio.as_str(), burst[2].folio.as_str());
        let ana = login(&app, "op_centro").await;
        let page = get(&app, Some(&ana.cookie), &format!("/reportes/{joined}")).await;
        assert!(page.body.contains("Separar del incidente"), "{}", page.body);
        assert!(page.body.contains("Unir incidentes"));
        let uri = format!("/reportes/{joined}/incidente");

        // Without the session's token nothing changes.
        let forged = web_post(&app, &ana, &uri, &[("action", "split")]).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert_eq!(
            store
                .incident_of_report(burst[2].id)
                .await
                .unwrap()
                .unwrap()
                .id,
            first.id
        );

        let split = web_post(
            &app,
            &ana,
            &uri,
            &[("csrf", ana.csrf.as_str()), ("action", "split")],
        )
        .await;
        assert_eq!(split.status, StatusCode::SEE_OTHER);
        assert_eq!(
            split.location(),
            format!("/reportes/{joined}?ok=incident_split")
        );
        let own = store
            .incident_of_report(burst[2].id)
            .await
            .unwrap()
            .unwrap();
        assert_ne!(own.id, first.id);
        assert_eq!(own.report_count, 1);
        // A report alone still offers to join another incident.
        let page = get(&app, Some(&ana.cookie), split.location()).await;
        assert!(page.body.contains("Reporte separado"), "{}", page.body);
        assert!(page
            .body
            .contains("Este reporte no está agrupado con otros."));

        // The first report cannot be split out: the page says why.
        let refused = web_post(
            &app,
            &ana,
            &format!("/reportes/{lead}/incidente"),
            &[("csrf", ana.csrf.as_str()), ("action", "split")],
        )
        .await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        assert!(refused.body.contains("es el primero del incidente"));

        let merge = web_post(
            &app,
            &ana,
            &uri,
            &[
                ("csrf", ana.csrf.as_str()),
                ("action", "merge"),
                ("into", lead),
            ],
        )
        .await;
        assert_eq!(merge.status, StatusCode::SEE_OTHER);
        let back = store
            .incident_of_report(burst[2].id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((back.id, back.report_count), (first.id, 3));

        let confirm = web_post(
            &app,
            &ana,
            &format!("/reportes/{}/incidente", burst[1].folio),
            &[("csrf", ana.csrf.as_str()), ("action", "confirm")],
        )
        .await;
        assert_eq!(confirm.status, StatusCode::SEE_OTHER);

        let by_ana = |folio: String| async move {
            store
                .audit_trail("report", &folio)
                .await
                .unwrap()
                .into_iter()
                .filter(|t| t.actor == "user:op_centro")
                .map(|t| t.action)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            by_ana(joined.to_owned()).await,
            ["incident.split", "incident.merged"]
        );
        assert_eq!(by_ana(lead.to_owned()).await, ["incident.merged_in"]);
        assert_eq!(by_ana(burst[1].folio.clone()).await, ["incident.confirmed"]);
    }
}
