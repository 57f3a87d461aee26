//! The same story against every `Store` implementation: SQLite always, PostgreSQL when
//! `TEST_POSTGRES_URL` is set (and always in CI).

use std::sync::Arc;

use alerta::store::{
    self, Attribution, DeliveryOutcome, IngestBatch, NewDelivery, NewEvent, NewInbound, NewStatus,
    NewTriage, Store, StoreOptions,
};
use chrono::{DateTime, Duration, TimeZone, Utc};

use crate::helpers::{fresh_postgres_database, postgres_url};

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_780_000_000 + secs, 0).unwrap()
}

fn delivery(tag: &str, outcome: DeliveryOutcome) -> NewDelivery {
    NewDelivery {
        received_at: at(0),
        body: tag.as_bytes().to_vec(),
        body_sha256: format!("sha-{tag}"),
        outcome,
        detail: None,
    }
}

fn message(wamid: &str, kind: &str, bsuid: &str, sent: i64) -> NewInbound {
    NewInbound {
        wamid: wamid.into(),
        kind: kind.into(),
        sender_bsuid: Some(bsuid.into()),
        attribution: Some(Attribution::MemberBsuid),
        group_ref: Some("hmo-villa-de-seris".into()),
        sent_at: at(sent),
        received_at: at(sent + 1),
        body: (kind == "text").then(|| "pasen a dar rondines".into()),
        payload: "{}".into(),
        triage: (kind == "text").then(|| NewTriage {
            category: "patrol".into(),
            priority: "normal".into(),
            confidence: 0.75,
            needs_review: false,
            rules: vec!["patrol.rondin".into()],
            cnie_code: Some(50305),
            classifier_version: "test-1".into(),
        }),
        ..NewInbound::default()
    }
}

fn status(wamid: &str, status: &str, rank: i32) -> NewStatus {
    NewStatus {
        wamid: wamid.into(),
        status: status.into(),
        rank,
        status_at: Some(at(rank.into())),
        recipient_id: None,
        recipient_user_id: None,
        error_code: (status == "failed").then_some(131_026),
        error_title: None,
        pricing: None,
    }
}

fn batch(tag: &str, messages: Vec<NewInbound>, statuses: Vec<NewStatus>) -> IngestBatch {
    IngestBatch {
        delivery: delivery(tag, DeliveryOutcome::Parsed),
        messages,
        statuses,
        events: vec![],
        location_window: Duration::minutes(15),
    }
}

