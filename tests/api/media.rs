//! Photos and voice notes reach the operator before Meta's links expire: fetched through
//! the (fake) Graph API, checked against their hash, stored, and served region-scoped.

use axum::http::StatusCode;
use chrono::Utc;
use sha2::{Digest, Sha256};

use crate::fake_graph::{FakeGraph, FakeMedia};
use crate::helpers::api::call;
use crate::helpers::{backdate, backends, media_webhook, TestApp};
use crate::queue_api::users;

fn hex_sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[tokio::test]
async fn media_is_fetched_checked_stored_and_served_to_its_region_only() {
    for backend in backends() {
        let fake = FakeGraph::start().await;
        let media_dir = tempfile::tempdir().unwrap();
        let (base, dir) = (fake.base_url.clone(), media_dir.path().to_owned());
        let app = TestApp::with(backend, move |c| {
            c.whatsapp.access_token = Some(alerta::config::Secret::new("test-token"));
            c.whatsapp.phone_number_id = Some("106540352242922".into());
            c.whatsapp.api_base = base;
            c.media.dir = dir;
            c.media.max_file_bytes = 4096;
            c.media.max_attempts = 3;
        })
        .await;
        let users = users(&app).await;
        let photo = b"\xFF\xD8\xFF\xE0 a suspicious car, plates ABC".to_vec();
        let voice = b"OggS voice note of twenty seconds".to_vec();
        let big = vec![7u8; 5000];
        let add = |id: &str, bytes: &[u8], mime: &str, declared: String, status: Option<u16>| {
            fake.add_media(
                id,
                FakeMedia {
                    bytes: bytes.to_vec(),
                    mime: mime.into(),
                    declared_sha256: declared,
                    status,
                },
            );
        };
        add("IMG1", &photo, "image/jpeg", hex_sha(&photo), None);
        add("VOICE1", &voice, "audio/ogg", base64_sha(&voice), None);
        add(
            "BAD1",
            &photo,
            "image/jpeg",
            hex_sha(b"something else"),
            None,
        );
        add("GONE1", &photo, "image/jpeg", hex_sha(&photo), Some(404));
        add("BIG1", &big, "image/jpeg", hex_sha(&big), None);
        let cases = [
            ("wamid.M1", "image", "IMG1", hex_sha(&photo)),
            ("wamid.M2", "audio", "VOICE1", base64_sha(&voice)),
            ("wamid.M3", "image", "BAD1", hex_sha(b"something else")),
            ("wamid.M4", "image", "GONE1", hex_sha(&photo)),
            ("wamid.M5", "image", "BIG1", hex_sha(&big)),
        ];
        for (wamid, kind, id, sha) in &cases {
            let (s, _) = app
                .post_signed(&media_webhook(
                    wamid,
                    kind,
                    id,
                    if *kind == "image" {
                        "image/jpeg"
                    } else {
                        "audio/ogg; codecs=opus"
                    },
                    sha,
                ))
                .await;
            assert_eq!(s, StatusCode::OK);
        }
        let clock = alerta::vocab::Clock::manual(Utc::now());
        let fetcher = app
            .state
            .media_fetcher(clock.clone())
            .unwrap()
            .expect("a token is configured");
        for _ in 0..6 {
            fetcher.tick().await.unwrap();
            clock.advance(chrono::Duration::hours(2));
        }
        let state_of = |wamid: &'static str| {
            let app = &app;
            async move {
                let id = app.message(wamid).await.id;
                (id, app.state.store.media_file(id).await.unwrap().unwrap())
            }
        };
        let (photo_id, f) = state_of("wamid.M1").await;
        assert_eq!(
            (f.state.as_str(), f.size_bytes),
            ("stored", Some(photo.len() as i64))
        );
        let (voice_id, f) = state_of("wamid.M2").await;
        assert_eq!(
            f.state, "stored",
            "a base64 hash is accepted: {:?}",
            f.last_error
        );
        let (_, f) = state_of("wamid.M3").await;
        assert_eq!(
            f.state, "unavailable",
            "a hash mismatch is retried, then given up: {f:?}"
        );
        assert_eq!(f.attempts, 3);
        assert_eq!(
            fake.media_downloads()
                .iter()
                .filter(|d| *d == "BAD1")
                .count(),
            3
        );
        let (_, f) = state_of("wamid.M4").await;
        assert_eq!(
            (f.state.as_str(), f.attempts),
            ("unavailable", 1),
            "expired media is not retried"
        );
        let (_, f) = state_of("wamid.M5").await;
        assert_eq!(f.state, "refused", "{f:?}");
        assert!(
            !fake.media_downloads().iter().any(|d| d == "BIG1"),
            "refused before downloading"
        );

        // Served through our URL, with our content type, to the report's region only.
        let req = |uri: String, token: &str| {
            axum::http::Request::get(uri)
                .header("authorization", format!("Bearer {token}"))
                .body(axum::body::Body::empty())
                .unwrap()
        };
        let response = tower::ServiceExt::oneshot(
            app.router.clone(),
            req(
                format!("/api/v1/media/{photo_id}"),
                users.token("op_centro"),
            ),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "image/jpeg");
        assert!(response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline"));
        assert_eq!(response.headers()["x-content-type-options"], "nosniff");
        // A citizen's photo must not stay in the browser after logout or an erasure.
        assert_eq!(response.headers()["cache-control"], "no-store");
        let body = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap()
            .to_bytes();
        assert_eq!(body.as_ref(), photo.as_slice());

        // A voice note seeks: one byte range answers 206 with exactly those bytes, and the
        // content-addressed ETag answers 304 to a client that already has the file.
        let ranged = |range: &str| {
            let mut r = req(
                format!("/api/v1/media/{voice_id}"),
                users.token("op_centro"),
            );
            r.headers_mut().insert("range", range.parse().unwrap());
            r
        };
        let response = tower::ServiceExt::oneshot(app.router.clone(), ranged("bytes=5-9"))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(
            response.headers()["content-range"],
            format!("bytes 5-9/{}", voice.len()).as_str()
        );
        assert_eq!(response.headers()["content-type"], "audio/ogg");
        assert_eq!(response.headers()["accept-ranges"], "bytes");
        let etag = response.headers()["etag"].clone();
        assert_eq!(etag, format!("\"{}\"", hex_sha(&voice)).as_str());
        let body = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap()
            .to_bytes();
        assert_eq!(body.as_ref(), &voice[5..=9]);
        let response = tower::ServiceExt::oneshot(app.router.clone(), ranged("bytes=9999-"))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::RANGE_NOT_SATISFIABLE);
        assert_eq!(
            response.headers()["content-range"],
            format!("bytes */{}", voice.len()).as_str()
        );
        let mut again = req(
            format!("/api/v1/media/{voice_id}"),
            users.token("op_centro"),
        );
        again.headers_mut().insert("if-none-match", etag);
        let response = tower::ServiceExt::oneshot(app.router.clone(), again)
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED);

        let (s, _) = call(
            &app,
            "GET",
            &format!("/api/v1/media/{voice_id}"),
            Some(users.token("coord_yaqui")),
            None,
        )
        .await;
        assert_eq!(
            s,
            StatusCode::NOT_FOUND,
            "another region's media does not exist for them"
        );
        let (s, _) = call(
            &app,
            "GET",
            &format!("/api/v1/media/{voice_id}"),
            None,
            None,
        )
        .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);

        // Without a caption there is nothing to classify: an operator must look first.
        let report = app
            .report(alerta::store::ReportLookup::MessageWamid("wamid.M1"))
            .await;
        assert!(report.needs_review);
        assert_eq!(
            (report.category.as_str(), report.priority.as_str()),
            ("other", "high")
        );
        let (_, detail) = call(
            &app,
            "GET",
            &format!("/api/v1/reports/{}", report.folio),
            Some(users.token("op_centro")),
            None,
        )
        .await;
        let shown = detail["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == photo_id)
            .unwrap()
            .clone();
        assert_eq!(shown["media_url"], format!("/media/{photo_id}"));
        let gone = app
            .report(alerta::store::ReportLookup::MessageWamid("wamid.M4"))
            .await;
        let (_, detail) = call(
            &app,
            "GET",
            &format!("/api/v1/reports/{}", gone.folio),
            Some(users.token("op_centro")),
            None,
        )
        .await;
        let gone_id = app.message("wamid.M4").await.id;
        let shown = detail["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == gone_id)
            .unwrap()
            .clone();
        assert!(
            shown["media_state_es"]
                .as_str()
                .unwrap()
                .contains("No disponible"),
            "{shown}"
        );
        assert!(shown["media_url"].is_null());

        // Retention applies to media as to text: a report closed over a year ago loses its
        // files from the disk.
        let sha = app
            .state
            .store
            .media_file(photo_id)
            .await
            .unwrap()
            .unwrap()
            .sha256
            .unwrap();
        assert!(app.state.blobs.read(&sha).await.unwrap().is_some());
        let closed = "UPDATE reports SET status = 'resolved', resolved_at = $1 WHERE folio = $2";
        backdate(
            &app,
            closed,
            Utc::now() - chrono::Duration::days(400),
            &report.folio,
        )
        .await;
        let counts = alerta::privacy::retention::run_once(&app.state.privacy(), Utc::now())
            .await
            .unwrap();
        assert_eq!(counts.media_files, 1, "{counts:?}");
        assert_eq!(
            app.state
                .store
                .media_file(photo_id)
                .await
                .unwrap()
                .unwrap()
                .state,
            "purged"
        );
        assert!(
            app.state.blobs.read(&sha).await.unwrap().is_none(),
            "the file is gone"
        );
        let (s, _) = call(
            &app,
            "GET",
            &format!("/api/v1/media/{photo_id}"),
            Some(users.token("op_centro")),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
}

fn base64_sha(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}
