//! `POST /api/v1/tasks/{id}/check-ins`: the assignee's GPS fix at the target, from a phone that
//! may retry; `GET` the same path: the task's check-ins with their points, for the officers of
//! the task's court (drawn on the task's map beside the target).

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tracing_actix_web::RequestId;
use utoipa::ToSchema;

use super::extract::{ApiJson, request_id};
use crate::auth::AuthUser;
use crate::domain::access::Operation;
use crate::domain::task_state::TaskStatus;
use crate::domain::time;
use crate::error::{ApiError, Problem};
use crate::geo::{Crs, validate_point};
use crate::services;
use crate::services::check_ins::{CheckIn, CheckInInput, Recorded};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCheckIn {
    /// The phone's own id for this check-in (1–64 characters); a retry sends the same one.
    /// May be given as the `Idempotency-Key` header instead.
    pub client_id: Option<String>,
    pub lat: f64,
    pub lon: f64,
    /// `wgs84` (default), `gcj02` (Amap, Tencent) or `bd09` (Baidu).
    pub crs: Option<Crs>,
    /// The phone's accuracy estimate, metres.
    pub accuracy_m: f64,
    /// When the phone took the fix (its own clock).
    pub captured_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckInDto {
    pub id: i64,
    pub task_id: i64,
    pub client_id: String,
    /// WGS-84.
    pub lat: f64,
    pub lon: f64,
    /// The system the phone reported in.
    pub crs_given: String,
    pub accuracy_m: f64,
    pub captured_at: DateTime<Utc>,
    /// The server's time of receipt.
    pub received_at: DateTime<Utc>,
    /// Metres from the task's target, when it has a point.
    pub distance_m: Option<f64>,
    /// `far_from_target`, `poor_accuracy`, `clock_skew`, `before_assignment`.
    pub flags: Vec<String>,
    /// The task's status after this check-in.
    pub task_status: TaskStatus,
}

/// One check-in as the task's court sees it: where and when, how far from the target, its flags.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckInPointDto {
    pub id: i64,
    /// The worker who checked in.
    pub worker_id: i64,
    /// WGS-84.
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
    pub captured_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    /// Metres from the task's target, when it had a point.
    pub distance_m: Option<f64>,
    /// `far_from_target`, `poor_accuracy`, `clock_skew`, `before_assignment`.
    pub flags: Vec<String>,
}

/// The task's check-ins with their points, oldest first: officers of the task's court only
/// (403 for every other role; 404 for another court's task). Each read
/// is recorded in the audit log.
#[utoipa::path(tag = "tasks", params(("id" = i64, Path)), security(("bearer" = [])), responses(
    (status = 200, body = Vec<CheckInPointDto>),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/tasks/{id}/check-ins")]
pub async fn list_check_ins(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::ListCheckIns)?;
    let task_id = path.into_inner();
    let rows = state
        .run_as(permit, request_id(&rid), move |conn, caller| {
            services::check_ins::list(conn, caller, task_id)
        })
        .await?;
    let body: Vec<CheckInPointDto> = rows
        .into_iter()
        .map(|c| CheckInPointDto {
            id: c.id,
            worker_id: c.worker_id,
            lat: c.lat,
            lon: c.lon,
            accuracy_m: c.accuracy_m,
            captured_at: time::to_utc(c.captured_at),
            received_at: time::to_utc(c.received_at),
            distance_m: c.distance_m,
            flags: serde_json::from_str(&c.flags).unwrap_or_default(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(body))
}

fn dto(c: CheckIn, task_status: TaskStatus) -> CheckInDto {
    CheckInDto {
        id: c.id,
        task_id: c.task_id,
        client_id: c.client_id,
        lat: c.lat,
        lon: c.lon,
        crs_given: c.crs_given,
        accuracy_m: c.accuracy_m,
        captured_at: time::to_utc(c.captured_at),
        received_at: time::to_utc(c.received_at),
        distance_m: c.distance_m,
        flags: serde_json::from_str(&c.flags).unwrap_or_default(),
        task_status,
    }
}

/// Record a check-in at the task's target. The first one starts the work (accepted → in
/// progress). A retry with the same client id answers 200 with the check-in already recorded
/// and records nothing new; the same id with a different body is 422 `idempotency_conflict`.
#[utoipa::path(tag = "tasks", params(("id" = i64, Path)), request_body = NewCheckIn, security(("bearer" = [])), responses(
    (status = 201, body = CheckInDto),
    (status = 200, description = "A replay of a check-in already recorded", body = CheckInDto),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "invalid_transition (e.g. not accepted yet)", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "idempotency_conflict", body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/tasks/{id}/check-ins")]
pub async fn create_check_in(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ApiJson<NewCheckIn>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::CreateCheckIn)?;
    let task_id = path.into_inner();
    let b = body.0;
    let client_id = super::extract::client_id(b.client_id.clone(), &req)?.ok_or_else(|| {
        ApiError::invalid(
            "client_id",
            "give 1–64 characters here or as the Idempotency-Key header",
        )
    })?;
    let raw = validate_point(b.lat, b.lon).map_err(|e| {
        let field = if b.lat.is_finite() && (-90.0..=90.0).contains(&b.lat) {
            "lon"
        } else {
            "lat"
        };
        ApiError::invalid(field, e.to_string())
    })?;
    if !b.accuracy_m.is_finite() || !(0.0..=100_000.0).contains(&b.accuracy_m) {
        return Err(ApiError::invalid(
            "accuracy_m",
            "must be a number of metres from 0 to 100000",
        ));
    }
    let crs = b.crs.unwrap_or_default();
    let digest = hex::encode(Sha256::digest(
        format!(
            "{task_id}|{}|{}|{crs}|{}|{}",
            b.lat,
            b.lon,
            b.accuracy_m,
            b.captured_at.to_rfc3339()
        )
        .as_bytes(),
    ));
    let input = CheckInInput {
        client_id,
        point: crs.to_wgs84(raw),
        crs,
        accuracy_m: b.accuracy_m,
        captured_at: b.captured_at.naive_utc(),
        digest,
    };
    let radius = state.config.checkin_radius_m;
    let rid = request_id(&rid);
    let recorded = state
        .run_as(permit, rid, move |conn, caller| {
            services::check_ins::record(conn, caller, radius, task_id, input)
        })
        .await?;
    Ok(match recorded {
        Recorded::Created(c, status) => HttpResponse::Created().json(dto(c, status)),
        Recorded::Replayed(c, status) => HttpResponse::Ok().json(dto(c, status)),
    })
}
