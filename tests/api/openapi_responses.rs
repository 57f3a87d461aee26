//! Real answers of the API checked against the document's schemas: the types, the required
//! fields, and no field the document does not name. The checker covers the part of JSON
//! Schema the generated document uses (`$ref`, `allOf`, `oneOf`, `type`, `properties`,
//! `required`, `items`, `prefixItems`, `enum`).

use axum::http::StatusCode;
use serde_json::{json, Value};

use alerta::queue::openapi::document;

use crate::helpers::api::call;
use crate::helpers::{backends, TestApp};
use crate::queue_api::{two_reports, users};

fn schema_ref<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => &doc["components"]["schemas"][r.rsplit('/').next().unwrap()],
        None => schema,
    }
}

/// The properties and required names of an object schema, through `allOf`.
fn object_parts(
    doc: &Value,
    schema: &Value,
    props: &mut Vec<(String, Value)>,
    req: &mut Vec<String>,
) {
    let schema = schema_ref(doc, schema);
    for part in schema["allOf"].as_array().into_iter().flatten() {
        object_parts(doc, part, props, req);
    }
    for (k, v) in schema["properties"].as_object().into_iter().flatten() {
        props.push((k.clone(), v.clone()));
    }
    for r in schema["required"].as_array().into_iter().flatten() {
        req.push(r.as_str().unwrap().to_owned());
    }
}

fn type_matches(t: &str, value: &Value) -> bool {
    match t {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => false,
    }
}

fn check(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let schema = schema_ref(doc, schema);
    if let Some(options) = schema["oneOf"].as_array() {
        let fits = options.iter().any(|o| {
            let mut e = Vec::new();
            check(doc, o, value, at, &mut e);
            e.is_empty()
        });
        if !fits {
            errors.push(format!("{at}: {value} fits none of oneOf"));
        }
        return;
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(value) {
            errors.push(format!("{at}: {value} not in enum {allowed:?}"));
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !types.is_empty() && !types.iter().any(|t| type_matches(t, value)) {
        errors.push(format!("{at}: {value} is not {types:?}"));
        return;
    }
    match value {
        Value::Object(map) => {
            let (mut props, mut req) = (Vec::new(), Vec::new());
            object_parts(doc, schema, &mut props, &mut req);
            for name in &req {
                if !map.contains_key(name) {
                    errors.push(format!("{at}: required `{name}` missing"));
                }
            }
            if props.is_empty() {
                return; // A map (`additionalProperties`) or free-form detail.
            }
            for (k, v) in map {
                match props.iter().find(|(p, _)| p == k) {
                    Some((_, s)) => check(doc, s, v, &format!("{at}.{k}"), errors),
                    None => errors.push(format!("{at}: `{k}` is not in the schema")),
                }
            }
        }
        Value::Array(items) => {
            if let Some(prefix) = schema["prefixItems"].as_array() {
                for (i, (s, v)) in prefix.iter().zip(items).enumerate() {
                    check(doc, s, v, &format!("{at}[{i}]"), errors);
                }
            } else if schema.get("items").is_some() {
                for (i, v) in items.iter().enumerate() {
                    check(doc, &schema["items"], v, &format!("{at}[{i}]"), errors);
                }
            }
        }
        _ => {}
    }
}

/// Asserts that `body` fits the documented 200 answer of `method path`.
fn assert_fits(method: &str, path: &str, status: StatusCode, body: &Value) {
    let doc: Value = serde_json::from_str(document()).unwrap();
    let op = &doc["paths"][path][method.to_ascii_lowercase()];
    let schema = &op["responses"][status.as_str()]["content"]["application/json"]["schema"];
    assert!(
        !schema.is_null(),
        "{method} {path} {status} is not documented"
    );
    let mut errors = Vec::new();
    check(&doc, schema, body, "$", &mut errors);
    assert!(errors.is_empty(), "{method} {path}: {errors:#?}");
}

#[tokio::test]
async fn real_answers_fit_the_documented_schemas() {
    let app = TestApp::new(backends().remove(0)).await;
    let users = users(&app).await;
    let admin = users.token("admin");
    let (folio, _) = two_reports(&app).await;
    let on = |p: &str| p.replace("{folio}", &folio);
    for (method, path, body) in [
        ("GET", "/api/v1/me", None),
        ("GET", "/api/v1/reports", None),
        ("GET", "/api/v1/map", None),
        ("GET", "/api/v1/reports/{folio}", None),
        (
            "POST",
            "/api/v1/reports/{folio}/actions",
            Some(json!({ "action": "claim" })),
        ),
        ("POST", "/api/v1/reports/{folio}/contact", None),
        ("GET", "/api/v1/users", None),
        ("POST", "/api/v1/users/{name}/disable", None),
        ("POST", "/api/v1/users/{name}/enable", None),
        ("POST", "/api/v1/users/{name}/token", None),
        (
            "POST",
            "/api/v1/privacy/export",
            Some(json!({ "phone": crate::helpers::MARIA.0 })),
        ),
    ] {
        let uri = on(path).replace("{name}", "op_centro");
        let (status, answer) = call(&app, method, &uri, Some(admin), body).await;
        assert_eq!(status, StatusCode::OK, "{method} {uri}: {answer}");
        assert_fits(method, path, status, &answer);
    }
    // An error answer fits `ErrorBody`.
    let (status, answer) = call(
        &app,
        "GET",
        "/api/v1/reports/NO-EXISTE-1",
        Some(admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_fits("GET", "/api/v1/reports/{folio}", status, &answer);
}

#[test]
fn the_checker_notices_a_field_the_document_does_not_name() {
    let doc: Value = serde_json::from_str(document()).unwrap();
    let schema = json!({ "$ref": "#/components/schemas/ErrorBody" });
    let mut errors = Vec::new();
    let good = json!({ "error": { "code": "x", "message": "y" } });
    check(&doc, &schema, &good, "$", &mut errors);
    assert!(errors.is_empty(), "{errors:?}");
    for bad in [
        json!({ "error": { "code": "x", "message": "y", "extra": 1 } }),
        json!({ "error": { "code": "x" } }),
        json!({ "error": { "code": 1, "message": "y" } }),
    ] {
        let mut errors = Vec::new();
        check(&doc, &schema, &bad, "$", &mut errors);
        assert!(!errors.is_empty(), "{bad} passed");
    }
}
