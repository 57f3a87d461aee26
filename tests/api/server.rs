//! The real binary: serve, simulate the demo conversation, stop on SIGTERM; and the logs of
//! all that carry no phone number, BSUID or message text.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use alerta::config::Config;
use tokio_util::sync::CancellationToken;

use crate::helpers::{free_port, repo_path, SECRET};

fn wait_until_healthy(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("server did not start listening on {port}");
}

/// Everything a citizen wrote in the demo, and who they are: none of it may reach the logs.
fn personal_data_in_demo() -> Vec<String> {
    let mut found = vec![
        "6621000101".to_owned(),
        "6621000102".to_owned(),
        "6621000301".to_owned(),
        "6629999999".to_owned(),
        "MX.4810000000000000101".to_owned(),
        "MX.4810000000000000201".to_owned(),
    ];
    for entry in std::fs::read_dir(repo_path("fixtures/whatsapp/demo")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).unwrap();
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            let parsed =
                alerta::whatsapp::parse_notification(v.to_string().as_bytes(), "t").unwrap();
            found.extend(parsed.messages.iter().filter_map(|m| m.body.clone()));
            found.extend(
                parsed
                    .messages
                    .iter()
                    .filter_map(|m| m.profile_name.clone()),
            );
        }
    }
    found
}

#[test]
fn serve_simulate_and_sigterm_with_clean_logs() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let metrics_port = free_port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_alerta"))
        .arg("serve")
        .current_dir(repo_path(""))
        .env("ALERTA_BIND", format!("127.0.0.1:{port}"))
        .env("ALERTA_METRICS_LISTEN", format!("127.0.0.1:{metrics_port}"))
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("s.db").display()),
        )
        .env("WHATSAPP_APP_SECRET", SECRET)
        .env("WHATSAPP_VERIFY_TOKEN", "t")
        .env("ALERTA_LOG", "info,alerta=trace")
        .env("ALERTA_MEDIA_DIR", dir.path().join("media"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until_healthy(port);

    let sim = Command::new(env!("CARGO_BIN_EXE_alerta"))
        .args(["simulate", "--url", &format!("http://127.0.0.1:{port}")])
        .current_dir(repo_path(""))
        .env("WHATSAPP_APP_SECRET", SECRET)
        .output()
        .unwrap();
    let sim_out = String::from_utf8_lossy(&sim.stdout);
    assert!(
        sim.status.success(),
        "{sim_out}{}",
        String::from_utf8_lossy(&sim.stderr)
    );
    assert_eq!(sim_out.matches("200 OK").count(), 10, "{sim_out}");
    operate_through_the_api(port, &dir.path().join("s.db"));
    let generated = metrics_and_request_ids(port, metrics_port);

    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "server did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut logs = String::new();
    server
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert!(status.success(), "exit {status:?}\n{logs}");
    assert!(logs.contains("webhook stored"), "{logs}");
    assert!(logs.contains("shutdown requested"), "{logs}");
    // Every line a request logs carries its id: the client's when it is plain, else one made
    // here, and the access line is among them.
    let traced: Vec<&str> = logs.lines().filter(|l| l.contains("op-7f3a9c")).collect();
    assert!(
        traced
            .iter()
            .any(|l| l.contains("answered") && l.contains("200")),
        "{logs}"
    );
    assert!(
        traced.iter().any(|l| l.contains("webhook stored")),
        "the handler's own line has the id too:\n{logs}"
    );
    assert!(logs.contains(&generated), "{generated} not in\n{logs}");
    assert!(
        !logs.contains("a b<script>"),
        "an unsafe id is never logged"
    );
    for secret in personal_data_in_demo() {
        assert!(
            !logs.contains(&secret),
            "the logs contain personal data: {secret:?}"
        );
    }
    assert!(!logs.contains(SECRET));
}

/// `/metrics` answers on its own port only, with the request counted by route template;
/// request ids are echoed. Returns the id generated for a request whose own id was unsafe.
fn metrics_and_request_ids(port: u16, metrics_port: u16) -> String {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let http = reqwest::Client::new();
        let public = http
            .get(format!("http://127.0.0.1:{port}/metrics"))
            .send()
            .await
            .unwrap();
        assert_eq!(public.status(), 404, "/metrics is not on the public port");
        let body = crate::helpers::text_webhook(
            "wamid.request-id",
            Some("5216621000101"),
            None,
            None,
            "solicitamos rondines por la tarde",
        );
        let r = http
            .post(format!("http://127.0.0.1:{port}/webhook"))
            .header("content-type", "application/json")
            .header(
                "x-hub-signature-256",
                alerta::whatsapp::signature::sign(SECRET.as_bytes(), &body),
            )
            .header("x-request-id", "op-7f3a9c")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["x-request-id"], "op-7f3a9c");
        let r = http
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .header("x-request-id", "a b<script>")
            .send()
            .await
            .unwrap();
        let generated = r.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_eq!(generated.len(), 16, "{generated}");
        let text = http
            .get(format!("http://127.0.0.1:{metrics_port}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for needle in [
            "alerta_http_requests_total{route=\"/webhook\",method=\"POST\",status=\"200\"}",
            "alerta_http_requests_total{route=\"/api/v1/reports/{folio}/actions\"",
            "alerta_http_request_seconds_bucket{route=\"/webhook\",le=\"+Inf\"}",
            "alerta_writer_group_size_count{backend=\"sqlite\"}",
            "alerta_writer_fsync_seconds_count",
            "alerta_build_info{version=",
            "alerta_sending_paused 0",
            "alerta_database_up 1",
        ] {
            assert!(text.contains(needle), "missing {needle} in\n{text}");
        }
        generated
    })
}

