//! The SQL of a delivery, shared by both executors: `$N` placeholders and `ON CONFLICT`
//! upserts mean the same in SQLite and PostgreSQL. PostgreSQL's set-based statements
//! (`postgres/`) name the same columns: `inbound_columns!` is the one list of a message's
//! columns, and the test below holds the binders to it.

pub const UPSERT_DELIVERY: &str = "\
INSERT INTO webhook_deliveries (body_sha256, body, outcome, detail, first_received_at, last_received_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (body_sha256) DO UPDATE
SET deliveries = webhook_deliveries.deliveries + 1, last_received_at = excluded.last_received_at
RETURNING id, deliveries";

/// The columns a new inbound message fills, in [`INSERT_INBOUND`]'s parameter order; the
/// group writer's set-based insert (`postgres/bulk.rs`) names the same ones.
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
/// group writer's set-based upsert (`postgres/statuses.rs`).
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

/// Records that a sender got the privacy notice; nothing when they already had.
pub const INSERT_PRIVACY_NOTICE: &str = "\
INSERT INTO privacy_notices (sender_pseudonym, sent_at) VALUES ($1, $2)
ON CONFLICT (sender_pseudonym) DO NOTHING";
/// Next folio number for a state and year (the row lock serialises concurrent reports).
pub const NEXT_FOLIO: &str = "\
INSERT INTO folio_counters (state, year, last_seq) VALUES ($1, $2, 1)
ON CONFLICT (state, year) DO UPDATE SET last_seq = folio_counters.last_seq + 1
RETURNING last_seq";

pub const INSERT_REPORT: &str = "\
INSERT INTO reports (folio, message_id, group_ref, region, category, priority, status,
                     created_at, escalation_level, escalate_at, updated_at, needs_review)
VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, 0, $8, $7, $9)
RETURNING id";

/// Acknowledge: only an open report; resolve: open or acknowledged. Either stops escalation.
/// `$4` is the acting coordinator's region: a folio of another region matches nothing.
pub const APPLY_ACK: &str = "\
UPDATE reports SET status = 'acknowledged', acknowledged_at = $2, acknowledged_by = $3,
                   escalate_at = NULL, updated_at = $2
WHERE folio = $1 AND region = $4 AND status = 'open'
RETURNING id, message_id";

pub const APPLY_RESOLVE: &str = "\
UPDATE reports SET status = 'resolved', resolved_at = $2, resolved_by = $3,
                   acknowledged_at = COALESCE(acknowledged_at, $2),
                   acknowledged_by = COALESCE(acknowledged_by, $3),
                   escalate_at = NULL, updated_at = $2
WHERE folio = $1 AND region = $4 AND status IN ('open', 'acknowledged')
RETURNING id, message_id";

/// Why a coordinator's command matched nothing: the folio's region and status, if it exists.
pub const REPORT_SCOPE: &str = "SELECT region, status FROM reports WHERE folio = $1";

/// Where a report came from: the reporter's group or chat.
/// Counts a follow-up on the report it is about (see `plan::FollowUp` for the order) and
/// returns that report's id, folio and message, to attach the follow-up and its answer to. `$1` group, `$2`
/// named folio, `$3` quoted wamid.
pub const ATTACH_FOLLOW_UP: &str = "\
UPDATE reports SET follow_ups_unseen = follow_ups_unseen + 1
WHERE id = COALESCE(
    (SELECT f.id FROM reports f WHERE f.group_ref = $1 AND f.folio = $2),
    (SELECT o.report_id FROM outbox o JOIN reports q ON q.id = o.report_id
     WHERE q.group_ref = $1 AND o.wamid = $3 ORDER BY o.id LIMIT 1),
    (SELECT q.id FROM reports q JOIN inbound_messages m ON m.id = q.message_id
     WHERE q.group_ref = $1 AND m.wamid = $3),
    (SELECT l.id FROM reports l
     WHERE l.group_ref = $1 AND l.status IN ('open', 'acknowledged')
     ORDER BY l.created_at DESC, l.id DESC LIMIT 1))
RETURNING id, folio, message_id";
pub const ATTACH_MESSAGE: &str = "UPDATE inbound_messages SET attached_to = $2 WHERE id = $1";

pub const REPORT_ORIGIN: &str = "\
SELECT cloud_group_id, sender_phone, sender_bsuid, wamid FROM inbound_messages WHERE id = $1";

/// How many columns [`inbound_columns!`] names: the SQLite writer binds exactly this many
/// values to [`INSERT_INBOUND`] (its array's type says so).
pub(crate) const INBOUND_COLUMNS: usize = 41;

/// A message's request of the registry, for the registry-requests worker to settle.
pub const INSERT_REGISTRY_REQUEST: &str = "\
INSERT INTO registry_requests (kind, status, message_id, received_at, sender_key, recipient,
    phone, bsuid, profile_name, privacy_keys, region, group_id, code, new_phone, new_bsuid)
VALUES ($1, 'received', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> Vec<&'static str> {
        inbound_columns!().split(',').map(str::trim).collect()
    }

    #[test]
    fn the_inbound_insert_has_a_placeholder_per_column() {
        assert_eq!(columns().len(), INBOUND_COLUMNS);
        let placeholders = (1..=INBOUND_COLUMNS + 1)
            .filter(|n| {
                INSERT_INBOUND.contains(&format!("${n},"))
                    || INSERT_INBOUND.contains(&format!("${n})"))
            })
            .count();
        assert_eq!(placeholders, INBOUND_COLUMNS);
    }
}
