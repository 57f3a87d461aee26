//! Retention (`alerta purge` and the daily pass): every rule applied at once, in batches
//! of [`BATCH`] rows so a first run over years of data does not hold the write lock for
//! minutes. Reports (the anonymous statistics) are never deleted. A person's data, found by
//! pseudonym, is `erasure.rs`.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::db::dispatch;
use super::{Store, StoreError};

/// Rows per purge statement.
const BATCH: i64 = 500;

/// Cut-off instants: data older than each is purged.
#[derive(Debug, Clone)]
pub struct RetentionCutoffs {
    /// Text of messages that opened no report (other, follow-ups, unregistered senders).
    pub unreported_text: DateTime<Utc>,
    /// Texts, media and identity of reports closed before this.
    pub closed_reports: DateTime<Utc>,
    /// Raw webhook bodies and each message's raw JSON.
    pub raw: DateTime<Utc>,
    pub audit: DateTime<Utc>,
    /// Erase a tip's reporter identity once its 089 redirect went out.
    pub tip_identity: bool,
}

/// What one purge did (the counts go to the audit trail).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PurgeCounts {
    pub unreported_texts: u64,
    pub closed_report_messages: u64,
    pub tip_identities: u64,
    pub raw_bodies: u64,
    pub raw_messages: u64,
    pub audit_entries: u64,
    /// Media files no longer referenced: the caller deletes them from the media store.
    #[serde(skip)]
    pub media_to_delete: Vec<String>,
    pub media_files: u64,
}

/// Which messages belong to a report: the one that opened it, and what attached to it.
const REPORT_OF: &str = "(SELECT r.id FROM reports r WHERE r.message_id = m.id
     OR r.message_id = m.attached_to)";

/// Built once from constants (sqlx 0.9 takes `&'static str` or an `AssertSqlSafe` as SQL).
static UNREPORTED_TEXTS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE inbound_messages SET body = NULL, note = NULL, location_name = NULL,
             location_address = NULL, payload = '{{}}'
         WHERE id IN (SELECT m.id FROM inbound_messages m
             WHERE m.received_at < $1 AND (m.body IS NOT NULL OR m.note IS NOT NULL)
               AND NOT EXISTS {REPORT_OF} LIMIT $2)"
    )
});

/// Messages of reports closed before $1: text, place and identity go; the pseudonym stays
/// (it is what the anonymous statistics may still group by).
const CLOSED_REPORT_MESSAGES: &str = "\
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
const CLOSED_MEDIA: &str = "\
SELECT f.message_id, f.sha256 FROM media_files f
JOIN inbound_messages m ON m.id = f.message_id
JOIN reports r ON r.message_id = m.id OR r.message_id = m.attached_to
WHERE f.state = 'stored' AND r.status IN ('resolved', 'dismissed', 'duplicate')
  AND r.resolved_at < $1
LIMIT $2";
pub(super) const FORGET_MEDIA: &str = "\
UPDATE media_files SET state = 'purged', sha256 = NULL, updated_at = $2 WHERE message_id = $1";
/// A tip's sender once its 089 redirect is sent (alone or merged into another message): no
/// phone, no BSUID, no name, no pseudonym.
const TIP_IDENTITIES: &str = "\
UPDATE inbound_messages SET sender_phone = NULL, sender_bsuid = NULL, sender_name = NULL,
    sender_pseudonym = NULL, sender_pseudonym_alt = NULL, payload = '{}'
WHERE id IN (SELECT m.id FROM inbound_messages m
    WHERE m.category = 'tip_089'
      AND (m.sender_phone IS NOT NULL OR m.sender_bsuid IS NOT NULL OR m.sender_pseudonym IS NOT NULL)
      AND EXISTS (SELECT 1 FROM outbox o WHERE o.message_id = m.id AND o.purpose = 'reply_tip'
                  AND o.state IN ('sent', 'dry_run', 'merged'))
    LIMIT $1)";
