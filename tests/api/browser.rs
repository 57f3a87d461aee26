//! The web app in a real (headless) Chromium: two operators and the live queue, driven
//! through chromedriver against the real server on a loopback port.
//!
//! Needs /usr/bin/chromedriver (or `CHROMEDRIVER`); .ci/run installs it. Without it the test
//! is skipped locally and fails in CI. `ALERTA_SCREENSHOTS=DIR` saves what the browser saw.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alerta::config::Config;
use fantoccini::{Client, ClientBuilder, Locator};
use futures_util::FutureExt;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use crate::helpers::{free_port, repo_path, text_webhook, MARIA, SECRET};

const PASSWORD: &str = "contraseña-del-turno";
const EMERGENCY: &str =
    "Están asaltando la tienda de la esquina, traen pistola, manden patrulla urgente";

type Failure = Box<dyn std::error::Error + Send + Sync>;

/// chromedriver's path, or `None` to skip (never in CI).
fn chromedriver() -> Option<PathBuf> {
    let path = std::env::var("CHROMEDRIVER")
        .ok()
        .filter(|p| !p.is_empty())
        .map_or_else(|| PathBuf::from("/usr/bin/chromedriver"), PathBuf::from);
    if path.exists() {
        return Some(path);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "CI=true but {} does not exist: install chromium and chromium-driver (.ci/run does)",
            path.display()
        );
    }
    eprintln!("{} not found: skipping the browser test", path.display());
    None
}

/// Kills chromedriver however the test ends (the browser sessions are closed before).
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_driver(path: &PathBuf, port: u16) -> Driver {
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver(child);
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    driver
}

