//! The registry as coordinators and admins work it: groups of the regions they see, with
//! their members (phones masked as in the queue), and the changes they may make. Shared by
//! the JSON API (`registry_api.rs`). A group of a region the user does not see is answered
//! as missing (404), like a report of another region.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::views::{mask_bsuid, mask_phone};
use crate::access::principal::{Permission, Principal};
use crate::app::state::AppState;
use crate::error::{ApiResult, AppError};
use crate::registry::{Coordinator, Group, GroupKind, Member, MemberRole, Phone};
use crate::store::{
    RegistryChange, RegistryGroupRow, RegistryMemberRow, RegistrySnapshot, RegistryWrite,
    RegistryWriteError,
};

/// A group in a list: no people, only how many.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupSummary {
    pub id: String,
    pub name: String,
    pub kind: String,
    #[schema(value_type = String)]
    pub kind_label: &'static str,
    pub region: String,
    pub municipality: String,
    pub colonias: Vec<String>,
    pub active: bool,
    pub members: usize,
    /// When the group last wrote (its newest stored message).
    pub last_activity: Option<DateTime<Utc>>,
}

/// A member as the queue shows people: the number masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    pub id: i64,
    pub name: String,
    pub phone: Option<String>,
    pub bsuid: Option<String>,
    pub role: String,
    pub active: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupDetail {
    #[serde(flatten)]
    pub group: GroupSummary,
    pub group_id: Option<String>,
    pub member_list: Vec<MemberView>,
}

/// A coordinator with whether their roster has them on duty now (region's local time).
#[derive(Debug, Serialize, ToSchema)]
pub struct CoordinatorView {
    pub id: String,
    pub region: String,
    pub name: String,
    pub phone: Option<String>,
    pub roles: Vec<String>,
    #[schema(value_type = Vec<ShiftView>)]
    pub shifts: Vec<crate::registry::Shift>,
    /// The shifts as the page writes them (`lun,mar 08:00-16:00`).
    pub shift_labels: Vec<String>,
    pub on_duty_now: bool,
    /// Inactive coordinators are neither notified nor escalated to.
    pub active: bool,
}

/// A duty window as `Shift` serialises it: a schema only.
#[derive(ToSchema)]
#[allow(dead_code)] // A schema only: `Shift` serialises itself.
pub struct ShiftView {
    /// Days the shift starts on: `lun`, `mar`, `mie`, `jue`, `vie`, `sab`, `dom`.
    days: Vec<String>,
    /// `HH:MM`, the region's local time.
    start: String,
    /// `HH:MM`; an overnight shift ends on the following day.
    end: String,
}

/// A person as sent by a form or the API.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct MemberInput {
    pub name: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub bsuid: Option<String>,
    pub role: String,
}

/// A group as sent by a form or the API (`members` only when creating).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct GroupInput {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub region: String,
    pub municipality: String,
    pub colonias: Vec<String>,
    #[serde(default)]
    pub group_id: Option<String>,
    #[serde(default)]
    pub members: Vec<MemberInput>,
}

fn blank_to_none(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl MemberInput {
    /// The member, or what is wrong with the input (in Spanish, without the number).
    pub fn parse(&self) -> Result<Member, String> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err("falta el nombre".into());
        }
        let phone = blank_to_none(&self.phone)
            .map(Phone::parse)
            .transpose()
            .map_err(|e| format!("teléfono inválido: {e}"))?;
        let bsuid = blank_to_none(&self.bsuid).map(str::to_owned);
        if phone.is_none() && bsuid.is_none() {
            return Err("falta el teléfono (o el BSUID)".into());
        }
        let role = match self.role.trim() {
            "enlace" => MemberRole::Enlace,
            "miembro" => MemberRole::Miembro,
            other => return Err(format!("rol «{other}» desconocido: use enlace o miembro")),
        };
        Ok(Member {
            name: name.to_owned(),
            phone,
            bsuid,
            role,
        })
    }
}

