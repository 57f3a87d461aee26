//! Writing the registry: one change per transaction, validated whole, audited, versioned.
//!
//! The version row is bumped first: on PostgreSQL that row lock queues concurrent writers
//! (from any replica) behind each other, and SQLite's `BEGIN IMMEDIATE` already does; so the
//! rows a change is validated against are the rows it is written over.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::registry::{
    Coordinator, Group, Member, Region, RegistryError, RegistryErrors, ASSEMBLED_SOURCE,
};

use super::super::audit::{insert_entry, AuditEntry};
use super::super::db::{begin_write, dispatch};
use super::super::{Store, StoreError};
use super::apply::apply;
use super::read_rows;
use super::rows_write::store_rows;

/// One edit of the stored registry.
#[derive(Debug, Clone)]
pub enum RegistryChange {
    /// A new group with its members (a group needs at least one).
    CreateGroup(Group),
    /// A group's own fields; its `members` are ignored (members change one by one).
    UpdateGroup(Group),
    SetGroupActive {
        id: String,
        active: bool,
    },
    AddMember {
        group: String,
        member: Member,
    },
    /// Replaces a member's fields, possibly moving them to another group.
    UpdateMember {
        id: i64,
        group: String,
        member: Member,
    },
    SetMemberActive {
        id: i64,
        active: bool,
    },
    /// A member's own `BAJA`: an ARCO cancellation. The membership is deactivated (the
    /// row stays for the trail and for erasure requests) and, when it was the group's last
    /// active member, the group too: a group nobody can be recognised in is not attributed.
    CancelMembership {
        id: i64,
    },
    /// WhatsApp's `user_changed_number`: the member's new number and, when the webhook
    /// carries it, their new BSUID (the old one is regenerated, so it is dropped).
    ChangeMemberNumber {
        id: i64,
        phone: Option<String>,
        bsuid: Option<String>,
    },
    /// Adds a coordinator, or replaces the one with the same id (keeping its place).
    PutCoordinator {
        region: String,
        coordinator: Coordinator,
    },
    RemoveCoordinator {
        id: String,
    },
    /// Takes a coordinator out of (or back into) notifications and escalations; the row and
    /// its roster stay.
    SetCoordinatorActive {
        id: String,
        active: bool,
    },
    /// A member-list import: each named group's members (active or not) are replaced.
    ReplaceMembers {
        groups: Vec<(String, Vec<Member>)>,
    },
    /// An import: everything stored is replaced by these (members get new ids).
    ReplaceAll {
        coordinators: Vec<(String, Coordinator)>,
        groups: Vec<Group>,
    },
}

/// What a successful write produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegistryWrite {
    /// The registry version this write made.
    pub version: i64,
    /// The id of the member an `AddMember` created.
    pub member_id: Option<i64>,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum RegistryWriteError {
    /// The change would leave the registry failing `check-config`'s rules; nothing was
    /// written.
    #[error("{0}")]
    Invalid(RegistryErrors),
    /// The group, member or coordinator named does not exist.
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for RegistryWriteError {
    fn from(e: sqlx::Error) -> Self {
        RegistryWriteError::Store(e.into())
    }
}

pub(super) fn invalid(message: String) -> RegistryWriteError {
    RegistryWriteError::Invalid(RegistryErrors(vec![RegistryError {
        file: ASSEMBLED_SOURCE.to_owned(),
        line: 0,
        message,
    }]))
}

/// An audit entry to write with the rows; `entity_id: None` is the member being inserted.
pub(super) struct Audit {
    pub(super) action: &'static str,
    pub(super) entity_kind: &'static str,
    pub(super) entity_id: Option<String>,
    pub(super) before: Value,
    pub(super) after: Value,
}

const BUMP: &str = "UPDATE registry_state SET version = version + 1 WHERE id = 1 RETURNING version";
impl Store {
    /// Applies `change` if the resulting registry is valid on the configured `regions`;
    /// `actor` and `at` go in the audit trail with the before and after of what changed.
    pub async fn change_registry(
        &self,
        regions: &[Region],
        change: RegistryChange,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<RegistryWrite, RegistryWriteError> {
        self.write_registry(regions, change, actor, at, false)
            .await
            .map(|w| w.expect("an unconditional write always writes"))
    }

    /// Stores `groups` and `coordinators` only when nothing is stored yet (a new database
    /// takes the configured registry on first start; replicas starting together seed once).
    pub async fn seed_registry(
        &self,
        regions: &[Region],
        coordinators: Vec<(String, Coordinator)>,
        groups: Vec<Group>,
        at: DateTime<Utc>,
    ) -> Result<Option<RegistryWrite>, RegistryWriteError> {
        let change = RegistryChange::ReplaceAll {
            coordinators,
            groups,
        };
        self.write_registry(regions, change, "system:seed", at, true)
            .await
    }

    async fn write_registry(
        &self,
        regions: &[Region],
        change: RegistryChange,
        actor: &str,
        at: DateTime<Utc>,
        only_if_empty: bool,
    ) -> Result<Option<RegistryWrite>, RegistryWriteError> {
        let mut tx = begin_write(&self.pool).await?;
        let version: i64 = dispatch!(tx.conn(), |c| sqlx::query_scalar(BUMP).fetch_one(c).await)?;
        let mut rows = read_rows(tx.conn()).await?;
        if only_if_empty && !rows.is_empty() {
            return Ok(None); // dropping the transaction rolls the bump back
        }
        let (write, audit) = apply(&mut rows, change)?;
        rows.build(regions).map_err(RegistryWriteError::Invalid)?;
        let member_id = store_rows(tx.conn(), &rows, &write).await?;
        let entity_id = audit
            .entity_id
            .clone()
            .or_else(|| member_id.map(|id| id.to_string()))
            .unwrap_or_default();
        let mut after = audit.after;
        if let (Some(id), Value::Object(map)) = (member_id, &mut after) {
            map.insert("id".into(), json!(id));
        }
        let detail = json!({"version": version, "before": audit.before, "after": after});
        let entry = AuditEntry {
            at,
            actor,
            action: audit.action,
            entity_kind: audit.entity_kind,
            entity_id: &entity_id,
            detail: detail.to_string(),
        };
        insert_entry(tx.conn(), &entry).await?;
        tx.commit().await?;
        Ok(Some(RegistryWrite { version, member_id }))
    }
}
