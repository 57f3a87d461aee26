//! `/api/v1/registry/…`: coordinators run their region's groups, another region's groups
//! are missing (404), phones are masked, and a member added here is attributed next.

use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::api::call;
use crate::helpers::{backends, text_webhook, TestApp};
use crate::queue_api::users;

#[tokio::test]
async fn coordinators_run_their_own_regions_groups_and_nobody_elses() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let u = users(&app).await;
        let centro = u.token("coord_centro");
        let yaqui = u.token("coord_yaqui");

        let (s, body) = call(&app, "GET", "/api/v1/registry/groups", Some(centro), None).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let groups = body["groups"].as_array().unwrap();
        assert!(groups.iter().all(|g| g["region"] == "son-centro"), "{body}");
        assert!(groups.iter().any(|g| g["id"] == "hmo-villa-de-seris"));

        let (s, body) = call(
            &app,
            "GET",
            "/api/v1/registry/groups/hmo-villa-de-seris",
            Some(centro),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let members = body["group"]["member_list"].as_array().unwrap();
        assert!(members
            .iter()
            .any(|m| m["name"] == "María Guadalupe Ruiz Peña"));
        assert!(
            !body.to_string().contains("6621000101"),
            "phones are masked: {body}"
        );

        // Another region's group: not there, for reading and for writing.
        for (method, uri, payload) in [
            ("GET", "/api/v1/registry/groups/hmo-villa-de-seris", None),
            (
                "POST",
                "/api/v1/registry/groups/hmo-villa-de-seris/members",
                Some(json!({"name": "Intrusa", "phone": "+526621777702", "role": "miembro"})),
            ),
            (
                "POST",
                "/api/v1/registry/groups/hmo-villa-de-seris/deactivate",
                None,
            ),
        ] {
            let (s, body) = call(&app, method, uri, Some(yaqui), payload).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{method} {uri}: {body}");
        }
        // Searching by the last digits of a phone finds the group, in one's own region only.
        let (_, body) = call(
            &app,
            "GET",
            "/api/v1/registry/groups?q=0101",
            Some(centro),
            None,
        )
        .await;
        assert_eq!(body["groups"][0]["id"], "hmo-villa-de-seris", "{body}");
        let (_, body) = call(
            &app,
            "GET",
            "/api/v1/registry/groups?q=0101",
            Some(yaqui),
            None,
        )
        .await;
        assert_eq!(body["groups"].as_array().unwrap().len(), 0, "{body}");
        // Operators see the registry but do not change it.
        let (s, _) = call(
            &app,
            "POST",
            "/api/v1/registry/groups/hmo-villa-de-seris/members",
            Some(u.token("op_centro")),
            Some(json!({"name": "Ana", "phone": "+526621777702", "role": "miembro"})),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn a_member_added_through_the_api_is_attributed_and_bad_input_is_explained() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let u = users(&app).await;
        let centro = u.token("coord_centro");
        let uri = "/api/v1/registry/groups/hmo-villa-de-seris/members";

        let (s, body) = call(
            &app,
            "POST",
            uri,
            Some(centro),
            Some(json!({"name": "Ana", "phone": "662-12", "role": "miembro"})),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.to_string().contains("teléfono inválido"), "{body}");
        let (s, body) = call(
            &app,
            "POST",
            uri,
            Some(centro),
            Some(json!({"name": "Ana", "phone": "+526621000301", "role": "miembro"})),
        )
        .await;
        assert_eq!(
            s,
            StatusCode::BAD_REQUEST,
            "Laura's number is taken: {body}"
        );

        let (s, body) = call(
            &app,
            "POST",
            uri,
            Some(centro),
            Some(json!({"name": "Ana Sofía Moreno Lugo", "phone": "662 177 7702", "role": "miembro"})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let id = body["member_id"].as_i64().unwrap();
        app.post_signed(&text_webhook(
            "wamid.api",
            Some("5216621777702"),
            None,
            None,
            "hola",
        ))
        .await;
        assert_eq!(
            app.message("wamid.api").await.group_ref.as_deref(),
            Some("hmo-villa-de-seris")
        );
        let trail = app
            .state
            .store
            .audit_trail("registry_member", &id.to_string())
            .await
            .unwrap();
        assert_eq!(trail[0].actor, "user:coord_centro");

        let (s, body) = call(
            &app,
            "GET",
            "/api/v1/registry/coordinators",
            Some(centro),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let list = body["coordinators"].as_array().unwrap();
        assert!(list.iter().all(|c| c["region"] == "son-centro"));
        assert!(list.iter().all(|c| c["on_duty_now"].is_boolean()));
    }
}
