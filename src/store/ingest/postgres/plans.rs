//! What the messages a group stored set in motion, written set-based (`bulk.rs`): the
//! privacy notice for first-time senders, folios, reports with their audit entries, and
//! the outbox rows, with the same results as `serial.rs` gives one message at a time.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::postgres::PgConnection;

use super::bulk::{to_json, Stored};
use super::rows::{AuditJson, OutboxJson, ReportJson};
use crate::store::ingest::plan::{MessagePlan, NewOutbox, NewReport};
use crate::store::ingest::IngestBatch;

/// Moves each state's counter by the number of reports the group opens there.
const BUMP_FOLIOS: &str = "\
INSERT INTO folio_counters (state, year, last_seq)
SELECT * FROM UNNEST($1::text[], $2::int4[], $3::int8[])
ON CONFLICT (state, year) DO UPDATE SET last_seq = folio_counters.last_seq + excluded.last_seq
RETURNING state, year, last_seq";

/// The reports, and their `report.created` audit entries ($2) in the same statement.
const INSERT_REPORTS: &str = "\
WITH audit AS (
    INSERT INTO audit_log (at, actor, action, entity_kind, entity_id, detail)
    SELECT at, actor, action, entity_kind, entity_id, detail
    FROM json_populate_recordset(NULL::audit_log, $2::json)
)
INSERT INTO reports (folio, message_id, group_ref, region, category, priority, status,
                     created_at, escalation_level, escalate_at, updated_at, needs_review)
SELECT folio, message_id, group_ref, region, category, priority, 'open',
       created_at, 0, escalate_at, created_at, needs_review
FROM json_populate_recordset(NULL::reports, $1::json)
RETURNING id, message_id";

const INSERT_OUTBOX_ROWS: &str = "\
INSERT INTO outbox (purpose, priority, report_id, message_id, recipient_key, recipient,
                    reply_to, params, state, use_template, attempts, next_attempt_at, created_at)
SELECT purpose, priority, report_id, message_id, recipient_key, recipient,
       reply_to, params, 'pending', use_template, 0, next_attempt_at, next_attempt_at
FROM json_populate_recordset(NULL::outbox, $1::json)";

/// Who has had the privacy notice; only the keys inserted now are new.
const CLAIM_PRIVACY_KEYS: &str = "\
INSERT INTO privacy_notices (sender_pseudonym, sent_at)
SELECT * FROM UNNEST($1::text[], $2::timestamptz[])
ON CONFLICT (sender_pseudonym) DO NOTHING
RETURNING sender_pseudonym";

