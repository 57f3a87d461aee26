//! Colonia trend alerts (`trend_alerts`): which colonia and category was alerted in which
//! week, with the coordinators' notices queued in the same transaction. The primary key
//! settles each alert once for every replica; the rows of the previous weeks are the
//! cool-down, so restarts and replicas agree on it.

use chrono::{DateTime, Utc};

use super::db::{begin_write, dispatch};
use super::outbox::insert_outbox;
use super::NewOutbox;
use super::{Store, StoreError};

/// The largest count alerted for the same colonia and category in the cool-down weeks
/// (`$5` ≤ week < `$6`; ISO week keys "2026-W07" sort as text).
const COOL_DOWN_MAX: &str = "\
SELECT MAX(count) FROM trend_alerts
WHERE region = $1 AND municipality = $2 AND colonia = $3 AND category = $4
  AND week >= $5 AND week < $6";

const INSERT_ALERT: &str = "\
INSERT INTO trend_alerts (region, municipality, colonia, category, week, count,
                          baseline_mean, alerted_at, recipients)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (region, municipality, colonia, category, week) DO NOTHING";

/// A trend alert to record: which colonia and category, which week, and since which week
/// an earlier alert for them keeps this one quiet.
#[derive(Debug, Clone)]
pub struct NewTrendAlert {
    pub region: String,
    pub municipality: String,
    pub colonia: String,
    pub category: String,
    /// ISO week key, "2026-W07".
    pub week: String,
    /// The first week of the cool-down ("2026-W03"); alerts from it up to `week` count.
    pub cool_down_from: String,
    pub count: i64,
    pub baseline_mean: f64,
    pub at: DateTime<Utc>,
}

/// What became of a trend alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrendAlertOutcome {
    /// Recorded now, its notices queued.
    Recorded,
    /// The same colonia and category were alerted in the cool-down weeks with at least this
    /// count: nothing recorded, nothing sent.
    CooledDown,
    /// Another process (or an earlier run) already recorded this week's alert.
    AlreadyRecorded,
}

/// A recorded trend alert.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendAlertRow {
    pub region: String,
    pub municipality: String,
    pub colonia: String,
    pub category: String,
    pub week: String,
    pub count: i64,
    pub baseline_mean: f64,
    pub alerted_at: DateTime<Utc>,
    /// Coordinators the notice was queued for.
    pub recipients: i64,
}

impl Store {
    /// Records `alert` and queues `outbox` with it, unless the cool-down holds it back or
    /// it is already recorded; the check and the insert share one transaction.
    pub async fn record_trend_alert(
        &self,
        alert: &NewTrendAlert,
        outbox: &[NewOutbox],
    ) -> Result<TrendAlertOutcome, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let alerted: Option<i64> = dispatch!(tx.conn(), |c| {
            sqlx::query_scalar(COOL_DOWN_MAX)
                .bind(&alert.region)
                .bind(&alert.municipality)
                .bind(&alert.colonia)
                .bind(&alert.category)
                .bind(&alert.cool_down_from)
                .bind(&alert.week)
                .fetch_one(c)
                .await
        })?;
        // Within the cool-down only a further rise is news.
        if alerted.is_some_and(|before| alert.count <= before) {
            return Ok(TrendAlertOutcome::CooledDown);
        }
        let inserted = dispatch!(tx.conn(), |c| {
            sqlx::query(INSERT_ALERT)
                .bind(&alert.region)
                .bind(&alert.municipality)
                .bind(&alert.colonia)
                .bind(&alert.category)
                .bind(&alert.week)
                .bind(alert.count)
                .bind(alert.baseline_mean)
                .bind(alert.at)
                .bind(outbox.len() as i64)
                .execute(c)
                .await
                .map(|d| d.rows_affected())
        })?;
        if inserted == 0 {
            return Ok(TrendAlertOutcome::AlreadyRecorded);
        }
        for o in outbox {
            insert_outbox(tx.conn(), o, None, None).await?;
        }
        tx.commit().await?;
        Ok(TrendAlertOutcome::Recorded)
    }
}
