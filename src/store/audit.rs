//! The append-only audit trail (`audit_log`): who did what to which report, user or
//! person, and the live feed of report changes the queue's streams read.

use chrono::{DateTime, Utc};

use super::db::{dispatch, Conn};
use super::rows::{AuditRow, ChangeJoin, ReportChangeRow};
use super::{Store, StoreError};

/// An entry for the append-only audit trail.
#[derive(Debug, Clone)]
pub struct NewAudit {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity_kind: String,
    pub entity_id: String,
    pub detail: serde_json::Value,
}

/// The one statement every audit entry goes through (the webhook writers included).
pub(crate) const INSERT_AUDIT: &str = "\
INSERT INTO audit_log (at, actor, action, entity_kind, entity_id, detail)
VALUES ($1, $2, $3, $4, $5, $6)";

const REPORT_CHANGES_AFTER: &str = "\
SELECT a.id, a.action, a.actor, r.folio, r.region, r.category, r.priority, r.status
FROM audit_log a LEFT JOIN reports r ON r.folio = a.entity_id
WHERE a.entity_kind = 'report' AND a.id > $1 ORDER BY a.id LIMIT $2";
const LAST_AUDIT_ID: &str = "SELECT COALESCE(MAX(id), 0) FROM audit_log";
const SELECT_AUDIT: &str =
    "SELECT * FROM audit_log WHERE entity_kind = $1 AND entity_id = $2 ORDER BY id";

/// One audit entry, borrowed, in [`INSERT_AUDIT`]'s parameter order: the only shape the
/// store writes entries in. Each driver binds it in one place: [`insert_entry`] here, and
/// `ingest/sqlite/plans.rs` on the SQLite writer thread.
#[derive(Debug, Clone)]
pub(crate) struct AuditEntry<'a> {
    pub at: DateTime<Utc>,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity_kind: &'a str,
    pub entity_id: &'a str,
    pub detail: String,
}

impl<'a> AuditEntry<'a> {
    /// An entry about a report, which the trail keys by folio.
    pub fn report(
        at: DateTime<Utc>,
        actor: &'a str,
        action: &'a str,
        folio: &'a str,
        detail: &serde_json::Value,
    ) -> Self {
        AuditEntry {
            at,
            actor,
            action,
            entity_kind: "report",
            entity_id: folio,
            detail: detail.to_string(),
        }
    }
}

impl NewAudit {
    pub(crate) fn entry(&self) -> AuditEntry<'_> {
        AuditEntry {
            at: self.at,
            actor: &self.actor,
            action: &self.action,
            entity_kind: &self.entity_kind,
            entity_id: &self.entity_id,
            detail: self.detail.to_string(),
        }
    }
}

/// Writes one audit entry inside the caller's transaction.
pub(crate) async fn insert_entry(conn: Conn<'_>, e: &AuditEntry<'_>) -> Result<(), sqlx::Error> {
    dispatch!(conn, |c| {
        sqlx::query(INSERT_AUDIT)
            .bind(e.at)
            .bind(e.actor)
            .bind(e.action)
            .bind(e.entity_kind)
            .bind(e.entity_id)
            .bind(&e.detail)
            .execute(c)
            .await
            .map(drop)
    })
}

/// Writes an operator's or the CLI's entry inside the caller's transaction.
pub(crate) async fn insert_audit(conn: Conn<'_>, e: &NewAudit) -> Result<(), sqlx::Error> {
    insert_entry(conn, &e.entry()).await
}

impl Store {
    pub async fn append_audit(&self, entry: &NewAudit) -> Result<(), StoreError> {
        match &self.pool {
            super::db::Either::Sqlite(p) => {
                let mut c = p.acquire().await?;
                insert_audit(super::db::Either::Sqlite(&mut c), entry).await?;
            }
            super::db::Either::Postgres(p) => {
                let mut c = p.acquire().await?;
                insert_audit(super::db::Either::Postgres(&mut c), entry).await?;
            }
        }
        Ok(())
    }

    pub async fn last_audit_id(&self) -> Result<i64, StoreError> {
        let (id,): (i64,) = dispatch!(&self.pool, |p| sqlx::query_as(LAST_AUDIT_ID)
            .fetch_one(p)
            .await)?;
        Ok(id)
    }

    /// Report audit entries after `after`, each joined to its report's current state, in
    /// one query (the live feed reads every report created in a burst). Entries whose
    /// report no longer exists are left out, so the cursor is returned beside the rows.
    pub async fn report_changes_after(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<(Vec<ReportChangeRow>, Option<i64>), StoreError> {
        let found: Vec<ChangeJoin> = dispatch!(&self.pool, |p| {
            sqlx::query_as(REPORT_CHANGES_AFTER)
                .bind(after)
                .bind(limit)
                .fetch_all(p)
                .await
        })?;
        let cursor = found.last().map(|row| row.id);
        let changes = found
            .into_iter()
            .filter_map(ChangeJoin::into_change)
            .collect();
        Ok((changes, cursor))
    }

    /// Every entry about one entity, oldest first.
    pub async fn audit_trail(&self, kind: &str, id: &str) -> Result<Vec<AuditRow>, StoreError> {
        Ok(dispatch!(&self.pool, |p| {
            sqlx::query_as(SELECT_AUDIT)
                .bind(kind)
                .bind(id)
                .fetch_all(p)
                .await
        })?)
    }
}
