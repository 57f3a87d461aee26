//! The operators' web app in-process: sign-in (cookies, throttling, open redirects), CSRF and
//! same-origin checks, escaping of everything a citizen can write, region scope, and the
//! report forms end to end through the same service as the API.

use alerta::store::ReportLookup;
use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::helpers::session::{hidden_csrf, login, Session};
use crate::helpers::{backends, text_webhook, Backend, TestApp, MARIA};

pub(crate) use crate::helpers::session::PASSWORD;
const PATROL_TEXT: &str =
    "Solicitamos rondines de patrulla en la colonia por las noches, se juntan a tomar en el parque";

pub(crate) struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Resp {
    pub(crate) fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The `Set-Cookie` value for `name`, if the response sets it.
    fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }
}

pub(crate) async fn send(app: &TestApp, req: Request<Body>) -> Resp {
    let res = app.router.clone().oneshot(req).await.expect("infallible");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub(crate) fn form(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}

/// GET /login: the double-submit cookie and the same token in the form.
pub(crate) async fn login_form(app: &TestApp) -> (String, String) {
    let r = send(app, Request::get("/login").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::OK);
    let cookie = r.set_cookie("alerta_login").expect("login cookie");
    let pair = cookie.split(';').next().unwrap().to_owned();
    (pair, hidden_csrf(&r.body))
}

async fn try_login(app: &TestApp, name: &str, password: &str, next: &str, https: bool) -> Resp {
    let (cookie, token) = login_form(app).await;
    let mut req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie);
    if https {
        req = req.header("x-forwarded-proto", "https");
    }
    let body = form(&[
        ("name", name),
        ("password", password),
        ("csrf", &token),
        ("next", next),
    ]);
    send(app, req.body(Body::from(body)).unwrap()).await
}

pub(crate) async fn get(app: &TestApp, cookie: Option<&str>, uri: &str) -> Resp {
    let mut req = Request::get(uri);
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    send(app, req.body(Body::empty()).unwrap()).await
}

pub(crate) async fn post(app: &TestApp, s: &Session, uri: &str, pairs: &[(&str, &str)]) -> Resp {
    let req = Request::post(uri)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, &s.cookie)
        .header(header::HOST, "alerta.test")
        .header(header::ORIGIN, "https://alerta.test");
    send(app, req.body(Body::from(form(pairs))).unwrap()).await
}

/// An action form as the page sends it, with the session's token.
pub(crate) async fn act(app: &TestApp, s: &Session, folio: &str, pairs: &[(&str, &str)]) -> Resp {
    let mut all = vec![("csrf", s.csrf.as_str())];
    all.extend_from_slice(pairs);
    post(app, s, &format!("/reportes/{folio}/accion"), &all).await
}

pub(crate) async fn add_user(app: &TestApp, name: &str, role: &str, regions: &[&str]) {
    let regions: Vec<String> = regions.iter().map(|s| s.to_string()).collect();
    alerta::queue::users::add_user(
        app.state.store.as_ref(),
        &app.state.registry.current(),
        name,
        role,
        &regions,
        Some(PASSWORD),
    )
    .await
    .unwrap();
}

/// A registered member's patrol request in son-centro; returns its folio.
async fn patrol_report(app: &TestApp, wamid: &str, text: &str) -> String {
    let (status, body) = app
        .post_signed(&text_webhook(wamid, Some(MARIA.0), None, None, text))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.report(ReportLookup::MessageWamid(wamid)).await.folio
}

/// Every real tag of a page: escaped text never holds a raw `<`, so each one starts a tag.
fn tags(html: &str) -> Vec<&str> {
    html.match_indices('<')
        .map(|(i, _)| {
            let end = html[i..].find('>').map_or(html.len(), |e| i + e + 1);
            &html[i..end]
        })
        .collect()
}

