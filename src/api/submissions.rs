//! Results and review: `POST /tasks/{id}/submission` (the assignee's typed result),
//! `GET /tasks/{id}/submissions`, `POST /tasks/{id}/review` (approve with a rating, or return for
//! rework with reasons), and the outcome the officer records afterwards
//! (`POST`/`GET /tasks/{id}/outcome`).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tracing_actix_web::RequestId;
use utoipa::ToSchema;

use super::extract::{ApiJson, client_id, request_id};
use super::tasks::{TaskDto, if_match, respond, task_dto};
use crate::auth::AuthUser;
use crate::domain::access::Operation;
use crate::domain::names::refused_char;
use crate::domain::time;
use crate::error::{ApiError, Problem};
use crate::services;
use crate::services::submissions::{
    Decision, Outcome, OutcomeInput, ReturnReason, Submission, SubmitInput, Submitted,
};
use crate::services::tasks::View;
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSubmission {
    /// The phone's own id for this submission (1–64 characters); a retry sends the same one.
    /// May be given as the `Idempotency-Key` header instead.
    pub client_id: Option<String>,
    /// The typed result: an object whose `kind` is the task's kind, with that kind's fields
    /// (see `TaskResult`). Evidence is referenced by the ids of items uploaded for the task.
    #[schema(value_type = crate::domain::submission::TaskResult)]
    pub result: serde_json::Value,
    /// Up to 2,000 characters.
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewDto {
    /// `approved` or `returned`.
    pub decision: String,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<DateTime<Utc>>,
    /// 1–5, on approval.
    pub rating: Option<i32>,
    /// Why it was returned.
    pub reasons: Vec<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionDto {
    pub id: i64,
    pub task_id: i64,
    pub worker_id: i64,
    pub client_id: String,
    #[schema(value_type = crate::domain::submission::TaskResult)]
    pub result: serde_json::Value,
    pub note: Option<String>,
    pub submitted_at: DateTime<Utc>,
    /// Absent while the result awaits review.
    pub review: Option<ReviewDto>,
}

pub fn submission_dto(s: Submission) -> SubmissionDto {
    let review = s.decision.map(|decision| ReviewDto {
        decision: decision.as_str().to_owned(),
        reviewed_by: s.reviewed_by,
        reviewed_at: s.reviewed_at.map(time::to_utc),
        rating: s.rating,
        reasons: s
            .return_reasons
            .and_then(|r| serde_json::from_str(&r).ok())
            .unwrap_or_default(),
        comment: s.review_comment,
    });
    SubmissionDto {
        id: s.id,
        task_id: s.task_id,
        worker_id: s.worker_id,
        client_id: s.client_id,
        result: serde_json::from_str(&s.result).unwrap_or(serde_json::Value::Null),
        note: s.note,
        submitted_at: time::to_utc(s.submitted_at),
        review,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubmittedTask {
    pub submission: SubmissionDto,
    pub task: TaskDto,
}

fn text_checked(field: &str, text: Option<String>, max: usize) -> Result<Option<String>, ApiError> {
    match text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) {
        Some(t) if t.chars().count() > max || t.chars().any(|c| refused_char(c, true)) => {
            Err(ApiError::invalid(
                field,
                format!(
                    "at most {max} characters, no control characters but line breaks, no bidirectional overrides"
                ),
            ))
        }
        other => Ok(other),
    }
}

/// The assignee submits the task's result. Allowed after a check-in (in progress) or after a
/// return for rework. A retry with the same client id answers 200 with the first submission and
/// records nothing new; the same id with different content is 422 `idempotency_conflict`.
#[utoipa::path(tag = "results", params(("id" = i64, Path)), request_body = NewSubmission, security(("bearer" = [])), responses(
    (status = 201, body = SubmittedTask),
    (status = 200, description = "A replay of a submission already recorded", body = SubmittedTask),
    (status = 400, description = "The result is invalid; `field` names where", body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "invalid_transition (e.g. no check-in yet)", body = Problem, content_type = "application/problem+json"),
    (status = 412, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "idempotency_conflict", body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/tasks/{id}/submission")]
pub async fn submit_result(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ApiJson<NewSubmission>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::SubmitResult)?;
    let (id, version, rid) = (path.into_inner(), if_match(&req)?, request_id(&rid));
    let b = body.0;
    let client_id = client_id(b.client_id, &req)?.ok_or_else(|| {
        ApiError::invalid(
            "client_id",
            "give 1–64 characters here or as the Idempotency-Key header",
        )
    })?;
    let input = SubmitInput {
        client_id,
        result: b.result,
        note: text_checked("note", b.note, 2000)?,
    };
    let (status, submission, task) = state
        .run_as(permit, rid, move |conn, caller| {
            Ok::<_, ApiError>(
                match services::submissions::submit(conn, caller, id, input, version)? {
                    Submitted::Created(s, t) => (StatusCode::CREATED, s, t),
                    Submitted::Replayed(s, t) => (StatusCode::OK, s, t),
                },
            )
        })
        .await?;
    let dto = task_dto(task, None, View::Worker);
    Ok(respond(
        status,
        &dto,
        SubmittedTask {
            submission: submission_dto(submission),
            task: dto.clone(),
        },
    ))
}

/// A task's submissions, oldest first, each with its review.
#[utoipa::path(tag = "results", params(("id" = i64, Path)), security(("bearer" = [])), responses(
    (status = 200, body = Vec<SubmissionDto>),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/tasks/{id}/submissions")]
pub async fn list_submissions(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::ListSubmissions)?;
    let id = path.into_inner();
    let rows = state
        .run_as(permit, None, move |conn, caller| {
            services::submissions::list(conn, caller, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(submission_dto).collect::<Vec<_>>()))
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    Approve,
    /// Send it back to the worker for rework (`return` is accepted as a synonym).
    #[serde(alias = "return")]
    Reject,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReview {
    pub decision: ReviewDecision,
    /// Quality of the work, 1–5; required to approve, not allowed when rejecting.
    pub rating: Option<u8>,
    /// Why the result goes back for rework; at least one when rejecting.
    #[serde(default)]
    pub reasons: Vec<ReturnReason>,
    /// Up to 1,000 characters; required with the reason `other`.
    pub comment: Option<String>,
}

/// The court's officer reviews the submitted result: approve (with a rating 1–5) or reject it,
/// which returns it to the worker for rework (with reasons, shown on the worker's phone). `If-Match` optional.
#[utoipa::path(tag = "results", params(("id" = i64, Path)), request_body = NewReview, security(("bearer" = [])), responses(
    (status = 200, body = SubmittedTask),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "invalid_transition (nothing awaits review)", body = Problem, content_type = "application/problem+json"),
    (status = 412, body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/tasks/{id}/review")]
pub async fn review_result(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ApiJson<NewReview>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::ReviewResult)?;
    let (id, version, rid) = (path.into_inner(), if_match(&req)?, request_id(&rid));
    let b = body.0;
    let comment = text_checked("comment", b.comment, 1000)?;
    let decision = match b.decision {
        ReviewDecision::Approve => {
            if !b.reasons.is_empty() {
                return Err(ApiError::invalid("reasons", "only given when rejecting a result"));
            }
            let rating = b
                .rating
                .ok_or_else(|| ApiError::invalid("rating", "rate the work from 1 to 5 to approve it"))?;
            Decision::Approve { rating, comment }
        }
        ReviewDecision::Reject => {
            if b.rating.is_some() {
                return Err(ApiError::invalid("rating", "only given when approving a result"));
            }
            let mut reasons = b.reasons;
            reasons.dedup();
            Decision::Return { reasons, comment }
        }
    };
    let (submission, task) = state
        .run_as(permit, rid, move |conn, caller| {
            services::submissions::review(conn, caller, id, decision, version)
        })
        .await?;
    let dto = task_dto(task, None, View::Full);
    Ok(respond(
        StatusCode::OK,
        &dto,
        SubmittedTask {
            submission: submission_dto(submission),
            task: dto.clone(),
        },
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOutcome {
    /// Assets frozen thanks to the task, fen.
    #[serde(default)]
    pub assets_frozen_fen: i64,
    /// Assets seized, fen.
    #[serde(default)]
    pub assets_seized_fen: i64,
    /// Money recovered for the applicant, fen.
    #[serde(default)]
    pub amount_recovered_fen: i64,
    /// Whether a settlement was performed.
    #[serde(default)]
    pub settlement_performed: bool,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomeDto {
    pub id: i64,
    pub task_id: i64,
    pub recorded_by: i64,
    pub recorded_at: DateTime<Utc>,
    pub assets_frozen_fen: i64,
    pub assets_seized_fen: i64,
    pub amount_recovered_fen: i64,
    pub settlement_performed: bool,
    pub note: Option<String>,
}

fn outcome_dto(o: Outcome) -> OutcomeDto {
    OutcomeDto {
        id: o.id,
        task_id: o.task_id,
        recorded_by: o.recorded_by,
        recorded_at: time::to_utc(o.recorded_at),
        assets_frozen_fen: o.assets_frozen_fen,
        assets_seized_fen: o.assets_seized_fen,
        amount_recovered_fen: o.amount_recovered_fen,
        settlement_performed: o.settlement_performed,
        note: o.note,
    }
}

/// The court's officer records what enforcement achieved after an approved task (assets frozen
/// or seized, money recovered, settlement performed). Recording again corrects it; the latest
/// counts for scoring.
#[utoipa::path(tag = "results", params(("id" = i64, Path)), request_body = NewOutcome, security(("bearer" = [])), responses(
    (status = 201, body = OutcomeDto),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "the task is not approved", body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/tasks/{id}/outcome")]
pub async fn record_outcome(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    path: web::Path<i64>,
    body: ApiJson<NewOutcome>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::RecordOutcome)?;
    let (id, rid) = (path.into_inner(), request_id(&rid));
    let b = body.0;
    let input = OutcomeInput {
        assets_frozen_fen: b.assets_frozen_fen,
        assets_seized_fen: b.assets_seized_fen,
        amount_recovered_fen: b.amount_recovered_fen,
        settlement_performed: b.settlement_performed,
        note: text_checked("note", b.note, 1000)?,
    };
    let outcome = state
        .run_as(permit, rid, move |conn, caller| {
            services::submissions::record_outcome(conn, caller, id, input)
        })
        .await?;
    Ok(HttpResponse::Created().json(outcome_dto(outcome)))
}

/// The outcome that counts for a task (the latest recorded); 404 `not_found` when none yet.
#[utoipa::path(tag = "results", params(("id" = i64, Path)), security(("bearer" = [])), responses(
    (status = 200, body = OutcomeDto),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/tasks/{id}/outcome")]
pub async fn get_outcome(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::GetOutcome)?;
    let id = path.into_inner();
    let outcome = state
        .run_as(permit, None, move |conn, caller| {
            services::submissions::outcome(conn, caller, id)?.ok_or(ApiError::NotFound("outcome"))
        })
        .await?;
    Ok(HttpResponse::Ok().json(outcome_dto(outcome)))
}
