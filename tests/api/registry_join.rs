//! Joining and leaving over WhatsApp (issue 19): an unknown sender's alta waits in their
//! region for a coordinator, who approves it into a group (the next message is attributed,
//! welcome and privacy notice once) or declines it (the person is told); an enlace's invite
//! code joins at once, expires and cannot be guessed; `BAJA` is an ARCO cancellation; a
//! changed number moves the member.

use axum::http::StatusCode;
use chrono::Utc;
use serde_json::{json, Value};

use crate::helpers::api::call;
use crate::helpers::{backends, text_webhook, TestApp, JOSE, MARIA};
use crate::queue_api::users;
use alerta::store::OutboxRow;
use alerta::vocab::Clock;

/// Numbers no registry uses (the stranger of the anchors is +526629999999).
const ANA: &str = "5216621777701";
const BETO: &str = "5216621777702";
const CARMEN: &str = "5216621777703";

async fn settle(app: &TestApp) -> usize {
    settle_at(app, Clock::new()).await
}

async fn settle_at(app: &TestApp, clock: Clock) -> usize {
    app.state.registry_requests(clock).tick().await.unwrap()
}

/// The outbox rows to `wa_id` with `purpose`.
async fn sent(app: &TestApp, wa_id: &str, purpose: &str) -> Vec<OutboxRow> {
    let key = format!("wa:{wa_id}");
    app.state
        .store
        .outbox()
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.recipient_key == key && o.purpose == purpose)
        .collect()
}

fn params(o: &OutboxRow) -> Value {
    serde_json::from_str(&o.params).unwrap()
}

