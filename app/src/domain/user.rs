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

/// Why a sign-in sent from the plain (script-less) form failed, as the login page's
/// address carries it back (`/login?error=locked`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInProblem {
    /// Too many failed attempts for the email: it is locked for a while.
    Locked,
    /// A wrong password or an unknown email (the same answer for both).
    Refused,
}

impl SignInProblem {
    pub fn as_str(self) -> &'static str {
        match self {
            SignInProblem::Locked => "locked",
            SignInProblem::Refused => "failed",
        }
    }

    /// Any other value reads as a refusal: the page never says more than that.
    pub fn parse(s: &str) -> SignInProblem {
        if s == SignInProblem::Locked.as_str() {
            SignInProblem::Locked
        } else {
            SignInProblem::Refused
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            SignInProblem::Locked => "Too many sign-in attempts for this email. Try again in 15 minutes.",
            SignInProblem::Refused => "Wrong email or password.",
        }
    }
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
    fn sign_in_problems_round_trip_and_say_no_more_than_refused() {
        for p in [SignInProblem::Locked, SignInProblem::Refused] {
            assert_eq!(SignInProblem::parse(p.as_str()), p);
        }
        assert_eq!(SignInProblem::parse("no-such-user"), SignInProblem::Refused);
        assert_eq!(SignInProblem::Refused.message(), "Wrong email or password.");
    }

    #[test]
    fn role_names_round_trip() {
        for r in AccountRole::ALL {
            assert_eq!(AccountRole::parse(r.as_str()), Some(r));
        }
        assert_eq!(AccountRole::parse("root"), None);
    }
}
