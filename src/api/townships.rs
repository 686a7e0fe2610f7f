//! Townships: created by admins; read by admins, by officers (their court's) and by
//! supervisors (their own).

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use tracing_actix_web::RequestId;
use utoipa::{IntoParams, ToSchema};

use super::dto::TownshipDto;
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
pub struct CreateTownship {
    /// Administrative division code, e.g. `321283101`.
    pub code: String,
    /// e.g. 黄桥镇
    pub name: String,
    /// The court whose jurisdiction it is in.
    pub court_id: i64,
}

#[derive(Deserialize, IntoParams)]
pub struct TownshipQuery {
    /// Only this court's townships.
    pub court_id: Option<i64>,
}

/// Create a township.
#[utoipa::path(tag = "organisation", request_body = CreateTownship, security(("bearer" = [])), responses(
    (status = 201, body = TownshipDto),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/townships")]
pub async fn create_township(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    body: ApiJson<CreateTownship>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::CreateTownship)?;
    let code = valid("code", Code::parse(&body.0.code))?;
    let name = valid("name", Name::parse(&body.0.name))?;
    let court_id = body.0.court_id;
    let rid = request_id(&rid);
    let township = state
        .run_as(permit, rid, move |conn, caller| {
            caller.permit(Operation::CreateTownship)?;
            services::organisation::create_township(conn, &caller.actor(), code, name, court_id)
        })
        .await?;
    state.grids.rebuild(&state.db).await?;
    Ok(HttpResponse::Created().json(TownshipDto::from(township)))
}

/// List the townships the caller may see.
#[utoipa::path(tag = "organisation", params(TownshipQuery, PageQuery), security(("bearer" = [])), responses(
    (status = 200, body = Page<TownshipDto>),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/townships")]
pub async fn list_townships(
    state: web::Data<AppState>,
    auth: AuthUser,
    filter: web::Query<TownshipQuery>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::ListTownships)?;
    let page = query.to_request()?;
    let requested_court = filter.court_id;
    let rows = state
        .run_as(permit, None, move |conn, caller| {
            services::organisation::list_townships(conn, caller, requested_court, page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, page, |t| t.id, TownshipDto::from)))
}
