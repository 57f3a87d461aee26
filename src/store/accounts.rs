//! Operator accounts, API tokens and web sessions (`users`, `api_tokens`, `sessions`).
//! A change to an account and its audit entry commit together.

use chrono::{DateTime, Utc};

use super::audit::{insert_audit, NewAudit};
use super::db::{begin_write, dispatch};
use super::{Store, StoreError};

/// An account of the web app and API.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub role: String,
    /// JSON array of region ids; empty means every region.
    pub regions: String,
    pub password_hash: Option<String>,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
}

impl UserRow {
    pub fn region_list(&self) -> Vec<String> {
        serde_json::from_str(&self.regions).unwrap_or_default()
    }
}

/// The account an API token belongs to, disabled or not, with when the token's lifetime
/// started (`[web] token_days` runs from there).
#[derive(Debug, Clone)]
pub struct TokenOwner {
    pub user: UserRow,
    pub token_issued_at: DateTime<Utc>,
}

/// A line of the users list: the account and its newest token's start, if it has one.
#[derive(Debug, Clone)]
pub struct UserAccount {
    pub user: UserRow,
    pub token_issued_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: String,
    pub role: String,
    pub regions: Vec<String>,
    pub password_hash: Option<String>,
    /// sha256 hex of the first API token.
    pub token_sha256: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id_sha256: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

const INSERT_USER: &str = "\
INSERT INTO users (name, role, regions, password_hash, created_at)
VALUES ($1, $2, $3, $4, $5)
RETURNING id";
const INSERT_TOKEN: &str = "\
INSERT INTO api_tokens (token_sha256, user_id, created_at, issued_at) VALUES ($1, $2, $3, $3)";
const USER_BY_NAME: &str = "SELECT * FROM users WHERE name = $1";
const USER_BY_ID: &str = "SELECT * FROM users WHERE id = $1";
/// Disabled owners too: the caller tells a disabled account or an expired token from an
/// unknown token, so the answer can say which.
const TOKEN_OWNER: &str = "\
SELECT u.*, t.issued_at AS token_issued_at FROM users u JOIN api_tokens t ON t.user_id = u.id
WHERE t.token_sha256 = $1";
/// Each user with the start of their newest token's lifetime (normally their only one).
const USERS: &str = "\
SELECT u.*, (SELECT MAX(t.issued_at) FROM api_tokens t WHERE t.user_id = u.id) AS token_issued_at
FROM users u ORDER BY u.name";
const SET_PASSWORD: &str = "UPDATE users SET password_hash = $2 WHERE id = $1";
const SET_DISABLED: &str = "UPDATE users SET disabled_at = $2 WHERE id = $1";
const DELETE_USER_TOKENS: &str = "DELETE FROM api_tokens WHERE user_id = $1";
const DELETE_USER_SESSIONS: &str = "DELETE FROM sessions WHERE user_id = $1";

const INSERT_SESSION: &str = "\
INSERT INTO sessions (id_sha256, user_id, csrf_token, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5)";
const SESSION: &str = "\
SELECT s.* FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.id_sha256 = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL";
const DELETE_SESSION: &str = "DELETE FROM sessions WHERE id_sha256 = $1";
const DELETE_EXPIRED_SESSIONS: &str = "DELETE FROM sessions WHERE expires_at <= $1";

impl Store {
    /// Creates a user and its first API token; `Conflict` when the name is taken.
    pub async fn create_user(&self, u: &NewUser) -> Result<i64, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let regions = serde_json::to_string(&u.regions).unwrap_or_else(|_| "[]".into());
        let inserted: Result<(i64,), sqlx::Error> = dispatch!(tx.conn(), |c| {
            sqlx::query_as(INSERT_USER)
                .bind(&u.name)
                .bind(&u.role)
                .bind(regions)
                .bind(&u.password_hash)
                .bind(u.at)
                .fetch_one(c)
                .await
        });
        let (id,) = match inserted {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(StoreError::Conflict(format!(
                    "el usuario {} ya existe",
                    u.name
                )))
            }
            other => other?,
        };
        dispatch!(tx.conn(), |c| {
            sqlx::query(INSERT_TOKEN)
                .bind(&u.token_sha256)
                .bind(id)
                .bind(u.at)
                .execute(c)
                .await
                .map(drop)
        })?;
        let created = NewAudit {
            at: u.at,
            actor: "system:cli".into(),
            action: "user.created".into(),
            entity_kind: "user".into(),
            entity_id: u.name.clone(),
            detail: serde_json::json!({ "role": u.role, "regions": u.regions }),
        };
        insert_audit(tx.conn(), &created).await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn user_by_name(&self, name: &str) -> Result<Option<UserRow>, StoreError> {
        Ok(dispatch!(&self.pool, |p| {
            sqlx::query_as(USER_BY_NAME)
                .bind(name)
                .fetch_optional(p)
                .await
        })?)
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<UserRow>, StoreError> {
        Ok(dispatch!(&self.pool, |p| {
            sqlx::query_as(USER_BY_ID).bind(id).fetch_optional(p).await
        })?)
    }

    pub async fn token_owner(&self, token_sha256: &str) -> Result<Option<TokenOwner>, StoreError> {
        Ok(dispatch!(&self.pool, |p| {
            sqlx::query_as(TOKEN_OWNER)
                .bind(token_sha256)
                .fetch_optional(p)
                .await
        })?)
    }

    pub async fn users(&self) -> Result<Vec<UserAccount>, StoreError> {
        Ok(dispatch!(&self.pool, |p| sqlx::query_as(USERS)
            .fetch_all(p)
            .await)?)
    }

    /// Sets the password hash and ends every session of the user, with `audit`, in one
    /// transaction (a session opened with the old password must not outlive it); returns
    /// how many sessions ended.
    pub async fn set_password(
        &self,
        user_id: i64,
        hash: &str,
        audit: &NewAudit,
    ) -> Result<u64, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        dispatch!(tx.conn(), |c| {
            sqlx::query(SET_PASSWORD)
                .bind(user_id)
                .bind(hash)
                .execute(c)
                .await
                .map(drop)
        })?;
        let ended = end_sessions(&mut tx, user_id).await?;
        insert_audit(tx.conn(), &with_sessions(audit, ended)).await?;
        tx.commit().await?;
        Ok(ended)
    }