/// Carries out the plans of the stored messages. Outbox rows are written in the order the
/// messages came, each message's plan before its privacy notice, so each recipient's
/// replies queue as they would one message at a time. The folio counters are locked last:
/// other writers wait on them until this transaction commits.
pub(super) async fn write_plans(
    conn: &mut PgConnection,
    group: &[&IngestBatch],
    stored: &[Stored<'_>],
) -> Result<(), sqlx::Error> {
    let notified = privacy_notices(conn, group, stored).await?;
    let report_ids = open_reports(conn, group, stored).await?;
    let mut outbox = Vec::new();
    for s in stored {
        let (rows, report_id): (&[NewOutbox], _) = match &s.message.plan {
            Some(MessagePlan::Report { outbox, .. }) => (outbox, report_ids.get(&s.id).copied()),
            Some(MessagePlan::Outbox(rows)) => (rows, None),
            _ => (&[], None),
        };
        outbox.extend(rows.iter().map(|o| OutboxJson::new(o, report_id, s.id)));
        if let Some(notice) = s.message.privacy_notice.as_ref() {
            if notified.contains(&s.id) {
                outbox.push(OutboxJson::new(notice, None, s.id));
            }
        }
    }
    if !outbox.is_empty() {
        sqlx::query(INSERT_OUTBOX_ROWS)
            .bind(to_json(&outbox)?)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The messages whose sender gets the privacy notice: those whose every pseudonym is new,
/// both to the database and to the group (the first message of a sender in the group
/// claims its keys, as it would one message at a time). Returns their ids.
async fn privacy_notices(
    conn: &mut PgConnection,
    group: &[&IngestBatch],
    stored: &[Stored<'_>],
) -> Result<HashSet<i64>, sqlx::Error> {
    let mut claims: BTreeMap<&str, (i64, DateTime<Utc>)> = BTreeMap::new();
    for s in stored.iter().filter(|s| s.message.privacy_notice.is_some()) {
        for k in &s.message.privacy_keys {
            claims.entry(k).or_insert((s.id, at(group, s)));
        }
    }
    if claims.is_empty() {
        return Ok(HashSet::new());
    }
    // Keys go in sorted order (a BTreeMap), the lock order replicas share.
    let keys: Vec<&str> = claims.keys().copied().collect();
    let times: Vec<DateTime<Utc>> = claims.values().map(|c| c.1).collect();
    let inserted: HashSet<String> = sqlx::query_as(CLAIM_PRIVACY_KEYS)
        .bind(keys)
        .bind(times)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|(k,): (String,)| k)
        .collect();
    Ok(stored
        .iter()
        .filter(|s| s.message.privacy_notice.is_some() && !s.message.privacy_keys.is_empty())
        .filter(|s| {
            s.message
                .privacy_keys
                .iter()
                .all(|k| inserted.contains(k) && claims.get(k.as_str()).map(|c| c.0) == Some(s.id))
        })
        .map(|s| s.id)
        .collect())
}

/// Opens the reports the stored messages call for, with folios and audit entries. Returns
/// each report's id by its message's id.
async fn open_reports(
    conn: &mut PgConnection,
    group: &[&IngestBatch],
    stored: &[Stored<'_>],
) -> Result<HashMap<i64, i64>, sqlx::Error> {
    let opening: Vec<(&Stored, &NewReport)> = stored
        .iter()
        .filter_map(|s| match &s.message.plan {
            Some(MessagePlan::Report { report, .. }) => Some((s, report)),
            _ => None,
        })
        .collect();
    if opening.is_empty() {
        return Ok(HashMap::new());
    }
    let folios = next_folios(conn, opening.iter().map(|(_, r)| *r)).await?;
    let reports: Vec<ReportJson> = opening
        .iter()
        .zip(&folios)
        .map(|((s, r), folio)| ReportJson::new(folio, s.id, r))
        .collect();
    let audits: Vec<AuditJson> = opening
        .iter()
        .zip(&folios)
        .map(|((s, r), folio)| AuditJson::report_created(folio, r, at(group, s)))
        .collect();
    Ok(sqlx::query_as(INSERT_REPORTS)
        .bind(to_json(&reports)?)
        .bind(to_json(&audits)?)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|(id, message_id): (i64, i64)| (message_id, id))
        .collect())
}

/// Folios for `reports`, in order: one counter bump per state and year, in key order
/// (the lock order every replica follows), then numbers handed out from the bumped range.
async fn next_folios<'a>(
    conn: &mut PgConnection,
    reports: impl Iterator<Item = &'a NewReport> + Clone,
) -> Result<Vec<String>, sqlx::Error> {
    let mut wanted: BTreeMap<(&str, i32), i64> = BTreeMap::new();
    for r in reports.clone() {
        *wanted.entry((r.state.as_str(), r.year)).or_default() += 1;
    }
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let (mut states, mut years, mut counts) = (Vec::new(), Vec::new(), Vec::new());
    for (&(state, year), &n) in &wanted {
        states.push(state);
        years.push(year);
        counts.push(n);
    }
    let bumped: Vec<(String, i32, i64)> = sqlx::query_as(BUMP_FOLIOS)
        .bind(states)
        .bind(years)
        .bind(counts)
        .fetch_all(&mut *conn)
        .await?;
    // The next number for each key: the first of the range this group now owns.
    let mut next: HashMap<(String, i32), i64> = bumped
        .into_iter()
        .map(|(state, year, last)| {
            let n = wanted.get(&(state.as_str(), year)).copied().unwrap_or(0);
            ((state, year), last - n + 1)
        })
        .collect();
    reports
        .map(|r| {
            let seq = next
                .get_mut(&(r.state.clone(), r.year))
                .ok_or_else(|| sqlx::Error::Protocol("folio counter missing".into()))?;
            let folio = crate::vocab::Folio::new(&r.state, r.year, *seq).to_string();
            *seq += 1;
            Ok(folio)
        })
        .collect()
}

/// When the delivery that brought `s` arrived: the time its audit entries carry.
fn at(group: &[&IngestBatch], s: &Stored) -> DateTime<Utc> {
    group[s.delivery].delivery.received_at
}
