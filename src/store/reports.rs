//! Reports (`reports`): finding one, the escalation of unacknowledged ones, and the
//! figures `/metrics` reads. An operator's change to a report is `report_changes.rs`; the
//! queue's filtered lists are `report_query.rs`; reports are opened by `ingest/`.

use chrono::{DateTime, Utc};

use super::audit::{insert_entry, AuditEntry};
use super::db::{begin_write, dispatch};
use super::outbox::insert_outbox;
use super::rows::{Gauges, ReportRow};
use super::NewOutbox;
use super::{Store, StoreError};

pub use super::report_changes::{CorrectionRow, NewCorrection, ReportChange, ReportFields};

/// One escalation step of an unacknowledged report.
#[derive(Debug, Clone)]
pub struct EscalationStep {
    pub report_id: i64,
    pub folio: String,
    pub from_level: i32,
    pub to_level: i32,
    /// When the following step is due; `None` after the last one.
    pub next_at: Option<DateTime<Utc>>,
    pub at: DateTime<Utc>,
    /// Coordinator ids notified, for the audit trail.
    pub notified: Vec<String>,
    pub outbox: Vec<NewOutbox>,
}

/// Ways to find a report.
#[derive(Debug, Clone, Copy)]
pub enum ReportLookup<'a> {
    Id(i64),
    Folio(&'a str),
    /// The report opened by this inbound message.
    MessageWamid(&'a str),
    /// The report one of our outbound messages was about.
    OutboundWamid(&'a str),
    /// The newest report of a group that is not resolved.
    LatestOpenOfGroup(&'a str),
}

const SELECT_REPORT_BY_ID: &str = "SELECT * FROM reports WHERE id = $1";
const SELECT_REPORT_BY_FOLIO: &str = "SELECT * FROM reports WHERE folio = $1";
const SELECT_REPORT_BY_MESSAGE_WAMID: &str = "\
SELECT r.* FROM reports r JOIN inbound_messages m ON m.id = r.message_id WHERE m.wamid = $1";
const SELECT_REPORT_BY_OUTBOUND_WAMID: &str = "\
SELECT r.* FROM reports r JOIN outbox o ON o.report_id = r.id WHERE o.wamid = $1";
const SELECT_LATEST_OPEN_REPORT: &str = "\
SELECT * FROM reports WHERE group_ref = $1 AND status <> 'resolved'
ORDER BY created_at DESC, id DESC LIMIT 1";
const DUPLICATES_OF: &str = "SELECT * FROM reports WHERE duplicate_of = $1 ORDER BY id";
const MARK_FOLLOW_UPS_SEEN: &str = "UPDATE reports SET follow_ups_unseen = 0 WHERE id = $1";

/// A report someone holds under an active claim is being worked: its escalation waits
/// until the claim is released or expires (`queue::timing` says so on the page).
const SELECT_DUE_ESCALATIONS: &str = "\
SELECT * FROM reports WHERE status = 'open' AND escalate_at IS NOT NULL AND escalate_at <= $1
  AND (claimed_by IS NULL OR claim_expires_at IS NULL OR claim_expires_at <= $1)
ORDER BY escalate_at LIMIT $2";

/// Moves a report one escalation step; the level check makes each step fire once even with
/// several workers racing for it.
const ESCALATE: &str = "\
UPDATE reports SET escalation_level = $3, escalate_at = $4, updated_at = $5
WHERE id = $1 AND escalation_level = $2 AND status = 'open'";

const GAUGE_REPORTS: &str =
    "SELECT category || '/' || status, COUNT(*) FROM reports GROUP BY category, status";
const GAUGE_OUTBOX: &str = "\
SELECT state, COUNT(*) FROM outbox WHERE state IN ('pending', 'sending') GROUP BY state";
const GAUGE_OLDEST_PENDING: &str =
    "SELECT MIN(created_at) FROM outbox WHERE state IN ('pending', 'sending')";

impl Store {
    pub async fn report(&self, lookup: ReportLookup<'_>) -> Result<Option<ReportRow>, StoreError> {
        let (sql, key) = match lookup {
            ReportLookup::Id(id) => {
                return Ok(dispatch!(&self.pool, |p| {
                    sqlx::query_as(SELECT_REPORT_BY_ID)
                        .bind(id)
                        .fetch_optional(p)
                        .await
                })?)
            }
            ReportLookup::Folio(f) => (SELECT_REPORT_BY_FOLIO, f),
            ReportLookup::MessageWamid(w) => (SELECT_REPORT_BY_MESSAGE_WAMID, w),
            ReportLookup::OutboundWamid(w) => (SELECT_REPORT_BY_OUTBOUND_WAMID, w),
            ReportLookup::LatestOpenOfGroup(g) => (SELECT_LATEST_OPEN_REPORT, g),
        };
        Ok(dispatch!(&self.pool, |p| {
            sqlx::query_as(sql).bind(key).fetch_optional(p).await
        })?)
    }

    pub async fn duplicates_of(&self, folio: &str) -> Result<Vec<ReportRow>, StoreError> {
        Ok(dispatch!(&self.pool, |p| {
            sqlx::query_as(DUPLICATES_OF).bind(folio).fetch_all(p).await
        })?)
    }

    /// An operator opened the report: its citizens' follow-ups are no longer new.
    pub async fn mark_follow_ups_seen(&self, report_id: i64) -> Result<(), StoreError> {
        dispatch!(&self.pool, |p| {
            sqlx::query(MARK_FOLLOW_UPS_SEEN)
                .bind(report_id)
                .execute(p)
                .await
                .map(drop)
        })?;
        Ok(())
    }

    pub async fn due_escalations(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<ReportRow>, StoreError> {
        Ok(dispatch!(&self.pool, |p| {
            sqlx::query_as(SELECT_DUE_ESCALATIONS)
                .bind(now)
                .bind(limit)
                .fetch_all(p)
                .await
        })?)
    }

    /// Applies an escalation step once; false if the report moved on meanwhile.
    pub async fn escalate(&self, step: &EscalationStep) -> Result<bool, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let moved = dispatch!(tx.conn(), |c| {
            sqlx::query(ESCALATE)
                .bind(step.report_id)
                .bind(step.from_level)
                .bind(step.to_level)
                .bind(step.next_at)
                .bind(step.at)
                .execute(c)
                .await
                .map(|d| d.rows_affected())
        })?;
        if moved == 0 {
            return Ok(false);
        }
        let detail = serde_json::json!({
            "level": step.to_level, "notified": step.notified, "next_at": step.next_at,
        });
        let action = format!("report.escalated.{}", step.to_level);
        let entry = AuditEntry::report(step.at, "system:escalation", &action, &step.folio, &detail);
        insert_entry(tx.conn(), &entry).await?;
        for o in &step.outbox {
            insert_outbox(tx.conn(), o, Some(step.report_id), None).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Reports by category and status, outbox depth and age, for `/metrics`.
    pub async fn gauges(&self) -> Result<Gauges, StoreError> {
        Ok(dispatch!(&self.pool, |p| {
            Ok::<_, sqlx::Error>(Gauges {
                reports: sqlx::query_as(GAUGE_REPORTS).fetch_all(p).await?,
                outbox: sqlx::query_as(GAUGE_OUTBOX).fetch_all(p).await?,
                oldest_pending: sqlx::query_as::<_, (Option<DateTime<Utc>>,)>(GAUGE_OLDEST_PENDING)
                    .fetch_one(p)
                    .await?
                    .0,
            })
        })?)
    }
}
