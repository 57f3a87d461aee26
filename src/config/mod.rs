//! Settings: `config/alerta.toml` (embedded defaults) → optional `ALERTA_CONFIG` file →
//! environment variables. Secrets come from the environment only, each either directly or
//! from the file named by its `*_FILE` variable (see `secrets.rs`).

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

pub mod dump;
mod env_override;
mod secrets;
mod sections;
pub use secrets::{from_process_env as secret_from_env, SECRET_VARS};
use sections::*;
pub use sections::{CostRates, MapSettings, MediaSection, PrivacySection, WebSettings};

use crate::notify::SenderSettings;
use crate::routing::Deadlines;
use crate::store::StoreOptions;

const DEFAULTS: &str = include_str!("../../config/alerta.toml");

/// A secret string whose `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

// The log format belongs to telemetry, which must not import config back.
pub use crate::telemetry::LogFormat;

/// WhatsApp Cloud API settings.
#[derive(Debug, Clone)]
pub struct WhatsAppSettings {
    pub app_secret: Option<Secret>,
    pub verify_token: Option<Secret>,
    pub access_token: Option<Secret>,
    pub phone_number_id: Option<String>,
    pub api_base: String,
    pub api_version: String,
    /// Per-request timeout for Graph API calls.
    pub send_timeout: Duration,
}

/// How the HTTP listener treats connections (`[server]`); see `app::listener`.
#[derive(Debug, Clone)]
pub struct ConnectionSettings {
    /// From connecting, or from the first byte of a kept-alive connection's next request,
    /// to the end of the request head.
    pub header_read_timeout: Duration,
    /// A connection with no request in progress, or whose client stopped reading the
    /// response, is closed after this long.
    pub idle_timeout: Duration,
    /// Connections served at once; `None` derives it from the open-file limit.
    pub limit: Option<usize>,
    /// Descriptors kept out of the derived limit (database pool, files, media).
    pub fd_reserve: usize,
}

/// The effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub database_url: String,
    pub store: StoreOptions,
    pub body_limit_bytes: usize,
    pub request_timeout: Duration,
    pub shutdown_grace: Duration,
    pub connections: ConnectionSettings,
    pub registry_dir: PathBuf,
    /// How long an invite code lives (`[registry] invite_hours`, 72).
    pub invite_ttl: Duration,
    /// Refused invite codes per sender and hour (`[registry] invite_attempts_per_hour`, 5).
    pub invite_attempts_per_hour: u32,
    pub triage_rules: PathBuf,
    pub triage_model: PathBuf,
    pub triage_vectors: PathBuf,
    pub location_window: Duration,
    pub deadlines: Deadlines,
    pub escalation_poll: Duration,
    pub replies: PathBuf,
    pub sender: SenderSettings,
    /// Whether this process runs the sender and escalation workers.
    pub workers: bool,
    pub whatsapp: WhatsAppSettings,
    pub web: WebSettings,
    pub media: MediaSection,
    pub privacy: PrivacySection,
    /// Estimated MXN per billed message, by pricing category (`[costs]`).
    pub costs: CostRates,
    /// The map page's tiles (`[map]`).
    pub map: MapSettings,
    /// Key of the reporters' pseudonyms. Env: ALERTA_PSEUDONYM_KEY (when absent, derived
    /// from WHATSAPP_APP_SECRET, so a deployment without it still never shows numbers).
    pub pseudonym_key: Option<Secret>,
    pub log_filter: String,
    pub log_format: LogFormat,
    /// Where `/metrics` is served (`[metrics] listen`; `None`: not served).
    pub metrics_listen: Option<SocketAddr>,
    /// The merged settings as TOML, with the environment applied and the database
    /// password masked: what `alerta config dump` prints.
    pub effective: toml::Table,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    server: ServerSection,
    database: DatabaseSection,
    registry: RegistrySection,
    triage: TriageSection,
    intake: IntakeSection,
    routing: RoutingSection,
    notify: NotifySection,
    whatsapp: WhatsAppSection,
    log: LogSection,
    web: WebSettings,
    media: MediaSection,
    privacy: PrivacySection,
    costs: CostRates,
    #[serde(default)]
    map: MapSettings,
    metrics: MetricsSection,
}

/// A configuration problem, naming where it came from.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}: {message}")]
pub struct ConfigError {
    pub source_name: String,
    pub message: String,
}

impl Config {
    /// Loads from the real process environment.
    pub fn load() -> Result<Config, ConfigError> {
        Config::load_with(|key| std::env::var(key).ok().filter(|v| !v.is_empty()))
    }

