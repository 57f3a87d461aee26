//! Turns parsed files into validated regions and groups, collecting every problem found.
//!
//! Checks that need the whole registry (unknown region, municipality outside its region,
//! region without a patrol coordinator) are skipped when a file failed to parse, because
//! they would report the missing file's contents as errors elsewhere.

use std::collections::{HashMap, HashSet};

use toml::Spanned;

use super::error::{RegistryError, RegistryErrors};
use super::identity::{Identities, Loc};
use super::load::{self, RawFile, Source};
use super::model::{CoordinatorRole, Group, Region};

mod groups;
mod people;
mod regions;
mod shifts;

/// Validation state: what has been seen so far (for duplicate and reference checks) and the
/// problems found.
struct Checker {
    sources: Vec<Source>,
    errors: Vec<(usize, RegistryError)>,
    identities: Identities,
    regions: Vec<Region>,
    region_locs: HashMap<String, (usize, Loc)>,
    /// (state code, municipality) → owning region.
    municipality_owner: HashMap<(String, String), (String, Loc)>,
    coordinator_ids: HashMap<String, Loc>,
    groups: Vec<Group>,
    group_ids: HashMap<String, Loc>,
    cloud_ids: HashMap<String, (String, Loc)>,
}

/// Validates `(file name, content)` sources into regions and groups.
pub(super) fn build(
    sources: &[(String, String)],
) -> Result<(Vec<Region>, Vec<Group>), RegistryErrors> {
    let mut c = Checker {
        sources: Vec::new(),
        errors: Vec::new(),
        identities: Identities::default(),
        regions: Vec::new(),
        region_locs: HashMap::new(),
        municipality_owner: HashMap::new(),
        coordinator_ids: HashMap::new(),
        groups: Vec::new(),
        group_ids: HashMap::new(),
        cloud_ids: HashMap::new(),
    };
    if sources.is_empty() {
        return Err(RegistryErrors(vec![RegistryError {
            file: "(registro)".to_owned(),
            line: 0,
            message: "el registro está vacío: no hay archivos *.toml".to_owned(),
        }]));
    }
    let mut files: Vec<(usize, RawFile)> = Vec::new();
    for (si, (name, content)) in sources.iter().enumerate() {
        let source = Source::new(name, content);
        match load::parse(&source, content) {
            Ok(file) => files.push((si, file)),
            Err(e) => c.errors.push((si, e)),
        }
        c.sources.push(source);
    }
    let complete = files.len() == sources.len();
    for (si, file) in &files {
        for raw in &file.region {
            c.region(*si, raw);
        }
    }
    for (si, file) in &files {
        for raw in &file.group {
            c.group(*si, raw, complete);
        }
    }
    if complete {
        c.registry_wide_checks();
    }
    if c.errors.is_empty() {
        return Ok((c.regions, c.groups));
    }
    c.errors.sort_by_key(|(si, e)| (*si, e.line));
    Err(RegistryErrors(
        c.errors.into_iter().map(|(_, e)| e).collect(),
    ))
}

impl Checker {
    fn loc<T>(&self, si: usize, value: &Spanned<T>) -> Loc {
        Loc {
            source: si,
            line: self.sources[si].line_of(&value.span()),
        }
    }

    fn error<T>(&mut self, si: usize, at: &Spanned<T>, message: String) {
        let line = self.loc(si, at).line;
        self.error_at(si, line, message);
    }

    fn error_at(&mut self, si: usize, line: usize, message: String) {
        let file = self.sources[si].name.clone();
        self.errors.push((
            si,
            RegistryError {
                file,
                line,
                message,
            },
        ));
    }

    /// "línea 12" within the same file, "other.toml:12" across files.
    fn describe(&self, from: usize, loc: Loc) -> String {
        if from == loc.source {
            format!("línea {}", loc.line)
        } else {
            format!("{}:{}", self.sources[loc.source].name, loc.line)
        }
    }

    fn check_slug(&mut self, si: usize, id: &Spanned<String>, what: &str) {
        let v = id.get_ref();
        let ok = !v.is_empty()
            && v.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ok {
            self.error(
                si,
                id,
                format!("id de {what} «{v}» inválido: use solo a-z, 0-9 y «-»"),
            );
        }
    }

    fn check_name(&mut self, si: usize, name: &Spanned<String>, what: &str) {
        if name.get_ref().trim().is_empty() {
            self.error(si, name, format!("el nombre de {what} está vacío"));
        }
    }

    fn registry_wide_checks(&mut self) {
        // `build` rejects an empty source list before getting here, so source 0 exists.
        if self.regions.is_empty() {
            self.error_at(
                0,
                0,
                "el registro no define ninguna región ([[region]])".to_owned(),
            );
        }
        let with_groups: HashSet<&str> = self.groups.iter().map(|g| g.region.as_str()).collect();
        let mut missing = Vec::new();
        for region in &self.regions {
            let has_patrol = region
                .coordinators_with(CoordinatorRole::Patrol)
                .next()
                .is_some();
            if with_groups.contains(region.id.as_str()) && !has_patrol {
                missing.push((region.id.clone(), self.region_locs[&region.id].1));
            }
        }
        for (id, loc) in missing {
            let msg =
                format!("la región «{id}» tiene grupos pero ningún coordinador con rol patrol");
            self.error_at(loc.source, loc.line, msg);
        }
    }
}
