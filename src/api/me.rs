//! `GET /api/v1/me`: who the caller is, their role and scope.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::dto::{CourtDto, TownshipDto, UserDto};
use super::workers::CoveredGridDto;
use crate::auth::AuthUser;
use crate::domain::access::Operation;
use crate::error::{ApiError, Problem};
use crate::repo;
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
    let response = state
        .run_as(
            permit,
            None,
            move |conn, caller| -> Result<MeResponse, ApiError> {
                let user = repo::users::find(conn, caller.id)?.ok_or(ApiError::Unauthenticated)?;
                let court = match caller.court_id {
                    Some(id) => repo::courts::find(conn, id)?.map(CourtDto::from),
                    None => None,
                };
                let township = match caller.township_id {
                    Some(id) => repo::townships::find(conn, id)?.map(TownshipDto::from),
                    None => None,
                };
                let grids = repo::workers::covered_grids(conn, caller.id)?
                    .into_iter()
                    .map(CoveredGridDto::from)
                    .collect();
                Ok(MeResponse {
                    user: user.into(),
                    scope: Scope {
                        court,
                        township,
                        grids,
                    },
                })
            },
        )
        .await?;
    Ok(HttpResponse::Ok().json(response))
}
