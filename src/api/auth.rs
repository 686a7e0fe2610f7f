//! Sign-in, token refresh and sign-out.

use actix_web::{HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use tracing_actix_web::RequestId;
use utoipa::ToSchema;

use super::dto::UserDto;
use super::extract::{ApiJson, request_id};
use crate::auth::AuthUser;
use crate::domain::access::Operation;
use crate::error::{ApiError, Problem};
use crate::services::{self, Actor, auth::Session};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct LogoutRequest {
    /// The refresh token of the session to end; without it, every session of the caller ends.
    pub refresh_token: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// JWT to send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Opaque; exchange at /api/v1/auth/refresh. Each one works once.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub user: UserDto,
}

impl From<Session> for TokenResponse {
    fn from(s: Session) -> TokenResponse {
        TokenResponse {
            access_token: s.access_token,
            refresh_token: s.refresh_token,
            token_type: "Bearer".into(),
            expires_in: s.expires_in,
            user: s.user.into(),
        }
    }
}

// Credentials are bounded before any hashing work is spent on them.
const MAX_CREDENTIAL_CHARS: usize = 256;

/// Sign in with a username and password.
#[utoipa::path(tag = "auth", request_body = LoginRequest, responses(
    (status = 200, body = TokenResponse),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, description = "Unknown user, wrong password or deactivated account (one answer for all)", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "too_many_attempts: too many failed sign-ins for this username or from this address; see Retry-After", body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    rid: RequestId,
    req: actix_web::HttpRequest,
    body: ApiJson<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { username, password } = body.0;
    if username.chars().count() > MAX_CREDENTIAL_CHARS || password.chars().count() > MAX_CREDENTIAL_CHARS {
        return Err(ApiError::InvalidCredentials);
    }
    let address = client_address(&req, state.config.client_ip_header.as_deref());
    let throttle = &state.login_throttle;
    if let Some(wait) = throttle.check(&username, &address, std::time::Instant::now()) {
        return Err(ApiError::TooManyAttempts(wait.as_secs().max(1)));
    }
    let st = state.clone();
    let origin = Actor {
        request_id: request_id(&rid),
        client_ip: Some(address.clone()),
        ..Actor::default()
    };
    let name = username.clone();
    let session = state
        .db
        .run(move |conn| {
            services::auth::login(
                conn,
                &st.jwt,
                st.config.refresh_token_ttl,
                &name,
                &password,
                origin,
            )
        })
        .await;
    let session = match session {
        Ok(session) => {
            throttle.succeeded(&username);
            session
        }
        Err(ApiError::InvalidCredentials) => {
            throttle.failed(&username, &address, std::time::Instant::now());
            return Err(ApiError::InvalidCredentials);
        }
        Err(other) => return Err(other),
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse::from(session)))
}

/// The client's address for throttling: see [`crate::auth::client_ip`].
pub(crate) fn client_address(req: &actix_web::HttpRequest, header: Option<&str>) -> String {
    crate::auth::client_ip(req, header).map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
}

/// Exchange a refresh token for a new access token and refresh token. The presented token is
/// spent; presenting it again revokes every token of that sign-in.
#[utoipa::path(tag = "auth", request_body = RefreshRequest, responses(
    (status = 200, body = TokenResponse),
    (status = 401, body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    rid: RequestId,
    req: actix_web::HttpRequest,
    body: ApiJson<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let token = body.0.refresh_token;
    if token.len() > MAX_CREDENTIAL_CHARS {
        return Err(ApiError::InvalidRefreshToken);
    }
    let st = state.clone();
    let origin = Actor {
        request_id: request_id(&rid),
        client_ip: crate::auth::client_ip(&req, state.config.client_ip_header.as_deref())
            .map(|ip| ip.to_string()),
        ..Actor::default()
    };
    let session = state
        .db
        .run(move |conn| services::auth::rotate(conn, &st.jwt, st.config.refresh_token_ttl, &token, origin))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(TokenResponse::from(session)))
}

/// Sign out: revoke the given refresh token's sign-in, or all of the caller's sign-ins.
/// The access token in hand stays valid until it expires (at most 15 minutes).
#[utoipa::path(tag = "auth", request_body(content = Option<LogoutRequest>, description = "Optional"), security(("bearer" = [])), responses(
    (status = 204, description = "Signed out"),
    (status = 401, body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    user: AuthUser,
    rid: RequestId,
    body: ApiJson<Option<LogoutRequest>>,
) -> Result<HttpResponse, ApiError> {
    user.permit(Operation::Logout)?;
    let request = body.0.unwrap_or_default();
    let actor = Actor {
        user_id: Some(user.id),
        role: Some(user.role.as_str().into()),
        request_id: request_id(&rid),
        client_ip: user.client_ip.map(|ip| ip.to_string()),
    };
    state
        .db
        .run(move |conn| services::auth::logout(conn, &actor, user.id, request.refresh_token.as_deref()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