    /// Loads with `env` standing in for the environment (tests pass a map).
    pub fn load_with(env: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let defaults: toml::Table = DEFAULTS.parse().map_err(|e| err("config/alerta.toml", e))?;
        let mut merged = defaults.clone();
        if let Some(path) = env("ALERTA_CONFIG") {
            let text = std::fs::read_to_string(&path).map_err(|e| err(&path, e))?;
            let overlay: toml::Table = text.parse().map_err(|e| err(&path, e))?;
            merge(&mut merged, overlay);
        }
        env_override::apply(&defaults, &mut merged, &env)?;
        let file: FileConfig = toml::Value::Table(merged.clone())
            .try_into()
            .map_err(|e| err(env("ALERTA_CONFIG").as_deref().unwrap_or("config"), e))?;
        let mut config = Config::from_parts(file, &env)?;
        config.effective = dump::effective(merged, &config);
        Ok(config)
    }

    fn from_parts(
        f: FileConfig,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let bind_text = env("ALERTA_BIND").unwrap_or(f.server.bind);
        let bind = bind_text
            .parse()
            .map_err(|e| err("ALERTA_BIND / server.bind", format!("{bind_text:?}: {e}")))?;
        let secret = |name: &str| secrets::read(env, name);
        let database_url = secret("DATABASE_URL")?.unwrap_or(f.database.url);
        if !(database_url.starts_with("sqlite:") || database_url.starts_with("postgres")) {
            return Err(err(
                "DATABASE_URL",
                "debe empezar con sqlite:// o postgres://",
            ));
        }
        if f.server.body_limit_bytes == 0 {
            return Err(err("server.body_limit_bytes", "debe ser mayor que cero"));
        }
        if f.server.header_read_timeout_secs == 0 || f.server.idle_timeout_secs == 0 {
            return Err(err(
                "server.header_read_timeout_secs / server.idle_timeout_secs",
                "deben ser mayores que cero",
            ));
        }
        f.map.validate().map_err(|e| err("map.tiles", e))?;
        let listen_text = env("ALERTA_METRICS_LISTEN").unwrap_or(f.metrics.listen);
        // Empty turns the listener off (a deployment that scrapes nothing).
        let metrics_listen = match listen_text.trim() {
            "" => None,
            text => Some(text.parse().map_err(|e| {
                err(
                    "ALERTA_METRICS_LISTEN / metrics.listen",
                    format!("{text:?}: {e}"),
                )
            })?),
        };
        Ok(Config {
            metrics_listen,
            effective: toml::Table::new(),
            bind,
            database_url,
            store: StoreOptions {
                max_connections: f.database.max_connections,
                sqlite_synchronous: f.database.sqlite_synchronous,
                sqlite_group_commit: f.database.sqlite_group_commit,
                postgres_group_commit: f.database.postgres_group_commit,
                postgres_writers: f.database.postgres_writers,
            },
            body_limit_bytes: f.server.body_limit_bytes,
            request_timeout: Duration::from_secs(f.server.request_timeout_secs),
            shutdown_grace: Duration::from_secs(f.server.shutdown_grace_secs),
            connections: ConnectionSettings {
                header_read_timeout: Duration::from_secs(f.server.header_read_timeout_secs),
                idle_timeout: Duration::from_secs(f.server.idle_timeout_secs),
                limit: (f.server.connection_limit > 0).then_some(f.server.connection_limit),
                fd_reserve: f.server.fd_reserve,
            },
            invite_ttl: Duration::from_secs(u64::from(f.registry.invite_hours.max(1)) * 3600),
            invite_attempts_per_hour: f.registry.invite_attempts_per_hour.max(1),
            registry_dir: env("ALERTA_REGISTRY_DIR").map_or(f.registry.dir, PathBuf::from),
            triage_rules: env("ALERTA_TRIAGE_RULES").map_or(f.triage.rules, PathBuf::from),
            triage_model: env("ALERTA_TRIAGE_MODEL").map_or(f.triage.model, PathBuf::from),
            triage_vectors: env("ALERTA_TRIAGE_VECTORS").map_or(f.triage.vectors, PathBuf::from),
            location_window: Duration::from_secs(f.intake.location_window_secs),
            deadlines: f.routing.deadlines,
            escalation_poll: Duration::from_secs(f.routing.escalation_poll_secs.max(1)),
            replies: env("ALERTA_REPLIES").map_or(f.notify.replies, PathBuf::from),
            workers: match env("ALERTA_WORKERS").as_deref() {
                Some("true" | "1") => true,
                Some("false" | "0") => false,
                Some(other) => {
                    return Err(err(
                        "ALERTA_WORKERS",
                        format!("{other:?}: use true o false"),
                    ))
                }
                None => f.notify.workers,
            },
            sender: SenderSettings {
                per_second: f.notify.per_second,
                pair_gap: Duration::from_secs(f.notify.pair_gap_secs),
                max_attempts: f.notify.max_attempts,
                poll: Duration::from_millis(f.notify.poll_secs.max(1) * 1000),
                ..SenderSettings::default()
            },
            whatsapp: WhatsAppSettings {
                app_secret: secret("WHATSAPP_APP_SECRET")?.map(Secret),
                verify_token: secret("WHATSAPP_VERIFY_TOKEN")?.map(Secret),
                access_token: secret("WHATSAPP_ACCESS_TOKEN")?.map(Secret),
                phone_number_id: env("WHATSAPP_PHONE_NUMBER_ID"),
                api_base: env("WHATSAPP_API_BASE").unwrap_or(f.whatsapp.api_base),
                api_version: f.whatsapp.api_version,
                send_timeout: Duration::from_secs(f.whatsapp.timeout_secs.max(1)),
            },
            web: f.web,
            privacy: f.privacy,
            costs: f.costs,
            map: f.map,
            pseudonym_key: secret("ALERTA_PSEUDONYM_KEY")?.map(Secret),
            media: MediaSection {
                dir: env("ALERTA_MEDIA_DIR").map_or(f.media.dir, PathBuf::from),
                ..f.media
            },
            log_filter: env("ALERTA_LOG").unwrap_or(f.log.filter),
            log_format: match env("ALERTA_LOG_FORMAT").as_deref() {
                Some("json") => LogFormat::Json,
                Some("text") => LogFormat::Text,
                Some(other) => {
                    return Err(err(
                        "ALERTA_LOG_FORMAT",
                        format!("{other:?}: use text o json"),
                    ))
                }
                None => f.log.format,
            },
        })
    }

