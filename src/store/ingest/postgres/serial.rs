//! PostgreSQL's statement-by-statement path, inside the group writer's transaction
//! (`ingest/postgres.rs`): the messages of a delivery holding a plan that reads what an
//! earlier message may have written in the same transaction. A coordinator's command looks up the
//! folio it names, which a report opened a moment earlier in the same group may hold; a
//! follow-up looks for the report it names, quotes or follows. Everything else a group
//! carries (deliveries, statuses, events, other messages and their plans) is set-based
//! (`bulk.rs`, `plans.rs`, `statuses.rs`). SQLite's writer thread runs the same rules
//! (`ingest/sqlite/`), over the same SQL text.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgConnection;

use super::bulk::{to_json, INSERT_MESSAGES};
use super::rows::MessageJson;
use crate::store::audit::{insert_entry, AuditEntry};
use crate::store::db::Either;
use crate::store::ingest::plan::{FollowUp, MessagePlan, NewCommand, NewOutbox, ReportAction};
use crate::store::ingest::rules::{self, Origin};
use crate::store::ingest::statements::{self as sql, self as rsql};
use crate::store::ingest::{IngestBatch, IngestOutcome, NewInbound};

/// Writes a new delivery's messages and what they set in motion, one at a time, in order.
pub(super) async fn write_messages(
    conn: &mut PgConnection,
    batch: &IngestBatch,
    outcome: &mut IngestOutcome,
) -> Result<(), sqlx::Error> {
    let d = &batch.delivery;
    for m in &batch.messages {
        let mut row = MessageJson::new(outcome.delivery_id, m);
        if m.kind == "location" {
            row.attached_to = attach_target(conn, m, batch.location_window).await?;
        }
        let inserted: Option<(i64, String)> = sqlx::query_as(INSERT_MESSAGES)
            .bind(to_json(&[row])?)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some((message_id, _)) = inserted {
            outcome.messages_inserted += 1;
            if let Some(plan) = &m.plan {
                execute_plan(conn, message_id, plan, d.received_at).await?;
            }
            if let Some(notice) = &m.privacy_notice {
                privacy_notice(conn, message_id, &m.privacy_keys, notice, d.received_at).await?;
            }
        }
    }
    Ok(())
}

/// Queues the privacy notice when none of the sender's pseudonyms has had it. The
/// keys' primary key settles races between replicas: only the transaction that
/// inserted every key sends it.
async fn privacy_notice(
    conn: &mut PgConnection,
    message_id: i64,
    keys: &[String],
    notice: &crate::store::ingest::plan::NewOutbox,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), sqlx::Error> {
    let mut new = 0;
    for k in keys {
        new += sqlx::query(sql::INSERT_PRIVACY_NOTICE)
            .bind(k)
            .bind(at)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    if rules::privacy_notice_due(new, keys) {
        insert_outbox(conn, notice, None, Some(message_id)).await?;
    }
    Ok(())
}

/// A location belongs to the same sender's latest message of the preceding window.
async fn attach_target(
    conn: &mut PgConnection,
    m: &NewInbound,
    window: chrono::Duration,
) -> Result<Option<i64>, sqlx::Error> {
    let (query, key) = match (&m.sender_bsuid, &m.sender_phone) {
        (Some(bsuid), _) => (sql::ATTACH_BY_BSUID, bsuid),
        (None, Some(phone)) => (sql::ATTACH_BY_PHONE, phone),
        (None, None) => return Ok(None),
    };
    let row: Option<(i64,)> = sqlx::query_as(query)
        .bind(key)
        .bind(m.sent_at - window)
        .bind(m.sent_at)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| r.0))
}

