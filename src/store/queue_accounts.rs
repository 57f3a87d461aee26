//! Operator accounts, API tokens and web sessions: the user and session methods of
//! `QueueStore`, stamped out per backend as a `mod accounts` of free functions that the
//! impl in `queue_impl.rs` forwards to (see there for why a macro).

/// `account_fns!(Database)`; expanded by `queue_impl!`, which supplies `insert_audit_entry`
/// in the same module (the backend supplies `begin_write`).
macro_rules! account_fns {
    ($db:ty) => {
        mod accounts {
            use chrono::{DateTime, Utc};
            use $crate::store::sql_queue as qsql;
            use $crate::store::{
                NewAudit, NewUser, SessionRow, StoreError, TokenOwner, UserAccount, UserRow,
            };

            pub(super) async fn create_user(
                pool: &sqlx::Pool<$db>,
                u: &NewUser,
            ) -> Result<i64, StoreError> {
                let mut tx = super::begin_write(pool).await?;
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
                let created = NewAudit {
                    at: u.at,
                    actor: "system:cli".into(),
                    action: "user.created".into(),
                    entity_kind: "user".into(),
                    entity_id: u.name.clone(),
                    detail: serde_json::json!({ "role": u.role, "regions": u.regions }),
                };
                super::insert_audit_entry(&mut tx, &created).await?;
                tx.commit().await?;
                Ok(id)
            }

            pub(super) async fn user_by_name(
                pool: &sqlx::Pool<$db>,
                name: &str,
            ) -> Result<Option<UserRow>, StoreError> {
                Ok(sqlx::query_as(qsql::USER_BY_NAME)
                    .bind(name)
                    .fetch_optional(pool)
                    .await?)
            }

            pub(super) async fn user_by_id(
                pool: &sqlx::Pool<$db>,
                id: i64,
            ) -> Result<Option<UserRow>, StoreError> {
                Ok(sqlx::query_as(qsql::USER_BY_ID)
                    .bind(id)
                    .fetch_optional(pool)
                    .await?)
            }

            pub(super) async fn token_owner(
                pool: &sqlx::Pool<$db>,
                sha: &str,
            ) -> Result<Option<TokenOwner>, StoreError> {
                Ok(sqlx::query_as(qsql::TOKEN_OWNER)
                    .bind(sha)
                    .fetch_optional(pool)
                    .await?)
            }

            pub(super) async fn users(
                pool: &sqlx::Pool<$db>,
            ) -> Result<Vec<UserAccount>, StoreError> {
                Ok(sqlx::query_as(qsql::USERS).fetch_all(pool).await?)
            }

            /// The new hash and the end of every session in one transaction: a session
            /// opened with the old password must not outlive it.
            pub(super) async fn set_password(
                pool: &sqlx::Pool<$db>,
                user_id: i64,
                hash: &str,
                audit: &NewAudit,
            ) -> Result<u64, StoreError> {
                let mut tx = super::begin_write(pool).await?;
                sqlx::query(qsql::SET_PASSWORD)
                    .bind(user_id)
                    .bind(hash)
                    .execute(&mut *tx)
                    .await?;
                let ended = sqlx::query(qsql::DELETE_USER_SESSIONS)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                super::insert_audit_entry(&mut tx, &with_sessions(audit, ended)).await?;
                tx.commit().await?;
                Ok(ended)
            }

            pub(super) async fn set_disabled(
                pool: &sqlx::Pool<$db>,
                user_id: i64,
                disabled_at: Option<DateTime<Utc>>,
                audit: &NewAudit,
            ) -> Result<u64, StoreError> {
                let mut tx = super::begin_write(pool).await?;
                sqlx::query(qsql::SET_DISABLED)
                    .bind(user_id)
                    .bind(disabled_at)
                    .execute(&mut *tx)
                    .await?;
                // The session lookup refuses a disabled owner anyway; deleting the rows
                // makes enabling the account again not bring old sessions back.
                let ended = if disabled_at.is_some() {
                    sqlx::query(qsql::DELETE_USER_SESSIONS)
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected()
                } else {
                    0
                };
                super::insert_audit_entry(&mut tx, &with_sessions(audit, ended)).await?;
                tx.commit().await?;
                Ok(ended)
            }

            pub(super) async fn rotate_token(
                pool: &sqlx::Pool<$db>,
                user_id: i64,
                sha: &str,
                at: DateTime<Utc>,
                audit: &NewAudit,
            ) -> Result<(), StoreError> {
                let mut tx = super::begin_write(pool).await?;
                let revoked = sqlx::query(qsql::DELETE_USER_TOKENS)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                sqlx::query(qsql::INSERT_TOKEN)
                    .bind(sha)
                    .bind(user_id)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                let mut entry = audit.clone();
                entry.detail["tokens_revoked"] = revoked.into();
                super::insert_audit_entry(&mut tx, &entry).await?;
                tx.commit().await?;
                Ok(())
            }

            /// The audit entry with how many sessions the change ended.
            fn with_sessions(audit: &NewAudit, ended: u64) -> NewAudit {
                let mut entry = audit.clone();
                entry.detail["sessions_ended"] = ended.into();
                entry
            }

            pub(super) async fn create_session(
                pool: &sqlx::Pool<$db>,
                s: &SessionRow,
            ) -> Result<(), StoreError> {
                sqlx::query(qsql::INSERT_SESSION)
                    .bind(&s.id_sha256)
                    .bind(s.user_id)
                    .bind(&s.csrf_token)
                    .bind(s.created_at)
                    .bind(s.expires_at)
                    .execute(pool)
                    .await?;
                Ok(())
            }

            pub(super) async fn session(
                pool: &sqlx::Pool<$db>,
                sha: &str,
                now: DateTime<Utc>,
            ) -> Result<Option<SessionRow>, StoreError> {
                Ok(sqlx::query_as(qsql::SESSION)
                    .bind(sha)
                    .bind(now)
                    .fetch_optional(pool)
                    .await?)
            }

            pub(super) async fn delete_session(
                pool: &sqlx::Pool<$db>,
                sha: &str,
                expired_before: Option<DateTime<Utc>>,
            ) -> Result<(), StoreError> {
                sqlx::query(qsql::DELETE_SESSION)
                    .bind(sha)
                    .execute(pool)
                    .await?;
                if let Some(t) = expired_before {
                    sqlx::query(qsql::DELETE_EXPIRED_SESSIONS)
                        .bind(t)
                        .execute(pool)
                        .await?;
                }
                Ok(())
            }
        }
    };
}

pub(crate) use account_fns;
