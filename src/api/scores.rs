//! Scores, incentives, appeals and training over HTTP: the scoring scheme (admins edit, supervisors
//! read), township leaderboards and closing a period, one worker's breakdown, incentive payouts
//! (JSON, or CSV for the finance office), appeals and their rulings, training modules and
//! completions with recommendations, and the officer's findings that feed penalties (a false
//! check-in, a false approved result).

use actix_web::http::header::{ACCEPT, CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tracing_actix_web::RequestId;
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiJson, request_id};
use crate::auth::AuthUser;
use crate::domain::access::Operation;
use crate::domain::names::refused_char;
use crate::domain::period::Period;
use crate::domain::scoring::{AppealStatus, Payouts, Scheme, SheetHeading, payouts_csv};
use crate::domain::{TaskKind, time};
use crate::error::{ApiError, Problem};
use crate::services::appeals::{Appeal, Ruling};
use crate::services::scoring::{Board, Breakdown, LineView, SchemeVersion, ScoreLine, line_view};
use crate::services::training::{Completion, Module, ModuleInput};
use crate::services::{self, Caller};
use crate::state::AppState;

fn period_of(text: &str) -> Result<Period, ApiError> {
    Period::parse(text).ok_or_else(|| {
        ApiError::invalid(
            "period",
            "a month (2026-03), a quarter (2026-Q1) or a year (2026)",
        )
    })
}

fn text(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    let t = value.trim();
    if t.is_empty() || t.chars().count() > max || t.chars().any(|c| refused_char(c, true)) {
        return Err(ApiError::invalid(
            field,
            format!("1–{max} characters, no control characters but line breaks, no bidirectional overrides"),
        ));
    }
    Ok(t.to_owned())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SchemeDto {
    pub version: i64,
    pub effective_from: DateTime<Utc>,
    pub note: Option<String>,
    pub scheme: Scheme,
}

/// The scoring and incentive scheme in force now (admins and supervisors).
#[utoipa::path(tag = "scores", security(("bearer" = [])), responses(
    (status = 200, body = SchemeDto),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/scoring/scheme")]
pub async fn get_scheme(state: web::Data<AppState>, auth: AuthUser) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::GetScheme)?;
    let (row, scheme) = state
        .run_as(permit, None, move |conn, caller| {
            services::scoring::current_scheme(conn, caller)
        })
        .await?;
    Ok(HttpResponse::Ok().json(scheme_dto(row, scheme)))
}

