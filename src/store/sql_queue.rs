//! SQL for accounts, sessions and the queue, shared by both backends. Filtered report lists
//! are built with `sqlx::QueryBuilder` in `queue_query.rs`; the pieces they share live here.

pub const INSERT_USER: &str = "\
INSERT INTO users (name, role, regions, password_hash, created_at)
VALUES ($1, $2, $3, $4, $5)
RETURNING id";
pub const INSERT_TOKEN: &str = "\
INSERT INTO api_tokens (token_sha256, user_id, created_at, issued_at) VALUES ($1, $2, $3, $3)";
pub const USER_BY_NAME: &str = "SELECT * FROM users WHERE name = $1";
pub const USER_BY_ID: &str = "SELECT * FROM users WHERE id = $1";
/// Disabled owners too: the caller tells a disabled account or an expired token from an
/// unknown token, so the answer can say which.
pub const TOKEN_OWNER: &str = "\
SELECT u.*, t.issued_at AS token_issued_at FROM users u JOIN api_tokens t ON t.user_id = u.id
WHERE t.token_sha256 = $1";
/// Each user with the start of their newest token's lifetime (normally their only one).
pub const USERS: &str = "\
SELECT u.*, (SELECT MAX(t.issued_at) FROM api_tokens t WHERE t.user_id = u.id) AS token_issued_at
FROM users u ORDER BY u.name";
pub const SET_PASSWORD: &str = "UPDATE users SET password_hash = $2 WHERE id = $1";
pub const SET_DISABLED: &str = "UPDATE users SET disabled_at = $2 WHERE id = $1";
pub const DELETE_USER_TOKENS: &str = "DELETE FROM api_tokens WHERE user_id = $1";
pub const DELETE_USER_SESSIONS: &str = "DELETE FROM sessions WHERE user_id = $1";

pub const INSERT_SESSION: &str = "\
INSERT INTO sessions (id_sha256, user_id, csrf_token, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5)";
pub const SESSION: &str = "\
SELECT s.* FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.id_sha256 = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL";
pub const DELETE_SESSION: &str = "DELETE FROM sessions WHERE id_sha256 = $1";
pub const DELETE_EXPIRED_SESSIONS: &str = "DELETE FROM sessions WHERE expires_at <= $1";

/// The queue's columns: the report, a few things from its message, and for an unregistered
/// sender's report what became of the safety reply.
pub const QUEUE_SELECT: &str = "\
SELECT r.*, m.kind AS message_kind, m.body AS message_body, m.note AS message_note,
       m.confidence AS message_confidence, m.sent_at AS message_sent_at,
       m.received_at AS message_received_at, m.forwarded AS message_forwarded,
       (SELECT COUNT(*) FROM reports d WHERE d.duplicate_of = r.folio) AS merged_count,
       (SELECT COALESCE(o.delivery_status, o.state) FROM outbox o
        WHERE o.report_id = r.id AND o.purpose = 'reply_unregistered'
        ORDER BY o.id LIMIT 1) AS safety_reply
FROM reports r JOIN inbound_messages m ON m.id = r.message_id WHERE 1 = 1";
pub const COUNT_SELECT: &str = "\
SELECT r.category AS category, r.status AS status, COUNT(*) AS n,
       SUM(CASE WHEN r.follow_ups_unseen > 0 THEN 1 ELSE 0 END) AS follow_ups,
       -- 'no-registrado' is `routing::UNREGISTERED_GROUP`.
       SUM(CASE WHEN r.group_ref = 'no-registrado' THEN 1 ELSE 0 END) AS unregistered
FROM reports r JOIN inbound_messages m ON m.id = r.message_id WHERE 1 = 1";
/// Accented letters a search folds to their base letter, in both cases (SQLite's LOWER
/// only lowers ASCII), so "policia" finds "Policía" on both backends.
pub const FOLDED_LETTERS: [(&str, &str); 14] = [
    ("á", "a"),
    ("é", "e"),
    ("í", "i"),
    ("ó", "o"),
    ("ú", "u"),
    ("ü", "u"),
    ("ñ", "n"),
    ("Á", "a"),
    ("É", "e"),
    ("Í", "i"),
    ("Ó", "o"),
    ("Ú", "u"),
    ("Ü", "u"),
    ("Ñ", "n"),
];

/// `expr` lower-cased with accents folded, as SQL both backends run.
pub fn folded(expr: &str) -> String {
    let mut out = format!("LOWER({expr})");
    for (from, to) in FOLDED_LETTERS {
        out = format!("REPLACE({out}, '{from}', '{to}')");
    }
    out
}

/// What `folded` does to a column, in Rust: for the search pattern, and for matching the
/// registry's group names and colonias the same way.
pub fn fold_text(s: &str) -> String {
    let mut out = s.to_lowercase();
    for (from, to) in FOLDED_LETTERS {
        out = out.replace(from, to);
    }
    out
}