async fn contract(store: Arc<Store>) {
    let name = store.backend();
    store.ping().await.unwrap();

    // A delivery with two messages and a duplicate of the first inside the same batch.
    let first = batch(
        "a",
        vec![
            message("w1", "text", "MX.1", 0),
            message("w2", "text", "MX.2", 10),
            message("w1", "text", "MX.1", 0),
        ],
        vec![],
    );
    let out = store.ingest(first.clone()).await.unwrap();
    assert_eq!(
        (out.messages_inserted, out.duplicate_delivery),
        (2, false),
        "{name}"
    );

    // The same body again is a retry: nothing new, the counter moves.
    let again = store.ingest(first).await.unwrap();
    assert!(again.duplicate_delivery, "{name}");
    assert_eq!(again.delivery_id, out.delivery_id, "{name}");
    let d = store.delivery(out.delivery_id).await.unwrap().unwrap();
    assert_eq!(
        (d.deliveries, d.body.as_slice()),
        (2, b"a".as_slice()),
        "{name}"
    );

    // A different body carrying a known wamid does not duplicate it.
    let out = store
        .ingest(batch(
            "b",
            vec![
                message("w1", "text", "MX.1", 0),
                message("w3", "image", "MX.1", 20),
            ],
            vec![],
        ))
        .await
        .unwrap();
    assert_eq!(out.messages_inserted, 1, "{name}");

    // Round trip of every kind of column.
    let w1 = store.inbound("w1").await.unwrap().unwrap();
    assert_eq!(
        w1.sent_at,
        at(0),
        "{name}: timestamps are UTC, bound from Rust"
    );
    assert_eq!(w1.attribution, "member_bsuid");
    assert_eq!(w1.category.as_deref(), Some("patrol"));
    assert_eq!(w1.cnie_code, Some(50305));
    assert_eq!(w1.confidence, Some(0.75));
    assert_eq!(w1.needs_review, Some(false));
    assert_eq!(w1.rules.as_deref(), Some(r#"["patrol.rondin"]"#));
    assert!(!w1.forwarded && !w1.media_voice);
    assert!(store.inbound("nope").await.unwrap().is_none());

    // Locations attach to the same sender's latest message within the window only.
    store
        .ingest(batch(
            "c",
            vec![
                message("loc1", "location", "MX.1", 300),
                message("loc2", "location", "MX.2", 10 + 16 * 60),
            ],
            vec![],
        ))
        .await
        .unwrap();
    let w3 = store.inbound("w3").await.unwrap().unwrap();
    assert_eq!(
        store.inbound("loc1").await.unwrap().unwrap().attached_to,
        Some(w3.id),
        "{name}"
    );
    assert_eq!(
        store.inbound("loc2").await.unwrap().unwrap().attached_to,
        None,
        "{name}"
    );

    // Statuses never move backwards, within a batch and across batches.
    store
        .ingest(batch(
            "d",
            vec![],
            vec![
                status("o1", "read", 3),
                status("o1", "sent", 1),
                status("o1", "delivered", 2),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(
        store.status("o1").await.unwrap().unwrap().status,
        "read",
        "{name}"
    );
    store
        .ingest(batch(
            "e",
            vec![],
            vec![status("o1", "failed", 5), status("o1", "read", 3)],
        ))
        .await
        .unwrap();
    let s = store.status("o1").await.unwrap().unwrap();
    assert_eq!(
        (s.status.as_str(), s.error_code),
        ("failed", Some(131_026)),
        "{name}"
    );

    // Flagged deliveries and events are kept.
    let mut flagged = batch("f", vec![], vec![]);
    flagged.delivery.outcome = DeliveryOutcome::InvalidJson;
    flagged.events.push(NewEvent {
        field: "errors".into(),
        payload: "[]".into(),
    });
    let out = store.ingest(flagged).await.unwrap();
    assert_eq!(
        store.events(out.delivery_id).await.unwrap().len(),
        1,
        "{name}"
    );

    let counts = store.counts().await.unwrap();
    assert_eq!(
        (
            counts.deliveries,
            counts.flagged_deliveries,
            counts.messages,
            counts.statuses,
            counts.events
        ),
        (6, 1, 5, 1, 1),
        "{name}"
    );
    assert_eq!(store.recent_inbound(2).await.unwrap().len(), 2);
}

/// Many concurrent deliveries with overlapping messages: each stored exactly once.
async fn concurrent_ingest(store: Arc<Store>) {
    let mut tasks = Vec::new();
    for i in 0..64 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let msgs = vec![
                message(&format!("c{i}"), "text", "MX.9", i),
                message(&format!("c{}", (i + 1) % 64), "text", "MX.9", i),
            ];
            store
                .ingest(batch(&format!("conc{i}"), msgs, vec![]))
                .await
                .unwrap()
        }));
    }
    let mut inserted = 0;
    for t in tasks {
        inserted += t.await.unwrap().messages_inserted;
    }
    assert_eq!(inserted, 64, "{}", store.backend());
    assert_eq!(store.counts().await.unwrap().messages, 64);
}

/// The contract on one empty database, then concurrency on a second, then a reopen of the
/// second that must find everything committed (and re-run migrations as a no-op).
async fn full_contract(first: &str, second: &str) {
    let options = StoreOptions::default();
    let store = store::connect(first, &options).await.unwrap();
    contract(store.clone()).await;
    store.close().await;

    let store = store::connect(second, &options).await.unwrap();
    concurrent_ingest(store.clone()).await;
    store.close().await;
    let store = store::connect(second, &options).await.unwrap();
    assert_eq!(store.counts().await.unwrap().messages, 64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_passes_the_store_contract() {
    let dir = tempfile::tempdir().unwrap();
    let url = |name: &str| format!("sqlite://{}", dir.path().join(name).display());
    full_contract(&url("c.db"), &url("d.db")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_store_contract() {
    let Some(base) = postgres_url() else { return };
    let first = fresh_postgres_database(&base).await;
    let second = fresh_postgres_database(&base).await;
    full_contract(&first, &second).await;
}

#[tokio::test]
async fn an_unknown_database_url_is_a_clear_error() {
    let err = store::connect("mysql://x", &StoreOptions::default())
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("sqlite://"), "{err}");
    let err = store::connect(
        "postgres://postgres@127.0.0.1:1/none",
        &StoreOptions::default(),
    )
    .await
    .err()
    .unwrap();
    assert!(matches!(err, store::StoreError::Unavailable(_)), "{err:?}");
}
