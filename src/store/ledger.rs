//! The cost ledger (`outbound_pricing`): what Meta billed, by pricing category and type.
//! The webhook writers fill it from status pricing; these are its reads.

use chrono::{DateTime, Utc};

use super::db::dispatch;
use super::{Store, StoreError};

/// The cost ledger of a period, by pricing category and type; with a region, only messages
/// about that region's reports (a message about no report, such as a privacy notice to an
/// unregistered sender, counts in the all-regions figures).
const SELECT_LEDGER: &str = "\
SELECT p.category, p.pricing_type, COUNT(*) FROM outbound_pricing p
WHERE p.billed_at >= $1 AND p.billed_at < $2
  AND ($3 IS NULL OR EXISTS (
      SELECT 1 FROM outbox o JOIN reports r ON r.id = o.report_id
      WHERE o.wamid = p.wamid AND r.region = $3))
GROUP BY p.category, p.pricing_type
ORDER BY p.category, p.pricing_type";

/// Every message billed so far, by category (the `alerta_outbound_messages` metric).
const SELECT_LEDGER_TOTALS: &str = "\
SELECT category, COUNT(*) FROM outbound_pricing GROUP BY category ORDER BY category";

impl Store {
    /// The cost ledger between `since` and `until`: (category, type, messages).
    pub async fn cost_ledger(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
        region: Option<&str>,
    ) -> Result<Vec<(String, String, i64)>, StoreError> {
        Ok(dispatch!(&self.pool, |p| {
            sqlx::query_as(SELECT_LEDGER)
                .bind(since)
                .bind(until)
                .bind(region)
                .fetch_all(p)
                .await
        })?)
    }

    /// Messages billed so far, by pricing category.
    pub async fn ledger_totals(&self) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(dispatch!(&self.pool, |p| {
            sqlx::query_as(SELECT_LEDGER_TOTALS).fetch_all(p).await
        })?)
    }
}
