//! The audit trail for admins: `GET /api/v1/audit-events` and `POST /api/v1/audit-events/verify`.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tracing_actix_web::RequestId;
use utoipa::{IntoParams, ToSchema};

use super::extract::request_id;
use super::pagination::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::auth::AuthUser;
use crate::domain::access::Operation;
use crate::domain::time;
use crate::error::{ApiError, Problem};
use crate::services;
use crate::services::audit::{AuditEvent, Verification};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// e.g. `task`, `user`, `case`.
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    /// e.g. `task.party_read`, `user.create`.
    pub action: Option<String>,
    /// Rows with a smaller id (the previous page's `next_before`).
    pub before: Option<i64>,
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventDto {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor_role: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub request_id: Option<String>,
    /// The client's address (the TCP peer, or the configured proxy header).
    pub client_ip: Option<String>,
    /// Why personal data was read: the task or case it served, e.g. `task:42`.
    pub purpose: Option<String>,
    /// The personal fields a read exposed, e.g. `party.id_number`.
    pub fields: Option<Vec<String>>,
    pub detail: Option<serde_json::Value>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    /// Newest first.
    pub items: Vec<AuditEventDto>,
    /// Pass as `before` for older rows; absent on the last page.
    pub next_before: Option<i64>,
}

fn dto(e: AuditEvent) -> AuditEventDto {
    AuditEventDto {
        id: e.id,
        occurred_at: time::to_utc(e.occurred_at),
        actor_id: e.actor_id,
        actor_role: e.actor_role,
        action: e.action,
        object_type: e.object_type,
        object_id: e.object_id,
        request_id: e.request_id,
        client_ip: e.client_ip,
        purpose: e.purpose,
        fields: e.fields.and_then(|f| serde_json::from_str(&f).ok()),
        detail: e.detail.and_then(|d| serde_json::from_str(&d).ok()),
        prev_hash: e.prev_hash,
        hash: e.hash,
    }
}

/// The audit trail, newest first (admins).
#[utoipa::path(tag = "audit", params(AuditQuery), security(("bearer" = [])), responses(
    (status = 200, body = AuditPage),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/audit-events")]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::ListAuditEvents)?;
    let q = query.into_inner();
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let rows = state
        .run_as(permit, None, move |conn, caller| {
            let filter = (
                q.object_type.as_deref(),
                q.object_id.as_deref(),
                q.action.as_deref(),
            );
            services::audit::list(conn, caller, filter, q.before, i64::from(limit) + 1)
        })
        .await?;
    let more = rows.len() > limit as usize;
    let items: Vec<AuditEventDto> = rows.into_iter().take(limit as usize).map(dto).collect();
    let next_before = if more { items.last().map(|e| e.id) } else { None };
    Ok(HttpResponse::Ok().json(AuditPage { items, next_before }))
}

/// Walk the audit trail's keyed hash chain, compare it with the signed checkpoints kept outside
/// the database, and report the first broken link (admins). A trail that verifies is
/// checkpointed. Rows cut from the end since the last checkpoint are reported as `truncated`.
#[utoipa::path(tag = "audit", security(("bearer" = [])), responses(
    (status = 200, body = Verification),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/audit-events/verify")]
pub async fn verify_audit_events(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::VerifyAuditEvents)?;
    let rid = request_id(&rid);
    let checkpoints = state.audit_checkpoints.clone();
    let report = state
        .run_as(permit, rid, move |conn, caller| {
            services::audit::verify(conn, caller, &checkpoints)
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}
