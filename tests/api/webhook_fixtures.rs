//! Every fixture of ours (against MANIFEST.toml) and every peer payload from Meta's docs and
//! client libraries is accepted and stored as expected, on every backend.

use std::collections::{BTreeMap, HashSet};

use alerta::whatsapp::parse_notification;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use crate::helpers::{backends, fixture, repo_path, Backend, TestApp};

#[derive(Deserialize)]
struct Manifest {
    fixture: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    file: String,
    messages: usize,
    statuses: usize,
    kinds: Vec<String>,
    #[serde(default)]
    attribution: Option<Vec<String>>,
    #[serde(default)]
    attribution_counts: Option<BTreeMap<String, usize>>,
    flagged: bool,
    #[serde(default)]
    final_status: BTreeMap<String, String>,
}

/// Distinct message ids of a body, in order of appearance.
fn distinct_wamids(body: &[u8]) -> Vec<String> {
    let parsed = parse_notification(body, "test").expect("fixture parses");
    let mut seen = HashSet::new();
    parsed
        .messages
        .into_iter()
        .map(|m| m.wamid)
        .filter(|w| seen.insert(w.clone()))
        .collect()
}

async fn check_entry(backend: Backend, entry: &Entry) {
    let app = TestApp::new(backend).await;
    let body = fixture(&entry.file);
    let (status, text) = app.post_signed(&body).await;
    assert_eq!(status, StatusCode::OK, "{}: {text}", entry.file);
    let counts = app.counts().await;
    assert_eq!(counts.deliveries, 1, "{}", entry.file);
    assert_eq!(
        counts.flagged_deliveries,
        i64::from(entry.flagged),
        "{}",
        entry.file
    );
    assert_eq!(counts.messages as usize, entry.messages, "{}", entry.file);
    if entry.flagged {
        return;
    }
    let parsed = parse_notification(&body, "test").unwrap();
    assert_eq!(parsed.statuses.len(), entry.statuses, "{}", entry.file);

    let mut groups = Vec::new();
    for (i, wamid) in distinct_wamids(&body).iter().enumerate() {
        let row = app.message(wamid).await;
        assert_eq!(row.kind, entry.kinds[i], "{} message {i}", entry.file);
        groups.push(row.group_ref.unwrap_or_else(|| "unregistered".into()));
    }
    if let Some(expected) = &entry.attribution {
        assert_eq!(&groups, expected, "{}", entry.file);
    }
    if let Some(expected) = &entry.attribution_counts {
        let mut got = BTreeMap::new();
        for g in groups {
            *got.entry(g).or_insert(0usize) += 1;
        }
        assert_eq!(&got, expected, "{}", entry.file);
    }
    for (wamid, expected) in &entry.final_status {
        let row = app
            .state
            .store
            .status(wamid)
            .await
            .unwrap()
            .expect("status row");
        assert_eq!(&row.status, expected, "{} {wamid}", entry.file);
    }
}

#[tokio::test]
async fn every_fixture_is_stored_as_its_manifest_says() {
    let text = std::fs::read_to_string(repo_path("fixtures/whatsapp/MANIFEST.toml")).unwrap();
    let manifest: Manifest = toml::from_str(&text).unwrap();
    let listed: HashSet<&str> = manifest.fixture.iter().map(|e| e.file.as_str()).collect();
    for file in std::fs::read_dir(repo_path("fixtures/whatsapp")).unwrap() {
        let name = file.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".json") || name.ends_with(".txt") {
            assert!(
                listed.contains(name.as_str()),
                "{name} is not in MANIFEST.toml"
            );
        }
    }
    for backend in backends() {
        for entry in &manifest.fixture {
            check_entry(backend, entry).await;
        }
    }
}

/// The peer payloads directory, when the shared folder is beside the repository.
fn peer_payloads() -> Option<Vec<(String, Vec<u8>)>> {
    let dir = repo_path("../shared/peer-payloads");
    let sources = std::fs::read_to_string(dir.join("SOURCES.md")).ok()?;
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        // SOURCES.md marks synthetic negative cases; the contract covers the others.
        .filter(|n| {
            !sources
                .lines()
                .any(|l| l.contains(n.as_str()) && l.contains("NEGATIVE"))
        })
        .collect();
    files.sort();
    Some(
        files
            .into_iter()
            .map(|n| (n.clone(), std::fs::read(dir.join(&n)).unwrap()))
            .collect(),
    )
}

/// Message ids counted by walking the JSON directly, independently of our parser.
fn independent_message_ids(body: &[u8]) -> HashSet<String> {
    let v: Value = serde_json::from_slice(body).unwrap();
    let mut ids = HashSet::new();
    for entry in v["entry"].as_array().into_iter().flatten() {
        for change in entry["changes"].as_array().into_iter().flatten() {
            let field = change["field"].as_str().unwrap_or("messages");
            if field != "messages" {
                continue;
            }
            for m in change["value"]["messages"].as_array().into_iter().flatten() {
                ids.insert(m["id"].as_str().expect("peer messages have ids").to_owned());
            }
        }
    }
    ids
}

#[tokio::test]
async fn every_peer_payload_is_accepted_and_stored() {
    let Some(payloads) = peer_payloads() else {
        eprintln!("../shared/peer-payloads not found: skipping");
        return;
    };
    assert!(
        payloads.len() > 100,
        "expected the full corpus, got {}",
        payloads.len()
    );
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let mut expected_messages = HashSet::new();
        for (name, body) in &payloads {
            let (status, text) = app.post_signed(body).await;
            assert_eq!(status, StatusCode::OK, "{name}: {text}");
            let ids = independent_message_ids(body);
            for id in &ids {
                let row = app.message(id).await;
                assert!(!row.payload.is_empty(), "{name}");
            }
            expected_messages.extend(ids);
        }
        let counts = app.counts().await;
        assert_eq!(counts.flagged_deliveries, 0, "every peer payload parses");
        assert_eq!(counts.messages as usize, expected_messages.len());
    }
}

#[test]
fn the_signed_test_vector_verifies_byte_for_byte() {
    let Some(body) = std::fs::read(repo_path(
        "../shared/peer-payloads/pywa__signed_raw_text_test_vector.json",
    ))
    .ok() else {
        eprintln!("shared test vector not found: skipping");
        return;
    };
    assert_eq!(body.len(), 511);
    let header = "sha256=54edfa1d7259e0eb13c677cc7d73d1b5c86cfa12433d19156e058ab9251bc441";
    let secret = b"1222e786b144d0e85b9f365372d93676";
    assert_eq!(
        alerta::whatsapp::verify_signature(secret, Some(header), &body),
        Ok(())
    );
    // Re-serialising the body changes its bytes and must break the signature.
    let reserialised =
        serde_json::to_vec(&serde_json::from_slice::<Value>(&body).unwrap()).unwrap();
    assert!(alerta::whatsapp::verify_signature(secret, Some(header), &reserialised).is_err());
}

#[tokio::test]
async fn the_test_vector_is_accepted_over_http_with_its_secret() {
    let Some(body) = std::fs::read(repo_path(
        "../shared/peer-payloads/pywa__signed_raw_text_test_vector.json",
    ))
    .ok() else {
        return;
    };
    let app = TestApp::with(Backend::Sqlite, |c| {
        c.whatsapp.app_secret = Some(alerta::config::Secret::new(
            "1222e786b144d0e85b9f365372d93676",
        ));
    })
    .await;
    let header = "sha256=54edfa1d7259e0eb13c677cc7d73d1b5c86cfa12433d19156e058ab9251bc441";
    let (status, _) = app.post_webhook(&body, Some(header)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.counts().await.messages, 1);
}
