//! Taking access away: disabling and enabling accounts, rotating and expiring API tokens,
//! password changes that end sessions, live streams that end with their session, and the
//! admins-only account API and page. Every test runs on SQLite and, when configured,
//! PostgreSQL.

use std::sync::Arc;
use std::time::Duration;

use alerta::queue::auth::{digest, random_token};
use alerta::queue::users::{self, By};
use alerta::store::NewAudit;
use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use chrono::Utc;
use http_body_util::BodyExt;
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use crate::helpers::{backends, text_webhook, Backend, TestApp, MARIA};
use crate::queue_api::{call, users as make_users};

const PASSWORD: &str = "contraseña-de-prueba";

/// A signed-in browser.
struct Session {
    cookie: String,
    csrf: String,
}

struct Resp {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

async fn send(app: &TestApp, req: Request<Body>) -> Resp {
    let res = app.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn hidden_csrf(html: &str) -> String {
    let start = html.find(r#"name="csrf" value=""#).expect("a csrf field") + 19;
    html[start..].split('"').next().unwrap().to_owned()
}

fn cookie_pair(r: &Resp, name: &str) -> Option<String> {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap().to_owned())
}

/// Signs in through the login form; `None` when refused.
async fn try_login(app: &TestApp, name: &str, password: &str) -> Option<Session> {
    let form = send(app, Request::get("/login").body(Body::empty()).unwrap()).await;
    let login_cookie = cookie_pair(&form, "alerta_login").unwrap();
    let body = serde_urlencoded::to_string([
        ("name", name),
        ("password", password),
        ("csrf", &hidden_csrf(&form.body)),
        ("next", "/cola"),
    ])
    .unwrap();
    let r = send(
        app,
        Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, login_cookie)
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    if r.status != StatusCode::SEE_OTHER {
        return None;
    }
    let cookie = cookie_pair(&r, "alerta_sesion")?;
    let page = get(app, &cookie, "/cola").await;
    assert_eq!(page.status, StatusCode::OK);
    Some(Session {
        csrf: hidden_csrf(&page.body),
        cookie,
    })
}

async fn login(app: &TestApp, name: &str) -> Session {
    try_login(app, name, PASSWORD)
        .await
        .unwrap_or_else(|| panic!("{name} could not sign in"))
}

async fn get(app: &TestApp, cookie: &str, uri: &str) -> Resp {
    let req = Request::get(uri).header(header::COOKIE, cookie);
    send(app, req.body(Body::empty()).unwrap()).await
}

async fn post_form(app: &TestApp, s: &Session, uri: &str, pairs: &[(&str, &str)]) -> Resp {
    let req = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &s.cookie)
        .header(header::HOST, "alerta.test")
        .header(header::ORIGIN, "https://alerta.test");
    let body = serde_urlencoded::to_string(pairs).unwrap();
    send(app, req.body(Body::from(body)).unwrap()).await
}

/// True while the session opens the queue (an ended one is sent to the login form).
async fn signed_in(app: &TestApp, s: &Session) -> bool {
    let r = get(app, &s.cookie, "/cola").await;
    assert!(
        r.status == StatusCode::OK || r.status == StatusCode::SEE_OTHER,
        "{}",
        r.status
    );
    r.status == StatusCode::OK
}

async fn me(app: &TestApp, token: &str) -> (StatusCode, Value) {
    call(app, "GET", "/api/v1/me", Some(token), None).await
}

/// Account audit entries, oldest first.
async fn user_audit(app: &TestApp) -> Vec<alerta::store::AuditRow> {
    app.state.store.audit_after("user", 0, 1000).await.unwrap()
}

fn user_id_of(list: &[alerta::store::UserAccount], name: &str) -> i64 {
    list.iter().find(|a| a.user.name == name).unwrap().user.id
}

#[tokio::test]
async fn a_disabled_users_token_and_sessions_are_refused_and_enable_restores_the_token() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let u = make_users(&app).await;
        let token = u.token("op_centro").to_owned();
        let first = login(&app, "op_centro").await;
        let second = login(&app, "op_centro").await;
        assert_eq!(me(&app, &token).await.0, StatusCode::OK);

