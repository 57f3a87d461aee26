//! Writing a registry back as registry TOML: `alerta registry dump --format toml`, and the
//! way people kept in the database are checked. A registry assembled from configured regions
//! and stored groups, members and coordinators is rendered to the file format and loaded
//! through the same validation as `config/registry/`, so a write through the web, the API or
//! an import meets exactly the rules `check-config` applies, with no second implementation
//! to drift from the first.

use serde::Serialize;

use super::error::RegistryErrors;
use super::model::{Coordinator, CoordinatorRole, EmergencyNumber, Group, Member, Region};
use super::shift::Shift;
use super::Registry;

#[derive(Serialize)]
struct OutFile<'a> {
    region: Vec<OutRegion<'a>>,
    group: Vec<OutGroup<'a>>,
}

#[derive(Serialize)]
struct OutRegion<'a> {
    id: &'a str,
    name: &'a str,
    state: &'a str,
    time_zone: &'a str,
    municipalities: &'a [String],
    emergency_numbers: &'a [EmergencyNumber],
    coordinator: Vec<OutCoordinator<'a>>,
}

#[derive(Serialize)]
struct OutCoordinator<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bsuid: Option<&'a str>,
    roles: &'a [CoordinatorRole],
    /// Absent rather than empty: an empty list is an error in a file ("always on duty" is
    /// written by leaving `shifts` out).
    #[serde(skip_serializing_if = "Option::is_none")]
    shifts: Option<&'a [Shift]>,
}

#[derive(Serialize)]
struct OutGroup<'a> {
    id: &'a str,
    name: &'a str,
    kind: &'a str,
    region: &'a str,
    municipality: &'a str,
    colonias: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    group_id: Option<&'a str>,
    member: Vec<OutMember<'a>>,
}

#[derive(Serialize)]
struct OutMember<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bsuid: Option<&'a str>,
    role: &'a str,
}

/// Registry TOML for `regions` and `groups`, loadable by [`Registry::from_sources`].
pub fn to_toml(regions: &[Region], groups: &[Group]) -> String {
    let file = OutFile {
        region: regions.iter().map(out_region).collect(),
        group: groups.iter().map(out_group).collect(),
    };
    // Only strings, lists and tables are written: serialisation cannot fail.
    toml::to_string(&file).unwrap_or_default()
}

fn out_region(r: &Region) -> OutRegion<'_> {
    OutRegion {
        id: &r.id,
        name: &r.name,
        state: &r.state,
        time_zone: r.time_zone.name(),
        municipalities: &r.municipalities,
        emergency_numbers: &r.emergency_numbers,
        coordinator: r.coordinators.iter().map(out_coordinator).collect(),
    }
}

fn out_coordinator(c: &Coordinator) -> OutCoordinator<'_> {
    OutCoordinator {
        id: &c.id,
        name: &c.name,
        phone: c.phone.as_ref().map(|p| p.as_str()),
        bsuid: c.bsuid.as_deref(),
        roles: &c.roles,
        shifts: (!c.shifts.is_empty()).then_some(c.shifts.as_slice()),
    }
}

fn out_group(g: &Group) -> OutGroup<'_> {
    OutGroup {
        id: &g.id,
        name: &g.name,
        kind: g.kind.as_str(),
        region: &g.region,
        municipality: &g.municipality,
        colonias: &g.colonias,
        group_id: g.cloud_group_id.as_deref(),
        member: g.members.iter().map(out_member).collect(),
    }
}

fn out_member(m: &Member) -> OutMember<'_> {
    OutMember {
        name: &m.name,
        phone: m.phone.as_ref().map(|p| p.as_str()),
        bsuid: m.bsuid.as_deref(),
        role: m.role.as_str(),
    }
}

/// The name validation errors of an assembled registry carry instead of a file.
pub const ASSEMBLED_SOURCE: &str = "registro";

impl Registry {
    /// A registry from configured `regions` (whose own coordinators are replaced) and the
    /// people kept elsewhere: `coordinators` as (region id, coordinator), and `groups` with
    /// their members, in the order given. Every check of [`Registry::from_sources`] applies;
    /// a coordinator of a region that is not configured is reported as such.
    pub fn assemble(
        regions: &[Region],
        coordinators: Vec<(String, Coordinator)>,
        groups: Vec<Group>,
    ) -> Result<Registry, RegistryErrors> {
        let mut regions: Vec<Region> = regions
            .iter()
            .map(|r| Region {
                coordinators: Vec::new(),
                ..r.clone()
            })
            .collect();
        let mut orphans = Vec::new();
        for (region, c) in coordinators {
            match regions.iter_mut().find(|r| r.id == region) {
                Some(r) => r.coordinators.push(c),
                None => orphans.push(super::RegistryError {
                    file: ASSEMBLED_SOURCE.to_owned(),
                    line: 0,
                    message: format!(
                        "el coordinador «{}» pertenece a la región «{region}», que no existe",
                        c.id
                    ),
                }),
            }
        }
        if !orphans.is_empty() {
            return Err(RegistryErrors(orphans));
        }
        let text = to_toml(&regions, &groups);
        Registry::from_sources(&[(ASSEMBLED_SOURCE.to_owned(), text)])
    }

    /// This registry as registry TOML (the format of `config/registry/`).
    pub fn to_toml(&self) -> String {
        to_toml(&self.regions, &self.groups)
    }
}
