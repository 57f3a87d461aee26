//! SQL for reports, folios, the outbox and pacing; shared by both backends except where a
//! constant says otherwise.

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

pub const INSERT_OUTBOX: &str = "\
INSERT INTO outbox (purpose, priority, report_id, message_id, recipient_key, recipient,
                    reply_to, params, state, use_template, attempts, next_attempt_at, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, 0, $10, $11)";

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

pub const SELECT_REPORT_BY_ID: &str = "SELECT * FROM reports WHERE id = $1";
pub const SELECT_REPORT_BY_FOLIO: &str = "SELECT * FROM reports WHERE folio = $1";
pub const SELECT_REPORT_BY_MESSAGE_WAMID: &str = "\
SELECT r.* FROM reports r JOIN inbound_messages m ON m.id = r.message_id WHERE m.wamid = $1";
pub const SELECT_REPORT_BY_OUTBOUND_WAMID: &str = "\
SELECT r.* FROM reports r JOIN outbox o ON o.report_id = r.id WHERE o.wamid = $1";
pub const SELECT_LATEST_OPEN_REPORT: &str = "\
SELECT * FROM reports WHERE group_ref = $1 AND status <> 'resolved'
ORDER BY created_at DESC, id DESC LIMIT 1";
pub const SELECT_REPORTS: &str = "SELECT * FROM reports ORDER BY id";

/// Claim due rows with a lease. Only the oldest unfinished row of each recipient (the head
/// of its queue) qualifies, which keeps order per recipient, and only when the recipient's
/// pacing allows it. The heads are found by a loose index scan over the partial index of
/// open rows (`keys` jumps from one recipient to the next, `heads` takes each one's first
/// row), so a pass costs a few index seeks per recipient however long the backlog behind
/// them is; a GROUP BY would read every open row on every pass. `$lock` is empty for SQLite
/// (one writer) and `SKIP LOCKED` for PostgreSQL (replicas never claim the same row).
/// `$open` names the open rows: SQLite's planner, without statistics, would otherwise pick
/// the `(state, next_attempt_at)` index and sort the whole backlog.
macro_rules! claim_outbox {
    ($open:literal, $lock:literal) => {
        concat!(
            "WITH RECURSIVE keys(k) AS (
    SELECT (SELECT recipient_key FROM ",
            $open,
            " WHERE state IN ('pending', 'sending')
            ORDER BY recipient_key, id LIMIT 1)
    UNION ALL
    SELECT (SELECT recipient_key FROM ",
            $open,
            " WHERE state IN ('pending', 'sending')
              AND recipient_key > keys.k ORDER BY recipient_key, id LIMIT 1)
    FROM keys WHERE keys.k IS NOT NULL
), heads(id) AS (
    SELECT (SELECT id FROM ",
            $open,
            " WHERE state IN ('pending', 'sending') AND recipient_key = keys.k
            ORDER BY recipient_key, id LIMIT 1)
    FROM keys WHERE keys.k IS NOT NULL
)
UPDATE outbox SET state = 'sending', lease_until = $1, lease_owner = $2,
                  attempts = attempts + 1
WHERE id IN (
    SELECT o.id FROM outbox o
    JOIN heads h ON h.id = o.id
    LEFT JOIN recipient_pacing p ON p.recipient_key = o.recipient_key
    WHERE ((o.state = 'pending' AND o.next_attempt_at <= $3)
           OR (o.state = 'sending' AND o.lease_until < $3))
      AND (p.next_allowed_at IS NULL OR p.next_allowed_at <= $3)
    ORDER BY o.priority, o.id
    LIMIT $4 ",
            $lock,
            ")
RETURNING *"
        )
    };
}

pub const CLAIM_OUTBOX_SQLITE: &str = claim_outbox!("outbox INDEXED BY outbox_open", "");
pub const CLAIM_OUTBOX_POSTGRES: &str = claim_outbox!("outbox", "FOR UPDATE OF o SKIP LOCKED");

