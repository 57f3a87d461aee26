//! The Registro page (`/registro`): the groups of the regions one sees with their members
//! (phones masked), last activity and state; search by name or the last digits of a phone;
//! adding a member, deactivating and reactivating members and groups; the region's
//! coordinators with who is on duty now. Coordinators and admins change it (as in the API,
//! `queue::registry` does the work, the validation and the audit); operators read it.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use serde::Deserialize;

use super::registry_forms;
use super::render::{error_message, error_page, render, Layout};
use super::security::{csrf_refused, csrf_valid};
use crate::access::principal::Permission;
use crate::app::state::AppState;
use crate::error::AppError;
use crate::queue::auth::WebUser;
use crate::queue::registry::{self, CoordinatorView, GroupDetail, GroupSummary, MemberInput};
use crate::queue::registry_coordinators;
use crate::queue::registry_requests::{self, JoinRequestView};
use crate::registry::CoordinatorRole;
use crate::store::RegistryChange;

#[derive(Template)]
#[template(path = "registry.html")]
pub struct RegistryTemplate {
    pub layout: Layout,
    pub csrf: String,
    pub may_edit: bool,
    pub q: String,
    pub groups: Vec<GroupLine>,
    pub selected: Option<GroupDetail>,
    pub coordinators: Vec<CoordinatorView>,
    /// Pending altas of the user's regions.
    pub requests: Vec<RequestLine>,
    /// Regions the user may create a group in (id, name).
    pub regions: Vec<(String, String)>,
    /// Coordinator roles for the checkboxes (value, label).
    pub role_choices: Vec<(&'static str, &'static str)>,
    pub done: Option<String>,
    pub error: Option<String>,
}

pub struct RequestLine {
    pub request: JoinRequestView,
    pub received: String,
}

