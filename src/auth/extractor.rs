//! [`AuthUser`]: the authenticated caller, taken from `Authorization: Bearer <access token>`
//! and checked against the account as the database holds it now. Handlers that take it are
//! closed to anonymous callers; role checks are methods on it.

use std::net::IpAddr;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::future::LocalBoxFuture;

use crate::domain::Role;
use crate::domain::access::{Operation, Scope};
use crate::error::ApiError;
use crate::state::AppState;

/// The caller, as proven by a valid access token whose account is active and still holds the
/// role the token names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthUser {
    pub id: i64,
    /// The account's current role (equal to the token's: a token whose role the account no
    /// longer holds is refused).
    pub role: Role,
    /// Where the request came from, for the audit trail.
    pub client_ip: Option<IpAddr>,
}

impl AuthUser {
    /// Admit the caller to `operation` if the authorization matrix grants their role; any other
    /// role gets 403 before anything else is looked at. The permit is then handed to
    /// `AppState::run_as`, which loads the caller with the scope granted.
    pub fn permit(&self, operation: Operation) -> Result<Permit, ApiError> {
        let scope = operation.grant(self.role).ok_or(ApiError::Forbidden)?;
        Ok(Permit {
            auth: *self,
            operation,
            scope,
        })
    }
}

/// A caller admitted to one operation by the authorization matrix, with the scope it grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Permit {
    pub auth: AuthUser,
    pub operation: Operation,
    pub scope: Scope,
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<AuthUser, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let token = verify_token(req);
        let db = req.app_data::<web::Data<AppState>>().map(|s| s.db.clone());
        Box::pin(async move {
            let (claimed, db) = (token?, db.ok_or_else(state_missing)?);
            check_account(&db, claimed).await
        })
    }
}

fn state_missing() -> ApiError {
    ApiError::internal(anyhow::anyhow!("application state missing"))
}

/// The account decides, not the token: a deactivated, deleted or re-roled account's tokens stop
/// working at once, on every operation (a token lives 15 minutes; waiting that out after a
/// dismissal or a demotion is too long for court data).
async fn check_account(db: &crate::db::Db, claimed: AuthUser) -> Result<AuthUser, ApiError> {
    let account = db
        .run(move |conn| crate::repo::users::find(conn, claimed.id).map_err(crate::db::DbError::from))
        .await
        .map_err(ApiError::from)?;
    match account {
        Some(user) if user.active && user.role == claimed.role => Ok(claimed),
        _ => Err(ApiError::Unauthenticated),
    }
}

/// The token's claims, if the token is valid; the account is checked afterwards.
fn verify_token(req: &HttpRequest) -> Result<AuthUser, ApiError> {
    let state = req.app_data::<web::Data<AppState>>().ok_or_else(state_missing)?;
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
