//! Incidents end to end: a burst of neighbours' reports becomes one incident with one
//! coordinator notice; an unrelated report in the same colonia stays apart; resolving the
//! incident tells every reporter once, with two replicas grouping and notifying on one
//! database; operators' split and merge are audited.

use alerta::app::state::AppState;
use alerta::routing::coordinators_for;
use alerta::store::{OutboxRow, ReportLookup, ReportRow};
use alerta::triage::Category;
use alerta::vocab::Clock;
use chrono::Utc;

use serde_json::Value;

use crate::helpers::{backends, media_webhook, text_webhook, Backend, TestApp};

/// Five neighbours of three groups (two of Villa de Seris, two of the COBACH there, one of
/// Coparmex whose colonias do not include it) describe the same shooting.
pub(crate) const BURST: [(&str, &str); 5] = [
    (
        "5216621000101",
        "se escucharon balazos en la calle Yañez de Villa de Seris",
    ),
    (
        "5216621002201",
        "se oyen balazos por la calle Yañez en Villa de Seris, hay gente corriendo",
    ),
    (
        "5216621000102",
        "balazos en la Yañez de Villa de Seris, fueron como 6",
    ),
    (
        "5216621002202",
        "acaban de sonar balazos en la calle Yañez de la Villa de Seris",
    ),
    (
        "5216621003301",
        "escuchamos balazos rumbo a la calle Yañez, Villa de Seris",
    ),
];
/// A neighbour of the same colonia about something else.
const UNRELATED: (&str, &str) = (
    "5216621000103",
    "pueden mandar rondines por el parque de Villa de Seris en la noche xfa, se juntan a tomar",
);

pub(crate) async fn post(app: &TestApp, wamid: &str, from: &str, text: &str) -> ReportRow {
    let (status, body) = app
        .post_signed(&text_webhook(wamid, Some(from), None, None, text))
        .await;
    assert_eq!(status.as_u16(), 200, "{body}");
    app.report(ReportLookup::MessageWamid(wamid)).await
}

async fn outbox(app: &TestApp, purpose: &str) -> Vec<OutboxRow> {
    let rows = app.state.store.outbox().await.unwrap();
    rows.into_iter().filter(|r| r.purpose == purpose).collect()
}

/// Both replicas' workers run one pass at the same time; returns what they placed and told.
async fn both(
    a: &alerta::incidents::IncidentWorker,
    b: &alerta::incidents::IncidentWorker,
) -> (usize, usize) {
    let (x, y) = tokio::join!(a.tick(), b.tick());
    let (x, y) = (x.unwrap(), y.unwrap());
    (x.placed + y.placed, x.outcomes + y.outcomes)
}