/// Nothing a citizen wrote became markup: the only script is ours, no tag has an event
/// handler, an inline style or a `javascript:` URL.
fn assert_inert(html: &str) {
    let handler = regex::Regex::new(r#"\son[a-z]+\s*="#).unwrap();
    let scripts: Vec<&str> = tags(html)
        .into_iter()
        .filter(|t| t.to_ascii_lowercase().starts_with("<script"))
        .collect();
    assert_eq!(scripts, vec![r#"<script src="/static/app.js" defer>"#]);
    for t in tags(html) {
        let lower = t.to_ascii_lowercase();
        assert!(!handler.is_match(&lower), "event handler in {t}");
        assert!(!lower.contains("style="), "inline style in {t}");
        assert!(!lower.contains("javascript:"), "javascript: URL in {t}");
        assert!(!lower.starts_with("<img"), "injected image: {t}");
    }
}

fn escaped(html: &str, raw: &str) -> bool {
    let numeric = raw.replace('<', "&#60;").replace('>', "&#62;");
    let named = raw.replace('<', "&lt;").replace('>', "&gt;");
    html.contains(&numeric) || html.contains(&named)
}

fn assert_security_headers(r: &Resp) {
    let csp = r.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert_eq!(csp, alerta::queue::web::CSP);
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
    assert_eq!(r.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(r.headers[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(r.headers[header::REFERRER_POLICY], "no-referrer");
}

#[tokio::test]
async fn login_sets_strict_cookies_and_refuses_alike() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        add_user(&app, "ana", "operator", &[]).await;

        for (name, password) in [("ana", "otra-contraseña"), ("nadie", PASSWORD)] {
            let r = try_login(&app, name, password, "/cola", false).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{backend:?}");
            assert!(
                r.body.contains("Usuario o contraseña incorrectos"),
                "{}",
                r.body
            );
            assert!(r.set_cookie("alerta_sesion").is_none());
            assert!(!r.body.contains(password), "the password is never echoed");
        }
        // Without the double-submit cookie the form is refused before the password is read.
        let (_, token) = login_form(&app).await;
        let body = form(&[("name", "ana"), ("password", PASSWORD), ("csrf", &token)]);
        let req = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        let r = send(&app, req).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(r.set_cookie("alerta_sesion").is_none());

        let r = try_login(&app, "ana", PASSWORD, "/cola?status=all", false).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location(), "/cola?status=all");
        let cookie = r.set_cookie("alerta_sesion").unwrap();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        assert!(!cookie.contains("Secure"), "plain http: {cookie}");
        let https = try_login(&app, "ana", PASSWORD, "/", true).await;
        assert!(https
            .set_cookie("alerta_sesion")
            .unwrap()
            .contains("; Secure"));

        // Open redirects are refused: another host, protocol-relative or not.
        for evil in ["//evil.example", "https://evil.example/", "/\\evil.example"] {
            let r = try_login(&app, "ana", PASSWORD, evil, false).await;
            assert_eq!(r.location(), "/", "{evil}");
        }

        let audit = app.state.store.audit_trail("user", "ana").await.unwrap();
        let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
        assert!(actions.contains(&"user.login") && actions.contains(&"user.login_failed"));
        for a in &audit {
            let detail = a.detail.clone().unwrap_or_default();
            assert!(!detail.contains(PASSWORD) && !detail.contains("otra-contraseña"));
        }
    }
}

#[tokio::test]
async fn repeated_failures_lock_the_account_and_logout_ends_the_session() {
    for backend in backends() {
        let app = TestApp::with(backend, |c| c.web.login_attempts = 3).await;
        add_user(&app, "ana", "operator", &[]).await;
        add_user(&app, "beto", "operator", &[]).await;
        let beto = login(&app, "beto").await;

        for _ in 0..3 {
            let r = try_login(&app, "ana", "equivocada-123", "/", false).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        }
        let r = try_login(&app, "ana", PASSWORD, "/", false).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{backend:?}");
        assert!(
            r.body.contains("Demasiados intentos; espere 15 minutos"),
            "{}",
            r.body
        );
        assert!(r.set_cookie("alerta_sesion").is_none());

        // Logging out needs the token too, then the old cookie is worthless.
        let refused = post(&app, &beto, "/logout", &[("csrf", "falso")]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(
            get(&app, Some(&beto.cookie), "/cola").await.status,
            StatusCode::OK
        );
        let out = post(&app, &beto, "/logout", &[("csrf", &beto.csrf)]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert_eq!(out.location(), "/login");
        assert!(out
            .set_cookie("alerta_sesion")
            .unwrap()
            .contains("Max-Age=0"));
        let after = get(&app, Some(&beto.cookie), "/cola").await;
        assert_eq!(after.status, StatusCode::SEE_OTHER);
        assert_eq!(after.location(), "/login?next=%2Fcola");
    }
}

#[tokio::test]
async fn forms_need_the_session_token_and_our_origin() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        add_user(&app, "ana", "operator", &[]).await;
        let ana = login(&app, "ana").await;
        let folio = patrol_report(&app, "wamid.W1", PATROL_TEXT).await;
        let before = app.report(ReportLookup::Folio(&folio)).await;
        let uri = format!("/reportes/{folio}/accion");

        let missing = post(&app, &ana, &uri, &[("action", "claim")]).await;
        assert_eq!(missing.status, StatusCode::FORBIDDEN, "{backend:?}");
        let wrong = post(&app, &ana, &uri, &[("action", "claim"), ("csrf", "x")]).await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN);
        // A valid token from a page of another site is still refused.
        let req = Request::post(uri.as_str())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &ana.cookie)
            .header(header::HOST, "alerta.test")
            .header(header::ORIGIN, "https://evil.example")
            .body(Body::from(form(&[
                ("action", "claim"),
                ("csrf", &ana.csrf),
            ])))
            .unwrap();
        let foreign = send(&app, req).await;
        assert_eq!(foreign.status, StatusCode::FORBIDDEN);
        assert_security_headers(&foreign);
        // Under no-referrer a browser sends `Origin: null`; fetch metadata still tells.
        let req = Request::post(uri.as_str())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, &ana.cookie)
            .header(header::ORIGIN, "null")
            .header("sec-fetch-site", "cross-site")
            .body(Body::from(form(&[
                ("action", "claim"),
                ("csrf", &ana.csrf),
            ])))
            .unwrap();
        assert_eq!(send(&app, req).await.status, StatusCode::FORBIDDEN);
        let after = app.report(ReportLookup::Folio(&folio)).await;
        assert_eq!((after.version, after.claimed_by), (before.version, None));

        let ok = act(&app, &ana, &folio, &[("action", "claim")]).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        assert_eq!(ok.location(), format!("/reportes/{folio}?ok=claim"));
    }
}

