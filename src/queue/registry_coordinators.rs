//! Coordinators and their duty rosters as coordinators and admins edit them, on `/registro`
//! and under `/api/v1/registry/coordinators`: add, edit (name, phone, roles, region,
//! shifts), deactivate and reactivate, within the regions the user sees (another region's
//! coordinator is missing, 404). Every change is validated whole like `check-config`
//! (unknown day, bad time, overlapping shifts, a region left without patrol) and audited.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use super::registry::{self, CoordinatorView};
use super::views::mask_phone;
use crate::access::principal::Principal;
use crate::app::state::AppState;
use crate::error::{ApiResult, AppError};
use crate::registry::{parse_day, parse_time, Coordinator, CoordinatorRole, Phone, Shift};
use crate::store::{RegistryChange, RegistryWrite};

/// One duty window as sent: days (`lun` … `dom`), `HH:MM` start and end (region time; an
/// end not after the start runs overnight).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ShiftInput {
    pub days: Vec<String>,
    pub start: String,
    pub end: String,
}

/// A coordinator as sent by a form or the API. `id` may be left out when adding: it is made
/// from the region and the name. No `shifts`: on duty at all hours.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CoordinatorInput {
    #[serde(default)]
    pub id: Option<String>,
    pub region: String,
    pub name: String,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub bsuid: Option<String>,
    /// `patrol`, `prevention`, `duty`, `backup`, `supervisor`.
    pub roles: Vec<String>,
    #[serde(default)]
    pub shifts: Vec<ShiftInput>,
}

impl ShiftInput {
    pub fn parse(&self) -> Result<Shift, String> {
        let mut days = Vec::new();
        for d in &self.days {
            match parse_day(d.trim()) {
                Some(day) if !days.contains(&day) => days.push(day),
                Some(_) => {}
                None => {
                    return Err(format!(
                        "día «{}» inválido: use lun, mar, mie, jue, vie, sab o dom",
                        d.trim()
                    ))
                }
            }
        }
        if days.is_empty() {
            return Err("turno sin días: indique al menos uno de lun … dom".into());
        }
        let time = |t: &str, is_end: bool| {
            parse_time(t, is_end).ok_or_else(|| format!("hora «{}» inválida: use HH:MM", t.trim()))
        };
        Ok(Shift {
            days,
            start: time(&self.start, false)?,
            end: time(&self.end, true)?,
        })
    }

    /// `lun,mar,mie 08:00-16:00` (days by commas or spaces), as the page's roster box takes
    /// one shift per line.
    pub fn from_line(line: &str) -> Result<ShiftInput, String> {
        let bad = || {
            format!(
                "turno «{}»: escriba días y horario, p. ej. lun,mar 08:00-16:00",
                line.trim()
            )
        };
        let (days, hours) = line.trim().rsplit_once(' ').ok_or_else(bad)?;
        let (start, end) = hours.split_once('-').ok_or_else(bad)?;
        Ok(ShiftInput {
            days: days
                .split([',', ' '])
                .filter(|d| !d.trim().is_empty())
                .map(str::to_owned)
                .collect(),
            start: start.to_owned(),
            end: end.to_owned(),
        })
    }
}

fn slug(text: &str) -> String {
    crate::store::fold_text(text)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

impl CoordinatorInput {
    /// The region and the coordinator, or what is wrong (in Spanish, without the number).
    pub fn parse(&self) -> Result<(String, Coordinator), String> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err("falta el nombre".into());
        }
        let region = self.region.trim().to_owned();
        let phone = self
            .phone
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(Phone::parse)
            .transpose()
            .map_err(|e| format!("teléfono inválido: {e}"))?;
        let bsuid = self
            .bsuid
            .as_deref()
            .map(str::trim)
            .filter(|b| !b.is_empty())
            .map(str::to_owned);
        if phone.is_none() && bsuid.is_none() {
            return Err("falta el teléfono (o el BSUID)".into());
        }
        let mut roles = Vec::new();
        for r in &self.roles {
            let role = CoordinatorRole::ALL
                .into_iter()
                .find(|k| k.as_str() == r.trim())
                .ok_or_else(|| format!("rol «{}» desconocido", r.trim()))?;
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
        if roles.is_empty() {
            return Err("elija al menos un rol".into());
        }
        let shifts = self
            .shifts
            .iter()
            .map(ShiftInput::parse)
            .collect::<Result<Vec<_>, _>>()?;
        let id = match self.id.as_deref().map(str::trim).filter(|i| !i.is_empty()) {
            Some(id) => id.to_owned(),
            None => format!("{}-{}", region, slug(name)),
        };
        Ok((
            region,
            Coordinator {
                id,
                name: name.to_owned(),
                phone,
                bsuid,
                roles,
                shifts,
            },
        ))
    }
}

