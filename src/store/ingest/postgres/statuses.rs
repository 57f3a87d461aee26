//! Status updates for a whole group at once (`bulk.rs`). Every reply we send comes back
//! as two or three status webhooks (sent, delivered, read), so they outnumber messages.
//!
//! One at a time, each status is an upsert that applies only when its rank is higher than
//! the stored one, and an applied status is copied onto its outbox row. Here the stored
//! ranks are read (and locked) first, the group's statuses are replayed over them in arrival
//! order, exactly as one at a time would, and the final row of each message is written once.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sqlx::postgres::PgConnection;

use crate::store::ingest::statements::status_conflict;
use crate::store::ingest::{IngestBatch, IngestOutcome, NewStatus};

/// Stored ranks, locked in wamid order (the order every replica takes them in).
const LOCK_RANKS: &str = "\
SELECT wamid, rank FROM message_statuses WHERE wamid = ANY($1) ORDER BY wamid FOR UPDATE";

/// `statements::UPSERT_STATUS` for many rows; the rank guard still holds against a replica that
/// inserted the same wamid meanwhile.
const UPSERT_STATUSES: &str = concat!(
    "INSERT INTO message_statuses (wamid, status, rank, status_at, recipient_id, recipient_user_id,
                              error_code, error_title, updated_at)
SELECT * FROM UNNEST($1::text[], $2::text[], $3::int4[], $4::timestamptz[], $5::text[],
                     $6::text[], $7::int8[], $8::text[], $9::timestamptz[])
",
    status_conflict!()
);

/// `statements::OUTBOX_DELIVERY` for many rows: the last applied status of each message. Written
/// as one table and `= ANY` rather than a join with `UNNEST`: while the outbox's wamids are
/// mostly NULL (dry run, or a young deployment) PostgreSQL's estimate for a join was 1,800
/// rows, and its generic plan read the whole outbox for every group (16 ms at 50k rows).
const OUTBOX_DELIVERIES: &str = "\
UPDATE outbox
SET delivery_status = ($2::text[])[array_position($1::text[], wamid)],
    delivery_error = ($3::int8[])[array_position($1::text[], wamid)]
WHERE wamid = ANY($1::text[])";

/// One message's status after the group's updates.
struct Merged<'a> {
    last: &'a NewStatus,
    recipient_id: Option<&'a str>,
    recipient_user_id: Option<&'a str>,
    error_code: Option<i64>,
    error_title: Option<&'a str>,
    updated_at: DateTime<Utc>,
}

/// Applies the statuses of the new deliveries `new` and counts them in `outcomes`.
pub(super) async fn write_statuses(
    conn: &mut PgConnection,
    group: &[&IngestBatch],
    new: &[usize],
    outcomes: &mut [IngestOutcome],
) -> Result<(), sqlx::Error> {
    let arriving: Vec<(usize, &NewStatus)> = new
        .iter()
        .flat_map(|&i| group[i].statuses.iter().map(move |s| (i, s)))
        .collect();
    if arriving.is_empty() {
        return Ok(());
    }
    write_pricing(conn, group, &arriving).await?;
    let mut wamids: Vec<&str> = arriving.iter().map(|(_, s)| s.wamid.as_str()).collect();
    wamids.sort_unstable();
    wamids.dedup();
    let mut rank: HashMap<String, i32> = sqlx::query_as(LOCK_RANKS)
        .bind(&wamids)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();

    let mut merged: BTreeMap<&str, Merged> = BTreeMap::new();
    for (i, s) in arriving {
        let current = rank.get(s.wamid.as_str()).copied();
        if current.is_some_and(|r| s.rank <= r) {
            continue;
        }
        rank.insert(s.wamid.clone(), s.rank);
        outcomes[i].statuses_applied += 1;
        let at = group[i].delivery.received_at;
        merged
            .entry(&s.wamid)
            .and_modify(|m| {
                m.last = s;
                m.recipient_id = s.recipient_id.as_deref().or(m.recipient_id);
                m.recipient_user_id = s.recipient_user_id.as_deref().or(m.recipient_user_id);
                m.error_code = s.error_code.or(m.error_code);
                m.error_title = s.error_title.as_deref().or(m.error_title);
                m.updated_at = at;
            })
            .or_insert(Merged {
                last: s,
                recipient_id: s.recipient_id.as_deref(),
                recipient_user_id: s.recipient_user_id.as_deref(),
                error_code: s.error_code,
                error_title: s.error_title.as_deref(),
                updated_at: at,
            });
    }
    if merged.is_empty() {
        return Ok(());
    }
    upsert(conn, &merged).await
}

