//! Deliveries that arrive together share one transaction (group commit) on both backends;
//! on PostgreSQL most of a group is written set-based. Whatever the grouping, the result
//! must be what one delivery at a time would give: each body and wamid stored once,
//! gap-free folios, one privacy notice per new sender, locations attached, statuses only
//! moving forward, and a delivery the database refuses failing alone.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use alerta::store::{
    self, Attribution, DeliveryOutcome, IngestBatch, IngestOutcome, MessagePlan, NewDelivery,
    NewInbound, NewOutbox, NewReport, NewStatus, Store, StoreError, StoreOptions,
};
use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::helpers::{fresh_postgres_database, postgres_url};

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_790_000_000 + secs, 0).unwrap()
}

fn reply(purpose: &str, key: &str) -> NewOutbox {
    NewOutbox {
        purpose: purpose.into(),
        priority: 2,
        recipient_key: key.into(),
        recipient: format!(r#"{{"type":"individual","bsuid":"{key}"}}"#),
        reply_to: None,
        params: "{}".into(),
        use_template: false,
        not_before: at(0),
    }
}

/// A text from `sender` that opens a report in Sonora with an acknowledgement, and asks
/// for the privacy notice (the store decides whether the sender still needs it).
fn report_message(wamid: &str, sender: &str, sent: i64) -> NewInbound {
    NewInbound {
        wamid: wamid.into(),
        kind: "text".into(),
        sender_bsuid: Some(sender.into()),
        attribution: Some(Attribution::MemberBsuid),
        group_ref: Some("hmo-villa-de-seris".into()),
        sent_at: at(sent),
        received_at: at(sent + 1),
        body: Some("pasen a dar rondines".into()),
        payload: "{}".into(),
        plan: Some(MessagePlan::Report {
            report: NewReport {
                state: "SON".into(),
                year: 2026,
                group_ref: "hmo-villa-de-seris".into(),
                region: "son-hermosillo".into(),
                category: "patrol".into(),
                priority: "normal".into(),
                needs_review: false,
                created_at: at(sent + 1),
                escalate_at: Some(at(sent + 600)),
            },
            outbox: vec![reply("reply_ack", sender)],
        }),
        privacy_keys: vec![format!("p-{sender}")],
        privacy_notice: Some(reply("privacy_notice", sender)),
        ..NewInbound::default()
    }
}

fn location(wamid: &str, sender: &str, sent: i64) -> NewInbound {
    NewInbound {
        wamid: wamid.into(),
        kind: "location".into(),
        sender_bsuid: Some(sender.into()),
        attribution: Some(Attribution::MemberBsuid),
        sent_at: at(sent),
        received_at: at(sent + 1),
        latitude: Some(29.0892),
        longitude: Some(-110.9613),
        payload: "{}".into(),
        ..NewInbound::default()
    }
}

fn delivery(body: &str, messages: Vec<NewInbound>) -> IngestBatch {
    IngestBatch {
        delivery: NewDelivery {
            received_at: at(1),
            body: body.as_bytes().to_vec(),
            body_sha256: format!("sha-{body}"),
            outcome: DeliveryOutcome::Parsed,
            detail: None,
        },
        messages,
        statuses: vec![],
        events: vec![],
        location_window: Duration::minutes(15),
    }
}

/// Sends every batch at once, so the writer finds them waiting together.
async fn ingest_together(
    store: &Arc<Store>,
    batches: Vec<IngestBatch>,
) -> Vec<Result<IngestOutcome, StoreError>> {
    let calls = batches.into_iter().map(|b| {
        let store = store.clone();
        tokio::spawn(async move { store.ingest(b).await })
    });
    futures_util::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.expect("ingest task"))
        .collect()
}