async fn burst_story(backend: Backend) {
    let app = TestApp::new(backend).await;
    let replica = AppState::build((*app.state.config).clone()).await.unwrap();
    let clock = Clock::manual(Utc::now());
    let (a, b) = (
        app.state.incidents(clock.clone()),
        replica.incidents(clock.clone()),
    );

    let mut burst = Vec::new();
    for (i, (from, text)) in BURST.iter().enumerate() {
        burst.push(post(&app, &format!("w.b{i}"), from, text).await);
        if i == 1 {
            // The unrelated one arrives in the middle of the burst.
            post(&app, "w.u", UNRELATED.0, UNRELATED.1).await;
        }
        // Grouping runs as reports arrive, both replicas racing for each.
        both(&a, &b).await;
    }
    let unrelated = app.report(ReportLookup::MessageWamid("w.u")).await;
    assert_eq!(both(&a, &b).await, (0, 0), "everything was placed once");

    let store = &app.state.store;
    let incident = store
        .incident_of_report(burst[0].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (incident.report_count, incident.groups),
        (5, 3),
        "{incident:?}"
    );
    assert_eq!(incident.lead_folio, burst[0].folio);
    for r in &burst {
        let of = store.incident_of_report(r.id).await.unwrap().unwrap();
        assert_eq!(
            of.id, incident.id,
            "{} joined the burst's incident",
            r.folio
        );
    }
    let apart = store
        .incident_of_report(unrelated.id)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(apart.id, incident.id, "the unrelated report stays apart");
    assert_eq!(apart.report_count, 1);

    // One notice per coordinator on the roster, about the incident's first report; one
    // follow-up when it reached five reports; none per message.
    let registry = app.state.registry.current();
    let region = registry.region("son-centro").unwrap();
    let roster = coordinators_for(region, Category::Emergency911, Utc::now()).len();
    let notices: Vec<OutboxRow> = outbox(&app, "coordinator_notice")
        .await
        .into_iter()
        .filter(|o| o.report_id != Some(unrelated.id))
        .collect();
    assert_eq!(notices.len(), roster, "{notices:?}");
    assert!(notices.iter().all(|o| o.report_id == Some(burst[0].id)));
    let updates = outbox(&app, "incident_update").await;
    assert_eq!(updates.len(), roster, "one follow-up at five reports");
    assert!(
        updates[0]
            .params
            .contains("5 reportes de 3 grupos en Col. Villa de Seris"),
        "{}",
        updates[0].params
    );
    // Escalation runs per incident: only the first report is on the escalation list.
    for r in &burst[1..] {
        let r = app.report(ReportLookup::Id(r.id)).await;
        assert_eq!(r.escalate_at, None, "{}", r.folio);
    }
    let trail = store.audit_trail("report", &burst[3].folio).await.unwrap();
    let joined = trail
        .iter()
        .find(|t| t.action == "incident.joined")
        .unwrap();
    let detail = joined.detail.clone().unwrap_or_default();
    assert!(
        detail.contains("texto") && detail.contains("tiempo"),
        "{detail}"
    );

    // A coordinator resolves the incident's folio on WhatsApp.
    let c = coordinators_for(region, Category::Emergency911, Utc::now())[0];
    let phone = c.phone.as_ref().unwrap().as_str();
    let wa_id = format!("521{}", &phone[phone.len() - 10..]);
    let command = format!("atendido {}", burst[0].folio);
    let (status, body) = app
        .post_signed(&text_webhook("w.c1", Some(&wa_id), None, None, &command))
        .await;
    assert_eq!(status.as_u16(), 200, "{body}");
    assert_eq!(
        app.report(ReportLookup::Id(burst[0].id)).await.status,
        "resolved"
    );

    assert_eq!(both(&a, &b).await.1, 4, "the four other reporters, once");
    assert_eq!(both(&a, &b).await.1, 0, "and never again");
    let told = outbox(&app, "reporter_status").await;
    for r in &burst {
        let n = told.iter().filter(|o| o.report_id == Some(r.id)).count();
        assert_eq!(n, 1, "reporter of {} told {n} times", r.folio);
        assert_eq!(app.report(ReportLookup::Id(r.id)).await.status, "resolved");
    }
    assert!(told.iter().all(|o| o.report_id != Some(unrelated.id)));
    assert_eq!(
        app.report(ReportLookup::Id(unrelated.id)).await.status,
        "open"
    );
}

#[tokio::test]
async fn a_burst_becomes_one_incident_and_everyone_hears_the_outcome_once() {
    for backend in backends() {
        burst_story(backend).await;
    }
}