/// Carries out what a newly stored message set in motion.
async fn execute_plan(
    conn: &mut PgConnection,
    message_id: i64,
    plan: &MessagePlan,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    match plan {
        MessagePlan::Report { report, outbox } => {
            let (seq,): (i64,) = sqlx::query_as(rsql::NEXT_FOLIO)
                .bind(&report.state)
                .bind(report.year)
                .fetch_one(&mut *conn)
                .await?;
            let folio = crate::vocab::Folio::new(&report.state, report.year, seq).to_string();
            let (report_id,): (i64,) = sqlx::query_as(rsql::INSERT_REPORT)
                .bind(&folio)
                .bind(message_id)
                .bind(&report.group_ref)
                .bind(&report.region)
                .bind(&report.category)
                .bind(&report.priority)
                .bind(report.created_at)
                .bind(report.escalate_at)
                .bind(report.needs_review)
                .fetch_one(&mut *conn)
                .await?;
            let detail = rules::report_created(report);
            let entry =
                AuditEntry::report(at, rules::ROUTING, rules::REPORT_CREATED, &folio, &detail);
            audit(conn, &entry).await?;
            for o in outbox {
                insert_outbox(conn, o, Some(report_id), Some(message_id)).await?;
            }
        }
        MessagePlan::Outbox(rows) => {
            for o in rows {
                insert_outbox(conn, o, None, Some(message_id)).await?;
            }
        }
        MessagePlan::Command(c) => apply_command(conn, c, message_id).await?,
        MessagePlan::Registry(r) => {
            sqlx::query(rsql::INSERT_REGISTRY_REQUEST)
                .bind(r.kind)
                .bind(message_id)
                .bind(r.received_at)
                .bind(&r.sender_key)
                .bind(&r.recipient)
                .bind(&r.phone)
                .bind(&r.bsuid)
                .bind(&r.profile_name)
                .bind(r.privacy_keys_json())
                .bind(&r.region)
                .bind(&r.group_id)
                .bind(&r.code)
                .bind(&r.new_phone)
                .bind(&r.new_bsuid)
                .execute(&mut *conn)
                .await?;
        }
        MessagePlan::FollowUp { follow_up, outbox } => {
            // The answer belongs to the report too (see the SQLite writer's twin).
            let report_id = attach_follow_up(conn, follow_up, message_id, at).await?;
            for o in outbox {
                insert_outbox(conn, o, report_id, Some(message_id)).await?;
            }
        }
    }
    Ok(())
}

/// Puts the follow-up in its report's thread and counts it on the report; returns the
/// report's id (the SQLite writer's twin is `ingest::sqlite::plans::attach_follow_up`).
async fn attach_follow_up(
    conn: &mut PgConnection,
    f: &FollowUp,
    message_id: i64,
    at: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    let found: Option<(i64, String, i64)> = sqlx::query_as(rsql::ATTACH_FOLLOW_UP)
        .bind(&f.group_ref)
        .bind(&f.folio)
        .bind(&f.reply_to)
        .fetch_optional(&mut *conn)
        .await?;
    let Some((report_id, folio, origin)) = found else {
        return Ok(None);
    };
    sqlx::query(rsql::ATTACH_MESSAGE)
        .bind(message_id)
        .bind(origin)
        .execute(&mut *conn)
        .await?;
    let detail = rules::follow_up(message_id);
    let entry = AuditEntry::report(at, rules::ROUTING, rules::REPORT_FOLLOW_UP, &folio, &detail);
    audit(conn, &entry).await?;
    Ok(Some(report_id))
}

async fn apply_command(
    conn: &mut PgConnection,
    c: &NewCommand,
    message_id: i64,
) -> Result<(), sqlx::Error> {
    let sql = match c.action {
        ReportAction::Acknowledge => rsql::APPLY_ACK,
        ReportAction::Resolve => rsql::APPLY_RESOLVE,
    };
    let row: Option<(i64, i64)> = sqlx::query_as(sql)
        .bind(&c.folio)
        .bind(c.at)
        .bind(&c.actor)
        .bind(&c.region)
        .fetch_optional(&mut *conn)
        .await?;
    let Some((report_id, origin_id)) = row else {
        let found: Option<(String, String)> = sqlx::query_as(rsql::REPORT_SCOPE)
            .bind(&c.folio)
            .fetch_optional(&mut *conn)
            .await?;
        let found = found.as_ref().map(|(r, s)| (r.as_str(), s.as_str()));
        let detail = c.refusal(found);
        audit(
            conn,
            &rules::command_audit(c, rules::COMMAND_REFUSED, &detail),
        )
        .await?;
        if let Some(o) = &c.on_no_match {
            insert_outbox(conn, o, None, Some(message_id)).await?;
        }
        return Ok(());
    };
    let (action, detail) = rules::command_applied(c);
    audit(conn, &rules::command_audit(c, &action, &detail)).await?;
    let origin: Origin = sqlx::query_as(rsql::REPORT_ORIGIN)
        .bind(origin_id)
        .fetch_one(&mut *conn)
        .await?;
    if let Some(notice) = rules::command_notice(c, &origin) {
        insert_outbox(conn, &notice, Some(report_id), Some(message_id)).await?;
    }
    Ok(())
}

/// An audit entry inside the group's transaction.
async fn audit(conn: &mut PgConnection, e: &AuditEntry<'_>) -> Result<(), sqlx::Error> {
    insert_entry(Either::Postgres(conn), e).await
}

async fn insert_outbox(
    conn: &mut PgConnection,
    o: &NewOutbox,
    report_id: Option<i64>,
    message_id: Option<i64>,
) -> Result<(), sqlx::Error> {
    crate::store::outbox::insert_outbox(Either::Postgres(conn), o, report_id, message_id).await
}