fn scheme_dto(row: SchemeVersion, scheme: Scheme) -> SchemeDto {
    SchemeDto {
        version: row.version,
        effective_from: time::to_utc(row.effective_from),
        note: row.note,
        scheme,
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutScheme {
    pub scheme: Scheme,
    /// Why it changed (up to 500 characters).
    pub note: Option<String>,
}

/// A new version of the scheme, in force from now (admins). Lines already made keep the version
/// they were made with; a period's ranking, tiers and incentives use the version in force when
/// the period began.
#[utoipa::path(tag = "scores", request_body = PutScheme, security(("bearer" = [])), responses(
    (status = 201, body = SchemeDto),
    (status = 400, description = "`field` names the scheme's problem, e.g. scheme.tiers[2].min_percentile", body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
#[put("/api/v1/scoring/scheme")]
pub async fn put_scheme(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    body: ApiJson<PutScheme>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::PutScheme)?;
    let rid = request_id(&rid);
    let PutScheme { scheme, note } = body.0;
    let note = note.map(|n| text("note", &n, 500)).transpose()?;
    let row = state
        .run_as(permit, rid, move |conn, caller| {
            services::scoring::put_scheme(conn, caller, scheme, note)
        })
        .await?;
    let scheme = serde_json::from_str(&row.body).map_err(ApiError::internal)?;
    Ok(HttpResponse::Created().json(scheme_dto(row, scheme)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct BoardQuery {
    /// `2026-03`, `2026-Q1` or `2026`.
    #[param(pattern = r"^[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$")]
    pub period: String,
    /// Default: the supervisor's own township (required for admins).
    pub township_id: Option<i64>,
}

/// A township's leaderboard for a period: ranks, percentiles and tiers, with each worker's
/// counts and rates, and the incentive payouts. A supervisor sees only their own township.
#[utoipa::path(tag = "scores", params(BoardQuery), security(("bearer" = [])), responses(
    (status = 200, body = Board),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/scores")]
pub async fn get_board(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<BoardQuery>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::GetBoard)?;
    let period = period_of(&query.period)?;
    let asked = query.township_id;
    let board = state
        .run_as(permit, None, move |conn, caller| {
            services::scoring::board(conn, caller, period, asked)
        })
        .await?;
    Ok(HttpResponse::Ok().json(board))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClosePeriod {
    #[schema(pattern = r"^[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$")]
    pub period: String,
    pub township_id: i64,
}

/// Close an ended period for a township (admins): its board is frozen; later lines (appeals,
/// clawbacks) count in the period they happen in.
#[utoipa::path(tag = "scores", request_body = ClosePeriod, security(("bearer" = [])), responses(
    (status = 201, body = Board),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`period_open` (not ended yet) or `already_exists`", body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/scores/close")]
pub async fn close_period(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    body: ApiJson<ClosePeriod>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::ClosePeriod)?;
    let period = period_of(&body.0.period)?;
    let (township, rid) = (body.0.township_id, request_id(&rid));
    let board = state
        .run_as(permit, rid, move |conn, caller| {
            services::scoring::close(conn, caller, period, township)
        })
        .await?;
    Ok(HttpResponse::Created().json(board))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    #[param(pattern = r"^[0-9]{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$")]
    pub period: String,
}

/// One worker's score for a period, line by line, with their standing (the worker, their
/// township's supervisor, admins).
#[utoipa::path(tag = "scores", params(("id" = i64, Path), PeriodQuery), security(("bearer" = [])), responses(
    (status = 200, body = Breakdown),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/workers/{id}/scores")]
pub async fn worker_scores(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<i64>,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::WorkerScores)?;
    let period = period_of(&query.period)?;
    let id = path.into_inner();
    let breakdown = state
        .run_as(permit, None, move |conn, caller| {
            services::scoring::breakdown(conn, caller, id, period)
        })
        .await?;
    Ok(HttpResponse::Ok().json(breakdown))
}

/// Incentive payouts of a township for a period (supervisor of the township, admins): JSON, or
/// CSV for the finance office with `Accept: text/csv` (UTF-8 with BOM, Chinese headers, yuan).
#[utoipa::path(tag = "scores", params(BoardQuery), security(("bearer" = [])), responses(
    (status = 200, description = "JSON payouts, or CSV with `Accept: text/csv`", content(
        (Payouts = "application/json"),
        (String = "text/csv")
    )),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/incentives")]
pub async fn incentives(
    state: web::Data<AppState>,
    auth: AuthUser,
    req: HttpRequest,
    query: web::Query<BoardQuery>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::Incentives)?;
    let period = period_of(&query.period)?;
    let asked = query.township_id;
    let wants_csv = req
        .headers()
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/csv"));
    let sheet = state
        .run_as(permit, None, move |conn, caller| {
            services::scoring::payouts(conn, caller, period, asked)
        })
        .await?;
    if wants_csv {
        let heading = SheetHeading {
            township: &sheet.township_name,
            period: &period.zh(),
            provisional: !sheet.board.closed,
        };
        let csv = payouts_csv(&heading, &sheet.board.payouts, &|id| {
            sheet.names.get(&id).cloned().unwrap_or_default()
        });
        return Ok(HttpResponse::Ok()
            .insert_header((CONTENT_TYPE, "text/csv; charset=utf-8"))
            .insert_header((
                CONTENT_DISPOSITION,
                sheet_disposition(
                    &sheet.township_name,
                    period,
                    sheet.board.township_id,
                    sheet.board.closed,
                ),
            ))
            .body(csv));
    }
    Ok(HttpResponse::Ok().json(sheet.board.payouts))
}

