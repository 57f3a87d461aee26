//! A signed-in browser: signing in through the login form, and the CSRF token its pages
//! carry. One copy for every web test.

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::TestApp;

/// The password `queue_api::users` gives every account.
pub const PASSWORD: &str = "contraseña-de-prueba";

/// A signed-in browser: its session cookie and the CSRF token its pages carry.
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

/// The token of a page's hidden `csrf` field.
pub fn hidden_csrf(html: &str) -> String {
    let start = html.find(r#"name="csrf" value=""#).expect("a csrf field") + 19;
    html[start..].split('"').next().unwrap().to_owned()
}

/// `name=value` of the cookie `name` a response sets.
pub fn cookie_pair(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap().to_owned())
}

async fn send(app: &TestApp, req: Request<Body>) -> (StatusCode, HeaderMap, String) {
    let res = app.router.clone().oneshot(req).await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

/// Signs in through the login form; `None` when refused.
pub async fn try_login(app: &TestApp, name: &str, password: &str) -> Option<Session> {
    let (_, headers, page) = send(app, Request::get("/login").body(Body::empty()).unwrap()).await;
    let login_cookie = cookie_pair(&headers, "alerta_login").expect("login cookie");
    let body = serde_urlencoded::to_string([
        ("name", name),
        ("password", password),
        ("csrf", &hidden_csrf(&page)),
        ("next", "/cola"),
    ])
    .unwrap();
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, login_cookie)
        .body(Body::from(body))
        .unwrap();
    let (status, headers, _) = send(app, req).await;
    if status != StatusCode::SEE_OTHER {
        return None;
    }
    let cookie = cookie_pair(&headers, "alerta_sesion")?;
    let req = Request::get("/cola").header(header::COOKIE, &cookie);
    let (status, _, queue) = send(app, req.body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    Some(Session {
        csrf: hidden_csrf(&queue),
        cookie,
    })
}

/// Signs in one of `queue_api::users` with [`PASSWORD`].
pub async fn login(app: &TestApp, name: &str) -> Session {
    try_login(app, name, PASSWORD)
        .await
        .unwrap_or_else(|| panic!("{name} could not sign in"))
}
