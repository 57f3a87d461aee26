//! Incidents (`incidents`, `incident_reports`, `incident_outcomes`): what grouping reads
//! (reports not yet placed, the open incidents of a region with their reports) and writes
//! (a report placed, with the coordinators' notices and its audit entry, in one
//! transaction), the reporters told an incident's outcome, and operators' corrections.
//!
//! "Once" holds across replicas by keys, not by locks: a report is in one incident
//! (`incident_reports` keyed by report), an incident has one first report (`incidents`
//! unique on `lead_report_id`), and a reporter is told each outcome once
//! (`incident_outcomes` keyed by report and status). The replica whose insert loses rolls
//! its transaction back, so nothing it would have sent is queued.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};

use super::audit::{insert_entry, AuditEntry};
use super::db::{begin_write, dispatch};
use super::outbox::insert_outbox;
use super::{NewOutbox, Store, StoreError};

/// A report as grouping sees it: where, when, what it says, and how to answer its sender.
#[derive(Debug, Clone)]
pub struct IncidentSource {
    pub report_id: i64,
    pub folio: String,
    pub group_ref: String,
    pub region: String,
    pub category: String,
    pub priority: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub escalate_at: Option<DateTime<Utc>>,
    pub text: Option<String>,
    pub forwarded: bool,
    pub photo: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub location_name: Option<String>,
    pub location_address: Option<String>,
}

/// A report of an open incident.
#[derive(Debug, Clone)]
pub struct OpenMember {
    pub incident_id: i64,
    pub incident_category: String,
    pub lead_report_id: i64,
    pub source: IncidentSource,
}

/// An incident after a change, for deciding whom to tell.
#[derive(Debug, Clone)]
pub struct IncidentState {
    pub id: i64,
    pub lead_report_id: i64,
    pub lead_folio: String,
    pub region: String,
    pub category: String,
    pub report_count: i64,
    pub notified_count: i64,
    pub groups: i64,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
    /// Coordinators were already told about the first report (by the webhook's own plan,
    /// for reports stored before grouping ran).
    pub lead_notified: bool,
}

/// A report placed by grouping.
#[derive(Debug, Clone)]
pub struct Placement {
    pub report: IncidentSource,
    /// The incident it joins; `None` opens one with it as the first report.
    pub incident: Option<i64>,
    /// It takes that incident over from this first report (a comment that came before
    /// the event it is about): it becomes the incident's first report, and its category
    /// the incident's.
    pub takes_lead_from: Option<i64>,
    /// The decision, for the audit trail and the queue.
    pub signals: serde_json::Value,
    pub at: DateTime<Utc>,
}

/// A reporter still to hear an incident's outcome.
#[derive(Debug, Clone)]
pub struct PendingOutcome {
    pub report_id: i64,
    pub folio: String,
    pub member_status: String,
    pub incident_id: i64,
    pub lead_folio: String,
    /// The incident's (its first report's) status: `acknowledged` or `resolved`.
    pub status: String,
    pub by: Option<String>,
    pub cloud_group_id: Option<String>,
    pub sender_phone: Option<String>,
    pub sender_bsuid: Option<String>,
    pub wamid: String,
}

const SOURCE_COLUMNS: &str = "\
r.id AS report_id, r.folio, r.group_ref, r.region, r.category, r.priority, r.status,
r.created_at, r.escalate_at, COALESCE(m.body, m.note) AS text, m.forwarded,
m.media_sha256 AS photo,
COALESCE(m.latitude, l.latitude) AS latitude, COALESCE(m.longitude, l.longitude) AS longitude,
COALESCE(m.location_name, l.location_name) AS location_name,
COALESCE(m.location_address, l.location_address) AS location_address";
/// The report's message, and the first location shared with it (rule 4 of the ingest).
const SOURCE_JOINS: &str = "\
JOIN inbound_messages m ON m.id = r.message_id
LEFT JOIN inbound_messages l ON l.id = (SELECT MIN(x.id) FROM inbound_messages x
                                        WHERE x.attached_to = m.id AND x.latitude IS NOT NULL)";

// Composed once from the fragments above; sqlx 0.9 takes only `'static` SQL text.
static UNGROUPED: LazyLock<String> = LazyLock::new(ungrouped_sql);
static OPEN_MEMBERS: LazyLock<String> = LazyLock::new(open_members_sql);

fn ungrouped_sql() -> String {
    format!(
        "SELECT {SOURCE_COLUMNS} FROM reports r {SOURCE_JOINS}
         WHERE r.region <> 'sin-region' AND r.created_at >= $1
           AND r.status NOT IN ('dismissed', 'duplicate')
           AND NOT EXISTS (SELECT 1 FROM incident_reports ir WHERE ir.report_id = r.id)
         ORDER BY r.created_at, r.id LIMIT $2"
    )
}

