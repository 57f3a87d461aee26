//! The rows `bulk.rs` sends as JSON. Field names are column names:
//! `json_populate_recordset` matches them by name and converts each value to the column's
//! type, so a misspelt field would arrive as NULL; the store contract tests read every
//! column back.

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

use crate::store::audit::AuditEntry;
use crate::store::ingest::plan::{NewOutbox, NewReport};
use crate::store::ingest::rules;
use crate::store::ingest::{Attribution, NewEvent, NewInbound};

/// One `inbound_messages` row, as `statements::INSERT_INBOUND` binds it.
#[derive(Serialize)]
pub(super) struct MessageJson<'a> {
    pub wamid: &'a str,
    delivery_id: i64,
    kind: &'a str,
    phone_number_id: Option<&'a str>,
    sender_phone: Option<&'a str>,
    sender_bsuid: Option<&'a str>,
    sender_name: Option<&'a str>,
    cloud_group_id: Option<&'a str>,
    group_ref: Option<&'a str>,
    attribution: &'static str,
    safety_reply_due: bool,
    #[serde(serialize_with = "micros")]
    sent_at: DateTime<Utc>,
    #[serde(serialize_with = "micros")]
    received_at: DateTime<Utc>,
    body: Option<&'a str>,
    note: Option<&'a str>,
    refers_to: Option<&'a str>,
    reply_to: Option<&'a str>,
    forwarded: bool,
    frequently_forwarded: bool,
    media_id: Option<&'a str>,
    media_mime: Option<&'a str>,
    media_sha256: Option<&'a str>,
    media_filename: Option<&'a str>,
    media_voice: bool,
    latitude: Option<f64>,
    longitude: Option<f64>,
    location_name: Option<&'a str>,
    location_address: Option<&'a str>,
    /// Set on the statement-by-statement path; the set-based one attaches locations after
    /// the group's messages are in (`bulk::ATTACH_LOCATIONS`).
    pub attached_to: Option<i64>,
    error_code: Option<i64>,
    payload: &'a str,
    category: Option<&'a str>,
    priority: Option<&'a str>,
    confidence: Option<f64>,
    needs_review: Option<bool>,
    rules: Option<String>,
    cnie_code: Option<i32>,
    classifier_version: Option<&'a str>,
    coordinator_ref: Option<&'a str>,
    sender_pseudonym: Option<&'a str>,
    sender_pseudonym_alt: Option<&'a str>,
}

impl<'a> MessageJson<'a> {
    pub fn new(delivery_id: i64, m: &'a NewInbound) -> Self {
        let t = m.triage.as_ref();
        MessageJson {
            wamid: &m.wamid,
            delivery_id,
            kind: &m.kind,
            phone_number_id: m.phone_number_id.as_deref(),
            sender_phone: m.sender_phone.as_deref(),
            sender_bsuid: m.sender_bsuid.as_deref(),
            sender_name: m.sender_name.as_deref(),
            cloud_group_id: m.cloud_group_id.as_deref(),
            group_ref: m.group_ref.as_deref(),
            attribution: m.attribution.unwrap_or(Attribution::Unregistered).as_str(),
            safety_reply_due: m.safety_reply_due,
            sent_at: m.sent_at,
            received_at: m.received_at,
            body: m.body.as_deref(),
            note: m.note.as_deref(),
            refers_to: m.refers_to.as_deref(),
            reply_to: m.reply_to.as_deref(),
            forwarded: m.forwarded,
            frequently_forwarded: m.frequently_forwarded,
            media_id: m.media_id.as_deref(),
            media_mime: m.media_mime.as_deref(),
            media_sha256: m.media_sha256.as_deref(),
            media_filename: m.media_filename.as_deref(),
            media_voice: m.media_voice,
            latitude: m.latitude,
            longitude: m.longitude,
            location_name: m.location_name.as_deref(),
            location_address: m.location_address.as_deref(),
            attached_to: None,
            error_code: m.error_code,
            payload: &m.payload,
            category: t.map(|t| t.category.as_str()),
            priority: t.map(|t| t.priority.as_str()),
            confidence: t.map(|t| t.confidence),
            needs_review: t.map(|t| t.needs_review),
            rules: t.map(|t| serde_json::to_string(&t.rules).unwrap_or_default()),
            cnie_code: t.and_then(|t| t.cnie_code),
            classifier_version: t.map(|t| t.classifier_version.as_str()),
            coordinator_ref: m.coordinator_ref.as_deref(),
            sender_pseudonym: m.privacy_keys.first().map(String::as_str),
            sender_pseudonym_alt: m.privacy_keys.get(1).map(String::as_str),
        }
    }
}