    /// A configuration for tests and tools: the defaults with a given database and registry.
    pub fn for_tests(database_url: &str, registry_dir: &Path) -> Config {
        let url = database_url.to_owned();
        let dir = registry_dir.display().to_string();
        Config::load_with(move |key| match key {
            "DATABASE_URL" => Some(url.clone()),
            "ALERTA_REGISTRY_DIR" => Some(dir.clone()),
            "WHATSAPP_APP_SECRET" => Some("test-app-secret".into()),
            "WHATSAPP_VERIFY_TOKEN" => Some("test-verify-token".into()),
            // Parallel tests cannot share one metrics port: each gets a free one.
            "ALERTA_METRICS_LISTEN" => Some("127.0.0.1:0".into()),
            // Tests never write media into the repository.
            "ALERTA_MEDIA_DIR" => Some(
                std::env::temp_dir()
                    .join(format!("alerta-test-media-{}", std::process::id()))
                    .display()
                    .to_string(),
            ),
            _ => None,
        })
        .expect("the embedded defaults are valid")
    }
}

/// Overlays `overlay` onto `base`, table by table.
fn merge(base: &mut toml::Table, overlay: toml::Table) {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(key, v);
            }
        }
    }
}

fn err(source: &str, e: impl fmt::Display) -> ConfigError {
    ConfigError {
        source_name: source.to_owned(),
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_load_and_env_overrides() {
        let c = Config::load_with(|k| match k {
            "ALERTA_BIND" => Some("0.0.0.0:9000".into()),
            "WHATSAPP_APP_SECRET" => Some("s3cret".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.bind.port(), 9000);
        assert_eq!(c.database_url, "sqlite://data/alerta.db");
        assert_eq!(c.body_limit_bytes, 3 * 1024 * 1024);
        assert_eq!(c.connections.header_read_timeout, Duration::from_secs(10));
        assert_eq!(c.connections.idle_timeout, Duration::from_secs(75));
        assert_eq!(
            c.connections.limit, None,
            "derived from the open-file limit"
        );
        assert_eq!(c.connections.fd_reserve, 256);
        assert!(
            !format!("{c:?}").contains("s3cret"),
            "secrets must not show in Debug"
        );
    }

    #[test]
    fn bad_values_are_named() {
        let e = Config::load_with(|k| (k == "ALERTA_BIND").then(|| "nope".into())).unwrap_err();
        assert!(e.to_string().contains("ALERTA_BIND"), "{e}");
        let e =
            Config::load_with(|k| (k == "DATABASE_URL").then(|| "mysql://x".into())).unwrap_err();
        assert!(e.to_string().contains("DATABASE_URL"), "{e}");
    }

    #[test]
    fn connection_settings_come_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.toml");
        std::fs::write(
            &path,
            "[server]\nheader_read_timeout_secs = 3\nidle_timeout_secs = 30\nconnection_limit = 500\n",
        )
        .unwrap();
        let file = path.display().to_string();
        let c = Config::load_with(|k| (k == "ALERTA_CONFIG").then(|| file.clone())).unwrap();
        assert_eq!(c.connections.header_read_timeout, Duration::from_secs(3));
        assert_eq!(c.connections.idle_timeout, Duration::from_secs(30));
        assert_eq!(c.connections.limit, Some(500));
        std::fs::write(&path, "[server]\nheader_read_timeout_secs = 0\n").unwrap();
        let e = Config::load_with(|k| (k == "ALERTA_CONFIG").then(|| file.clone())).unwrap_err();
        assert!(e.to_string().contains("header_read_timeout_secs"), "{e}");
    }
}