/// Later pending rows for the same recipient that can ride along with the claimed one,
/// read from the open rows' index (see `claim_outbox!`). The `state IN` repeats the index's
/// own condition so that PostgreSQL sees the partial index applies.
macro_rules! select_mergeable {
    ($open:literal) => {
        concat!(
            "SELECT * FROM ",
            $open,
            " WHERE recipient_key = $1 AND id > $2 AND state IN ('pending', 'sending')
  AND state = 'pending' AND next_attempt_at <= $3
ORDER BY recipient_key, id LIMIT 16"
        )
    };
}

pub const SELECT_MERGEABLE_SQLITE: &str = select_mergeable!("outbox INDEXED BY outbox_open");
pub const SELECT_MERGEABLE_POSTGRES: &str = select_mergeable!("outbox");

/// Closes a claimed row, but only while this worker still holds its lease.
pub const FINISH_OUTBOX: &str = "\
UPDATE outbox SET state = $2, wamid = COALESCE($3, wamid), payload = COALESCE($4, payload),
                  delivery_status = CASE WHEN $3 IS NULL THEN delivery_status END,
                  delivery_error = CASE WHEN $3 IS NULL THEN delivery_error END,
                  sent_at = $5, last_error_code = COALESCE($6, last_error_code),
                  last_error = COALESCE($7, last_error), lease_until = NULL,
                  lease_owner = NULL, next_attempt_at = COALESCE($8, next_attempt_at),
                  use_template = $9, attempts = attempts - $10
WHERE id = $1 AND state = 'sending' AND lease_owner = $11";

pub const MARK_MERGED: &str = "\
UPDATE outbox SET state = 'merged', merged_into = $2, sent_at = $3 WHERE id = $1 AND state = 'pending'";

pub const UPSERT_PACING: &str = "\
INSERT INTO recipient_pacing (recipient_key, next_allowed_at) VALUES ($1, $2)
ON CONFLICT (recipient_key) DO UPDATE SET next_allowed_at = excluded.next_allowed_at";

/// A free-form message that Meta later failed with 131047 (window closed) goes again as a
/// template, and so does every row that rode along in it: each is re-planned on its own
/// (merged rows first, while their carrier still reads as sent). `merged_into` stays, so the
/// history still shows what travelled together.
pub const REQUEUE_MERGED_WINDOW_CLOSED: &str = "\
UPDATE outbox SET state = 'pending', use_template = TRUE, next_attempt_at = $1,
                  last_error_code = 131047, sent_at = NULL
WHERE state = 'merged' AND merged_into IN (
    SELECT id FROM outbox WHERE state = 'sent' AND use_template = FALSE
      AND wamid IN (SELECT wamid FROM message_statuses
                    WHERE status = 'failed' AND error_code = 131047))";

pub const REQUEUE_WINDOW_CLOSED: &str = "\
UPDATE outbox SET state = 'pending', use_template = TRUE, next_attempt_at = $1,
                  last_error_code = 131047
WHERE state = 'sent' AND use_template = FALSE
  AND wamid IN (SELECT wamid FROM message_statuses WHERE status = 'failed' AND error_code = 131047)";

/// Rows merged into a carrier that Meta failed for good share its fate.
pub const FAIL_MERGED_UNDELIVERABLE: &str = "\
UPDATE outbox SET state = 'failed', last_error_code = COALESCE($1, last_error_code), last_error = $2
WHERE state = 'merged' AND merged_into IN (
    SELECT id FROM outbox WHERE state = 'sent'
      AND wamid IN (SELECT wamid FROM message_statuses WHERE status = 'failed'))
RETURNING id, purpose, report_id";

/// A sent row whose status webhook says `failed` (any other code, or a template that failed)
/// will never arrive: it becomes `failed`, so it is counted and shown once.
pub const FAIL_UNDELIVERABLE: &str = "\
UPDATE outbox SET state = 'failed', last_error_code = COALESCE(delivery_error, $1),
                  last_error = $2
WHERE state = 'sent'
  AND wamid IN (SELECT wamid FROM message_statuses WHERE status = 'failed')
RETURNING id, purpose, report_id";