impl GroupInput {
    pub fn parse(&self) -> Result<Group, String> {
        let kind = GroupKind::ALL
            .into_iter()
            .find(|k| k.as_str() == self.kind.trim())
            .ok_or_else(|| {
                format!(
                    "tipo «{}» desconocido: vecinal, escolar o empresarial",
                    self.kind
                )
            })?;
        let members = self
            .members
            .iter()
            .map(MemberInput::parse)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Group {
            id: self.id.trim().to_owned(),
            name: self.name.trim().to_owned(),
            kind,
            region: self.region.trim().to_owned(),
            municipality: self.municipality.trim().to_owned(),
            colonias: self
                .colonias
                .iter()
                .map(|c| c.trim().to_owned())
                .filter(|c| !c.is_empty())
                .collect(),
            cloud_group_id: blank_to_none(&self.group_id).map(str::to_owned),
            members,
        })
    }
}

fn member_view(m: &RegistryMemberRow) -> MemberView {
    MemberView {
        id: m.id,
        name: m.name.clone(),
        phone: m.phone.as_deref().map(mask_phone),
        bsuid: m.bsuid.as_deref().map(mask_bsuid),
        role: m.role.clone(),
        active: m.active,
    }
}

fn summary(
    g: &RegistryGroupRow,
    s: &RegistrySnapshot,
    last: &std::collections::HashMap<String, DateTime<Utc>>,
) -> GroupSummary {
    let kind = GroupKind::ALL.into_iter().find(|k| k.as_str() == g.kind);
    GroupSummary {
        id: g.id.clone(),
        name: g.name.clone(),
        kind: g.kind.clone(),
        kind_label: kind.map_or("", |k| k.label_es()),
        region: g.region.clone(),
        municipality: g.municipality.clone(),
        colonias: serde_json::from_str(&g.colonias).unwrap_or_default(),
        active: g.active,
        members: s
            .members
            .iter()
            .filter(|m| m.group_id == g.id && m.active)
            .count(),
        last_activity: last.get(&g.id).copied(),
    }
}

/// Whether `text` finds the group: its name or id, a member's name, or the last digits of a
/// member's phone (3 or more digits).
fn matches(g: &RegistryGroupRow, s: &RegistrySnapshot, text: &str) -> bool {
    let folded = crate::store::fold_text(text);
    if folded.is_empty() {
        return true;
    }
    if crate::store::fold_text(&g.name).contains(&folded) || g.id.contains(&folded) {
        return true;
    }
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let by_digits = digits.len() >= 3 && digits.len() == text.trim().len();
    s.members.iter().filter(|m| m.group_id == g.id).any(|m| {
        if by_digits {
            m.phone.as_deref().is_some_and(|p| p.ends_with(&digits))
        } else {
            crate::store::fold_text(&m.name).contains(&folded)
        }
    })
}

/// The groups `who` sees, active first, filtered by `q` (see [`matches`]).
pub async fn groups(
    state: &AppState,
    who: &Principal,
    q: Option<&str>,
) -> ApiResult<Vec<GroupSummary>> {
    let s = state.store.registry_snapshot().await?;
    let last = state.store.group_last_activity().await?;
    let mut list: Vec<GroupSummary> = s
        .groups
        .iter()
        .filter(|g| who.sees_region(&g.region))
        .filter(|g| q.is_none_or(|q| matches(g, &s, q)))
        .map(|g| summary(g, &s, &last))
        .collect();
    list.sort_by_key(|g| !g.active);
    Ok(list)
}

/// One group with its members; 404 when it does not exist or is in a region `who` does not
/// see.
pub async fn group(state: &AppState, who: &Principal, id: &str) -> ApiResult<GroupDetail> {
    let s = state.store.registry_snapshot().await?;
    let g = s
        .groups
        .iter()
        .find(|g| g.id == id && who.sees_region(&g.region))
        .ok_or(AppError::NotFound)?;
    let last = state.store.group_last_activity().await?;
    Ok(GroupDetail {
        group: summary(g, &s, &last),
        group_id: g.cloud_group_id.clone(),
        member_list: s
            .members
            .iter()
            .filter(|m| m.group_id == g.id)
            .map(member_view)
            .collect(),
    })
}

