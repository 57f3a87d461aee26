//! The outbox (`outbox`): every message to send, queued in the transaction that decided
//! it, claimed by the sender with a lease, one recipient's rows in order. What became of an
//! attempt is `send_outcome.rs`.

use chrono::{DateTime, Utc};

use super::db::{begin_write, dispatch, Conn, Either};
use super::rows::OutboxRow;
use super::NewOutbox;
use super::{Store, StoreError};

pub(crate) const INSERT_OUTBOX: &str = "\
INSERT INTO outbox (purpose, priority, report_id, message_id, recipient_key, recipient,
                    reply_to, params, state, use_template, attempts, next_attempt_at, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, 0, $10, $11)";

/// Claim due rows with a lease. Only the oldest unfinished row of each recipient (the head
/// of its queue) qualifies, which keeps order per recipient, and only when the recipient's
/// pacing allows it. The heads are found by a loose index scan over the partial index of
/// open rows (`keys` jumps from one recipient to the next, `heads` takes each one's first
/// row), so a pass costs a few index seeks per recipient however long the backlog behind
/// them is; a GROUP BY would read every open row on every pass. `$lock` is empty for SQLite
/// (one writer) and `SKIP LOCKED` for PostgreSQL (replicas never claim the same row).
/// `$open` names the open rows: SQLite's planner, without statistics, would otherwise pick
/// the `(state, next_attempt_at)` index and sort the whole backlog.
macro_rules! claim_outbox {
    ($open:literal, $lock:literal) => {
        concat!(
            "WITH RECURSIVE keys(k) AS (
    SELECT (SELECT recipient_key FROM ",
            $open,
            " WHERE state IN ('pending', 'sending')
            ORDER BY recipient_key, id LIMIT 1)
    UNION ALL
    SELECT (SELECT recipient_key FROM ",
            $open,
            " WHERE state IN ('pending', 'sending')
              AND recipient_key > keys.k ORDER BY recipient_key, id LIMIT 1)
    FROM keys WHERE keys.k IS NOT NULL
), heads(id) AS (
    SELECT (SELECT id FROM ",
            $open,
            " WHERE state IN ('pending', 'sending') AND recipient_key = keys.k
            ORDER BY recipient_key, id LIMIT 1)
    FROM keys WHERE keys.k IS NOT NULL
)
UPDATE outbox SET state = 'sending', lease_until = $1, lease_owner = $2,
                  attempts = attempts + 1
WHERE id IN (
    SELECT o.id FROM outbox o
    JOIN heads h ON h.id = o.id
    LEFT JOIN recipient_pacing p ON p.recipient_key = o.recipient_key
    WHERE ((o.state = 'pending' AND o.next_attempt_at <= $3)
           OR (o.state = 'sending' AND o.lease_until < $3))
      AND (p.next_allowed_at IS NULL OR p.next_allowed_at <= $3)
    ORDER BY o.priority, o.id
    LIMIT $4 ",
            $lock,
            ")
RETURNING *"
        )
    };
}

const CLAIM_OUTBOX_SQLITE: &str = claim_outbox!("outbox INDEXED BY outbox_open", "");
const CLAIM_OUTBOX_POSTGRES: &str = claim_outbox!("outbox", "FOR UPDATE OF o SKIP LOCKED");

/// Later pending rows for the same recipient that can ride along with the claimed one,
/// read from the open rows' index (see `claim_outbox!`). The `state IN` repeats the index's
/// own condition so that PostgreSQL sees the partial index applies.
macro_rules! select_mergeable {
    ($open:literal) => {
        concat!(
            "SELECT * FROM ",
            $open,
            " WHERE recipient_key = $1 AND id > $2 AND state IN ('pending', 'sending')
  AND state = 'pending' AND next_attempt_at <= $3
ORDER BY recipient_key, id LIMIT 16"
        )
    };
}

const SELECT_MERGEABLE_SQLITE: &str = select_mergeable!("outbox INDEXED BY outbox_open");
const SELECT_MERGEABLE_POSTGRES: &str = select_mergeable!("outbox");

const REPORT_OUTBOX: &str = "SELECT * FROM outbox WHERE report_id = $1 ORDER BY id";

const INSERT_DIGEST: &str = "\
INSERT INTO weekly_digests (region, week, sent_at) VALUES ($1, $2, $3)
ON CONFLICT (region, week) DO NOTHING";

/// Queues one message inside the caller's transaction.
pub(crate) async fn insert_outbox(
    conn: Conn<'_>,
    o: &NewOutbox,
    report_id: Option<i64>,
    message_id: Option<i64>,
) -> Result<(), sqlx::Error> {
    dispatch!(conn, |c| {
        sqlx::query(INSERT_OUTBOX)
            .bind(&o.purpose)
            .bind(o.priority)
            .bind(report_id)
            .bind(message_id)
            .bind(&o.recipient_key)
            .bind(&o.recipient)
            .bind(&o.reply_to)
            .bind(&o.params)
            .bind(o.use_template)
            .bind(o.not_before)
            .bind(o.not_before)
            .execute(c)
            .await
            .map(drop)
    })
}

impl Store {
    /// Claims up to `limit` due outbox rows with a lease until `lease_until`.
    pub async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        owner: &str,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let sql = match self.pool {
            Either::Sqlite(_) => CLAIM_OUTBOX_SQLITE,
            Either::Postgres(_) => CLAIM_OUTBOX_POSTGRES,
        };
        let mut rows: Vec<OutboxRow> = dispatch!(&self.pool, |p| {
            sqlx::query_as(sql)
                .bind(lease_until)
                .bind(owner)
                .bind(now)
                .bind(limit)
                .fetch_all(p)
                .await
        })?;
        // RETURNING gives the rows in the order the UPDATE met them, not the claim's order:
        // the most urgent row of a pass is sent first.
        rows.sort_by_key(|r| (r.priority, r.id));
        Ok(rows)
    }

    /// Pending rows for the same recipient, after `row`, that are due and could be merged.
    pub async fn mergeable_outbox(
        &self,
        row: &OutboxRow,
        now: DateTime<Utc>,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let sql = match self.pool {
            Either::Sqlite(_) => SELECT_MERGEABLE_SQLITE,
            Either::Postgres(_) => SELECT_MERGEABLE_POSTGRES,
        };
        Ok(dispatch!(&self.pool, |p| {
            sqlx::query_as(sql)
                .bind(&row.recipient_key)
                .bind(row.id)
                .bind(now)
                .fetch_all(p)
                .await
        })?)
    }

    pub async fn report_outbox(&self, report_id: i64) -> Result<Vec<OutboxRow>, StoreError> {
        Ok(dispatch!(&self.pool, |p| {
            sqlx::query_as(REPORT_OUTBOX)
                .bind(report_id)
                .fetch_all(p)
                .await
        })?)
    }

    /// Records the region's digest for `week` with its messages; false (and nothing queued)
    /// when another process already did.
    pub async fn record_digest(
        &self,
        region: &str,
        week: &str,
        at: DateTime<Utc>,
        outbox: &[NewOutbox],
    ) -> Result<bool, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let done = dispatch!(tx.conn(), |c| {
            sqlx::query(INSERT_DIGEST)
                .bind(region)
                .bind(week)
                .bind(at)
                .execute(c)
                .await
                .map(|d| d.rows_affected())
        })?;
        if done == 0 {
            return Ok(false);
        }
        for o in outbox {
            insert_outbox(tx.conn(), o, None, None).await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}
