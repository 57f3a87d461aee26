//! The JSON API: the authorisation matrix (every endpoint × role × own/other region), the
//! actions through the same service as the web pages. The OpenAPI document is in `openapi`.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::helpers::api::call;
use crate::helpers::{backends, text_webhook, TestApp, MARIA};

/// A registered member of cajeme-fovissste (region son-valle-yaqui).
const JESUS: &str = "5216441000202";

pub struct Users {
    pub tokens: Vec<(&'static str, String)>,
}

impl Users {
    pub fn token(&self, name: &str) -> &str {
        &self.tokens.iter().find(|(n, _)| *n == name).unwrap().1
    }
}

/// Operators (all regions, one region), coordinators of two regions, and an admin.
pub async fn users(app: &TestApp) -> Users {
    let mut tokens = Vec::new();
    for (name, role, regions) in [
        ("op_todas", "operator", vec![]),
        ("op_centro", "operator", vec!["son-centro"]),
        ("coord_centro", "coordinator", vec!["son-centro"]),
        ("coord_yaqui", "coordinator", vec!["son-valle-yaqui"]),
        ("admin", "admin", vec![]),
    ] {
        let regions: Vec<String> = regions.into_iter().map(String::from).collect();
        let token = alerta::queue::users::add_user(
            app.state.store.as_ref(),
            &app.state.registry.current(),
            name,
            role,
            &regions,
            Some("contraseña-de-prueba"),
        )
        .await
        .unwrap();
        tokens.push((name, token));
    }
    Users { tokens }
}

/// One report in son-centro and one in son-valle-yaqui; returns their folios.
pub async fn two_reports(app: &TestApp) -> (String, String) {
    let centro = text_webhook(
        "wamid.Q1",
        Some(MARIA.0),
        None,
        None,
        "pueden mandar una patrulla a dar rondines en la noche, se juntan a tomar en el parque",
    );
    let yaqui = text_webhook(
        "wamid.Q2",
        Some(JESUS),
        None,
        None,
        "solicitamos platica de prevencion del delito para los vecinos el proximo mes",
    );
    for body in [centro, yaqui] {
        let (status, _) = app.post_signed(&body).await;
        assert_eq!(status, StatusCode::OK);
    }
    let folio = |w: &'static str| async move {
        app.report(alerta::store::ReportLookup::MessageWamid(w))
            .await
            .folio
    };
    (folio("wamid.Q1").await, folio("wamid.Q2").await)
}

