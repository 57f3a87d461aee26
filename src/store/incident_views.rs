//! Incidents as the queue pages show them: each report of an incident with the incident's
//! count, groups and times, read in one query per page rather than one per row.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};

use super::db::dispatch;
use super::incident_edits::IncidentRow;
use super::{Store, StoreError};

/// One report of an incident, with the incident it belongs to.
#[derive(Debug, Clone)]
pub struct IncidentMemberView {
    pub incident: IncidentRow,
    pub member_folio: String,
    pub member_group: String,
    pub member_region: String,
    pub member_status: String,
    pub member_created_at: DateTime<Utc>,
    /// The decision that placed it (JSON; `{}` when an operator did).
    pub member_signals: String,
}

const COLUMNS: &str = "\
SELECT i.id, i.lead_report_id, lead.folio AS lead_folio, i.region, i.category,
       CAST(i.report_count AS BIGINT) AS report_count,
       (SELECT COUNT(DISTINCT g.group_ref) FROM incident_reports gi
        JOIN reports g ON g.id = gi.report_id WHERE gi.incident_id = i.id) AS groups,
       i.first_at, i.last_at, i.merged_into,
       r.folio AS member_folio, r.group_ref AS member_group, r.region AS member_region,
       r.status AS member_status,
       r.created_at AS member_created_at, ir.signals AS member_signals
FROM incidents i
JOIN reports lead ON lead.id = i.lead_report_id
JOIN incident_reports ir ON ir.incident_id = i.id
JOIN reports r ON r.id = ir.report_id";

// Composed once; sqlx 0.9 takes only `'static` SQL text.
/// A report of the page lies between its incident's first and last report, so the page's
/// oldest and newest reports bound the incidents it can show.
static SPANNING: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{COLUMNS} WHERE i.merged_into IS NULL AND i.report_count >= 2
           AND i.last_at >= $1 AND i.first_at <= $2
         ORDER BY i.id, r.created_at, r.id"
    )
});
static OF_FOLIO: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{COLUMNS} WHERE i.merged_into IS NULL AND i.id = (
             SELECT x.incident_id FROM incident_reports x JOIN reports f ON f.id = x.report_id
             WHERE f.folio = $1)
         ORDER BY r.created_at, r.id"
    )
});

impl Store {
    /// The reports of every incident of two or more reports that overlaps `from..=to`.
    pub async fn incident_members_spanning(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<IncidentMemberView>, StoreError> {
        Ok(dispatch!(&self.pool, |p| sqlx::query_as(
            SPANNING.as_str()
        )
        .bind(from)
        .bind(to)
        .fetch_all(p)
        .await)?)
    }

    /// The reports of the incident holding the report `folio` (none when it is in none).
    pub async fn incident_members_of_folio(
        &self,
        folio: &str,
    ) -> Result<Vec<IncidentMemberView>, StoreError> {
        Ok(dispatch!(&self.pool, |p| sqlx::query_as(
            OF_FOLIO.as_str()
        )
        .bind(folio)
        .fetch_all(p)
        .await)?)
    }
}
