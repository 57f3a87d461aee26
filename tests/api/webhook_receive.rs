//! Idempotency, status ordering, attribution, locations and classification on intake.

use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::{backends, fixture, post_fixture, Backend, TestApp};

#[tokio::test]
async fn the_same_post_three_times_stores_each_message_once() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        for _ in 0..3 {
            post_fixture(&app, "two_changes_one_entry.json").await;
        }
        let counts = app.counts().await;
        assert_eq!((counts.deliveries, counts.messages), (1, 2), "{backend:?}");
        let row = app.state.store.delivery(1).await.unwrap();
        assert_eq!(row.map(|d| d.deliveries), Some(3), "{backend:?}");
    }
}

#[tokio::test]
async fn a_message_redelivered_in_a_different_body_is_still_stored_once() {
    let app = TestApp::new(Backend::Sqlite).await;
    post_fixture(&app, "text_registered_phone.json").await;
    // Meta may batch a retried message with new ones: the body differs, the wamid does not.
    let mut v: serde_json::Value =
        serde_json::from_slice(&fixture("text_registered_phone.json")).unwrap();
    let mut extra = v["entry"][0]["changes"][0]["value"]["messages"][0].clone();
    extra["id"] = json!("wamid.ALERTA.test.extra");
    v["entry"][0]["changes"][0]["value"]["messages"]
        .as_array_mut()
        .unwrap()
        .push(extra);
    let (status, _) = app.post_signed(&serde_json::to_vec(&v).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.counts().await.messages, 2);
}

const OUT_1: &str = "wamid.ALERTA.out.0001";

fn permutations(items: &[&'static str]) -> Vec<Vec<&'static str>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut out = Vec::new();
    for i in 0..items.len() {
        let mut rest = items.to_vec();
        let first = rest.remove(i);
        for mut p in permutations(&rest) {
            p.insert(0, first);
            out.push(p);
        }
    }
    out
}

#[tokio::test]
async fn statuses_in_any_order_end_at_the_highest() {
    for order in permutations(&[
        "status_sent.json",
        "status_delivered.json",
        "status_read.json",
    ]) {
        let app = TestApp::new(Backend::Sqlite).await;
        for f in &order {
            post_fixture(&app, f).await;
        }
        let row = app.state.store.status(OUT_1).await.unwrap().unwrap();
        assert_eq!(row.status, "read", "{order:?}");
    }
    // failed wins over everything, whenever it arrives.
    for order in permutations(&["status_sent.json", "status_failed.json", "status_read.json"]) {
        let app = TestApp::new(Backend::Sqlite).await;
        for f in &order {
            post_fixture(&app, f).await;
        }
        let row = app.state.store.status(OUT_1).await.unwrap().unwrap();
        assert_eq!(row.status, "failed", "{order:?}");
        assert_eq!(row.error_code, Some(131047), "{order:?}");
    }
}

#[tokio::test]
async fn shuffled_statuses_inside_one_post_end_at_the_highest() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        post_fixture(&app, "statuses_shuffled_batch.json").await;
        let s2 = app
            .state
            .store
            .status("wamid.ALERTA.out.0002")
            .await
            .unwrap()
            .unwrap();
        let s3 = app
            .state
            .store
            .status("wamid.ALERTA.out.0003")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((s2.status.as_str(), s3.status.as_str()), ("read", "failed"));
        assert_eq!(s3.error_code, Some(131026));
    }
}

#[tokio::test]
async fn attribution_by_group_phone_bsuid_and_unregistered() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let cases = [
            (
                "text_cloud_group.json",
                "cloud_group",
                Some("hmo-villa-de-seris"),
                false,
            ),
            (
                "text_registered_phone.json",
                "member_bsuid",
                Some("hmo-villa-de-seris"),
                false,
            ),
            ("audio_file.json", "member_phone", None, false),
            (
                "text_bsuid_only.json",
                "member_bsuid",
                Some("cajeme-fovissste"),
                false,
            ),
            ("text_unregistered.json", "unregistered", None, true),
        ];
        for (file, how, group, safety) in cases {
            let body = fixture(file);
            post_fixture(&app, file).await;
            let parsed = alerta::whatsapp::parse_notification(&body, "t").unwrap();
            let row = app.message(&parsed.messages[0].wamid).await;
            if how == "member_phone" {
                // The phone-only path: a member without a BSUID in the registry.
                assert_eq!(row.sender_bsuid, None, "{file} must carry no BSUID");
            }
            assert_eq!(row.attribution, how, "{file}");
            if let Some(group) = group {
                assert_eq!(row.group_ref.as_deref(), Some(group), "{file}");
            }
            assert_eq!(row.group_ref.is_none(), how == "unregistered", "{file}");
            assert_eq!(row.safety_reply_due, safety, "{file}");
        }
    }
}

