//! `impl PrivacyStore` for both backends (see `queue_impl.rs` for why a macro).

/// Rows per purge statement.
pub const BATCH: i64 = 500;

/// `privacy_impl!(Type, pool_field)`.
macro_rules! privacy_impl {
    ($ty:ty, $pool:ident) => {
        #[async_trait::async_trait]
        impl $crate::store::PrivacyStore for $ty {
            async fn purge(
                &self,
                c: &$crate::store::RetentionCutoffs,
                now: DateTime<Utc>,
            ) -> Result<$crate::store::PurgeCounts, StoreError> {
                use $crate::store::privacy_impl::BATCH;
                use $crate::store::sql_privacy as p;
                let mut n = $crate::store::PurgeCounts::default();
                // Media first: once the text is gone the link to the closed report stays, but
                // doing it first keeps each batch's work obvious.
                loop {
                    let rows: Vec<(i64, Option<String>)> = sqlx::query_as(p::CLOSED_MEDIA)
                        .bind(c.closed_reports)
                        .bind(BATCH)
                        .fetch_all(&self.$pool)
                        .await?;
                    for (id, sha) in &rows {
                        sqlx::query(p::FORGET_MEDIA)
                            .bind(id)
                            .bind(now)
                            .execute(&self.$pool)
                            .await?;
                        n.media_files += 1;
                        n.media_to_delete.extend(sha.clone());
                    }
                    if (rows.len() as i64) < BATCH {
                        break;
                    }
                }
                let batched = |sql: String, at: DateTime<Utc>| {
                    let pool = self.$pool.clone();
                    async move {
                        let mut total = 0;
                        loop {
                            let done = sqlx::query(&sql)
                                .bind(at)
                                .bind(BATCH)
                                .execute(&pool)
                                .await?;
                            total += done.rows_affected();
                            if done.rows_affected() < BATCH as u64 {
                                return Ok::<u64, sqlx::Error>(total);
                            }
                        }
                    }
                };
                n.closed_report_messages =
                    batched(p::CLOSED_REPORT_MESSAGES.to_owned(), c.closed_reports).await?;
                n.unreported_texts = batched(p::unreported_texts(), c.unreported_text).await?;
                n.raw_messages = batched(p::RAW_MESSAGES.to_owned(), c.raw).await?;
                n.audit_entries = batched(p::AUDIT.to_owned(), c.audit).await?;
                loop {
                    let done = sqlx::query(p::RAW_BODIES)
                        .bind(c.raw)
                        .bind(BATCH)
                        .bind(Vec::<u8>::new())
                        .execute(&self.$pool)
                        .await?;
                    n.raw_bodies += done.rows_affected();
                    if done.rows_affected() < BATCH as u64 {
                        break;
                    }
                }
                if c.tip_identity {
                    loop {
                        let done = sqlx::query(p::TIP_IDENTITIES)
                            .bind(BATCH)
                            .execute(&self.$pool)
                            .await?;
                        n.tip_identities += done.rows_affected();
                        if done.rows_affected() < BATCH as u64 {
                            break;
                        }
                    }
                    sqlx::query(p::TIP_OUTBOX).execute(&self.$pool).await?;
                }
                Ok(n)
            }

            async fn person_data(
                &self,
                keys: &[String],
            ) -> Result<$crate::store::PersonData, StoreError> {
                use $crate::store::sql_privacy as p;
                let mut data = $crate::store::PersonData::default();
                for k in keys {
                    let rows: Vec<InboundRow> = sqlx::query_as(p::PERSON_MESSAGES)
                        .bind(k)
                        .fetch_all(&self.$pool)
                        .await?;
                    for m in rows {
                        if data.messages.iter().any(|x| x.id == m.id) {
                            continue;
                        }
                        let reports: Vec<ReportRow> = sqlx::query_as(p::MESSAGE_REPORTS)
                            .bind(m.id)
                            .fetch_all(&self.$pool)
                            .await?;
                        let outbox: Vec<OutboxRow> = sqlx::query_as(p::MESSAGE_OUTBOX)
                            .bind(m.id)
                            .fetch_all(&self.$pool)
                            .await?;
                        data.reports.extend(reports);
                        data.outbox.extend(outbox);
                        data.messages.push(m);
                    }
                }
                Ok(data)
            }

            async fn erase_person(
                &self,
                keys: &[String],
                phones: &[String],
                now: DateTime<Utc>,
            ) -> Result<$crate::store::PurgeCounts, StoreError> {
                use $crate::store::sql_privacy as p;
                let data = self.person_data(keys).await?;
                let mut n = $crate::store::PurgeCounts::default();
                let mut tx = begin_write(&self.$pool).await?;
                for m in &data.messages {
                    let media: Vec<(i64, Option<String>)> = sqlx::query_as(p::MESSAGE_MEDIA)
                        .bind(m.id)
                        .fetch_all(&mut *tx)
                        .await?;
                    for (id, sha) in media {
                        sqlx::query(p::FORGET_MEDIA)
                            .bind(id)
                            .bind(now)
                            .execute(&mut *tx)
                            .await?;
                        n.media_files += 1;
                        n.media_to_delete.extend(sha);
                    }
                    sqlx::query(p::ERASE_MESSAGE)
                        .bind(m.id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(p::ERASE_OUTBOX_TO_PERSON)
                        .bind(m.id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(p::ERASE_OUTBOX_QUOTES)
                        .bind(m.id)
                        .execute(&mut *tx)
                        .await?;
                    let d = sqlx::query(p::ERASE_DELIVERY)
                        .bind(m.id)
                        .bind(Vec::<u8>::new())
                        .execute(&mut *tx)
                        .await?;
                    n.raw_bodies += d.rows_affected();
                    n.closed_report_messages += 1;
                }
                for k in keys {
                    sqlx::query(p::ERASE_NOTICE)
                        .bind(k)
                        .execute(&mut *tx)
                        .await?;
                }
                for phone in phones {
                    sqlx::query(p::ERASE_STATUSES)
                        .bind(phone)
                        .execute(&mut *tx)
                        .await?;
                    for key in [format!("wa:{phone}"), format!("bsuid:{phone}")] {
                        sqlx::query(p::ERASE_PACING)
                            .bind(key)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                tx.commit().await?;
                Ok(n)
            }

            async fn media_in_use(&self, sha256: &str) -> Result<bool, StoreError> {
                let (n,): (i64,) = sqlx::query_as($crate::store::sql_privacy::MEDIA_IN_USE)
                    .bind(sha256)
                    .fetch_one(&self.$pool)
                    .await?;
                Ok(n > 0)
            }
        }
    };
}

pub(crate) use privacy_impl;
