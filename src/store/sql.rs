//! SQL shared by both backends: `$N` placeholders and `ON CONFLICT` upserts mean the same
//! in SQLite and PostgreSQL. The bind macros keep the long column lists in one place.

pub const UPSERT_DELIVERY: &str = "\
INSERT INTO webhook_deliveries (body_sha256, body, outcome, detail, first_received_at, last_received_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (body_sha256) DO UPDATE
SET deliveries = webhook_deliveries.deliveries + 1, last_received_at = excluded.last_received_at
RETURNING id, deliveries";

/// The columns a new inbound message fills, in [`INSERT_INBOUND`]'s parameter order; the
/// group writer's set-based insert (`pg_bulk.rs`) names the same ones.
macro_rules! inbound_columns {
    () => {
        "wamid, delivery_id, kind, phone_number_id, sender_phone, sender_bsuid, sender_name,
    cloud_group_id, group_ref, attribution, safety_reply_due, sent_at, received_at, body, note,
    refers_to, reply_to, forwarded, frequently_forwarded, media_id, media_mime, media_sha256,
    media_filename, media_voice, latitude, longitude, location_name, location_address,
    attached_to, error_code, payload, category, priority, confidence, needs_review, rules,
    cnie_code, classifier_version, coordinator_ref, sender_pseudonym, sender_pseudonym_alt"
    };
}
pub(crate) use inbound_columns;

pub const INSERT_INBOUND: &str = concat!(
    "INSERT INTO inbound_messages (",
    inbound_columns!(),
    ")
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
        $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36,
        $37, $38, $39, $40, $41)
ON CONFLICT (wamid) DO NOTHING
RETURNING id"
);

/// The sender's latest non-location message in a time window: where a location belongs.
pub const ATTACH_BY_BSUID: &str = "\
SELECT id FROM inbound_messages
WHERE sender_bsuid = $1 AND kind <> 'location' AND sent_at >= $2 AND sent_at <= $3
ORDER BY sent_at DESC, id DESC LIMIT 1";

pub const ATTACH_BY_PHONE: &str = "\
SELECT id FROM inbound_messages
WHERE sender_phone = $1 AND kind <> 'location' AND sent_at >= $2 AND sent_at <= $3
ORDER BY sent_at DESC, id DESC LIMIT 1";

/// How a status meets the stored one: statuses only move forward (the update applies when
/// the new rank is higher), and details a later status lacks are kept. Shared with the
/// group writer's set-based upsert (`pg_bulk_statuses.rs`).
macro_rules! status_conflict {
    () => {
        "ON CONFLICT (wamid) DO UPDATE SET
    status = excluded.status,
    rank = excluded.rank,
    status_at = excluded.status_at,
    recipient_id = COALESCE(excluded.recipient_id, message_statuses.recipient_id),
    recipient_user_id = COALESCE(excluded.recipient_user_id, message_statuses.recipient_user_id),
    error_code = COALESCE(excluded.error_code, message_statuses.error_code),
    error_title = COALESCE(excluded.error_title, message_statuses.error_title),
    updated_at = excluded.updated_at
WHERE excluded.rank > message_statuses.rank"
    };
}
pub(crate) use status_conflict;

pub const UPSERT_STATUS: &str = concat!(
    "INSERT INTO message_statuses (wamid, status, rank, status_at, recipient_id, recipient_user_id,
                              error_code, error_title, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
",
    status_conflict!()
);

/// Mirrors an applied status onto the outbound record it belongs to.
pub const OUTBOX_DELIVERY: &str = "\
UPDATE outbox SET delivery_status = $2, delivery_error = $3 WHERE wamid = $1";

/// A line of the cost ledger; the second status that carries the same pricing adds nothing.
pub const INSERT_PRICING: &str = "\
INSERT INTO outbound_pricing (wamid, participant, category, pricing_type, billable, billed_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (wamid, participant) DO NOTHING";

pub const INSERT_EVENT: &str = "\
INSERT INTO webhook_events (delivery_id, field, payload, received_at) VALUES ($1, $2, $3, $4)";