async fn browser(driver_port: u16) -> Client {
    // Two rustls providers are compiled in (see Cargo.toml); choose one for the process.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut options = json!({
        "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-extensions", "--window-size=1366,768",
        ]
    });
    if std::path::Path::new("/usr/bin/chromium").exists() {
        options["binary"] = json!("/usr/bin/chromium");
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
    // confirm() dialogs are answered by the test, not dismissed by the driver.
    caps.insert("unhandledPromptBehavior".into(), json!("ignore"));
    ClientBuilder::rustls()
        .expect("tls roots")
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .expect("a chromium session")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_work_a_live_report_in_the_browser() {
    let Some(path) = chromedriver() else { return };
    let started = Instant::now();

    // The real server on a temp SQLite file, with three accounts made beforehand.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("b.db").display());
    let mut config = Config::for_tests(&url, &repo_path("config/registry"));
    config.triage_rules = repo_path("config/triage/rules.toml");
    let state = alerta::app::AppState::build(config.clone()).await.unwrap();
    let mut admin_token = String::new();
    for (name, role) in [("ana", "operator"), ("beto", "operator"), ("jefa", "admin")] {
        let token = alerta::queue::users::add_user(
            state.store.as_ref(),
            &state.registry,
            name,
            role,
            &[],
            Some(PASSWORD),
        )
        .await
        .unwrap();
        if name == "jefa" {
            admin_token = token;
        }
    }
    state.store.close().await;
    drop(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(alerta::app::run(config, listener, shutdown.clone()));

    let driver_port = free_port();
    let driver = start_driver(&path, driver_port);
    let mut clients: Vec<Client> = Vec::new();
    let story = AssertUnwindSafe(story(&base, driver_port, &admin_token, &mut clients));
    let outcome = tokio::time::timeout(Duration::from_secs(180), story.catch_unwind()).await;

    // Close the browsers first (chromedriver would leave them running), then the rest.
    for c in clients {
        let _ = tokio::time::timeout(Duration::from_secs(10), c.close()).await;
    }
    drop(driver);
    shutdown.cancel();
    let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
    match outcome {
        Err(_) => panic!("the browser story did not finish within 180 s"),
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Ok(Ok(Err(e))) => panic!("webdriver: {e}"),
        Ok(Ok(Ok(()))) => {}
    }
    eprintln!(
        "browser story took {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

async fn story(
    base: &str,
    driver_port: u16,
    admin_token: &str,
    clients: &mut Vec<Client>,
) -> Result<(), Failure> {
    let ana = browser(driver_port).await;
    clients.push(ana.clone());
    let beto = browser(driver_port).await;
    clients.push(beto.clone());

    sign_in(&ana, base, "ana").await?;
    assert!(ana.current_url().await?.path().ends_with("/cola"));
    // A marker that only survives if the page is never reloaded.
    let loaded = ana
        .execute(
            "window.__sinRecarga = 'sí'; return performance.timeOrigin;",
            vec![],
        )
        .await?;
    wait_js(
        &ana,
        "return document.getElementById('conexion').textContent === 'en vivo';",
    )
    .await?;
    sign_in(&beto, base, "beto").await?;

    // A member reports an emergency on WhatsApp while the queue is open.
    let body = text_webhook("wamid.B1", Some(MARIA.0), None, None, EMERGENCY);
    let res = reqwest::Client::new()
        .post(format!("{base}/webhook"))
        .header("content-type", "application/json")
        .header(
            "x-hub-signature-256",
            alerta::whatsapp::signature::sign(SECRET.as_bytes(), &body),
        )
        .body(body)
        .send()
        .await?;
    assert_eq!(res.status(), 200);
    let folio = wait_js(
        &ana,
        "var r = document.querySelector('#filas tr.prio-critical[data-folio]');
         return r ? r.getAttribute('data-folio') : null;",
    )
    .await?;
    let folio = folio.as_str().expect("a folio").to_owned();
    let same_page = ana
        .execute(
            "return [window.__sinRecarga || null, performance.timeOrigin];",
            vec![],
        )
        .await?;
    assert_eq!(
        same_page,
        json!(["sí", loaded]),
        "the row arrived without a reload"
    );
    let row = ana.find(Locator::Css("#filas tr.prio-critical")).await?;
    assert!(row
        .attr("class")
        .await?
        .unwrap_or_default()
        .contains("fresh"));
    let words = row.text().await?.to_lowercase();
    assert!(
        words.contains("⚠") && words.contains("crítica"),
        "a word, not only a colour"
    );
    // The title blinks between the alert and the plain title: wait for the alert phase.
    let title = format!("return document.title.indexOf('¡Crítico! {folio}') >= 0;");
    wait_js(&ana, &title).await?;
    screenshot(&ana, "cola").await?;

    // The second operator has the report open before anything happens to it.
    beto.goto(&format!("{base}/reportes/{folio}")).await?;
    wait_text(&beto, "libre").await?;
    wait_js(
        &beto,
        "return document.getElementById('conexion').textContent === 'en vivo';",
    )
    .await?;

    // The first one opens it from the keyboard and takes it.
    ana.find(Locator::Css("body")).await?.send_keys("j").await?;
    ana.find(Locator::Css("body"))
        .await?
        .send_keys("\u{E007}")
        .await?;
    wait_js(
        &ana,
        &format!("return location.pathname === '/reportes/{folio}';"),
    )
    .await?;
    ana.find(Locator::Css("#tomar")).await?.click().await?;
    wait_text(&ana, "Reporte tomado.").await?;
    wait_text(&ana, "Tomado por ana").await?;

    // The other page learns it changed, and after a reload shows who holds it.
    wait_js(&beto, "return !document.getElementById('cambio').hidden;").await?;
    beto.refresh().await?;
    wait_text(&beto, "Tomado por ana").await?;
    beto.find(Locator::Css("#tomar")).await?.click().await?;
    wait_text(&beto, "Lo tiene ana").await?;
    screenshot(&beto, "conflicto").await?;

    // Reclassify, then resolve with the shortcut (it asks first).
    ana.find(Locator::Css("#categoria"))
        .await?
        .select_by_value("tip_089")
        .await?;
    ana.find(Locator::Css("#motivo-rc"))
        .await?
        .send_keys("es una denuncia, no un robo en curso")
        .await?;
    ana.find(Locator::Css("form[data-action=reclassify] button"))
        .await?
        .click()
        .await?;
    wait_text(&ana, "Clasificación corregida.").await?;
    wait_text(&ana, "Denuncia anónima (089)").await?;
    // The key opens a confirm() dialog, which the driver may report as an error.
    let _ = ana.find(Locator::Css("body")).await?.send_keys("r").await;
    accept_confirm(&ana).await?;
    wait_text(&ana, "Reporte resuelto").await?;
    screenshot(&ana, "reporte").await?;

    // The reporter is told: a reporter_status message waits in the outbox.
    let view: Value = reqwest::Client::new()
        .get(format!("{base}/api/v1/reports/{folio}"))
        .bearer_auth(admin_token)
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(view["report"]["status"], "resolved", "{view}");
    assert_eq!(view["report"]["category"], "tip_089");
    let purposes: Vec<&str> = view["outbox"]
        .as_array()
        .expect("outbox")
        .iter()
        .filter_map(|o| o["purpose"].as_str())
        .collect();
    assert!(purposes.contains(&"reporter_status"), "{purposes:?}");

    // The phone layout still shows the report (one column, no horizontal overflow).
    ana.set_window_size(390, 844).await?;
    let fits = ana
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
            vec![],
        )
        .await?;
    assert_eq!(fits, json!(true), "the report page fits a phone");
    screenshot(&ana, "telefono").await?;
    ana.goto(&format!("{base}/cola?status=all")).await?;
    wait_text(&ana, &folio).await?;
    let fits = ana
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth + 1;",
            vec![],
        )
        .await?;
    assert_eq!(fits, json!(true), "the queue fits a phone");
    screenshot(&ana, "telefono-cola").await?;
    Ok(())
}

async fn sign_in(c: &Client, base: &str, name: &str) -> Result<(), Failure> {
    c.goto(&format!("{base}/cola")).await?;
    // Not signed in: the queue sends to the login form, which brings back to the queue.
    assert!(c.current_url().await?.path().ends_with("/login"));
    c.find(Locator::Css("#name")).await?.send_keys(name).await?;
    c.find(Locator::Css("#password"))
        .await?
        .send_keys(PASSWORD)
        .await?;
    c.find(Locator::Css("form button[type=submit]"))
        .await?
        .click()
        .await?;
    wait_js(
        c,
        "return location.pathname === '/cola' && !!document.getElementById('filas');",
    )
    .await?;
    Ok(())
}

/// Polls `script` until it returns something other than null/false (20 s at most: CI runs
/// the rest of the suite on the same two cores meanwhile).
async fn wait_js(c: &Client, script: &str) -> Result<Value, Failure> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let v = c.execute(script, vec![]).await.unwrap_or(Value::Null);
        if !v.is_null() && v != Value::Bool(false) {
            return Ok(v);
        }
        if Instant::now() > deadline {
            let url = c.current_url().await?;
            let text = c
                .execute(
                    "return document.body ? document.body.innerText : '';",
                    vec![],
                )
                .await
                .unwrap_or_default();
            return Err(format!("timed out on {url}: {script}\npage: {text}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn wait_text(c: &Client, text: &str) -> Result<(), Failure> {
    let script = format!(
        "return document.body && document.body.innerText.indexOf({}) >= 0;",
        json!(text)
    );
    wait_js(c, &script).await.map(|_| ())
}

/// The resolve shortcut asks for confirmation; accept it once it shows.
async fn accept_confirm(c: &Client) -> Result<(), Failure> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match c.accept_alert().await {
            Ok(()) => return Ok(()),
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(e) => return Err(e.into()),
        }
    }
}

async fn screenshot(c: &Client, name: &str) -> Result<(), Failure> {
    if let Ok(dir) = std::env::var("ALERTA_SCREENSHOTS") {
        std::fs::create_dir_all(&dir)?;
        std::fs::write(
            PathBuf::from(dir).join(format!("{name}.png")),
            c.screenshot().await?,
        )?;
    }
    Ok(())
}