#[tokio::test]
async fn operators_split_and_merge_with_an_audit_trail() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let worker = app.state.incidents(Clock::manual(Utc::now()));
        let mut burst = Vec::new();
        for (i, (from, text)) in BURST.iter().take(3).enumerate() {
            burst.push(post(&app, &format!("w.s{i}"), from, text).await);
        }
        let other = post(&app, "w.o", UNRELATED.0, UNRELATED.1).await;
        worker.tick().await.unwrap();
        let store = &app.state.store;
        let first = store
            .incident_of_report(burst[0].id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(first.report_count, 3);
        let now = Utc::now();

        // The first report cannot be split out; another can, into an incident of its own.
        assert!(store
            .split_from_incident(burst[0].id, "user:ana", now)
            .await
            .unwrap()
            .is_err());
        let new_id = store
            .split_from_incident(burst[2].id, "user:ana", now)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            store
                .incident(first.id)
                .await
                .unwrap()
                .unwrap()
                .report_count,
            2
        );
        let split = store
            .incident_of_report(burst[2].id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((split.id, split.report_count), (new_id, 1));

        // Merging the unrelated report's incident into the first moves its report.
        let theirs = store.incident_of_report(other.id).await.unwrap().unwrap();
        store
            .merge_incidents(theirs.id, first.id, "user:ana", now)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            store
                .incident(first.id)
                .await
                .unwrap()
                .unwrap()
                .report_count,
            3
        );
        assert_eq!(
            store
                .incident(theirs.id)
                .await
                .unwrap()
                .unwrap()
                .merged_into,
            Some(first.id)
        );
        assert!(store
            .merge_incidents(theirs.id, first.id, "user:ana", now)
            .await
            .unwrap()
            .is_err());

        assert_eq!(ana(&app, &burst[2].folio).await, ["incident.split"]);
        assert_eq!(ana(&app, &other.folio).await, ["incident.merged"]);
        assert_eq!(ana(&app, &burst[0].folio).await, ["incident.merged_in"]);
    }
}

/// The audit actions the operator `user:ana` left on a report.
async fn ana(app: &TestApp, folio: &str) -> Vec<String> {
    let trail = app.state.store.audit_trail("report", folio).await.unwrap();
    trail
        .into_iter()
        .filter(|t| t.actor == "user:ana")
        .map(|t| t.action)
        .collect()
}

/// Issue 20, part 2: each reporter gets their own answer with their folio, and when their
/// report joined the incident before the answer went, the incident's folio too.
#[tokio::test]
async fn a_joined_reports_answer_names_the_incidents_folio() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let clock = Clock::manual(Utc::now());
        let mut burst = Vec::new();
        for (i, (from, text)) in BURST.iter().take(3).enumerate() {
            burst.push(post(&app, &format!("w.a{i}"), from, text).await);
        }
        // The worker places the reports before the sender renders their answers, as it
        // does when a burst's answers wait their turn.
        crate::helpers::outbox::drain(&app, &app.state.sender(clock.clone()).unwrap(), &clock)
            .await;
        let rows = app.state.store.outbox().await.unwrap();
        let answer = |report: &ReportRow| {
            let row = rows
                .iter()
                .find(|o| o.report_id == Some(report.id) && o.purpose == "reply_emergency")
                .unwrap_or_else(|| panic!("an answer for {}", report.folio));
            crate::fake_graph::text_of(&crate::outbox::payload(row))
        };
        let lead = &burst[0].folio;
        let first = answer(&burst[0]);
        assert!(first.contains(lead.as_str()), "{first}");
        assert!(!first.contains("incidente"), "{first}");
        for r in &burst[1..] {
            let text = answer(r);
            assert!(text.contains(&r.folio), "{text}");
            assert!(
                text.contains(&format!("dentro del incidente {lead}")),
                "{text}"
            );
        }
    }
}

/// A flood leaves more than one batch waiting: the pass says so, so the worker starts the
/// next at once instead of placing one batch a poll.
#[tokio::test]
async fn a_full_batch_tells_the_worker_to_go_on() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let worker = app.state.incidents(Clock::manual(Utc::now()));
        for i in 0..201 {
            let (from, text) = BURST[i % BURST.len()];
            post(&app, &format!("w.f{i}"), from, &format!("{text} ({i})")).await;
        }
        let first = worker.tick().await.unwrap();
        assert_eq!(first.placed, 200);
        assert!(first.backlog);
        let second = worker.tick().await.unwrap();
        assert_eq!(second.placed, 1);
        assert!(!second.backlog);
    }
}