pub const INSERT_AUDIT: &str = "\
INSERT INTO audit_log (at, actor, action, entity_kind, entity_id, detail)
VALUES ($1, $2, $3, $4, $5, $6)";

pub const SELECT_INBOUND: &str = "SELECT * FROM inbound_messages WHERE wamid = $1";
pub const SELECT_RECENT_INBOUND: &str =
    "SELECT * FROM inbound_messages ORDER BY received_at DESC, id DESC LIMIT $1";
pub const SELECT_STATUS: &str = "SELECT * FROM message_statuses WHERE wamid = $1";
pub const SELECT_DELIVERY: &str = "SELECT * FROM webhook_deliveries WHERE id = $1";
pub const SELECT_EVENTS: &str = "SELECT * FROM webhook_events WHERE delivery_id = $1 ORDER BY id";
pub const SELECT_COUNTS: &str = "\
SELECT (SELECT COUNT(*) FROM webhook_deliveries) AS deliveries,
       (SELECT COUNT(*) FROM webhook_deliveries WHERE outcome <> 'parsed') AS flagged_deliveries,
       (SELECT COUNT(*) FROM inbound_messages) AS messages,
       (SELECT COUNT(*) FROM message_statuses) AS statuses,
       (SELECT COUNT(*) FROM webhook_events) AS events";

/// Binds a [`super::NewInbound`] to [`INSERT_INBOUND`].
macro_rules! bind_inbound {
    ($query:expr, $delivery_id:expr, $m:expr, $attached:expr) => {{
        let m = $m;
        let t = m.triage.as_ref();
        $query
            .bind(&m.wamid)
            .bind($delivery_id)
            .bind(&m.kind)
            .bind(&m.phone_number_id)
            .bind(&m.sender_phone)
            .bind(&m.sender_bsuid)
            .bind(&m.sender_name)
            .bind(&m.cloud_group_id)
            .bind(&m.group_ref)
            .bind(
                m.attribution
                    .unwrap_or($crate::store::Attribution::Unregistered)
                    .as_str(),
            )
            .bind(m.safety_reply_due)
            .bind(m.sent_at)
            .bind(m.received_at)
            .bind(&m.body)
            .bind(&m.note)
            .bind(&m.refers_to)
            .bind(&m.reply_to)
            .bind(m.forwarded)
            .bind(m.frequently_forwarded)
            .bind(&m.media_id)
            .bind(&m.media_mime)
            .bind(&m.media_sha256)
            .bind(&m.media_filename)
            .bind(m.media_voice)
            .bind(m.latitude)
            .bind(m.longitude)
            .bind(&m.location_name)
            .bind(&m.location_address)
            .bind($attached)
            .bind(m.error_code)
            .bind(&m.payload)
            .bind(t.map(|t| t.category.as_str()))
            .bind(t.map(|t| t.priority.as_str()))
            .bind(t.map(|t| t.confidence))
            .bind(t.map(|t| t.needs_review))
            .bind(t.map(|t| serde_json::to_string(&t.rules).unwrap_or_default()))
            .bind(t.and_then(|t| t.cnie_code))
            .bind(t.map(|t| t.classifier_version.as_str()))
            .bind(&m.coordinator_ref)
            .bind(m.privacy_keys.first())
            .bind(m.privacy_keys.get(1))
    }};
}

/// Binds a [`super::NewStatus`] to [`UPSERT_STATUS`].
macro_rules! bind_status {
    ($query:expr, $s:expr, $now:expr) => {{
        let s = $s;
        $query
            .bind(&s.wamid)
            .bind(&s.status)
            .bind(s.rank)
            .bind(s.status_at)
            .bind(&s.recipient_id)
            .bind(&s.recipient_user_id)
            .bind(s.error_code)
            .bind(&s.error_title)
            .bind($now)
    }};
}

pub(crate) use {bind_inbound, bind_status};

/// Records that a sender got the privacy notice; nothing when they already had.
pub const INSERT_PRIVACY_NOTICE: &str = "\
INSERT INTO privacy_notices (sender_pseudonym, sent_at) VALUES ($1, $2)
ON CONFLICT (sender_pseudonym) DO NOTHING";
