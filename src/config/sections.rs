//! Settings sections that map one to one onto `config/alerta.toml` tables.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use super::LogFormat;
use crate::routing::Deadlines;

/// The operators' web app and API (`[web]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSettings {
    /// How long a claim holds before others may take the report.
    pub claim_minutes: i64,
    /// Session lifetime: one 12-hour shift by default.
    pub session_hours: i64,
    /// API tokens stop working this many days after they were issued (or rotated).
    pub token_days: i64,
    /// How often an open event stream checks that its session or token is still valid.
    pub stream_recheck_secs: u64,
    /// "auto" (Secure when the proxy says https), "always" or "never".
    pub secure_cookies: String,
    /// Roles allowed to reveal a reporter's phone number or BSUID.
    pub reveal_roles: Vec<String>,
    pub page_size: i64,
    /// Failed logins on one account from one address before that address is locked out of
    /// it for `login_lockout_secs`.
    pub login_attempts: u32,
    /// Failed logins from one address, whatever the names, before it is refused for all.
    pub login_attempts_per_address: u32,
    pub login_lockout_secs: u64,
    /// Reverse proxies (addresses or CIDR blocks) whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<String>,
    /// Password checks that run at once (0: half the cores) and that may wait for one; more
    /// are answered 503 at once.
    pub password_workers: usize,
    pub password_queue: usize,
    /// Where coordinators reach the web app; links in digests point here.
    pub public_url: String,
}

impl WebSettings {
    /// The host of `public_url` when it is a loopback address (`localhost`, `127.x.y.z`,
    /// `::1`): links built from it (the weekly digest's) only work on the server itself.
    pub fn loopback_public_host(&self) -> Option<String> {
        let rest = self.public_url.trim();
        let rest = rest.split_once("://").map_or(rest, |(_, r)| r);
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let host = match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => authority.split(':').next().unwrap_or(""),
        };
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let loopback = host == "localhost"
            || host.ends_with(".localhost")
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified());
        loopback.then_some(host)
    }

    /// Logs a warning when `public_url` cannot work for anyone but the server itself.
    pub fn warn_if_loopback(&self) {
        if let Some(host) = self.loopback_public_host() {
            tracing::warn!(
                public_url = %self.public_url,
                %host,
                "[web] public_url is a loopback address: links in the weekly digest will not \
                 open for coordinators; set it to the address they use"
            );
        }
    }
}

/// The map page (`[map]`). Optional in the file: without it the map uses OpenStreetMap's
/// public tiles.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MapSettings {
    /// Tile URL template with `{z}`, `{x}`, `{y}` (and optionally `{s}` subdomains);
    /// empty for no background tiles (pins and the list only).
    pub tiles: String,
    /// Credit shown on the map, as the tile provider requires.
    pub attribution: String,
}

impl Default for MapSettings {
    fn default() -> Self {
        MapSettings {
            tiles: "https://tile.openstreetmap.org/{z}/{x}/{y}.png".to_owned(),
            attribution: "© colaboradores de OpenStreetMap".to_owned(),
        }
    }
}

impl MapSettings {
    /// Checks the template; the error says what is wrong in the operator's terms.
    pub fn validate(&self) -> Result<(), String> {
        if self.tiles.is_empty() {
            return Ok(());
        }
        self.tile_origin()?;
        for part in ["{z}", "{x}", "{y}"] {
            if !self.tiles.contains(part) {
                return Err(format!("[map] tiles must contain {part}: {:?}", self.tiles));
            }
        }
        Ok(())
    }

    /// The CSP source for the tiles (`https://tile.openstreetmap.org`, `https://*.tiles.example`
    /// for `{s}` subdomains); `None` without tiles.
    pub fn tile_origin(&self) -> Result<Option<String>, String> {
        if self.tiles.is_empty() {
            return Ok(None);
        }
        let bad = || {
            format!(
                "[map] tiles is not an http(s) URL template: {:?}",
                self.tiles
            )
        };
        let (scheme, rest) = self.tiles.split_once("://").ok_or_else(bad)?;
        if scheme != "https" && scheme != "http" {
            return Err(bad());
        }
        let authority = rest.split('/').next().unwrap_or("");
        let host = authority.replace("{s}", "*");
        let valid = !host.is_empty()
            && !host.starts_with('.')
            && host.chars().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '*' | '[' | ']')
            })
            && host.rfind('*').is_none_or(|i| i == 0);
        if !valid {
            return Err(bad());
        }
        Ok(Some(format!("{scheme}://{host}")))
    }
}

/// Inbound media files (`[media]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MediaSection {
    /// Content-addressed store. Env: ALERTA_MEDIA_DIR.
    pub dir: PathBuf,
    pub max_file_bytes: u64,
    pub max_total_bytes: u64,
    pub max_attempts: i32,
    pub poll_secs: u64,
}

/// Personal data (`[privacy]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacySection {
    /// The full privacy notice, linked from the short one sent over WhatsApp.
    pub notice_url: String,
    /// The Markdown served at `/aviso-de-privacidad` (read on each request, so an edit needs
    /// no restart).
    #[serde(default = "default_notice_path")]
    pub notice_path: PathBuf,
    /// Days each kind of data is kept; see `privacy::retention`.
    pub other_text_days: i64,
    pub closed_report_days: i64,
    pub raw_webhook_days: i64,
    pub audit_days: i64,
    /// Erase a tip's reporter identity once the 089 redirect went out.
    pub tips_keep_identity: bool,
    /// Hours between retention runs.
    pub retention_every_hours: u64,
}

