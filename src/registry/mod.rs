//! The registry of regions, coordinators, groups and members.
//!
//! Geography is data: a registry is a directory of `*.toml` files, read in file-name order,
//! each holding `[[region]]` and/or `[[group]]` arrays (see `config/registry/` for the Sonora
//! deployment and `fixtures/registry/slp/` for San Luis Potosí). Nothing about a state is
//! hard-coded here.
//!
//! Loading validates everything and reports all problems at once, each with file and line:
//! TOML syntax and unknown keys; malformed or duplicate region, group and coordinator ids; a
//! group whose region is unknown or whose municipality is not in its region; a municipality in
//! two regions; an invalid IANA time zone or state code; an invalid phone or BSUID; a member or
//! coordinator with neither phone nor BSUID; a malformed duty shift (an empty `shifts` list, a
//! shift without days, an unknown day name, a time that is not `HH:MM`); the same phone or
//! BSUID twice anywhere (members and coordinators alike, so a sender always resolves to one
//! person); a duplicate Cloud API `group_id`; a group without colonias; a region with groups
//! but no `patrol` coordinator; and a group without members. The last one is an error rather than a warning on purpose:
//! a group nobody can be recognised in cannot have its reports attributed, and a single
//! error channel keeps `alerta check-config` simple (exit non-zero on any problem).

mod diff;
mod error;
mod identity;
mod live;
mod load;
mod model;
mod phone;
mod render;
pub mod sheet;
mod shift;
mod validate;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

pub use diff::diff;
pub use error::{RegistryError, RegistryErrors};
pub use live::SharedRegistry;
pub use model::{
    Coordinator, CoordinatorRole, EmergencyNumber, Group, GroupKind, Member, MemberRole, Region,
};
pub use phone::{mask_bsuid, Phone, PhoneError};
pub use render::{to_toml, ASSEMBLED_SOURCE};
pub use shift::{day_name, parse_day, parse_time, Shift};

/// A validated registry with lookups by id, Cloud API group id, phone and BSUID.
#[derive(Debug, Clone, Serialize)]
pub struct Registry {
    regions: Vec<Region>,
    groups: Vec<Group>,
    #[serde(skip)]
    index: Index,
}

/// Positions into `regions` / `groups` (and their member or coordinator lists).
#[derive(Debug, Clone, Default)]
struct Index {
    regions: HashMap<String, usize>,
    groups: HashMap<String, usize>,
    cloud_groups: HashMap<String, usize>,
    member_phones: HashMap<Phone, (usize, usize)>,
    member_bsuids: HashMap<String, (usize, usize)>,
    coordinator_phones: HashMap<Phone, (usize, usize)>,
    coordinator_bsuids: HashMap<String, (usize, usize)>,
}

impl Registry {
    /// Loads every `*.toml` file of `dir` in file-name order. An unreadable directory or file
    /// is reported as an error at line 0.
    pub fn load_dir(dir: &Path) -> Result<Registry, RegistryErrors> {
        let sources = load::read_dir_sources(dir).map_err(RegistryErrors)?;
        Registry::from_sources(&sources)
    }

    /// Builds a registry from `(file name, content)` pairs, in the given order.
    pub fn from_sources(sources: &[(String, String)]) -> Result<Registry, RegistryErrors> {
        let (regions, groups) = validate::build(sources)?;
        Ok(Registry::indexed(regions, groups))
    }

    /// Validation guarantees uniqueness, so building the index cannot lose entries.
    fn indexed(regions: Vec<Region>, groups: Vec<Group>) -> Registry {
        let mut index = Index::default();
        for (ri, region) in regions.iter().enumerate() {
            index.regions.insert(region.id.clone(), ri);
            for (ci, c) in region.coordinators.iter().enumerate() {
                if let Some(phone) = &c.phone {
                    index.coordinator_phones.insert(phone.clone(), (ri, ci));
                }
                if let Some(bsuid) = &c.bsuid {
                    index.coordinator_bsuids.insert(bsuid.clone(), (ri, ci));
                }
            }
        }
        for (gi, group) in groups.iter().enumerate() {
            index.groups.insert(group.id.clone(), gi);
            if let Some(cloud_id) = &group.cloud_group_id {
                index.cloud_groups.insert(cloud_id.clone(), gi);
            }
            for (mi, m) in group.members.iter().enumerate() {
                if let Some(phone) = &m.phone {
                    index.member_phones.insert(phone.clone(), (gi, mi));
                }
                if let Some(bsuid) = &m.bsuid {
                    index.member_bsuids.insert(bsuid.clone(), (gi, mi));
                }
            }
        }
        Registry {
            regions,
            groups,
            index,
        }
    }

    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    pub fn region(&self, id: &str) -> Option<&Region> {
        self.index.regions.get(id).map(|&i| &self.regions[i])
    }

