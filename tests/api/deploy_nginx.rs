//! deploy/nginx.conf stays true to the app: it streams, unbuffered, exactly the routes whose
//! handlers answer with server-sent events, hides /metrics, and takes the app's body limit.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use alerta::config::Config;
use regex::Regex;

use crate::deploy_files::read;
use crate::helpers::repo_path;

/// The app's routes whose handler answers with an event stream: the web pages' from the
/// sources, the JSON API's from its OpenAPI document (generated from the handlers, and kept
/// equal to the code by `openapi::the_committed_document_is_what_the_code_generates`), whose
/// routes are mounted through `routes!` rather than `.route(…)`.
fn event_stream_routes() -> BTreeSet<String> {
    let mut routes = web_event_stream_routes();
    let doc: serde_json::Value = serde_json::from_str(&read("docs/openapi.json")).unwrap();
    for (path, operations) in doc["paths"].as_object().unwrap() {
        let streams = operations.as_object().unwrap().values().any(|op| {
            op["responses"].as_object().is_some_and(|r| {
                r.values()
                    .any(|r| !r["content"]["text/event-stream"].is_null())
            })
        });
        if streams {
            routes.insert(path.clone());
        }
    }
    routes
}

/// The web pages' routes whose handler calls the SSE helper, from the sources.
fn web_event_stream_routes() -> BTreeSet<String> {
    let files: Vec<PathBuf> = walk(&repo_path("src"));
    let fn_start = Regex::new(r"(?m)^(?:pub(?:\([\w:]+\))? )?(?:async )?fn (\w+)").unwrap();
    // (file stem, handler name) of every function calling the SSE helper.
    let mut streaming = BTreeSet::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let starts: Vec<(usize, String)> = fn_start
            .captures_iter(&text)
            .map(|c| (c.get(0).unwrap().start(), c[1].to_owned()))
            .collect();
        for (i, (start, name)) in starts.iter().enumerate() {
            let end = starts.get(i + 1).map_or(text.len(), |s| s.0);
            if text[*start..end].contains("stream::sse(") {
                streaming.insert((stem(file), name.clone()));
            }
        }
    }
    let route = Regex::new(r#"\.route\(\s*"([^"]+)",\s*get\(((?:\w+::)*)(\w+)\)"#).unwrap();
    let mut routes = BTreeSet::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for c in route.captures_iter(&text) {
            // `get(pages::events)` names a module; `get(events)` this file.
            let module = c[2]
                .trim_end_matches("::")
                .rsplit("::")
                .next()
                .filter(|m| !m.is_empty())
                .map_or_else(|| stem(file), str::to_owned);
            if streaming.contains(&(module, c[3].to_owned())) {
                routes.insert(c[1].to_owned());
            }
        }
    }
    routes
}

fn stem(file: &Path) -> String {
    match file.file_stem().unwrap().to_str().unwrap() {
        "mod" => file
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned(),
        s => s.to_owned(),
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

#[test]
fn nginx_streams_exactly_the_event_routes_and_hides_metrics() {
    let nginx = read("deploy/nginx.conf");
    let location = Regex::new(r"location\s+(=\s+)?(\S+)\s*\{([^}]*)\}").unwrap();
    let mut unbuffered = BTreeSet::new();
    let mut metrics_hidden = false;
    for c in location.captures_iter(&nginx) {
        let body = &c[3];
        if body.contains("proxy_buffering off;") {
            assert!(body.contains("proxy_read_timeout 1h;"), "{}", &c[2]);
            unbuffered.insert(c[2].to_owned());
        }
        if &c[2] == "/metrics" {
            metrics_hidden = body.contains("return 404;") || body.contains("deny all;");
        }
    }
    let app = event_stream_routes();
    assert_eq!(
        app,
        BTreeSet::from(["/api/v1/events".to_owned(), "/cola/eventos".to_owned()]),
        "the scan of the sources found these event-stream routes"
    );
    assert_eq!(unbuffered, app, "nginx's unbuffered locations");
    assert!(metrics_hidden, "/metrics must not be public");
    for header in ["Host $host", "X-Forwarded-Proto $scheme", "X-Forwarded-For"] {
        assert!(
            nginx.contains(&format!("proxy_set_header {header}")),
            "{header}"
        );
    }

    // The body limit matches the app's.
    let limit = Regex::new(r"client_max_body_size (\d+)m;").unwrap();
    let mb: usize = limit.captures(&nginx).expect("client_max_body_size")[1]
        .parse()
        .unwrap();
    let config = Config::load_with(|_| None).unwrap();
    assert_eq!(mb * 1024 * 1024, config.body_limit_bytes);
}