/// `attachment` with the file's Chinese name (激励发放-济川街道-2026年3月.csv, with （暂定） while
/// the period is open) as RFC 6266 `filename*`, and an ASCII `filename` for old clients.
fn sheet_disposition(township: &str, period: Period, township_id: i64, closed: bool) -> String {
    let draft = if closed { "" } else { "（暂定）" };
    let name = format!("激励发放-{township}-{}{draft}.csv", period.zh());
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    let draft = if closed { "" } else { "-provisional" };
    format!(
        "attachment; filename=\"incentives-{period}-township-{township_id}{draft}.csv\"; filename*=UTF-8''{encoded}"
    )
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AppealDto {
    pub id: i64,
    pub line_id: i64,
    pub worker_id: i64,
    pub reason: String,
    /// `pending`, `accepted` or `rejected`.
    pub status: String,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reason: Option<String>,
    /// The correcting line, when accepted.
    pub correction_line_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// The appealed line — its cause, original points and task — in listings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<AppealedLineDto>,
}

/// The line an appeal is against, as the supervisor weighs it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppealedLineDto {
    /// The line's cause: `approval`, `rework_penalty`, `false_check_in`, ...
    pub code: String,
    /// Centi-points as made (1 point = 100): the value that stands unless the appeal is upheld.
    pub points: i64,
    pub task_id: Option<i64>,
    pub occurred_at: DateTime<Utc>,
}

