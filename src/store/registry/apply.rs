//! What a registry change does to the stored rows, decided in memory before anything is
//! written (`change.rs` then validates the result whole and writes it): which rows to
//! write and the audit entry, with before and after (phones masked by `trail.rs`).

use serde_json::{json, Value};

use super::change::{invalid, Audit, RegistryChange, RegistryWriteError};
use super::convert::{coordinator_row, group_row, member_row};
use super::rows_write::Write;
use super::trail::{coordinator_json, counts, group_json, member_json};
use super::{RegistryGroupRow, RegistryMemberRow, RegistrySnapshot};

/// Applies `change` to `rows` in memory; returns the rows to write and the audit entry.
pub(super) fn apply(
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
