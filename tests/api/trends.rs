//! Colonia trends in virtual time: the Monday worker raises one alert for an injected spike,
//! none for ordinary weeks, never twice (replicas, restarts, the week after), and the store
//! keeps the cool-down. On both backends.

use alerta::reports::digest::Digester;
use alerta::reports::IsoWeek;
use alerta::store::{NewTrendAlert, ReportLookup, TrendAlertOutcome};
use alerta::vocab::Clock;
use chrono::{DateTime, Duration, Utc};

use crate::helpers::session::login;
use crate::helpers::{backdate, backends, TestApp, LAURA};
use crate::outbox::post_text;
use crate::queue_api::users;
use crate::web_summary_media_privacy::get;

/// Laura's school covers one colonia, Modelo (Hermosillo, son-centro): each of her requests
/// happened there.
const PATROL: &str = "pueden mandar rondines en la noche por la calle principal xfa";

/// Monday 2026-10-05 08:01 in Hermosillo (UTC−7): the digest of W40 is due.
const FIRST_MONDAY: &str = "2026-10-05T15:01:00Z";

/// `n` patrol requests from Laura, moved back to the Wednesday of `week`.
async fn requests_in(app: &TestApp, week: u32, n: u32) {
    let tz = app
        .state
        .registry
        .current()
        .region("son-centro")
        .unwrap()
        .time_zone;
    let (start, _) = IsoWeek::new(2026, week).unwrap().bounds(tz);
    for i in 0..n {
        let wamid = format!("w.trend.{week}.{i}");
        post_text(app, &wamid, LAURA, PATROL).await;
        let report = app.report(ReportLookup::MessageWamid(&wamid)).await;
        assert_eq!(report.category, "patrol");
        let at = start + Duration::hours(2 * 24 + 10 + i64::from(i));
        let sql = "UPDATE reports SET created_at = $1, updated_at = $1 WHERE folio = $2";
        backdate(app, sql, at, &report.folio).await;
    }
}

async fn trend_rows(app: &TestApp) -> Vec<alerta::store::OutboxRow> {
    let rows = app.state.store.outbox().await.unwrap();
    rows.into_iter()
        .filter(|r| r.purpose == "trend_alert")
        .collect()
}

fn digester(app: &TestApp, clock: &Clock) -> Digester {
    Digester::new(
        app.state.reports(),
        clock.clone(),
        std::time::Duration::from_secs(60),
    )
}

#[tokio::test]
async fn a_spike_alerts_once_and_ordinary_weeks_do_not() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        // W38 starts the installation's history; W39–W46 hold Modelo's usual (one request
        // in most weeks); then six in W47 and again in W48.
        for (week, n) in [
            (38, 1),
            (39, 1),
            (41, 1),
            (43, 1),
            (44, 1),
            (46, 1),
            (47, 6),
            (48, 6),
        ] {
            requests_in(&app, week, n).await;
        }
        let registry = app.state.registry.current();
        let coordinators = registry.region("son-centro").unwrap();
        let with_phone = coordinators
            .coordinators
            .iter()
            .filter(|c| c.phone.is_some() || c.bsuid.is_some())
            .count();
        assert!(with_phone > 0);

        let start: DateTime<Utc> = FIRST_MONDAY.parse().unwrap();
        let clock = Clock::manual(start);
        let worker = digester(&app, &clock);
        let mut alerted_in = Vec::new();
        // Ten Mondays, W40's digest to W49's, in virtual time.
        for _ in 0..10 {
            let due =
                alerta::reports::digest::due_week(clock.now(), chrono_tz::America::Hermosillo)
                    .unwrap();
            let before = trend_rows(&app).await.len();
            worker.tick().await.unwrap();
            // A second replica, and a restart, on the same Monday.
            digester(&app, &clock).tick().await.unwrap();
            let new = trend_rows(&app).await.len() - before;
            if new > 0 {
                alerted_in.push((due.to_string(), new));
            }
            clock.advance(Duration::days(7));
        }
        assert_eq!(
            alerted_in,
            [("2026-W47".to_owned(), with_phone)],
            "{backend:?}: one alert, to each coordinator of the region, for the spike only"
        );
        let rows = trend_rows(&app).await;
        for r in &rows {
            assert!(r.params.contains("\"colonia\":\"Modelo\""), "{r:#?}");
            assert!(r.params.contains("\"total\":6"), "{r:#?}");
            assert!(r.params.contains("\"promedio\":\"0.6\""), "{r:#?}");
            assert!(r.params.contains("region=son-centro"), "{r:#?}");
        }
        let recorded = app
            .state
            .store
            .trend_alerts("2026-W47", Some("son-centro"))
            .await
            .unwrap();
        assert_eq!(recorded.len(), 1, "{backend:?}: {recorded:?}");
        assert_eq!(recorded[0].recipients as usize, with_phone);
        // The digest of that week names the trend; the week before says there was none.
        let digests: Vec<_> = app
            .state
            .store
            .outbox()
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.purpose == "weekly_digest" && r.params.contains("son-centro"))
            .collect();
        let w47 = digests
            .iter()
            .find(|r| r.params.contains("week=2026-W47"))
            .expect("W47's digest");
        assert!(
            w47.params
                .contains("Solicitud de patrullaje en Col. Modelo (Hermosillo): 6 esta semana"),
            "{}",
            w47.params
        );
        let w46 = digests
            .iter()
            .find(|r| r.params.contains("week=2026-W46"))
            .expect("W46's digest");
        assert!(
            w46.params
                .contains("\"tendencias\":\"Tendencias por colonia: ninguna\""),
            "{}",
            w46.params
        );
        // The coordinator's page for that week lists it under "Tendencias".
        users(&app).await;
        let centro = login(&app, "coord_centro").await;
        let page = get(
            &app,
            &centro.cookie,
            "/resumen?week=2026-W47&region=son-centro",
        )
        .await;
        let html = page.text();
        let start = html
            .find(r#"id="tendencias""#)
            .expect("the Tendencias table");
        let table = &html[start..];
        let table = &table[..table.find("</table>").unwrap()];
        assert!(
            table.contains(
                "<th scope=\"row\">Solicitud de patrullaje</th><td>Modelo</td>\
                 <td>Hermosillo</td><td class=\"num\">6</td><td class=\"num\">0.6</td>\
                 <td>1 · 0 · 1 · 0 · 1 · 1 · 0 · 1</td>"
            ),
            "{backend:?}: {table}"
        );
    }
}