fn appeal_dto(a: Appeal) -> AppealDto {
    AppealDto {
        line: None,
        id: a.id,
        line_id: a.line_id,
        worker_id: a.worker_id,
        reason: a.reason,
        status: a.status.as_str().to_owned(),
        decided_by: a.decided_by,
        decided_at: a.decided_at.map(time::to_utc),
        decision_reason: a.decision_reason,
        correction_line_id: a.correction_line_id,
        created_at: time::to_utc(a.created_at),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAppeal {
    pub line_id: i64,
    /// Why the line is wrong (1–1,000 characters).
    pub reason: String,
}

/// A worker appeals one of their score lines.
#[utoipa::path(tag = "scores", request_body = NewAppeal, security(("bearer" = [])), responses(
    (status = 201, body = AppealDto),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/score-appeals")]
pub async fn create_appeal(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    body: ApiJson<NewAppeal>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::CreateAppeal)?;
    let reason = text("reason", &body.0.reason, 1000)?;
    let (line, rid) = (body.0.line_id, request_id(&rid));
    let appeal = state
        .run_as(permit, rid, move |conn, caller| {
            services::appeals::appeal(conn, caller, line, &reason)
        })
        .await?;
    Ok(HttpResponse::Created().json(appeal_dto(appeal)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AppealQuery {
    /// `pending`, `accepted` or `rejected`.
    pub status: Option<String>,
}

/// Appeals: a worker's own, a supervisor's township's, all for admins; newest first, each with
/// the line it is against.
#[utoipa::path(tag = "scores", params(AppealQuery), security(("bearer" = [])), responses(
    (status = 200, body = Vec<AppealDto>),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/score-appeals")]
pub async fn list_appeals(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<AppealQuery>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::ListAppeals)?;
    let status = match query.status.as_deref() {
        None => None,
        Some(s) => Some(
            AppealStatus::parse(s)
                .ok_or_else(|| ApiError::invalid("status", "pending, accepted or rejected"))?,
        ),
    };
    let appeals = state
        .run_as(permit, None, move |conn, caller| {
            services::appeals::list_with_lines(conn, caller, status)
        })
        .await?;
    let dtos: Vec<AppealDto> = appeals
        .into_iter()
        .map(|(appeal, line)| AppealDto {
            line: line.map(|l| AppealedLineDto {
                code: l.code.as_str().to_owned(),
                points: l.points,
                task_id: l.task_id,
                occurred_at: time::to_utc(l.occurred_at),
            }),
            ..appeal_dto(appeal)
        })
        .collect();
    Ok(HttpResponse::Ok().json(dtos))
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AppealDecision {
    Accept,
    Reject,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRuling {
    pub decision: AppealDecision,
    /// Why (1–1,000 characters); required either way.
    pub reason: String,
    /// On acceptance: what the line should have been worth, centi-points (default 0: void the
    /// line). The console pre-fills the line's original points and confirms before voiding.
    pub corrected_points: Option<i64>,
}

/// The supervisor of the worker's township rules on an appeal: accepting adds a correcting line.
#[utoipa::path(tag = "scores", params(("id" = i64, Path)), request_body = NewRuling, security(("bearer" = [])), responses(
    (status = 200, body = AppealDto),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/score-appeals/{id}/decision")]
pub async fn decide_appeal(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    path: web::Path<i64>,
    body: ApiJson<NewRuling>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::DecideAppeal)?;
    let b = body.0;
    let reason = text("reason", &b.reason, 1000)?;
    let ruling = match b.decision {
        AppealDecision::Accept => {
            let corrected_points = b.corrected_points.unwrap_or(0);
            if corrected_points.abs() > 10_000_000 {
                return Err(ApiError::invalid("corrected_points", "out of range"));
            }
            Ruling::Accept {
                corrected_points,
                reason,
            }
        }
        AppealDecision::Reject => {
            if b.corrected_points.is_some() {
                return Err(ApiError::invalid("corrected_points", "only given when accepting"));
            }
            Ruling::Reject { reason }
        }
    };
    let (id, rid) = (path.into_inner(), request_id(&rid));
    let appeal = state
        .run_as(permit, rid, move |conn, caller| {
            services::appeals::decide(conn, caller, id, ruling)
        })
        .await?;
    Ok(HttpResponse::Ok().json(appeal_dto(appeal)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModuleDto {
    pub id: i64,
    pub title: String,
    /// The kinds a pass certifies the worker for.
    pub task_kinds: Vec<String>,
    /// The rework reasons the module addresses.
    pub reasons: Vec<String>,
    pub validity_days: i32,
    pub pass_score: i32,
}

fn module_dto(m: Module) -> ModuleDto {
    ModuleDto {
        id: m.id,
        title: m.title,
        task_kinds: serde_json::from_str(&m.task_kinds).unwrap_or_default(),
        reasons: serde_json::from_str(&m.reasons).unwrap_or_default(),
        validity_days: m.validity_days,
        pass_score: m.pass_score,
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewModule {
    pub title: String,
    pub task_kinds: Vec<TaskKind>,
    /// Rework reason codes the module addresses (e.g. `insufficient_evidence`).
    #[serde(default)]
    pub reasons: Vec<crate::services::submissions::ReturnReason>,
    /// How long a pass certifies, days (1–3650).
    pub validity_days: i32,
    /// The quiz score needed to pass, 0–100.
    pub pass_score: i32,
}

/// Create a training module (admins).
#[utoipa::path(tag = "training", request_body = NewModule, security(("bearer" = [])), responses(
    (status = 201, body = ModuleDto),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/training/modules")]
pub async fn create_module(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    body: ApiJson<NewModule>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::CreateModule)?;
    let b = body.0;
    let title = text("title", &b.title, 200)?;
    if !(1..=3650).contains(&b.validity_days) {
        return Err(ApiError::invalid("validity_days", "from 1 to 3650"));
    }
    if !(0..=100).contains(&b.pass_score) {
        return Err(ApiError::invalid("pass_score", "from 0 to 100"));
    }
    let input = ModuleInput {
        title,
        task_kinds: b.task_kinds,
        reasons: b.reasons.iter().map(|r| r.as_str().to_owned()).collect(),
        validity_days: b.validity_days,
        pass_score: b.pass_score,
    };
    let rid = request_id(&rid);
    let module = state
        .run_as(permit, rid, move |conn, caller| {
            services::training::create_module(conn, caller, input)
        })
        .await?;
    Ok(HttpResponse::Created().json(module_dto(module)))
}

/// Training modules (everyone signed in).
#[utoipa::path(tag = "training", security(("bearer" = [])), responses(
    (status = 200, body = Vec<ModuleDto>)
))]
#[get("/api/v1/training/modules")]
pub async fn list_modules(state: web::Data<AppState>, auth: AuthUser) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::ListModules)?;
    let modules = state
        .run_as(permit, None, move |conn, _| services::training::modules(conn))
        .await?;
    Ok(HttpResponse::Ok().json(modules.into_iter().map(module_dto).collect::<Vec<_>>()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCompletion {
    pub worker_id: i64,
    pub completed_on: NaiveDate,
    /// Quiz score 0–100; at or above the module's pass score certifies the worker.
    pub quiz_score: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompletionDto {
    pub id: i64,
    pub module_id: i64,
    pub worker_id: i64,
    pub completed_on: NaiveDate,
    pub quiz_score: i32,
    pub passed: bool,
    pub recorded_by: i64,
}

fn completion_dto(c: Completion) -> CompletionDto {
    CompletionDto {
        id: c.id,
        module_id: c.module_id,
        worker_id: c.worker_id,
        completed_on: c.completed_on,
        quiz_score: c.quiz_score,
        passed: c.passed,
        recorded_by: c.recorded_by,
    }
}

/// Record that a worker completed a module (their township's supervisor, or an admin). A pass
/// certifies the worker for the module's task kinds for its validity period.
#[utoipa::path(tag = "training", params(("id" = i64, Path)), request_body = NewCompletion, security(("bearer" = [])), responses(
    (status = 201, body = CompletionDto),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/training/modules/{id}/completions")]
pub async fn record_completion(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    path: web::Path<i64>,
    body: ApiJson<NewCompletion>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::RecordCompletion)?;
    let b = body.0;
    if !(0..=100).contains(&b.quiz_score) {
        return Err(ApiError::invalid("quiz_score", "from 0 to 100"));
    }
    let (module, rid) = (path.into_inner(), request_id(&rid));
    let completion = state
        .run_as(permit, rid, move |conn, caller| {
            services::training::record_completion(
                conn,
                caller,
                module,
                b.worker_id,
                (b.completed_on, b.quiz_score),
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(completion_dto(completion)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Recommendation {
    pub module: ModuleDto,
    /// The rework reason behind it.
    pub reason: String,
    /// Returns for that reason in the last 90 days.
    pub returns: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkerTrainingDto {
    pub completions: Vec<CompletionDto>,
    pub recommended: Vec<Recommendation>,
}

/// A worker's training record and recommended modules (the worker, their supervisor, admins).
#[utoipa::path(tag = "training", params(("id" = i64, Path)), security(("bearer" = [])), responses(
    (status = 200, body = WorkerTrainingDto),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/workers/{id}/training")]
pub async fn worker_training(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::WorkerTraining)?;
    let id = path.into_inner();
    let training = state
        .run_as(permit, None, move |conn, caller| {
            services::training::of_worker(conn, caller, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(WorkerTrainingDto {
        completions: training.completions.into_iter().map(completion_dto).collect(),
        recommended: training
            .recommended
            .into_iter()
            .map(|(m, reason, returns)| Recommendation {
                module: module_dto(m),
                reason,
                returns,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    /// What showed it false (1–1,000 characters).
    pub reason: String,
}

/// An officer of the task's court finds a check-in false: the worker was not where they said.
/// The worker loses the scheme's false check-in points.
#[utoipa::path(tag = "scores", params(("id" = i64, Path)), request_body = Finding, security(("bearer" = [])), responses(
    (status = 201, body = LineView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/check-ins/{id}/dispute")]
pub async fn dispute_check_in(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    path: web::Path<i64>,
    body: ApiJson<Finding>,
) -> Result<HttpResponse, ApiError> {
    record_finding(
        state,
        auth,
        request_id(&rid),
        (path.into_inner(), body.0),
        (Operation::DisputeCheckIn, services::scoring::dispute_check_in),
    )
    .await
}

/// An officer finds an approved result false: its points are taken back with a clawback line.
#[utoipa::path(tag = "scores", params(("id" = i64, Path)), request_body = Finding, security(("bearer" = [])), responses(
    (status = 201, body = LineView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/tasks/{id}/clawback")]
pub async fn claw_back(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    path: web::Path<i64>,
    body: ApiJson<Finding>,
) -> Result<HttpResponse, ApiError> {
    record_finding(
        state,
        auth,
        request_id(&rid),
        (path.into_inner(), body.0),
        (Operation::ClawBack, services::scoring::claw_back),
    )
    .await
}

type FindingAction = fn(&mut crate::db::DbConn, &Caller, i64, &str) -> Result<ScoreLine, ApiError>;

/// An officer's finding that something was false, recorded by `act` as a penalty line.
async fn record_finding(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: Option<String>,
    (id, finding): (i64, Finding),
    (operation, act): (Operation, FindingAction),
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(operation)?;
    let reason = text("reason", &finding.reason, 1000)?;
    let line = state
        .run_as(permit, rid, move |conn, caller| act(conn, caller, id, &reason))
        .await?;
    Ok(HttpResponse::Created().json(line_view(line)))
}
