//! SQLite's write path for webhooks, on its own thread with rusqlite.
//!
//! sqlx hands every statement to a worker thread and waits for the answer; a delivery is ten
//! statements or more, so at a few thousand webhooks per second the hand-offs, not SQLite,
//! were the limit. Here one thread owns the write connection, keeps its statements prepared,
//! and runs each group of deliveries in one transaction (group commit: one fsync for all).
//! The SQL is the same text as the sqlx path uses (`ingest/statements.rs`); values are
//! encoded exactly as sqlx encodes them so both paths read each other's rows.

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::ToSql;
use rusqlite::{CachedStatement, Connection};

pub mod checkpoint;
pub mod group;
pub mod open;
mod plans;
pub mod sync;

use self::plans::{audit, execute_plan, insert_outbox};
use super::plan::NewOutbox;
use super::rules;
use super::statements as sql;
use super::{DeliveryOutcome, IngestBatch, IngestOutcome, NewInbound};

/// sqlx's encoding of `DateTime<Utc>` for SQLite, which every reader expects.
pub(super) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

/// Parameter names up to the widest statement (the inbound message's 41), so binding does
/// not format a name per value.
const NAMES: [&str; 48] = [
    "$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8", "$9", "$10", "$11", "$12", "$13", "$14", "$15",
    "$16", "$17", "$18", "$19", "$20", "$21", "$22", "$23", "$24", "$25", "$26", "$27", "$28",
    "$29", "$30", "$31", "$32", "$33", "$34", "$35", "$36", "$37", "$38", "$39", "$40", "$41",
    "$42", "$43", "$44", "$45", "$46", "$47", "$48",
];

/// Binds `values` to `$1`, `$2`, … by name (a statement may use a number twice or not at
/// all, as the shared SQL does).
pub(super) fn bind(stmt: &mut CachedStatement<'_>, values: &[&dyn ToSql]) -> rusqlite::Result<()> {
    stmt.clear_bindings();
    for (i, v) in values.iter().enumerate() {
        let owned;
        let name = match NAMES.get(i) {
            Some(name) => *name,
            None => {
                owned = format!("${}", i + 1);
                owned.as_str()
            }
        };
        if let Some(idx) = stmt.parameter_index(name)? {
            stmt.raw_bind_parameter(idx, v)?;
        }
    }
    Ok(())
}

pub(super) fn execute(
    tx: &Connection,
    sql: &str,
    values: &[&dyn ToSql],
) -> rusqlite::Result<usize> {
    let mut stmt = tx.prepare_cached(sql)?;
    bind(&mut stmt, values)?;
    stmt.raw_execute()
}

/// The first column of the first row, if any.
pub(super) fn first_i64(
    tx: &Connection,
    sql: &str,
    values: &[&dyn ToSql],
) -> rusqlite::Result<Option<i64>> {
    let mut stmt = tx.prepare_cached(sql)?;
    bind(&mut stmt, values)?;
    let mut rows = stmt.raw_query();
    rows.next()?.map(|r| r.get(0)).transpose()
}