pub const MARK_FOLLOW_UPS_SEEN: &str = "UPDATE reports SET follow_ups_unseen = 0 WHERE id = $1";
/// Exports read in the order things happened.
pub const CHRONOLOGICAL_ORDER: &str = " ORDER BY r.created_at, r.id";
/// Keyset condition of a chronological page; closed with `)` after the anchor's id.
pub const AFTER_REPORT: &str =
    " AND (r.created_at, r.id) > (SELECT a.created_at, a.id FROM reports a WHERE a.id = ";
/// Most urgent first, then the one waiting longest.
pub const QUEUE_ORDER: &str =
    " ORDER BY CASE r.priority WHEN 'critical' THEN 0 WHEN 'high' THEN 1 \
WHEN 'normal' THEN 2 WHEN 'low' THEN 3 ELSE 4 END, r.created_at, r.id";

pub const INBOUND_BY_ID: &str = "SELECT * FROM inbound_messages WHERE id = $1";
/// The report's message, what attached to it (locations, follow-ups that name or quote it,
/// whenever they came), and what the same chat or group said from an hour before to a day
/// after: enough context without the whole history. A message attached to another report
/// belongs to that report's thread, not to this window.
pub const REPORT_THREAD: &str = "\
SELECT m.* FROM inbound_messages m, inbound_messages o
WHERE o.id = $1
  AND (m.id = o.id OR m.attached_to = o.id
       OR ((m.cloud_group_id = o.cloud_group_id
            OR (o.cloud_group_id IS NULL AND m.cloud_group_id IS NULL
                AND (m.sender_phone = o.sender_phone OR m.sender_bsuid = o.sender_bsuid)))
           AND m.received_at >= $2 AND m.received_at <= $3
           AND NOT EXISTS (SELECT 1 FROM reports a
                           WHERE a.message_id = m.attached_to AND a.message_id <> o.id)))
ORDER BY m.sent_at, m.id
LIMIT 200";
/// Locations that are a report's message or attached to it; the IN lists follow.
pub const REPORT_PLACES: &str = "\
SELECT COALESCE(m.attached_to, m.id) AS message_id, m.latitude AS latitude,
       m.longitude AS longitude, m.location_name, m.location_address, m.sent_at
FROM inbound_messages m
WHERE m.kind = 'location' AND m.latitude IS NOT NULL AND m.longitude IS NOT NULL";
pub const FIRST_REPORT_AT: &str = "SELECT MIN(created_at) FROM reports";
pub const REPORT_OUTBOX: &str = "SELECT * FROM outbox WHERE report_id = $1 ORDER BY id";
pub const DUPLICATES_OF: &str = "SELECT * FROM reports WHERE duplicate_of = $1 ORDER BY id";

pub const UPDATE_REPORT: &str = "\
UPDATE reports SET category = $3, priority = $4, status = $5, escalate_at = $6,
    acknowledged_at = $7, acknowledged_by = $8, resolved_at = $9, resolved_by = $10,
    claimed_by = $11, claim_expires_at = $12, assigned_to = $13, duplicate_of = $14,
    needs_review = $15, updated_at = $16, version = version + 1
WHERE id = $1 AND version = $2";
pub const INSERT_CORRECTION: &str = "\
INSERT INTO triage_corrections (report_id, from_category, from_priority, to_category,
                                to_priority, reason, actor, at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
pub const REPORT_ORIGIN_MESSAGE: &str = "SELECT message_id FROM reports WHERE id = $1";

pub const AUDIT_AFTER: &str = "\
SELECT * FROM audit_log WHERE entity_kind = $1 AND id > $2 ORDER BY id LIMIT $3";
pub const REPORT_CHANGES_AFTER: &str = "\
SELECT a.id, a.action, a.actor, r.folio, r.region, r.category, r.priority, r.status
FROM audit_log a LEFT JOIN reports r ON r.folio = a.entity_id
WHERE a.entity_kind = 'report' AND a.id > $1 ORDER BY a.id LIMIT $2";
pub const LAST_AUDIT_ID: &str = "SELECT COALESCE(MAX(id), 0) FROM audit_log";
pub const CORRECTIONS: &str = "\
SELECT c.id, r.folio, COALESCE(m.body, m.note) AS text, c.from_category, c.from_priority,
       c.to_category, c.to_priority, c.reason, c.actor, c.at
FROM triage_corrections c JOIN reports r ON r.id = c.report_id
JOIN inbound_messages m ON m.id = r.message_id
ORDER BY c.id";

pub const INSERT_DIGEST: &str = "\
INSERT INTO weekly_digests (region, week, sent_at) VALUES ($1, $2, $3)
ON CONFLICT (region, week) DO NOTHING";