        let (s, body) = call(
            &app,
            "POST",
            "/api/v1/users/op_centro/disable",
            Some(u.token("admin")),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{backend:?}: {body}");
        assert_eq!(body["changed"], true);
        assert_eq!(body["sessions_ended"], 2, "{backend:?}: {body}");
        assert_eq!(body["user"]["disabled"], true);

        let (s, err) = me(&app, &token).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{backend:?}");
        let message = err["error"]["message"].as_str().unwrap();
        assert!(message.contains("deshabilitada"), "{message}");
        assert!(!signed_in(&app, &first).await, "{backend:?}: session 1");
        assert!(!signed_in(&app, &second).await, "{backend:?}: session 2");
        assert!(
            try_login(&app, "op_centro", PASSWORD).await.is_none(),
            "{backend:?}: a disabled account cannot sign in"
        );

        // Twice is not an error, and writes nothing.
        let (s, body) = call(
            &app,
            "POST",
            "/api/v1/users/op_centro/disable",
            Some(u.token("admin")),
            None,
        )
        .await;
        assert_eq!((s, body["changed"].clone()), (StatusCode::OK, false.into()));

        let (s, body) = call(
            &app,
            "POST",
            "/api/v1/users/op_centro/enable",
            Some(u.token("admin")),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{body}");
        assert_eq!(body["user"]["disabled"], false);
        assert_eq!(me(&app, &token).await.0, StatusCode::OK, "{backend:?}");
        assert!(
            !signed_in(&app, &first).await,
            "{backend:?}: enabling does not bring old sessions back"
        );
        assert!(try_login(&app, "op_centro", PASSWORD).await.is_some());

        let audit = user_audit(&app).await;
        let changes: Vec<(&str, &str, &str)> = audit
            .iter()
            .filter(|a| a.action == "user.disabled" || a.action == "user.enabled")
            .map(|a| (a.action.as_str(), a.actor.as_str(), a.entity_id.as_str()))
            .collect();
        assert_eq!(
            changes,
            vec![
                ("user.disabled", "user:admin", "op_centro"),
                ("user.enabled", "user:admin", "op_centro"),
            ],
            "{backend:?}"
        );
    }
}

#[tokio::test]
async fn rotating_a_token_invalidates_the_old_one_at_once() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let u = make_users(&app).await;
        let old = u.token("coord_centro").to_owned();
        assert_eq!(me(&app, &old).await.0, StatusCode::OK);