fn open_members_sql() -> String {
    format!(
        "SELECT i.id AS incident_id, i.category AS incident_category, i.lead_report_id,
                {SOURCE_COLUMNS}
         FROM incidents i
         JOIN reports lead ON lead.id = i.lead_report_id
         JOIN incident_reports ir ON ir.incident_id = i.id
         JOIN reports r ON r.id = ir.report_id {SOURCE_JOINS}
         WHERE i.region = $1 AND i.merged_into IS NULL AND i.last_at >= $2
           AND lead.status IN ('open', 'acknowledged')
         ORDER BY i.id, r.created_at, r.id"
    )
}

const RECENT_TEXTS: &str = "\
SELECT COALESCE(m.body, m.note) FROM reports r JOIN inbound_messages m ON m.id = r.message_id
WHERE r.created_at >= $1 AND COALESCE(m.body, m.note) IS NOT NULL
ORDER BY r.id DESC LIMIT $2";

const INSERT_INCIDENT: &str = "\
INSERT INTO incidents (lead_report_id, region, category, first_at, last_at, report_count,
                       notified_count)
VALUES ($1, $2, $3, $4, $4, 0, 0)
ON CONFLICT (lead_report_id) DO NOTHING RETURNING id";
const INSERT_MEMBER: &str = "\
INSERT INTO incident_reports (report_id, incident_id, joined_at, how, signals)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT (report_id) DO NOTHING";
const COUNT_MEMBER: &str = "\
UPDATE incidents SET report_count = report_count + 1,
    first_at = CASE WHEN first_at > $2 THEN $2 ELSE first_at END,
    last_at = CASE WHEN last_at < $2 THEN $2 ELSE last_at END
WHERE id = $1 AND merged_into IS NULL";
/// The incident escalates as one: its first report carries the earliest deadline of all,
/// and the others leave the escalation worker's list. Only while the first report has not
/// escalated yet: once it has, its own schedule runs on, and re-arming a finished one (its
/// deadline cleared) would send the last level again.
const LEAD_DEADLINE: &str = "\
UPDATE reports SET escalate_at = $2
WHERE id = $1 AND status = 'open' AND escalation_level = 0
  AND (escalate_at IS NULL OR escalate_at > $2)";
const NO_OWN_ESCALATION: &str = "UPDATE reports SET escalate_at = NULL WHERE id = $1";
/// Only from the first report grouping saw: another replica may have moved it meanwhile.
const TAKE_LEAD: &str = "\
UPDATE incidents SET lead_report_id = $2, category = $3
WHERE id = $1 AND lead_report_id = $4 AND merged_into IS NULL";
const DEADLINE_OF: &str = "SELECT escalate_at FROM reports WHERE id = $1";
const INCIDENT_STATE: &str = "\
SELECT i.id, i.lead_report_id, lead.folio AS lead_folio, i.region, i.category,
       CAST(i.report_count AS BIGINT) AS report_count,
       CAST(i.notified_count AS BIGINT) AS notified_count,
       (SELECT COUNT(DISTINCT r.group_ref) FROM incident_reports ir
        JOIN reports r ON r.id = ir.report_id WHERE ir.incident_id = i.id) AS groups,
       i.first_at, i.last_at,
       EXISTS (SELECT 1 FROM outbox o WHERE o.report_id = i.lead_report_id
               AND o.purpose = 'coordinator_notice') AS lead_notified
FROM incidents i JOIN reports lead ON lead.id = i.lead_report_id WHERE i.id = $1";
const MARK_NOTIFIED: &str = "UPDATE incidents SET notified_count = report_count WHERE id = $1";

const PENDING_OUTCOMES: &str = "\
SELECT ir.report_id, r.folio, r.status AS member_status, i.id AS incident_id,
       lead.folio AS lead_folio, lead.status,
       CASE WHEN lead.status = 'resolved' THEN lead.resolved_by ELSE lead.acknowledged_by END AS by,
       m.cloud_group_id, m.sender_phone, m.sender_bsuid, m.wamid
FROM incident_reports ir
JOIN incidents i ON i.id = ir.incident_id
JOIN reports lead ON lead.id = i.lead_report_id
JOIN reports r ON r.id = ir.report_id
JOIN inbound_messages m ON m.id = r.message_id
WHERE lead.status IN ('acknowledged', 'resolved') AND ir.report_id <> i.lead_report_id
  AND i.merged_into IS NULL
  AND NOT EXISTS (SELECT 1 FROM incident_outcomes o
                  WHERE o.report_id = ir.report_id AND o.status = lead.status)