async fn say(app: &TestApp, wamid: &str, from: &str, text: &str) {
    let (s, body) = app
        .post_signed(&text_webhook(wamid, Some(from), None, None, text))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn an_alta_waits_in_its_region_and_once_approved_the_next_message_is_attributed() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let u = users(&app).await;
        say(
            &app,
            "wamid.j1",
            ANA,
            "Hola, quiero unirme al comité, vivo en Hermosillo",
        )
        .await;
        assert_eq!(app.message("wamid.j1").await.group_ref, None);
        assert_eq!(settle(&app).await, 1, "{backend:?}");
        assert_eq!(sent(&app, ANA, "join_received").await.len(), 1);
        // Nothing else answered it: an alta is not a report.
        assert!(sent(&app, ANA, "reply_unregistered").await.is_empty());
        assert!(app.state.store.reports().await.unwrap().is_empty());

        // A second request while the first waits is answered, not queued again.
        say(&app, "wamid.j2", ANA, "QUIERO   UNIRME").await;
        settle(&app).await;
        let acks = sent(&app, ANA, "join_received").await;
        assert_eq!(acks.len(), 2);
        assert_eq!(params(&acks[1])["variant"], "duplicate");

        // Hermosillo is son-centro's: its coordinator sees it, another region's does not.
        let (s, body) = call(
            &app,
            "GET",
            "/api/v1/registry/requests",
            Some(u.token("coord_centro")),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        let list = body["requests"].as_array().unwrap();
        assert_eq!(list.len(), 1, "{body}");
        assert_eq!(list[0]["region"], "son-centro");
        assert!(!body.to_string().contains("6621777701"), "masked: {body}");
        let id = list[0]["id"].as_i64().unwrap();
        let (_, body) = call(
            &app,
            "GET",
            "/api/v1/registry/requests",
            Some(u.token("coord_yaqui")),
            None,
        )
        .await;
        assert_eq!(body["requests"].as_array().unwrap().len(), 0, "{body}");

        let approval = json!({"group": "hmo-villa-de-seris", "name": "Ana Sofía Moreno Lugo", "role": "miembro"});
        let uri = format!("/api/v1/registry/requests/{id}/approve");
        let (s, body) = call(
            &app,
            "POST",
            &uri,
            Some(u.token("coord_yaqui")),
            Some(approval.clone()),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{body}");
        let (s, body) = call(
            &app,
            "POST",
            &uri,
            Some(u.token("coord_centro")),
            Some(approval.clone()),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{body}");
        let (s, _) = call(
            &app,
            "POST",
            &uri,
            Some(u.token("coord_centro")),
            Some(approval),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "decided once");

        say(
            &app,
            "wamid.j3",
            ANA,
            "hay un carro sospechoso afuera de la escuela",
        )
        .await;
        assert_eq!(
            app.message("wamid.j3").await.group_ref.as_deref(),
            Some("hmo-villa-de-seris"),
            "{backend:?}"
        );
        let welcome = sent(&app, ANA, "join_welcome").await;
        assert_eq!(welcome.len(), 1);
        assert_eq!(
            params(&welcome[0])["grupo"],
            "Comité Vecinal Villa de Seris"
        );
        assert_eq!(
            sent(&app, ANA, "privacy_notice").await.len(),
            1,
            "once per person"
        );

        let trail = app
            .state
            .store
            .audit_trail("registry_request", &id.to_string())
            .await
            .unwrap();
        let actions: Vec<&str> = trail.iter().map(|a| a.action.as_str()).collect();
        assert_eq!(
            actions,
            ["registry.join_requested", "registry.join_approved"]
        );
        assert_eq!(trail[1].actor, "user:coord_centro");
    }
}

#[tokio::test]
async fn a_declined_alta_is_told_and_one_of_no_region_is_only_for_all_region_users() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let u = users(&app).await;
        say(&app, "wamid.d1", BETO, "alta").await;
        settle(&app).await;
        let (_, body) = call(
            &app,
            "GET",
            "/api/v1/registry/requests",
            Some(u.token("admin")),
            None,
        )
        .await;
        let list = body["requests"].as_array().unwrap();
        assert_eq!(list[0]["region"], "sin-region", "{body}");
        let id = list[0]["id"].as_i64().unwrap();
        let uri = format!("/api/v1/registry/requests/{id}/decline");
        let reason = json!({"reason": "su colonia aún no tiene comité en el programa"});
        let (s, _) = call(
            &app,
            "POST",
            &uri,
            Some(u.token("coord_centro")),
            Some(reason.clone()),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, body) = call(
            &app,
            "POST",
            &uri,
            Some(u.token("admin")),
            Some(json!({"reason": " "})),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
        let (s, body) = call(&app, "POST", &uri, Some(u.token("admin")), Some(reason)).await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(body["status"], "declined");
        let told = sent(&app, BETO, "join_declined").await;
        assert_eq!(told.len(), 1, "{backend:?}");
        assert_eq!(
            params(&told[0])["motivo"],
            "su colonia aún no tiene comité en el programa"
        );
        assert!(sent(&app, BETO, "join_welcome").await.is_empty());
        let trail = app
            .state
            .store
            .audit_trail("registry_request", &id.to_string())
            .await
            .unwrap();
        assert_eq!(trail.last().unwrap().action, "registry.join_declined");
    }
}

#[tokio::test]
async fn an_emergency_is_never_swallowed_as_an_alta() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        say(
            &app,
            "wamid.e1",
            CARMEN,
            "quiero unirme, hay un hombre armado disparando en la calle",
        )
        .await;
        assert_eq!(settle(&app).await, 0, "{backend:?}");
        assert_eq!(sent(&app, CARMEN, "reply_unregistered").await.len(), 1);
        assert_eq!(app.state.store.reports().await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn an_enlaces_invite_code_joins_at_once_expires_and_cannot_be_guessed() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        // Only the enlace gets a code.
        say(&app, "wamid.i0", JOSE, "Alta").await;
        settle(&app).await;
        let refused = sent(&app, JOSE, "invite_code").await;
        assert_eq!(params(&refused[0])["variant"], "not_enlace", "{backend:?}");

        say(&app, "wamid.i1", MARIA.0, "ALTA").await;
        settle(&app).await;
        let given = sent(&app, MARIA.0, "invite_code").await;
        assert_eq!(given.len(), 1, "{backend:?}");
        let code = params(&given[0])["codigo"].as_str().unwrap().to_owned();
        assert_eq!(code.len(), 4);
        assert!(code
            .chars()
            .all(|c| alerta::vocab::joining::INVITE_ALPHABET.contains(c)));

        say(
            &app,
            "wamid.i2",
            ANA,
            &format!("alta {}", code.to_lowercase()),
        )
        .await;
        settle(&app).await;
        assert_eq!(
            sent(&app, ANA, "join_welcome").await.len(),
            1,
            "{backend:?}"
        );
        say(
            &app,
            "wamid.i3",
            ANA,
            "se escuchan gritos en la casa de junto",
        )
        .await;
        assert_eq!(
            app.message("wamid.i3").await.group_ref.as_deref(),
            Some("hmo-villa-de-seris")
        );

        // Past its 72 hours the code is refused with a clear reply.
        say(&app, "wamid.i4", BETO, &format!("ALTA {code}")).await;
        settle_at(
            &app,
            Clock::manual(Utc::now() + chrono::Duration::hours(73)),
        )
        .await;
        let r = sent(&app, BETO, "invite_refused").await;
        assert_eq!(params(&r[0])["variant"], "expired", "{backend:?}");

        // Guessing: five wrong codes an hour are answered, then codes are not even checked.
        for i in 0..6 {
            say(&app, &format!("wamid.g{i}"), CARMEN, "ALTA XXXX").await;
            settle(&app).await;
        }
        say(&app, "wamid.g6", CARMEN, &format!("ALTA {code}")).await;
        settle(&app).await;
        let r = sent(&app, CARMEN, "invite_refused").await;
        assert_eq!(r.len(), 7);
        assert_eq!(params(&r[4])["variant"], Value::Null);
        assert_eq!(params(&r[5])["variant"], "throttled");
        assert_eq!(
            params(&r[6])["variant"],
            "throttled",
            "a right code after the limit"
        );
        assert!(sent(&app, CARMEN, "join_welcome").await.is_empty());
    }
}

