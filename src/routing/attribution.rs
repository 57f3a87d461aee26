//! Which registered group a message belongs to.

use crate::registry::Registry;
use crate::store::Attribution;
use crate::whatsapp::InboundMessage;

/// The result of attribution: how, and to which group (by registry id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributed {
    pub how: Attribution,
    pub group: Option<String>,
    /// The registry id of the coordinator who wrote, for `Attribution::Coordinator`.
    pub coordinator: Option<String>,
    /// The region that coordinator answers for: their commands reach only its reports.
    pub coordinator_region: Option<String>,
}

/// A message in a Cloud API group belongs to the group registered with that `group_id`;
/// otherwise to the group of the member who sent it, found by BSUID first (always present
/// since 2026, stable while the number is not) and then by phone. Anything else is
/// a coordinator (by BSUID or phone), or unregistered, which still earns the 9-1-1/089
/// safety reply.
pub fn attribute(registry: &Registry, msg: &InboundMessage) -> Attributed {
    let unregistered = Attributed {
        how: Attribution::Unregistered,
        group: None,
        coordinator: None,
        coordinator_region: None,
    };
    if let Some(cloud_id) = &msg.cloud_group_id {
        // A group we never registered must not fall through to the member lookup: the
        // member's own group is not where this message was said.
        return registry
            .group_by_cloud_id(cloud_id)
            .map_or(unregistered, |g| Attributed {
                how: Attribution::CloudGroup,
                group: Some(g.id.clone()),
                coordinator: None,
                coordinator_region: None,
            });
    }
    if let Some((group, _)) = msg
        .from_bsuid
        .as_deref()
        .and_then(|b| registry.member_by_bsuid(b))
    {
        return Attributed {
            how: Attribution::MemberBsuid,
            group: Some(group.id.clone()),
            coordinator: None,
            coordinator_region: None,
        };
    }
    if let Some((group, _)) = msg
        .from_phone
        .as_deref()
        .and_then(|p| registry.member_by_phone(p))
    {
        return Attributed {
            how: Attribution::MemberPhone,
            group: Some(group.id.clone()),
            coordinator: None,
            coordinator_region: None,
        };
    }
    // Coordinators write to acknowledge and resolve reports; they are not reporters.
    let coordinator = msg
        .from_bsuid
        .as_deref()
        .and_then(|b| registry.coordinator_by_bsuid(b))
        .or_else(|| {
            msg.from_phone
                .as_deref()
                .and_then(|p| registry.coordinator_by_phone(p))
        });
    if let Some((region, c)) = coordinator {
        return Attributed {
            how: Attribution::Coordinator,
            group: None,
            coordinator: Some(c.id.clone()),
            coordinator_region: Some(region.id.clone()),
        };
    }
    unregistered
}
