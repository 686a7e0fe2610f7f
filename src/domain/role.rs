//! The four roles of the system and what scope each is bound to.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A user's role. The scope that goes with it: an officer belongs to a court, a supervisor to a
/// township, a worker to a township and the grids they cover; an admin to the whole system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Officer,
    Supervisor,
    Worker,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Officer, Role::Supervisor, Role::Worker];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Officer => "officer",
            Role::Supervisor => "supervisor",
            Role::Worker => "worker",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Officers are scoped to a court.
    pub fn needs_court(self) -> bool {
        self == Role::Officer
    }

    /// Supervisors and workers are scoped to a township.
    pub fn needs_township(self) -> bool {
        matches!(self, Role::Supervisor | Role::Worker)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            assert_eq!(serde_json::to_string(&role).unwrap(), format!("\"{role}\""));
        }
        assert_eq!(Role::parse("Admin"), None);
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn each_role_has_exactly_one_kind_of_scope_except_admin() {
        assert!(!Role::Admin.needs_court() && !Role::Admin.needs_township());
        assert!(Role::Officer.needs_court() && !Role::Officer.needs_township());
        assert!(Role::Supervisor.needs_township() && !Role::Supervisor.needs_court());
        assert!(Role::Worker.needs_township() && !Role::Worker.needs_court());
    }
}