/// Every coordinator of the regions `who` sees, active or not, with who is on duty now (an
/// inactive one never is).
pub async fn list(
    state: &AppState,
    who: &Principal,
    now: DateTime<Utc>,
) -> ApiResult<Vec<CoordinatorView>> {
    let live: std::collections::HashMap<String, CoordinatorView> =
        registry::coordinators(state, who, now)
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
    let rows = state.store.registry_snapshot().await?;
    let mut out = Vec::new();
    for r in rows
        .coordinators
        .iter()
        .filter(|r| who.sees_region(&r.region))
    {
        if let Some(mut view) = live.get(&r.id).map(clone_view) {
            view.active = r.active;
            out.push(view);
            continue;
        }
        out.push(CoordinatorView {
            id: r.id.clone(),
            region: r.region.clone(),
            name: r.name.clone(),
            phone: r.phone.as_deref().map(mask_phone),
            roles: serde_json::from_str(&r.roles).unwrap_or_default(),
            shifts: Vec::new(),
            shift_labels: Vec::new(),
            on_duty_now: false,
            active: r.active,
        });
    }
    Ok(out)
}

fn clone_view(c: &CoordinatorView) -> CoordinatorView {
    CoordinatorView {
        id: c.id.clone(),
        region: c.region.clone(),
        name: c.name.clone(),
        phone: c.phone.clone(),
        roles: c.roles.clone(),
        shifts: c.shifts.clone(),
        shift_labels: c.shift_labels.clone(),
        on_duty_now: c.on_duty_now,
        active: c.active,
    }
}

/// The stored region of coordinator `id`, if `who` sees it (else 404, as if missing).
async fn visible_region(state: &AppState, who: &Principal, id: &str) -> ApiResult<String> {
    let rows = state.store.registry_snapshot().await?;
    rows.coordinators
        .iter()
        .find(|c| c.id == id && who.sees_region(&c.region))
        .map(|c| c.region.clone())
        .ok_or(AppError::NotFound)
}

/// Adds a coordinator (the id must be new).
pub async fn create(
    state: &AppState,
    who: &Principal,
    input: &CoordinatorInput,
) -> ApiResult<(String, RegistryWrite)> {
    let (region, coordinator) = input.parse().map_err(AppError::BadRequest)?;
    if !who.sees_region(&region) {
        return Err(AppError::NotFound);
    }
    let rows = state.store.registry_snapshot().await?;
    if rows.coordinators.iter().any(|c| c.id == coordinator.id) {
        return Err(AppError::BadRequest(format!(
            "ya existe un coordinador con la clave «{}»",
            coordinator.id
        )));
    }
    let id = coordinator.id.clone();
    let change = RegistryChange::PutCoordinator {
        region,
        coordinator,
    };
    Ok((id, registry::change(state, who, change).await?))
}

/// Replaces coordinator `id`'s data and roster (possibly moving them to another region the
/// user sees).
pub async fn edit(
    state: &AppState,
    who: &Principal,
    id: &str,
    input: &CoordinatorInput,
) -> ApiResult<RegistryWrite> {
    visible_region(state, who, id).await?;
    let mut input = input.clone();
    input.id = Some(id.to_owned());
    let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
    if blank(&input.phone) && blank(&input.bsuid) {
        // Screens show numbers masked: an edit that leaves them out keeps the stored ones.
        let rows = state.store.registry_snapshot().await?;
        if let Some(r) = rows.coordinators.iter().find(|c| c.id == id) {
            input.phone = r.phone.clone();
            input.bsuid = r.bsuid.clone();
        }
    }
    let (region, coordinator) = input.parse().map_err(AppError::BadRequest)?;
    if !who.sees_region(&region) {
        return Err(AppError::NotFound);
    }
    let change = RegistryChange::PutCoordinator {
        region,
        coordinator,
    };
    registry::change(state, who, change).await
}

pub async fn set_active(
    state: &AppState,
    who: &Principal,
    id: &str,
    active: bool,
) -> ApiResult<RegistryWrite> {
    visible_region(state, who, id).await?;
    let change = RegistryChange::SetCoordinatorActive {
        id: id.to_owned(),
        active,
    };
    registry::change(state, who, change).await
}
