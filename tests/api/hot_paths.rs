//! The queries that run on every pass under a burst: the sender's claim behind a long
//! backlog, the live feed's joined read, and SQLite's checkpointing. Both backends.

use std::time::Duration;

use alerta::queue::ReportEvent;
use alerta::store::{NewAudit, NewOutbox, OutboxOutcome, ReportLookup};
use chrono::Utc;
use tokio_util::sync::CancellationToken;

use crate::helpers::{backends, text_webhook, Backend, TestApp, MARIA};

fn row(recipient: &str, priority: i32, n: usize, at: chrono::DateTime<Utc>) -> NewOutbox {
    NewOutbox {
        purpose: "test".into(),
        priority,
        recipient_key: format!("phone:{recipient}"),
        recipient: recipient.into(),
        reply_to: None,
        params: format!(r#"{{"n":{n}}}"#),
        use_template: false,
        not_before: at,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_claim_takes_each_recipients_head_however_long_the_backlog() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let store = &app.state.store;
        let now = Utc::now();
        // Three recipients with a backlog each, interleaved; the third has urgent rows.
        let mut rows = Vec::new();
        for n in 0..40 {
            rows.push(row("5216620000001", 5, n, now));
            rows.push(row("5216620000002", 5, n, now));
            rows.push(row("5216620000003", 1, n, now));
        }
        assert!(store
            .record_digest("test", "2026-W49", now, &rows)
            .await
            .unwrap());

        let lease = now + chrono::Duration::minutes(5);
        let claimed = store.claim_outbox(now, lease, "w1", 10).await.unwrap();
        let heads: Vec<_> = claimed
            .iter()
            .map(|r| (r.recipient.clone(), r.params.clone()))
            .collect();
        assert_eq!(
            heads,
            [
                ("5216620000003".to_owned(), r#"{"n":0}"#.to_owned()),
                ("5216620000001".to_owned(), r#"{"n":0}"#.to_owned()),
                ("5216620000002".to_owned(), r#"{"n":0}"#.to_owned()),
            ],
            "{backend:?}: one head per recipient, urgent first"
        );
        // While the heads are out, nothing behind them may go.
        assert!(store
            .claim_outbox(now, lease, "w2", 10)
            .await
            .unwrap()
            .is_empty());

        // The next rows become heads once the first ones are done; a merge finds the rest.
        for r in &claimed {
            let done = OutboxOutcome::DryRun {
                payload: "{}".into(),
                merged: Vec::new(),
                pace_until: now,
                use_template: false,
            };
            assert!(store.finish_outbox(r, "w1", &done, now).await.unwrap());
        }
        let next = store.claim_outbox(now, lease, "w1", 10).await.unwrap();
        assert_eq!(next.len(), 3, "{backend:?}");
        assert!(next.iter().all(|r| r.params == r#"{"n":1}"#), "{backend:?}");
        let mergeable = store.mergeable_outbox(&next[0], now).await.unwrap();
        assert_eq!(
            mergeable.len(),
            16,
            "{backend:?}: the merge reads 16 at most"
        );
        assert!(mergeable.iter().all(|r| r.recipient == next[0].recipient));
        assert!(
            mergeable.windows(2).all(|w| w[0].id < w[1].id),
            "{backend:?}: in order"
        );
        app.state.store.close().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_feed_sends_each_new_report_with_its_current_state() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let shutdown = CancellationToken::new();
        let feed = tokio::spawn(app.state.changes.clone().run(
            app.state.store.clone(),
            Duration::from_secs(60),
            shutdown.clone(),
        ));
        let mut events = app.state.changes.subscribe();
        // Let the feed read where the trail ends before anything happens.
        tokio::time::sleep(Duration::from_millis(300)).await;
        // An entry whose report does not exist is passed over, not an error.
        let ghost = NewAudit {
            at: Utc::now(),
            actor: "system:test".into(),
            action: "report.created".into(),
            entity_kind: "report".into(),
            entity_id: "SON-2026-999999".into(),
            detail: serde_json::json!({}),
        };
        app.state.store.append_audit(&ghost).await.unwrap();
        let body = text_webhook(
            "wamid.feed.1",
            Some(MARIA.0),
            Some(MARIA.1),
            None,
            "pueden mandar rondines en la noche por la calle 5 de mayo",
        );
        let (status, _) = app.post_signed(&body).await;
        assert_eq!(status, axum::http::StatusCode::OK);
        let report = app.report(ReportLookup::MessageWamid("wamid.feed.1")).await;

        let event: ReportEvent = tokio::time::timeout(Duration::from_secs(5), events.recv())
            .await
            .expect("an event within the poke's pass")
            .unwrap();
        assert_eq!(event.folio, report.folio, "{backend:?}");
        assert_eq!(event.action, "report.created");
        assert_eq!(event.actor, "system:routing");
        assert_eq!(event.region, report.region);
        assert_eq!(event.category, report.category);
        assert_eq!(event.status, report.status);
        shutdown.cancel();
        feed.await.unwrap();
    }
}

/// Checkpoints run beside the writer; closing the store leaves the WAL truncated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_leaves_a_truncated_wal_at_close() {
    let app = TestApp::new(Backend::Sqlite).await;
    let body = text_webhook(
        "wamid.wal.1",
        Some(MARIA.0),
        Some(MARIA.1),
        None,
        "rondines xfa",
    );
    let (status, _) = app.post_signed(&body).await;
    assert_eq!(status, axum::http::StatusCode::OK);
    let url = app.state.config.database_url.clone();
    let path = url.trim_start_matches("sqlite://").to_owned();
    let wal = format!("{path}-wal");
    assert!(
        std::fs::metadata(&wal).unwrap().len() > 0,
        "writes went to the WAL"
    );
    // Another connection still reads the file, so SQLite's own clean-up at the last close
    // does not apply: only the checkpointer's TRUNCATE empties the WAL.
    let other = rusqlite::Connection::open(&path).unwrap();
    let _: i64 = other
        .query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get(0))
        .unwrap();
    app.state.store.close().await;
    assert_eq!(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0), 0);
    drop(other);
}
