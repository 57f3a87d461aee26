//! What an import would change, line by line, for `alerta registry import --dry-run`.
//! People are named with their phone masked: the output ends up in terminals and tickets.

use std::collections::HashMap;

use super::model::{Coordinator, Group, Member};
use super::Registry;

/// `+` added, `-` removed, `~` changed; groups in the new registry's order, then removals.
pub fn diff(before: &Registry, after: &Registry) -> Vec<String> {
    let mut out = Vec::new();
    for g in after.groups() {
        match before.group(&g.id) {
            None => out.push(format!(
                "+ grupo {} «{}» ({} integrantes)",
                g.id,
                g.name,
                g.members.len()
            )),
            Some(old) => group_changes(old, g, &mut out),
        }
    }
    for g in before.groups() {
        if after.group(&g.id).is_none() {
            out.push(format!("- grupo {} «{}»", g.id, g.name));
        }
    }
    let coordinators = |r: &Registry| -> HashMap<String, Coordinator> {
        r.regions()
            .iter()
            .flat_map(|x| x.coordinators.iter().map(|c| (c.id.clone(), c.clone())))
            .collect()
    };
    let (old, new) = (coordinators(before), coordinators(after));
    for region in after.regions() {
        for c in &region.coordinators {
            match old.get(&c.id) {
                None => out.push(format!("+ coordinador {} «{}»", c.id, c.name)),
                Some(o) if !same_coordinator(o, c) => {
                    out.push(format!("~ coordinador {} «{}»", c.id, c.name))
                }
                Some(_) => {}
            }
        }
    }
    for region in before.regions() {
        for c in &region.coordinators {
            if !new.contains_key(&c.id) {
                out.push(format!("- coordinador {} «{}»", c.id, c.name));
            }
        }
    }
    out
}

fn group_changes(old: &Group, new: &Group, out: &mut Vec<String>) {
    let fields = [
        ("nombre", old.name.clone(), new.name.clone()),
        ("tipo", old.kind.as_str().into(), new.kind.as_str().into()),
        ("región", old.region.clone(), new.region.clone()),
        (
            "municipio",
            old.municipality.clone(),
            new.municipality.clone(),
        ),
        ("colonias", old.colonias.join(", "), new.colonias.join(", ")),
        (
            "group_id",
            old.cloud_group_id.clone().unwrap_or_default(),
            new.cloud_group_id.clone().unwrap_or_default(),
        ),
    ];
    for (what, a, b) in fields {
        if a != b {
            out.push(format!("~ grupo {}: {what} «{a}» → «{b}»", new.id));
        }
    }
    for m in &new.members {
        if !old.members.iter().any(|o| same_member(o, m)) {
            out.push(format!("+ integrante {} en {}", who(m), new.id));
        }
    }
    for m in &old.members {
        if !new.members.iter().any(|n| same_member(n, m)) {
            out.push(format!("- integrante {} de {}", who(m), new.id));
        }
    }
}

fn same_member(a: &Member, b: &Member) -> bool {
    a.name == b.name && a.phone == b.phone && a.bsuid == b.bsuid && a.role == b.role
}

fn same_coordinator(a: &Coordinator, b: &Coordinator) -> bool {
    a.name == b.name
        && a.phone == b.phone
        && a.bsuid == b.bsuid
        && a.roles == b.roles
        && a.shifts == b.shifts
}

fn who(m: &Member) -> String {
    let contact = match (&m.phone, &m.bsuid) {
        (Some(p), _) => p.masked(),
        (None, Some(b)) => super::phone::mask_bsuid(b),
        (None, None) => String::new(),
    };
    format!("«{}» ({contact}, {})", m.name, m.role.as_str())
}
