//! Rows read back from the store; the same structs decode from both backends.

mod decode;

use chrono::{DateTime, Utc};

/// A stored inbound message.
#[derive(Debug, Clone)]
pub struct InboundRow {
    pub id: i64,
    pub wamid: String,
    pub delivery_id: i64,
    pub kind: String,
    pub phone_number_id: Option<String>,
    pub sender_phone: Option<String>,
    pub sender_bsuid: Option<String>,
    pub sender_name: Option<String>,
    pub cloud_group_id: Option<String>,
    pub group_ref: Option<String>,
    pub attribution: String,
    pub safety_reply_due: bool,
    pub sent_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub body: Option<String>,
    pub note: Option<String>,
    pub refers_to: Option<String>,
    pub reply_to: Option<String>,
    pub forwarded: bool,
    pub frequently_forwarded: bool,
    pub media_id: Option<String>,
    pub media_mime: Option<String>,
    pub media_sha256: Option<String>,
    pub media_filename: Option<String>,
    pub media_voice: bool,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub location_name: Option<String>,
    pub location_address: Option<String>,
    pub attached_to: Option<i64>,
    pub error_code: Option<i64>,
    pub payload: String,
    pub category: Option<String>,
    pub priority: Option<String>,
    pub confidence: Option<f64>,
    pub needs_review: Option<bool>,
    pub rules: Option<String>,
    pub cnie_code: Option<i32>,
    pub classifier_version: Option<String>,
    pub coordinator_ref: Option<String>,
    pub sender_pseudonym: Option<String>,
    pub sender_pseudonym_alt: Option<String>,
}

/// The highest status an outbound message has reached.
#[derive(Debug, Clone)]
pub struct StatusRow {
    pub wamid: String,
    pub status: String,
    pub rank: i32,
    pub status_at: Option<DateTime<Utc>>,
    pub recipient_id: Option<String>,
    pub recipient_user_id: Option<String>,
    pub error_code: Option<i64>,
    pub error_title: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// A raw delivery as Meta sent it.
#[derive(Debug, Clone)]
pub struct DeliveryRow {
    pub id: i64,
    pub body_sha256: String,
    pub body: Vec<u8>,
    pub outcome: String,
    pub detail: Option<String>,
    pub first_received_at: DateTime<Utc>,
    pub last_received_at: DateTime<Utc>,
    pub deliveries: i64,
}

/// A non-message change kept for the record.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub id: i64,
    pub delivery_id: i64,
    pub field: String,
    pub payload: String,
    pub received_at: DateTime<Utc>,
}

/// Table sizes, for tests, the load generator's verification and operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StoreCounts {
    pub deliveries: i64,
    pub flagged_deliveries: i64,
    pub messages: i64,
    pub statuses: i64,
    pub events: i64,
}

/// A report: one actionable message with its folio and where it stands.
#[derive(Debug, Clone)]
pub struct ReportRow {
    pub id: i64,
    pub folio: String,
    pub message_id: i64,
    pub group_ref: String,
    pub region: String,
    pub category: String,
    pub priority: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub escalation_level: i32,
    pub escalate_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    pub updated_at: DateTime<Utc>,
    /// Bumped by every change; operators' actions compare-and-swap on it.
    pub version: i64,
    pub claimed_by: Option<String>,
    pub claim_expires_at: Option<DateTime<Utc>>,
    /// Registry id of the coordinator an operator assigned.
    pub assigned_to: Option<String>,
    /// The primary folio when this report was marked as its duplicate.
    pub duplicate_of: Option<String>,
    /// Someone must look or listen before it is closed (media without text).
    pub needs_review: bool,
    /// Citizens' follow-ups attached since an operator last opened the report.
    pub follow_ups_unseen: i64,
}

/// A message to send, and what became of it.
#[derive(Debug, Clone)]
pub struct OutboxRow {
    pub id: i64,
    pub purpose: String,
    pub priority: i32,
    pub report_id: Option<i64>,
    pub message_id: Option<i64>,
    pub recipient_key: String,
    pub recipient: String,
    pub reply_to: Option<String>,
    pub params: String,
    pub state: String,
    pub use_template: bool,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub lease_until: Option<DateTime<Utc>>,
    pub lease_owner: Option<String>,
    pub wamid: Option<String>,
    pub payload: Option<String>,
    pub delivery_status: Option<String>,
    pub delivery_error: Option<i64>,
    pub last_error_code: Option<i64>,
    pub last_error: Option<String>,
    pub merged_into: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// Whether sending is paused (an expired access token) and for which token.
#[derive(Debug, Clone, Default)]
pub struct SenderState {
    pub paused_at: Option<DateTime<Utc>>,
    pub paused_reason: Option<String>,
    pub token_fingerprint: Option<String>,
}

/// One entry of the append-only audit trail.
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity_kind: String,
    pub entity_id: String,
    pub detail: Option<String>,
}

/// A report's audit entry with the report as it is now: what the queue's live streams send.
#[derive(Debug, Clone)]
pub struct ReportChangeRow {
    /// The audit entry's id (the feed's cursor).
    pub id: i64,
    pub action: String,
    pub actor: String,
    pub folio: String,
    pub region: String,
    pub category: String,
    pub priority: String,
    pub status: String,
}

/// `ReportChangeRow` as the LEFT JOIN reads it: the report columns are empty when the
/// entry's report is gone.
#[derive(Debug)]
pub(crate) struct ChangeJoin {
    pub(crate) id: i64,
    action: String,
    actor: String,
    folio: Option<String>,
    region: Option<String>,
    category: Option<String>,
    priority: Option<String>,
    status: Option<String>,
}

impl ChangeJoin {
    pub(crate) fn into_change(self) -> Option<ReportChangeRow> {
        Some(ReportChangeRow {
            id: self.id,
            action: self.action,
            actor: self.actor,
            folio: self.folio?,
            region: self.region?,
            category: self.category?,
            priority: self.priority?,
            status: self.status?,
        })
    }
}

/// Figures read at scrape time for `/metrics`.
#[derive(Debug, Clone, Default)]
pub struct Gauges {
    /// ("category/status", count)
    pub reports: Vec<(String, i64)>,
    /// (state, count) for pending and sending rows.
    pub outbox: Vec<(String, i64)>,
    pub oldest_pending: Option<DateTime<Utc>>,
}
