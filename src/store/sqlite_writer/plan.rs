//! What a stored message sets in motion (report and folio, replies, coordinator commands),
//! for the SQLite writer thread; the sqlx path's twin is `shared_reports.rs`.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};

use super::{bind, execute, first_i64, ts};
use crate::store::plan::{FollowUp, MessagePlan, NewCommand, NewOutbox, ReportAction};
use crate::store::sql;
use crate::store::sql_reports as rsql;

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
            let detail = serde_json::json!({
                "category": report.category, "priority": report.priority,
                "group": report.group_ref, "region": report.region,
            });
            audit(tx, at, "system:routing", "report.created", &folio, &detail)?;
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
    let detail = serde_json::json!({ "message_id": message_id });
    audit(
        tx,
        at,
        "system:routing",
        "report.follow_up",
        &folio,
        &detail,
    )?;
    Ok(Some(report_id))
}

/// Where a report came from: group id, phone, BSUID, and the wamid to quote.
type Origin = (Option<String>, Option<String>, Option<String>, String);

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
            c.at,
            &c.actor,
            "report.command_refused",
            &c.folio,
            &detail,
        )?;
        if let Some(o) = &c.on_no_match {
            insert_outbox(tx, o, None, Some(message_id))?;
        }
        return Ok(());
    };
    let action = format!("report.{}", c.action.status());
    audit(
        tx,
        c.at,
        &c.actor,
        &action,
        &c.folio,
        &serde_json::json!({ "by": c.actor }),
    )?;
    let origin: Option<Origin> = tx
        .prepare_cached(rsql::REPORT_ORIGIN)?
        .query_row([origin_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let Some((group, phone, bsuid, wamid)) = origin else {
        return Ok(());
    };
    let params = serde_json::json!({ "folio": c.folio, "status": c.action.status() });
    let notice = NewOutbox::to_origin(
        group.as_deref(),
        phone.as_deref(),
        bsuid.as_deref(),
        &wamid,
        &c.reporter_purpose,
        params,
        c.at,
    );
    if let Some(notice) = notice {
        insert_outbox(tx, &notice, Some(report_id), Some(message_id))?;
    }
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
        rsql::INSERT_OUTBOX,
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

fn audit(
    tx: &Connection,
    at: DateTime<Utc>,
    actor: &str,
    action: &str,
    folio: &str,
    detail: &serde_json::Value,
) -> rusqlite::Result<()> {
    execute(
        tx,
        sql::INSERT_AUDIT,
        &[
            &ts(at),
            &actor,
            &action,
            &"report",
            &folio,
            &detail.to_string(),
        ],
    )?;
    Ok(())
}