#[tokio::test]
async fn authorisation_matrix_every_endpoint_role_and_region() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let users = users(&app).await;
        let (centro, yaqui) = two_reports(&app).await;
        for (user, _) in &users.tokens {
            let token = users.token(user);
            let sees = |folio: &str| match *user {
                "op_centro" | "coord_centro" => folio == centro,
                "coord_yaqui" => folio == yaqui,
                _ => true,
            };
            // The list only ever holds the user's regions.
            let (status, page) = call(&app, "GET", "/api/v1/reports", Some(token), None).await;
            assert_eq!(status, StatusCode::OK, "{user}");
            let listed: Vec<String> = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["folio"].as_str().unwrap().to_owned())
                .collect();
            for folio in [&centro, &yaqui] {
                assert_eq!(listed.contains(folio), sees(folio), "{user} list {folio}");
            }
            for folio in [&centro, &yaqui] {
                let own = sees(folio);
                let expect = |allowed: bool| match (own, allowed) {
                    (false, _) => StatusCode::NOT_FOUND,
                    (true, true) => StatusCode::OK,
                    (true, false) => StatusCode::FORBIDDEN,
                };
                let base = format!("/api/v1/reports/{folio}");
                let (s, _) = call(&app, "GET", &base, Some(token), None).await;
                assert_eq!(s, expect(true), "{user} GET {folio}");
                let current = app
                    .report(alerta::store::ReportLookup::Folio(folio))
                    .await
                    .priority;
                let other = if current == "high" { "low" } else { "high" };
                let note = json!({ "action": "note", "text": "revisado" });
                let (s, _) = call(
                    &app,
                    "POST",
                    &format!("{base}/actions"),
                    Some(token),
                    Some(note),
                )
                .await;
                assert_eq!(s, expect(true), "{user} note {folio}");
                let priority = json!({ "action": "set_priority", "priority": other });
                let (s, _) = call(
                    &app,
                    "POST",
                    &format!("{base}/actions"),
                    Some(token),
                    Some(priority),
                )
                .await;
                let may_prioritise = !user.starts_with("coord");
                assert_eq!(s, expect(may_prioritise), "{user} set_priority {folio}");
                let (s, body) =
                    call(&app, "POST", &format!("{base}/contact"), Some(token), None).await;
                assert_eq!(
                    s,
                    expect(!user.starts_with("coord")),
                    "{user} contact {folio}: {body}"
                );
            }
            let (s, _) = call(&app, "GET", "/api/v1/users", Some(token), None).await;
            assert_eq!(s == StatusCode::OK, *user == "admin", "{user} users");
            let (s, _) = call(&app, "GET", "/api/v1/triage/corrections", Some(token), None).await;
            assert_eq!(
                s == StatusCode::OK,
                !user.starts_with("coord"),
                "{user} corrections"
            );
            let (s, _) = call(&app, "GET", "/api/v1/events", Some(token), None).await;
            assert_eq!(s, StatusCode::OK, "{user} events");
            let (s, body) = call(&app, "GET", "/api/v1/me", Some(token), None).await;
            assert_eq!((s, body["name"].as_str()), (StatusCode::OK, Some(*user)));
            // Exports: own region yes, another region is as unknown as its folios.
            let (s, _) = call(
                &app,
                "GET",
                "/api/v1/exports/weekly?week=2026-W47&region=son-centro",
                Some(token),
                None,
            )
            .await;
            assert_eq!(
                s,
                if *user == "coord_yaqui" {
                    StatusCode::NOT_FOUND
                } else {
                    StatusCode::OK
                },
                "{user} export centro"
            );
        }
        for uri in [
            "/api/v1/reports",
            "/api/v1/me",
            "/api/v1/events",
            "/api/v1/users",
            "/api/v1/exports/weekly?week=2026-W47",
        ] {
            let (s, body) = call(&app, "GET", uri, None, None).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{uri}");
            assert_eq!(body["error"]["code"], "unauthorized");
            let (s, _) = call(&app, "GET", uri, Some("not-a-token"), None).await;
            assert_eq!(s, StatusCode::UNAUTHORIZED, "{uri}");
        }
        // Revealing is in the audit trail, with who did it.
        let trail = app
            .state
            .store
            .audit_trail("report", &centro)
            .await
            .unwrap();
        assert!(trail
            .iter()
            .any(|a| a.action == "report.reveal_contact" && a.actor == "user:admin"));
    }
}

