//! Reading stored messages (`inbound_messages`): one by wamid or id, and a report's thread.
//! What a webhook writes is in `ingest/`.

use super::db::dispatch;
use super::rows::{InboundRow, ReportRow};
use super::{Store, StoreError};

const SELECT_INBOUND: &str = "SELECT * FROM inbound_messages WHERE wamid = $1";
const INBOUND_BY_ID: &str = "SELECT * FROM inbound_messages WHERE id = $1";
/// The report's message, what attached to it (locations, follow-ups that name or quote it,
/// whenever they came), and what the same chat or group said from an hour before to a day
/// after: enough context without the whole history. A message attached to another report
/// belongs to that report's thread, not to this window.
const REPORT_THREAD: &str = "\
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

impl Store {
    pub async fn inbound(&self, wamid: &str) -> Result<Option<InboundRow>, StoreError> {
        Ok(dispatch!(&self.pool, |p| {
            sqlx::query_as(SELECT_INBOUND)
                .bind(wamid)
                .fetch_optional(p)
                .await
        })?)
    }

    pub async fn inbound_by_id(&self, id: i64) -> Result<Option<InboundRow>, StoreError> {
        Ok(dispatch!(&self.pool, |p| {
            sqlx::query_as(INBOUND_BY_ID)
                .bind(id)
                .fetch_optional(p)
                .await
        })?)
    }

    /// The report's message, what attached to it, and the same conversation around it.
    pub async fn report_thread(&self, r: &ReportRow) -> Result<Vec<InboundRow>, StoreError> {
        Ok(dispatch!(&self.pool, |p| {
            sqlx::query_as(REPORT_THREAD)
                .bind(r.message_id)
                .bind(r.created_at - chrono::Duration::hours(1))
                .bind(r.created_at + chrono::Duration::hours(24))
                .fetch_all(p)
                .await
        })?)
    }
}
