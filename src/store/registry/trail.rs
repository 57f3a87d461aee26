//! What the audit trail records of registry rows: their fields, with phones and BSUIDs
//! masked, and the registry's size for whole-registry changes.

use serde_json::{json, Value};

use crate::registry::{mask_bsuid, Phone};

use super::{RegistryCoordinatorRow, RegistryGroupRow, RegistryMemberRow, RegistrySnapshot};

pub(super) fn counts(rows: &RegistrySnapshot) -> Value {
    json!({
        "groups": rows.groups.len(),
        "members": rows.members.len(),
        "coordinators": rows.coordinators.len(),
    })
}

/// Phones and BSUIDs go in the trail masked: it says which person changed, and stays out of
/// the way of an erasure.
fn masked_phone(phone: &Option<String>) -> Value {
    match phone.as_deref().map(Phone::parse) {
        Some(Ok(p)) => json!(p.masked()),
        Some(Err(_)) => json!("***"),
        None => Value::Null,
    }
}

fn masked_bsuid(bsuid: &Option<String>) -> Value {
    bsuid
        .as_deref()
        .map_or(Value::Null, |b| json!(mask_bsuid(b)))
}

pub(super) fn group_json(r: &RegistryGroupRow) -> Value {
    let colonias: Value = serde_json::from_str(&r.colonias).unwrap_or(Value::Null);
    json!({
        "id": r.id, "name": r.name, "kind": r.kind, "region": r.region,
        "municipality": r.municipality, "colonias": colonias,
        "group_id": r.cloud_group_id, "active": r.active,
    })
}

pub(super) fn member_json(r: &RegistryMemberRow) -> Value {
    json!({
        "id": r.id, "group": r.group_id, "name": r.name, "phone": masked_phone(&r.phone),
        "bsuid": masked_bsuid(&r.bsuid), "role": r.role, "active": r.active,
    })
}

pub(super) fn coordinator_json(r: &RegistryCoordinatorRow) -> Value {
    let roles: Value = serde_json::from_str(&r.roles).unwrap_or(Value::Null);
    let shifts: Value = serde_json::from_str(&r.shifts).unwrap_or(Value::Null);
    json!({
        "id": r.id, "region": r.region, "name": r.name, "phone": masked_phone(&r.phone),
        "bsuid": masked_bsuid(&r.bsuid), "roles": roles, "shifts": shifts, "active": r.active,
    })
}