#[tokio::test]
async fn claims_corrections_duplicates_and_replies_through_the_api() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let users = users(&app).await;
        let (centro, _) = two_reports(&app).await;
        let act = |who: &'static str, body: Value| {
            let uri = format!("/api/v1/reports/{centro}/actions");
            let token = users.token(who).to_owned();
            let app = &app;
            async move { call(app, "POST", &uri, Some(&token), Some(body)).await }
        };
        let (s, body) = act("op_todas", json!({ "action": "claim" })).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(body["report"]["claimed_by"], "op_todas");
        let (s, body) = act("op_centro", json!({ "action": "claim" })).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("op_todas"),
            "{body}"
        );
        let (s, _) = act("op_centro", json!({ "action": "claim", "force": true })).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "only a supervisor overrides");
        let (s, body) = act("admin", json!({ "action": "claim", "force": true })).await;
        assert_eq!(
            (s, body["report"]["claimed_by"].as_str()),
            (StatusCode::OK, Some("admin"))
        );

        let (s, body) = act(
            "op_centro",
            json!({ "action": "reclassify", "category": "other", "reason": "no es patrullaje" }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let corrections = alerta::queue::corrections_jsonl(
            &app.state,
            &alerta::queue::Principal {
                user_id: 0,
                name: "t".into(),
                role: alerta::queue::Role::Admin,
                regions: vec![],
                may_reveal: false,
            },
        )
        .await
        .unwrap();
        let line: Value = serde_json::from_str(corrections.lines().next().unwrap()).unwrap();
        assert_eq!(line["category"], "other");
        assert_eq!(line["classifier"]["category"], "patrol");
        assert!(line["text"].as_str().unwrap().contains("rondines"));

        let (s, _) = act(
            "op_centro",
            json!({ "action": "reply", "text": "Vamos en camino" }),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = act("op_centro", json!({ "action": "resolve" })).await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = act("op_centro", json!({ "action": "resolve" })).await;
        assert_eq!(
            s,
            StatusCode::CONFLICT,
            "a closed report cannot be resolved twice"
        );
        let (s, _) = act("op_centro", json!({ "action": "explode" })).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);

        let outbox = app.state.store.outbox().await.unwrap();
        let purposes: Vec<&str> = outbox.iter().map(|o| o.purpose.as_str()).collect();
        assert!(
            purposes.contains(&"operator_reply") && purposes.contains(&"reporter_status"),
            "{purposes:?}"
        );

        // A second report of the same thing is merged into the first, then reopened.
        let (s, _) = app
            .post_signed(&text_webhook(
                "wamid.Q3",
                Some(MARIA.0),
                None,
                None,
                "otra vez piden rondines en el parque de la colonia por favor",
            ))
            .await;
        assert_eq!(s, StatusCode::OK);
        let dup = app
            .report(alerta::store::ReportLookup::MessageWamid("wamid.Q3"))
            .await
            .folio;
        let uri = format!("/api/v1/reports/{dup}/actions");
        let (s, body) = call(
            &app,
            "POST",
            &uri,
            Some(users.token("op_todas")),
            Some(json!({ "action": "mark_duplicate", "of": centro })),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(body["report"]["duplicate_of"], centro.as_str());
        let (_, detail) = call(
            &app,
            "GET",
            &format!("/api/v1/reports/{centro}"),
            Some(users.token("op_todas")),
            None,
        )
        .await;
        assert_eq!(detail["duplicates"], json!([dup]));
        let (s, _) = call(
            &app,
            "POST",
            &uri,
            Some(users.token("op_todas")),
            Some(json!({ "action": "reopen" })),
        )
        .await;
        assert_eq!(s, StatusCode::OK);

        // Every action is in the audit trail with before and after.
        let trail = app
            .state
            .store
            .audit_trail("report", &centro)
            .await
            .unwrap();
        let actions: Vec<&str> = trail.iter().map(|a| a.action.as_str()).collect();
        for a in [
            "report.created",
            "report.claim",
            "report.reclassify",
            "report.reply",
            "report.resolve",
        ] {
            assert!(actions.contains(&a), "{a} missing from {actions:?}");
        }
        let reclass = trail
            .iter()
            .find(|a| a.action == "report.reclassify")
            .unwrap();
        let detail: Value = serde_json::from_str(reclass.detail.as_deref().unwrap()).unwrap();
        assert_eq!(
            detail["changes"]["category"],
            json!({ "before": "patrol", "after": "other" })
        );
        assert_eq!(reclass.actor, "user:op_centro");
    }
}

#[tokio::test]
async fn filters_counts_and_ordering() {
    let app = TestApp::new(backends().remove(0)).await;
    let users = users(&app).await;
    let (centro, yaqui) = two_reports(&app).await;
    let (s, _) = app
        .post_signed(&text_webhook(
            "wamid.Q4",
            Some(MARIA.0),
            None,
            None,
            "estan asaltando la tienda de la esquina ahorita, traen pistola",
        ))
        .await;
    assert_eq!(s, StatusCode::OK);
    let urgent = app
        .report(alerta::store::ReportLookup::MessageWamid("wamid.Q4"))
        .await;
    let token = users.token("op_todas");
    let (_, page) = call(&app, "GET", "/api/v1/reports", Some(token), None).await;
    assert_eq!(
        page["items"][0]["folio"],
        urgent.folio.as_str(),
        "the urgent one is on top: {page}"
    );
    assert_eq!(page["total"], 3);
    let (_, page) = call(
        &app,
        "GET",
        "/api/v1/reports?region=son-valle-yaqui",
        Some(token),
        None,
    )
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["folio"], yaqui.as_str());
    let (_, page) = call(&app, "GET", "/api/v1/reports?q=RONDINES", Some(token), None).await;
    assert_eq!(page["items"][0]["folio"], centro.as_str());
    assert_eq!(page["total"], 1);
    let (_, page) = call(&app, "GET", "/api/v1/reports?q=100%25", Some(token), None).await;
    assert_eq!(page["total"], 0, "% is a literal character");
    let (_, page) = call(
        &app,
        "GET",
        "/api/v1/reports?category=workshop",
        Some(token),
        None,
    )
    .await;
    assert_eq!(page["total"], 1);
    let patrol = page["by_category"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "patrol")
        .unwrap()
        .clone();
    assert_eq!(
        patrol["n"], 1,
        "category counts ignore the category filter: {page}"
    );
    let (s, body) = call(
        &app,
        "GET",
        "/api/v1/reports?status=borrado",
        Some(token),
        None,
    )
    .await;
    assert_eq!(
        (s, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_request"))
    );
    let (_, page) = call(
        &app,
        "GET",
        "/api/v1/reports?per_page=1&page=2",
        Some(token),
        None,
    )
    .await;
    assert_eq!(
        (
            page["items"].as_array().unwrap().len(),
            page["has_more"].as_bool()
        ),
        (1, Some(true))
    );
}
