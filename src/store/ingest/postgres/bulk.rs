//! The set-based half of PostgreSQL's group commit (`ingest/postgres.rs`): a group's deliveries,
//! their messages, and the folios, reports, audit entries and outbox rows those open
//! (`plans.rs`), their statuses (`statuses.rs`) and events, each kind written by
//! one statement for the whole group. Statement by statement, a delivery
//! cost about ten round trips and a commit; here a group of fifty costs six and one commit.
//!
//! Rows travel as one JSON array per statement, unpacked by `json_populate_recordset` into
//! the table's own row type, so PostgreSQL converts the values exactly as the column types
//! say; only the deliveries, whose raw body is bytes, go as arrays.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use sqlx::postgres::PgConnection;

use super::plans;
use super::rows::{AuditJson, EventJson, MessageJson};
use crate::store::ingest::plan::MessagePlan;
use crate::store::ingest::rules;
use crate::store::ingest::statements::inbound_columns;
use crate::store::ingest::{DeliveryOutcome, IngestBatch, IngestOutcome, NewInbound};

/// Copies of one body within a group arrive as one row whose `deliveries` is the number
/// of copies; a row that comes back with exactly that many was inserted now.
const UPSERT_DELIVERIES: &str = "\
INSERT INTO webhook_deliveries
    (body_sha256, body, outcome, detail, first_received_at, last_received_at, deliveries)
SELECT * FROM UNNEST($1::text[], $2::bytea[], $3::text[], $4::text[], $5::timestamptz[],
                     $6::timestamptz[], $7::int8[])
ON CONFLICT (body_sha256) DO UPDATE
SET deliveries = webhook_deliveries.deliveries + excluded.deliveries,
    last_received_at = excluded.last_received_at
RETURNING body_sha256, id, deliveries";

pub(super) const INSERT_MESSAGES: &str = concat!(
    "INSERT INTO inbound_messages (",
    inbound_columns!(),
    ")
SELECT ",
    inbound_columns!(),
    " FROM json_populate_recordset(NULL::inbound_messages, $1::json)
ON CONFLICT (wamid) DO NOTHING
RETURNING id, wamid"
);

/// Attaches each stored location to the same sender's latest other message of the
/// window before it, as `statements::ATTACH_BY_BSUID` / `ATTACH_BY_PHONE` do one at a time. It runs
/// after the group's messages are in, so a text and the location sent right after it in
/// the same group find each other.
const ATTACH_LOCATIONS: &str = "\
UPDATE inbound_messages l
SET attached_to = CASE
    WHEN l.sender_bsuid IS NOT NULL THEN (
        SELECT t.id FROM inbound_messages t
        WHERE t.sender_bsuid = l.sender_bsuid AND t.kind <> 'location'
          AND t.sent_at >= l.sent_at - w.window_us * interval '1 microsecond'
          AND t.sent_at <= l.sent_at
        ORDER BY t.sent_at DESC, t.id DESC LIMIT 1)
    WHEN l.sender_phone IS NOT NULL THEN (
        SELECT t.id FROM inbound_messages t
        WHERE t.sender_phone = l.sender_phone AND t.kind <> 'location'
          AND t.sent_at >= l.sent_at - w.window_us * interval '1 microsecond'
          AND t.sent_at <= l.sent_at
        ORDER BY t.sent_at DESC, t.id DESC LIMIT 1)
    END
FROM UNNEST($1::int8[], $2::int8[]) AS w(id, window_us)
WHERE l.id = w.id";

/// Whether the set-based path covers everything a delivery writes. Coordinator commands
/// and citizens' follow-ups read the report before they change it; requests of the registry
/// (joining, leaving), events (group lifecycle, template reviews) are rare, and a delivery that did not parse gets an audit entry; those deliveries go
/// statement by statement (`serial::write_contents`) after the set-based part, in the
/// same transaction, so they see what it wrote.
pub(super) fn set_based(b: &IngestBatch) -> bool {
    b.messages.iter().all(|m| {
        !matches!(
            m.plan,
            Some(MessagePlan::Command(_) | MessagePlan::FollowUp { .. } | MessagePlan::Registry(_))
        )
    })
}

/// Stores every delivery of the group and sets each outcome's delivery id. Returns the
/// deliveries that are new (the first copy of a body no earlier transaction stored), in
/// group order. Bodies go in hash order so that replicas lock rows in the same order.
pub(super) async fn upsert_deliveries(
    conn: &mut PgConnection,
    group: &[&IngestBatch],
    outcomes: &mut [IngestOutcome],
) -> Result<Vec<usize>, sqlx::Error> {
    // ON CONFLICT may not touch a row twice in one statement, and Meta can retry a body
    // while the first copy is still in flight: copies become one row.
    let mut copies: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, b) in group.iter().enumerate() {
        copies.entry(&b.delivery.body_sha256).or_default().push(i);
    }
    let (mut sha, mut body, mut outcome, mut detail) = (vec![], vec![], vec![], vec![]);
    let (mut first, mut last, mut count) = (vec![], vec![], vec![]);
    for (s, idx) in &copies {
        let d = &group[idx[0]].delivery;
        let at = idx.iter().map(|&i| group[i].delivery.received_at);
        sha.push(*s);
        body.push(d.body.as_slice());
        outcome.push(d.outcome.as_str());
        detail.push(d.detail.as_deref());
        first.push(at.clone().min().unwrap_or(d.received_at));
        last.push(at.max().unwrap_or(d.received_at));
        count.push(idx.len() as i64);
    }
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(UPSERT_DELIVERIES)
        .bind(sha)
        .bind(body)
        .bind(outcome)
        .bind(detail)
        .bind(first)
        .bind(last)
        .bind(count)
        .fetch_all(&mut *conn)
        .await?;
    let mut new = Vec::new();
    for (s, id, deliveries) in rows {
        let Some(idx) = copies.get(s.as_str()) else {
            continue;
        };
        let inserted = deliveries == idx.len() as i64;
        for (k, &i) in idx.iter().enumerate() {
            outcomes[i].delivery_id = id;
            outcomes[i].duplicate_delivery = !(inserted && k == 0);
        }
        if inserted {
            new.push(idx[0]);
        }
    }
    new.sort_unstable();
    Ok(new)
}

