//! The ingest contract: what one webhook delivery hands the store, the rules its writing
//! follows on either backend, and the pieces both executors share.
//!
//! ## The rules of a delivery
//!
//! 1. A delivery is stored whole or not at all: the raw body, every message, status and
//!    event it carries, and everything its messages set in motion commit in one
//!    transaction, and the webhook is answered only after that commit (and, on SQLite with
//!    `synchronous = full`, after the WAL holding it reached the disk).
//! 2. The raw body is unique on its SHA-256: a retry of a stored body only counts one more
//!    delivery and writes nothing else. A message is unique on its wamid: a message seen in
//!    another delivery is not stored again, and nothing it would set in motion happens twice.
//! 3. A status never moves backwards (failed > played > read > delivered > sent, by
//!    `rank`); details a later status lacks are kept. An applied status is mirrored onto the
//!    outbound row it belongs to. Pricing is kept whether or not the status moves: the
//!    ledger's line for (wamid, participant) is written once.
//! 4. A location is attached to the same sender's latest other message of the
//!    `location_window` before it.
//! 5. A new message's plan (`plan.rs`, decided by `routing`) runs in the same transaction:
//!    a report takes the next folio of its state and year (the counter's row lock orders
//!    concurrent writers), with its `report.created` audit entry and its outbox rows; a
//!    coordinator's command acknowledges or resolves a folio of its region, or is refused
//!    with the reason in the audit trail; a follow-up is counted on and attached to the
//!    report it names, quotes or follows. The entries and values they write are built once,
//!    in `rules.rs`.
//! 6. The privacy notice goes to a sender once: only the transaction that inserted every one
//!    of the sender's pseudonyms into `privacy_notices` queues it.
//! 7. A body that did not parse is stored raw and flagged, with a `delivery.flagged` audit
//!    entry.
//!
//! ## The executors
//!
//! Both fold concurrent deliveries into one transaction (group commit) and run the same SQL
//! (`statements.rs`, `$N` placeholders that mean the same on both):
//!
//! - `sqlite/`: one thread owns the write connection (rusqlite, prepared statements) and
//!   writes statement by statement, which on an embedded database costs no round trips.
//! - `postgres.rs` and `postgres/`: a few writer tasks; each kind of row of a group goes in
//!   one statement (`postgres/bulk.rs`, `plans.rs`, `statuses.rs`). Only the messages of a
//!   delivery holding a coordinator's command or a follow-up go statement by statement
//!   (`postgres/serial.rs`): those plans read what an earlier message of the same group may
//!   have just written (the folio a command names, the report a follow-up quotes).

use chrono::{DateTime, Utc};

pub(crate) mod plan;
pub(crate) mod postgres;
pub(crate) mod rules;
pub(crate) mod sqlite;
pub(crate) mod statements;

use self::plan::{MessagePlan, NewOutbox};

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
