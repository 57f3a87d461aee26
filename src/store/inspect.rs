//! Reads only the test suite makes: whole tables and the raw rows of one delivery, to check
//! what the service stored. Nothing in the service calls them; they are public because the
//! integration tests (`tests/api`) are a crate of their own and see only the public API.

use super::db::dispatch;
use super::rows::{AuditRow, DeliveryRow, EventRow, InboundRow, OutboxRow, ReportRow};
use super::rows::{StatusRow, StoreCounts};
use super::trend_alerts::TrendAlertRow;
use super::{Store, StoreError};

const SELECT_RECENT_INBOUND: &str =
    "SELECT * FROM inbound_messages ORDER BY received_at DESC, id DESC LIMIT $1";
const SELECT_STATUS: &str = "SELECT * FROM message_statuses WHERE wamid = $1";
const SELECT_DELIVERY: &str = "SELECT * FROM webhook_deliveries WHERE id = $1";
const SELECT_EVENTS: &str = "SELECT * FROM webhook_events WHERE delivery_id = $1 ORDER BY id";
const SELECT_COUNTS: &str = "\
SELECT (SELECT COUNT(*) FROM webhook_deliveries) AS deliveries,
       (SELECT COUNT(*) FROM webhook_deliveries WHERE outcome <> 'parsed') AS flagged_deliveries,
       (SELECT COUNT(*) FROM inbound_messages) AS messages,
       (SELECT COUNT(*) FROM message_statuses) AS statuses,
       (SELECT COUNT(*) FROM webhook_events) AS events";
const SELECT_OUTBOX_ALL: &str = "SELECT * FROM outbox ORDER BY id";
const SELECT_REPORTS: &str = "SELECT * FROM reports ORDER BY id";
const AUDIT_AFTER: &str = "\
SELECT * FROM audit_log WHERE entity_kind = $1 AND id > $2 ORDER BY id LIMIT $3";

const ALERTS_OF_WEEK: &str = "\
SELECT region, municipality, colonia, category, week, count, baseline_mean, alerted_at,
       recipients
FROM trend_alerts WHERE week = $1 AND ($2 IS NULL OR region = $2)
ORDER BY region, municipality, colonia, category";

#[doc(hidden)]
impl Store {
    /// The alerts recorded for `week` ("2026-W07"), of one region or all.
    pub async fn trend_alerts(
        &self,
        week: &str,
        region: Option<&str>,
    ) -> Result<Vec<TrendAlertRow>, StoreError> {
        Ok(dispatch!(&self.pool, |p| {
            sqlx::query_as(ALERTS_OF_WEEK)
                .bind(week)
                .bind(region)
                .fetch_all(p)
                .await
        })?)
    }

    /// The newest messages first.
    pub async fn recent_inbound(&self, limit: i64) -> Result<Vec<InboundRow>, StoreError> {
        Ok(dispatch!(&self.pool, |p| {
            sqlx::query_as(SELECT_RECENT_INBOUND)
                .bind(limit)
                .fetch_all(p)
                .await
        })?)
    }

    pub async fn status(&self, wamid: &str) -> Result<Option<StatusRow>, StoreError> {
        Ok(dispatch!(&self.pool, |p| {
            sqlx::query_as(SELECT_STATUS)
                .bind(wamid)
                .fetch_optional(p)
                .await
        })?)
    }

    pub async fn delivery(&self, id: i64) -> Result<Option<DeliveryRow>, StoreError> {
        Ok(dispatch!(&self.pool, |p| {
            sqlx::query_as(SELECT_DELIVERY)
                .bind(id)
                .fetch_optional(p)
                .await
        })?)
    }

    pub async fn events(&self, delivery_id: i64) -> Result<Vec<EventRow>, StoreError> {
        Ok(dispatch!(&self.pool, |p| {
            sqlx::query_as(SELECT_EVENTS)
                .bind(delivery_id)
                .fetch_all(p)
                .await
        })?)
    }

    pub async fn counts(&self) -> Result<StoreCounts, StoreError> {
        Ok(dispatch!(&self.pool, |p| sqlx::query_as(SELECT_COUNTS)
            .fetch_one(p)
            .await)?)
    }

    pub async fn outbox(&self) -> Result<Vec<OutboxRow>, StoreError> {
        Ok(dispatch!(&self.pool, |p| {
            sqlx::query_as(SELECT_OUTBOX_ALL).fetch_all(p).await
        })?)
    }

    pub async fn reports(&self) -> Result<Vec<ReportRow>, StoreError> {
        Ok(dispatch!(&self.pool, |p| sqlx::query_as(SELECT_REPORTS)
            .fetch_all(p)
            .await)?)
    }

    /// Audit entries of `kind` with id greater than `after`, oldest first.
    pub async fn audit_after(
        &self,
        kind: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<AuditRow>, StoreError> {
        Ok(dispatch!(&self.pool, |p| {
            sqlx::query_as(AUDIT_AFTER)
                .bind(kind)
                .bind(after)
                .bind(limit)
                .fetch_all(p)
                .await
        })?)
    }
}
