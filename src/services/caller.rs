//! The caller as the database knows them now: role and scope. Loaded per request by operations
//! that depend on scope, so a deactivated account or a changed scope takes effect at once there.

use crate::auth::Permit;
use crate::db::DbConn;
use crate::domain::Role;
use crate::domain::access::{Operation, Scope};
use crate::error::ApiError;
use crate::repo::{self, audit::Actor, users::User};

#[derive(Debug, Clone)]
pub struct Caller {
    pub id: i64,
    pub role: Role,
    /// What the authorization matrix grants this caller for the operation at hand: services
    /// read it from here rather than working it out again.
    pub scope: Scope,
    pub court_id: Option<i64>,
    pub township_id: Option<i64>,
    pub request_id: Option<String>,
    pub client_ip: Option<std::net::IpAddr>,
}

impl Caller {
    /// Load the caller admitted by `permit`: the account as the database holds it now (a missing
    /// or deactivated account is not authenticated), judged again by the matrix for the role it
    /// holds now, with the scope granted.
    pub fn load(conn: &mut DbConn, permit: Permit, request_id: Option<String>) -> Result<Caller, ApiError> {
        let user = repo::users::find(conn, permit.auth.id)?.ok_or(ApiError::Unauthenticated)?;
        if !user.active {
            return Err(ApiError::Unauthenticated);
        }
        let role = user.role;
        if role != permit.auth.role {
            return Err(ApiError::Unauthenticated);
        }
        let scope = permit.operation.grant(role).ok_or(ApiError::Forbidden)?;
        Ok(Caller {
            id: user.id,
            role,
            scope,
            court_id: user.court_id,
            township_id: user.township_id,
            request_id,
            client_ip: permit.auth.client_ip,
        })
    }

    /// The authorization matrix's answer for another operation the same caller's request
    /// performs: the scope granted, or 403.
    pub fn permit(&self, operation: Operation) -> Result<Scope, ApiError> {
        operation.grant(self.role).ok_or(ApiError::Forbidden)
    }

    /// The audit identity of this caller.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.id),
            role: Some(self.role.as_str().to_owned()),
            request_id: self.request_id.clone(),
            client_ip: self.client_ip.map(|ip| ip.to_string()),
        }
    }
}

/// An object a list filter (or a batch's scope) names by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    Court(i64),
    Township(i64),
    Grid(i64),
    Worker(i64),
    Case(i64),
}

impl Caller {
    /// A filter may name only objects within the caller's granted scope: `All` any; `Court` those
    /// of the caller's court; `Township` their township and what lies in it (and cases of its
    /// court); `Own` themself and their own township. Anything else — another court's, or no
    /// object at all — is 403, never a silently empty list: the caller learns the filter was
    /// refused, and a missing id answers exactly as another court's does.
    pub fn check_named(&self, conn: &mut DbConn, named: Named) -> Result<(), ApiError> {
        if self.scope == Scope::All {
            return Ok(());
        }
        let own_court = match (self.court_id, self.township_id) {
            (Some(court), _) => Some(court),
            (None, Some(township)) => repo::townships::find(conn, township)?.map(|t| t.court_id),
            (None, None) => None,
        };
        let township_court = |conn: &mut DbConn, township: i64| -> Result<Option<i64>, ApiError> {
            Ok(repo::townships::find(conn, township)?.map(|t| t.court_id))
        };
        // Where the named object sits: its court, and its township when it has one.
        let (court, township) = match named {
            Named::Court(id) => (repo::courts::find(conn, id)?.map(|c| c.id), None),
            Named::Township(id) => (township_court(conn, id)?, Some(id)),
            Named::Grid(id) => match repo::grids::find(conn, id)? {
                Some(grid) => (township_court(conn, grid.township_id)?, Some(grid.township_id)),
                None => (None, None),
            },
            Named::Worker(id) => match repo::users::find(conn, id)?.filter(|u| u.role == Role::Worker) {
                Some(User {
                    township_id: Some(t), ..
                }) => (township_court(conn, t)?, Some(t)),
                _ => (None, None),
            },
            Named::Case(id) => (repo::cases::find(conn, id)?.map(|c| c.court_id), None),
        };
        let same_court = court.is_some() && court == own_court;
        let in_own_township = same_court && township.is_some() && township == self.township_id;
        let allowed = match (self.scope, named) {
            (Scope::All, _) => true,
            (Scope::Court, _) => same_court,
            (Scope::Township | Scope::Own, Named::Court(_) | Named::Case(_)) => same_court,
            (Scope::Township, _) => in_own_township,
            (Scope::Own, Named::Worker(id)) => id == self.id,
            (Scope::Own, _) => in_own_township,
            (Scope::Unscoped, _) => false,
        };
        if allowed { Ok(()) } else { Err(ApiError::Forbidden) }
    }
}
