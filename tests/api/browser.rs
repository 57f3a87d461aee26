//! The web app in a real (headless) Chromium: two operators and the live queue, and the
//! photos and voice notes of a report, driven through chromedriver against the real server
//! on a loopback port.
//!
//! Needs /usr/bin/chromedriver (or `CHROMEDRIVER`); .ci/run installs it. Without it the test
//! is skipped locally and fails in CI. `ALERTA_SCREENSHOTS=DIR` saves what the browser saw.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alerta::config::Config;
use fantoccini::{Client, ClientBuilder, Locator};
use futures_util::FutureExt;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use crate::fake_graph::FakeGraph;
use crate::helpers::media::{fake_media, sha_hex};
use crate::helpers::media_webhook;
use crate::helpers::{free_port, repo_path, text_webhook, MARIA, SECRET};

const PASSWORD: &str = "contraseña-del-turno";
pub(crate) const EMERGENCY: &str =
    "Están asaltando la tienda de la esquina, traen pistola, manden patrulla urgente";

pub(crate) type Failure = Box<dyn std::error::Error + Send + Sync>;

/// chromedriver's path, or `None` to skip (never in CI).
pub(crate) fn chromedriver() -> Option<PathBuf> {
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
    // chromedriver listens on loopback over plain HTTP: no TLS stack needed.
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .expect("a chromium session")
}

/// The real server on a loopback port over a temp SQLite file, with accounts made
/// beforehand (all with `PASSWORD`).
pub(crate) struct Server {
    base: String,
    admin_token: String,
    shutdown: CancellationToken,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
    _dir: tempfile::TempDir,
}