#[tokio::test]
async fn what_citizens_write_is_shown_as_text() {
    const ATTACK: &str = "Solicitamos rondines de patrulla en la colonia por las noches \
        <script>alert(1)</script><img src=x onerror=alert(2)> [x](javascript:alert(3))";
    const NAME: &str = "<b onmouseover=alert(4)>Chuy</b>";
    for backend in backends() {
        let app = TestApp::new(backend).await;
        add_user(&app, "jefa", "admin", &[]).await;
        let jefa = login(&app, "jefa").await;
        let mut hook: serde_json::Value =
            serde_json::from_slice(&text_webhook("wamid.X1", Some(MARIA.0), None, None, ATTACK))
                .unwrap();
        hook["entry"][0]["changes"][0]["value"]["contacts"] =
            serde_json::json!([{ "profile": { "name": NAME }, "wa_id": MARIA.0 }]);
        let (status, _) = app.post_signed(&serde_json::to_vec(&hook).unwrap()).await;
        assert_eq!(status, StatusCode::OK);
        let folio = app
            .report(ReportLookup::MessageWamid("wamid.X1"))
            .await
            .folio;

        let queue = get(&app, Some(&jefa.cookie), "/cola").await;
        let rows = get(&app, Some(&jefa.cookie), "/cola/filas").await;
        let page = get(&app, Some(&jefa.cookie), &format!("/reportes/{folio}")).await;
        let contact = post(
            &app,
            &jefa,
            &format!("/reportes/{folio}/contacto"),
            &[("csrf", &jefa.csrf)],
        )
        .await;
        assert_eq!(contact.status, StatusCode::OK, "{backend:?}");
        assert!(contact.body.contains("5216621000101"), "revealed phone");
        assert!(escaped(&contact.body, NAME), "the revealed name, escaped");
        for r in [&queue, &page, &contact] {
            assert_eq!(r.status, StatusCode::OK);
            assert!(escaped(&r.body, "<script>alert(1)</script>"), "{}", r.body);
            assert_inert(&r.body);
            assert_security_headers(r);
            assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
            assert!(r.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html"));
        }
        assert!(escaped(&rows.body, "<script>alert(1)</script>"));
        assert!(!rows.body.contains("<script") && !rows.body.contains("<img"));
        let audit = app.state.store.audit_trail("report", &folio).await.unwrap();
        assert!(audit.iter().any(|a| a.action == "report.reveal_contact"));
    }
}

#[tokio::test]
async fn the_queue_lists_filters_and_respects_regions() {
    for backend in backends() {
        let app = TestApp::new(backend).await;
        add_user(&app, "ana", "operator", &[]).await;
        add_user(&app, "costa", "coordinator", &["son-costa"]).await;
        let ana = login(&app, "ana").await;
        let costa = login(&app, "costa").await;
        let folio = patrol_report(&app, "wamid.Q1", PATROL_TEXT).await;

        let queue = get(&app, Some(&ana.cookie), "/cola").await;
        assert!(
            queue.body.contains(&format!(r#"data-folio="{folio}""#)),
            "{backend:?}"
        );
        assert!(queue.body.contains("Solicitud de patrullaje") && queue.body.contains("libre"));
        assert!(queue.body.contains(r#"<html lang="es">"#));
        for (filter, shown) in [
            ("category=patrol", true),
            ("category=emergency_911", false),
            ("q=rondines", true),
            ("q=incendio", false),
            ("region=son-centro&municipality=Hermosillo", true),
            ("region=son-costa", false),
            ("status=resolved", false),
        ] {
            let page = get(&app, Some(&ana.cookie), &format!("/cola?{filter}")).await;
            assert_eq!(page.status, StatusCode::OK, "{filter}");
            assert_eq!(page.body.contains(&folio), shown, "{filter}");
            let rows = get(&app, Some(&ana.cookie), &format!("/cola/filas?{filter}")).await;
            assert_eq!(rows.body.contains(&folio), shown, "fragment {filter}");
            assert!(
                rows.body.trim_start().starts_with("<tbody"),
                "{}",
                rows.body
            );
        }
        let bad = get(&app, Some(&ana.cookie), "/cola?since=ayer").await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body.contains("fecha inválida"));

        // Another region's coordinator: not in the list, and the folio "does not exist".
        let theirs = get(&app, Some(&costa.cookie), "/cola?status=all").await;
        assert!(!theirs.body.contains(&folio));
        let rows = get(&app, Some(&costa.cookie), "/cola/filas?status=all").await;
        assert!(!rows.body.contains(&folio));
        let page = get(&app, Some(&costa.cookie), &format!("/reportes/{folio}")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert!(page.body.contains("No encontrado"));
        let claim = act(&app, &costa, &folio, &[("action", "claim")]).await;
        assert_eq!(claim.status, StatusCode::NOT_FOUND);
        let options = queue_region_options(&costa, &app).await;
        assert_eq!(options, vec!["", "son-costa"]);

        // The live stream: for a session only.
        let req = Request::get("/cola/eventos")
            .header(header::COOKIE, &ana.cookie)
            .body(Body::empty())
            .unwrap();
        let res = app.router.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(res.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream"));
        drop(res);
        assert_eq!(
            get(&app, None, "/cola/eventos").await.status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            get(&app, None, "/cola/filas").await.status,
            StatusCode::UNAUTHORIZED
        );
        let page = get(&app, None, "/cola?region=son-centro").await;
        assert_eq!(page.location(), "/login?next=%2Fcola%3Fregion%3Dson-centro");
    }
}

/// The values of the queue's region dropdown.
async fn queue_region_options(s: &Session, app: &TestApp) -> Vec<String> {
    let page = get(app, Some(&s.cookie), "/cola").await;
    let select = page.body.split(r#"<select name="region">"#).nth(1).unwrap();
    let select = select.split("</select>").next().unwrap();
    select
        .split(r#"<option value=""#)
        .skip(1)
        .map(|o| o.split('"').next().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn report_forms_work_end_to_end() {
    for backend in backends() {
        run_report_forms(backend).await;
    }
}

async fn run_report_forms(backend: Backend) {
    let app = TestApp::new(backend).await;
    add_user(&app, "ana", "operator", &[]).await;
    add_user(&app, "beto", "operator", &["son-centro"]).await;
    add_user(&app, "jefa", "admin", &[]).await;
    add_user(&app, "centro", "coordinator", &["son-centro"]).await;
    let ana = login(&app, "ana").await;
    let beto = login(&app, "beto").await;
    let jefa = login(&app, "jefa").await;
    let centro = login(&app, "centro").await;
    let folio = patrol_report(&app, "wamid.F1", PATROL_TEXT).await;
    let page_uri = format!("/reportes/{folio}");

    let claim = act(&app, &ana, &folio, &[("action", "claim")]).await;
    assert_eq!(
        claim.status,
        StatusCode::SEE_OTHER,
        "{backend:?}: {}",
        claim.body
    );
    let page = get(&app, Some(&ana.cookie), claim.location()).await;
    assert!(page.body.contains("Reporte tomado."), "{}", page.body);
    assert!(page.body.contains("Tomado por ana hasta las"));

    // The second operator sees who holds it and is told so when trying anyway.
    let seen = get(&app, Some(&beto.cookie), &page_uri).await;
    assert!(seen.body.contains("Tomado por ana"));
    assert!(
        !seen.body.contains("Reasignar a mí"),
        "operators cannot override"
    );
    let refused = act(&app, &beto, &folio, &[("action", "claim")]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains("Lo tiene ana"), "{}", refused.body);
    assert!(refused.body.contains(r#"role="alert""#));
    let forced = act(&app, &beto, &folio, &[("action", "claim"), ("force", "1")]).await;
    assert_eq!(forced.status, StatusCode::FORBIDDEN);
    assert!(forced.body.contains("Su rol no permite esta acción"));

    // A supervisor may take it anyway.
    let jefa_page = get(&app, Some(&jefa.cookie), &page_uri).await;
    assert!(jefa_page.body.contains("Reasignar a mí (lo tiene ana)"));
    let taken = act(&app, &jefa, &folio, &[("action", "claim"), ("force", "1")]).await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.body);
    let page = get(&app, Some(&ana.cookie), &page_uri).await;
    assert!(page.body.contains("Tomado por jefa"));
    assert!(
        page.body.contains("Se le quitó a ana"),
        "the override is in the timeline"
    );

    // Reclassification: stored as a correction and shown in the timeline.
    let same = act(
        &app,
        &ana,
        &folio,
        &[
            ("action", "reclassify"),
            ("category", "patrol"),
            ("priority", "normal"),
        ],
    )
    .await;
    assert_eq!(same.status, StatusCode::BAD_REQUEST);
    assert!(same.body.contains("La clasificación no cambia."));
    let fields = [
        ("action", "reclassify"),
        ("category", "tip_089"),
        ("priority", "high"),
        ("reason", "mencionan a un vendedor de droga"),
    ];
    let r = act(&app, &ana, &folio, &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = get(&app, Some(&ana.cookie), r.location()).await;
    assert!(page.body.contains("Clasificación corregida."));
    assert!(page.body.contains("Reclasificado"));
    assert!(
        page.body
            .contains("Categoría: Solicitud de patrullaje → Denuncia anónima (089)"),
        "{}",
        page.body
    );
    let corrections = app.state.store.corrections().await.unwrap();
    assert!(corrections.iter().any(|c| c.folio == folio
        && c.to_category == "tip_089"
        && c.to_priority == "high"
        && c.reason.as_deref() == Some("mencionan a un vendedor de droga")));

    // A note; a coordinator cannot dismiss (403 on the page, nothing changed).
    let note = act(
        &app,
        &beto,
        &folio,
        &[("action", "note"), ("text", "se llamó al comité")],
    )
    .await;
    assert_eq!(note.status, StatusCode::SEE_OTHER);
    let empty = act(&app, &beto, &folio, &[("action", "note"), ("text", "  ")]).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    let dismiss = act(
        &app,
        &centro,
        &folio,
        &[("action", "dismiss"), ("reason", "x")],
    )
    .await;
    assert_eq!(dismiss.status, StatusCode::FORBIDDEN);
    assert!(
        !dismiss.body.contains(r#"data-action="dismiss""#),
        "no form it cannot use"
    );

    // Resolving tells the reporter.
    let resolved = act(
        &app,
        &ana,
        &folio,
        &[("action", "resolve"), ("comment", "")],
    )
    .await;
    assert_eq!(resolved.status, StatusCode::SEE_OTHER, "{}", resolved.body);
    let report = app.report(ReportLookup::Folio(&folio)).await;
    assert_eq!(report.status, "resolved");
    let outbox = app.state.store.outbox().await.unwrap();
    let status_row = outbox
        .iter()
        .find(|o| o.purpose == "reporter_status" && o.report_id == Some(report.id))
        .expect("a reporter_status row for the resolved report");
    assert!(
        status_row.params.contains("resolved"),
        "{}",
        status_row.params
    );
    let page = get(&app, Some(&ana.cookie), resolved.location()).await;
    assert!(page
        .body
        .contains("Reporte resuelto; se avisará al reportante."));
    assert!(page.body.contains(r#"data-action="reopen""#));
    assert!(!page.body.contains(r#"data-action="resolve""#));
    let again = act(&app, &beto, &folio, &[("action", "resolve")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn static_files_and_headers_only_where_they_belong() {
    let app = TestApp::new(Backend::Sqlite).await;
    for (path, kind, needle) in [
        ("/static/app.css", "text/css", "prio-critical"),
        ("/static/app.js", "text/javascript", "'use strict'"),
    ] {
        let r = get(&app, None, path).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with(kind));
        assert_eq!(r.headers[header::CACHE_CONTROL], "public, max-age=3600");
        assert!(r.body.contains(needle));
        assert_security_headers(&r);
    }
    let root = get(&app, None, "/").await;
    assert_eq!(root.location(), "/cola");
    let login = get(&app, None, "/login?next=//evil.example").await;
    assert_security_headers(&login);
    assert!(
        login.body.contains(r#"name="next" value="/""#),
        "{}",
        login.body
    );
    // The webhook and the probes are not pages.
    let health = get(&app, None, "/healthz").await;
    assert!(health
        .headers
        .get(header::CONTENT_SECURITY_POLICY)
        .is_none());
}
