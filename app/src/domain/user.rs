//! Users and what each role may do.

use serde::{Deserialize, Serialize};

use super::ids::UserId;

/// The account role; a closed set, checked in SQL too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountRole {
    /// Manages users, services and runbooks, and does everything a responder does.
    Admin,
    /// Declares and works incidents.
    Responder,
    /// Reads internal pages.
    Viewer,
}

impl AccountRole {
    pub const ALL: [AccountRole; 3] = [AccountRole::Admin, AccountRole::Responder, AccountRole::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            AccountRole::Admin => "admin",
            AccountRole::Responder => "responder",
            AccountRole::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether this role grants the permission.
    pub fn allows(self, permission: Permission) -> bool {
        match permission {
            Permission::ReadInternal => true,
            Permission::WorkIncidents => matches!(self, AccountRole::Admin | AccountRole::Responder),
            Permission::Administer => self == AccountRole::Admin,
        }
    }
}

/// What an action needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Permission {
    /// Read incidents, the war room, runbooks.
    ReadInternal,
    /// Declare incidents, change them, post notes.
    WorkIncidents,
    /// Manage users, services and runbooks.
    Administer,
}

/// The signed-in user as pages see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub role: AccountRole,
}

impl CurrentUser {
    pub fn can(&self, permission: Permission) -> bool {
        self.role.allows(permission)
    }
}

/// A user as listed for role assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: AccountRole,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_matrix() {
        use AccountRole::*;
        use Permission::*;
        let expect = [
            (Admin, ReadInternal, true),
            (Admin, WorkIncidents, true),
            (Admin, Administer, true),
            (Responder, ReadInternal, true),
            (Responder, WorkIncidents, true),
            (Responder, Administer, false),
            (Viewer, ReadInternal, true),
            (Viewer, WorkIncidents, false),
            (Viewer, Administer, false),
        ];
        for (role, perm, allowed) in expect {
            assert_eq!(role.allows(perm), allowed, "{role:?} {perm:?}");
        }
    }

    #[test]
    fn role_names_round_trip() {
        for r in AccountRole::ALL {
            assert_eq!(AccountRole::parse(r.as_str()), Some(r));
        }
        assert_eq!(AccountRole::parse("root"), None);
    }
}
