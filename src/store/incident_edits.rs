//! Reading incidents back (the queue, the tests) and operators' corrections of grouping:
//! confirm a report belongs, split it out into its own incident, merge two incidents. Each
//! correction writes its audit entry in the same transaction.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};

use super::audit::{insert_entry, AuditEntry};
use super::db::{begin_write, dispatch};
use super::{Store, StoreError};

/// An incident as the queue lists it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct IncidentRow {
    pub id: i64,
    pub lead_report_id: i64,
    pub lead_folio: String,
    pub region: String,
    pub category: String,
    pub report_count: i64,
    pub groups: i64,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
    pub merged_into: Option<i64>,
}

/// A report of an incident, with how it got there.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IncidentMemberRow {
    pub report_id: i64,
    pub folio: String,
    pub group_ref: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub how: String,
    /// The decision that placed it (JSON).
    pub signals: String,
    pub confirmed_by: Option<String>,
}

const INCIDENT_COLUMNS: &str = "\
SELECT i.id, i.lead_report_id, lead.folio AS lead_folio, i.region, i.category,
       CAST(i.report_count AS BIGINT) AS report_count,
       (SELECT COUNT(DISTINCT r.group_ref) FROM incident_reports ir
        JOIN reports r ON r.id = ir.report_id WHERE ir.incident_id = i.id) AS groups,
       i.first_at, i.last_at, i.merged_into
FROM incidents i JOIN reports lead ON lead.id = i.lead_report_id";
const MEMBERS: &str = "\
SELECT ir.report_id, r.folio, r.group_ref, r.status, r.created_at, ir.how, ir.signals,
       ir.confirmed_by
FROM incident_reports ir JOIN reports r ON r.id = ir.report_id
WHERE ir.incident_id = $1 ORDER BY r.created_at, r.id";
const CONFIRM: &str = "UPDATE incident_reports SET confirmed_by = $2 WHERE report_id = $1";
const LEAVE: &str = "DELETE FROM incident_reports WHERE report_id = $1 AND incident_id = $2";
const NEW_INCIDENT: &str = "\
INSERT INTO incidents (lead_report_id, region, category, first_at, last_at, report_count,
                       notified_count)
SELECT r.id, r.region, r.category, r.created_at, r.created_at, 1, 1 FROM reports r
WHERE r.id = $1 ON CONFLICT (lead_report_id) DO NOTHING RETURNING id";
const JOIN_AS_OPERATOR: &str = "\
INSERT INTO incident_reports (report_id, incident_id, joined_at, how, signals, confirmed_by)
VALUES ($1, $2, $3, 'operator', '{}', $4)";
const MOVE_ALL: &str = "UPDATE incident_reports SET incident_id = $2 WHERE incident_id = $1";
/// Count and times recomputed from what the incident holds after a change.
const RECOUNT: &str = "\
UPDATE incidents SET
    report_count = (SELECT COUNT(*) FROM incident_reports ir WHERE ir.incident_id = incidents.id),
    first_at = COALESCE((SELECT MIN(r.created_at) FROM incident_reports ir
                         JOIN reports r ON r.id = ir.report_id
                         WHERE ir.incident_id = incidents.id), first_at),
    last_at = COALESCE((SELECT MAX(r.created_at) FROM incident_reports ir
                        JOIN reports r ON r.id = ir.report_id
                        WHERE ir.incident_id = incidents.id), last_at)
WHERE id = $1";
const MARK_MERGED: &str =
    "UPDATE incidents SET merged_into = $2 WHERE id = $1 AND merged_into IS NULL";

/// Why a correction was refused (the operator reads it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IncidentEditError {
    #[error("el reporte no pertenece a ningún incidente")]
    NotInIncident,
    #[error("el reporte es el primero del incidente: separe los demás o una el incidente a otro")]
    IsLead,
    #[error("el incidente ya no existe o fue unido a otro")]
    Gone,
    #[error("un incidente no se puede unir consigo mismo")]
    SameIncident,
}

impl Store {
    /// The incident holding report `report_id`.
    pub async fn incident_of_report(
        &self,
        report_id: i64,
    ) -> Result<Option<IncidentRow>, StoreError> {
        Ok(dispatch!(&self.pool, |p| sqlx::query_as(
            BY_REPORT.as_str()
        )
        .bind(report_id)
        .fetch_optional(p)
        .await)?)
    }