/// A photo comes before anyone tells what it shows (held for review, it opens an incident
/// that takes nothing); then a neighbour of another group sends the same photo and says
/// what it is. The event takes the photo's incident over: coordinators hear of the event as
/// a new incident, and the one who sent the photo hears the outcome with everyone else.
#[tokio::test]
async fn an_event_takes_over_the_photo_that_came_before_it() {
    const SHA: &str = "9f2c1d7e5b3a8c6d4e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d";
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let worker = app.state.incidents(Clock::manual(Utc::now()));
        let (status, body) = app
            .post_signed(&media_webhook("w.p", "image", "m.1", "image/jpeg", SHA))
            .await;
        assert_eq!(status.as_u16(), 200, "{body}");
        let photo = app.report(ReportLookup::MessageWamid("w.p")).await;
        assert_eq!(photo.category, "other");
        worker.tick().await.unwrap();

        let mut told: Value =
            serde_json::from_slice(&media_webhook("w.e", "image", "m.2", "image/jpeg", SHA))
                .unwrap();
        let message = &mut told["entry"][0]["changes"][0]["value"]["messages"][0];
        message["from"] = "5216621002201".into();
        message["image"]["caption"] =
            "se esta quemando una casa en la calle Yañez de Villa de Seris, llamen a los bomberos"
                .into();
        let (status, body) = app.post_signed(&serde_json::to_vec(&told).unwrap()).await;
        assert_eq!(status.as_u16(), 200, "{body}");
        let event = app.report(ReportLookup::MessageWamid("w.e")).await;
        assert_eq!(event.category, "emergency_911");
        worker.tick().await.unwrap();

        let store = &app.state.store;
        let incident = store.incident_of_report(event.id).await.unwrap().unwrap();
        let sent = store.incident_of_report(photo.id).await.unwrap().unwrap();
        assert_eq!(sent.id, incident.id, "{incident:?} {sent:?}");
        assert_eq!(incident.lead_folio, event.folio, "the event leads");
        assert_eq!(
            (incident.category.as_str(), incident.report_count),
            ("emergency_911", 2)
        );
        let trail = store.audit_trail("report", &event.folio).await.unwrap();
        assert!(
            trail.iter().any(|t| t.action == "incident.led"),
            "{trail:?}"
        );

        // Coordinators on the emergency roster hear of the event, as of a new incident.
        let registry = app.state.registry.current();
        let region = registry.region("son-centro").unwrap();
        let roster = coordinators_for(region, Category::Emergency911, Utc::now());
        let notices: Vec<OutboxRow> = outbox(&app, "coordinator_notice")
            .await
            .into_iter()
            .filter(|o| o.report_id == Some(event.id))
            .collect();
        assert_eq!(notices.len(), roster.len(), "{notices:?}");
        assert!(
            notices[0].params.contains("quemando"),
            "{}",
            notices[0].params
        );
        // The incident escalates from the event alone.
        assert_eq!(
            app.report(ReportLookup::Id(photo.id)).await.escalate_at,
            None
        );

        // Resolved by its folio, the one who sent the photo hears it once.
        let phone = roster[0].phone.as_ref().unwrap().as_str();
        let wa_id = format!("521{}", &phone[phone.len() - 10..]);
        let command = format!("atendido {}", event.folio);
        let (status, body) = app
            .post_signed(&text_webhook("w.c", Some(&wa_id), None, None, &command))
            .await;
        assert_eq!(status.as_u16(), 200, "{body}");
        assert_eq!(worker.tick().await.unwrap().outcomes, 1);
        assert_eq!(worker.tick().await.unwrap().outcomes, 0);
        let told = outbox(&app, "reporter_status").await;
        assert_eq!(
            told.iter()
                .filter(|o| o.report_id == Some(photo.id))
                .count(),
            1,
            "{told:?}"
        );
    }
}