/// A message stored by this group: which delivery brought it, and its id.
pub(super) struct Stored<'a> {
    pub delivery: usize,
    pub message: &'a NewInbound,
    pub id: i64,
}

/// Writes the messages of the new, set-based deliveries `new` and what they set in motion,
/// counting each delivery's inserted messages in `outcomes`.
pub(super) async fn write_messages(
    conn: &mut PgConnection,
    group: &[&IngestBatch],
    new: &[usize],
    outcomes: &mut [IngestOutcome],
) -> Result<(), sqlx::Error> {
    // Only the first copy of a wamid in the group can be new, as if the deliveries had
    // been written one after another.
    let mut seen = HashSet::new();
    let messages: Vec<(usize, &NewInbound)> = new
        .iter()
        .flat_map(|&i| group[i].messages.iter().map(move |m| (i, m)))
        .filter(|(_, m)| seen.insert(m.wamid.as_str()))
        .collect();
    if messages.is_empty() {
        return Ok(());
    }
    // Inserted in wamid order so that replicas take the unique index's locks in one order.
    let mut rows: Vec<MessageJson> = messages
        .iter()
        .map(|&(i, m)| MessageJson::new(outcomes[i].delivery_id, m))
        .collect();
    rows.sort_unstable_by(|a, b| a.wamid.cmp(b.wamid));
    let ids: HashMap<String, i64> = sqlx::query_as(INSERT_MESSAGES)
        .bind(to_json(&rows)?)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|(id, wamid): (i64, String)| (wamid, id))
        .collect();
    let stored: Vec<Stored> = messages
        .into_iter()
        .filter_map(|(delivery, message)| {
            let id = *ids.get(&message.wamid)?;
            Some(Stored {
                delivery,
                message,
                id,
            })
        })
        .collect();
    for s in &stored {
        outcomes[s.delivery].messages_inserted += 1;
    }
    attach_locations(conn, group, &stored).await?;
    plans::write_plans(conn, group, &stored).await
}

async fn attach_locations(
    conn: &mut PgConnection,
    group: &[&IngestBatch],
    stored: &[Stored<'_>],
) -> Result<(), sqlx::Error> {
    let (mut ids, mut windows) = (Vec::new(), Vec::new());
    for s in stored.iter().filter(|s| s.message.kind == "location") {
        ids.push(s.id);
        let window = group[s.delivery].location_window;
        windows.push(window.num_microseconds().unwrap_or(i64::MAX));
    }
    if !ids.is_empty() {
        sqlx::query(ATTACH_LOCATIONS)
            .bind(ids)
            .bind(windows)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

const INSERT_EVENTS: &str = "\
INSERT INTO webhook_events (delivery_id, field, payload, received_at)
SELECT delivery_id, field, payload, received_at
FROM json_populate_recordset(NULL::webhook_events, $1::json)";

const INSERT_AUDITS: &str = "\
INSERT INTO audit_log (at, actor, action, entity_kind, entity_id, detail)
SELECT at, actor, action, entity_kind, entity_id, detail
FROM json_populate_recordset(NULL::audit_log, $1::json)";

/// The new deliveries' non-message changes, and the `delivery.flagged` entry of each whose
/// body did not parse: one statement each for the whole group.
pub(super) async fn write_events(
    conn: &mut PgConnection,
    group: &[&IngestBatch],
    new: &[usize],
    outcomes: &[IngestOutcome],
) -> Result<(), sqlx::Error> {
    let events: Vec<EventJson> = new
        .iter()
        .flat_map(|&i| {
            let (b, id) = (group[i], outcomes[i].delivery_id);
            b.events
                .iter()
                .map(move |e| EventJson::new(id, e, b.delivery.received_at))
        })
        .collect();
    if !events.is_empty() {
        sqlx::query(INSERT_EVENTS)
            .bind(to_json(&events)?)
            .execute(&mut *conn)
            .await?;
    }
    let flagged: Vec<(usize, String)> = new
        .iter()
        .filter(|&&i| group[i].delivery.outcome != DeliveryOutcome::Parsed)
        .map(|&i| (i, outcomes[i].delivery_id.to_string()))
        .collect();
    if !flagged.is_empty() {
        let audits: Vec<AuditJson> = flagged
            .iter()
            .map(|(i, id)| AuditJson::entry(rules::flagged(&group[*i].delivery, id)))
            .collect();
        sqlx::query(INSERT_AUDITS)
            .bind(to_json(&audits)?)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub(super) fn to_json<T: Serialize>(rows: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(rows).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}
