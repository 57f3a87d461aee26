//! The validated registry types handed to the rest of the service.

use serde::{Deserialize, Serialize, Serializer};

use super::phone::Phone;
use super::shift::Shift;

/// An operational region: where reports are routed, which folio prefix they get and in which
/// time zone their days and weeks are counted.
#[derive(Debug, Clone, Serialize)]
pub struct Region {
    pub id: String,
    pub name: String,
    /// Folio prefix (`SON` in `SON-2026-000123`).
    pub state: String,
    #[serde(serialize_with = "serialize_tz")]
    pub time_zone: chrono_tz::Tz,
    pub municipalities: Vec<String>,
    /// Numbers quoted in the "call 9-1-1 now" reply, in the order they should be shown.
    pub emergency_numbers: Vec<EmergencyNumber>,
    pub coordinators: Vec<Coordinator>,
}

impl Region {
    /// Coordinators holding `role`, in file order (escalation walks them in that order).
    pub fn coordinators_with(&self, role: CoordinatorRole) -> impl Iterator<Item = &Coordinator> {
        self.coordinators.iter().filter(move |c| c.has_role(role))
    }

    /// Whether `municipality` belongs to this region (exact, case-sensitive match).
    pub fn has_municipality(&self, municipality: &str) -> bool {
        self.municipalities.iter().any(|m| m == municipality)
    }
}

fn serialize_tz<S: Serializer>(tz: &chrono_tz::Tz, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(tz.name())
}

#[derive(Debug, Clone, Serialize)]
pub struct EmergencyNumber {
    pub label: String,
    pub number: String,
}

/// A security-agency person reached for a region: patrol dispatch, prevention staff, the duty
/// desk, their backup and the supervisor that escalations end with.
#[derive(Debug, Clone, Serialize)]
pub struct Coordinator {
    pub id: String,
    pub name: String,
    pub phone: Option<Phone>,
    pub bsuid: Option<String>,
    pub roles: Vec<CoordinatorRole>,
    /// Duty roster in the region's local time; empty means always on duty.
    pub shifts: Vec<Shift>,
}

impl Coordinator {
    pub fn has_role(&self, role: CoordinatorRole) -> bool {
        self.roles.contains(&role)
    }

    /// Whether the coordinator is on shift at `local`, a wall-clock time in the region's time
    /// zone. Coordinators without a roster are always on duty.
    pub fn on_shift_at(&self, local: chrono::NaiveDateTime) -> bool {
        self.shifts.is_empty() || self.shifts.iter().any(|s| s.covers(local))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoordinatorRole {
    Patrol,
    Prevention,
    Duty,
    Backup,
    Supervisor,
}

impl CoordinatorRole {
    pub const ALL: [CoordinatorRole; 5] = [
        CoordinatorRole::Patrol,
        CoordinatorRole::Prevention,
        CoordinatorRole::Duty,
        CoordinatorRole::Backup,
        CoordinatorRole::Supervisor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CoordinatorRole::Patrol => "patrol",
            CoordinatorRole::Prevention => "prevention",
            CoordinatorRole::Duty => "duty",
            CoordinatorRole::Backup => "backup",
            CoordinatorRole::Supervisor => "supervisor",
        }
    }

    pub fn label_es(self) -> &'static str {
        match self {
            CoordinatorRole::Patrol => "Patrullaje",
            CoordinatorRole::Prevention => "Prevención del delito",
            CoordinatorRole::Duty => "Guardia",
            CoordinatorRole::Backup => "Suplente",
            CoordinatorRole::Supervisor => "Supervisión",
        }
    }
}

/// A registered WhatsApp group (neighbourhood committee, school or business group).
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub kind: GroupKind,
    /// Id of the [`Region`] the group belongs to.
    pub region: String,
    pub municipality: String,
    pub colonias: Vec<String>,
    /// The Cloud API Groups API id, present only for groups the business account is in.
    #[serde(rename = "group_id")]
    pub cloud_group_id: Option<String>,
    pub members: Vec<Member>,
}

impl Group {
    /// The group's contact people (enlaces), in file order.
    pub fn enlaces(&self) -> impl Iterator<Item = &Member> {
        self.members.iter().filter(|m| m.role == MemberRole::Enlace)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    Vecinal,
    Escolar,
    Empresarial,
}

impl GroupKind {
    pub const ALL: [GroupKind; 3] = [
        GroupKind::Vecinal,
        GroupKind::Escolar,
        GroupKind::Empresarial,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GroupKind::Vecinal => "vecinal",
            GroupKind::Escolar => "escolar",
            GroupKind::Empresarial => "empresarial",
        }
    }

    pub fn label_es(self) -> &'static str {
        match self {
            GroupKind::Vecinal => "Comité vecinal",
            GroupKind::Escolar => "Grupo escolar",
            GroupKind::Empresarial => "Grupo empresarial",
        }
    }
}

/// A registered group member. At least one of `phone` and `bsuid` is present: WhatsApp may
/// hide a sender's number and identify them only by business-scoped user id.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub name: String,
    pub phone: Option<Phone>,
    pub bsuid: Option<String>,
    pub role: MemberRole,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberRole {
    /// The group's liaison with the agency.
    Enlace,
    Miembro,
}

impl MemberRole {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Enlace => "enlace",
            MemberRole::Miembro => "miembro",
        }
    }
}
