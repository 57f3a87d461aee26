//! What the operators' queue reads and writes: accounts, sessions, filtered report lists,
//! and report changes applied as compare-and-swap with their audit entry.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::plan::NewOutbox;
use super::rows::{AuditRow, InboundRow, OutboxRow, ReportRow};
use super::StoreError;

/// An account of the web app and API.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub role: String,
    /// JSON array of region ids; empty means every region.
    pub regions: String,
    pub password_hash: Option<String>,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
}

impl UserRow {
    pub fn region_list(&self) -> Vec<String> {
        serde_json::from_str(&self.regions).unwrap_or_default()
    }
}

/// The account an API token belongs to, disabled or not, with when the token's lifetime
/// started (`[web] token_days` runs from there).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenOwner {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub token_issued_at: DateTime<Utc>,
}

/// A line of the users list: the account and its newest token's start, if it has one.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserAccount {
    #[sqlx(flatten)]
    pub user: UserRow,
    pub token_issued_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: String,
    pub role: String,
    pub regions: Vec<String>,
    pub password_hash: Option<String>,
    /// sha256 hex of the first API token.
    pub token_sha256: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id_sha256: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Which reports a list shows. Scope (`regions`) comes from the caller's account and is
/// applied like any other filter, so nothing downstream can forget it.
#[derive(Debug, Clone, Default)]
pub struct ReportQuery {
    /// `None`: every region.
    pub regions: Option<Vec<String>>,
    /// Group refs (a municipality filter arrives here as its groups); `None`: any group.
    pub groups: Option<Vec<String>>,
    pub categories: Vec<String>,
    pub statuses: Vec<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Words looked up in the message text and the folio, ignoring case and accents.
    pub text: Option<String>,
    /// Groups whose name or colonias match `text` (the registry is not in the database):
    /// their reports match too.
    pub text_groups: Vec<String>,
    /// Exactly this folio (a folio typed in the search box).
    pub folio: Option<String>,
    /// Folios ending with this (`-000003` for a short folio "3" of any state and year).
    pub folio_suffix: Option<String>,
    /// Oldest first regardless of priority (exports) instead of the queue's urgency order.
    pub chronological: bool,
    pub limit: i64,
    pub offset: i64,
    /// Keyset paging of a chronological list: only reports after this one in
    /// (`created_at`, `id`) order. Exports page this way: an OFFSET re-reads every row
    /// before the page, so a long export grows quadratically.
    pub after_id: Option<i64>,
}

/// A queue line: the report and the message it came from.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QueueItem {
    #[sqlx(flatten)]
    pub report: ReportRow,
    pub message_kind: String,
    pub message_body: Option<String>,
    pub message_note: Option<String>,
    pub message_confidence: Option<f64>,
    /// Reports marked as duplicates of this one.
    pub merged_count: i64,
    /// What became of the safety reply to an unregistered sender: the delivery status
    /// when WhatsApp reported one, else the outbox state; `None` for registered groups.
    pub safety_reply: Option<String>,
    /// WhatsApp's timestamp of the message (when it was written) and when we received it.
    pub message_sent_at: DateTime<Utc>,
    pub message_received_at: DateTime<Utc>,
    pub message_forwarded: bool,
}

/// Where a report's message says it happened: a WhatsApp location that is the message
/// itself or was attached to it. `message_id` is the report's message.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ReportPlace {
    pub message_id: i64,
    pub latitude: f64,
    pub longitude: f64,
    pub location_name: Option<String>,
    pub location_address: Option<String>,
    pub sent_at: DateTime<Utc>,
}

/// How many reports each (category, status) pair has under a filter.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct QueueCount {
    pub category: String,
    pub status: String,
    pub n: i64,
    /// Of those, reports with citizens' follow-ups no operator has read yet.
    pub follow_ups: i64,
    /// Of those, reports from senders in no registered group.
    pub unregistered: i64,
}

/// The columns an operator's action may change; always written whole.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportFields {
    pub category: String,
    pub priority: String,
    pub status: String,
    pub escalate_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    pub claimed_by: Option<String>,
    pub claim_expires_at: Option<DateTime<Utc>>,
    pub assigned_to: Option<String>,
    pub duplicate_of: Option<String>,
    pub needs_review: bool,
}

impl From<&ReportRow> for ReportFields {
    fn from(r: &ReportRow) -> Self {
        ReportFields {
            category: r.category.clone(),
            priority: r.priority.clone(),
            status: r.status.clone(),
            escalate_at: r.escalate_at,
            acknowledged_at: r.acknowledged_at,
            acknowledged_by: r.acknowledged_by.clone(),
            resolved_at: r.resolved_at,
            resolved_by: r.resolved_by.clone(),
            claimed_by: r.claimed_by.clone(),
            claim_expires_at: r.claim_expires_at,
            assigned_to: r.assigned_to.clone(),
            duplicate_of: r.duplicate_of.clone(),
            needs_review: r.needs_review,
        }
    }
}

/// An entry for the append-only audit trail.
#[derive(Debug, Clone)]
pub struct NewAudit {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity_kind: String,
    pub entity_id: String,
    pub detail: serde_json::Value,
}

/// A human's correction of the classifier.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCorrection {
    pub from_category: String,
    pub from_priority: String,
    pub to_category: String,
    pub to_priority: String,
    pub reason: Option<String>,
}

