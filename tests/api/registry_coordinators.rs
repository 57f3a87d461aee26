//! Coordinators and rosters over `/api/v1/registry/coordinators…`: added, edited (shifts
//! validated like check-config: bad times, overlaps), deactivated and reactivated within
//! one's regions, audited; another region's coordinator is missing (404).

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::helpers::api::call;
use crate::helpers::{backends, TestApp};
use crate::queue_api::users;

fn find<'a>(list: &'a Value, id: &str) -> &'a Value {
    list["coordinators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{id} in {list}"))
}

#[tokio::test]
async fn coordinators_and_their_shifts_are_edited_in_ones_own_region_validated_and_audited() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let u = users(&app).await;
        let centro = u.token("coord_centro");
        let yaqui = u.token("coord_yaqui");
        let new = json!({
            "region": "son-centro", "name": "Lic. Paola Verdugo Ríos", "phone": "662 177 7720",
            "roles": ["prevention", "duty"],
            "shifts": [{"days": ["lun", "mar"], "start": "08:00", "end": "16:00"}]
        });
        let (s, body) = call(
            &app,
            "POST",
            "/api/v1/registry/coordinators",
            Some(centro),
            Some(new.clone()),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{backend:?}: {body}");
        let id = body["id"].as_str().unwrap().to_owned();
        assert_eq!(id, "son-centro-lic-paola-verdugo-rios");
        assert!(app
            .state
            .registry
            .current()
            .coordinator_by_phone("5216621777720")
            .is_some());
        let (s, _) = call(
            &app,
            "POST",
            "/api/v1/registry/coordinators",
            Some(centro),
            Some(new),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "the id exists");

        let uri = format!("/api/v1/registry/coordinators/{id}");
        let edit = |shifts: Value| {
            json!({
                "region": "son-centro", "name": "Lic. Paola Verdugo Ríos",
                "roles": ["prevention", "duty"], "shifts": shifts
            })
        };
        // Overlapping shifts and a bad time are refused with the reason.
        let overlap = edit(json!([
            {"days": ["lun"], "start": "08:00", "end": "16:00"},
            {"days": ["lun"], "start": "15:00", "end": "20:00"}
        ]));
        let (s, body) = call(&app, "POST", &uri, Some(centro), Some(overlap)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.to_string().contains("se enciman"), "{body}");
        let bad = edit(json!([{"days": ["lun"], "start": "25:00", "end": "16:00"}]));
        let (s, body) = call(&app, "POST", &uri, Some(centro), Some(bad)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.to_string().contains("25:00"), "{body}");

        // Another region's coordinator cannot see or edit it.
        let always = edit(
            json!([{"days": ["lun","mar","mie","jue","vie","sab","dom"], "start": "00:00", "end": "24:00"}]),
        );
        let (s, _) = call(&app, "POST", &uri, Some(yaqui), Some(always.clone())).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (_, list) = call(
            &app,
            "GET",
            "/api/v1/registry/coordinators",
            Some(yaqui),
            None,
        )
        .await;
        assert!(!list.to_string().contains(&id));

        // Edited without a phone: the stored number stays, the roster changes.
        let (s, body) = call(&app, "POST", &uri, Some(centro), Some(always)).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let (_, list) = call(
            &app,
            "GET",
            "/api/v1/registry/coordinators",
            Some(centro),
            None,
        )
        .await;
        assert_eq!(find(&list, &id)["on_duty_now"], true, "{list}");
        assert!(app
            .state
            .registry
            .current()
            .coordinator_by_phone("5216621777720")
            .is_some());

        let (s, _) = call(
            &app,
            "POST",
            &format!("{uri}/deactivate"),
            Some(centro),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (_, list) = call(
            &app,
            "GET",
            "/api/v1/registry/coordinators",
            Some(centro),
            None,
        )
        .await;
        let c = find(&list, &id);
        assert_eq!(
            (c["active"].clone(), c["on_duty_now"].clone()),
            (json!(false), json!(false))
        );
        assert!(app
            .state
            .registry
            .current()
            .coordinator_by_phone("5216621777720")
            .is_none());
        let (s, _) = call(&app, "POST", &format!("{uri}/activate"), Some(centro), None).await;
        assert_eq!(s, StatusCode::OK);
        assert!(app
            .state
            .registry
            .current()
            .coordinator_by_phone("5216621777720")
            .is_some());

        // The region's only patrol coordinator cannot be deactivated (groups need one).
        let (s, body) = call(
            &app,
            "POST",
            "/api/v1/registry/coordinators/son-centro-patrulla-1/deactivate",
            Some(centro),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");

        let trail = app
            .state
            .store
            .audit_trail("registry_coordinator", &id)
            .await
            .unwrap();
        let actions: Vec<&str> = trail.iter().map(|a| a.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "registry.coordinator_saved",
                "registry.coordinator_saved",
                "registry.coordinator_deactivated",
                "registry.coordinator_reactivated"
            ],
            "{backend:?}"
        );
        assert!(trail.iter().all(|a| a.actor == "user:coord_centro"));
        assert!(
            !trail
                .iter()
                .any(|a| a.detail.as_deref().unwrap_or("").contains("1777720")),
            "masked"
        );
    }
}