/// The columns of a new report that vary; `bulk::INSERT_REPORTS` sets the rest.
#[derive(Serialize)]
pub(super) struct ReportJson<'a> {
    folio: &'a str,
    message_id: i64,
    group_ref: &'a str,
    region: &'a str,
    category: &'a str,
    priority: &'a str,
    #[serde(serialize_with = "micros")]
    created_at: DateTime<Utc>,
    #[serde(serialize_with = "micros_opt")]
    escalate_at: Option<DateTime<Utc>>,
    needs_review: bool,
}

impl<'a> ReportJson<'a> {
    pub fn new(folio: &'a str, message_id: i64, r: &'a NewReport) -> Self {
        ReportJson {
            folio,
            message_id,
            group_ref: &r.group_ref,
            region: &r.region,
            category: &r.category,
            priority: &r.priority,
            created_at: r.created_at,
            escalate_at: r.escalate_at,
            needs_review: r.needs_review,
        }
    }
}

#[derive(Serialize)]
pub(super) struct AuditJson<'a> {
    #[serde(serialize_with = "micros")]
    at: DateTime<Utc>,
    actor: &'a str,
    action: &'a str,
    entity_kind: &'a str,
    entity_id: &'a str,
    detail: String,
}

impl<'a> AuditJson<'a> {
    pub fn entry(e: AuditEntry<'a>) -> Self {
        AuditJson {
            at: e.at,
            actor: e.actor,
            action: e.action,
            entity_kind: e.entity_kind,
            entity_id: e.entity_id,
            detail: e.detail,
        }
    }

    /// The entry the statement-by-statement path writes when routing opens a report.
    pub fn report_created(folio: &'a str, r: &NewReport, at: DateTime<Utc>) -> Self {
        let detail = rules::report_created(r);
        AuditJson {
            at,
            actor: rules::ROUTING,
            action: rules::REPORT_CREATED,
            entity_kind: "report",
            entity_id: folio,
            detail: detail.to_string(),
        }
    }
}

#[derive(Serialize)]
pub(super) struct OutboxJson<'a> {
    purpose: &'a str,
    priority: i32,
    report_id: Option<i64>,
    message_id: i64,
    recipient_key: &'a str,
    recipient: &'a str,
    reply_to: Option<&'a str>,
    params: &'a str,
    use_template: bool,
    #[serde(serialize_with = "micros")]
    next_attempt_at: DateTime<Utc>,
}

impl<'a> OutboxJson<'a> {
    pub fn new(o: &'a NewOutbox, report_id: Option<i64>, message_id: i64) -> Self {
        OutboxJson {
            purpose: &o.purpose,
            priority: o.priority,
            report_id,
            message_id,
            recipient_key: &o.recipient_key,
            recipient: &o.recipient,
            reply_to: o.reply_to.as_deref(),
            params: &o.params,
            use_template: o.use_template,
            next_attempt_at: o.not_before,
        }
    }
}

/// Timestamps to the microsecond, cut as sqlx cuts them when it binds a `DateTime`, so
/// both paths store the same instant (PostgreSQL would round nanoseconds instead).
/// One `webhook_events` row: a change that is not a message or a status.
#[derive(Serialize)]
pub(super) struct EventJson<'a> {
    delivery_id: i64,
    field: &'a str,
    payload: &'a str,
    #[serde(serialize_with = "micros")]
    received_at: DateTime<Utc>,
}

impl<'a> EventJson<'a> {
    pub fn new(delivery_id: i64, e: &'a NewEvent, received_at: DateTime<Utc>) -> Self {
        EventJson {
            delivery_id,
            field: &e.field,
            payload: &e.payload,
            received_at,
        }
    }
}

fn micros<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&t.format("%Y-%m-%dT%H:%M:%S%.6fZ"))
}

fn micros_opt<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => micros(t, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ingest::statements::inbound_columns;

    #[test]
    fn the_json_row_names_exactly_the_inbound_columns() {
        let m = NewInbound::default();
        let json = serde_json::to_value(MessageJson::new(1, &m)).unwrap();
        let mut fields: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut columns: Vec<&str> = inbound_columns!().split(',').map(str::trim).collect();
        fields.sort_unstable();
        columns.sort_unstable();
        assert_eq!(fields, columns);
    }
}
