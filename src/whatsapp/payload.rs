//! Tolerant parsing of webhook notifications.
//!
//! Meta adds fields and message types without notice, the docs publish placeholders of the
//! wrong JSON type, and timestamps arrive as strings or numbers. So the body is read as a
//! `serde_json::Value` and every field is picked out leniently: a field of an unexpected
//! type is treated as absent instead of failing the whole delivery. Each message keeps its
//! original JSON so nothing Meta sent is lost.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::payload_items::{message_from_value, status_from_value};
pub use super::payload_items::{ApiErrorInfo, Location, MediaRef, MessageContext};

/// Why a signed body could not be read as a WhatsApp notification. Either way it is stored
/// raw and answered 200, so Meta does not retry it for a week.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("invalid JSON: {0}")]
    InvalidJson(String),
    #[error("unknown shape: {0}")]
    UnknownShape(&'static str),
}

/// Everything one POST carried, flattened across `entry[]` and `changes[]`.
#[derive(Debug, Default)]
pub struct Notification {
    pub messages: Vec<InboundMessage>,
    pub statuses: Vec<StatusUpdate>,
    /// Changes that are not messages or statuses (group lifecycle, template status,
    /// `value.errors`), kept whole for the record.
    pub events: Vec<ChangeEvent>,
    /// Lone surrogate escapes and invalid UTF-8 sequences replaced by U+FFFD so that the
    /// rest of the body could be read (see `payload_repair`).
    pub repaired: usize,
}

/// A non-message change, stored as received.
#[derive(Debug, Clone)]
pub struct ChangeEvent {
    pub field: String,
    pub value: Value,
}

/// A `contacts[]` entry: who sent the messages of a change.
#[derive(Debug, Clone, Default)]
pub struct Contact {
    pub wa_id: Option<String>,
    pub user_id: Option<String>,
    pub name: Option<String>,
}

/// One inbound message of any type, known or not.
#[derive(Debug, Clone)]
pub struct InboundMessage {
    pub wamid: String,
    /// The literal `type` ("text", "image", … or whatever Meta invents next).
    pub kind: String,
    pub from_phone: Option<String>,
    pub from_bsuid: Option<String>,
    pub profile_name: Option<String>,
    pub cloud_group_id: Option<String>,
    pub phone_number_id: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    /// What the citizen wrote: a text body or a media caption. This is what triage reads.
    pub body: Option<String>,
    /// Human-readable content that is not free text (button titles, reaction emoji,
    /// system notices); shown to operators, never classified.
    pub note: Option<String>,
    /// The message an edit, revoke or reaction points at.
    pub refers_to: Option<String>,
    /// The id of a tapped button or list row (`interactive.*.id`, `button.payload`): ours,
    /// so it carries meaning (e.g. a coordinator's "ack:SON-2026-000123").
    pub reply_id: Option<String>,
    pub context: MessageContext,
    pub media: Option<MediaRef>,
    pub location: Option<Location>,
    pub errors: Vec<ApiErrorInfo>,
    /// The message object exactly as parsed, unknown fields included.
    pub raw: String,
}

/// A status of a message we sent.
#[derive(Debug, Clone)]
pub struct StatusUpdate {
    pub wamid: String,
    pub status: String,
    pub at: Option<DateTime<Utc>>,
    pub recipient_id: Option<String>,
    pub recipient_user_id: Option<String>,
    pub recipient_type: Option<String>,
    /// The member of a group this status is about (groups are billed per participant).
    pub participant: Option<String>,
    /// What Meta bills for the message: on `sent` and on one of `delivered` / `read`.
    pub pricing: Option<Pricing>,
    pub errors: Vec<ApiErrorInfo>,
}

/// A status webhook's `pricing` object (reference §7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pricing {
    /// `utility`, `service`, `marketing`, `authentication`, `group_utility`, …
    pub category: String,
    /// `regular`, `free_customer_service`, `free_entry_point`, …
    pub kind: String,
    /// Deprecated by Meta in favour of `type`; kept when present.
    pub billable: Option<bool>,
}

impl StatusUpdate {
    /// Order in which statuses may replace each other: a status never moves backwards.
    /// `failed` wins over everything; unknown statuses never replace a known one.
    pub fn rank(&self) -> i32 {
        status_rank(&self.status)
    }
}

/// See [`StatusUpdate::rank`].
pub fn status_rank(status: &str) -> i32 {
    match status {
        "sent" => 1,
        "delivered" => 2,
        "read" => 3,
        "played" => 4,
        "failed" => 5,
        _ => 0,
    }
}

