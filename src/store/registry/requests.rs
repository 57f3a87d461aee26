//! What people ask of the registry over WhatsApp (`registry_requests`) and the invite codes
//! enlaces hand out (`registry_invites`). Intake inserts a request as `received` in the
//! message's transaction (`ingest/statements.rs`); everything here is the worker's and the
//! coordinators' side: reading them, and settling one with its audit entry and its messages
//! in one transaction.

use chrono::{DateTime, Utc};

use super::super::audit::{insert_entry, AuditEntry};
use super::super::db::{begin_write, dispatch};
use super::super::ingest::rules::privacy_notice_due;
use super::super::ingest::statements::INSERT_PRIVACY_NOTICE;
use super::super::outbox::insert_outbox;
use super::super::{NewOutbox, Store, StoreError};

/// A stored request (see `migrations/*/0011_registry_requests.sql`).
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryRequestRow {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub message_id: Option<i64>,
    pub received_at: DateTime<Utc>,
    pub sender_key: String,
    pub recipient: String,
    pub phone: Option<String>,
    pub bsuid: Option<String>,
    pub profile_name: Option<String>,
    pub privacy_keys: String,
    pub region: String,
    pub group_id: Option<String>,
    pub code: Option<String>,
    pub new_phone: Option<String>,
    pub new_bsuid: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    pub reason: Option<String>,
    pub member_id: Option<i64>,
}

/// How a request ends (or moves on, for an alta that starts waiting), all in one
/// transaction: the status change, guarded by the status it must still have, its audit
/// entry, the messages to the person and, when due, the privacy notice (once per person).
#[derive(Debug, Clone)]
pub struct RequestSettlement {
    pub id: i64,
    /// The status the request must still have (a second approval finds it decided).
    pub from: &'static str,
    pub to: &'static str,
    pub at: DateTime<Utc>,
    pub by: String,
    pub reason: Option<String>,
    pub member_id: Option<i64>,
    /// The group it ended in, when it names one.
    pub group_id: Option<String>,
    /// `registry.join_*` action and its detail; `None` writes no entry (the registry write
    /// that went with it already did).
    pub audit: Option<(&'static str, serde_json::Value)>,
    pub outbox: Vec<NewOutbox>,
    /// Sent only if none of the request's privacy keys has had the notice.
    pub privacy_notice: Option<NewOutbox>,
}

const SELECT_RECEIVED: &str =
    "SELECT * FROM registry_requests WHERE status = 'received' ORDER BY id LIMIT $1";
const SELECT_ONE: &str = "SELECT * FROM registry_requests WHERE id = $1";
const SELECT_BY_STATUS: &str =
    "SELECT * FROM registry_requests WHERE kind = $1 AND status = $2 ORDER BY id";
const PENDING_OF_SENDER: &str = "\
SELECT COUNT(*) FROM registry_requests
WHERE sender_key = $1 AND kind = 'alta' AND status = 'pending' AND id <> $2";
const REFUSED_SINCE: &str = "\
SELECT COUNT(*) FROM registry_requests
WHERE sender_key = $1 AND kind = 'invite_join' AND status = 'refused' AND decided_at >= $2";
const SETTLE: &str = "\
UPDATE registry_requests SET status = $3, decided_at = $4, decided_by = $5, reason = $6,
    member_id = COALESCE($7, member_id), group_id = COALESCE($8, group_id)
WHERE id = $1 AND status = $2";
const INSERT_INVITE: &str = "\
INSERT INTO registry_invites (code, group_id, created_by, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5) ON CONFLICT (code) DO NOTHING";
const TAKE_EXPIRED_INVITE: &str =
    "DELETE FROM registry_invites WHERE code = $1 AND expires_at < $2";
const SELECT_INVITE: &str = "SELECT group_id, expires_at FROM registry_invites WHERE code = $1";

impl Store {
    /// Requests intake stored and nobody settled yet, oldest first.
    pub async fn received_registry_requests(
        &self,
        limit: i64,
    ) -> Result<Vec<RegistryRequestRow>, StoreError> {
        Ok(dispatch!(&self.pool, |p| sqlx::query_as(SELECT_RECEIVED)
            .bind(limit)
            .fetch_all(p)
            .await)?)
    }

