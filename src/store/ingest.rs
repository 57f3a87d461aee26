//! What one webhook delivery hands the store: the raw body, its messages with their
//! triage, plans and pseudonyms, statuses and events, and what storing them changed.

use chrono::{DateTime, Utc};

use super::plan::{MessagePlan, NewOutbox};

/// How a delivery's body was understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Parsed,
    InvalidJson,
    UnknownShape,
}

impl DeliveryOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryOutcome::Parsed => "parsed",
            DeliveryOutcome::InvalidJson => "invalid_json",
            DeliveryOutcome::UnknownShape => "unknown_shape",
        }
    }
}

/// A raw webhook body, kept byte for byte.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub received_at: DateTime<Utc>,
    pub body: Vec<u8>,
    pub body_sha256: String,
    pub outcome: DeliveryOutcome,
    /// Why parsing failed; never contains message content.
    pub detail: Option<String>,
}

/// How a message was tied to a registered group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attribution {
    CloudGroup,
    MemberBsuid,
    MemberPhone,
    /// A regional coordinator writing to us (acknowledgements), not a citizen.
    Coordinator,
    Unregistered,
}

impl Attribution {
    pub fn as_str(self) -> &'static str {
        match self {
            Attribution::CloudGroup => "cloud_group",
            Attribution::MemberBsuid => "member_bsuid",
            Attribution::MemberPhone => "member_phone",
            Attribution::Coordinator => "coordinator",
            Attribution::Unregistered => "unregistered",
        }
    }
}

/// The classifier's decision, stored beside the message with the version that made it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTriage {
    pub category: String,
    pub priority: String,
    pub confidence: f64,
    pub needs_review: bool,
    pub rules: Vec<String>,
    pub cnie_code: Option<i32>,
    pub classifier_version: String,
}

/// One inbound message ready to store.
#[derive(Debug, Clone, Default)]
pub struct NewInbound {
    pub wamid: String,
    pub kind: String,
    pub phone_number_id: Option<String>,
    pub sender_phone: Option<String>,
    pub sender_bsuid: Option<String>,
    pub sender_name: Option<String>,
    pub cloud_group_id: Option<String>,
    pub group_ref: Option<String>,
    pub attribution: Option<Attribution>,
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
    pub error_code: Option<i64>,
    pub payload: String,
    pub triage: Option<NewTriage>,
    /// The registry id of the coordinator who wrote it, if one did.
    pub coordinator_ref: Option<String>,
    /// What the message sets in motion; carried out only when the message is new.
    pub plan: Option<MessagePlan>,
    /// The sender's pseudonyms (by phone, then by BSUID); stored with the message.
    pub privacy_keys: Vec<String>,
    /// Sent only if none of `privacy_keys` has had the notice yet.
    pub privacy_notice: Option<NewOutbox>,
}

/// A status update for one of our outbound messages.
#[derive(Debug, Clone)]
pub struct NewStatus {
    pub wamid: String,
    pub status: String,
    pub rank: i32,
    pub status_at: Option<DateTime<Utc>>,
    pub recipient_id: Option<String>,
    pub recipient_user_id: Option<String>,
    pub error_code: Option<i64>,
    pub error_title: Option<String>,
    /// What Meta bills for the message, when this status carries `pricing`.
    pub pricing: Option<NewPricing>,
}

/// One line of the cost ledger (`outbound_pricing`): unique on the message and, in a group,
/// the participant (Meta bills each member who receives it), so the `sent` and the
/// `delivered`/`read` status that both carry pricing count once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPricing {
    /// The group participant's keyed pseudonym ("" for 1:1 messages): enough to count each
    /// member once without storing their number again.
    pub participant: String,
    pub category: String,
    pub kind: String,
    pub billable: Option<bool>,
}

/// A change that is neither a message nor a status (group lifecycle, template status, errors).
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub field: String,
    pub payload: String,
}

/// Everything one webhook POST produces; stored in one transaction.
#[derive(Debug, Clone)]
pub struct IngestBatch {
    pub delivery: NewDelivery,
    pub messages: Vec<NewInbound>,
    pub statuses: Vec<NewStatus>,
    pub events: Vec<NewEvent>,
    /// How far back a location looks for the sender's message it belongs to.
    pub location_window: chrono::Duration,
}

/// What an ingest changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IngestOutcome {
    pub delivery_id: i64,
    /// The exact body had been stored before (a retry by Meta); nothing else was written.
    pub duplicate_delivery: bool,
    pub messages_inserted: usize,
    pub statuses_applied: usize,
}
