//! Applicants following their case: officers issue, re-issue and revoke a case's access code
//! (`/api/v1/cases/{id}/access-code`), and the applicant reads the case's progress with it,
//! without an account (`GET /api/v1/public/cases/{code}/progress`), within per-address rate
//! limits. The code is in the path, so request logs show the route pattern instead of the path.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use tracing_actix_web::RequestId;
use utoipa::ToSchema;

use super::extract::request_id;
use super::idempotency::NotReplayable;
use crate::auth::AuthUser;
use crate::domain::access::Operation;
use crate::domain::time;
use crate::error::{ApiError, Problem};
use crate::services;
use crate::services::access_codes::AccessCode;
use crate::services::progress::CaseProgress;
use crate::state::AppState;

/// A newly issued access code. The code is shown this once; only its digest is kept.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedAccessCode {
    pub case_id: i64,
    /// Hand this to the applicant (e.g. `K7QF-3MZT-W9HC-2RDP`): it opens
    /// `GET /api/v1/public/cases/{code}/progress`. Case, spaces and dashes do not matter when
    /// typed.
    pub code: String,
    pub issued_at: DateTime<Utc>,
    pub issued_by: i64,
    /// The previous code, now revoked, if there was one.
    pub replaced: bool,
}

/// The state of a case's access code, never the code itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessCodeState {
    pub case_id: i64,
    /// Whether the case has a live code.
    pub active: bool,
    /// The latest code's issue (absent when none was ever issued).
    pub issued_at: Option<DateTime<Utc>>,
    pub issued_by: Option<i64>,
    /// Set when the latest code was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<i64>,
}

fn state_dto(case_id: i64, latest: Option<AccessCode>) -> AccessCodeState {
    AccessCodeState {
        case_id,
        active: latest.as_ref().is_some_and(|c| c.revoked_at.is_none()),
        issued_at: latest.as_ref().map(|c| time::to_utc(c.issued_at)),
        issued_by: latest.as_ref().map(|c| c.issued_by),
        revoked_at: latest.as_ref().and_then(|c| c.revoked_at).map(time::to_utc),
        revoked_by: latest.and_then(|c| c.revoked_by),
    }
}

/// Issue an access code for the case's applicant (officers of the case's court, admins). Any
/// earlier code of the case stops working. The answer is the only place the code appears: it is
/// not stored, and an `Idempotency-Key` retry issues a fresh code rather than replaying this one.
#[utoipa::path(tag = "applicants", params(("id" = i64, Path)), security(("bearer" = [])), responses(
    (status = 201, body = IssuedAccessCode),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such case in your court", body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/cases/{id}/access-code")]
pub async fn issue_access_code(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::IssueAccessCode)?;
    let id = path.into_inner();
    let rid = request_id(&rid);
    let issued = state
        .run_as(permit, rid, move |conn, caller| {
            services::access_codes::issue(conn, caller, id)
        })
        .await?;
    let mut response = HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(IssuedAccessCode {
            case_id: issued.record.case_id,
            code: issued.code,
            issued_at: time::to_utc(issued.record.issued_at),
            issued_by: issued.record.issued_by,
            replaced: issued.replaced,
        });
    response.extensions_mut().insert(NotReplayable);
    Ok(response)
}

/// Whether the case has a live access code, and who issued or revoked the latest (never the
/// code: it cannot be shown again, only replaced).
#[utoipa::path(tag = "applicants", params(("id" = i64, Path)), security(("bearer" = [])), responses(
    (status = 200, body = AccessCodeState),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/cases/{id}/access-code")]
pub async fn access_code_state(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::AccessCodeState)?;
    let id = path.into_inner();
    let latest = state
        .run_as(permit, None, move |conn, caller| {
            services::access_codes::latest(conn, caller, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(state_dto(id, latest)))
}

/// Revoke the case's access code: it stops working at once. 404 when the case has no live code.
#[utoipa::path(tag = "applicants", params(("id" = i64, Path)), security(("bearer" = [])), responses(
    (status = 204, description = "Revoked"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such case in your court, or no live code", body = Problem, content_type = "application/problem+json")
))]
#[delete("/api/v1/cases/{id}/access-code")]
pub async fn revoke_access_code(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::RevokeAccessCode)?;
    let id = path.into_inner();
    let rid = request_id(&rid);
    state
        .run_as(permit, rid, move |conn, caller| {
            services::access_codes::revoke(conn, caller, id)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The progress of a case, for its applicant: no account, the access code the court gave them.
/// Shows the case's number, court and status, its grid workers' tasks (kind, coarse status,
/// dates, the approved result in one word) and a dated timeline — never who did the work, where,
/// evidence, instructions or the debtor's personal data. An unknown, revoked or malformed code is
/// `404` (one answer for all). Per client address, too many failed look-ups (10) or look-ups in
/// all (60) within 15 minutes are `429 too_many_attempts` with `Retry-After`. Every read is
/// audited.
#[utoipa::path(tag = "applicants", params(("code" = String, Path, description = "The access code, e.g. K7QF-3MZT-W9HC-2RDP")), responses(
    (status = 200, body = CaseProgress),
    (status = 404, description = "No case has this live code", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "too_many_attempts: too many look-ups from this address; see Retry-After", body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/public/cases/{code}/progress")]
pub async fn case_progress(
    state: web::Data<AppState>,
    req: HttpRequest,
    rid: RequestId,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let address = super::auth::client_address(&req, state.config.client_ip_header.as_deref());
    let throttle = &state.progress_throttle;
    throttle
        .admit(&address, std::time::Instant::now())
        .map_err(|wait| ApiError::TooManyLookups(wait.as_secs().max(1)))?;
    let code = path.into_inner();
    let rid = request_id(&rid);
    let found = state
        .db
        .run({
            let origin = (rid, Some(address.clone()));
            move |conn| services::progress::by_code(conn, &code, origin)
        })
        .await?;
    match found {
        Some(progress) => Ok(HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(progress)),
        None => {
            throttle.failed(&address, std::time::Instant::now());
            Err(ApiError::NotFound("case"))
        }
    }
}
