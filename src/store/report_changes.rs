//! An operator's change to a report: new field values applied as compare-and-swap on the
//! report's version, with its audit entry, the classifier correction it implies and the
//! messages it sends, in one transaction; and the corrections, read back for training.

use chrono::{DateTime, Utc};

use super::audit::{insert_audit, NewAudit};
use super::db::{begin_write, dispatch};
use super::outbox::insert_outbox;
use super::rows::ReportRow;
use super::NewOutbox;
use super::{Store, StoreError};

/// The columns an operator's action may change; always written whole.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportFields {
    pub category: String,
    pub priority: String,
    pub status: String,
    pub escalate_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    pub claimed_by: Option<String>,
    pub claim_expires_at: Option<DateTime<Utc>>,
    pub assigned_to: Option<String>,
    pub duplicate_of: Option<String>,
    pub needs_review: bool,
}

impl From<&ReportRow> for ReportFields {
    fn from(r: &ReportRow) -> Self {
        ReportFields {
            category: r.category.clone(),
            priority: r.priority.clone(),
            status: r.status.clone(),
            escalate_at: r.escalate_at,
            acknowledged_at: r.acknowledged_at,
            acknowledged_by: r.acknowledged_by.clone(),
            resolved_at: r.resolved_at,
            resolved_by: r.resolved_by.clone(),
            claimed_by: r.claimed_by.clone(),
            claim_expires_at: r.claim_expires_at,
            assigned_to: r.assigned_to.clone(),
            duplicate_of: r.duplicate_of.clone(),
            needs_review: r.needs_review,
        }
    }
}

/// A human's correction of the classifier.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCorrection {
    pub from_category: String,
    pub from_priority: String,
    pub to_category: String,
    pub to_priority: String,
    pub reason: Option<String>,
}

/// One operator action: new field values, guarded by the version they were computed from,
/// with its audit entry, an optional correction, and messages to send.
#[derive(Debug, Clone)]
pub struct ReportChange {
    pub report_id: i64,
    pub expected_version: i64,
    pub at: DateTime<Utc>,
    pub fields: ReportFields,
    pub audit: NewAudit,
    pub correction: Option<NewCorrection>,
    pub outbox: Vec<NewOutbox>,
}

/// A correction with the text it corrects, for `alerta triage corrections`.
#[derive(Debug, Clone)]
pub struct CorrectionRow {
    pub id: i64,
    pub folio: String,
    pub text: Option<String>,
    pub from_category: String,
    pub from_priority: String,
    pub to_category: String,
    pub to_priority: String,
    pub reason: Option<String>,
    pub actor: String,
    pub at: DateTime<Utc>,
}

const UPDATE_REPORT: &str = "\
UPDATE reports SET category = $3, priority = $4, status = $5, escalate_at = $6,
    acknowledged_at = $7, acknowledged_by = $8, resolved_at = $9, resolved_by = $10,
    claimed_by = $11, claim_expires_at = $12, assigned_to = $13, duplicate_of = $14,
    needs_review = $15, updated_at = $16, version = version + 1
WHERE id = $1 AND version = $2";
const INSERT_CORRECTION: &str = "\
INSERT INTO triage_corrections (report_id, from_category, from_priority, to_category,
                                to_priority, reason, actor, at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
const REPORT_ORIGIN_MESSAGE: &str = "SELECT message_id FROM reports WHERE id = $1";

const CORRECTIONS: &str = "\
SELECT c.id, r.folio, COALESCE(m.body, m.note) AS text, c.from_category, c.from_priority,
       c.to_category, c.to_priority, c.reason, c.actor, c.at
FROM triage_corrections c JOIN reports r ON r.id = c.report_id
JOIN inbound_messages m ON m.id = r.message_id
ORDER BY c.id";

impl Store {
    /// Applies a change if the report is still at `expected_version`; false otherwise.
    pub async fn update_report(&self, c: &ReportChange) -> Result<bool, StoreError> {
        let f = &c.fields;
        let mut tx = begin_write(&self.pool).await?;
        let done = dispatch!(tx.conn(), |conn| {
            sqlx::query(UPDATE_REPORT)
                .bind(c.report_id)
                .bind(c.expected_version)
                .bind(&f.category)
                .bind(&f.priority)
                .bind(&f.status)
                .bind(f.escalate_at)
                .bind(f.acknowledged_at)
                .bind(&f.acknowledged_by)
                .bind(f.resolved_at)
                .bind(&f.resolved_by)
                .bind(&f.claimed_by)
                .bind(f.claim_expires_at)
                .bind(&f.assigned_to)
                .bind(&f.duplicate_of)
                .bind(f.needs_review)
                .bind(c.at)
                .execute(conn)
                .await
                .map(|d| d.rows_affected())
        })?;
        if done == 0 {
            return Ok(false);
        }
        insert_audit(tx.conn(), &c.audit).await?;
        if let Some(k) = &c.correction {
            dispatch!(tx.conn(), |conn| {
                sqlx::query(INSERT_CORRECTION)
                    .bind(c.report_id)
                    .bind(&k.from_category)
                    .bind(&k.from_priority)
                    .bind(&k.to_category)
                    .bind(&k.to_priority)
                    .bind(&k.reason)
                    .bind(&c.audit.actor)
                    .bind(c.at)
                    .execute(conn)
                    .await
                    .map(drop)
            })?;
        }
        if !c.outbox.is_empty() {
            let (message_id,): (i64,) = dispatch!(tx.conn(), |conn| {
                sqlx::query_as(REPORT_ORIGIN_MESSAGE)
                    .bind(c.report_id)
                    .fetch_one(conn)
                    .await
            })?;
            for o in &c.outbox {
                insert_outbox(tx.conn(), o, Some(c.report_id), Some(message_id)).await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Every correction with the text it corrects, oldest first.
    pub async fn corrections(&self) -> Result<Vec<CorrectionRow>, StoreError> {
        Ok(dispatch!(&self.pool, |p| sqlx::query_as(CORRECTIONS)
            .fetch_all(p)
            .await)?)
    }
}
