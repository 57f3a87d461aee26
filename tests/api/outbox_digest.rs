//! The Monday digest carries something or is not sent, and the 24-hour window decides before
//! sending whether it goes as text or as its template. On both backends.

use alerta::reports::digest::Digester;
use alerta::store::ReportLookup;
use alerta::vocab::Clock;
use chrono::{DateTime, Utc};

use crate::fake_graph::{text_of, FakeGraph};
use crate::helpers::outbox::drain;
use crate::helpers::{backdate, backends, TestApp, LAURA};
use crate::outbox::{graph_app_on, post_text};
use crate::outbox_fallback::{patrol_coordinator, template_params};

/// Monday 2026-11-23 08:01 in Hermosillo: W47's digest is due.
const MONDAY: &str = "2026-11-23T15:01:00Z";

fn digester(app: &TestApp, at: &str) -> Digester {
    let at: DateTime<Utc> = at.parse().unwrap();
    Digester::new(
        app.state.reports(),
        Clock::manual(at),
        std::time::Duration::from_secs(60),
    )
}

/// A request from `LAURA`, moved back to `at`: the installation's history starts there.
async fn first_report_at(app: &TestApp, wamid: &str, at: &str) {
    let patrol = "pueden mandar rondines en la noche por la calle principal xfa";
    post_text(app, wamid, LAURA, patrol).await;
    let folio = app.report(ReportLookup::MessageWamid(wamid)).await.folio;
    let sql = "UPDATE reports SET created_at = $1, updated_at = $1 WHERE folio = $2";
    backdate(app, sql, at.parse().unwrap(), &folio).await;
}

#[tokio::test]
async fn no_digest_for_weeks_before_the_first_report() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        // A fresh installation: nothing to tell anyone, and nothing recorded either.
        assert_eq!(
            digester(&app, MONDAY).tick().await.unwrap(),
            0,
            "{backend:?}"
        );
        // Its first report comes in W48: W47 ended before it, so W47 never goes out.
        first_report_at(&app, "w.first.1", "2026-11-25T18:00:00Z").await;
        assert_eq!(
            digester(&app, MONDAY).tick().await.unwrap(),
            0,
            "{backend:?}"
        );
        let rows = app.state.store.outbox().await.unwrap();
        assert!(
            rows.iter().all(|r| r.purpose != "weekly_digest"),
            "{rows:#?}"
        );
    }
}

#[tokio::test]
async fn an_empty_week_sends_no_digest() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        // The installation has history (W45), but W47 itself brought nothing.
        first_report_at(&app, "w.old.1", "2026-11-04T18:00:00Z").await;
        let d = digester(&app, MONDAY);
        let regions = app.state.registry.current().regions().len();
        assert_eq!(d.tick().await.unwrap(), regions, "{backend:?}: settled");
        let rows = app.state.store.outbox().await.unwrap();
        assert!(
            rows.iter().all(|r| r.purpose != "weekly_digest"),
            "{backend:?}: nothing new, nothing sent: {rows:#?}"
        );
        // Settled for good: another replica, or a restart, does not send it either.
        assert_eq!(digester(&app, MONDAY).tick().await.unwrap(), 0);
    }
}

#[tokio::test]
async fn a_digest_to_a_closed_window_goes_as_its_template() {
    for backend in backends() {
        let fake = FakeGraph::start().await;
        let app = graph_app_on(&fake, backend).await;
        // One coordinator wrote in the last 24 hours (by the sender's clock); the others never.
        let (writer, ten) = patrol_coordinator(&app);
        post_text(&app, "w.dig.hi", &writer, "buenos días").await;
        post_text(
            &app,
            "w.dig.1",
            LAURA,
            "pueden mandar rondines en la noche por la calle principal xfa",
        )
        .await;
        let folio = app
            .report(ReportLookup::MessageWamid("w.dig.1"))
            .await
            .folio;
        let sql = "UPDATE reports SET created_at = $1, updated_at = $1 WHERE folio = $2";
        backdate(&app, sql, "2026-11-18T18:00:00Z".parse().unwrap(), &folio).await;
        let clock = Clock::manual(Utc::now());
        let sender = app.state.sender(clock.clone()).unwrap();
        drain(&app, &sender, &clock).await;
        let before = fake.requests().len();

        assert!(digester(&app, MONDAY).tick().await.unwrap() > 0);
        drain(&app, &sender, &clock).await;

        let rows = app.state.store.outbox().await.unwrap();
        let digests: Vec<_> = rows
            .iter()
            .filter(|r| r.purpose == "weekly_digest" && r.params.contains("son-centro"))
            .collect();
        assert!(digests.len() >= 2, "{backend:?}: {rows:#?}");
        for d in &digests {
            assert_eq!(d.state, "sent", "{backend:?}: {d:#?}");
            assert_eq!(
                d.last_error_code, None,
                "{backend:?}: decided before sending, never a 131047 first"
            );
            assert_eq!(
                d.use_template,
                !d.recipient.contains(&ten),
                "{backend:?}: text only where the window is open: {d:#?}"
            );
        }
        let sent = &fake.requests()[before..];
        let templates: Vec<_> = sent
            .iter()
            .filter(|b| text_of(b) == "alerta_resumen_semanal")
            .collect();
        assert_eq!(templates.len(), digests.len() - 1, "{backend:?}");
        let params = template_params(templates[0]);
        assert!(
            params.contains(&("total".to_owned(), "1".to_owned())),
            "{params:?}"
        );
        let text = sent
            .iter()
            .find(|b| b["to"].as_str().is_some_and(|t| t.contains(&ten)))
            .unwrap();
        assert!(text_of(text).contains("Solicitudes: 1"), "{text}");
    }
}