pub(crate) async fn start_server(adjust: impl FnOnce(&mut Config)) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("b.db").display());
    let mut config = Config::for_tests(&url, &repo_path("config/registry"));
    config.triage_rules = repo_path("config/triage/rules.toml");
    adjust(&mut config);
    let state = alerta::app::AppState::build(config.clone()).await.unwrap();
    let mut admin_token = String::new();
    for (name, role) in [("ana", "operator"), ("beto", "operator"), ("jefa", "admin")] {
        let token = alerta::queue::users::add_user(
            state.store.as_ref(),
            &state.registry.current(),
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
    let task = tokio::spawn(alerta::app::run(config, listener, shutdown.clone()));
    Server {
        base,
        admin_token,
        shutdown,
        task,
        _dir: dir,
    }
}

/// The browsers a story opened, closed however it ends (chromedriver would leave them).
pub(crate) type Clients = Arc<Mutex<Vec<Client>>>;

/// Runs `story` against `server` with a fresh chromedriver, then stops everything and
/// reports the story's failure, panic or timeout.
pub(crate) async fn drive<F, Fut>(path: &PathBuf, server: Server, name: &str, story: F)
where
    F: FnOnce(String, u16, String, Clients) -> Fut,
    Fut: std::future::Future<Output = Result<(), Failure>>,
{
    let started = Instant::now();
    let driver_port = free_port();
    let driver = start_driver(path, driver_port);
    let clients: Clients = Arc::default();
    let run = story(
        server.base.clone(),
        driver_port,
        server.admin_token.clone(),
        clients.clone(),
    );
    let outcome = tokio::time::timeout(
        Duration::from_secs(180),
        AssertUnwindSafe(run).catch_unwind(),
    )
    .await;
    let opened: Vec<Client> = std::mem::take(&mut *clients.lock().unwrap());
    for c in opened {
        let _ = tokio::time::timeout(Duration::from_secs(10), c.close()).await;
    }
    drop(driver);
    server.shutdown.cancel();
    let _ = tokio::time::timeout(Duration::from_secs(10), server.task).await;
    match outcome {
        Err(_) => panic!("the browser story {name} did not finish within 180 s"),
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Ok(Ok(Err(e))) => panic!("webdriver ({name}): {e}"),
        Ok(Ok(Ok(()))) => {}
    }
    eprintln!(
        "browser story {name} took {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// A new browser, remembered in `clients` so that it is closed at the end.
pub(crate) async fn open(driver_port: u16, clients: &Clients) -> Client {
    let c = browser(driver_port).await;
    clients.lock().unwrap().push(c.clone());
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_work_a_live_report_in_the_browser() {
    let Some(path) = chromedriver() else { return };
    let server = start_server(|_| {}).await;
    drive(
        &path,
        server,
        "cola",
        |base, port, token, clients| async move { story(&base, port, &token, &clients).await },
    )
    .await;
}

async fn story(
    base: &str,
    driver_port: u16,
    admin_token: &str,
    clients: &Clients,
) -> Result<(), Failure> {
    let ana = open(driver_port, clients).await;
    let beto = open(driver_port, clients).await;

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
    post_signed(
        base,
        text_webhook("wamid.B1", Some(MARIA.0), None, None, EMERGENCY),
    )
    .await?;
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
    // The filter bar's numbers followed the rows.
    wait_js(
        &ana,
        "var b = document.querySelector('[data-count=\"status:open\"]');
         var c = document.querySelector('[data-count=\"category:emergency_911\"]');
         return b && c && b.textContent === '1' && c.textContent === '1';",
    )
    .await?;
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
    // Held by someone else: "Tomar" is not offered (it would only be refused).
    let offered = beto
        .execute("return !!document.getElementById('tomar');", vec![])
        .await?;
    assert_eq!(offered, json!(false));
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

pub(crate) async fn sign_in(c: &Client, base: &str, name: &str) -> Result<(), Failure> {
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

/// Posts a webhook body signed with the test secret, as Meta would; the server must take it.
pub(crate) async fn post_signed(base: &str, body: Vec<u8>) -> Result<(), Failure> {
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
    Ok(())
}

/// Opens the queue and waits for a row matching `selector`: its folio.
pub(crate) async fn folio_on_queue(
    c: &Client,
    base: &str,
    selector: &str,
) -> Result<String, Failure> {
    c.goto(&format!("{base}/cola")).await?;
    let script = format!(
        "var r = document.querySelector('#filas tr{selector}[data-folio]');
         return r ? r.getAttribute('data-folio') : null;"
    );
    let folio = wait_js(c, &script).await?;
    Ok(folio.as_str().expect("a folio").to_owned())
}

/// Polls `script` until it returns something other than null/false (20 s at most: CI runs
/// the rest of the suite on the same two cores meanwhile).
pub(crate) async fn wait_js(c: &Client, script: &str) -> Result<Value, Failure> {
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

pub(crate) async fn wait_text(c: &Client, text: &str) -> Result<(), Failure> {
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

pub(crate) async fn screenshot(c: &Client, name: &str) -> Result<(), Failure> {
    if let Ok(dir) = std::env::var("ALERTA_SCREENSHOTS") {
        std::fs::create_dir_all(&dir)?;
        std::fs::write(
            PathBuf::from(dir).join(format!("{name}.png")),
            c.screenshot().await?,
        )?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn photos_and_voice_notes_load_on_the_report_page() {
    let Some(path) = chromedriver() else { return };
    let fake = FakeGraph::start().await;
    let (png, wav) = (tiny_png(), tiny_wav());
    fake.add_media("IMG-B1", fake_media(png.clone(), "image/png"));
    fake.add_media("VOZ-B1", fake_media(wav.clone(), "audio/wav"));
    let media_dir = tempfile::tempdir().unwrap();
    let (graph, dir) = (fake.base_url.clone(), media_dir.path().to_owned());
    // With a token the server runs the media worker, fetching from the fake Graph API.
    let server = start_server(move |c| {
        c.whatsapp.access_token = Some(alerta::config::Secret::new("test-token"));
        c.whatsapp.phone_number_id = Some("106540352242922".into());
        c.whatsapp.api_base = graph;
        c.media.dir = dir;
        c.media.poll_secs = 1;
    })
    .await;
    drive(
        &path,
        server,
        "medios",
        |base, port, token, clients| async move {
            media_story(&base, port, &token, &clients, &png, &wav).await
        },
    )
    .await;
}

async fn media_story(
    base: &str,
    driver_port: u16,
    admin_token: &str,
    clients: &Clients,
    png: &[u8],
    wav: &[u8],
) -> Result<(), Failure> {
    let http = reqwest::Client::new();
    for body in [
        media_webhook("wamid.BM1", "image", "IMG-B1", "image/png", &sha_hex(png)),
        media_webhook("wamid.BM2", "audio", "VOZ-B1", "audio/wav", &sha_hex(wav)),
    ] {
        let res = http
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
    }
    // Both messages are in the thread of the photo's report (same sender, same hour).
    let list: Value = http
        .get(format!("{base}/api/v1/reports?status=all"))
        .bearer_auth(admin_token)
        .send()
        .await?
        .json()
        .await?;
    let folio = list["items"][0]["folio"]
        .as_str()
        .expect("a report")
        .to_owned();

    let ana = open(driver_port, clients).await;
    sign_in(&ana, base, "ana").await?;
    ana.goto(&format!("{base}/reportes/{folio}")).await?;
    // The worker fetches in the background and the page does not follow it: reload.
    let both = "return !!document.querySelector('img.media-photo') \
                && !!document.querySelector('.media-file audio');";
    let deadline = Instant::now() + Duration::from_secs(30);
    while ana.execute(both, vec![]).await? != json!(true) {
        if Instant::now() > deadline {
            let text = ana
                .execute("return document.body.innerText;", vec![])
                .await?;
            return Err(format!("the media never showed on {folio}: {text}").into());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        ana.refresh().await?;
    }

    // The photo decoded from the session-authenticated URL.
    let width = wait_js(
        &ana,
        "var i = document.querySelector('img.media-photo'); i.scrollIntoView();
         return i.complete && i.naturalWidth > 0 ? i.naturalWidth : null;",
    )
    .await?;
    assert_eq!(width, json!(8), "the 8×8 PNG");
    // preload="none" keeps the thread light; ask for the metadata as pressing play would.
    let src = ana
        .execute(
            "var a = document.querySelector('.media-file audio'); a.preload = 'metadata';
             a.load(); return a.getAttribute('src');",
            vec![],
        )
        .await?;
    let src = src.as_str().expect("an audio src").to_owned();
    assert!(src.starts_with("/media/"), "{src}");
    let duration = wait_js(
        &ana,
        "var a = document.querySelector('.media-file audio');
         if (a.error) return 'error ' + a.error.code;
         return a.readyState >= 1 && a.duration > 0 ? a.duration : null;",
    )
    .await?;
    let seconds = duration.as_f64().unwrap_or_default();
    assert!(
        (0.15..0.25).contains(&seconds),
        "audio metadata: {duration}"
    );
    screenshot(&ana, "medios").await?;

    // The same URL without the session leads to the login form, not to the file.
    let anonymous = http.get(format!("{base}{src}")).send().await?;
    assert_eq!(anonymous.url().path(), "/login");
    Ok(())
}

/// An 8×8 RGB PNG (a red-to-blue gradient), built by hand: zlib "stored" blocks need no
/// compressor, and Chromium must decode it for `naturalWidth` to be 8.
fn tiny_png() -> Vec<u8> {
    let mut raw = Vec::new();
    for y in 0..8u8 {
        raw.push(0); // filter: none
        for x in 0..8u8 {
            raw.extend_from_slice(&[x * 32, 64, y * 32]);
        }
    }
    let mut zlib = vec![0x78, 0x01, 0x01];
    let len = raw.len() as u16;
    zlib.extend_from_slice(&len.to_le_bytes());
    zlib.extend_from_slice(&(!len).to_le_bytes());
    zlib.extend_from_slice(&raw);
    let (mut a, mut b) = (1u32, 0u32);
    for byte in &raw {
        a = (a + u32::from(*byte)) % 65521;
        b = (b + a) % 65521;
    }
    zlib.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&8u32.to_be_bytes());
    ihdr.extend_from_slice(&8u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [(b"IHDR", ihdr), (b"IDAT", zlib), (b"IEND", Vec::new())] {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = png.len();
        png.extend_from_slice(kind);
        png.extend_from_slice(&data);
        let crc = crc32(&png[start..]);
        png.extend_from_slice(&crc.to_be_bytes());
    }
    png
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// 0.2 s of a 440 Hz tone, 8 kHz 16-bit mono PCM WAV: a format Chromium always decodes
/// (an Opus voice note would need an encoder).
fn tiny_wav() -> Vec<u8> {
    let rate = 8000u32;
    let samples: Vec<i16> = (0..rate / 5)
        .map(|i| {
            let t = f64::from(i) / f64::from(rate);
            ((t * 440.0 * std::f64::consts::TAU).sin() * 8000.0) as i16
        })
        .collect();
    let data_len = (samples.len() * 2) as u32;
    let mut wav = b"RIFF".to_vec();
    wav.extend_from_slice(&(36 + data_len).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&rate.to_le_bytes());
    wav.extend_from_slice(&(rate * 2).to_le_bytes()); // bytes per second
    wav.extend_from_slice(&2u16.to_le_bytes()); // block align
    wav.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        wav.extend_from_slice(&s.to_le_bytes());
    }
    wav
}
