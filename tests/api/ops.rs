//! The operator's commands against the real binary: `alerta healthcheck` and `alerta backup`.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{free_port, repo_path, SECRET};

fn alerta(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_alerta"));
    cmd.args(args)
        .current_dir(repo_path(""))
        .env_remove("ALERTA_CONFIG")
        .env_remove("DATABASE_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `alerta serve` on `db`, killed when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(db: &Path, media: &Path) -> Server {
        Server::start_on(free_port(), db, media)
    }

    fn start_on(port: u16, db: &Path, media: &Path) -> Server {
        let child = Command::new(env!("CARGO_BIN_EXE_alerta"))
            .arg("serve")
            .current_dir(repo_path(""))
            .env_remove("ALERTA_CONFIG")
            .env("ALERTA_BIND", format!("127.0.0.1:{port}"))
            .env("ALERTA_METRICS_LISTEN", "127.0.0.1:0")
            .env("DATABASE_URL", format!("sqlite://{}", db.display()))
            .env("WHATSAPP_APP_SECRET", SECRET)
            .env("ALERTA_MEDIA_DIR", media)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        // It listens before its database is open; ready means both.
        while !answers_ready(port) {
            assert!(
                Instant::now() < deadline,
                "server did not become ready on {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Server { child, port }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

fn answers_ready(port: u16) -> bool {
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let request = "GET /readyz HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n";
    let mut answer = String::new();
    s.write_all(request.as_bytes()).is_ok()
        && s.read_to_string(&mut answer).is_ok()
        && answer.starts_with("HTTP/1.1 200")
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP server answering every request with `status` and `body`.
fn canned(status: &str, body: &str) -> u16 {
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { return };
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf);
            let _ = s.write_all(response.as_bytes());
        }
    });
    port
}

#[test]
fn healthcheck_says_ready_only_when_the_service_is_and_why_not_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("h.db"), &dir.path().join("media"));

    let ok = alerta(&["healthcheck", "--url", &server.url()], &[]);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert!(
        text(&ok.stdout).contains("listo: base de datos sqlite"),
        "{}",
        text(&ok.stdout)
    );
    // Without --url it probes the address the configuration binds.
    let bind = format!("127.0.0.1:{}", server.port);
    let by_config = alerta(&["healthcheck"], &[("ALERTA_BIND", &bind)]);
    assert!(by_config.status.success(), "{}", text(&by_config.stderr));

    // --wait: asked before the service exists, answered once it is ready.
    let later_port = free_port();
    let later_url = format!("http://127.0.0.1:{later_port}");
    let waiting = Command::new(env!("CARGO_BIN_EXE_alerta"))
        .args(["healthcheck", "--url", &later_url, "--wait", "60"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(700));
    let late = Server::start_on(
        later_port,
        &dir.path().join("w.db"),
        &dir.path().join("media"),
    );
    let waited = waiting.wait_with_output().unwrap();
    assert!(waited.status.success(), "{}", text(&waited.stderr));
    drop(late);

    let unhealthy = |out: Output, expected: &str| {
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
        assert!(err.contains(expected), "expected {expected:?} in {err}");
    };
    let nobody = format!("http://127.0.0.1:{}", free_port());
    unhealthy(
        alerta(&["healthcheck", "--url", &nobody], &[]),
        "conexión rechazada",
    );

    // Accepted by the kernel's backlog, never answered.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_url = format!("http://{}", silent.local_addr().unwrap());
    let started = Instant::now();
    unhealthy(
        alerta(
            &["healthcheck", "--url", &silent_url, "--timeout", "1"],
            &[],
        ),
        "no respondió en 1 s",
    );
    assert!(started.elapsed() < Duration::from_secs(10));

    let down = canned(
        "503 Service Unavailable",
        r#"{"status":"unavailable","database":"postgres"}"#,
    );
    unhealthy(
        alerta(
            &["healthcheck", "--url", &format!("http://127.0.0.1:{down}")],
            &[],
        ),
        "HTTP 503: la base de datos (postgres) no responde",
    );
    let stranger = canned("200 OK", r#"{"ok":true}"#);
    unhealthy(
        alerta(
            &[
                "healthcheck",
                "--url",
                &format!("http://127.0.0.1:{stranger}"),
            ],
            &[],
        ),
        "sin \"ready\"",
    );
}

fn count(db: &Path, table: &str) -> i64 {
    // Read-write without create, like the server's own connections: a read-only one cannot
    // join a WAL whose shared memory it may not write.
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)
            .unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

/// Every message id stored in `db` (each was acknowledged with a 200 after its commit).
fn wamids(db: &Path) -> std::collections::BTreeSet<String> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)
            .unwrap();
    conn.busy_timeout(Duration::from_secs(10)).unwrap();
    let mut stmt = conn.prepare("SELECT wamid FROM inbound_messages").unwrap();
    let ids = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    ids
}

