//! [`AuthUser`]: the authenticated caller, taken from `Authorization: Bearer <access token>`.
//! Handlers that take it are closed to anonymous callers; role checks are methods on it.

use std::future::{Ready, ready};
use std::net::IpAddr;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use crate::domain::Role;
use crate::domain::access::{Operation, Scope};
use crate::error::ApiError;
use crate::state::AppState;

/// The caller, as proven by a valid access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthUser {
    pub id: i64,
    pub role: Role,
    /// Where the request came from, for the audit trail.
    pub client_ip: Option<IpAddr>,
}

impl AuthUser {
    /// Admit the caller to `operation` if the authorization matrix grants their role (the
    /// scope they have is returned); any other role gets 403.
    pub fn permit(&self, operation: Operation) -> Result<Scope, ApiError> {
        operation.grant(self.role).ok_or(ApiError::Forbidden)
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Ready<Result<AuthUser, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

fn authenticate(req: &HttpRequest) -> Result<AuthUser, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("application state missing")))?;
    let header = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(ApiError::Unauthenticated)?;
    let (scheme, token) = header.split_once(' ').ok_or(ApiError::Unauthenticated)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::Unauthenticated);
    }
    let claims = state.jwt.verify(token.trim()).ok_or(ApiError::Unauthenticated)?;
    let id = claims.sub.parse::<i64>().map_err(|_| ApiError::Unauthenticated)?;
    Ok(AuthUser {
        id,
        role: claims.role,
        client_ip: client_ip(req, state.config.client_ip_header.as_deref()),
    })
}

/// The client's address: from the configured proxy header (the right-most `X-Forwarded-For`
/// entry, the one our own proxy added), else the TCP peer. A header value that is not an IP
/// address is ignored rather than trusted as text.
pub fn client_ip(req: &HttpRequest, header: Option<&str>) -> Option<IpAddr> {
    header
        .and_then(|h| req.headers().get(h))
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|v| v.trim().parse::<IpAddr>().ok())
        .or_else(|| req.peer_addr().map(|a| a.ip()))
}