    pub async fn registry_request(
        &self,
        id: i64,
    ) -> Result<Option<RegistryRequestRow>, StoreError> {
        Ok(dispatch!(&self.pool, |p| sqlx::query_as(SELECT_ONE)
            .bind(id)
            .fetch_optional(p)
            .await)?)
    }

    /// Requests of one kind in one status (the altas waiting for a coordinator), oldest
    /// first; the caller narrows them to the regions a user sees.
    pub async fn registry_requests(
        &self,
        kind: &str,
        status: &str,
    ) -> Result<Vec<RegistryRequestRow>, StoreError> {
        Ok(dispatch!(&self.pool, |p| sqlx::query_as(SELECT_BY_STATUS)
            .bind(kind)
            .bind(status)
            .fetch_all(p)
            .await)?)
    }

    /// Whether the sender already has an alta waiting, other than request `id`.
    pub async fn alta_pending_for(&self, sender_key: &str, id: i64) -> Result<bool, StoreError> {
        let n: i64 = dispatch!(&self.pool, |p| sqlx::query_scalar(PENDING_OF_SENDER)
            .bind(sender_key)
            .bind(id)
            .fetch_one(p)
            .await)?;
        Ok(n > 0)
    }

    /// How many of the sender's invite codes were refused since `since` (guess limiting).
    pub async fn refused_invites_since(
        &self,
        sender_key: &str,
        since: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        Ok(dispatch!(&self.pool, |p| sqlx::query_scalar(
            REFUSED_SINCE
        )
        .bind(sender_key)
        .bind(since)
        .fetch_one(p)
        .await)?)
    }

    /// Settles a request; `false` when it no longer had `from` (someone else decided it
    /// first), in which case nothing was written.
    pub async fn settle_registry_request(&self, s: &RequestSettlement) -> Result<bool, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let changed = dispatch!(tx.conn(), |c| sqlx::query(SETTLE)
            .bind(s.id)
            .bind(s.from)
            .bind(s.to)
            .bind(s.at)
            .bind(&s.by)
            .bind(&s.reason)
            .bind(s.member_id)
            .bind(&s.group_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        if changed == 0 {
            return Ok(false);
        }
        if let Some((action, detail)) = &s.audit {
            let id = s.id.to_string();
            let entry = AuditEntry {
                at: s.at,
                actor: &s.by,
                action,
                entity_kind: "registry_request",
                entity_id: &id,
                detail: detail.to_string(),
            };
            insert_entry(tx.conn(), &entry).await?;
        }
        for o in &s.outbox {
            insert_outbox(tx.conn(), o, None, None).await?;
        }
        if let Some(notice) = &s.privacy_notice {
            let row: Option<RegistryRequestRow> =
                dispatch!(tx.conn(), |c| sqlx::query_as(SELECT_ONE)
                    .bind(s.id)
                    .fetch_optional(c)
                    .await)?;
            let keys: Vec<String> = row
                .and_then(|r| serde_json::from_str(&r.privacy_keys).ok())
                .unwrap_or_default();
            let mut new = 0;
            for k in &keys {
                new += dispatch!(tx.conn(), |c| sqlx::query(INSERT_PRIVACY_NOTICE)
                    .bind(k)
                    .bind(s.at)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected()))?;
            }
            if privacy_notice_due(new, &keys) {
                insert_outbox(tx.conn(), notice, None, None).await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Stores an invite code for `group`; `false` if the code is taken (draw another). An
    /// expired holder of the same code is cleared first, so the small code space recycles.
    pub async fn create_invite(
        &self,
        code: &str,
        group: &str,
        by_member: i64,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        dispatch!(tx.conn(), |c| sqlx::query(TAKE_EXPIRED_INVITE)
            .bind(code)
            .bind(at)
            .execute(c)
            .await
            .map(drop))?;
        let n = dispatch!(tx.conn(), |c| sqlx::query(INSERT_INVITE)
            .bind(code)
            .bind(group)
            .bind(by_member)
            .bind(at)
            .bind(expires_at)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        tx.commit().await?;
        Ok(n == 1)
    }

    /// The group an invite code is for and when it expires.
    pub async fn invite(&self, code: &str) -> Result<Option<(String, DateTime<Utc>)>, StoreError> {
        Ok(dispatch!(&self.pool, |p| sqlx::query_as(SELECT_INVITE)
            .bind(code)
            .fetch_optional(p)
            .await)?)
    }
}