    /// One incident by id.
    pub async fn incident(&self, id: i64) -> Result<Option<IncidentRow>, StoreError> {
        Ok(dispatch!(&self.pool, |p| sqlx::query_as(BY_ID.as_str())
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    /// The reports of an incident, in arrival order.
    pub async fn incident_members(
        &self,
        incident_id: i64,
    ) -> Result<Vec<IncidentMemberRow>, StoreError> {
        Ok(dispatch!(&self.pool, |p| sqlx::query_as(MEMBERS)
            .bind(incident_id)
            .fetch_all(p)
            .await)?)
    }

    /// An operator confirms grouping's decision for a report.
    pub async fn confirm_in_incident(
        &self,
        report_id: i64,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<Result<(), IncidentEditError>, StoreError> {
        let Some(incident) = self.incident_of_report(report_id).await? else {
            return Ok(Err(IncidentEditError::NotInIncident));
        };
        let folio = self.folio_of(report_id).await?;
        let mut tx = begin_write(&self.pool).await?;
        dispatch!(tx.conn(), |c| sqlx::query(CONFIRM)
            .bind(report_id)
            .bind(actor)
            .execute(c)
            .await
            .map(|_| ()))?;
        let detail = serde_json::json!({ "incidente": incident.lead_folio });
        let entry = AuditEntry::report(at, actor, "incident.confirmed", &folio, &detail);
        insert_entry(tx.conn(), &entry).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// An operator takes a report out of its incident: it becomes the first report of an
    /// incident of its own. Returns the new incident's id.
    pub async fn split_from_incident(
        &self,
        report_id: i64,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<Result<i64, IncidentEditError>, StoreError> {
        let Some(old) = self.incident_of_report(report_id).await? else {
            return Ok(Err(IncidentEditError::NotInIncident));
        };
        if old.lead_report_id == report_id {
            return Ok(Err(IncidentEditError::IsLead));
        }
        let folio = self.folio_of(report_id).await?;
        let mut tx = begin_write(&self.pool).await?;
        let left = dispatch!(tx.conn(), |c| sqlx::query(LEAVE)
            .bind(report_id)
            .bind(old.id)
            .execute(c)
            .await
            .map(|d| d.rows_affected()))?;
        if left == 0 {
            return Ok(Err(IncidentEditError::Gone));
        }
        let new: Option<(i64,)> = dispatch!(tx.conn(), |c| sqlx::query_as(NEW_INCIDENT)
            .bind(report_id)
            .fetch_optional(c)
            .await)?;
        let Some((new_id,)) = new else {
            return Ok(Err(IncidentEditError::Gone));
        };
        dispatch!(tx.conn(), |c| sqlx::query(JOIN_AS_OPERATOR)
            .bind(report_id)
            .bind(new_id)
            .bind(at)
            .bind(actor)
            .execute(c)
            .await
            .map(|_| ()))?;
        for id in [old.id, new_id] {
            dispatch!(tx.conn(), |c| sqlx::query(RECOUNT)
                .bind(id)
                .execute(c)
                .await
                .map(|_| ()))?;
        }
        let detail = serde_json::json!({ "de_incidente": old.lead_folio });
        let entry = AuditEntry::report(at, actor, "incident.split", &folio, &detail);
        insert_entry(tx.conn(), &entry).await?;
        tx.commit().await?;
        Ok(Ok(new_id))
    }

    /// An operator merges incident `from` into `into`: its reports move, and it is kept
    /// (empty, `merged_into` set) so its first report's folio still leads somewhere.
    pub async fn merge_incidents(
        &self,
        from: i64,
        into: i64,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<Result<(), IncidentEditError>, StoreError> {
        if from == into {
            return Ok(Err(IncidentEditError::SameIncident));
        }
        let (Some(a), Some(b)) = (self.incident(from).await?, self.incident(into).await?) else {
            return Ok(Err(IncidentEditError::Gone));
        };
        if a.merged_into.is_some() || b.merged_into.is_some() {
            return Ok(Err(IncidentEditError::Gone));
        }
        let mut tx = begin_write(&self.pool).await?;
        let marked = dispatch!(tx.conn(), |c| sqlx::query(MARK_MERGED)
            .bind(from)
            .bind(into)
            .execute(c)
            .await
            .map(|d| d.rows_affected()))?;
        if marked == 0 {
            return Ok(Err(IncidentEditError::Gone));
        }
        dispatch!(tx.conn(), |c| sqlx::query(MOVE_ALL)
            .bind(from)
            .bind(into)
            .execute(c)
            .await
            .map(|_| ()))?;
        for id in [from, into] {
            dispatch!(tx.conn(), |c| sqlx::query(RECOUNT)
                .bind(id)
                .execute(c)
                .await
                .map(|_| ()))?;
        }
        let detail = serde_json::json!({ "unido_a": b.lead_folio, "reportes": a.report_count });
        let entry = AuditEntry::report(at, actor, "incident.merged", &a.lead_folio, &detail);
        insert_entry(tx.conn(), &entry).await?;
        let detail = serde_json::json!({ "recibe": a.lead_folio, "reportes": a.report_count });
        let entry = AuditEntry::report(at, actor, "incident.merged_in", &b.lead_folio, &detail);
        insert_entry(tx.conn(), &entry).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    async fn folio_of(&self, report_id: i64) -> Result<String, StoreError> {
        let row: (String,) = dispatch!(&self.pool, |p| sqlx::query_as(
            "SELECT folio FROM reports WHERE id = $1"
        )
        .bind(report_id)
        .fetch_one(p)
        .await)?;
        Ok(row.0)
    }
}

const OPEN_INCIDENTS: &str = "\
WHERE i.merged_into IS NULL AND lead.status IN ('open', 'acknowledged')
ORDER BY i.last_at DESC, i.id DESC LIMIT $1";

impl Store {
    /// Incidents whose first report is still open or acknowledged, latest activity first.
    pub async fn open_incidents(&self, limit: i64) -> Result<Vec<IncidentRow>, StoreError> {
        Ok(dispatch!(&self.pool, |p| sqlx::query_as(OPEN.as_str())
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }
}

// Composed once from the fragments above; sqlx 0.9 takes only `'static` SQL text.
static BY_REPORT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{INCIDENT_COLUMNS} WHERE i.id = (SELECT incident_id FROM incident_reports \
         WHERE report_id = $1)"
    )
});
static BY_ID: LazyLock<String> = LazyLock::new(|| format!("{INCIDENT_COLUMNS} WHERE i.id = $1"));
static OPEN: LazyLock<String> = LazyLock::new(|| format!("{INCIDENT_COLUMNS} {OPEN_INCIDENTS}"));