pub struct GroupLine {
    pub group: GroupSummary,
    pub last_activity: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct View {
    pub q: Option<String>,
    pub grupo: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RegistryForm {
    pub csrf: Option<String>,
    /// "agregar", "baja", "alta", "baja_grupo" or "alta_grupo".
    pub action: Option<String>,
    pub grupo: Option<String>,
    pub integrante: Option<i64>,
    pub nombre: Option<String>,
    pub telefono: Option<String>,
    pub rol: Option<String>,
    /// An alta being decided (`aprobar_alta`, `rechazar_alta`).
    pub solicitud: Option<i64>,
    pub motivo: Option<String>,
    pub nuevo_id: Option<String>,
    pub nuevo_nombre: Option<String>,
    pub nuevo_tipo: Option<String>,
    pub nuevo_region: Option<String>,
    pub nuevo_municipio: Option<String>,
    pub nuevo_colonias: Option<String>,
    /// A coordinator being added or edited.
    pub coordinador: Option<String>,
    pub region: Option<String>,
    pub turnos: Option<String>,
    pub rol_patrol: Option<String>,
    pub rol_prevention: Option<String>,
    pub rol_duty: Option<String>,
    pub rol_backup: Option<String>,
    pub rol_supervisor: Option<String>,
}

pub async fn page(State(state): State<AppState>, user: WebUser, Query(v): Query<View>) -> Response {
    if !user.who.may(Permission::View) {
        return error_page(AppError::Forbidden, Some(&user));
    }
    show(&state, &user, StatusCode::OK, &v, None, None).await
}

pub async fn act(State(state): State<AppState>, user: WebUser, body: Bytes) -> Response {
    if !user.who.may(Permission::ManageRegistry) {
        return error_page(AppError::Forbidden, Some(&user));
    }
    let Ok(form) = serde_urlencoded::from_bytes::<RegistryForm>(&body) else {
        return error_message(
            StatusCode::BAD_REQUEST,
            "Formulario no válido",
            "No se pudo leer el formulario. Recargue la página e intente de nuevo.",
        );
    };
    if !csrf_valid(&user, form.csrf.as_deref()) {
        return csrf_refused();
    }
    if let (Some(action @ ("aprobar_alta" | "rechazar_alta")), Some(id)) =
        (form.action.as_deref(), form.solicitud)
    {
        return registry_forms::decide(&state, &user, action, id, &form).await;
    }
    if let Some(
        action @ ("agregar_coordinador"
        | "editar_coordinador"
        | "baja_coordinador"
        | "alta_coordinador"
        | "editar_grupo"),
    ) = form.action.as_deref()
    {
        return registry_forms::edit(&state, &user, action, &form).await;
    }
    let group = form.grupo.clone().unwrap_or_default();
    let view = View {
        q: None,
        grupo: Some(group.clone()),
    };
    let change = match (form.action.as_deref(), form.integrante) {
        (Some("agregar"), _) => {
            let input = MemberInput {
                name: form.nombre.clone().unwrap_or_default(),
                phone: form.telefono.clone(),
                bsuid: None,
                role: form.rol.clone().unwrap_or_default(),
            };
            match input.parse() {
                Ok(member) => Ok((
                    RegistryChange::AddMember {
                        group: group.clone(),
                        member,
                    },
                    format!("Integrante {} agregado.", input.name.trim()),
                )),
                Err(e) => Err(e),
            }
        }
        (Some("baja"), Some(id)) => Ok((
            RegistryChange::SetMemberActive { id, active: false },
            "Integrante dado de baja: sus mensajes ya no se atribuyen al grupo.".into(),
        )),
        (Some("alta"), Some(id)) => Ok((
            RegistryChange::SetMemberActive { id, active: true },
            "Integrante reactivado.".into(),
        )),
        (Some("baja_grupo"), _) => Ok((
            RegistryChange::SetGroupActive {
                id: group.clone(),
                active: false,
            },
            "Grupo dado de baja: sus mensajes ya no se atribuyen.".into(),
        )),
        (Some("alta_grupo"), _) => Ok((
            RegistryChange::SetGroupActive {
                id: group.clone(),
                active: true,
            },
            "Grupo reactivado.".into(),
        )),
        _ => Err("Acción desconocida.".into()),
    };
    let (change, done) = match change {
        Ok(c) => c,
        Err(e) => return show(&state, &user, StatusCode::BAD_REQUEST, &view, None, Some(e)).await,
    };
    match registry::change(&state, &user.who, change).await {
        Ok(_) => show(&state, &user, StatusCode::OK, &view, Some(done), None).await,
        Err(AppError::BadRequest(e)) => {
            show(&state, &user, StatusCode::BAD_REQUEST, &view, None, Some(e)).await
        }
        Err(e) => error_page(e, Some(&user)),
    }
}

pub(super) async fn show(
    state: &AppState,
    user: &WebUser,
    status: StatusCode,
    v: &View,
    done: Option<String>,
    error: Option<String>,
) -> Response {
    let q = v.q.clone().unwrap_or_default();
    let groups = match registry::groups(state, &user.who, Some(&q)).await {
        Ok(g) => g,
        Err(e) => return error_page(e, Some(user)),
    };
    let selected = match v.grupo.as_deref().filter(|g| !g.is_empty()) {
        Some(id) => match registry::group(state, &user.who, id).await {
            Ok(g) => Some(g),
            Err(e) => return error_page(e, Some(user)),
        },
        None => None,
    };
    let registry = state.registry.current();
    let tz_of = |region: &str| {
        registry
            .region(region)
            .map_or(chrono_tz::America::Mexico_City, |r| r.time_zone)
    };
    let groups = groups
        .into_iter()
        .map(|g| GroupLine {
            last_activity: g.last_activity.map_or_else(
                || "Sin mensajes".to_owned(),
                |t| super::render::local_time(t, tz_of(&g.region)),
            ),
            group: g,
        })
        .collect();
    let coordinators = match registry_coordinators::list(state, &user.who, Utc::now()).await {
        Ok(c) => c,
        Err(e) => return error_page(e, Some(user)),
    };
    let requests = match registry_requests::pending(state, &user.who).await {
        Ok(list) => list
            .into_iter()
            .map(|r| RequestLine {
                received: super::render::local_time(r.received_at, tz_of(&r.region)),
                request: r,
            })
            .collect(),
        Err(e) => return error_page(e, Some(user)),
    };
    let regions = registry
        .regions()
        .iter()
        .filter(|r| user.who.sees_region(&r.id))
        .map(|r| (r.id.clone(), r.name.clone()))
        .collect();
    render(
        status,
        &RegistryTemplate {
            requests,
            regions,
            role_choices: CoordinatorRole::ALL
                .iter()
                .map(|r| (r.as_str(), r.label_es()))
                .collect(),
            layout: Layout::new("Registro", "registro", Some(user)),
            csrf: user.csrf.clone(),
            may_edit: user.who.may(Permission::ManageRegistry),
            q,
            groups,
            selected,
            coordinators,
            done,
            error,
        },
    )
}
