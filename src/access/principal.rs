//! Who is asking and what they may do. Every page, API call, event stream and export goes
//! through a [`Principal`]; region scope is applied by the service, not by each handler.

use serde::Serialize;
use utoipa::ToSchema;

use crate::store::UserRow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 911/PESP operators: work the queue of their assigned regions (or all).
    Operator,
    /// A regional coordinator: their own region only.
    Coordinator,
    /// Supervisors: every region, overrides claims, manages users.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Operator, Role::Coordinator, Role::Admin];

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Coordinator => "coordinator",
            Role::Admin => "admin",
        }
    }

    pub fn label_es(self) -> &'static str {
        match self {
            Role::Operator => "Operador(a)",
            Role::Coordinator => "Coordinador(a)",
            Role::Admin => "Supervisor(a)",
        }
    }
}

/// Things a role may do; the matrix is [`Principal::may`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    View,
    Claim,
    OverrideClaim,
    Acknowledge,
    Reclassify,
    SetPriority,
    Assign,
    Note,
    Reply,
    Resolve,
    Dismiss,
    MarkDuplicate,
    Reopen,
    Export,
    ExportCorrections,
    ManageUsers,
    /// Add, edit and deactivate groups and members of the regions one sees.
    ManageRegistry,
}

/// An authenticated user.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Principal {
    pub user_id: i64,
    pub name: String,
    pub role: Role,
    /// Empty: every region (admins always; operators without assigned regions).
    pub regions: Vec<String>,
    /// From `[web] reveal_roles`.
    pub may_reveal: bool,
}

impl Principal {
    /// `None` for a stored account with an unknown role: it gets no access at all.
    pub fn from_user(user: &UserRow, reveal_roles: &[String]) -> Option<Principal> {
        let role = Role::parse(&user.role)?;
        let regions = if role == Role::Admin {
            Vec::new()
        } else {
            user.region_list()
        };
        // A coordinator without a region would otherwise see everything.
        if role == Role::Coordinator && regions.is_empty() {
            return None;
        }
        Some(Principal {
            user_id: user.id,
            name: user.name.clone(),
            role,
            regions,
            may_reveal: reveal_roles.iter().any(|r| r == role.as_str()),
        })
    }

    /// A process acting on its own behalf (the command line, the digest): a supervisor's
    /// scope, without revealing numbers.
    pub fn system(name: &str) -> Principal {
        Principal {
            user_id: 0,
            name: name.to_owned(),
            role: Role::Admin,
            regions: Vec::new(),
            may_reveal: false,
        }
    }

    /// The audit trail's name for this user.
    pub fn actor(&self) -> String {
        format!("user:{}", self.name)
    }

    /// Regions this user is limited to; `None` when unrestricted.
    pub fn scope(&self) -> Option<Vec<String>> {
        (!self.regions.is_empty()).then(|| self.regions.clone())
    }

    pub fn sees_region(&self, region: &str) -> bool {
        self.regions.is_empty() || self.regions.iter().any(|r| r == region)
    }

    pub fn may(&self, p: Permission) -> bool {
        use Permission::*;
        match self.role {
            Role::Admin => true,
            Role::Operator => !matches!(p, OverrideClaim | ManageUsers | ManageRegistry),
            Role::Coordinator => matches!(
                p,
                View | Claim
                    | Acknowledge
                    | Assign
                    | Note
                    | Reply
                    | Resolve
                    | Export
                    | ManageRegistry
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn user(role: &str, regions: &str) -> UserRow {
        UserRow {
            id: 1,
            name: "ana".into(),
            role: role.into(),
            regions: regions.into(),
            password_hash: None,
            created_at: Utc::now(),
            disabled_at: None,
        }
    }

    #[test]
    fn scope_follows_role_and_regions() {
        let reveal = vec!["admin".to_owned()];
        let op = Principal::from_user(&user("operator", "[]"), &reveal).unwrap();
        assert_eq!(op.scope(), None);
        assert!(!op.may_reveal);
        let coord = Principal::from_user(&user("coordinator", r#"["son-centro"]"#), &reveal);
        let coord = coord.unwrap();
        assert!(coord.sees_region("son-centro") && !coord.sees_region("son-sur"));
        assert!(!coord.may(Permission::Dismiss) && coord.may(Permission::Resolve));
        let admin = Principal::from_user(&user("admin", r#"["son-centro"]"#), &reveal).unwrap();
        assert!(admin.sees_region("son-sur") && admin.may_reveal);
        assert!(Principal::from_user(&user("coordinator", "[]"), &reveal).is_none());
        assert!(Principal::from_user(&user("root", "[]"), &reveal).is_none());
    }
}