/// `statements::INSERT_PRICING` for the group: every status with pricing, whether or not it moves
/// its message forward; the ledger's key keeps the first of each message (and participant).
const INSERT_PRICINGS: &str = "\
INSERT INTO outbound_pricing (wamid, participant, category, pricing_type, billable, billed_at)
SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::bool[],
                     $6::timestamptz[])
ON CONFLICT (wamid, participant) DO NOTHING";

/// The ledger lines' columns as arrays, for `UNNEST`.
#[derive(Default)]
struct PricingColumns<'a> {
    wamid: Vec<&'a str>,
    participant: Vec<&'a str>,
    category: Vec<&'a str>,
    kind: Vec<&'a str>,
    billable: Vec<Option<bool>>,
    billed_at: Vec<DateTime<Utc>>,
}

async fn write_pricing(
    conn: &mut PgConnection,
    group: &[&IngestBatch],
    arriving: &[(usize, &NewStatus)],
) -> Result<(), sqlx::Error> {
    let mut seen = std::collections::HashSet::new();
    let mut cols = PricingColumns::default();
    for (i, s) in arriving {
        let Some(p) = &s.pricing else { continue };
        if !seen.insert((s.wamid.as_str(), p.participant.as_str())) {
            continue;
        }
        cols.wamid.push(&s.wamid);
        cols.participant.push(&p.participant);
        cols.category.push(&p.category);
        cols.kind.push(&p.kind);
        cols.billable.push(p.billable);
        cols.billed_at
            .push(s.status_at.unwrap_or(group[*i].delivery.received_at));
    }
    if cols.wamid.is_empty() {
        return Ok(());
    }
    sqlx::query(INSERT_PRICINGS)
        .bind(&cols.wamid)
        .bind(&cols.participant)
        .bind(&cols.category)
        .bind(&cols.kind)
        .bind(&cols.billable)
        .bind(&cols.billed_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

async fn upsert(
    conn: &mut PgConnection,
    merged: &BTreeMap<&str, Merged<'_>>,
) -> Result<(), sqlx::Error> {
    let mut cols = Columns::default();
    for (wamid, m) in merged {
        cols.wamid.push(*wamid);
        cols.status.push(m.last.status.as_str());
        cols.rank.push(m.last.rank);
        cols.status_at.push(m.last.status_at);
        cols.recipient_id.push(m.recipient_id);
        cols.recipient_user_id.push(m.recipient_user_id);
        cols.error_code.push(m.error_code);
        cols.error_title.push(m.error_title);
        cols.updated_at.push(m.updated_at);
        // The outbox row takes the last applied status's own error, not the merged one.
        cols.last_error.push(m.last.error_code);
    }
    sqlx::query(UPSERT_STATUSES)
        .bind(&cols.wamid)
        .bind(&cols.status)
        .bind(&cols.rank)
        .bind(&cols.status_at)
        .bind(&cols.recipient_id)
        .bind(&cols.recipient_user_id)
        .bind(&cols.error_code)
        .bind(&cols.error_title)
        .bind(&cols.updated_at)
        .execute(&mut *conn)
        .await?;
    sqlx::query(OUTBOX_DELIVERIES)
        .bind(&cols.wamid)
        .bind(&cols.status)
        .bind(&cols.last_error)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The statuses' columns as arrays, for `UNNEST`.
#[derive(Default)]
struct Columns<'a> {
    wamid: Vec<&'a str>,
    status: Vec<&'a str>,
    rank: Vec<i32>,
    status_at: Vec<Option<DateTime<Utc>>>,
    recipient_id: Vec<Option<&'a str>>,
    recipient_user_id: Vec<Option<&'a str>>,
    error_code: Vec<Option<i64>>,
    error_title: Vec<Option<&'a str>>,
    updated_at: Vec<DateTime<Utc>>,
    last_error: Vec<Option<i64>>,
}