ORDER BY ir.report_id LIMIT $1";
const INSERT_OUTCOME: &str = "\
INSERT INTO incident_outcomes (report_id, status, incident_id, at) VALUES ($1, $2, $3, $4)
ON CONFLICT (report_id, status) DO NOTHING";
const MEMBER_ACKNOWLEDGED: &str = "\
UPDATE reports SET status = 'acknowledged', acknowledged_at = $2, acknowledged_by = $3,
    escalate_at = NULL, updated_at = $2, version = version + 1
WHERE id = $1 AND status = 'open'";
const MEMBER_RESOLVED: &str = "\
UPDATE reports SET status = 'resolved', resolved_at = $2, resolved_by = $3,
    acknowledged_at = COALESCE(acknowledged_at, $2),
    acknowledged_by = COALESCE(acknowledged_by, $3),
    escalate_at = NULL, updated_at = $2, version = version + 1
WHERE id = $1 AND status IN ('open', 'acknowledged')";

/// Who grouping is in the audit trail.
pub const GROUPING_ACTOR: &str = "system:incidents";

impl Store {
    /// Reports created since `since` that no incident holds yet, oldest first.
    pub async fn ungrouped_reports(
        &self,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<IncidentSource>, StoreError> {
        Ok(dispatch!(&self.pool, |p| sqlx::query_as(
            UNGROUPED.as_str()
        )
        .bind(since)
        .bind(limit)
        .fetch_all(p)
        .await)?)
    }

    /// The reports of `region`'s incidents that are still open (first report neither
    /// resolved nor dismissed) and had a report since `since`.
    pub async fn open_incident_members(
        &self,
        region: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<OpenMember>, StoreError> {
        Ok(dispatch!(&self.pool, |p| sqlx::query_as(
            OPEN_MEMBERS.as_str()
        )
        .bind(region)
        .bind(since)
        .fetch_all(p)
        .await)?)
    }

    /// Texts of the reports since `since`, newest first: the corpus the n-gram weights are
    /// fitted on.
    pub async fn recent_report_texts(
        &self,
        since: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(Option<String>,)> = dispatch!(&self.pool, |p| sqlx::query_as(RECENT_TEXTS)
            .bind(since)
            .bind(limit)
            .fetch_all(p)
            .await)?;
        Ok(rows.into_iter().filter_map(|r| r.0).collect())
    }

    /// Places a report: opens its incident or joins one, writes the audit entry and the
    /// notices `notices` asks for given the incident's new state, in one transaction.
    /// `None` when another replica placed it first, or the incident was merged meanwhile
    /// (it is decided again on the next pass).
    pub async fn place_report<F>(
        &self,
        p: &Placement,
        notices: F,
    ) -> Result<Option<IncidentState>, StoreError>
    where
        F: FnOnce(&IncidentState) -> Vec<NewOutbox> + Send,
    {
        let r = &p.report;
        let mut tx = begin_write(&self.pool).await?;
        let incident_id = match p.incident {
            Some(id) => id,
            None => {
                let id: Option<(i64,)> = dispatch!(tx.conn(), |c| sqlx::query_as(INSERT_INCIDENT)
                    .bind(r.report_id)
                    .bind(&r.region)
                    .bind(&r.category)
                    .bind(r.created_at)
                    .fetch_optional(c)
                    .await)?;
                match id {
                    Some((id,)) => id,
                    None => return Ok(None),
                }
            }
        };
        let how = "grouping";
        let signals = p.signals.to_string();
        let inserted = dispatch!(tx.conn(), |c| sqlx::query(INSERT_MEMBER)
            .bind(r.report_id)
            .bind(incident_id)
            .bind(p.at)
            .bind(how)
            .bind(&signals)
            .execute(c)
            .await
            .map(|d| d.rows_affected()))?;
        if inserted == 0 {
            return Ok(None);
        }
        let counted = dispatch!(tx.conn(), |c| sqlx::query(COUNT_MEMBER)
            .bind(incident_id)
            .bind(r.created_at)
            .execute(c)
            .await
            .map(|d| d.rows_affected()))?;
        if counted == 0 {
            return Ok(None);
        }
        if let Some(old_lead) = p.takes_lead_from {
            let taken = dispatch!(tx.conn(), |c| sqlx::query(TAKE_LEAD)
                .bind(incident_id)
                .bind(r.report_id)
                .bind(&r.category)
                .bind(old_lead)
                .execute(c)
                .await
                .map(|d| d.rows_affected()))?;
            if taken == 0 {
                return Ok(None);
            }
            // The incident escalates as one, from its new first report: the comment's own
            // deadline, if it had one, moves to it when earlier.
            let (due,): (Option<DateTime<Utc>>,) =
                dispatch!(tx.conn(), |c| sqlx::query_as(DEADLINE_OF)
                    .bind(old_lead)
                    .fetch_one(c)
                    .await)?;
            if let Some(due) = due {
                dispatch!(tx.conn(), |c| sqlx::query(LEAD_DEADLINE)
                    .bind(r.report_id)
                    .bind(due)
                    .execute(c)
                    .await
                    .map(|_| ()))?;
            }
            dispatch!(tx.conn(), |c| sqlx::query(NO_OWN_ESCALATION)
                .bind(old_lead)
                .execute(c)
                .await
                .map(|_| ()))?;
        }
        let state: IncidentState = dispatch!(tx.conn(), |c| sqlx::query_as(INCIDENT_STATE)
            .bind(incident_id)
            .fetch_one(c)
            .await)?;
        if state.lead_report_id != r.report_id {
            if let Some(due) = r.escalate_at {
                dispatch!(tx.conn(), |c| sqlx::query(LEAD_DEADLINE)
                    .bind(state.lead_report_id)
                    .bind(due)
                    .execute(c)
                    .await
                    .map(|_| ()))?;
            }
            dispatch!(tx.conn(), |c| sqlx::query(NO_OWN_ESCALATION)
                .bind(r.report_id)
                .execute(c)
                .await
                .map(|_| ()))?;
        }
        let rows = notices(&state);
        for o in &rows {
            insert_outbox(tx.conn(), o, Some(state.lead_report_id), None).await?;
        }
        if !rows.is_empty() {
            dispatch!(tx.conn(), |c| sqlx::query(MARK_NOTIFIED)
                .bind(incident_id)
                .execute(c)
                .await
                .map(|_| ()))?;
        }
        let action = match (p.incident, p.takes_lead_from) {
            (Some(_), Some(_)) => "incident.led",
            (Some(_), None) => "incident.joined",
            (None, _) => "incident.opened",
        };
        let detail = serde_json::json!({
            "incidente": state.lead_folio,
            "reportes": state.report_count,
            "decision": p.signals,
            "avisos": rows.len(),
        });
        let entry = AuditEntry::report(p.at, GROUPING_ACTOR, action, &r.folio, &detail);
        insert_entry(tx.conn(), &entry).await?;
        tx.commit().await?;
        Ok(Some(state))
    }

    /// Reporters of incidents' other reports who have not heard the incident's latest
    /// outcome yet.
    pub async fn pending_outcomes(&self, limit: i64) -> Result<Vec<PendingOutcome>, StoreError> {
        Ok(dispatch!(&self.pool, |p| sqlx::query_as(PENDING_OUTCOMES)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }

    /// Records that `o`'s reporter was told (or need not be: their own report already had
    /// that status), moves their report to the incident's status and queues `message`.
    /// False when another replica recorded it first.
    pub async fn record_outcome(
        &self,
        o: &PendingOutcome,
        message: Option<&NewOutbox>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let inserted = dispatch!(tx.conn(), |c| sqlx::query(INSERT_OUTCOME)
            .bind(o.report_id)
            .bind(&o.status)
            .bind(o.incident_id)
            .bind(at)
            .execute(c)
            .await
            .map(|d| d.rows_affected()))?;
        if inserted == 0 {
            return Ok(false);
        }
        let by = o.by.clone().unwrap_or_else(|| GROUPING_ACTOR.to_owned());
        let update = if o.status == "resolved" {
            MEMBER_RESOLVED
        } else {
            MEMBER_ACKNOWLEDGED
        };
        let moved = dispatch!(tx.conn(), |c| sqlx::query(update)
            .bind(o.report_id)
            .bind(at)
            .bind(&by)
            .execute(c)
            .await
            .map(|d| d.rows_affected()))?;
        if moved > 0 {
            let detail = serde_json::json!({
                "incidente": o.lead_folio,
                "por": by,
                "aviso_al_reportante": message.is_some(),
            });
            let action = format!("incident.{}", o.status);
            let entry = AuditEntry::report(at, GROUPING_ACTOR, &action, &o.folio, &detail);
            insert_entry(tx.conn(), &entry).await?;
            if let Some(m) = message {
                insert_outbox(tx.conn(), m, Some(o.report_id), None).await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }
}
