//! A person's data, found by pseudonym: exported (ARCO access) or erased (ARCO
//! cancellation), keeping the reports, which are the anonymous statistics.

use chrono::{DateTime, Utc};

use super::db::{begin_write, dispatch};
use super::privacy::{PurgeCounts, FORGET_MEDIA};
use super::rows::{InboundRow, OutboxRow, ReportRow};
use super::{Store, StoreError};

/// Everything held about one person.
#[derive(Debug, Clone, Default)]
pub struct PersonData {
    pub messages: Vec<InboundRow>,
    pub reports: Vec<ReportRow>,
    pub outbox: Vec<OutboxRow>,
}

const MESSAGE_MEDIA: &str = "\
SELECT message_id, sha256 FROM media_files WHERE message_id = $1 AND state = 'stored'";

const PERSON_MESSAGES: &str = "\
SELECT * FROM inbound_messages WHERE sender_pseudonym = $1 OR sender_pseudonym_alt = $1 ORDER BY id";
const MESSAGE_REPORTS: &str = "SELECT * FROM reports WHERE message_id = $1";
const MESSAGE_OUTBOX: &str = "SELECT * FROM outbox WHERE message_id = $1 ORDER BY id";
const ERASE_MESSAGE: &str = "\
UPDATE inbound_messages SET body = NULL, note = NULL, location_name = NULL,
    location_address = NULL, latitude = NULL, longitude = NULL, payload = '{}',
    sender_phone = NULL, sender_bsuid = NULL, sender_name = NULL,
    sender_pseudonym = NULL, sender_pseudonym_alt = NULL, media_filename = NULL
WHERE id = $1";
/// Messages to the person lose their address and content; pending ones are not sent.
const ERASE_OUTBOX_TO_PERSON: &str = "\
UPDATE outbox SET params = '{}', payload = NULL,
    recipient = CASE WHEN recipient_key LIKE 'group:%' THEN recipient ELSE '{\"erased\":true}' END,
    recipient_key = CASE WHEN recipient_key LIKE 'group:%' THEN recipient_key ELSE 'erased' END,
    state = CASE WHEN state IN ('pending', 'sending') AND recipient_key NOT LIKE 'group:%'
                 THEN 'failed' ELSE state END,
    last_error = CASE WHEN state IN ('pending', 'sending') AND recipient_key NOT LIKE 'group:%'
                 THEN 'borrado por solicitud ARCO' ELSE last_error END
WHERE message_id = $1 AND purpose NOT IN ('coordinator_notice', 'escalation_notice')";
/// Notices to coordinators quoted the person's text; they keep the folio (from the report).
const ERASE_OUTBOX_QUOTES: &str = "\
UPDATE outbox SET params = '{}', payload = NULL
WHERE message_id = $1 AND purpose IN ('coordinator_notice', 'escalation_notice')";
const ERASE_DELIVERY: &str = "\
UPDATE webhook_deliveries SET body = $2 WHERE id = (SELECT delivery_id FROM inbound_messages WHERE id = $1)";
const ERASE_NOTICE: &str = "DELETE FROM privacy_notices WHERE sender_pseudonym = $1";
const ERASE_STATUSES: &str = "\
UPDATE message_statuses SET recipient_id = NULL WHERE recipient_id = $1";
/// Pacing rows are keyed by the address (`wa:…`, `bsuid:…`).
const ERASE_PACING: &str = "DELETE FROM recipient_pacing WHERE recipient_key = $1";
const MEDIA_IN_USE: &str =
    "SELECT COUNT(*) FROM media_files WHERE sha256 = $1 AND state = 'stored'";

impl Store {
    /// Messages, reports and outbound messages of the person with these pseudonyms.
    pub async fn person_data(&self, pseudonyms: &[String]) -> Result<PersonData, StoreError> {
        let mut data = PersonData::default();
        for k in pseudonyms {
            let rows: Vec<InboundRow> = dispatch!(&self.pool, |p| {
                sqlx::query_as(PERSON_MESSAGES).bind(k).fetch_all(p).await
            })?;
            for m in rows {
                if data.messages.iter().any(|x| x.id == m.id) {
                    continue;
                }
                let reports: Vec<ReportRow> = dispatch!(&self.pool, |p| {
                    sqlx::query_as(MESSAGE_REPORTS)
                        .bind(m.id)
                        .fetch_all(p)
                        .await
                })?;
                let outbox: Vec<OutboxRow> = dispatch!(&self.pool, |p| {
                    sqlx::query_as(MESSAGE_OUTBOX).bind(m.id).fetch_all(p).await
                })?;
                data.reports.extend(reports);
                data.outbox.extend(outbox);
                data.messages.push(m);
            }
        }
        Ok(data)
    }

    /// Erases the person's identity and texts (raw copies included), keeping the reports.
    /// `phones` are the spellings of their number as Meta sends it and their BSUID (for
    /// delivery statuses and pacing rows, which are keyed by address).
    pub async fn erase_person(
        &self,
        pseudonyms: &[String],
        phones: &[String],
        now: DateTime<Utc>,
    ) -> Result<PurgeCounts, StoreError> {
        let data = self.person_data(pseudonyms).await?;
        let mut n = PurgeCounts::default();
        let mut tx = begin_write(&self.pool).await?;
        for m in &data.messages {
            let media: Vec<(i64, Option<String>)> = dispatch!(tx.conn(), |c| {
                sqlx::query_as(MESSAGE_MEDIA).bind(m.id).fetch_all(c).await
            })?;
            for (id, sha) in media {
                dispatch!(tx.conn(), |c| {
                    sqlx::query(FORGET_MEDIA)
                        .bind(id)
                        .bind(now)
                        .execute(c)
                        .await
                        .map(drop)
                })?;
                n.media_files += 1;
                n.media_to_delete.extend(sha);
            }
            for sql in [ERASE_MESSAGE, ERASE_OUTBOX_TO_PERSON, ERASE_OUTBOX_QUOTES] {
                dispatch!(tx.conn(), |c| {
                    sqlx::query(sql).bind(m.id).execute(c).await.map(drop)
                })?;
            }
            n.raw_bodies += dispatch!(tx.conn(), |c| {
                sqlx::query(ERASE_DELIVERY)
                    .bind(m.id)
                    .bind(Vec::<u8>::new())
                    .execute(c)
                    .await
                    .map(|d| d.rows_affected())
            })?;
            n.closed_report_messages += 1;
        }
        for k in pseudonyms {
            dispatch!(tx.conn(), |c| {
                sqlx::query(ERASE_NOTICE).bind(k).execute(c).await.map(drop)
            })?;
        }
        for phone in phones {
            dispatch!(tx.conn(), |c| {
                sqlx::query(ERASE_STATUSES)
                    .bind(phone)
                    .execute(c)
                    .await
                    .map(drop)
            })?;
            for key in [format!("wa:{phone}"), format!("bsuid:{phone}")] {
                dispatch!(tx.conn(), |c| {
                    sqlx::query(ERASE_PACING)
                        .bind(&key)
                        .execute(c)
                        .await
                        .map(drop)
                })?;
            }
        }
        tx.commit().await?;
        Ok(n)
    }

    /// Whether any stored media row still uses this file.
    pub async fn media_in_use(&self, sha256: &str) -> Result<bool, StoreError> {
        let (n,): (i64,) = dispatch!(&self.pool, |p| {
            sqlx::query_as(MEDIA_IN_USE).bind(sha256).fetch_one(p).await
        })?;
        Ok(n > 0)
    }
}