/// Everything one delivery writes, inside the caller's transaction; same rules as
/// PostgreSQL's group writer (`ingest/postgres.rs`), written down in `ingest/mod.rs`.
pub fn ingest(tx: &Connection, batch: &IngestBatch) -> rusqlite::Result<IngestOutcome> {
    let d = &batch.delivery;
    let received = ts(d.received_at);
    let (delivery_id, deliveries): (i64, i64) = {
        let mut stmt = tx.prepare_cached(sql::UPSERT_DELIVERY)?;
        bind(
            &mut stmt,
            &[
                &d.body_sha256,
                &d.body,
                &d.outcome.as_str(),
                &d.detail,
                &received,
                &received,
            ],
        )?;
        let mut rows = stmt.raw_query();
        let row = rows.next()?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
        (row.get(0)?, row.get(1)?)
    };
    let mut outcome = IngestOutcome {
        delivery_id,
        duplicate_delivery: deliveries > 1,
        ..IngestOutcome::default()
    };
    if outcome.duplicate_delivery {
        return Ok(outcome);
    }
    for m in &batch.messages {
        let attached = match m.kind.as_str() {
            "location" => attach_target(tx, m, batch.location_window)?,
            _ => None,
        };
        if let Some(message_id) = insert_inbound(tx, delivery_id, m, attached)? {
            outcome.messages_inserted += 1;
            if let Some(plan) = &m.plan {
                execute_plan(tx, message_id, plan, d.received_at)?;
            }
            if let Some(notice) = &m.privacy_notice {
                privacy_notice(tx, message_id, &m.privacy_keys, notice, &received)?;
            }
        }
    }
    for s in &batch.statuses {
        // Pricing is kept whether or not the status itself moves forward (rule 3).
        if let Some(p) = &s.pricing {
            execute(
                tx,
                sql::INSERT_PRICING,
                &[
                    &s.wamid,
                    &p.participant,
                    &p.category,
                    &p.kind,
                    &p.billable,
                    &ts(s.status_at.unwrap_or(d.received_at)),
                ],
            )?;
        }
        let applied = execute(
            tx,
            sql::UPSERT_STATUS,
            &[
                &s.wamid,
                &s.status,
                &s.rank,
                &s.status_at.map(ts),
                &s.recipient_id,
                &s.recipient_user_id,
                &s.error_code,
                &s.error_title,
                &received,
            ],
        )?;
        if applied > 0 {
            outcome.statuses_applied += 1;
            execute(
                tx,
                sql::OUTBOX_DELIVERY,
                &[&s.wamid, &s.status, &s.error_code],
            )?;
        }
    }
    for e in &batch.events {
        execute(
            tx,
            sql::INSERT_EVENT,
            &[&delivery_id, &e.field, &e.payload, &received],
        )?;
    }
    if d.outcome != DeliveryOutcome::Parsed {
        let id = delivery_id.to_string();
        audit(tx, &rules::flagged(d, &id))?;
    }
    Ok(outcome)
}

fn insert_inbound(
    tx: &Connection,
    delivery_id: i64,
    m: &NewInbound,
    attached: Option<i64>,
) -> rusqlite::Result<Option<i64>> {
    let t = m.triage.as_ref();
    let attribution = m
        .attribution
        .unwrap_or(super::Attribution::Unregistered)
        .as_str();
    let rules = t.map(|t| serde_json::to_string(&t.rules).unwrap_or_default());
    let sent_at = ts(m.sent_at);
    let received_at = ts(m.received_at);
    // One value per column of `inbound_columns!`, in its order (the array's length is
    // checked against the list at compile time).
    let values: [&dyn ToSql; sql::INBOUND_COLUMNS] = [
        &m.wamid,
        &delivery_id,
        &m.kind,
        &m.phone_number_id,
        &m.sender_phone,
        &m.sender_bsuid,
        &m.sender_name,
        &m.cloud_group_id,
        &m.group_ref,
        &attribution,
        &m.safety_reply_due,
        &sent_at,
        &received_at,
        &m.body,
        &m.note,
        &m.refers_to,
        &m.reply_to,
        &m.forwarded,
        &m.frequently_forwarded,
        &m.media_id,
        &m.media_mime,
        &m.media_sha256,
        &m.media_filename,
        &m.media_voice,
        &m.latitude,
        &m.longitude,
        &m.location_name,
        &m.location_address,
        &attached,
        &m.error_code,
        &m.payload,
        &t.map(|t| t.category.as_str()),
        &t.map(|t| t.priority.as_str()),
        &t.map(|t| t.confidence),
        &t.map(|t| t.needs_review),
        &rules,
        &t.and_then(|t| t.cnie_code),
        &t.map(|t| t.classifier_version.as_str()),
        &m.coordinator_ref,
        &m.privacy_keys.first(),
        &m.privacy_keys.get(1),
    ];
    first_i64(tx, sql::INSERT_INBOUND, &values)
}

fn attach_target(
    tx: &Connection,
    m: &NewInbound,
    window: chrono::Duration,
) -> rusqlite::Result<Option<i64>> {
    let (query, key) = match (&m.sender_bsuid, &m.sender_phone) {
        (Some(bsuid), _) => (sql::ATTACH_BY_BSUID, bsuid),
        (None, Some(phone)) => (sql::ATTACH_BY_PHONE, phone),
        (None, None) => return Ok(None),
    };
    first_i64(tx, query, &[key, &ts(m.sent_at - window), &ts(m.sent_at)])
}

fn privacy_notice(
    tx: &Connection,
    message_id: i64,
    keys: &[String],
    notice: &NewOutbox,
    at: &str,
) -> rusqlite::Result<()> {
    let mut new = 0;
    for k in keys {
        new += execute(tx, sql::INSERT_PRIVACY_NOTICE, &[k, &at])? as u64;
    }
    if rules::privacy_notice_due(new, keys) {
        insert_outbox(tx, notice, None, Some(message_id))?;
    }
    Ok(())
}