        let (s, body) = call(
            &app,
            "POST",
            "/api/v1/users/coord_centro/token",
            Some(u.token("admin")),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{backend:?}: {body}");
        let new = body["token"].as_str().unwrap().to_owned();
        assert_ne!(new, old);
        assert!(body["user"]["token_expires_at"].is_string());
        assert_eq!(
            me(&app, &old).await.0,
            StatusCode::UNAUTHORIZED,
            "{backend:?}"
        );
        let (s, who) = me(&app, &new).await;
        assert_eq!(
            (s, who["name"].as_str()),
            (StatusCode::OK, Some("coord_centro"))
        );

        // From the command line's side too, audited as such.
        let cli = users::rotate_token(
            app.state.store.as_ref(),
            "coord_centro",
            By::Cli,
            Utc::now(),
        )
        .await
        .unwrap();
        assert_eq!(me(&app, &new).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(me(&app, &cli).await.0, StatusCode::OK);
        let rotations: Vec<String> = user_audit(&app)
            .await
            .into_iter()
            .filter(|a| a.action == "user.token_rotated")
            .map(|a| a.actor)
            .collect();
        assert_eq!(rotations, vec!["user:admin", "system:cli"], "{backend:?}");
    }
}

#[tokio::test]
async fn an_expired_token_is_refused_with_a_clear_message() {
    for backend in backends() {
        let app = TestApp::with(backend, |c| c.web.token_days = 30).await;
        let u = make_users(&app).await;
        let store = app.state.store.as_ref();
        let id = user_id_of(&store.users().await.unwrap(), "op_todas");
        let token = random_token();
        let audit = NewAudit {
            at: Utc::now(),
            actor: "system:test".into(),
            action: "user.token_rotated".into(),
            entity_kind: "user".into(),
            entity_id: "op_todas".into(),
            detail: serde_json::json!({}),
        };
        // Issued 31 days ago: past the 30 configured.
        let issued = Utc::now() - chrono::Duration::days(31);
        store
            .rotate_token(id, &digest(&token), issued, &audit)
            .await
            .unwrap();
        let (s, err) = me(&app, &token).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{backend:?}");
        let message = err["error"]["message"].as_str().unwrap();
        assert!(message.starts_with("el token caducó el "), "{message}");

        let (_, list) = call(&app, "GET", "/api/v1/users", Some(u.token("admin")), None).await;
        let line = list["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "op_todas")
            .unwrap();
        assert_eq!(line["token_expired"], true, "{backend:?}: {line}");

        // A day younger, it still works.
        let fresh = random_token();
        let issued = Utc::now() - chrono::Duration::days(29);
        store
            .rotate_token(id, &digest(&fresh), issued, &audit)
            .await
            .unwrap();
        assert_eq!(me(&app, &fresh).await.0, StatusCode::OK, "{backend:?}");
    }
}

#[tokio::test]
async fn a_password_change_ends_every_session_of_that_user() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        make_users(&app).await;
        let a = login(&app, "op_todas").await;
        let b = login(&app, "op_todas").await;
        let other = login(&app, "op_centro").await;
        let ended = users::set_password(
            app.state.store.as_ref(),
            "op_todas",
            "otra-contraseña-larga",
            By::Cli,
        )
        .await
        .unwrap();
        assert_eq!(ended, 2, "{backend:?}");
        assert!(!signed_in(&app, &a).await && !signed_in(&app, &b).await);
        assert!(signed_in(&app, &other).await, "other users keep theirs");
        assert!(try_login(&app, "op_todas", PASSWORD).await.is_none());
        assert!(try_login(&app, "op_todas", "otra-contraseña-larga")
            .await
            .is_some());
        let entry = user_audit(&app)
            .await
            .into_iter()
            .find(|e| e.action == "user.password_changed")
            .expect("audited");
        assert_eq!(
            (entry.actor.as_str(), entry.entity_id.as_str()),
            ("system:cli", "op_todas")
        );
        let detail: Value = serde_json::from_str(entry.detail.as_deref().unwrap()).unwrap();
        assert_eq!(detail["sessions_ended"], 2, "{detail}");
    }
}

/// Reads the stream until it ends; its text, or `None` if it is still open at `within`.
async fn read_to_end(body: &mut Body, within: Duration) -> Option<String> {
    let mut text = String::new();
    let done = tokio::time::timeout(within, async {
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame.unwrap().into_data() {
                text.push_str(&String::from_utf8_lossy(&data));
            }
        }
    })
    .await;
    done.ok().map(|_| text)
}

async fn open_stream(app: &TestApp, req: Request<Body>) -> Body {
    let res = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    res.into_body()
}

fn web_stream(s: &Session) -> Request<Body> {
    Request::get("/cola/eventos")
        .header(header::COOKIE, &s.cookie)
        .body(Body::empty())
        .unwrap()
}