/// Replaces NUL characters in every string with U+FFFD. PostgreSQL text cannot hold NUL,
/// so a message carrying one would be refused again on every retry; the stored raw body
/// keeps the original bytes.
fn replace_nul(v: &mut Value) {
    match v {
        Value::String(s) if s.contains('\0') => *s = s.replace('\0', "\u{FFFD}"),
        Value::Array(items) => items.iter_mut().for_each(replace_nul),
        Value::Object(map) => map.values_mut().for_each(replace_nul),
        _ => {}
    }
}

/// Parses a raw webhook body. `fallback_id` makes ids for messages that lack one, so that a
/// retry of the same body still deduplicates.
pub fn parse_notification(body: &[u8], fallback_id: &str) -> Result<Notification, ParseError> {
    let (mut root, repaired) = match serde_json::from_slice::<Value>(body) {
        Ok(root) => (root, None),
        Err(e) => {
            // One damaged string must not cost the other messages of the delivery.
            let (fixed, count) = super::payload_repair::repair(body)
                .ok_or(ParseError::InvalidJson(e.to_string()))?;
            let root = serde_json::from_slice::<Value>(&fixed)
                .map_err(|_| ParseError::InvalidJson(e.to_string()))?;
            (root, Some((fixed, count)))
        }
    };
    let body = repaired
        .as_ref()
        .map_or(body, |(fixed, _)| fixed.as_slice());
    if body.windows(6).any(|w| w == b"\\u0000") {
        replace_nul(&mut root);
    }
    let obj = root
        .as_object()
        .ok_or(ParseError::UnknownShape("the body is not a JSON object"))?;
    match obj.get("object").and_then(Value::as_str) {
        Some("whatsapp_business_account") => {}
        Some(_) => {
            return Err(ParseError::UnknownShape(
                "object is not whatsapp_business_account",
            ))
        }
        None => return Err(ParseError::UnknownShape("missing \"object\"")),
    }
    let entries = obj
        .get("entry")
        .and_then(Value::as_array)
        .ok_or(ParseError::UnknownShape("missing \"entry\" array"))?;

    let mut out = Notification {
        repaired: repaired.map_or(0, |(_, count)| count),
        ..Notification::default()
    };
    for entry in entries {
        let changes = entry.get("changes").and_then(Value::as_array);
        for change in changes.into_iter().flatten() {
            read_change(change, fallback_id, &mut out);
        }
    }
    Ok(out)
}

fn read_change(change: &Value, fallback_id: &str, out: &mut Notification) {
    let field = change
        .get("field")
        .and_then(Value::as_str)
        .unwrap_or("messages");
    let Some(value) = change.get("value") else {
        return;
    };
    if field != "messages" {
        out.events.push(ChangeEvent {
            field: field.to_owned(),
            value: value.clone(),
        });
        return;
    }
    let phone_number_id = value
        .pointer("/metadata/phone_number_id")
        .and_then(as_string);
    let contacts: Vec<Contact> = array(value, "contacts").map(contact_from_value).collect();

    for message in array(value, "messages") {
        let index = out.messages.len();
        let synthetic = format!("{fallback_id}:{index}");
        let mut msg = message_from_value(message, &contacts, &synthetic);
        msg.phone_number_id.clone_from(&phone_number_id);
        out.messages.push(msg);
    }
    out.statuses
        .extend(array(value, "statuses").filter_map(status_from_value));
    if value.get("errors").is_some_and(Value::is_array) {
        out.events.push(ChangeEvent {
            field: "errors".to_owned(),
            value: value.get("errors").cloned().unwrap_or_default(),
        });
    }
}

fn contact_from_value(v: &Value) -> Contact {
    Contact {
        wa_id: v.get("wa_id").and_then(as_string),
        user_id: v.get("user_id").and_then(as_string),
        name: v.pointer("/profile/name").and_then(as_string),
    }
}

/// Iterates over `v[key]` if it is an array; nothing otherwise.
pub(super) fn array<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter())
        .into_iter()
        .flatten()
}

/// Ids and phone numbers arrive as strings, sometimes as numbers; both are read as text.
pub(super) fn as_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Unix seconds as a string or a number.
pub(super) fn as_timestamp(v: &Value) -> Option<DateTime<Utc>> {
    let secs = match v {
        Value::String(s) => s.trim().parse::<i64>().ok()?,
        Value::Number(n) => n.as_i64()?,
        _ => return None,
    };
    DateTime::from_timestamp(secs, 0)
}
