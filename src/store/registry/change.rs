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
use super::convert::{coordinator_row, group_row, member_row};
use super::rows_write::{store_rows, Write};
use super::trail::{coordinator_json, counts, group_json, member_json};
use super::{read_rows, RegistryGroupRow, RegistryMemberRow, RegistrySnapshot};

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

fn invalid(message: String) -> RegistryWriteError {
    RegistryWriteError::Invalid(RegistryErrors(vec![RegistryError {
        file: ASSEMBLED_SOURCE.to_owned(),
        line: 0,
        message,
    }]))
}

/// An audit entry to write with the rows; `entity_id: None` is the member being inserted.
struct Audit {
    action: &'static str,
    entity_kind: &'static str,
    entity_id: Option<String>,
    before: Value,
    after: Value,
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

/// Applies `change` to `rows` in memory; returns the rows to write and the audit entry.
fn apply(
    rows: &mut RegistrySnapshot,
    change: RegistryChange,
) -> Result<(Write, Audit), RegistryWriteError> {
    let audit = |action, entity_kind, id: Option<String>, before, after| Audit {
        action,
        entity_kind,
        entity_id: id,
        before,
        after,
    };
    Ok(match change {
        RegistryChange::CreateGroup(g) => {
            if rows.groups.iter().any(|r| r.id == g.id) {
                return Err(invalid(format!("el grupo «{}» ya existe", g.id)));
            }
            let position = rows
                .groups
                .iter()
                .map(|r| r.position + 1)
                .max()
                .unwrap_or(0);
            let row = group_row(&g, true, position);
            let after = json!({"group": group_json(&row), "members": g.members.iter()
                .map(|m| member_json(&member_row(&g.id, m, 0, true))).collect::<Vec<_>>()});
            rows.groups.push(row.clone());
            for m in &g.members {
                rows.members.push(member_row(&g.id, m, 0, true));
            }
            let a = audit(
                "registry.group_created",
                "registry_group",
                Some(g.id),
                Value::Null,
                after,
            );
            (Write::Group(row), a)
        }
        RegistryChange::UpdateGroup(g) => {
            let row = find_group(rows, &g.id)?;
            let before = group_json(row);
            *row = group_row(&g, row.active, row.position);
            let a = audit(
                "registry.group_updated",
                "registry_group",
                Some(g.id),
                before,
                group_json(row),
            );
            (Write::Group(row.clone()), a)
        }
        RegistryChange::SetGroupActive { id, active } => {
            let row = find_group(rows, &id)?;
            let before = group_json(row);
            row.active = active;
            let action = if active {
                "registry.group_reactivated"
            } else {
                "registry.group_deactivated"
            };
            let a = audit(action, "registry_group", Some(id), before, group_json(row));
            (Write::Group(row.clone()), a)
        }
        RegistryChange::AddMember { group, member } => {
            find_group(rows, &group)?;
            let row = member_row(&group, &member, 0, true);
            rows.members.push(row.clone());
            let a = audit(
                "registry.member_added",
                "registry_member",
                None,
                Value::Null,
                member_json(&row),
            );
            (Write::NewMember(row), a)
        }
        RegistryChange::UpdateMember { id, group, member } => {
            find_group(rows, &group)?;
            let row = find_member(rows, id)?;
            let before = member_json(row);
            *row = member_row(&group, &member, id, row.active);
            let a = audit(
                "registry.member_updated",
                "registry_member",
                Some(id.to_string()),
                before,
                member_json(row),
            );
            (Write::Member(row.clone()), a)
        }
        RegistryChange::SetMemberActive { id, active } => {
            let row = find_member(rows, id)?;
            let before = member_json(row);
            row.active = active;
            let action = if active {
                "registry.member_reactivated"
            } else {
                "registry.member_deactivated"
            };
            let a = audit(
                action,
                "registry_member",
                Some(id.to_string()),
                before,
                member_json(row),
            );
            (Write::Member(row.clone()), a)
        }
        RegistryChange::CancelMembership { id } => {
            let row = find_member(rows, id)?;
            let before = member_json(row);
            row.active = false;
            let member = row.clone();
            let emptied = !rows
                .members
                .iter()
                .any(|m| m.group_id == member.group_id && m.active);
            let mut after = json!({"member": member_json(&member), "arco": "cancelacion"});
            let write = if emptied {
                let group = find_group(rows, &member.group_id)?;
                group.active = false;
                after["group_deactivated"] = json!(group.id);
                Write::MemberAndGroup(member, group.clone())
            } else {
                Write::Member(member)
            };
            let a = audit(
                "registry.member_cancelled",
                "registry_member",
                Some(id.to_string()),
                before,
                after,
            );
            (write, a)
        }
        RegistryChange::ChangeMemberNumber { id, phone, bsuid } => {
            let row = find_member(rows, id)?;
            let before = member_json(row);
            if phone.is_some() {
                row.phone = phone;
            }
            row.bsuid = bsuid;
            let a = audit(
                "registry.member_number_changed",
                "registry_member",
                Some(id.to_string()),
                before,
                member_json(row),
            );
            (Write::Member(row.clone()), a)
        }
        RegistryChange::PutCoordinator {
            region,
            coordinator,
        } => {
            let next = rows
                .coordinators
                .iter()
                .map(|r| r.position + 1)
                .max()
                .unwrap_or(0);
            let existing = rows
                .coordinators
                .iter_mut()
                .find(|r| r.id == coordinator.id);
            let (before, row) = match existing {
                Some(r) => {
                    let before = coordinator_json(r);
                    let active = r.active;
                    *r = coordinator_row(&region, &coordinator, r.position);
                    r.active = active;
                    (before, r.clone())
                }
                None => {
                    let r = coordinator_row(&region, &coordinator, next);
                    rows.coordinators.push(r.clone());
                    (Value::Null, r)
                }
            };
            let a = audit(
                "registry.coordinator_saved",
                "registry_coordinator",
                Some(coordinator.id),
                before,
                coordinator_json(&row),
            );
            (Write::Coordinator(row), a)
        }
        RegistryChange::SetCoordinatorActive { id, active } => {
            let row = rows
                .coordinators
                .iter_mut()
                .find(|r| r.id == id)
                .ok_or_else(|| {
                    RegistryWriteError::NotFound(format!("no existe el coordinador «{id}»"))
                })?;
            let before = coordinator_json(row);
            row.active = active;
            let action = if active {
                "registry.coordinator_reactivated"
            } else {
                "registry.coordinator_deactivated"
            };
            let a = audit(
                action,
                "registry_coordinator",
                Some(id),
                before,
                coordinator_json(row),
            );
            (Write::Coordinator(row.clone()), a)
        }
        RegistryChange::RemoveCoordinator { id } => {
            let at = rows
                .coordinators
                .iter()
                .position(|r| r.id == id)
                .ok_or_else(|| {
                    RegistryWriteError::NotFound(format!("no existe el coordinador «{id}»"))
                })?;
            let before = coordinator_json(&rows.coordinators.remove(at));
            let a = audit(
                "registry.coordinator_removed",
                "registry_coordinator",
                Some(id.clone()),
                before,
                Value::Null,
            );
            (Write::DeleteCoordinator(id), a)
        }
        RegistryChange::ReplaceMembers { groups } => {
            let before = counts(rows);
            let mut ids = Vec::with_capacity(groups.len());
            for (group, members) in groups {
                find_group(rows, &group)?;
                rows.members.retain(|m| m.group_id != group);
                rows.members
                    .extend(members.iter().map(|m| member_row(&group, m, 0, true)));
                ids.push(group);
            }
            let mut after = counts(rows);
            after["replaced_groups"] = json!(ids);
            let a = audit(
                "registry.members_imported",
                "registry",
                Some("registry".into()),
                before,
                after,
            );
            (Write::GroupMembers(ids), a)
        }
        RegistryChange::ReplaceAll {
            coordinators,
            groups,
        } => {
            let before = counts(rows);
            rows.groups.clear();
            rows.members.clear();
            rows.coordinators = coordinators
                .iter()
                .enumerate()
                .map(|(i, (region, c))| coordinator_row(region, c, i as i64))
                .collect();
            for (i, g) in groups.iter().enumerate() {
                rows.groups.push(group_row(g, true, i as i64));
                for m in &g.members {
                    rows.members.push(member_row(&g.id, m, 0, true));
                }
            }
            // An import replaces thousands of people: the trail records what it amounted to,
            // and each person's data stays where ARCO requests can find and erase it.
            let a = audit(
                "registry.imported",
                "registry",
                Some("registry".into()),
                before,
                counts(rows),
            );
            (Write::Everything, a)
        }
    })
}

fn find_group<'a>(
    rows: &'a mut RegistrySnapshot,
    id: &str,
) -> Result<&'a mut RegistryGroupRow, RegistryWriteError> {
    rows.groups
        .iter_mut()
        .find(|r| r.id == id)
        .ok_or_else(|| RegistryWriteError::NotFound(format!("no existe el grupo «{id}»")))
}

fn find_member(
    rows: &mut RegistrySnapshot,
    id: i64,
) -> Result<&mut RegistryMemberRow, RegistryWriteError> {
    rows.members
        .iter_mut()
        .find(|r| r.id == id)
        .ok_or_else(|| RegistryWriteError::NotFound(format!("no existe el integrante {id}")))
}
