//! `GET /api/v1/me`: who the caller is, their role and scope.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::dto::{CourtDto, TownshipDto, UserDto};
use super::workers::CoveredGridDto;
use crate::auth::AuthUser;
use crate::domain::access::Operation;
use crate::error::{ApiError, Problem};
use crate::services;
use crate::state::AppState;

/// The caller's scope: the court of an officer, the township of a supervisor or worker, and the
/// grids a worker covers.
#[derive(Serialize, ToSchema)]
pub struct Scope {
    pub court: Option<CourtDto>,
    pub township: Option<TownshipDto>,
    pub grids: Vec<CoveredGridDto>,
}

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    pub user: UserDto,
    pub scope: Scope,
}

/// The signed-in user, role and scope.
#[utoipa::path(tag = "auth", security(("bearer" = [])), responses(
    (status = 200, body = MeResponse),
    (status = 401, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/me")]
pub async fn me(state: web::Data<AppState>, auth: AuthUser) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::Me)?;
    let profile = state
        .run_as(permit, None, move |conn, caller| {
            services::me::profile(conn, caller)
        })
        .await?;
    Ok(HttpResponse::Ok().json(MeResponse {
        user: profile.user.into(),
        scope: Scope {
            court: profile.court.map(CourtDto::from),
            township: profile.township.map(TownshipDto::from),
            grids: profile.grids.into_iter().map(CoveredGridDto::from).collect(),
        },
    }))
}
