//! What the sender worker reads about itself and its recipients: whether sending is paused
//! (`sender_state`) and when a person or group last wrote to us (the 24-hour window).

use chrono::{DateTime, Utc};

use super::db::dispatch;
use super::rows::SenderState;
use super::{Store, StoreError};

/// Whose 24-hour window to look up.
#[derive(Debug, Clone, Copy)]
pub enum WindowKey<'a> {
    Phone(&'a str),
    Bsuid(&'a str),
    Group(&'a str),
}

const SELECT_SENDER_STATE: &str =
    "SELECT paused_at, paused_reason, token_fingerprint FROM sender_state WHERE id = 1";
const PAUSE_SENDER: &str = "\
UPDATE sender_state SET paused_at = $1, paused_reason = $2, token_fingerprint = $3 WHERE id = 1";
const RESUME_SENDER: &str = "\
UPDATE sender_state SET paused_at = NULL, paused_reason = NULL, token_fingerprint = NULL WHERE id = 1";

/// The 24-hour customer-service window: when did this person last write to us?
const LAST_INBOUND_BY_PHONE: &str =
    "SELECT MAX(received_at) FROM inbound_messages WHERE sender_phone = $1";
const LAST_INBOUND_BY_BSUID: &str =
    "SELECT MAX(received_at) FROM inbound_messages WHERE sender_bsuid = $1";
const LAST_INBOUND_BY_GROUP: &str =
    "SELECT MAX(received_at) FROM inbound_messages WHERE cloud_group_id = $1";

impl Store {
    pub async fn sender_state(&self) -> Result<SenderState, StoreError> {
        Ok(dispatch!(&self.pool, |p| {
            sqlx::query_as(SELECT_SENDER_STATE).fetch_one(p).await
        })?)
    }

    pub async fn pause_sender(
        &self,
        at: DateTime<Utc>,
        reason: &str,
        token_fingerprint: &str,
    ) -> Result<(), StoreError> {
        dispatch!(&self.pool, |p| {
            sqlx::query(PAUSE_SENDER)
                .bind(at)
                .bind(reason)
                .bind(token_fingerprint)
                .execute(p)
                .await
                .map(drop)
        })?;
        Ok(())
    }

    pub async fn resume_sender(&self) -> Result<(), StoreError> {
        dispatch!(&self.pool, |p| {
            sqlx::query(RESUME_SENDER).execute(p).await.map(drop)
        })?;
        Ok(())
    }

    /// When this person or group last wrote to us (the 24-hour window).
    pub async fn last_inbound(
        &self,
        key: WindowKey<'_>,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        let (sql, value) = match key {
            WindowKey::Phone(p) => (LAST_INBOUND_BY_PHONE, p),
            WindowKey::Bsuid(b) => (LAST_INBOUND_BY_BSUID, b),
            WindowKey::Group(g) => (LAST_INBOUND_BY_GROUP, g),
        };
        let (at,): (Option<DateTime<Utc>>,) = dispatch!(&self.pool, |p| {
            sqlx::query_as(sql).bind(value).fetch_one(p).await
        })?;
        Ok(at)
    }
}