fn api_stream(token: &str, scheme: &str) -> Request<Body> {
    Request::get("/api/v1/events")
        .header(header::AUTHORIZATION, format!("{scheme} {token}"))
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn a_live_stream_ends_when_its_session_ends() {
    for backend in backends() {
        // A long periodic check: what ends these streams is the logout itself.
        let app = TestApp::with(backend, |c| c.web.stream_recheck_secs = 60).await;
        make_users(&app).await;
        let s = login(&app, "op_todas").await;
        let mut stream = open_stream(&app, web_stream(&s)).await;
        assert!(
            read_to_end(&mut stream, Duration::from_millis(300))
                .await
                .is_none(),
            "{backend:?}: open while the session is"
        );
        let out = post_form(&app, &s, "/logout", &[("csrf", &s.csrf)]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert!(
            read_to_end(&mut stream, Duration::from_secs(2))
                .await
                .is_some(),
            "{backend:?}: the stream outlived its logout"
        );
        // And reconnecting is refused.
        let again = send(&app, web_stream(&s)).await;
        assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn streams_end_when_another_process_disables_the_account_or_rotates_its_token() {
    for backend in backends() {
        let app = TestApp::with(backend, |c| c.web.stream_recheck_secs = 1).await;
        let u = make_users(&app).await;
        let s = login(&app, "op_centro").await;
        let mut web = open_stream(&app, web_stream(&s)).await;
        let mut api = open_stream(&app, api_stream(u.token("op_centro"), "Bearer")).await;
        let mut rotated = open_stream(&app, api_stream(u.token("coord_centro"), "bearer")).await;
        // Straight through the store, as `alerta users …` in another process would: no
        // signal reaches this process, only the periodic check.
        let store = app.state.store.as_ref();
        users::disable(store, "op_centro", By::Cli, Utc::now())
            .await
            .unwrap();
        users::rotate_token(store, "coord_centro", By::Cli, Utc::now())
            .await
            .unwrap();
        for (what, body) in [
            ("web", &mut web),
            ("api", &mut api),
            ("rotated", &mut rotated),
        ] {
            assert!(
                read_to_end(body, Duration::from_secs(4)).await.is_some(),
                "{backend:?}: the {what} stream is still open"
            );
        }
    }
}

#[tokio::test]
async fn a_stream_checks_its_session_before_sending_an_event() {
    for backend in backends() {
        let app = TestApp::with(backend, |c| c.web.stream_recheck_secs = 60).await;
        make_users(&app).await;
        let shutdown = CancellationToken::new();
        let feed = app.state.changes.clone();
        tokio::spawn(feed.clone().run(
            Arc::clone(&app.state.store),
            Duration::from_millis(50),
            shutdown.clone(),
        ));
        let kept = login(&app, "op_todas").await;
        let ended = login(&app, "op_todas").await;
        let mut kept_stream = open_stream(&app, web_stream(&kept)).await;
        let mut ended_stream = open_stream(&app, web_stream(&ended)).await;
        // Ended behind the streams' back (no signal), and only the event can reveal it.
        app.state
            .store
            .delete_session(&digest(ended.cookie.split('=').nth(1).unwrap()), None)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let body = text_webhook(
            "wamid.REVOKE1",
            Some(MARIA.0),
            None,
            None,
            "solicitamos rondines de patrulla en la colonia por las noches",
        );
        assert_eq!(app.post_signed(&body).await.0, StatusCode::OK);
        feed.poke();
        let text = read_to_end(&mut ended_stream, Duration::from_secs(3))
            .await
            .expect("the stream ended at the event");
        assert!(!text.contains("event: report"), "{backend:?}: {text}");
        // The same event did reach the stream whose session holds.
        let mut seen = String::new();
        let _ = tokio::time::timeout(Duration::from_secs(3), async {
            while let Some(frame) = kept_stream.frame().await {
                if let Ok(data) = frame.unwrap().into_data() {
                    seen.push_str(&String::from_utf8_lossy(&data));
                    if seen.contains("event: report") {
                        break;
                    }
                }
            }
        })
        .await;
        assert!(seen.contains("event: report"), "{backend:?}: {seen:?}");
        shutdown.cancel();
    }
}

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let u = make_users(&app).await;
        let token = u.token("op_todas");
        for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
            let req = Request::get("/api/v1/me")
                .header(header::AUTHORIZATION, format!("{scheme} {token}"))
                .body(Body::empty())
                .unwrap();
            let r = send(&app, req).await;
            assert_eq!(r.status, StatusCode::OK, "{backend:?} {scheme}: {}", r.body);
        }
        let req = Request::get("/api/v1/me")
            .header(header::AUTHORIZATION, format!("Basic {token}"))
            .body(Body::empty())
            .unwrap();
        assert_eq!(send(&app, req).await.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn only_admins_manage_accounts_through_the_api() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let u = make_users(&app).await;
        for who in ["op_todas", "op_centro", "coord_centro", "coord_yaqui"] {
            let token = u.token(who);
            let (s, _) = call(&app, "GET", "/api/v1/users", Some(token), None).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{backend:?} {who} list");
            for action in ["disable", "enable", "token"] {
                let uri = format!("/api/v1/users/op_todas/{action}");
                let (s, _) = call(&app, "POST", &uri, Some(token), None).await;
                assert_eq!(s, StatusCode::FORBIDDEN, "{backend:?} {who} {action}");
            }
        }
        // Nothing changed: the target's token still works and nothing was audited.
        assert_eq!(me(&app, u.token("op_todas")).await.0, StatusCode::OK);
        assert!(user_audit(&app)
            .await
            .iter()
            .all(|a| a.action == "user.created"));

        let admin = Some(u.token("admin"));
        let (s, _) = call(&app, "POST", "/api/v1/users/nadie/disable", admin, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, body) = call(&app, "POST", "/api/v1/users/admin/disable", admin, None).await;
        assert_eq!(s, StatusCode::CONFLICT, "{body}");
        let (s, list) = call(&app, "GET", "/api/v1/users", admin, None).await;
        assert_eq!(s, StatusCode::OK);
        let first = &list["users"][0];
        assert!(first["token_expires_at"].is_string() && first.get("password_hash").is_none());
        let (s, _) = call(&app, "GET", "/api/v1/users", None, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn the_users_page_disables_enables_and_rotates_for_admins_only() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        let u = make_users(&app).await;
        let admin = login(&app, "admin").await;
        let operator = login(&app, "op_centro").await;

        let page = get(&app, &admin.cookie, "/usuarios").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains(r#"<tr data-usuario="op_centro">"#),
            "{}",
            page.body
        );
        assert!(
            page.body.contains(r#"href="/usuarios""#),
            "the nav links it"
        );
        assert_eq!(
            page.headers[header::CONTENT_SECURITY_POLICY],
            alerta::queue::web::CSP
        );
        let denied = get(&app, &operator.cookie, "/usuarios").await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);
        let denied = post_form(
            &app,
            &operator,
            "/usuarios",
            &[
                ("csrf", &operator.csrf),
                ("name", "coord_centro"),
                ("action", "deshabilitar"),
            ],
        )
        .await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);
        // Without the session's token nothing happens.
        let forged = post_form(
            &app,
            &admin,
            "/usuarios",
            &[
                ("csrf", "otro"),
                ("name", "op_centro"),
                ("action", "deshabilitar"),
            ],
        )
        .await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        assert!(signed_in(&app, &operator).await);

        let done = post_form(
            &app,
            &admin,
            "/usuarios",
            &[
                ("csrf", &admin.csrf),
                ("name", "op_centro"),
                ("action", "deshabilitar"),
            ],
        )
        .await;
        assert_eq!(done.status, StatusCode::OK, "{backend:?}: {}", done.body);
        assert!(done
            .body
            .contains("Cuenta de op_centro deshabilitada; sesiones cerradas: 1."));
        assert!(!signed_in(&app, &operator).await, "{backend:?}");
        assert_eq!(
            me(&app, u.token("op_centro")).await.0,
            StatusCode::UNAUTHORIZED
        );

        let done = post_form(
            &app,
            &admin,
            "/usuarios",
            &[
                ("csrf", &admin.csrf),
                ("name", "op_centro"),
                ("action", "habilitar"),
            ],
        )
        .await;
        assert!(
            done.body.contains("Cuenta de op_centro habilitada."),
            "{}",
            done.body
        );
        assert_eq!(me(&app, u.token("op_centro")).await.0, StatusCode::OK);

        let done = post_form(
            &app,
            &admin,
            "/usuarios",
            &[
                ("csrf", &admin.csrf),
                ("name", "op_centro"),
                ("action", "token"),
            ],
        )
        .await;
        assert_eq!(done.status, StatusCode::OK);
        assert!(done.headers[header::CACHE_CONTROL] == "no-store");
        let start = done.body.find(r#"<code id="nuevo-token">"#).unwrap() + 23;
        let token = done.body[start..].split('<').next().unwrap();
        assert_eq!(me(&app, token).await.0, StatusCode::OK, "{backend:?}");
        assert_eq!(
            me(&app, u.token("op_centro")).await.0,
            StatusCode::UNAUTHORIZED
        );

        let own = post_form(
            &app,
            &admin,
            "/usuarios",
            &[
                ("csrf", &admin.csrf),
                ("name", "admin"),
                ("action", "deshabilitar"),
            ],
        )
        .await;
        assert_eq!(own.status, StatusCode::CONFLICT);
        assert!(own.body.contains("no puede deshabilitar su propia cuenta"));
        assert!(signed_in(&app, &admin).await);
        let actors: Vec<String> = user_audit(&app)
            .await
            .into_iter()
            .filter(|a| a.entity_id == "op_centro" && !a.action.starts_with("user.log"))
            .map(|a| format!("{} {}", a.action, a.actor))
            .collect();
        assert_eq!(
            actors,
            [
                "user.created system:cli",
                "user.disabled user:admin",
                "user.enabled user:admin",
                "user.token_rotated user:admin"
            ],
            "{backend:?}"
        );
    }
}

/// The accounts commands as an administrator runs them, on a database of each backend.
#[tokio::test]
async fn the_users_commands_disable_enable_rotate_and_list() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let url = match backend {
            Backend::Sqlite => format!("sqlite://{}", dir.path().join("cli.db").display()),
            Backend::Postgres => {
                let base = crate::helpers::postgres_url().unwrap();
                crate::helpers::fresh_postgres_database(&base).await
            }
        };
        let run = |args: &[&str]| {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_alerta"))
                .args(args)
                .current_dir(crate::helpers::repo_path(""))
                .env_remove("ALERTA_CONFIG")
                .env("DATABASE_URL", &url)
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            (out.status.success(), stdout, stderr)
        };
        let (ok, added, err) = run(&["users", "add", "beto", "--role", "operator"]);
        assert!(ok, "{err}");
        let first = added.lines().last().unwrap().trim().to_owned();

        let config =
            alerta::config::Config::for_tests(&url, &crate::helpers::repo_path("config/registry"));
        let store = alerta::store::connect(&config.database_url, &config.store)
            .await
            .unwrap();
        let works = |token: String| {
            let store = Arc::clone(&store);
            async move {
                alerta::queue::auth::token_user(store.as_ref(), &digest(&token), 90, Utc::now())
                    .await
                    .unwrap()
                    .is_ok()
            }
        };
        assert!(works(first.clone()).await);

        let (ok, out, err) = run(&["users", "disable", "beto"]);
        assert!(
            ok && out.contains("usuario beto deshabilitado"),
            "{out}{err}"
        );
        assert!(!works(first.clone()).await, "{backend:?}");
        let (_, listed, _) = run(&["users", "list"]);
        assert!(
            listed.contains("beto\toperator\ttodas\tdeshabilitado desde "),
            "{listed}"
        );

        let (ok, out, _) = run(&["users", "enable", "beto"]);
        assert!(ok && out.contains("usuario beto habilitado"), "{out}");
        assert!(works(first.clone()).await, "{backend:?}");

        let (ok, out, err) = run(&["users", "rotate-token", "beto"]);
        assert!(ok, "{err}");
        let second = out.lines().last().unwrap().trim().to_owned();
        assert_eq!(second.len(), 43, "{out}");
        assert!(!works(first).await && works(second).await, "{backend:?}");
        let (_, listed, _) = run(&["users", "list"]);
        assert!(
            listed.contains("beto\toperator\ttodas\tactivo\tcaduca el "),
            "{listed}"
        );

        let (ok, _, err) = run(&["users", "disable", "nadie"]);
        assert!(!ok && err.contains("no existe el usuario nadie"), "{err}");
        store.close().await;
    }
}

/// Migrations 1–4 of `backend`, exactly as the binary embeds them (same checksums), so the
/// store's own migrator then applies only what came after.
fn migrations_before_revocation(backend: Backend) -> sqlx::migrate::Migrator {
    let files: [(i64, &str); 4] = match backend {
        Backend::Sqlite => [
            (1, include_str!("../../migrations/sqlite/0001_intake.sql")),
            (
                2,
                include_str!("../../migrations/sqlite/0002_reports_outbox.sql"),
            ),
            (3, include_str!("../../migrations/sqlite/0003_queue.sql")),
            (
                4,
                include_str!("../../migrations/sqlite/0004_sender_latest.sql"),
            ),
        ],
        Backend::Postgres => [
            (1, include_str!("../../migrations/postgres/0001_intake.sql")),
            (
                2,
                include_str!("../../migrations/postgres/0002_reports_outbox.sql"),
            ),
            (3, include_str!("../../migrations/postgres/0003_queue.sql")),
            (
                4,
                include_str!("../../migrations/postgres/0004_sender_latest.sql"),
            ),
        ],
    };
    let migrations = files
        .iter()
        .map(|&(version, sql)| {
            sqlx::migrate::Migration::new(
                version,
                std::borrow::Cow::Borrowed("before revocation"),
                sqlx::migrate::MigrationType::Simple,
                std::borrow::Cow::Borrowed(sql),
                false,
            )
        })
        .collect::<Vec<_>>();
    sqlx::migrate::Migrator {
        migrations: std::borrow::Cow::Owned(migrations),
        ..sqlx::migrate::Migrator::DEFAULT
    }
}

const INSERT_OLD_USER: &str =
    "INSERT INTO users (name, role, regions, created_at) VALUES ('vieja', 'operator', '[]', $1)";
const INSERT_OLD_TOKEN: &str =
    "INSERT INTO api_tokens (token_sha256, user_id, created_at) VALUES ($1, 1, $2)";

#[tokio::test]
async fn tokens_older_than_the_upgrade_count_their_days_from_it() {
    for backend in backends() {
        let dir = tempfile::tempdir().unwrap();
        let url = match backend {
            Backend::Sqlite => format!("sqlite://{}", dir.path().join("old.db").display()),
            Backend::Postgres => {
                let base = crate::helpers::postgres_url().unwrap();
                crate::helpers::fresh_postgres_database(&base).await
            }
        };
        // A deployment from before expiry existed, with a token issued 200 days ago.
        let issued = Utc::now() - chrono::Duration::days(200);
        let token = random_token();
        let before = migrations_before_revocation(backend);
        match backend {
            Backend::Sqlite => {
                use std::str::FromStr;
                let options = sqlx::sqlite::SqliteConnectOptions::from_str(&url)
                    .unwrap()
                    .create_if_missing(true);
                let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
                before.run(&pool).await.unwrap();
                sqlx::query(INSERT_OLD_USER)
                    .bind(issued)
                    .execute(&pool)
                    .await
                    .unwrap();
                sqlx::query(INSERT_OLD_TOKEN)
                    .bind(digest(&token))
                    .bind(issued)
                    .execute(&pool)
                    .await
                    .unwrap();
                pool.close().await;
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&url).await.unwrap();
                before.run(&pool).await.unwrap();
                sqlx::query(INSERT_OLD_USER)
                    .bind(issued)
                    .execute(&pool)
                    .await
                    .unwrap();
                sqlx::query(INSERT_OLD_TOKEN)
                    .bind(digest(&token))
                    .bind(issued)
                    .execute(&pool)
                    .await
                    .unwrap();
                pool.close().await;
            }
        }
        let config =
            alerta::config::Config::for_tests(&url, &crate::helpers::repo_path("config/registry"));
        let store = alerta::store::connect(&url, &config.store).await.unwrap();
        let owner = store
            .token_owner(&digest(&token))
            .await
            .unwrap()
            .expect("the token survives the upgrade");
        let age = Utc::now() - owner.token_issued_at;
        assert!(
            age < chrono::Duration::minutes(5),
            "{backend:?}: counted from {}",
            owner.token_issued_at
        );
        let now = Utc::now();
        let valid = alerta::queue::auth::token_user(store.as_ref(), &digest(&token), 90, now)
            .await
            .unwrap();
        assert!(valid.is_ok(), "{backend:?}: {valid:?}");
        // Ninety days after the upgrade it expires like any other.
        let later = now + chrono::Duration::days(91);
        let expired = alerta::queue::auth::token_user(store.as_ref(), &digest(&token), 90, later)
            .await
            .unwrap();
        assert!(expired.is_err(), "{backend:?}");
        store.close().await;
    }
}
