//! What a new webhook delivery writes on PostgreSQL, statement by statement, inside the
//! group writer's transaction (`pg_group.rs`) for the deliveries its set-based path
//! (`pg_bulk.rs`) does not cover. SQLite's writer thread does the same with rusqlite
//! (`sqlite_writer/`), over the same SQL text.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgConnection;

use super::plan::{FollowUp, MessagePlan, NewCommand, NewOutbox, ReportAction};
use super::postgres::{audit, insert_outbox};
use super::sql::{self, bind_inbound, bind_status};
use super::sql_reports as rsql;
use super::{DeliveryOutcome, IngestBatch, IngestOutcome, NewInbound};

/// Writes what a new delivery carries: its messages and what they set in motion, statuses,
/// events, and the audit entry of a delivery that did not parse. The group writer
/// (`pg_group.rs`) calls it for deliveries its set-based path does not cover.
pub(super) async fn write_contents(
    conn: &mut PgConnection,
    batch: &IngestBatch,
    outcome: &mut IngestOutcome,
) -> Result<(), sqlx::Error> {
    let d = &batch.delivery;
    let delivery_id = outcome.delivery_id;
    for m in &batch.messages {
        let attached = match m.kind.as_str() {
            "location" => attach_target(conn, m, batch.location_window).await?,
            _ => None,
        };
        let inserted: Option<(i64,)> = bind_inbound!(
            sqlx::query_as(sql::INSERT_INBOUND),
            delivery_id,
            m,
            attached
        )
        .fetch_optional(&mut *conn)
        .await?;
        if let Some((message_id,)) = inserted {
            outcome.messages_inserted += 1;
            if let Some(plan) = &m.plan {
                execute_plan(conn, message_id, plan, d.received_at).await?;
            }
            if let Some(notice) = &m.privacy_notice {
                privacy_notice(conn, message_id, &m.privacy_keys, notice, d.received_at).await?;
            }
        }
    }
    for s in &batch.statuses {
        // Pricing is kept whether or not the status itself moves forward: a `sent` that
        // arrives after `delivered` still says what the message costs.
        if let Some(p) = &s.pricing {
            sqlx::query(sql::INSERT_PRICING)
                .bind(&s.wamid)
                .bind(&p.participant)
                .bind(&p.category)
                .bind(&p.kind)
                .bind(p.billable)
                .bind(s.status_at.unwrap_or(d.received_at))
                .execute(&mut *conn)
                .await?;
        }
        let done = bind_status!(sqlx::query(sql::UPSERT_STATUS), s, d.received_at)
            .execute(&mut *conn)
            .await?;
        if done.rows_affected() > 0 {
            outcome.statuses_applied += 1;
            sqlx::query(sql::OUTBOX_DELIVERY)
                .bind(&s.wamid)
                .bind(&s.status)
                .bind(s.error_code)
                .execute(&mut *conn)
                .await?;
        }
    }
    for e in &batch.events {
        sqlx::query(sql::INSERT_EVENT)
            .bind(delivery_id)
            .bind(&e.field)
            .bind(&e.payload)
            .bind(d.received_at)
            .execute(&mut *conn)
            .await?;
    }
    if d.outcome != DeliveryOutcome::Parsed {
        sqlx::query(sql::INSERT_AUDIT)
            .bind(d.received_at)
            .bind("system:intake")
            .bind("delivery.flagged")
            .bind("webhook_delivery")
            .bind(delivery_id.to_string())
            .bind(d.outcome.as_str())
            .execute(&mut *conn)
            .await?;
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
    notice: &crate::store::NewOutbox,
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
    if new as usize == keys.len() && !keys.is_empty() {
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
            let detail = serde_json::json!({
                "category": report.category, "priority": report.priority,
                "group": report.group_ref, "region": report.region,
            });
            audit(
                conn,
                at,
                "system:routing",
                "report.created",
                &folio,
                &detail,
            )
            .await?;
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
/// report's id (the SQLite writer's twin is `sqlite_writer::plan::attach_follow_up`).
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
    let detail = serde_json::json!({ "message_id": message_id });
    audit(
        conn,
        at,
        "system:routing",
        "report.follow_up",
        &folio,
        &detail,
    )
    .await?;
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
        let action = "report.command_refused";
        audit(conn, c.at, &c.actor, action, &c.folio, &detail).await?;
        if let Some(o) = &c.on_no_match {
            insert_outbox(conn, o, None, Some(message_id)).await?;
        }
        return Ok(());
    };
    let action = format!("report.{}", c.action.status());
    let detail = serde_json::json!({ "by": c.actor });
    audit(conn, c.at, &c.actor, &action, &c.folio, &detail).await?;
    let (group, phone, bsuid, wamid): (Option<String>, Option<String>, Option<String>, String) =
        sqlx::query_as(rsql::REPORT_ORIGIN)
            .bind(origin_id)
            .fetch_one(&mut *conn)
            .await?;
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
        insert_outbox(conn, &notice, Some(report_id), Some(message_id)).await?;
    }
    Ok(())
}