/// The recipient's other waiting rows, after a synchronous 131047: the window is closed
/// for them too.
pub const MARK_WINDOW_CLOSED: &str = "\
UPDATE outbox SET use_template = TRUE
WHERE recipient_key = $1 AND id <> $2 AND state = 'pending' AND use_template = FALSE";

/// A message that will never arrive, in its report's timeline.
pub const AUDIT_UNDELIVERABLE: &str = "\
INSERT INTO audit_log (at, actor, action, entity_kind, entity_id, detail)
SELECT $1, 'system:sender', 'report.undeliverable', 'report', folio, $3 FROM reports WHERE id = $2";

/// The cost ledger of a period, by pricing category and type; with a region, only messages
/// about that region's reports (a message about no report, such as a privacy notice to an
/// unregistered sender, counts in the all-regions figures).
pub const SELECT_LEDGER: &str = "\
SELECT p.category, p.pricing_type, COUNT(*) FROM outbound_pricing p
WHERE p.billed_at >= $1 AND p.billed_at < $2
  AND ($3 IS NULL OR EXISTS (
      SELECT 1 FROM outbox o JOIN reports r ON r.id = o.report_id
      WHERE o.wamid = p.wamid AND r.region = $3))
GROUP BY p.category, p.pricing_type
ORDER BY p.category, p.pricing_type";

/// Every message billed so far, by category (the `alerta_outbound_messages` metric).
pub const SELECT_LEDGER_TOTALS: &str = "\
SELECT category, COUNT(*) FROM outbound_pricing GROUP BY category ORDER BY category";

pub const SELECT_OUTBOX_ALL: &str = "SELECT * FROM outbox ORDER BY id";

pub const SELECT_SENDER_STATE: &str =
    "SELECT paused_at, paused_reason, token_fingerprint FROM sender_state WHERE id = 1";
pub const PAUSE_SENDER: &str = "\
UPDATE sender_state SET paused_at = $1, paused_reason = $2, token_fingerprint = $3 WHERE id = 1";
pub const RESUME_SENDER: &str = "\
UPDATE sender_state SET paused_at = NULL, paused_reason = NULL, token_fingerprint = NULL WHERE id = 1";

/// The 24-hour customer-service window: when did this person last write to us?
pub const LAST_INBOUND_BY_PHONE: &str =
    "SELECT MAX(received_at) FROM inbound_messages WHERE sender_phone = $1";
pub const LAST_INBOUND_BY_BSUID: &str =
    "SELECT MAX(received_at) FROM inbound_messages WHERE sender_bsuid = $1";
pub const LAST_INBOUND_BY_GROUP: &str =
    "SELECT MAX(received_at) FROM inbound_messages WHERE cloud_group_id = $1";

/// A report someone holds under an active claim is being worked: its escalation waits
/// until the claim is released or expires (`queue::timing` says so on the page).
pub const SELECT_DUE_ESCALATIONS: &str = "\
SELECT * FROM reports WHERE status = 'open' AND escalate_at IS NOT NULL AND escalate_at <= $1
  AND (claimed_by IS NULL OR claim_expires_at IS NULL OR claim_expires_at <= $1)
ORDER BY escalate_at LIMIT $2";

/// Moves a report one escalation step; the level check makes each step fire once even with
/// several workers racing for it.
pub const ESCALATE: &str = "\
UPDATE reports SET escalation_level = $3, escalate_at = $4, updated_at = $5
WHERE id = $1 AND escalation_level = $2 AND status = 'open'";

pub const SELECT_AUDIT: &str =
    "SELECT * FROM audit_log WHERE entity_kind = $1 AND entity_id = $2 ORDER BY id";

pub const GAUGE_REPORTS: &str =
    "SELECT category || '/' || status, COUNT(*) FROM reports GROUP BY category, status";
pub const GAUGE_OUTBOX: &str = "\
SELECT state, COUNT(*) FROM outbox WHERE state IN ('pending', 'sending') GROUP BY state";
pub const GAUGE_OLDEST_PENDING: &str =
    "SELECT MIN(created_at) FROM outbox WHERE state IN ('pending', 'sending')";