    pub fn group(&self, id: &str) -> Option<&Group> {
        self.index.groups.get(id).map(|&i| &self.groups[i])
    }

    /// The region a group belongs to. Always `Some` for a group of this registry (validation
    /// rejects unknown regions); `None` for a group from elsewhere.
    pub fn region_of_group(&self, group: &Group) -> Option<&Region> {
        self.region(&group.region)
    }

    /// Groups of a region, in file order.
    pub fn groups_in_region<'a>(&'a self, region_id: &'a str) -> impl Iterator<Item = &'a Group> {
        self.groups.iter().filter(move |g| g.region == region_id)
    }

    pub fn group_by_cloud_id(&self, cloud_group_id: &str) -> Option<&Group> {
        self.index
            .cloud_groups
            .get(cloud_group_id.trim())
            .map(|&i| &self.groups[i])
    }

    /// Finds a member by phone in any form [`Phone::from_wa_id`] accepts: `+526621000101`,
    /// `526621000101`, the legacy mobile wa_id `5216621000101`, with spaces or dashes.
    pub fn member_by_phone(&self, phone_or_wa_id: &str) -> Option<(&Group, &Member)> {
        let phone = Phone::from_wa_id(phone_or_wa_id).ok()?;
        let &(gi, mi) = self.index.member_phones.get(&phone)?;
        Some((&self.groups[gi], &self.groups[gi].members[mi]))
    }

    pub fn member_by_bsuid(&self, bsuid: &str) -> Option<(&Group, &Member)> {
        let &(gi, mi) = self.index.member_bsuids.get(bsuid.trim())?;
        Some((&self.groups[gi], &self.groups[gi].members[mi]))
    }

    pub fn coordinator_by_phone(&self, phone_or_wa_id: &str) -> Option<(&Region, &Coordinator)> {
        let phone = Phone::from_wa_id(phone_or_wa_id).ok()?;
        let &(ri, ci) = self.index.coordinator_phones.get(&phone)?;
        Some((&self.regions[ri], &self.regions[ri].coordinators[ci]))
    }

    pub fn coordinator_by_bsuid(&self, bsuid: &str) -> Option<(&Region, &Coordinator)> {
        let &(ri, ci) = self.index.coordinator_bsuids.get(bsuid.trim())?;
        Some((&self.regions[ri], &self.regions[ri].coordinators[ci]))
    }

    /// One line for logs and `check-config`, e.g. "10 regiones, 43 grupos (18 vecinales,
    /// 11 escolares, 14 empresariales), 187 integrantes, 31 coordinadores".
    pub fn summary(&self) -> String {
        let by_kind = |kind: GroupKind| self.groups.iter().filter(|g| g.kind == kind).count();
        let members: usize = self.groups.iter().map(|g| g.members.len()).sum();
        let coordinators: usize = self.regions.iter().map(|r| r.coordinators.len()).sum();
        format!(
            "{}, {} ({}, {}, {}), {}, {}",
            count(self.regions.len(), "región", "regiones"),
            count(self.groups.len(), "grupo", "grupos"),
            count(by_kind(GroupKind::Vecinal), "vecinal", "vecinales"),
            count(by_kind(GroupKind::Escolar), "escolar", "escolares"),
            count(
                by_kind(GroupKind::Empresarial),
                "empresarial",
                "empresariales"
            ),
            count(members, "integrante", "integrantes"),
            count(coordinators, "coordinador", "coordinadores"),
        )
    }
}

/// The `(file name, content)` of a directory's `*.toml` files (in file-name order) or of one
/// file, for [`Registry::from_sources`].
pub fn read_toml_sources(path: &Path) -> Result<Vec<(String, String)>, RegistryErrors> {
    if path.is_dir() {
        return load::read_dir_sources(path).map_err(RegistryErrors);
    }
    let name = path.display().to_string();
    std::fs::read_to_string(path)
        .map(|text| vec![(name.clone(), text)])
        .map_err(|e| {
            RegistryErrors(vec![RegistryError {
                file: name,
                line: 0,
                message: format!("no se puede leer el archivo: {e}"),
            }])
        })
}

fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}
