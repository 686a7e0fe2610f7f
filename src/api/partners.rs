//! Partner departments and their API keys, managed by admins: create a partner, issue a key (the
//! key is shown once), list keys (never the secret) with their budgets of identities and what
//! each checked today, change a key's budgets, revoke one.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tracing_actix_web::RequestId;
use utoipa::ToSchema;

use super::extract::{ApiJson, nullable, request_id, valid};
use super::pagination::{Page, PageQuery};
use crate::auth::{AuthUser, api_key};
use crate::domain::access::Operation;
use crate::domain::dishonest::PartnerScope;
use crate::domain::partner_budget;
use crate::domain::{Name, time};
use crate::error::{ApiError, Problem};
use crate::services;
use crate::services::partners::{BudgetPatch, BudgetPolicy, KeyView, OwnBudgets, Partner, scopes_of};
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
    /// Identities the key may check per minute (1 to 1,000,000); absent or null: the server's
    /// default (`GRIDASSIST_PARTNER_IDENTITIES_PER_MINUTE`, 1,000).
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub identities_per_minute: Option<i64>,
    /// Identities the key may check per China-local day (1 to 100,000,000); absent or null: the
    /// server's default (`GRIDASSIST_PARTNER_IDENTITIES_PER_DAY`, 20,000).
    #[schema(minimum = 1, maximum = 100_000_000)]
    pub identities_per_day: Option<i64>,
}

/// A change of a key's budgets. A field left out stays as it is; `null` returns it to the
/// server's default.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateKey {
    /// Identities per minute (1 to 1,000,000), or null for the server's default.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 1_000_000)]
    pub identities_per_minute: Option<Option<i64>>,
    /// Identities per China-local day (1 to 100,000,000), or null for the server's default.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 100_000_000)]
    pub identities_per_day: Option<Option<i64>>,
}

/// What a key may check, and what it has checked today.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyBudgetDto {
    /// Identities the key may check per minute (the allowance refills continuously).
    pub identities_per_minute: i64,
    /// True when that is the server's default rather than the key's own.
    pub per_minute_is_default: bool,
    /// Identities the key may check per China-local day.
    pub identities_per_day: i64,
    /// True when that is the server's default rather than the key's own.
    pub per_day_is_default: bool,
    /// Identities the key checked today (China-local day).
    pub identities_today: i64,
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
    pub budget: KeyBudgetDto,
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

fn key_dto(view: KeyView) -> KeyDto {
    let KeyView {
        key: k,
        budgets,
        identities_today,
    } = view;
    KeyDto {
        budget: KeyBudgetDto {
            identities_per_minute: budgets.per_minute,
            per_minute_is_default: k.identities_per_minute.is_none(),
            identities_per_day: budgets.per_day,
            per_day_is_default: k.identities_per_day.is_none(),
            identities_today,
        },
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
    let permit = auth.permit(Operation::CreatePartner)?;
    let name = valid("name", Name::parse(&body.0.name))?;
    let rid = request_id(&rid);
    let partner = state
        .run_as(permit, rid, move |conn, caller| {
            services::partners::create_partner(conn, caller, name)
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
    let permit = auth.permit(Operation::ListPartners)?;
    let page = query.to_request()?;
    let rows = state
        .run_as(permit, None, move |conn, caller| {
            services::partners::list_partners(conn, caller, page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, page, |p| p.id, partner_dto)))
}

fn policy(state: &AppState) -> BudgetPolicy {
    BudgetPolicy {
        defaults: state.config.partner_budgets,
        alert_percent: state.config.partner_budget_alert_percent,
    }
}

/// A key's own budget as given (absent: the default), checked against its bounds.
fn own_budget(
    field: &str,
    raw: Option<i64>,
    parse: fn(i64) -> Result<i64, crate::domain::ValidationError>,
) -> Result<Option<i64>, ApiError> {
    raw.map(|n| valid(field, parse(n))).transpose()
}

/// Issue an API key to a partner, optionally with budgets of its own. The answer holds the whole
/// key, this once.
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
    let permit = auth.permit(Operation::IssueKey)?;
    let b = body.0;
    let label = b
        .label
        .as_deref()
        .filter(|l| !l.trim().is_empty())
        .map(|l| valid("label", Name::parse(l)))
        .transpose()?;
    let own = OwnBudgets {
        per_minute: own_budget(
            "identities_per_minute",
            b.identities_per_minute,
            partner_budget::per_minute,
        )?,
        per_day: own_budget(
            "identities_per_day",
            b.identities_per_day,
            partner_budget::per_day,
        )?,
    };
    let (id, rid, policy) = (path.into_inner(), request_id(&rid), policy(&state));
    let (key, secret) = state
        .run_as(permit, rid, move |conn, caller| {
            services::partners::issue_key(conn, caller, id, (b.scopes, label, own), &policy)
        })
        .await?;
    Ok(HttpResponse::Created().json(IssuedKeyDto {
        key: secret,
        details: key_dto(key),
    }))
}

/// A partner's keys, oldest first, without their secrets, each with its budgets and what it
/// checked today.
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
    let permit = auth.permit(Operation::ListKeys)?;
    let (id, policy) = (path.into_inner(), policy(&state));
    let keys = state
        .run_as(permit, None, move |conn, caller| {
            services::partners::list_keys(conn, caller, id, &policy)
        })
        .await?;
    // A partner holds a handful of keys: one page.
    Ok(HttpResponse::Ok().json(Page {
        items: keys.into_iter().map(key_dto).collect::<Vec<_>>(),
        next_cursor: None,
    }))
}

/// Change a key's budgets of identities per minute and per day (a field left out stays; `null`
/// returns it to the server's default). Takes effect at the key's next check, on every node.
#[utoipa::path(tag = "partners", params(("id" = i64, Path, description = "partner id"), ("key_id" = i64, Path)), request_body = UpdateKey, security(("bearer" = [])), responses(
    (status = 200, body = KeyDto),
    (status = 400, description = "A budget out of bounds, named by `field`", body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`invalid_transition`: the key is revoked", body = Problem, content_type = "application/problem+json")
))]
#[patch("/api/v1/partners/{id}/keys/{key_id}")]
pub async fn update_key(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    path: web::Path<(i64, i64)>,
    body: ApiJson<UpdateKey>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::UpdateKey)?;
    let b = body.0;
    let patch = BudgetPatch {
        per_minute: b
            .identities_per_minute
            .map(|n| own_budget("identities_per_minute", n, partner_budget::per_minute))
            .transpose()?,
        per_day: b
            .identities_per_day
            .map(|n| own_budget("identities_per_day", n, partner_budget::per_day))
            .transpose()?,
    };
    let (ids, rid, policy) = (path.into_inner(), request_id(&rid), policy(&state));
    let key = state
        .run_as(permit, rid, move |conn, caller| {
            services::partners::update_key(conn, caller, ids, patch, &policy)
        })
        .await?;
    Ok(HttpResponse::Ok().json(key_dto(key)))
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
    let permit = auth.permit(Operation::RevokeKey)?;
    let (ids, rid, policy) = (path.into_inner(), request_id(&rid), policy(&state));
    let key = state
        .run_as(permit, rid, move |conn, caller| {
            services::partners::revoke_key(conn, caller, ids, &policy)
        })
        .await?;
    Ok(HttpResponse::Ok().json(key_dto(key)))
}
