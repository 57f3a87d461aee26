//! What a stored message sets in motion (report and folio, replies, coordinator commands),
//! for the SQLite writer thread; PostgreSQL's twins are `ingest/postgres/plans.rs` (set-based)
//! and `ingest/postgres/serial.rs`. What they write is built by `ingest/rules.rs`.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};

use super::{bind, execute, first_i64, ts};
use crate::store::audit::AuditEntry;
use crate::store::ingest::plan::{
    FollowUp, MessagePlan, NewCommand, NewOutbox, NewRegistryRequest, ReportAction,
};
use crate::store::ingest::rules::{self, Origin};
use crate::store::ingest::statements as rsql;

pub(super) fn execute_plan(
    tx: &Connection,
    message_id: i64,
    plan: &MessagePlan,
    at: DateTime<Utc>,
) -> rusqlite::Result<()> {
    match plan {
        MessagePlan::Report { report, outbox } => {
            let seq = first_i64(tx, rsql::NEXT_FOLIO, &[&report.state, &report.year])?
                .ok_or(rusqlite::Error::QueryReturnedNoRows)?;
            let folio = crate::vocab::Folio::new(&report.state, report.year, seq).to_string();
            let created = ts(report.created_at);
            let report_id = first_i64(
                tx,
                rsql::INSERT_REPORT,
                &[
                    &folio,
                    &message_id,
                    &report.group_ref,
                    &report.region,
                    &report.category,
                    &report.priority,
                    &created,
                    &report.escalate_at.map(ts),
                    &report.needs_review,
                ],
            )?
            .ok_or(rusqlite::Error::QueryReturnedNoRows)?;
            let detail = rules::report_created(report);
            let entry =
                AuditEntry::report(at, rules::ROUTING, rules::REPORT_CREATED, &folio, &detail);
            audit(tx, &entry)?;
            for o in outbox {
                insert_outbox(tx, o, Some(report_id), Some(message_id))?;
            }
        }
        MessagePlan::Outbox(rows) => {
            for o in rows {
                insert_outbox(tx, o, None, Some(message_id))?;
            }
        }
        MessagePlan::Command(c) => apply_command(tx, c, message_id)?,
        MessagePlan::Registry(r) => insert_registry_request(tx, r, message_id)?,
        MessagePlan::FollowUp { follow_up, outbox } => {
            // The answer belongs to the report too: it shows among the report's messages
            // sent, and a citizen quoting it lands on the same report.
            let report_id = attach_follow_up(tx, follow_up, message_id, at)?;
            for o in outbox {
                insert_outbox(tx, o, report_id, Some(message_id))?;
            }
        }
    }
    Ok(())
}

/// Puts the follow-up in its report's thread and counts it on the report; returns the
/// report's id. A follow-up that matches no report of the group stays a plain message (it
/// still gets its answer).
fn attach_follow_up(
    tx: &Connection,
    f: &FollowUp,
    message_id: i64,
    at: DateTime<Utc>,
) -> rusqlite::Result<Option<i64>> {
    let found: Option<(i64, String, i64)> = tx
        .prepare_cached(rsql::ATTACH_FOLLOW_UP)?
        .query_row(
            rusqlite::named_params! {
                "$1": f.group_ref, "$2": f.folio, "$3": f.reply_to,
            },
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((report_id, folio, origin)) = found else {
        return Ok(None);
    };
    execute(tx, rsql::ATTACH_MESSAGE, &[&message_id, &origin])?;
    let detail = rules::follow_up(message_id);
    let entry = AuditEntry::report(at, rules::ROUTING, rules::REPORT_FOLLOW_UP, &folio, &detail);
    audit(tx, &entry)?;
    Ok(Some(report_id))
}

fn apply_command(tx: &Connection, c: &NewCommand, message_id: i64) -> rusqlite::Result<()> {
    let sql = match c.action {
        ReportAction::Acknowledge => rsql::APPLY_ACK,
        ReportAction::Resolve => rsql::APPLY_RESOLVE,
    };
    let at = ts(c.at);
    let row: Option<(i64, i64)> = {
        let mut stmt = tx.prepare_cached(sql)?;
        bind(&mut stmt, &[&c.folio, &at, &c.actor, &c.region])?;
        let mut rows = stmt.raw_query();
        rows.next()?
            .map(|r| Ok::<_, rusqlite::Error>((r.get(0)?, r.get(1)?)))
            .transpose()?
    };
    let Some((report_id, origin_id)) = row else {
        let found: Option<(String, String)> = tx
            .prepare_cached(rsql::REPORT_SCOPE)?
            .query_row([&c.folio], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let found = found.as_ref().map(|(r, s)| (r.as_str(), s.as_str()));
        let detail = c.refusal(found);
        audit(
            tx,
            &rules::command_audit(c, rules::COMMAND_REFUSED, &detail),
        )?;
        if let Some(o) = &c.on_no_match {
            insert_outbox(tx, o, None, Some(message_id))?;
        }
        return Ok(());
    };
    let (action, detail) = rules::command_applied(c);
    audit(tx, &rules::command_audit(c, &action, &detail))?;
    let origin: Option<Origin> = tx
        .prepare_cached(rsql::REPORT_ORIGIN)?
        .query_row([origin_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some(origin) = origin else {
        return Ok(());
    };
    if let Some(notice) = rules::command_notice(c, &origin) {
        insert_outbox(tx, &notice, Some(report_id), Some(message_id))?;
    }
    Ok(())
}

fn insert_registry_request(
    tx: &Connection,
    r: &NewRegistryRequest,
    message_id: i64,
) -> rusqlite::Result<()> {
    execute(
        tx,
        rsql::INSERT_REGISTRY_REQUEST,
        &[
            &r.kind,
            &message_id,
            &ts(r.received_at),
            &r.sender_key,
            &r.recipient,
            &r.phone,
            &r.bsuid,
            &r.profile_name,
            &r.privacy_keys_json(),
            &r.region,
            &r.group_id,
            &r.code,
            &r.new_phone,
            &r.new_bsuid,
        ],
    )?;
    Ok(())
}

pub(super) fn insert_outbox(
    tx: &Connection,
    o: &NewOutbox,
    report_id: Option<i64>,
    message_id: Option<i64>,
) -> rusqlite::Result<()> {
    let at = ts(o.not_before);
    execute(
        tx,
        crate::store::outbox::INSERT_OUTBOX,
        &[
            &o.purpose,
            &o.priority,
            &report_id,
            &message_id,
            &o.recipient_key,
            &o.recipient,
            &o.reply_to,
            &o.params,
            &o.use_template,
            &at,
            &at,
        ],
    )?;
    Ok(())
}

/// Binds an audit entry to `INSERT_AUDIT` (the sqlx twin is `audit::insert_entry`).
pub(super) fn audit(tx: &Connection, e: &AuditEntry<'_>) -> rusqlite::Result<()> {
    execute(
        tx,
        crate::store::audit::INSERT_AUDIT,
        &[
            &ts(e.at),
            &e.actor,
            &e.action,
            &e.entity_kind,
            &e.entity_id,
            &e.detail,
        ],
    )?;
    Ok(())
}
