//! The part of `impl Store` that is the same on both backends: every method that only runs
//! the shared functions of `shared.rs` and `shared_reports.rs` on the backend's pool.
//! `#[async_trait]` sits inside the macro so it sees the expanded methods.

/// `store_impl!(Type, pool_field, { backend-specific methods })`.
macro_rules! store_impl {
    ($ty:ty, $pool:ident, { $($specific:tt)* }) => {
        #[async_trait::async_trait]
        impl $crate::store::Store for $ty {
            $($specific)*

            async fn inbound(&self, wamid: &str) -> Result<Option<InboundRow>, StoreError> {
                Ok(read_inbound(&self.$pool, wamid).await?)
            }

            async fn recent_inbound(&self, limit: i64) -> Result<Vec<InboundRow>, StoreError> {
                Ok(read_recent_inbound(&self.$pool, limit).await?)
            }

            async fn status(&self, wamid: &str) -> Result<Option<StatusRow>, StoreError> {
                Ok(read_status(&self.$pool, wamid).await?)
            }

            async fn delivery(&self, id: i64) -> Result<Option<DeliveryRow>, StoreError> {
                Ok(read_delivery(&self.$pool, id).await?)
            }

            async fn events(&self, delivery_id: i64) -> Result<Vec<EventRow>, StoreError> {
                Ok(read_events(&self.$pool, delivery_id).await?)
            }

            async fn counts(&self) -> Result<StoreCounts, StoreError> {
                Ok(read_counts(&self.$pool).await?)
            }

            async fn claim_outbox(
                &self,
                now: DateTime<Utc>,
                lease_until: DateTime<Utc>,
                owner: &str,
                limit: i64,
            ) -> Result<Vec<OutboxRow>, StoreError> {
                Ok(claim_outbox(&self.$pool, now, lease_until, owner, limit).await?)
            }

            async fn mergeable_outbox(
                &self,
                row: &OutboxRow,
                now: DateTime<Utc>,
            ) -> Result<Vec<OutboxRow>, StoreError> {
                Ok(mergeable(&self.$pool, row, now).await?)
            }

            async fn finish_outbox(
                &self,
                row: &OutboxRow,
                owner: &str,
                outcome: &OutboxOutcome,
                now: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let mut tx = begin_write(&self.$pool).await?;
                let done = finish_outbox(&mut tx, row, owner, outcome, now).await?;
                tx.commit().await?;
                Ok(done)
            }

            async fn settle_failed_statuses(
                &self,
                now: DateTime<Utc>,
            ) -> Result<crate::store::FailedSettlement, StoreError> {
                let mut tx = begin_write(&self.$pool).await?;
                let settled = settle_failed(&mut tx, now).await?;
                tx.commit().await?;
                Ok(settled)
            }

            async fn outbox(&self) -> Result<Vec<OutboxRow>, StoreError> {
                Ok(sqlx::query_as(rsql::SELECT_OUTBOX_ALL)
                    .fetch_all(&self.$pool)
                    .await?)
            }

            async fn cost_ledger(
                &self,
                since: DateTime<Utc>,
                until: DateTime<Utc>,
                region: Option<&str>,
            ) -> Result<Vec<(String, String, i64)>, StoreError> {
                Ok(sqlx::query_as(rsql::SELECT_LEDGER)
                    .bind(since)
                    .bind(until)
                    .bind(region)
                    .fetch_all(&self.$pool)
                    .await?)
            }

            async fn ledger_totals(&self) -> Result<Vec<(String, i64)>, StoreError> {
                Ok(sqlx::query_as(rsql::SELECT_LEDGER_TOTALS)
                    .fetch_all(&self.$pool)
                    .await?)
            }

            async fn sender_state(&self) -> Result<SenderState, StoreError> {
                Ok(sender_state(&self.$pool).await?)
            }

            async fn pause_sender(
                &self,
                at: DateTime<Utc>,
                reason: &str,
                token_fingerprint: &str,
            ) -> Result<(), StoreError> {
                sqlx::query(rsql::PAUSE_SENDER)
                    .bind(at)
                    .bind(reason)
                    .bind(token_fingerprint)
                    .execute(&self.$pool)
                    .await?;
                Ok(())
            }

            async fn resume_sender(&self) -> Result<(), StoreError> {
                sqlx::query(rsql::RESUME_SENDER).execute(&self.$pool).await?;
                Ok(())
            }

            async fn report(&self, lookup: ReportLookup<'_>) -> Result<Option<ReportRow>, StoreError> {
                let (sql, key) = match lookup {
                    ReportLookup::Id(id) => {
                        return Ok(sqlx::query_as(rsql::SELECT_REPORT_BY_ID)
                            .bind(id)
                            .fetch_optional(&self.$pool)
                            .await?)
                    }
                    ReportLookup::Folio(f) => (rsql::SELECT_REPORT_BY_FOLIO, f),
                    ReportLookup::MessageWamid(w) => (rsql::SELECT_REPORT_BY_MESSAGE_WAMID, w),
                    ReportLookup::OutboundWamid(w) => (rsql::SELECT_REPORT_BY_OUTBOUND_WAMID, w),
                    ReportLookup::LatestOpenOfGroup(g) => (rsql::SELECT_LATEST_OPEN_REPORT, g),
                };
                Ok(report_where(&self.$pool, sql, key).await?)
            }

            async fn reports(&self) -> Result<Vec<ReportRow>, StoreError> {
                Ok(sqlx::query_as(rsql::SELECT_REPORTS)
                    .fetch_all(&self.$pool)
                    .await?)
            }

            async fn last_inbound(&self, key: WindowKey<'_>) -> Result<Option<DateTime<Utc>>, StoreError> {
                let (sql, value) = match key {
                    WindowKey::Phone(p) => (rsql::LAST_INBOUND_BY_PHONE, p),
                    WindowKey::Bsuid(b) => (rsql::LAST_INBOUND_BY_BSUID, b),
                    WindowKey::Group(g) => (rsql::LAST_INBOUND_BY_GROUP, g),
                };
                Ok(last_inbound(&self.$pool, sql, value).await?)
            }

            async fn due_escalations(
                &self,
                now: DateTime<Utc>,
                limit: i64,
            ) -> Result<Vec<ReportRow>, StoreError> {
                Ok(sqlx::query_as(rsql::SELECT_DUE_ESCALATIONS)
                    .bind(now)
                    .bind(limit)
                    .fetch_all(&self.$pool)
                    .await?)
            }

            async fn escalate(&self, step: &EscalationStep) -> Result<bool, StoreError> {
                let mut tx = begin_write(&self.$pool).await?;
                let done = escalate(&mut tx, step).await?;
                tx.commit().await?;
                Ok(done)
            }

            async fn audit_trail(&self, kind: &str, id: &str) -> Result<Vec<AuditRow>, StoreError> {
                Ok(audit_trail(&self.$pool, kind, id).await?)
            }

            async fn gauges(&self) -> Result<crate::store::Gauges, StoreError> {
                Ok(gauges(&self.$pool).await?)
            }

            fn pool_connections(&self) -> (u32, usize) {
                (self.$pool.size(), self.$pool.num_idle())
            }
        }
    };
}

pub(crate) use store_impl;
