//! Courts: created and listed by admins.

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use tracing_actix_web::RequestId;
use utoipa::ToSchema;

use super::dto::CourtDto;
use super::extract::{ApiJson, request_id, valid};
use super::pagination::{Page, PageQuery};
use crate::auth::AuthUser;
use crate::domain::access::Operation;
use crate::domain::{Code, Name};
use crate::error::{ApiError, Problem};
use crate::services;
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCourt {
    /// Stable code, e.g. `JS1283`.
    pub code: String,
    /// e.g. 泰兴市人民法院
    pub name: String,
}

/// Create a court.
#[utoipa::path(tag = "organisation", request_body = CreateCourt, security(("bearer" = [])), responses(
    (status = 201, body = CourtDto),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The code is taken", body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/courts")]
pub async fn create_court(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    body: ApiJson<CreateCourt>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::CreateCourt)?;
    let code = valid("code", Code::parse(&body.0.code))?;
    let name = valid("name", Name::parse(&body.0.name))?;
    let rid = request_id(&rid);
    let court = state
        .run_as(permit, rid, move |conn, caller| {
            caller.permit(Operation::CreateCourt)?;
            services::organisation::create_court(conn, &caller.actor(), code, name)
        })
        .await?;
    Ok(HttpResponse::Created().json(CourtDto::from(court)))
}

/// List courts.
#[utoipa::path(tag = "organisation", params(PageQuery), security(("bearer" = [])), responses(
    (status = 200, body = Page<CourtDto>),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/courts")]
pub async fn list_courts(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::ListCourts)?;
    let page = query.to_request()?;
    let rows = state
        .run_as(permit, None, move |conn, _| {
            services::organisation::list_courts(conn, page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, page, |c| c.id, CourtDto::from)))
}
