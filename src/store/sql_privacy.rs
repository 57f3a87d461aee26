//! SQL for retention and ARCO requests, shared by both backends. Each purge statement
//! works on a bounded batch (`LIMIT $n` in a subquery) so a first run over years of data
//! does not hold the write lock for minutes.

/// Which messages belong to a report: the one that opened it, and what attached to it.
const REPORT_OF: &str = "(SELECT r.id FROM reports r WHERE r.message_id = m.id
     OR r.message_id = m.attached_to)";

pub fn unreported_texts() -> String {
    format!(
        "UPDATE inbound_messages SET body = NULL, note = NULL, location_name = NULL,
             location_address = NULL, payload = '{{}}'
         WHERE id IN (SELECT m.id FROM inbound_messages m
             WHERE m.received_at < $1 AND (m.body IS NOT NULL OR m.note IS NOT NULL)
               AND NOT EXISTS {REPORT_OF} LIMIT $2)"
    )
}

/// Messages of reports closed before $1: text, place and identity go; the pseudonym stays
/// (it is what the anonymous statistics may still group by).
pub const CLOSED_REPORT_MESSAGES: &str = "\
UPDATE inbound_messages SET body = NULL, note = NULL, location_name = NULL,
    location_address = NULL, latitude = NULL, longitude = NULL, payload = '{}',
    sender_phone = NULL, sender_bsuid = NULL, sender_name = NULL
WHERE id IN (SELECT m.id FROM inbound_messages m
    WHERE (m.body IS NOT NULL OR m.sender_phone IS NOT NULL OR m.sender_bsuid IS NOT NULL
           OR m.latitude IS NOT NULL)
      AND EXISTS (SELECT 1 FROM reports r WHERE (r.message_id = m.id OR r.message_id = m.attached_to)
          AND r.status IN ('resolved', 'dismissed', 'duplicate') AND r.resolved_at < $1)
    LIMIT $2)";

/// Stored media of reports closed before $1 (their files are deleted with the text).
pub const CLOSED_MEDIA: &str = "\
SELECT f.message_id, f.sha256 FROM media_files f
JOIN inbound_messages m ON m.id = f.message_id
JOIN reports r ON r.message_id = m.id OR r.message_id = m.attached_to
WHERE f.state = 'stored' AND r.status IN ('resolved', 'dismissed', 'duplicate')
  AND r.resolved_at < $1
LIMIT $2";
pub const FORGET_MEDIA: &str = "\
UPDATE media_files SET state = 'purged', sha256 = NULL, updated_at = $2 WHERE message_id = $1";
pub const MESSAGE_MEDIA: &str = "\
SELECT message_id, sha256 FROM media_files WHERE message_id = $1 AND state = 'stored'";

/// A tip's sender once its 089 redirect is sent (alone or merged into another message): no
/// phone, no BSUID, no name, no pseudonym.
pub const TIP_IDENTITIES: &str = "\
UPDATE inbound_messages SET sender_phone = NULL, sender_bsuid = NULL, sender_name = NULL,
    sender_pseudonym = NULL, sender_pseudonym_alt = NULL, payload = '{}'
WHERE id IN (SELECT m.id FROM inbound_messages m
    WHERE m.category = 'tip_089'
      AND (m.sender_phone IS NOT NULL OR m.sender_bsuid IS NOT NULL OR m.sender_pseudonym IS NOT NULL)
      AND EXISTS (SELECT 1 FROM outbox o WHERE o.message_id = m.id AND o.purpose = 'reply_tip'
                  AND o.state IN ('sent', 'dry_run', 'merged'))
    LIMIT $1)";
/// Outbound rows to tip senders keep no address once sent.
pub const TIP_OUTBOX: &str = "\
UPDATE outbox SET recipient = '{\"erased\":true}', payload = NULL
WHERE state IN ('sent', 'dry_run', 'failed', 'merged') AND recipient <> '{\"erased\":true}'
  AND recipient NOT LIKE '%group_id%'
  AND message_id IN (SELECT m.id FROM inbound_messages m WHERE m.category = 'tip_089')";

pub const RAW_BODIES: &str = "\
UPDATE webhook_deliveries SET body = $3
WHERE id IN (SELECT d.id FROM webhook_deliveries d
    WHERE d.last_received_at < $1 AND LENGTH(d.body) > 0 LIMIT $2)";
pub const RAW_MESSAGES: &str = "\
UPDATE inbound_messages SET payload = '{}'
WHERE id IN (SELECT m.id FROM inbound_messages m
    WHERE m.received_at < $1 AND m.payload <> '{}' LIMIT $2)";
pub const AUDIT: &str = "\
DELETE FROM audit_log WHERE id IN (SELECT a.id FROM audit_log a WHERE a.at < $1 LIMIT $2)";

pub const PERSON_MESSAGES: &str = "\
SELECT * FROM inbound_messages WHERE sender_pseudonym = $1 OR sender_pseudonym_alt = $1 ORDER BY id";
pub const MESSAGE_REPORTS: &str = "SELECT * FROM reports WHERE message_id = $1";
pub const MESSAGE_OUTBOX: &str = "SELECT * FROM outbox WHERE message_id = $1 ORDER BY id";
pub const ERASE_MESSAGE: &str = "\
UPDATE inbound_messages SET body = NULL, note = NULL, location_name = NULL,
    location_address = NULL, latitude = NULL, longitude = NULL, payload = '{}',
    sender_phone = NULL, sender_bsuid = NULL, sender_name = NULL,
    sender_pseudonym = NULL, sender_pseudonym_alt = NULL, media_filename = NULL
WHERE id = $1";
/// Messages to the person lose their address and content; pending ones are not sent.
pub const ERASE_OUTBOX_TO_PERSON: &str = "\
UPDATE outbox SET params = '{}', payload = NULL,
    recipient = CASE WHEN recipient_key LIKE 'group:%' THEN recipient ELSE '{\"erased\":true}' END,
    recipient_key = CASE WHEN recipient_key LIKE 'group:%' THEN recipient_key ELSE 'erased' END,
    state = CASE WHEN state IN ('pending', 'sending') AND recipient_key NOT LIKE 'group:%'
                 THEN 'failed' ELSE state END,
    last_error = CASE WHEN state IN ('pending', 'sending') AND recipient_key NOT LIKE 'group:%'
                 THEN 'borrado por solicitud ARCO' ELSE last_error END
WHERE message_id = $1 AND purpose NOT IN ('coordinator_notice', 'escalation_notice')";
/// Notices to coordinators quoted the person's text; they keep the folio (from the report).
pub const ERASE_OUTBOX_QUOTES: &str = "\
UPDATE outbox SET params = '{}', payload = NULL
WHERE message_id = $1 AND purpose IN ('coordinator_notice', 'escalation_notice')";
pub const ERASE_DELIVERY: &str = "\
UPDATE webhook_deliveries SET body = $2 WHERE id = (SELECT delivery_id FROM inbound_messages WHERE id = $1)";
pub const ERASE_NOTICE: &str = "DELETE FROM privacy_notices WHERE sender_pseudonym = $1";
pub const ERASE_STATUSES: &str = "\
UPDATE message_statuses SET recipient_id = NULL WHERE recipient_id = $1";
/// Pacing rows are keyed by the address (`wa:…`, `bsuid:…`).
pub const ERASE_PACING: &str = "DELETE FROM recipient_pacing WHERE recipient_key = $1";
pub const MEDIA_IN_USE: &str =
    "SELECT COUNT(*) FROM media_files WHERE sha256 = $1 AND state = 'stored'";