#[test]
fn backup_of_a_database_being_written_is_whole_and_restores() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.db");
    let media = dir.path().join("media");
    let server = Server::start(&db, &media);
    let db_url = format!("sqlite://{}", db.display());

    // Webhooks keep arriving for the whole backup.
    let mut load = Command::new(env!("CARGO_BIN_EXE_alerta"))
        .args(["loadgen", "--url", &server.url(), "--requests", "100000"])
        .args(["--concurrency", "8", "--rate", "1500", "--no-verify"])
        .current_dir(repo_path(""))
        .env("WHATSAPP_APP_SECRET", SECRET)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while count(&db, "inbound_messages") < 200 {
        assert!(
            Instant::now() < deadline,
            "the load never reached the database"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    let copy = dir.path().join("backups/alerta-copia.db");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    // Committed before the backup starts (a reader sees the WAL, as the backup must).
    let committed_before = wamids(&db);
    let out = alerta(
        &["backup", "--out", copy.to_str().unwrap()],
        &[
            ("DATABASE_URL", &db_url),
            ("ALERTA_MEDIA_DIR", media.to_str().unwrap()),
        ],
    );
    let still_writing = load.try_wait().unwrap().is_none();
    let _ = load.kill();
    let _ = load.wait();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        still_writing,
        "the backup must be taken while the service writes"
    );
    let stdout = text(&out.stdout);
    assert!(stdout.contains("integridad ok"), "{stdout}");
    assert!(
        stdout.contains(media.to_str().unwrap()),
        "the media directory is named: {stdout}"
    );

    let conn = rusqlite::Connection::open(&copy).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let broken_links: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(broken_links, 0);
    drop(conn);
    let in_copy = wamids(&copy);
    let lost: Vec<&String> = committed_before.difference(&in_copy).take(5).collect();
    assert!(
        lost.is_empty(),
        "the copy lost messages acknowledged before the backup began: {lost:?}"
    );
    let copied = in_copy.len() as i64;
    assert!(copied <= count(&db, "inbound_messages"));
    // Every message in the copy belongs to a stored webhook delivery: one snapshot, not a
    // table-by-table copy taken at different moments.
    assert!(count(&copy, "webhook_deliveries") > 0);

    // A second backup to the same name is refused, the first one untouched.
    let again = alerta(
        &["backup", "--out", copy.to_str().unwrap()],
        &[("DATABASE_URL", &db_url)],
    );
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("ya existe"),
        "{}",
        text(&again.stderr)
    );
    drop(server);

    // Restore, as the README says: the copy becomes the database file of a new service.
    let restored = dir.path().join("restored.db");
    std::fs::copy(&copy, &restored).unwrap();
    let server = Server::start(&restored, &media);
    let ok = alerta(&["healthcheck", "--url", &server.url()], &[]);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert_eq!(count(&restored, "inbound_messages"), copied);
    // The restored service takes new webhooks on top of the copy.
    let body = crate::helpers::text_webhook(
        "wamid.after-restore",
        Some("5216621000101"),
        None,
        None,
        "hay un choque en el bulevar",
    );
    let status = tokio::runtime::Runtime::new().unwrap().block_on(async {
        reqwest::Client::new()
            .post(format!("{}/webhook", server.url()))
            .header("content-type", "application/json")
            .header(
                "x-hub-signature-256",
                alerta::whatsapp::signature::sign(SECRET.as_bytes(), &body),
            )
            .body(body)
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 200);
    assert_eq!(count(&restored, "inbound_messages"), copied + 1);
}

#[test]
fn backup_on_postgres_points_to_pg_dump() {
    let out = alerta(
        &["backup", "--out", "/nonexistent/x.db"],
        &[
            ("DATABASE_URL", "postgres://alerta@db/alerta"),
            ("ALERTA_MEDIA_DIR", "/srv/medios"),
        ],
    );
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("pg_dump") && err.contains("pg_restore"),
        "{err}"
    );
    assert!(err.contains("/srv/medios"), "{err}");
}