/// Outbound rows to tip senders keep no address once sent.
const TIP_OUTBOX: &str = "\
UPDATE outbox SET recipient = '{\"erased\":true}', payload = NULL
WHERE state IN ('sent', 'dry_run', 'failed', 'merged') AND recipient <> '{\"erased\":true}'
  AND recipient NOT LIKE '%group_id%'
  AND message_id IN (SELECT m.id FROM inbound_messages m WHERE m.category = 'tip_089')";

const RAW_BODIES: &str = "\
UPDATE webhook_deliveries SET body = $3
WHERE id IN (SELECT d.id FROM webhook_deliveries d
    WHERE d.last_received_at < $1 AND LENGTH(d.body) > 0 LIMIT $2)";
const RAW_MESSAGES: &str = "\
UPDATE inbound_messages SET payload = '{}'
WHERE id IN (SELECT m.id FROM inbound_messages m
    WHERE m.received_at < $1 AND m.payload <> '{}' LIMIT $2)";
const AUDIT: &str = "\
DELETE FROM audit_log WHERE id IN (SELECT a.id FROM audit_log a WHERE a.at < $1 LIMIT $2)";

impl Store {
    /// Applies every retention rule at once, in batches; idempotent.
    pub async fn purge(
        &self,
        c: &RetentionCutoffs,
        now: DateTime<Utc>,
    ) -> Result<PurgeCounts, StoreError> {
        let mut n = PurgeCounts::default();
        // Media first: once the text is gone the link to the closed report stays, but
        // doing it first keeps each batch's work obvious.
        loop {
            let rows: Vec<(i64, Option<String>)> = dispatch!(&self.pool, |p| {
                sqlx::query_as(CLOSED_MEDIA)
                    .bind(c.closed_reports)
                    .bind(BATCH)
                    .fetch_all(p)
                    .await
            })?;
            for (id, sha) in &rows {
                dispatch!(&self.pool, |p| {
                    sqlx::query(FORGET_MEDIA)
                        .bind(id)
                        .bind(now)
                        .execute(p)
                        .await
                        .map(drop)
                })?;
                n.media_files += 1;
                n.media_to_delete.extend(sha.clone());
            }
            if (rows.len() as i64) < BATCH {
                break;
            }
        }
        n.closed_report_messages = self
            .batched(CLOSED_REPORT_MESSAGES, c.closed_reports)
            .await?;
        n.unreported_texts = self
            .batched(UNREPORTED_TEXTS.as_str(), c.unreported_text)
            .await?;
        n.raw_messages = self.batched(RAW_MESSAGES, c.raw).await?;
        n.audit_entries = self.batched(AUDIT, c.audit).await?;
        loop {
            let done = dispatch!(&self.pool, |p| {
                sqlx::query(RAW_BODIES)
                    .bind(c.raw)
                    .bind(BATCH)
                    .bind(Vec::<u8>::new())
                    .execute(p)
                    .await
                    .map(|d| d.rows_affected())
            })?;
            n.raw_bodies += done;
            if done < BATCH as u64 {
                break;
            }
        }
        if c.tip_identity {
            loop {
                let done = dispatch!(&self.pool, |p| {
                    sqlx::query(TIP_IDENTITIES)
                        .bind(BATCH)
                        .execute(p)
                        .await
                        .map(|d| d.rows_affected())
                })?;
                n.tip_identities += done;
                if done < BATCH as u64 {
                    break;
                }
            }
            dispatch!(&self.pool, |p| {
                sqlx::query(TIP_OUTBOX).execute(p).await.map(drop)
            })?;
        }
        Ok(n)
    }

    /// Runs a purge statement (`$1` the cut-off, `$2` the batch size) until a batch comes
    /// back short; returns the rows it changed.
    async fn batched(&self, sql: &'static str, at: DateTime<Utc>) -> Result<u64, sqlx::Error> {
        let mut total = 0;
        loop {
            let done = dispatch!(&self.pool, |p| {
                sqlx::query(sql)
                    .bind(at)
                    .bind(BATCH)
                    .execute(p)
                    .await
                    .map(|d| d.rows_affected())
            })?;
            total += done;
            if done < BATCH as u64 {
                return Ok(total);
            }
        }
    }
}
