//! Between stored rows and the registry's types. Rows hold what a validated write put there,
//! so a row that does not convert means the table was edited by hand: it is reported like a
//! registry error (naming the row, never its phone) instead of being skipped.

use serde::Deserialize;

use crate::registry::{
    parse_day, parse_time, Coordinator, CoordinatorRole, Group, GroupKind, Member, MemberRole,
    Phone, Region, Registry, RegistryError, RegistryErrors, Shift, ASSEMBLED_SOURCE,
};

use super::{RegistryCoordinatorRow, RegistryGroupRow, RegistryMemberRow, RegistrySnapshot};

pub(super) fn build(s: &RegistrySnapshot, regions: &[Region]) -> Result<Registry, RegistryErrors> {
    let mut errors = Vec::new();
    let mut bad = |what: String| {
        errors.push(RegistryError {
            file: ASSEMBLED_SOURCE.to_owned(),
            line: 0,
            message: what,
        })
    };
    let mut groups: Vec<Group> = Vec::with_capacity(s.groups.len());
    let mut at: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for row in s.groups.iter().filter(|g| g.active) {
        match group_of(row) {
            Ok(g) => {
                at.insert(&row.id, groups.len());
                groups.push(g);
            }
            Err(e) => bad(format!("grupo «{}» almacenado: {e}", row.id)),
        }
    }
    for row in s.members.iter().filter(|m| m.active) {
        let Some(&gi) = at.get(row.group_id.as_str()) else {
            continue; // a member of an inactive group
        };
        match member_of(row) {
            Ok(m) => groups[gi].members.push(m),
            Err(e) => bad(format!("integrante {} almacenado: {e}", row.id)),
        }
    }
    let mut coordinators = Vec::with_capacity(s.coordinators.len());
    for row in s.coordinators.iter().filter(|c| c.active) {
        match coordinator_of(row) {
            Ok(c) => coordinators.push((row.region.clone(), c)),
            Err(e) => bad(format!("coordinador «{}» almacenado: {e}", row.id)),
        }
    }
    if !errors.is_empty() {
        return Err(RegistryErrors(errors));
    }
    Registry::assemble(regions, coordinators, groups)
}

fn group_of(row: &RegistryGroupRow) -> Result<Group, String> {
    let kind = GroupKind::ALL
        .into_iter()
        .find(|k| k.as_str() == row.kind)
        .ok_or_else(|| format!("tipo «{}» desconocido", row.kind))?;
    let colonias: Vec<String> =
        serde_json::from_str(&row.colonias).map_err(|_| "colonias ilegibles".to_owned())?;
    Ok(Group {
        id: row.id.clone(),
        name: row.name.clone(),
        kind,
        region: row.region.clone(),
        municipality: row.municipality.clone(),
        colonias,
        cloud_group_id: row.cloud_group_id.clone(),
        members: Vec::new(),
    })
}

fn member_of(row: &RegistryMemberRow) -> Result<Member, String> {
    let role = member_role(&row.role).ok_or_else(|| format!("rol «{}» desconocido", row.role))?;
    Ok(Member {
        name: row.name.clone(),
        phone: phone_of(row.phone.as_deref())?,
        bsuid: row.bsuid.clone(),
        role,
    })
}

pub(super) fn member_role(text: &str) -> Option<MemberRole> {
    [MemberRole::Enlace, MemberRole::Miembro]
        .into_iter()
        .find(|r| r.as_str() == text)
}

fn phone_of(text: Option<&str>) -> Result<Option<Phone>, String> {
    text.map(Phone::parse)
        .transpose()
        .map_err(|e| format!("teléfono inválido: {e}"))
}

/// A shift as stored and as `registry dump` writes it.
#[derive(Deserialize)]
struct StoredShift {
    days: Vec<String>,
    start: String,
    end: String,
}

fn coordinator_of(row: &RegistryCoordinatorRow) -> Result<Coordinator, String> {
    let roles: Vec<CoordinatorRole> =
        serde_json::from_str(&row.roles).map_err(|_| "roles ilegibles".to_owned())?;
    let stored: Vec<StoredShift> =
        serde_json::from_str(&row.shifts).map_err(|_| "turnos ilegibles".to_owned())?;
    let mut shifts = Vec::with_capacity(stored.len());
    for s in stored {
        let days = s
            .days
            .iter()
            .map(|d| parse_day(d))
            .collect::<Option<Vec<_>>>()
            .ok_or("día de turno ilegible")?;
        let start = parse_time(&s.start, false).ok_or("hora de turno ilegible")?;
        let end = parse_time(&s.end, true).ok_or("hora de turno ilegible")?;
        shifts.push(Shift { days, start, end });
    }
    Ok(Coordinator {
        id: row.id.clone(),
        name: row.name.clone(),
        phone: phone_of(row.phone.as_deref())?,
        bsuid: row.bsuid.clone(),
        roles,
        shifts,
    })
}

pub(super) fn group_row(g: &Group, active: bool, position: i64) -> RegistryGroupRow {
    RegistryGroupRow {
        id: g.id.clone(),
        name: g.name.clone(),
        kind: g.kind.as_str().to_owned(),
        region: g.region.clone(),
        municipality: g.municipality.clone(),
        colonias: serde_json::to_string(&g.colonias).unwrap_or_else(|_| "[]".into()),
        cloud_group_id: g.cloud_group_id.clone(),
        active,
        position,
    }
}

/// A member row; `id` 0 until the insert assigns one.
pub(super) fn member_row(group: &str, m: &Member, id: i64, active: bool) -> RegistryMemberRow {
    RegistryMemberRow {
        id,
        group_id: group.to_owned(),
        name: m.name.clone(),
        phone: m.phone.as_ref().map(|p| p.as_str().to_owned()),
        bsuid: m.bsuid.clone(),
        role: m.role.as_str().to_owned(),
        active,
    }
}

pub(super) fn coordinator_row(
    region: &str,
    c: &Coordinator,
    position: i64,
) -> RegistryCoordinatorRow {
    RegistryCoordinatorRow {
        id: c.id.clone(),
        region: region.to_owned(),
        name: c.name.clone(),
        phone: c.phone.as_ref().map(|p| p.as_str().to_owned()),
        bsuid: c.bsuid.clone(),
        roles: serde_json::to_string(&c.roles).unwrap_or_else(|_| "[]".into()),
        shifts: serde_json::to_string(&c.shifts).unwrap_or_else(|_| "[]".into()),
        position,
        active: true,
    }
}