fn alert(week: &str, cool_down_from: &str, count: i64) -> NewTrendAlert {
    NewTrendAlert {
        region: "son-centro".into(),
        municipality: "Hermosillo".into(),
        colonia: "Modelo".into(),
        category: "patrol".into(),
        week: week.into(),
        cool_down_from: cool_down_from.into(),
        count,
        baseline_mean: 1.0,
        at: "2026-11-23T15:01:00Z".parse().unwrap(),
    }
}

#[tokio::test]
async fn the_cool_down_is_kept_in_the_store() {
    use TrendAlertOutcome::*;
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let store = &app.state.store;
        let outbox = |week: &str| {
            let registry = app.state.registry.current();
            let c = &registry.region("son-centro").unwrap().coordinators[0];
            let params = serde_json::json!({ "semana": week });
            alerta::routing::to_coordinator(c, "trend_alert", 3, &params, Utc::now())
                .into_iter()
                .collect::<Vec<_>>()
        };
        let steps = [
            (alert("2026-W47", "2026-W43", 6), Recorded),
            // Another replica, or a restart, on the same week.
            (alert("2026-W47", "2026-W43", 6), AlreadyRecorded),
            // The next week at the same count: held back.
            (alert("2026-W48", "2026-W44", 6), CooledDown),
            // Growing further is news.
            (alert("2026-W48", "2026-W44", 7), Recorded),
            // Four weeks on W48's alert still counts …
            (alert("2026-W52", "2026-W48", 5), CooledDown),
            // … five weeks on it no longer does (2026 has a week 53).
            (alert("2026-W53", "2026-W49", 5), Recorded),
            (alert("2027-W01", "2026-W50", 5), CooledDown),
        ];
        for (i, (a, expected)) in steps.iter().enumerate() {
            let got = store.record_trend_alert(a, &outbox(&a.week)).await.unwrap();
            assert_eq!(got, *expected, "{backend:?}: step {i}: {a:?}");
        }
        let queued = trend_rows(&app).await;
        assert_eq!(
            queued.len(),
            3,
            "{backend:?}: one notice per recorded alert"
        );
        let w48 = store.trend_alerts("2026-W48", None).await.unwrap();
        assert_eq!(
            (w48.len(), w48[0].count, w48[0].recipients),
            (1, 7, 1),
            "{backend:?}"
        );
        assert!(store
            .trend_alerts("2026-W48", Some("son-costa"))
            .await
            .unwrap()
            .is_empty());
    }
}
