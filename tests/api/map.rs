//! The map's pins (`/api/v1/map`, `/mapa`) are the queue's reports that carry a location,
//! scoped like the queue: a coordinator never sees another region's pins. The map page's
//! CSP allows the configured tile host for images, and no other page does. Both backends.

use axum::http::{header, StatusCode};

use crate::helpers::api::call;
use crate::helpers::session::login;
use crate::helpers::{backends, TestApp, MARIA};
use crate::monday::{location_webhook, report};
use crate::queue_api::users;
use crate::web_summary_media_privacy::get;

/// A registered member of cajeme-fovissste (region son-valle-yaqui).
const JESUS: &str = "5216441000202";
/// A member of another son-centro group than María's.
const ESMERALDA: &str = "5216621000702";
const PATROL: &str = "pueden mandar una patrulla a dar rondines en la noche, se juntan a tomar";

#[tokio::test]
async fn a_coordinator_sees_only_the_pins_of_their_region() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let users = users(&app).await;
        let centro = report(&app, "wamid.MAP1", MARIA.0, PATROL).await;
        let pin = location_webhook("wamid.MAP1L", MARIA.0, 29.1026, -110.9773, "Villa de Seris");
        assert_eq!(app.post_signed(&pin).await.0, StatusCode::OK);
        let yaqui = report(&app, "wamid.MAP2", JESUS, PATROL).await;
        let pin = location_webhook("wamid.MAP2L", JESUS, 27.4863, -109.9408, "Fovissste");
        assert_eq!(app.post_signed(&pin).await.0, StatusCode::OK);
        // No location (another group's member): counted, not placed.
        report(&app, "wamid.MAP3", ESMERALDA, PATROL).await;

        let folios = |body: &serde_json::Value| -> Vec<String> {
            body["pins"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["folio"].as_str().unwrap().to_owned())
                .collect()
        };
        let (s, all) = call(
            &app,
            "GET",
            "/api/v1/map",
            Some(users.token("op_todas")),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{backend:?}: {all}");
        let mut seen = folios(&all);
        seen.sort();
        let mut both = vec![centro.clone(), yaqui.clone()];
        both.sort();
        assert_eq!(seen, both, "{backend:?}");
        assert_eq!(all["without_location"], 1, "{all}");
        let pin = &all["pins"].as_array().unwrap()[0];
        assert!(pin["latitude"].is_f64() && pin["age_es"].as_str().unwrap().starts_with("hace "));

        let token = users.token("coord_centro");
        let (_, mine) = call(&app, "GET", "/api/v1/map", Some(token), None).await;
        assert_eq!(
            folios(&mine),
            std::slice::from_ref(&centro),
            "{backend:?}: {mine}"
        );
        let (_, other) = call(
            &app,
            "GET",
            "/api/v1/map?region=son-valle-yaqui",
            Some(token),
            None,
        )
        .await;
        assert!(
            folios(&other).is_empty(),
            "{backend:?}: another region asked by name: {other}"
        );
        let (s, _) = call(&app, "GET", "/api/v1/map?status=nada", Some(token), None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);

        // The page: the same scope, and the tile host in this page's CSP only.
        let session = login(&app, "coord_centro").await;
        let page = get(&app, &session.cookie, "/mapa").await;
        let html = page.text();
        assert_eq!(page.status, StatusCode::OK, "{backend:?}: {html}");
        assert!(html.contains(&format!(r#"data-folio="{centro}""#)));
        assert!(
            !html.contains(&yaqui),
            "{backend:?}: another region's pin on the page"
        );
        assert!(html.contains(r#"<a href="/mapa" aria-current="page">Mapa</a>"#));
        assert!(!html.contains("style="), "the CSP forbids inline styles");
        let csp = page.header(header::CONTENT_SECURITY_POLICY);
        assert!(
            csp.contains("img-src 'self' data: https://tile.openstreetmap.org;"),
            "{csp}"
        );
        let queue = get(&app, &session.cookie, "/cola").await;
        let csp = queue.header(header::CONTENT_SECURITY_POLICY);
        assert!(!csp.contains("openstreetmap"), "{csp}");
        assert!(
            queue.text().contains(r#"href="/mapa""#),
            "linked from the nav"
        );
    }
}

#[tokio::test]
async fn leaflet_is_served_by_the_app_with_its_license() {
    let app = TestApp::new(crate::helpers::Backend::Sqlite).await;
    for (path, kind) in [
        ("/static/leaflet/leaflet.js", "text/javascript"),
        ("/static/leaflet/leaflet.css", "text/css"),
        ("/static/leaflet/LICENSE", "text/plain"),
        ("/static/leaflet/images/layers.png", "image/png"),
        ("/static/map.js", "text/javascript"),
    ] {
        let req = axum::http::Request::get(path)
            .body(axum::body::Body::empty())
            .unwrap();
        let res = tower::ServiceExt::oneshot(app.router.clone(), req)
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let ct = res.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(ct.starts_with(kind), "{path}: {ct}");
    }
    let (s, license) = app.get("/static/leaflet/LICENSE").await;
    assert_eq!(s, StatusCode::OK);
    assert!(license.starts_with("BSD 2-Clause License"));
    let (s, _) = app.get("/static/leaflet/images/nada.png").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
