//! `impl QueueStore` for both backends, stamped out by a macro for the same reason as
//! `shared.rs`: sqlx's executors are generic in ways that make one generic function harder
//! to read than the SQL it runs. The filtered report lists (`queue_query.rs`) and accounts
//! and sessions (`queue_accounts.rs`) are stamped out beside it, and the impl calls into them.

/// `queue_impl!(Type, pool_field, Database)`.
macro_rules! queue_impl {
    ($ty:ty, $pool:ident, $db:ty) => {
        $crate::store::queue_query::report_query_fns!($db);
        $crate::store::queue_accounts::account_fns!($db);

        #[async_trait::async_trait]
        impl $crate::store::QueueStore for $ty {
            async fn create_user(&self, u: &$crate::store::NewUser) -> Result<i64, StoreError> {
                accounts::create_user(&self.$pool, u).await
            }

            async fn user_by_name(
                &self,
                name: &str,
            ) -> Result<Option<$crate::store::UserRow>, StoreError> {
                accounts::user_by_name(&self.$pool, name).await
            }

            async fn user_by_id(
                &self,
                id: i64,
            ) -> Result<Option<$crate::store::UserRow>, StoreError> {
                accounts::user_by_id(&self.$pool, id).await
            }

            async fn token_owner(
                &self,
                sha: &str,
            ) -> Result<Option<$crate::store::TokenOwner>, StoreError> {
                accounts::token_owner(&self.$pool, sha).await
            }

            async fn users(&self) -> Result<Vec<$crate::store::UserAccount>, StoreError> {
                accounts::users(&self.$pool).await
            }

            async fn set_password(
                &self,
                user_id: i64,
                hash: &str,
                audit: &$crate::store::NewAudit,
            ) -> Result<u64, StoreError> {
                accounts::set_password(&self.$pool, user_id, hash, audit).await
            }

            async fn set_disabled(
                &self,
                user_id: i64,
                disabled_at: Option<DateTime<Utc>>,
                audit: &$crate::store::NewAudit,
            ) -> Result<u64, StoreError> {
                accounts::set_disabled(&self.$pool, user_id, disabled_at, audit).await
            }

            async fn rotate_token(
                &self,
                user_id: i64,
                sha: &str,
                at: DateTime<Utc>,
                audit: &$crate::store::NewAudit,
            ) -> Result<(), StoreError> {
                accounts::rotate_token(&self.$pool, user_id, sha, at, audit).await
            }

            async fn create_session(
                &self,
                s: &$crate::store::SessionRow,
            ) -> Result<(), StoreError> {
                accounts::create_session(&self.$pool, s).await
            }

            async fn session(
                &self,
                sha: &str,
                now: DateTime<Utc>,
            ) -> Result<Option<$crate::store::SessionRow>, StoreError> {
                accounts::session(&self.$pool, sha, now).await
            }

            async fn delete_session(
                &self,
                sha: &str,
                expired_before: Option<DateTime<Utc>>,
            ) -> Result<(), StoreError> {
                accounts::delete_session(&self.$pool, sha, expired_before).await
            }

            async fn query_reports(
                &self,
                q: &$crate::store::ReportQuery,
            ) -> Result<Vec<$crate::store::QueueItem>, StoreError> {
                Ok(report_query::list(q)
                    .build_query_as()
                    .fetch_all(&self.$pool)
                    .await?)
            }

            async fn count_reports(
                &self,
                q: &$crate::store::ReportQuery,
            ) -> Result<Vec<$crate::store::QueueCount>, StoreError> {
                Ok(report_query::counts(q)
                    .build_query_as()
                    .fetch_all(&self.$pool)
                    .await?)
            }

            async fn report_places(
                &self,
                message_ids: &[i64],
            ) -> Result<Vec<$crate::store::ReportPlace>, StoreError> {
                let mut out = Vec::new();
                // Bounded IN lists: a page of the map or an export batch at a time.
                for chunk in message_ids.chunks(500) {
                    let mut b =
                        sqlx::QueryBuilder::<$db>::new($crate::store::sql_queue::REPORT_PLACES);
                    for col in ["m.id", "m.attached_to"] {
                        b.push(if col == "m.id" { " AND (" } else { " OR " });
                        b.push(col).push(" IN (");
                        let mut list = b.separated(", ");
                        for id in chunk {
                            list.push_bind(*id);
                        }
                        list.push_unseparated(")");
                    }
                    b.push(") ORDER BY m.sent_at, m.id");
                    out.extend(b.build_query_as().fetch_all(&self.$pool).await?);
                }
                Ok(out)
            }

            async fn first_report_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
                Ok(
                    sqlx::query_scalar($crate::store::sql_queue::FIRST_REPORT_AT)
                        .fetch_one(&self.$pool)
                        .await?,
                )
            }

            async fn inbound_by_id(&self, id: i64) -> Result<Option<InboundRow>, StoreError> {
                Ok(sqlx::query_as($crate::store::sql_queue::INBOUND_BY_ID)
                    .bind(id)
                    .fetch_optional(&self.$pool)
                    .await?)
            }

            async fn report_thread(&self, r: &ReportRow) -> Result<Vec<InboundRow>, StoreError> {
                Ok(sqlx::query_as($crate::store::sql_queue::REPORT_THREAD)
                    .bind(r.message_id)
                    .bind(r.created_at - chrono::Duration::hours(1))
                    .bind(r.created_at + chrono::Duration::hours(24))
                    .fetch_all(&self.$pool)
                    .await?)
            }

            async fn report_outbox(&self, report_id: i64) -> Result<Vec<OutboxRow>, StoreError> {
                Ok(sqlx::query_as($crate::store::sql_queue::REPORT_OUTBOX)
                    .bind(report_id)
                    .fetch_all(&self.$pool)
                    .await?)
            }

            async fn duplicates_of(&self, folio: &str) -> Result<Vec<ReportRow>, StoreError> {
                Ok(sqlx::query_as($crate::store::sql_queue::DUPLICATES_OF)
                    .bind(folio)
                    .fetch_all(&self.$pool)
                    .await?)
            }

            async fn mark_follow_ups_seen(&self, report_id: i64) -> Result<(), StoreError> {
                sqlx::query($crate::store::sql_queue::MARK_FOLLOW_UPS_SEEN)
                    .bind(report_id)
                    .execute(&self.$pool)
                    .await?;
                Ok(())
            }

            async fn update_report(
                &self,
                c: &$crate::store::ReportChange,
            ) -> Result<bool, StoreError> {
                use $crate::store::sql_queue as qsql;
                let f = &c.fields;
                let mut tx = begin_write(&self.$pool).await?;
                let done = sqlx::query(qsql::UPDATE_REPORT)
                    .bind(c.report_id)
                    .bind(c.expected_version)
                    .bind(&f.category)
                    .bind(&f.priority)
                    .bind(&f.status)
                    .bind(f.escalate_at)
                    .bind(f.acknowledged_at)
                    .bind(&f.acknowledged_by)
                    .bind(f.resolved_at)
                    .bind(&f.resolved_by)
                    .bind(&f.claimed_by)
                    .bind(f.claim_expires_at)
                    .bind(&f.assigned_to)
                    .bind(&f.duplicate_of)
                    .bind(f.needs_review)
                    .bind(c.at)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                insert_audit_entry(&mut tx, &c.audit).await?;
                if let Some(k) = &c.correction {
                    sqlx::query(qsql::INSERT_CORRECTION)
                        .bind(c.report_id)
                        .bind(&k.from_category)
                        .bind(&k.from_priority)
                        .bind(&k.to_category)
                        .bind(&k.to_priority)
                        .bind(&k.reason)
                        .bind(&c.audit.actor)
                        .bind(c.at)
                        .execute(&mut *tx)
                        .await?;
                }
                if !c.outbox.is_empty() {
                    let (message_id,): (i64,) = sqlx::query_as(qsql::REPORT_ORIGIN_MESSAGE)
                        .bind(c.report_id)
                        .fetch_one(&mut *tx)
                        .await?;
                    for o in &c.outbox {
                        insert_outbox(&mut tx, o, Some(c.report_id), Some(message_id)).await?;
                    }
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn append_audit(
                &self,
                entry: &$crate::store::NewAudit,
            ) -> Result<(), StoreError> {
                let mut conn = self.$pool.acquire().await?;
                insert_audit_entry(&mut conn, entry).await?;
                Ok(())
            }

            async fn audit_after(
                &self,
                kind: &str,
                after: i64,
                limit: i64,
            ) -> Result<Vec<AuditRow>, StoreError> {
                Ok(sqlx::query_as($crate::store::sql_queue::AUDIT_AFTER)
                    .bind(kind)
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.$pool)
                    .await?)
            }

            async fn last_audit_id(&self) -> Result<i64, StoreError> {
                let (id,): (i64,) = sqlx::query_as($crate::store::sql_queue::LAST_AUDIT_ID)
                    .fetch_one(&self.$pool)
                    .await?;
                Ok(id)
            }

            async fn report_changes_after(
                &self,
                after: i64,
                limit: i64,
            ) -> Result<(Vec<$crate::store::ReportChangeRow>, Option<i64>), StoreError> {
                use $crate::store::rows::ChangeJoin;
                let found: Vec<ChangeJoin> =
                    sqlx::query_as($crate::store::sql_queue::REPORT_CHANGES_AFTER)
                        .bind(after)
                        .bind(limit)
                        .fetch_all(&self.$pool)
                        .await?;
                let cursor = found.last().map(|row| row.id);
                let changes = found
                    .into_iter()
                    .filter_map(ChangeJoin::into_change)
                    .collect();
                Ok((changes, cursor))
            }

            async fn corrections(&self) -> Result<Vec<$crate::store::CorrectionRow>, StoreError> {
                Ok(sqlx::query_as($crate::store::sql_queue::CORRECTIONS)
                    .fetch_all(&self.$pool)
                    .await?)
            }

            async fn record_digest(
                &self,
                region: &str,
                week: &str,
                at: DateTime<Utc>,
                outbox: &[$crate::store::NewOutbox],
            ) -> Result<bool, StoreError> {
                let mut tx = begin_write(&self.$pool).await?;
                let done = sqlx::query($crate::store::sql_queue::INSERT_DIGEST)
                    .bind(region)
                    .bind(week)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                for o in outbox {
                    insert_outbox(&mut tx, o, None, None).await?;
                }
                tx.commit().await?;
                Ok(true)
            }
        }

        async fn insert_audit_entry(
            conn: &mut <$db as sqlx::Database>::Connection,
            e: &$crate::store::NewAudit,
        ) -> Result<(), sqlx::Error> {
            sqlx::query($crate::store::sql::INSERT_AUDIT)
                .bind(e.at)
                .bind(&e.actor)
                .bind(&e.action)
                .bind(&e.entity_kind)
                .bind(&e.entity_id)
                .bind(e.detail.to_string())
                .execute(&mut *conn)
                .await?;
            Ok(())
        }
    };
}

pub(crate) use queue_impl;