#[tokio::test]
async fn a_location_attaches_to_the_senders_text_of_the_previous_15_minutes() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        post_fixture(&app, "location_follows_text.json").await;
        let rows = app.state.store.recent_inbound(10).await.unwrap();
        let text = rows.iter().find(|r| r.kind == "text").unwrap();
        let pin = rows.iter().find(|r| r.kind == "location").unwrap();
        assert_eq!(pin.attached_to, Some(text.id), "{backend:?}");
        assert!(pin.latitude.is_some() && pin.longitude.is_some());

        // Luis's place comes 30 minutes after his text: too late to belong to it.
        post_fixture(&app, "two_entries.json").await;
        post_fixture(&app, "location_place.json").await;
        let place = app
            .state
            .store
            .recent_inbound(20)
            .await
            .unwrap()
            .into_iter()
            .find(|r| r.kind == "location" && r.location_name.is_some())
            .unwrap();
        assert_eq!(place.attached_to, None);
        assert!(place.location_address.is_some());
    }
}

#[tokio::test]
async fn media_keeps_what_a_download_needs() {
    let app = TestApp::new(Backend::Sqlite).await;
    for file in [
        "audio_voice_note.json",
        "image_caption.json",
        "document.json",
    ] {
        post_fixture(&app, file).await;
    }
    let rows = app.state.store.recent_inbound(10).await.unwrap();
    let voice = rows.iter().find(|r| r.kind == "audio").unwrap();
    assert!(voice.media_voice);
    assert!(voice.media_id.is_some() && voice.media_sha256.is_some());
    assert!(voice
        .media_mime
        .as_deref()
        .unwrap()
        .starts_with("audio/ogg"));
    let image = rows.iter().find(|r| r.kind == "image").unwrap();
    assert!(image.body.is_some(), "the caption is kept as the body");
    assert!(image.category.is_some(), "captions are classified");
    let doc = rows.iter().find(|r| r.kind == "document").unwrap();
    assert!(doc.media_filename.is_some());
}

#[tokio::test]
async fn texts_are_classified_in_the_same_transaction_with_the_version() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        post_fixture(&app, "batch_1000.json").await;
        let counts = app.counts().await;
        assert_eq!(counts.messages, 1000);
        let rows = app.state.store.recent_inbound(1000).await.unwrap();
        let version = app.state.classifier.version().to_owned();
        for row in &rows {
            assert_eq!(row.classifier_version.as_deref(), Some(version.as_str()));
            assert!(row.category.is_some() && row.priority.is_some());
            let rules: Vec<String> = serde_json::from_str(row.rules.as_deref().unwrap()).unwrap();
            assert!(rules.iter().all(|r| !r.is_empty()));
        }
    }
}

#[tokio::test]
async fn unknown_types_and_fields_are_kept_not_rejected() {
    let app = TestApp::new(Backend::Sqlite).await;
    post_fixture(&app, "unknown_type.json").await;
    let rows = app.state.store.recent_inbound(5).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].kind, "hologram");
    let original: serde_json::Value =
        serde_json::from_slice(&fixture("unknown_type.json")).unwrap();
    let stored: serde_json::Value = serde_json::from_str(&rows[0].payload).unwrap();
    assert_eq!(
        stored,
        original["entry"][0]["changes"][0]["value"]["messages"][0]
    );
}

#[tokio::test]
async fn non_message_changes_are_kept_as_events() {
    let app = TestApp::new(Backend::Sqlite).await;
    for file in [
        "group_lifecycle.json",
        "template_status.json",
        "value_errors.json",
    ] {
        let (status, text) = app.post_signed(&fixture(file)).await;
        assert_eq!(status, StatusCode::OK);
        let id = serde_json::from_str::<serde_json::Value>(&text).unwrap()["delivery_id"]
            .as_i64()
            .unwrap();
        let events = app.state.store.events(id).await.unwrap();
        assert_eq!(events.len(), 1, "{file}");
    }
}
