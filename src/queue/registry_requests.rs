//! Altas (join requests people sent over WhatsApp) as coordinators see and decide them, on
//! `/registro` and under `/api/v1/registry/requests`. A request is seen by those who see its
//! region (one that named no group or municipality is in `sin-region`, like unregistered
//! senders' reports: only all-region users see it); anyone else gets 404, as for a group of
//! another region. Approving adds the person to a group (an existing one of the approver's
//! regions, or one created in the same step) through the validated, audited registry write;
//! approving and declining are audited on the request, and the person is told through the
//! outbox (welcome and, if they never had it, the privacy notice; or a polite decline).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::registry::{self, GroupInput};
use super::views::{mask_bsuid, mask_phone};
use crate::access::principal::{Permission, Principal};
use crate::app::state::AppState;
use crate::error::{ApiResult, AppError};
use crate::registry::MemberRole;
use crate::routing::joining::{kind, person, welcome_params};
use crate::store::{NewOutbox, RegistryChange, RegistryRequestRow, RequestSettlement};

/// A pending alta, the person's number masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct JoinRequestView {
    pub id: i64,
    pub status: String,
    pub received_at: DateTime<Utc>,
    /// The region it is shown in (`sin-region` when it named none).
    pub region: String,
    /// The group the message named, if any.
    pub group: Option<String>,
    /// The person's WhatsApp profile name.
    pub profile_name: Option<String>,
    pub phone: Option<String>,
    pub bsuid: Option<String>,
}

/// How to approve: into an existing group (`group`) or a new one (`new_group`, without
/// members: the person is its first), with the person's name and role.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Approval {
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub new_group: Option<GroupInput>,
    pub name: String,
    /// `enlace` or `miembro`.
    pub role: String,
}

/// Why it is declined (told to the person).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Decline {
    pub reason: String,
}

/// What an approval made.
#[derive(Debug, Serialize, ToSchema)]
pub struct Approved {
    pub group: String,
    pub member_id: Option<i64>,
    pub version: i64,
}

fn view(r: &RegistryRequestRow) -> JoinRequestView {
    JoinRequestView {
        id: r.id,
        status: r.status.clone(),
        received_at: r.received_at,
        region: r.region.clone(),
        group: r.group_id.clone(),
        profile_name: r.profile_name.clone(),
        phone: r.phone.as_deref().map(mask_phone),
        bsuid: r.bsuid.as_deref().map(mask_bsuid),
    }
}

/// The pending altas `who` sees, oldest first.
pub async fn pending(state: &AppState, who: &Principal) -> ApiResult<Vec<JoinRequestView>> {
    let rows = state.store.registry_requests(kind::ALTA, "pending").await?;
    Ok(rows
        .iter()
        .filter(|r| who.sees_region(&r.region))
        .map(view)
        .collect())
}

/// An alta `who` may decide: 404 when it does not exist or is of a region they do not see,
/// 409 when it was already decided.
async fn decidable(state: &AppState, who: &Principal, id: i64) -> ApiResult<RegistryRequestRow> {
    if !who.may(Permission::ManageRegistry) {
        return Err(AppError::Forbidden);
    }
    let r = state
        .store
        .registry_request(id)
        .await?
        .filter(|r| r.kind == kind::ALTA && who.sees_region(&r.region))
        .ok_or(AppError::NotFound)?;
    if r.status != "pending" {
        return Err(AppError::Conflict("La solicitud ya fue atendida.".into()));
    }
    Ok(r)
}

fn answer(r: &RegistryRequestRow, purpose: &str, params: serde_json::Value) -> NewOutbox {
    NewOutbox {
        purpose: purpose.to_owned(),
        priority: 2,
        recipient_key: r.sender_key.clone(),
        recipient: r.recipient.clone(),
        reply_to: None,
        params: params.to_string(),
        use_template: false,
        not_before: Utc::now(),
    }
}

/// Adds the person to the chosen group and tells them.
pub async fn approve(
    state: &AppState,
    who: &Principal,
    id: i64,
    a: &Approval,
) -> ApiResult<Approved> {
    let r = decidable(state, who, id).await?;
    let role = match a.role.trim() {
        "enlace" => MemberRole::Enlace,
        "miembro" => MemberRole::Miembro,
        other => {
            return Err(AppError::BadRequest(format!(
                "rol «{other}» desconocido: use enlace o miembro"
            )))
        }
    };
    if a.name.trim().is_empty() {
        return Err(AppError::BadRequest("falta el nombre".into()));
    }
    let member = person(&r, role, Some(&a.name));
    let (change, group) = match (&a.new_group, a.group.as_deref().map(str::trim)) {
        (Some(g), _) => {
            let mut group = g.parse().map_err(AppError::BadRequest)?;
            group.members = vec![member];
            let id = group.id.clone();
            (RegistryChange::CreateGroup(group), id)
        }
        (None, Some(g)) if !g.is_empty() => {
            // Scope first: another region's group is missing.
            registry::group(state, who, g).await?;
            let change = RegistryChange::AddMember {
                group: g.to_owned(),
                member,
            };
            (change, g.to_owned())
        }
        _ => {
            return Err(AppError::BadRequest(
                "elija un grupo existente o capture el grupo nuevo".into(),
            ))
        }
    };
    let w = registry::change(state, who, change).await?;
    let name = state
        .registry
        .current()
        .group(&group)
        .map_or(group.clone(), |g| g.name.clone());
    let notice_url = &state.config.privacy.notice_url;
    let settlement = RequestSettlement {
        id,
        from: "pending",
        to: "approved",
        at: Utc::now(),
        by: who.actor(),
        reason: None,
        member_id: w.member_id,
        group_id: Some(group.clone()),
        audit: Some((
            "registry.join_approved",
            json!({ "group": group, "member": w.member_id, "role": role.as_str() }),
        )),
        outbox: vec![answer(
            &r,
            "join_welcome",
            welcome_params(&name, notice_url),
        )],
        privacy_notice: Some(answer(&r, "privacy_notice", json!({ "aviso": notice_url }))),
    };
    if !state.store.settle_registry_request(&settlement).await? {
        return Err(AppError::Conflict("La solicitud ya fue atendida.".into()));
    }
    state.outbox_wakeup.notify_one();
    Ok(Approved {
        group,
        member_id: w.member_id,
        version: w.version,
    })
}

/// Declines with a reason the person is told.
pub async fn decline(state: &AppState, who: &Principal, id: i64, d: &Decline) -> ApiResult<()> {
    let r = decidable(state, who, id).await?;
    let reason = d.reason.trim();
    if reason.is_empty() {
        return Err(AppError::BadRequest("escriba el motivo".into()));
    }
    let settlement = RequestSettlement {
        id,
        from: "pending",
        to: "declined",
        at: Utc::now(),
        by: who.actor(),
        reason: Some(reason.to_owned()),
        member_id: None,
        group_id: None,
        audit: Some(("registry.join_declined", json!({ "reason": reason }))),
        outbox: vec![answer(&r, "join_declined", json!({ "motivo": reason }))],
        privacy_notice: None,
    };
    if !state.store.settle_registry_request(&settlement).await? {
        return Err(AppError::Conflict("La solicitud ya fue atendida.".into()));
    }
    state.outbox_wakeup.notify_one();
    Ok(())
}
