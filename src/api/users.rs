//! User accounts, managed by admins.

use actix_web::{HttpResponse, get, patch, post, web};
use serde::Deserialize;
use tracing_actix_web::RequestId;
use utoipa::{IntoParams, ToSchema};

use super::dto::UserDto;
use super::extract::{ApiJson, request_id, valid};
use super::pagination::{Page, PageQuery};
use crate::auth::AuthUser;
use crate::domain::access::Operation;
use crate::domain::{Name, Password, Role, Username};
use crate::error::{ApiError, Problem};
use crate::services::{
    self,
    accounts::{AccountChanges, NewAccount},
};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// 3–32 characters: a-z, 0-9, `.`, `_`, `-` (folded to lower case).
    pub username: String,
    pub display_name: String,
    /// 10–128 characters.
    pub password: String,
    pub role: Role,
    /// Required for officers, absent otherwise.
    pub court_id: Option<i64>,
    /// Required for supervisors and workers, absent otherwise.
    pub township_id: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    pub display_name: Option<String>,
    /// Sets a new password and signs the user out everywhere.
    pub password: Option<String>,
    /// `false` deactivates: no sign-in, no refresh, and the account's access tokens are refused
    /// at once.
    pub active: Option<bool>,
}

#[derive(Deserialize, IntoParams)]
pub struct UserQuery {
    pub role: Option<Role>,
    pub township_id: Option<i64>,
}

/// Create a user with a role and scope.
#[utoipa::path(tag = "users", request_body = CreateUser, security(("bearer" = [])), responses(
    (status = 201, body = UserDto),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The username is taken", body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    body: ApiJson<CreateUser>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::CreateUser)?;
    let b = body.0;
    let account = NewAccount {
        username: valid("username", Username::parse(&b.username))?,
        display_name: valid("display_name", Name::parse(&b.display_name))?,
        password: valid("password", Password::parse(&b.password))?,
        role: b.role,
        court_id: b.court_id,
        township_id: b.township_id,
    };
    let rid = request_id(&rid);
    let user = state
        .run_as(permit, rid, move |conn, caller| {
            caller.permit(Operation::CreateUser)?;
            services::accounts::create(conn, &caller.actor(), account)
        })
        .await?;
    Ok(HttpResponse::Created().json(UserDto::from(user)))
}

/// List users, optionally by role or township.
#[utoipa::path(tag = "users", params(UserQuery, PageQuery), security(("bearer" = [])), responses(
    (status = 200, body = Page<UserDto>),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    auth: AuthUser,
    filter: web::Query<UserQuery>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::ListUsers)?;
    let page = query.to_request()?;
    let (role, township_id) = (filter.role, filter.township_id);
    let rows = state
        .run_as(permit, None, move |conn, _| {
            services::accounts::list(conn, (role, township_id), page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, page, |u| u.id, UserDto::from)))
}

/// One user.
#[utoipa::path(tag = "users", params(("id" = i64, Path)), security(("bearer" = [])), responses(
    (status = 200, body = UserDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::GetUser)?;
    let id = path.into_inner();
    let user = state
        .run_as(permit, None, move |conn, _| services::accounts::get(conn, id))
        .await?;
    Ok(HttpResponse::Ok().json(UserDto::from(user)))
}

/// Change a user's display name or password, or (de)activate them.
#[utoipa::path(tag = "users", params(("id" = i64, Path)), request_body = UpdateUser, security(("bearer" = [])), responses(
    (status = 200, body = UserDto),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
#[patch("/api/v1/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    path: web::Path<i64>,
    body: ApiJson<UpdateUser>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::UpdateUser)?;
    let id = path.into_inner();
    let b = body.0;
    let changes = AccountChanges {
        display_name: b
            .display_name
            .map(|n| valid("display_name", Name::parse(&n)))
            .transpose()?,
        password: b
            .password
            .map(|p| valid("password", Password::parse(&p)))
            .transpose()?,
        active: b.active,
    };
    let rid = request_id(&rid);
    let user = state
        .run_as(permit, rid, move |conn, caller| {
            caller.permit(Operation::UpdateUser)?;
            services::accounts::update(conn, &caller.actor(), id, changes)
        })
        .await?;
    Ok(HttpResponse::Ok().json(UserDto::from(user)))
}