#[tokio::test]
async fn baja_is_an_audited_arco_cancellation_and_a_changed_number_moves_the_member() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        say(&app, "wamid.b1", JOSE, "BAJA").await;
        settle(&app).await;
        assert_eq!(
            sent(&app, JOSE, "member_left").await.len(),
            1,
            "{backend:?}"
        );
        say(&app, "wamid.b2", JOSE, "hola").await;
        assert_eq!(app.message("wamid.b2").await.group_ref, None);
        let rows = app.state.store.registry_snapshot().await.unwrap();
        let jose = rows
            .members
            .iter()
            .find(|m| m.phone.as_deref() == Some("+526621000102"))
            .unwrap();
        assert!(!jose.active);
        let trail = app
            .state
            .store
            .audit_trail("registry_member", &jose.id.to_string())
            .await
            .unwrap();
        let last = trail.last().unwrap();
        assert_eq!(last.action, "registry.member_cancelled");
        assert_eq!(last.actor, "whatsapp:baja");
        let detail = last.detail.clone().unwrap_or_default();
        assert!(detail.contains("cancelacion"), "{detail}");

        // María changes number: WhatsApp's system message names the new one.
        let system = json!({
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "526621234567", "phone_number_id": "106540352242922"},
                "messages": [{
                    "from": MARIA.0, "from_user_id": MARIA.1, "id": "wamid.sys1",
                    "timestamp": Utc::now().timestamp().to_string(), "type": "system",
                    "system": {"body": "User changed number", "wa_id": "5216621777709",
                               "user_id": "MX.4810000000000009999", "type": "user_changed_number"}
                }]
            }}]}]
        });
        let (s, _) = app.post_signed(&serde_json::to_vec(&system).unwrap()).await;
        assert_eq!(s, StatusCode::OK);
        settle(&app).await;
        say(&app, "wamid.n1", "5216621777709", "hay un carro sospechoso").await;
        assert_eq!(
            app.message("wamid.n1").await.group_ref.as_deref(),
            Some("hmo-villa-de-seris"),
            "{backend:?}"
        );
        let registry = app.state.registry.current();
        assert!(registry.member_by_phone(MARIA.0).is_none());
        assert!(registry.member_by_bsuid(MARIA.1).is_none());
        assert!(registry.member_by_bsuid("MX.4810000000000009999").is_some());
    }
}

#[tokio::test]
async fn registro_lists_the_regions_altas_and_approves_one_into_a_new_group() {
    use axum::body::Body;
    use axum::http::{header, Request};
    let app = TestApp::new(backends()[0]).await;
    users(&app).await;
    say(&app, "wamid.w1", ANA, "quiero unirme, soy de Hermosillo").await;
    settle(&app).await;
    let yaqui = crate::helpers::session::login(&app, "coord_yaqui").await;
    let get = |cookie: String| {
        Request::get("/registro")
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap()
    };
    let (_, html) = app.request(get(yaqui.cookie.clone())).await;
    assert!(
        !html.contains("Solicitudes de alta"),
        "another region's alta is not shown"
    );
    let cola = |cookie: String| {
        Request::get("/cola")
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap()
    };
    let (_, html) = app.request(cola(yaqui.cookie.clone())).await;
    assert!(!html.contains("altas-pendientes"));
    let centro = crate::helpers::session::login(&app, "coord_centro").await;
    let (_, html) = app.request(cola(centro.cookie.clone())).await;
    assert!(
        html.contains("1 solicitud de alta por WhatsApp espera en Registro"),
        "the queue says so"
    );
    let (s, html) = app.request(get(centro.cookie.clone())).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("Solicitudes de alta por WhatsApp (1)"),
        "{html}"
    );
    assert!(!html.contains("6621777701"), "the number is masked");
    let id = html
        .split("data-solicitud=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let form = serde_urlencoded::to_string([
        ("csrf", centro.csrf.as_str()),
        ("action", "aprobar_alta"),
        ("solicitud", id.as_str()),
        ("nombre", "Ana Sofía Moreno Lugo"),
        ("rol", "enlace"),
        ("grupo", ""),
        ("nuevo_id", "hmo-nuevo-comite"),
        ("nuevo_nombre", "Comité Vecinal Nuevo Hermosillo"),
        ("nuevo_tipo", "vecinal"),
        ("nuevo_region", "son-centro"),
        ("nuevo_municipio", "Hermosillo"),
        ("nuevo_colonias", "Centro, Pitic"),
    ])
    .unwrap();
    let req = Request::post("/registro")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &centro.cookie)
        .header(header::ORIGIN, "null")
        .body(Body::from(form))
        .unwrap();
    let (s, html) = app.request(req).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("Solicitud aprobada"), "{html}");
    say(&app, "wamid.w2", ANA, "hay un carro sospechoso").await;
    assert_eq!(
        app.message("wamid.w2").await.group_ref.as_deref(),
        Some("hmo-nuevo-comite")
    );
    assert_eq!(sent(&app, ANA, "join_welcome").await.len(), 1);
}
