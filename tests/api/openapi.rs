//! The OpenAPI document against the code and the router: the committed copy is what the
//! code generates, every documented operation is answered by the real router, an `/api/v1`
//! route mounted around the document is refused, and every response has a real schema.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;
use tower::ServiceExt;

use alerta::queue::openapi::{document, only_documented};

use crate::helpers::api::call;
use crate::helpers::{backends, repo_path, TestApp};

const COMMITTED: &str = "docs/openapi.json";

#[test]
fn the_committed_document_is_what_the_code_generates() {
    let path = repo_path(COMMITTED);
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, document()).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != document() {
        let line = committed
            .lines()
            .zip(document().lines())
            .position(|(a, b)| a != b)
            .map_or("the end".to_owned(), |n| format!("line {}", n + 1));
        panic!(
            "{COMMITTED} differs from the document the code generates (first at {line}); \
             run `UPDATE_OPENAPI=1 cargo test --test api openapi` and commit it"
        );
    }
}

fn doc() -> Value {
    serde_json::from_str(document()).unwrap()
}

/// Every (method, path) of the document, with a sample URL for it.
fn operations() -> Vec<(Method, String, String, bool)> {
    let doc = doc();
    let global_security = !doc["security"].as_array().unwrap().is_empty();
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let url = path
                .replace("{folio}", "NO-EXISTE-1")
                .replace("{name}", "nadie")
                .replace("{message_id}", "1");
            // An operation's own `security` replaces the document's; `[{}]` means none.
            let secured = match op.get("security").and_then(Value::as_array) {
                Some(list) => list.iter().all(|s| !s.as_object().unwrap().is_empty()),
                None => global_security,
            };
            let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
            ops.push((method, path.clone(), url, secured));
        }
    }
    ops
}

#[tokio::test]
async fn every_documented_operation_is_answered_by_the_router() {
    let app = TestApp::new(backends().remove(0)).await;
    let ops = operations();
    assert!(ops.len() >= 17, "only {} operations documented", ops.len());
    for (method, path, url, secured) in ops {
        let req = Request::builder()
            .method(method.clone())
            .uri(&url)
            .body(Body::empty())
            .unwrap();
        let status = app.router.clone().oneshot(req).await.unwrap().status();
        // Without a token a secured route answers 401 before it looks for anything, so
        // a 404 or 405 here means the router has no such route.
        let expected = if secured {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::OK
        };
        assert_eq!(status, expected, "{method} {path} ({url})");
    }
}

#[tokio::test]
async fn the_served_document_is_the_generated_one() {
    let app = TestApp::new(backends().remove(0)).await;
    let (s, served) = call(&app, "GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(served, doc());
    assert_eq!(served["openapi"], "3.1.0");
    let paths = served["paths"].as_object().unwrap();
    for p in [
        "/api/v1/media/{message_id}",
        "/api/v1/privacy/export",
        "/api/v1/privacy/erase",
    ] {
        assert!(paths.contains_key(p), "{p} is not documented");
    }
    assert_eq!(
        served["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

/// What `only_documented` does to routes mounted with a plain `Router::route`.
#[tokio::test]
async fn an_api_route_mounted_around_the_document_is_refused() {
    let ok = || async { "sí" };
    let router: Router = Router::new()
        .route("/api/v1/sin-documentar", get(ok))
        // A documented path, but a method the document does not list.
        .route("/api/v1/me", post(ok))
        // Documented: passes.
        .route("/api/v1/reports", get(ok))
        // Not the API: not its business.
        .route("/pagina", get(ok))
        .layer(axum::middleware::from_fn(only_documented));
    for (method, uri, expected) in [
        ("GET", "/api/v1/sin-documentar", StatusCode::NOT_FOUND),
        ("POST", "/api/v1/me", StatusCode::METHOD_NOT_ALLOWED),
        ("GET", "/api/v1/reports", StatusCode::OK),
        ("HEAD", "/api/v1/reports", StatusCode::OK),
        ("GET", "/pagina", StatusCode::OK),
    ] {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .unwrap();
        let status = router.clone().oneshot(req).await.unwrap().status();
        assert_eq!(status, expected, "{method} {uri}");
    }
}

/// `$ref`s resolved against the document's components.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.strip_prefix("#/components/schemas/").unwrap();
            let target = &doc["components"]["schemas"][name];
            assert!(!target.is_null(), "{r} is not in the document");
            target
        }
        None => schema,
    }
}

/// A schema that says nothing about its content: `{}` or a bare `{"type": "object"}`.
fn is_bare(schema: &Value) -> bool {
    let Some(map) = schema.as_object() else {
        return false;
    };
    map.is_empty() || (map.len() == 1 && map.get("type") == Some(&Value::String("object".into())))
}

#[test]
fn every_response_with_a_body_has_a_real_schema() {
    let doc = doc();
    let error_ref = "#/components/schemas/ErrorBody";
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().unwrap() {
                let at = format!("{method} {path} {status}");
                let Some(content) = response.get("content").and_then(Value::as_object) else {
                    // Only answers that carry no body by HTTP's rules.
                    assert!(
                        ["304", "416"].contains(&status.as_str()),
                        "{at} has no body"
                    );
                    continue;
                };
                for (media_type, body) in content {
                    let schema = resolve(&doc, &body["schema"]);
                    assert!(!is_bare(schema), "{at} {media_type} has a bare schema");
                    if media_type == "application/json" && status.starts_with(['4', '5']) {
                        assert_eq!(
                            body["schema"]["$ref"], error_ref,
                            "{at}: JSON errors are ErrorBody"
                        );
                    }
                }
            }
        }
    }
}