    /// Disables the user at `disabled_at` (ending every session) or, with `None`, enables
    /// them again, with `audit`, in one transaction; returns how many sessions ended. Tokens
    /// are kept: a disabled owner's token is refused, and works again once enabled.
    pub async fn set_disabled(
        &self,
        user_id: i64,
        disabled_at: Option<DateTime<Utc>>,
        audit: &NewAudit,
    ) -> Result<u64, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        dispatch!(tx.conn(), |c| {
            sqlx::query(SET_DISABLED)
                .bind(user_id)
                .bind(disabled_at)
                .execute(c)
                .await
                .map(drop)
        })?;
        // The session lookup refuses a disabled owner anyway; deleting the rows makes
        // enabling the account again not bring old sessions back.
        let ended = if disabled_at.is_some() {
            end_sessions(&mut tx, user_id).await?
        } else {
            0
        };
        insert_audit(tx.conn(), &with_sessions(audit, ended)).await?;
        tx.commit().await?;
        Ok(ended)
    }

    /// Replaces every API token of the user with `token_sha256`, issued at `at`, with
    /// `audit`, in one transaction.
    pub async fn rotate_token(
        &self,
        user_id: i64,
        token_sha256: &str,
        at: DateTime<Utc>,
        audit: &NewAudit,
    ) -> Result<(), StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let revoked = dispatch!(tx.conn(), |c| {
            sqlx::query(DELETE_USER_TOKENS)
                .bind(user_id)
                .execute(c)
                .await
                .map(|d| d.rows_affected())
        })?;
        dispatch!(tx.conn(), |c| {
            sqlx::query(INSERT_TOKEN)
                .bind(token_sha256)
                .bind(user_id)
                .bind(at)
                .execute(c)
                .await
                .map(drop)
        })?;
        let mut entry = audit.clone();
        entry.detail["tokens_revoked"] = revoked.into();
        insert_audit(tx.conn(), &entry).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn create_session(&self, s: &SessionRow) -> Result<(), StoreError> {
        dispatch!(&self.pool, |p| {
            sqlx::query(INSERT_SESSION)
                .bind(&s.id_sha256)
                .bind(s.user_id)
                .bind(&s.csrf_token)
                .bind(s.created_at)
                .bind(s.expires_at)
                .execute(p)
                .await
                .map(drop)
        })?;
        Ok(())
    }

    /// The session if it exists, has not expired at `now` and its owner is not disabled.
    pub async fn session(
        &self,
        id_sha256: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionRow>, StoreError> {
        Ok(dispatch!(&self.pool, |p| {
            sqlx::query_as(SESSION)
                .bind(id_sha256)
                .bind(now)
                .fetch_optional(p)
                .await
        })?)
    }

    /// Deletes one session; with `expired_before`, also every session expired by then.
    pub async fn delete_session(
        &self,
        id_sha256: &str,
        expired_before: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        dispatch!(&self.pool, |p| {
            sqlx::query(DELETE_SESSION)
                .bind(id_sha256)
                .execute(p)
                .await
                .map(drop)
        })?;
        if let Some(t) = expired_before {
            dispatch!(&self.pool, |p| {
                sqlx::query(DELETE_EXPIRED_SESSIONS)
                    .bind(t)
                    .execute(p)
                    .await
                    .map(drop)
            })?;
        }
        Ok(())
    }
}

/// Ends every session of the user; returns how many there were.
async fn end_sessions(tx: &mut super::db::Tx, user_id: i64) -> Result<u64, sqlx::Error> {
    dispatch!(tx.conn(), |c| {
        sqlx::query(DELETE_USER_SESSIONS)
            .bind(user_id)
            .execute(c)
            .await
            .map(|d| d.rows_affected())
    })
}

/// The audit entry with how many sessions the change ended.
fn with_sessions(audit: &NewAudit, ended: u64) -> NewAudit {
    let mut entry = audit.clone();
    entry.detail["sessions_ended"] = ended.into();
    entry
}