/// An operator's shift and a privacy request over the API, so their handlers' logs are
/// checked for personal data too.
fn operate_through_the_api(port: u16, db: &std::path::Path) {
    let add = Command::new(env!("CARGO_BIN_EXE_alerta"))
        .args(["users", "add", "supervisora", "--role", "admin"])
        .current_dir(repo_path(""))
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .output()
        .unwrap();
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
    let stdout = String::from_utf8(add.stdout).unwrap();
    let token = stdout.lines().last().unwrap().trim().to_owned();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let http = reqwest::Client::new();
        let get = |path: String| http.get(format!("{base}{path}")).bearer_auth(&token).send();
        let page: serde_json::Value = get("/reports?status=all".into()).await.unwrap().json().await.unwrap();
        let folio = page["items"][0]["folio"].as_str().expect("the demo opened reports").to_owned();
        for action in [
            serde_json::json!({ "action": "claim" }),
            serde_json::json!({ "action": "note", "text": "llamé a la vecina María al 6621000101" }),
            serde_json::json!({ "action": "reply", "text": "Va una patrulla en camino" }),
            serde_json::json!({ "action": "resolve" }),
        ] {
            let r = http.post(format!("{base}/reports/{folio}/actions")).bearer_auth(&token).json(&action).send().await.unwrap();
            assert!(r.status().is_success(), "{action}: {}", r.text().await.unwrap());
        }
        let r = http.post(format!("{base}/reports/{folio}/contact")).bearer_auth(&token).send().await.unwrap();
        assert!(r.status().is_success());
        for (path, body) in [
            ("/privacy/export", serde_json::json!({ "phone": "5216621000101" })),
            ("/privacy/erase", serde_json::json!({ "phone": "5216621000101", "reason": "prueba" })),
        ] {
            let r = http.post(format!("{base}{path}")).bearer_auth(&token).json(&body).send().await.unwrap();
            assert!(r.status().is_success(), "{path}");
        }
    });
}

#[tokio::test]
async fn run_stops_cleanly_when_the_token_is_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("r.db").display());
    let mut config = Config::for_tests(&url, &repo_path("config/registry"));
    config.triage_rules = repo_path("config/triage/rules.toml");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let token = CancellationToken::new();
    let handle = tokio::spawn(alerta::app::run(config, listener, token.clone()));

    let client = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..100 {
        if let Ok(r) = client.get(format!("http://{addr}/readyz")).send().await {
            ready = r.status().is_success();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ready);
    token.cancel();
    let result = tokio::time::timeout(Duration::from_secs(10), handle)
        .await
        .expect("run returns after cancellation");
    result.unwrap().unwrap();
    assert!(client
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .is_err());
}

#[tokio::test]
async fn run_refuses_to_start_without_the_app_secret() {
    let mut config = Config::for_tests("sqlite://unused.db", &repo_path("config/registry"));
    config.whatsapp.app_secret = None;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = alerta::app::run(config, listener, CancellationToken::new())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("WHATSAPP_APP_SECRET"));
}