fn default_notice_path() -> PathBuf {
    PathBuf::from("config/aviso-de-privacidad.md")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ServerSection {
    pub(super) bind: String,
    pub(super) body_limit_bytes: usize,
    pub(super) request_timeout_secs: u64,
    pub(super) shutdown_grace_secs: u64,
    pub(super) header_read_timeout_secs: u64,
    pub(super) idle_timeout_secs: u64,
    pub(super) connection_limit: usize,
    pub(super) fd_reserve: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DatabaseSection {
    pub(super) url: String,
    pub(super) max_connections: u32,
    pub(super) sqlite_synchronous: String,
    pub(super) sqlite_group_commit: usize,
    pub(super) postgres_group_commit: usize,
    pub(super) postgres_writers: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RegistrySection {
    pub(super) dir: PathBuf,
    /// Hours an enlace's invite code (`ALTA 4F7K`) stays valid.
    #[serde(default = "default_invite_hours")]
    pub(super) invite_hours: u32,
    /// Refused invite codes a sender may send per hour before codes are no longer checked.
    #[serde(default = "default_invite_attempts")]
    pub(super) invite_attempts_per_hour: u32,
}

fn default_invite_hours() -> u32 {
    72
}

fn default_invite_attempts() -> u32 {
    5
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TriageSection {
    pub(super) rules: PathBuf,
    pub(super) model: PathBuf,
    pub(super) vectors: PathBuf,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct IntakeSection {
    pub(super) location_window_secs: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RoutingSection {
    #[serde(flatten)]
    pub(super) deadlines: Deadlines,
    pub(super) escalation_poll_secs: u64,
}

/// Estimated price of one billed message by Meta's pricing category, in MXN (`[costs]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(transparent)]
pub struct CostRates(pub BTreeMap<String, f64>);

impl CostRates {
    /// The rate of a status webhook's pricing: nothing for Meta's free types
    /// (`free_customer_service`, `free_entry_point`, `free_group_customer_service`); a group
    /// category at its base category's rate (Meta bills each participant); a category the
    /// table does not know at `other`.
    pub fn rate(&self, category: &str, kind: &str) -> f64 {
        if kind.starts_with("free") {
            return 0.0;
        }
        let base = category.strip_prefix("group_").unwrap_or(category);
        self.0
            .get(category)
            .or_else(|| self.0.get(base))
            .or_else(|| self.0.get("other"))
            .copied()
            .unwrap_or(0.0)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NotifySection {
    pub(super) workers: bool,
    pub(super) replies: PathBuf,
    pub(super) per_second: u32,
    pub(super) pair_gap_secs: u64,
    pub(super) max_attempts: i32,
    pub(super) poll_secs: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WhatsAppSection {
    pub(super) api_base: String,
    pub(super) api_version: String,
    pub(super) timeout_secs: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LogSection {
    pub(super) filter: String,
    pub(super) format: LogFormat,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MetricsSection {
    pub(super) listen: String,
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    fn web(public_url: &str) -> WebSettings {
        let mut w =
            crate::config::Config::for_tests("sqlite::memory:", std::path::Path::new(".")).web;
        w.public_url = public_url.to_owned();
        w
    }

    #[test]
    fn loopback_public_urls_are_recognised() {
        for url in [
            "http://127.0.0.1:8080",
            "http://localhost/",
            "https://LOCALHOST.:8443/alerta",
            "http://[::1]:8080",
            "http://127.8.0.1",
            "http://0.0.0.0:8080",
            "http://app.localhost",
            "127.0.0.1:8080",
        ] {
            assert!(web(url).loopback_public_host().is_some(), "{url}");
        }
        for url in [
            "https://alerta.ssp.sonora.gob.mx",
            "http://10.0.0.5:8080",
            "https://localhost.example.mx",
            "http://user@alerta.example:80",
        ] {
            assert_eq!(web(url).loopback_public_host(), None, "{url}");
        }
    }

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_loopback_public_url_is_a_warning_at_start() {
        let logs = |url: &str| {
            let out = Captured::default();
            let sink = out.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_writer(move || sink.clone())
                .with_ansi(false)
                .finish();
            tracing::subscriber::with_default(subscriber, || web(url).warn_if_loopback());
            let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
            text
        };
        let warned = logs("http://127.0.0.1:8080");
        assert!(warned.contains("WARN"), "{warned}");
        assert!(
            warned.contains("public_url is a loopback address"),
            "{warned}"
        );
        assert_eq!(logs("https://alerta.ssp.sonora.gob.mx"), "");
    }

    #[test]
    fn tile_templates_and_their_csp_origin() {
        let map = |tiles: &str| MapSettings {
            tiles: tiles.to_owned(),
            ..MapSettings::default()
        };
        let osm = MapSettings::default();
        assert_eq!(osm.validate(), Ok(()));
        assert_eq!(
            osm.tile_origin(),
            Ok(Some("https://tile.openstreetmap.org".to_owned()))
        );
        assert_eq!(
            map("https://{s}.tiles.example.mx/{z}/{x}/{y}.png").tile_origin(),
            Ok(Some("https://*.tiles.example.mx".to_owned()))
        );
        assert_eq!(
            map("http://10.0.0.9:8081/t/{z}/{x}/{y}").tile_origin(),
            Ok(Some("http://10.0.0.9:8081".to_owned()))
        );
        assert_eq!(map("").tile_origin(), Ok(None));
        assert_eq!(map("").validate(), Ok(()));
        for bad in [
            "tile.openstreetmap.org/{z}/{x}/{y}.png",
            "javascript://x/{z}/{x}/{y}",
            "https://a.example; script-src */{z}/{x}/{y}",
            "https://a.example/{z}/{x}.png",
            "https:///{z}/{x}/{y}",
        ] {
            assert!(map(bad).validate().is_err(), "{bad}");
        }
    }
}