async fn each_backend(check: impl AsyncFn(Arc<Store>)) {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = format!("sqlite://{}", dir.path().join("g.db").display());
    let mut urls = vec![sqlite];
    if let Some(base) = postgres_url() {
        urls.push(fresh_postgres_database(&base).await);
    }
    for url in urls {
        let store = store::connect(&url, &StoreOptions::default())
            .await
            .unwrap();
        check(store.clone()).await;
        store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_stores_each_body_and_wamid_once_with_gap_free_folios() {
    each_backend(async |store| {
        let name = store.backend();
        // 40 reports from 8 senders; every fifth body arrives twice (Meta retrying while
        // the first copy is in flight), and 5 other bodies repeat a wamid already sent.
        let mut batches = Vec::new();
        for i in 0..40 {
            let sender = format!("MX.{}", i % 8);
            let b = delivery(
                &format!("d{i}"),
                vec![report_message(&format!("w{i}"), &sender, i)],
            );
            if i % 5 == 0 {
                batches.push(b.clone());
            }
            batches.push(b);
        }
        for i in 0..5 {
            let repeat = report_message(&format!("w{i}"), "MX.0", i);
            batches.push(delivery(&format!("repeat{i}"), vec![repeat]));
        }
        let outcomes: Vec<IngestOutcome> = ingest_together(&store, batches)
            .await
            .into_iter()
            .map(|r| r.unwrap())
            .collect();

        assert_eq!(outcomes.len(), 53, "{name}");
        let inserted: usize = outcomes.iter().map(|o| o.messages_inserted).sum();
        assert_eq!(inserted, 40, "{name}: each wamid once");
        let firsts = outcomes.iter().filter(|o| !o.duplicate_delivery).count();
        assert_eq!(
            firsts, 45,
            "{name}: 40 bodies and 5 repeats are new, 8 copies are not"
        );
        let mut copies: HashMap<i64, usize> = HashMap::new();
        for o in &outcomes {
            *copies.entry(o.delivery_id).or_default() += 1;
        }
        for (id, n) in copies {
            let d = store.delivery(id).await.unwrap().unwrap();
            assert_eq!(
                d.deliveries, n as i64,
                "{name}: delivery {id} counts its copies"
            );
        }

        let reports = store.reports().await.unwrap();
        let folios: BTreeSet<String> = reports.iter().map(|r| r.folio.clone()).collect();
        let expected: BTreeSet<String> = (1..=40).map(|n| format!("SON-2026-{n:06}")).collect();
        assert_eq!(folios, expected, "{name}: folios unique and without gaps");

        let outbox = store.outbox().await.unwrap();
        let acks = outbox.iter().filter(|o| o.purpose == "reply_ack").count();
        let notices: Vec<&str> = outbox
            .iter()
            .filter(|o| o.purpose == "privacy_notice")
            .map(|o| o.recipient_key.as_str())
            .collect();
        assert_eq!(acks, 40, "{name}");
        assert_eq!(
            notices.len(),
            8,
            "{name}: one notice per sender: {notices:?}"
        );
        assert!(
            outbox
                .iter()
                .filter(|o| o.purpose == "reply_ack")
                .all(|o| o.report_id.is_some()),
            "{name}: acknowledgements belong to their report"
        );
        for r in reports.iter().take(3) {
            let trail = store.audit_trail("report", &r.folio).await.unwrap();
            assert_eq!(
                trail.len(),
                1,
                "{name}: {} has its report.created entry",
                r.folio
            );
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_location_sent_with_its_text_is_attached_to_it() {
    each_backend(async |store| {
        let name = store.backend();
        // One body with text then location, in a burst; and a location in a burst whose
        // text came in an earlier delivery. (A location whose webhook overtakes its text's
        // stays unattached on SQLite; only a grouped PostgreSQL write would catch it.)
        let earlier = delivery("two-text", vec![report_message("t2", "MX.B", 10)]);
        store.ingest(earlier).await.unwrap();
        let mut burst = vec![
            delivery(
                "one",
                vec![report_message("t1", "MX.A", 10), location("l1", "MX.A", 20)],
            ),
            delivery("two-location", vec![location("l2", "MX.B", 30)]),
        ];
        for i in 0..10 {
            let other = format!("MX.other{i}");
            burst.push(delivery(&other, vec![report_message(&other, &other, i)]));
        }
        for r in ingest_together(&store, burst).await {
            r.unwrap();
        }
        for (text, place) in [("t1", "l1"), ("t2", "l2")] {
            let text = store.inbound(text).await.unwrap().unwrap();
            let place = store.inbound(place).await.unwrap().unwrap();
            assert_eq!(place.attached_to, Some(text.id), "{name}");
            assert_eq!(text.attached_to, None, "{name}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_the_database_refuses_fails_alone() {
    each_backend(async |store| {
        let name = store.backend();
        // PostgreSQL text cannot hold NUL; SQLite can. Intake strips NUL before this
        // point; here it is the simplest value one backend refuses.
        let mut bad = report_message("bad", "MX.C", 5);
        bad.body = Some("nul \u{0} aqui".into());
        let mut batches = vec![delivery("bad", vec![bad])];
        for i in 0..10 {
            let good = report_message(&format!("good{i}"), "MX.D", i);
            batches.push(delivery(&format!("good{i}"), vec![good]));
        }
        let results = ingest_together(&store, batches).await;
        for (i, r) in results.iter().enumerate().skip(1) {
            assert_eq!(
                r.as_ref().unwrap().messages_inserted,
                1,
                "{name}: good{}",
                i - 1
            );
        }
        let refused = results[0].is_err();
        assert_eq!(refused, name == "postgres", "{name}: {:?}", results[0]);
        let reports = store.reports().await.unwrap();
        assert_eq!(reports.len(), if refused { 10 } else { 11 }, "{name}");
        let folios: BTreeSet<String> = reports.iter().map(|r| r.folio.clone()).collect();
        let expected: BTreeSet<String> = (1..=reports.len())
            .map(|n| format!("SON-2026-{n:06}"))
            .collect();
        assert_eq!(folios, expected, "{name}: a refused group burns no folio");
    })
    .await;
}

fn status_delivery(body: &str, wamid: &str, status: &str, rank: i32) -> IngestBatch {
    let mut b = delivery(body, vec![]);
    b.statuses.push(NewStatus {
        wamid: wamid.into(),
        status: status.into(),
        rank,
        status_at: Some(at(rank.into())),
        recipient_id: (status == "read").then(|| "5216621000101".into()),
        recipient_user_id: None,
        error_code: None,
        error_title: None,
        pricing: None,
    });
    b
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statuses_arriving_together_end_at_the_highest_rank() {
    each_backend(async |store| {
        let name = store.backend();
        let mut burst = Vec::new();
        for (k, wamid) in ["out.1", "out.2", "out.3"].into_iter().enumerate() {
            // Shuffled differently for each message, as Meta delivers them.
            let mut order = vec![("sent", 1), ("delivered", 2), ("read", 3)];
            order.rotate_left(k);
            for (status, rank) in order {
                burst.push(status_delivery(
                    &format!("{wamid}-{status}"),
                    wamid,
                    status,
                    rank,
                ));
            }
        }
        let applied: usize = ingest_together(&store, burst)
            .await
            .into_iter()
            .map(|r| r.unwrap().statuses_applied)
            .sum();
        assert!((3..=9).contains(&applied), "{name}: {applied}");
        for wamid in ["out.1", "out.2", "out.3"] {
            let s = store.status(wamid).await.unwrap().unwrap();
            assert_eq!((s.status.as_str(), s.rank), ("read", 3), "{name}: {wamid}");
            assert_eq!(s.recipient_id.as_deref(), Some("5216621000101"), "{name}");
        }
        // A late "delivered" in a new body does not move anything back.
        let late = store
            .ingest(status_delivery("late", "out.1", "delivered", 2))
            .await
            .unwrap();
        assert_eq!(late.statuses_applied, 0, "{name}");
        let s = store.status("out.1").await.unwrap().unwrap();
        assert_eq!(s.status, "read", "{name}");
    })
    .await;
}