/// One operator action: new field values, guarded by the version they were computed from,
/// with its audit entry, an optional correction, and messages to send.
#[derive(Debug, Clone)]
pub struct ReportChange {
    pub report_id: i64,
    pub expected_version: i64,
    pub at: DateTime<Utc>,
    pub fields: ReportFields,
    pub audit: NewAudit,
    pub correction: Option<NewCorrection>,
    pub outbox: Vec<NewOutbox>,
}

/// A correction with the text it corrects, for `alerta triage corrections`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CorrectionRow {
    pub id: i64,
    pub folio: String,
    pub text: Option<String>,
    pub from_category: String,
    pub from_priority: String,
    pub to_category: String,
    pub to_priority: String,
    pub reason: Option<String>,
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// Accounts, sessions and the queue. Every `Store` is one.
#[async_trait]
pub trait QueueStore: Send + Sync {
    /// Creates a user and its first API token; `Conflict` when the name is taken.
    async fn create_user(&self, user: &NewUser) -> Result<i64, StoreError>;
    async fn user_by_name(&self, name: &str) -> Result<Option<UserRow>, StoreError>;
    async fn user_by_id(&self, id: i64) -> Result<Option<UserRow>, StoreError>;
    async fn token_owner(&self, token_sha256: &str) -> Result<Option<TokenOwner>, StoreError>;
    async fn users(&self) -> Result<Vec<UserAccount>, StoreError>;
    /// Sets the password hash and ends every session of the user, with `audit`, in one
    /// transaction; returns how many sessions ended.
    async fn set_password(
        &self,
        user_id: i64,
        hash: &str,
        audit: &NewAudit,
    ) -> Result<u64, StoreError>;
    /// Disables the user at `disabled_at` (ending every session) or, with `None`, enables
    /// them again, with `audit`, in one transaction; returns how many sessions ended. Tokens
    /// are kept: a disabled owner's token is refused, and works again once enabled.
    async fn set_disabled(
        &self,
        user_id: i64,
        disabled_at: Option<DateTime<Utc>>,
        audit: &NewAudit,
    ) -> Result<u64, StoreError>;
    /// Replaces every API token of the user with `token_sha256`, issued at `at`, with
    /// `audit`, in one transaction.
    async fn rotate_token(
        &self,
        user_id: i64,
        token_sha256: &str,
        at: DateTime<Utc>,
        audit: &NewAudit,
    ) -> Result<(), StoreError>;
    async fn create_session(&self, session: &SessionRow) -> Result<(), StoreError>;
    /// The session if it exists and has not expired at `now`.
    async fn session(
        &self,
        id_sha256: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionRow>, StoreError>;
    /// Deletes one session; with `expired_before`, also every session expired by then.
    async fn delete_session(
        &self,
        id_sha256: &str,
        expired_before: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError>;

    async fn query_reports(&self, q: &ReportQuery) -> Result<Vec<QueueItem>, StoreError>;
    /// Counts per (category, status) under `q`'s filters except category and status.
    async fn count_reports(&self, q: &ReportQuery) -> Result<Vec<QueueCount>, StoreError>;
    /// The locations of the reports whose messages are `message_ids`, oldest first (a
    /// report may have several; the last one sent is the latest word on where it is).
    async fn report_places(&self, message_ids: &[i64]) -> Result<Vec<ReportPlace>, StoreError>;
    /// When the installation's first report was created; `None` before any.
    async fn first_report_at(&self) -> Result<Option<DateTime<Utc>>, StoreError>;
    async fn inbound_by_id(&self, id: i64) -> Result<Option<InboundRow>, StoreError>;
    /// The report's message, what attached to it, and the same conversation around it.
    async fn report_thread(&self, report: &ReportRow) -> Result<Vec<InboundRow>, StoreError>;
    async fn report_outbox(&self, report_id: i64) -> Result<Vec<OutboxRow>, StoreError>;
    async fn duplicates_of(&self, folio: &str) -> Result<Vec<ReportRow>, StoreError>;
    /// An operator opened the report: its citizens' follow-ups are no longer new.
    async fn mark_follow_ups_seen(&self, report_id: i64) -> Result<(), StoreError>;
    /// Applies a change if the report is still at `expected_version`; false otherwise.
    async fn update_report(&self, change: &ReportChange) -> Result<bool, StoreError>;
    async fn append_audit(&self, entry: &NewAudit) -> Result<(), StoreError>;
    /// Audit entries of `kind` with id greater than `after`, oldest first.
    async fn audit_after(
        &self,
        kind: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<AuditRow>, StoreError>;
    async fn last_audit_id(&self) -> Result<i64, StoreError>;
    /// Report audit entries after `after`, each joined to its report's current state, in
    /// one query (the live feed reads every report created in a burst). Entries whose
    /// report no longer exists are left out, so the cursor is returned beside the rows.
    async fn report_changes_after(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<(Vec<crate::store::ReportChangeRow>, Option<i64>), StoreError>;
    async fn corrections(&self) -> Result<Vec<CorrectionRow>, StoreError>;
    /// Records the region's digest for `week` with its messages; false (and nothing queued)
    /// when another process already did.
    async fn record_digest(
        &self,
        region: &str,
        week: &str,
        at: DateTime<Utc>,
        outbox: &[NewOutbox],
    ) -> Result<bool, StoreError>;
}
