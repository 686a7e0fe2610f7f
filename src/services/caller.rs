//! The caller as the database knows them now: role and scope. Loaded per request by operations
//! that depend on scope, so a deactivated account or a changed scope takes effect at once there.

use crate::auth::AuthUser;
use crate::db::DbConn;
use crate::domain::Role;
use crate::domain::access::{Operation, Scope};
use crate::error::ApiError;
use crate::repo::{self, audit::Actor, users::User};

#[derive(Debug, Clone)]
pub struct Caller {
    pub id: i64,
    pub role: Role,
    pub court_id: Option<i64>,
    pub township_id: Option<i64>,
    pub request_id: Option<String>,
    pub client_ip: Option<std::net::IpAddr>,
}

impl Caller {
    /// Load the caller; a missing or deactivated account is treated as not authenticated.
    pub fn load(
        conn: &mut DbConn,
        auth: AuthUser,
        request_id: Option<String>,
    ) -> Result<(Caller, User), ApiError> {
        let user = repo::users::find(conn, auth.id)?.ok_or(ApiError::Unauthenticated)?;
        if !user.active {
            return Err(ApiError::Unauthenticated);
        }
        let role = Role::parse(&user.role)
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("user {} has unknown role", user.id)))?;
        let caller = Caller {
            id: user.id,
            role,
            court_id: user.court_id,
            township_id: user.township_id,
            request_id,
            client_ip: auth.client_ip,
        };
        Ok((caller, user))
    }

    /// The authorization matrix's answer for the role the database holds now (the token's
    /// role may be stale): the scope granted, or 403.
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
