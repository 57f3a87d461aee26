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
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TriageSection {
    pub(super) rules: PathBuf,
    pub(super) model: PathBuf,
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
