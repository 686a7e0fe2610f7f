//! Partner departments and their API keys, managed by admins: create a partner, issue a key (the
//! key is shown once), list keys (never the secret), revoke one.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tracing_actix_web::RequestId;
use utoipa::ToSchema;

use super::extract::{ApiJson, request_id, valid};
use super::pagination::{Page, PageQuery};
use crate::auth::{AuthUser, api_key};
use crate::domain::access::Operation;
use crate::domain::dishonest::PartnerScope;
use crate::domain::{Name, time};
use crate::error::{ApiError, Problem};
use crate::repo::partners::{Partner, PartnerKey};
use crate::services::partners::scopes_of;
use crate::services::{self, Caller};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePartner {
    /// The department, e.g. 泰兴市行政审批局; unique.
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerDto {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueKey {
    /// What the key may do: `dishonest:check`, `dishonest:subscribe`.
    pub scopes: Vec<PartnerScope>,
    /// What the key is for, e.g. "审批系统生产环境".
    pub label: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KeyDto {
    pub id: i64,
    pub partner_id: i64,
    /// The key's public beginning (`gapk_<id>`), to tell keys apart; the secret is never shown
    /// again.
    pub prefix: String,
    pub scopes: Vec<PartnerScope>,
    pub label: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// False once revoked.
    pub active: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedKeyDto {
    /// The whole key, shown this once: the partner sends it as `Authorization: ApiKey <key>`.
    /// Only its digest is stored; a lost key is revoked and a new one issued.
    pub key: String,
    #[serde(flatten)]
    pub details: KeyDto,
}

fn partner_dto(p: Partner) -> PartnerDto {
    PartnerDto {
        id: p.id,
        name: p.name,
        created_at: time::to_utc(p.created_at),
    }
}

fn key_dto(k: PartnerKey) -> KeyDto {
    KeyDto {
        id: k.id,
        partner_id: k.partner_id,
        prefix: format!("{}{}", api_key::PREFIX, k.prefix),
        scopes: scopes_of(&k.scopes),
        label: k.label,
        created_at: time::to_utc(k.created_at),
        last_used_at: k.last_used_at.map(time::to_utc),
        active: k.revoked_at.is_none(),
        revoked_at: k.revoked_at.map(time::to_utc),
    }
}

/// Register a partner department.
#[utoipa::path(tag = "partners", request_body = CreatePartner, security(("bearer" = [])), responses(
    (status = 201, body = PartnerDto),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`name_taken`", body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/partners")]
pub async fn create_partner(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    body: ApiJson<CreatePartner>,
) -> Result<HttpResponse, ApiError> {
    auth.permit(Operation::CreatePartner)?;
    let name = valid("name", Name::parse(&body.0.name))?;
    let rid = request_id(&rid);
    let partner = state
        .db
        .run(move |conn| {
            let (caller, _) = Caller::load(conn, auth, rid)?;
            services::partners::create_partner(conn, &caller, name)
        })
        .await?;
    Ok(HttpResponse::Created().json(partner_dto(partner)))
}

/// The partner departments.
#[utoipa::path(tag = "partners", params(PageQuery), security(("bearer" = [])), responses(
    (status = 200, body = Page<PartnerDto>),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/partners")]
pub async fn list_partners(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    auth.permit(Operation::ListPartners)?;
    let page = query.to_request()?;
    let rows = state
        .db
        .run(move |conn| {
            let (caller, _) = Caller::load(conn, auth, None)?;
            services::partners::list_partners(conn, &caller, page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, page, |p| p.id, partner_dto)))
}

/// Issue an API key to a partner. The answer holds the whole key, this once.
#[utoipa::path(tag = "partners", params(("id" = i64, Path, description = "partner id")), request_body = IssueKey, security(("bearer" = [])), responses(
    (status = 201, body = IssuedKeyDto),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/partners/{id}/keys")]
pub async fn issue_key(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    path: web::Path<i64>,
    body: ApiJson<IssueKey>,
) -> Result<HttpResponse, ApiError> {
    auth.permit(Operation::IssueKey)?;
    let b = body.0;
    let label = b
        .label
        .as_deref()
        .filter(|l| !l.trim().is_empty())
        .map(|l| valid("label", Name::parse(l)))
        .transpose()?;
    let (id, rid) = (path.into_inner(), request_id(&rid));
    let (key, secret) = state
        .db
        .run(move |conn| {
            let (caller, _) = Caller::load(conn, auth, rid)?;
            services::partners::issue_key(conn, &caller, id, b.scopes, label)
        })
        .await?;
    Ok(HttpResponse::Created().json(IssuedKeyDto {
        key: secret,
        details: key_dto(key),
    }))
}

/// A partner's keys, oldest first, without their secrets.
#[utoipa::path(tag = "partners", params(("id" = i64, Path, description = "partner id")), security(("bearer" = [])), responses(
    (status = 200, body = Page<KeyDto>),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/partners/{id}/keys")]
pub async fn list_keys(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    auth.permit(Operation::ListKeys)?;
    let id = path.into_inner();
    let keys = state
        .db
        .run(move |conn| {
            let (caller, _) = Caller::load(conn, auth, None)?;
            services::partners::list_keys(conn, &caller, id)
        })
        .await?;
    // A partner holds a handful of keys: one page.
    Ok(HttpResponse::Ok().json(Page {
        items: keys.into_iter().map(key_dto).collect::<Vec<_>>(),
        next_cursor: None,
    }))
}

/// Revoke a key: it stops working at once (401), and webhook subscriptions registered with it
/// end.
#[utoipa::path(tag = "partners", params(("id" = i64, Path, description = "partner id"), ("key_id" = i64, Path)), security(("bearer" = [])), responses(
    (status = 200, body = KeyDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`invalid_transition`: already revoked", body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/partners/{id}/keys/{key_id}/revoke")]
pub async fn revoke_key(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, ApiError> {
    auth.permit(Operation::RevokeKey)?;
    let ((id, key_id), rid) = (path.into_inner(), request_id(&rid));
    let key = state
        .db
        .run(move |conn| {
            let (caller, _) = Caller::load(conn, auth, rid)?;
            services::partners::revoke_key(conn, &caller, id, key_id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(key_dto(key)))
}
