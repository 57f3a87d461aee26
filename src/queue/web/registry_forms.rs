//! The Registro page's forms beyond members and groups' state: deciding altas (join
//! requests sent over WhatsApp), adding and editing coordinators with their rosters, and a
//! group's own fields. Each re-renders the page (`registry::show`) with what happened; the
//! work, the scope checks and the audit are in `queue::registry_requests`,
//! `queue::registry_coordinators` and `queue::registry`.

use axum::http::StatusCode;
use axum::response::Response;

use super::registry::{show, RegistryForm, View};
use super::render::error_page;
use crate::app::state::AppState;
use crate::error::AppError;
use crate::queue::auth::WebUser;
use crate::queue::registry::{self, GroupInput};
use crate::queue::registry_coordinators::{self, CoordinatorInput, ShiftInput};
use crate::queue::registry_requests::{self, Approval, Decline};
use crate::store::RegistryChange;

/// Adds or edits a coordinator (roster included), deactivates or reactivates one, or edits
/// a group's own fields.
pub(super) async fn edit(
    state: &AppState,
    user: &WebUser,
    action: &str,
    form: &RegistryForm,
) -> Response {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let id = text(&form.coordinador);
    let group = text(&form.grupo);
    let result: Result<String, AppError> = async {
        match action {
            "baja_coordinador" | "alta_coordinador" => {
                let active = action == "alta_coordinador";
                registry_coordinators::set_active(state, &user.who, &id, active).await?;
                Ok(if active {
                    "Coordinador reactivado.".to_owned()
                } else {
                    "Coordinador desactivado: ya no recibe avisos ni escalamientos.".to_owned()
                })
            }
            "editar_grupo" => {
                let current = registry::group(state, &user.who, &group).await?;
                let input = GroupInput {
                    id: group.clone(),
                    name: text(&form.nuevo_nombre),
                    kind: text(&form.nuevo_tipo),
                    region: current.group.region.clone(),
                    municipality: text(&form.nuevo_municipio),
                    colonias: text(&form.nuevo_colonias)
                        .split(',')
                        .map(str::to_owned)
                        .collect(),
                    group_id: current.group_id.clone(),
                    members: Vec::new(),
                };
                let g = input.parse().map_err(AppError::BadRequest)?;
                registry::change(state, &user.who, RegistryChange::UpdateGroup(g)).await?;
                Ok("Datos del grupo guardados.".to_owned())
            }
            _ => {
                let input = coordinator_input(form)?;
                if action == "agregar_coordinador" {
                    registry_coordinators::create(state, &user.who, &input).await?;
                    Ok(format!("Coordinador {} agregado.", input.name.trim()))
                } else {
                    registry_coordinators::edit(state, &user.who, &id, &input).await?;
                    Ok(format!("Coordinador {} guardado.", input.name.trim()))
                }
            }
        }
    }
    .await;
    let view = View {
        q: None,
        grupo: (action == "editar_grupo").then_some(group),
    };
    match result {
        Ok(done) => show(state, user, StatusCode::OK, &view, Some(done), None).await,
        Err(AppError::BadRequest(e)) => {
            show(state, user, StatusCode::BAD_REQUEST, &view, None, Some(e)).await
        }
        Err(e) => error_page(e, Some(user)),
    }
}

/// The coordinator the form describes: roles from their checkboxes, one shift per line.
fn coordinator_input(form: &RegistryForm) -> Result<CoordinatorInput, AppError> {
    let checked = [
        ("patrol", &form.rol_patrol),
        ("prevention", &form.rol_prevention),
        ("duty", &form.rol_duty),
        ("backup", &form.rol_backup),
        ("supervisor", &form.rol_supervisor),
    ];
    let shifts = form
        .turnos
        .as_deref()
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(ShiftInput::from_line)
        .collect::<Result<Vec<_>, _>>()
        .map_err(AppError::BadRequest)?;
    Ok(CoordinatorInput {
        id: form.coordinador.clone(),
        region: form.region.clone().unwrap_or_default(),
        name: form.nombre.clone().unwrap_or_default(),
        phone: form.telefono.clone(),
        bsuid: None,
        roles: checked
            .iter()
            .filter(|(_, v)| v.is_some())
            .map(|(r, _)| (*r).to_owned())
            .collect(),
        shifts,
    })
}

/// Approves an alta into a group (an existing one, or the new one the form describes) or
/// declines it with the reason the person is told.
pub(super) async fn decide(
    state: &AppState,
    user: &WebUser,
    action: &str,
    id: i64,
    form: &RegistryForm,
) -> Response {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let result = if action == "rechazar_alta" {
        let d = Decline {
            reason: text(&form.motivo),
        };
        registry_requests::decline(state, &user.who, id, &d)
            .await
            .map(|()| "Solicitud rechazada; la persona recibe el motivo.".to_owned())
    } else {
        let new_group = form
            .nuevo_id
            .as_deref()
            .filter(|g| !g.trim().is_empty())
            .map(|g| GroupInput {
                id: g.to_owned(),
                name: text(&form.nuevo_nombre),
                kind: text(&form.nuevo_tipo),
                region: text(&form.nuevo_region),
                municipality: text(&form.nuevo_municipio),
                colonias: text(&form.nuevo_colonias)
                    .split(',')
                    .map(str::to_owned)
                    .collect(),
                group_id: None,
                members: Vec::new(),
            });
        let a = Approval {
            group: form.grupo.clone(),
            new_group,
            name: text(&form.nombre),
            role: text(&form.rol),
        };
        registry_requests::approve(state, &user.who, id, &a)
            .await
            .map(|done| {
                format!(
                    "Solicitud aprobada: alta en el grupo {}; se le envió la bienvenida.",
                    done.group
                )
            })
    };
    let view = View::default();
    match result {
        Ok(done) => show(state, user, StatusCode::OK, &view, Some(done), None).await,
        Err(AppError::BadRequest(e) | AppError::Conflict(e)) => {
            show(state, user, StatusCode::BAD_REQUEST, &view, None, Some(e)).await
        }
        Err(e) => error_page(e, Some(user)),
    }
}
