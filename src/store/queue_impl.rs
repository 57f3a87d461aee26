//! `impl QueueStore` for both backends, stamped out by a macro for the same reason as
//! `shared.rs`: sqlx's executors are generic in ways that make one generic function harder
//! to read than the SQL it runs.

/// `queue_impl!(Type, pool_field, Database)`.
macro_rules! queue_impl {
    ($ty:ty, $pool:ident, $db:ty) => {
        mod queue_sql {
            use $crate::store::queue::ReportQuery;
            use $crate::store::sql_queue as qsql;

            /// Appends the filters of `q` (all of them, or all but category and status).
            pub(super) fn filters(
                b: &mut sqlx::QueryBuilder<'static, $db>,
                q: &ReportQuery,
                with_category_status: bool,
            ) {
                fn any_of(b: &mut sqlx::QueryBuilder<'static, $db>, col: &str, v: &[String]) {
                    b.push(format!(" AND {col} IN ("));
                    let mut list = b.separated(", ");
                    for item in v {
                        list.push_bind(item.clone());
                    }
                    list.push_unseparated(")");
                }
                if let Some(regions) = &q.regions {
                    if regions.is_empty() {
                        b.push(" AND 1 = 0");
                    } else {
                        any_of(b, "r.region", regions);
                    }
                }
                if let Some(groups) = &q.groups {
                    if groups.is_empty() {
                        b.push(" AND 1 = 0");
                    } else {
                        any_of(b, "r.group_ref", groups);
                    }
                }
                if with_category_status && !q.categories.is_empty() {
                    any_of(b, "r.category", &q.categories);
                }
                if with_category_status && !q.statuses.is_empty() {
                    any_of(b, "r.status", &q.statuses);
                }
                if let Some(since) = q.since {
                    b.push(" AND r.created_at >= ").push_bind(since);
                }
                if let Some(until) = q.until {
                    b.push(" AND r.created_at < ").push_bind(until);
                }
                if let Some(text) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                    // LIKE wildcards typed by the operator are literal characters.
                    let escaped = text
                        .to_lowercase()
                        .replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_");
                    let pattern = format!("%{escaped}%");
                    b.push(" AND (LOWER(COALESCE(m.body, '') || ' ' || COALESCE(m.note, '')) LIKE ")
                        .push_bind(pattern.clone())
                        .push(" ESCAPE '\\' OR LOWER(r.folio) LIKE ")
                        .push_bind(pattern)
                        .push(" ESCAPE '\\')");
                }
            }

            pub(super) fn list(q: &ReportQuery) -> sqlx::QueryBuilder<'static, $db> {
                let mut b = sqlx::QueryBuilder::new(qsql::QUEUE_SELECT);
                filters(&mut b, q, true);
                b.push(if q.chronological { qsql::CHRONOLOGICAL_ORDER } else { qsql::QUEUE_ORDER });
                b.push(" LIMIT ").push_bind(q.limit.clamp(1, 5000));
                b.push(" OFFSET ").push_bind(q.offset.max(0));
                b
            }

            pub(super) fn counts(q: &ReportQuery) -> sqlx::QueryBuilder<'static, $db> {
                let mut b = sqlx::QueryBuilder::new(qsql::COUNT_SELECT);
                filters(&mut b, q, false);
                b.push(" GROUP BY r.category, r.status ORDER BY r.category, r.status");
                b
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::QueueStore for $ty {
            async fn create_user(&self, u: &$crate::store::NewUser) -> Result<i64, StoreError> {
                use $crate::store::sql_queue as qsql;
                let mut tx = begin_write(&self.$pool).await?;
                let regions = serde_json::to_string(&u.regions).unwrap_or_else(|_| "[]".into());
                let inserted: Result<(i64,), sqlx::Error> = sqlx::query_as(qsql::INSERT_USER)
                    .bind(&u.name)
                    .bind(&u.role)
                    .bind(regions)
                    .bind(&u.password_hash)
                    .bind(u.at)
                    .fetch_one(&mut *tx)
                    .await;
                let (id,) = match inserted {
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                        return Err(StoreError::Conflict(format!("el usuario {} ya existe", u.name)))
                    }
                    other => other?,
                };
                sqlx::query(qsql::INSERT_TOKEN)
                    .bind(&u.token_sha256)
                    .bind(id)
                    .bind(u.at)
                    .execute(&mut *tx)
                    .await?;
                let created = $crate::store::NewAudit {
                    at: u.at,
                    actor: "system:cli".into(),
                    action: "user.created".into(),
                    entity_kind: "user".into(),
                    entity_id: u.name.clone(),
                    detail: serde_json::json!({ "role": u.role, "regions": u.regions }),
                };
                insert_audit_entry(&mut tx, &created).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn user_by_name(&self, name: &str) -> Result<Option<$crate::store::UserRow>, StoreError> {
                Ok(sqlx::query_as($crate::store::sql_queue::USER_BY_NAME)
                    .bind(name)
                    .fetch_optional(&self.$pool)
                    .await?)
            }

            async fn user_by_id(&self, id: i64) -> Result<Option<$crate::store::UserRow>, StoreError> {
                Ok(sqlx::query_as($crate::store::sql_queue::USER_BY_ID)
                    .bind(id)
                    .fetch_optional(&self.$pool)
                    .await?)
            }

            async fn user_by_token(&self, sha: &str) -> Result<Option<$crate::store::UserRow>, StoreError> {
                Ok(sqlx::query_as($crate::store::sql_queue::USER_BY_TOKEN)
                    .bind(sha)
                    .fetch_optional(&self.$pool)
                    .await?)
            }

            async fn users(&self) -> Result<Vec<$crate::store::UserRow>, StoreError> {
                Ok(sqlx::query_as($crate::store::sql_queue::USERS)
                    .fetch_all(&self.$pool)
                    .await?)
            }

            async fn set_password(&self, user_id: i64, hash: &str) -> Result<(), StoreError> {
                sqlx::query($crate::store::sql_queue::SET_PASSWORD)
                    .bind(user_id)
                    .bind(hash)
                    .execute(&self.$pool)
                    .await?;
                Ok(())
            }

            async fn add_token(&self, user_id: i64, sha: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
                sqlx::query($crate::store::sql_queue::INSERT_TOKEN)
                    .bind(sha)
                    .bind(user_id)
                    .bind(at)
                    .execute(&self.$pool)
                    .await?;
                Ok(())
            }

            async fn create_session(&self, s: &$crate::store::SessionRow) -> Result<(), StoreError> {
                sqlx::query($crate::store::sql_queue::INSERT_SESSION)
                    .bind(&s.id_sha256)
                    .bind(s.user_id)
                    .bind(&s.csrf_token)
                    .bind(s.created_at)
                    .bind(s.expires_at)
                    .execute(&self.$pool)
                    .await?;
                Ok(())
            }

            async fn session(&self, sha: &str, now: DateTime<Utc>) -> Result<Option<$crate::store::SessionRow>, StoreError> {
                Ok(sqlx::query_as($crate::store::sql_queue::SESSION)
                    .bind(sha)
                    .bind(now)
                    .fetch_optional(&self.$pool)
                    .await?)
            }

            async fn delete_session(&self, sha: &str, expired_before: Option<DateTime<Utc>>) -> Result<(), StoreError> {
                sqlx::query($crate::store::sql_queue::DELETE_SESSION)
                    .bind(sha)
                    .execute(&self.$pool)
                    .await?;
                if let Some(t) = expired_before {
                    sqlx::query($crate::store::sql_queue::DELETE_EXPIRED_SESSIONS)
                        .bind(t)
                        .execute(&self.$pool)
                        .await?;
                }
                Ok(())
            }

            async fn query_reports(&self, q: &$crate::store::ReportQuery) -> Result<Vec<$crate::store::QueueItem>, StoreError> {
                Ok(queue_sql::list(q).build_query_as().fetch_all(&self.$pool).await?)
            }

            async fn count_reports(&self, q: &$crate::store::ReportQuery) -> Result<Vec<$crate::store::QueueCount>, StoreError> {
                Ok(queue_sql::counts(q).build_query_as().fetch_all(&self.$pool).await?)
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

            async fn update_report(&self, c: &$crate::store::ReportChange) -> Result<bool, StoreError> {
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

            async fn append_audit(&self, entry: &$crate::store::NewAudit) -> Result<(), StoreError> {
                let mut conn = self.$pool.acquire().await?;
                insert_audit_entry(&mut conn, entry).await?;
                Ok(())
            }

            async fn audit_after(&self, kind: &str, after: i64, limit: i64) -> Result<Vec<AuditRow>, StoreError> {
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
                let found: Vec<ChangeJoin> = sqlx::query_as($crate::store::sql_queue::REPORT_CHANGES_AFTER)
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.$pool)
                    .await?;
                let cursor = found.last().map(|row| row.id);
                let changes = found.into_iter().filter_map(ChangeJoin::into_change).collect();
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