#[tokio::test]
async fn a_groups_own_fields_are_edited_in_ones_own_region() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let u = users(&app).await;
        let edit = json!({
            "id": "ignored", "name": "Comité Vecinal Villa de Seris Norte", "kind": "vecinal",
            "region": "son-centro", "municipality": "Hermosillo",
            "colonias": ["Villa de Seris", "Las Pilas"]
        });
        let uri = "/api/v1/registry/groups/hmo-villa-de-seris";
        let (s, _) = call(
            &app,
            "POST",
            uri,
            Some(u.token("coord_yaqui")),
            Some(edit.clone()),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, body) = call(&app, "POST", uri, Some(u.token("coord_centro")), Some(edit)).await;
        assert_eq!(s, StatusCode::OK, "{backend:?}: {body}");
        let g = app
            .state
            .registry
            .current()
            .group("hmo-villa-de-seris")
            .cloned()
            .unwrap();
        assert_eq!(g.name, "Comité Vecinal Villa de Seris Norte");
        assert_eq!(g.colonias, ["Villa de Seris", "Las Pilas"]);
        assert!(g.members.len() > 1, "members are kept");
        assert_eq!(
            g.cloud_group_id.as_deref(),
            Some(crate::helpers::SERIS_GROUP),
            "left out, the Cloud API group id stays"
        );
    }
}

/// The page's roster form, as the browser story drives it (that story needs chromedriver).
#[tokio::test]
async fn the_registro_roster_form_changes_who_is_on_duty_now() {
    use axum::body::Body;
    use axum::http::{header, Request};
    use chrono::Datelike;
    let app = TestApp::new(backends()[0]).await;
    users(&app).await;
    let s = crate::helpers::session::login(&app, "coord_centro").await;
    let li = |html: &str| -> String {
        let start = html
            .find("data-coordinador=\"son-centro-prevencion-1\"")
            .unwrap();
        html[start..start + html[start..].find("</li>").unwrap()].to_owned()
    };
    let local = chrono::Utc::now().with_timezone(&chrono_tz::America::Hermosillo);
    let other_day = ["lun", "mar", "mie", "jue", "vie", "sab", "dom"]
        [((local.weekday().num_days_from_monday() + 2) % 7) as usize];
    for (roster, on_duty) in [
        (format!("{other_day} 08:00-09:00"), false),
        ("lun,mar,mie,jue,vie,sab,dom 00:00-24:00".to_owned(), true),
        ("lun 08:00-16:00\nlun 15:00-20:00".to_owned(), true),
    ] {
        let form = serde_urlencoded::to_string([
            ("csrf", s.csrf.as_str()),
            ("action", "editar_coordinador"),
            ("coordinador", "son-centro-prevencion-1"),
            ("nombre", "Lic. Daniela Fernanda Gastélum Ruiz"),
            ("telefono", ""),
            ("region", "son-centro"),
            ("rol_prevention", "1"),
            ("turnos", roster.as_str()),
        ])
        .unwrap();
        let req = Request::post("/registro")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &s.cookie)
            .header(header::ORIGIN, "null")
            .body(Body::from(form))
            .unwrap();
        let (status, html) = app.request(req).await;
        let line = li(&html);
        assert_eq!(
            line.contains("De guardia ahora"),
            on_duty,
            "{roster}: {line}"
        );
        if roster.contains('\n') {
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "overlapping shifts are refused"
            );
            assert!(html.contains("se enciman"), "{html}");
        } else {
            assert_eq!(status, StatusCode::OK, "{html}");
        }
    }
}