/// The coordinators of the regions `who` sees, with who is on duty now.
pub fn coordinators(state: &AppState, who: &Principal, now: DateTime<Utc>) -> Vec<CoordinatorView> {
    let registry = state.registry.current();
    let mut out = Vec::new();
    for region in registry.regions().iter().filter(|r| who.sees_region(&r.id)) {
        let local = now.with_timezone(&region.time_zone).naive_local();
        out.extend(
            region
                .coordinators
                .iter()
                .map(|c: &Coordinator| CoordinatorView {
                    id: c.id.clone(),
                    region: region.id.clone(),
                    name: c.name.clone(),
                    phone: c.phone.as_ref().map(|p| mask_phone(p.as_str())),
                    roles: c.roles.iter().map(|r| r.as_str().to_owned()).collect(),
                    shifts: c.shifts.clone(),
                    shift_labels: c.shifts.iter().map(crate::registry::Shift::label).collect(),
                    on_duty_now: c.on_shift_at(local),
                    active: true,
                }),
        );
    }
    out
}

/// The region a change touches, for the scope check: a group's (stored or new), or the
/// group a member belongs to.
async fn region_of(state: &AppState, change: &RegistryChange) -> ApiResult<Vec<String>> {
    let s = state.store.registry_snapshot().await?;
    let group_region = |id: &str| {
        s.groups
            .iter()
            .find(|g| g.id == id)
            .map(|g| g.region.clone())
    };
    let member_group = |id: i64| {
        s.members
            .iter()
            .find(|m| m.id == id)
            .map(|m| m.group_id.clone())
    };
    let regions = match change {
        RegistryChange::CreateGroup(g) => vec![Some(g.region.clone())],
        RegistryChange::UpdateGroup(g) => vec![group_region(&g.id), Some(g.region.clone())],
        RegistryChange::SetGroupActive { id, .. } => vec![group_region(id)],
        RegistryChange::AddMember { group, .. } => vec![group_region(group)],
        RegistryChange::UpdateMember { id, group, .. } => vec![
            member_group(*id).and_then(|g| group_region(&g)),
            group_region(group),
        ],
        RegistryChange::SetMemberActive { id, .. } => {
            vec![member_group(*id).and_then(|g| group_region(&g))]
        }
        // The coordinators' handlers check scope themselves (old and new region).
        RegistryChange::PutCoordinator { region, .. } => vec![Some(region.clone())],
        RegistryChange::SetCoordinatorActive { .. } => vec![],
        // Imports are not made here.
        _ => vec![None],
    };
    regions
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .ok_or(AppError::NotFound)
}

/// Applies `change` for `who`: coordinators in their regions, admins anywhere; anything
/// outside the user's regions is answered as missing. Invalid changes say why (400).
pub async fn change(
    state: &AppState,
    who: &Principal,
    change: RegistryChange,
) -> ApiResult<RegistryWrite> {
    if !who.may(Permission::ManageRegistry) {
        return Err(AppError::Forbidden);
    }
    for region in region_of(state, &change).await? {
        if !who.sees_region(&region) {
            return Err(AppError::NotFound);
        }
    }
    match state
        .registry_sync
        .change(change, &who.actor(), Utc::now())
        .await
    {
        Ok(w) => Ok(w),
        Err(RegistryWriteError::Invalid(errors)) => Err(AppError::BadRequest(
            errors
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join("; "),
        )),
        Err(RegistryWriteError::NotFound(_)) => Err(AppError::NotFound),
        Err(RegistryWriteError::Store(e)) => Err(e.into()),
    }
}
