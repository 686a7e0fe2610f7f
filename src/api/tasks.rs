//! Assistance tasks: created on a case by an officer and assigned automatically; read by the
//! officer, the township supervisor and the assignee (each seeing what their role may); accepted
//! or declined by the assignee; cancelled by the officer; reassigned by hand with `If-Match`.

use actix_web::http::header::{ETAG, IF_MATCH};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tracing_actix_web::RequestId;
use utoipa::{IntoParams, ToSchema};

use super::cases::{AddressDto, party_dto};
use super::extract::{ApiJson, request_id, valid};
use super::pagination::{Page, PageQuery};
use crate::auth::AuthUser;
use crate::domain::access::Operation;
use crate::domain::identity::{NationalId, Phone};
use crate::domain::task_state::TaskStatus;
use crate::domain::{FreeText, TaskKind, time};
use crate::error::{ApiError, Problem};
use crate::geo::Crs;
use crate::services::assignment::Explanation;
use crate::services::cases::PartyKind;
use crate::services::tasks::{
    Answering, DeclineReason, GivenPoint, ListFilter, Party, Rules, Task, TaskRequest, View,
};
use crate::services::{self, Caller};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetPoint {
    pub lat: f64,
    pub lon: f64,
    /// `wgs84` (default), `gcj02` (Amap, Tencent) or `bd09` (Baidu).
    pub crs: Option<Crs>,
}

impl TargetPoint {
    fn given(self) -> GivenPoint {
        GivenPoint {
            lat: self.lat,
            lon: self.lon,
            crs: self.crs,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    Normal,
    Urgent,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTask {
    pub kind: TaskKind,
    /// The party the task concerns (a party of the case).
    pub party_id: Option<i64>,
    pub priority: Option<Priority>,
    /// What the worker should do, up to 2,000 characters.
    #[serde(default)]
    pub instructions: String,
    /// Where: a point, and/or the address text. A task with address text only waits in the
    /// court's queue to be pinned on the map.
    pub target: Option<TargetPoint>,
    pub target_address: Option<String>,
    /// Last day (local) to finish; default: a number of working days per kind.
    pub due_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskParty {
    pub id: i64,
    pub role: String,
    pub kind: String,
    pub name: String,
    /// Masked (`320282********1234`) for supervisors and workers.
    pub id_number: Option<String>,
    /// Masked (`138****5678`) for supervisors.
    pub phones: Vec<String>,
    pub addresses: Vec<AddressDto>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TargetDto {
    pub address: Option<String>,
    /// WGS-84.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// How the point was obtained: `given:<crs>`, `geocoded`, `pinned`.
    pub source: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskDto {
    pub id: i64,
    pub case_id: i64,
    /// The case's number (案号), when an officer or a supervisor reads or lists tasks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_number: Option<String>,
    pub kind: String,
    pub status: TaskStatus,
    pub priority: String,
    pub instructions: String,
    pub target: TargetDto,
    pub grid_id: Option<i64>,
    pub township_id: Option<i64>,
    pub assignee_id: Option<i64>,
    /// When queued: `township` or `court`.
    pub queue: Option<String>,
    pub queue_reason: Option<String>,
    pub due_at: DateTime<Utc>,
    pub overdue: bool,
    pub decline_count: i32,
    /// The version, as sent in `ETag`; send it back in `If-Match` to change the task.
    pub etag: String,
    pub party: Option<TaskParty>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedTask {
    pub task: TaskDto,
    /// Whom it was assigned to and why (or why it was queued).
    pub assignment: Explanation,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeclinedTask {
    pub task: TaskDto,
    /// Where it went next and why.
    pub assignment: Explanation,
}

pub fn etag(task: &Task) -> String {
    format!("\"v{}\"", task.version)
}

/// The version named by `If-Match`. A header that names no version of ours can only be stale.
pub(crate) fn if_match(req: &HttpRequest) -> Result<Option<i64>, ApiError> {
    let Some(value) = req.headers().get(IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().map_err(|_| ApiError::PreconditionFailed)?.trim();
    let text = text.strip_prefix("W/").unwrap_or(text);
    text.trim_matches('"')
        .strip_prefix('v')
        .and_then(|v| v.parse::<i64>().ok())
        .map(Some)
        .ok_or(ApiError::PreconditionFailed)
}

fn mask_party(p: Party, view: View) -> TaskParty {
    let kind = p.kind;
    let full = party_dto(p);
    let today = time::today_local();
    let id_number = match view {
        View::Full => full.id_number,
        View::Supervisor | View::Worker => full.id_number.map(|raw| match NationalId::parse(&raw, today) {
            Ok(id) => id.masked(),
            // Organisations' credit codes are public registers; keep them.
            Err(_) if kind == PartyKind::Organisation => raw,
            Err(_) => "******".into(),
        }),
    };
    let phones = match view {
        View::Full | View::Worker => full.phones,
        View::Supervisor => full
            .phones
            .iter()
            .map(|raw| {
                Phone::parse(raw)
                    .map(|p| p.masked())
                    .unwrap_or_else(|_| "****".into())
            })
            .collect(),
    };
    TaskParty {
        id: full.id,
        role: full.role,
        kind: full.kind,
        name: full.name,
        id_number,
        phones,
        addresses: full.addresses,
    }
}

pub(crate) fn task_dto(task: Task, party: Option<Party>, view: View) -> TaskDto {
    TaskDto {
        etag: etag(&task),
        id: task.id,
        case_id: task.case_id,
        case_number: None,
        kind: task.kind.as_str().to_owned(),
        status: task.status,
        priority: task.priority.as_str().to_owned(),
        instructions: task.instructions,
        target: TargetDto {
            address: task.target_address,
            lat: task.target_lat,
            lon: task.target_lon,
            source: task.target_source,
        },
        grid_id: task.grid_id,
        township_id: task.township_id,
        assignee_id: task.assignee_id,
        queue: task.queue.map(|q| q.as_str().to_owned()),
        queue_reason: task.queue_reason,
        due_at: time::to_utc(task.due_at),
        overdue: task.overdue,
        decline_count: task.decline_count,
        party: party.map(|p| mask_party(p, view)),
        created_at: time::to_utc(task.created_at),
        updated_at: time::to_utc(task.updated_at),
    }
}

/// The task as the caller's view shows it, with its party when that view may show it (the read
/// of personal data audited by the service).
fn with_party(
    conn: &mut crate::db::DbConn,
    caller: &Caller,
    task: Task,
    (view, grace): (View, chrono::Duration),
    answering: Answering,
) -> Result<TaskDto, ApiError> {
    let party = services::tasks::party_for(conn, caller, &task, (view, grace), answering)?;
    Ok(task_dto(task, party, view))
}

pub(crate) fn respond(
    status: actix_web::http::StatusCode,
    dto: &TaskDto,
    body: impl Serialize,
) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((ETAG, dto.etag.clone()))
        .json(body)
}

fn rules(state: &AppState) -> Rules<'_> {
    Rules {
        calendar: &state.calendar,
        radius_m: state.config.assign_radius_m,
        max_declines: state.config.max_declines,
    }
}

/// Create an assistance task on a case; it is assigned automatically, and the response says to
/// whom and why (or why it was queued).
#[utoipa::path(tag = "tasks", params(("id" = i64, Path, description = "case id")), request_body = CreateTask, security(("bearer" = [])), responses(
    (status = 201, body = CreatedTask),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/cases/{id}/tasks")]
pub async fn create_task(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    path: web::Path<i64>,
    body: ApiJson<CreateTask>,
) -> Result<HttpResponse, ApiError> {
    let grace = state.config.party_access_grace;
    let permit = auth.permit(Operation::CreateTask)?;
    let case_id = path.into_inner();
    let b = body.0;
    let request = TaskRequest {
        kind: b.kind,
        party_id: b.party_id,
        urgent: b.priority == Some(Priority::Urgent),
        instructions: b.instructions,
        target: b.target.map(TargetPoint::given),
        target_address: b.target_address,
        due_on: b.due_on,
    };
    let city = state.config.geocoder_city.as_deref();
    let input = services::tasks::locate_request(request, state.geocoder.as_ref(), city).await?;
    let rid = request_id(&rid);
    let st = state.clone();
    let (dto, explanation) = state
        .run_as(permit, rid, move |conn, caller| {
            let map = st.grids.current();
            let (task, explanation) =
                services::tasks::create(conn, caller, &map, rules(&st), case_id, input)?;
            Ok::<_, ApiError>((
                with_party(conn, caller, task, (View::Full, grace), Answering::Write)?,
                explanation,
            ))
        })
        .await?;
    let status = actix_web::http::StatusCode::CREATED;
    Ok(respond(
        status,
        &dto,
        CreatedTask {
            task: dto.clone(),
            assignment: explanation,
        },
    ))
}

/// One task, shaped for the caller's role, with its `ETag`.
#[utoipa::path(tag = "tasks", params(("id" = i64, Path)), security(("bearer" = [])), responses(
    (status = 200, body = TaskDto, headers(("ETag" = String, description = "The task's version"))),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/tasks/{id}")]
pub async fn get_task(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::GetTask)?;
    let grace = state.config.party_access_grace;
    let id = path.into_inner();
    let rid = request_id(&rid);
    let dto = state
        .run_as(permit, rid, move |conn, caller| {
            let (task, view) = services::tasks::get(conn, caller, id)?;
            let mut numbers = if view == View::Worker {
                Default::default()
            } else {
                services::cases::numbers(conn, &[task.case_id])?
            };
            let mut dto = with_party(conn, caller, task, (view, grace), Answering::Read)?;
            dto.case_number = numbers.remove(&dto.case_id);
            Ok::<_, ApiError>(dto)
        })
        .await?;
    Ok(respond(actix_web::http::StatusCode::OK, &dto, &dto))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TaskQuery {
    pub status: Option<TaskStatus>,
    pub kind: Option<TaskKind>,
    pub township_id: Option<i64>,
    pub grid_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub case_id: Option<i64>,
    pub overdue: Option<bool>,
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Tasks in the caller's scope: an officer's court, a supervisor's township, a worker's own.
/// Listings carry no party data.
#[utoipa::path(tag = "tasks", params(TaskQuery), security(("bearer" = [])), responses(
    (status = 200, body = Page<TaskDto>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/tasks")]
pub async fn list_tasks(
    state: web::Data<AppState>,
    auth: AuthUser,
    query: web::Query<TaskQuery>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::ListTasks)?;
    let q = query.into_inner();
    let page = PageQuery {
        cursor: q.cursor.clone(),
        limit: q.limit,
    }
    .to_request()?;
    let filter = ListFilter {
        status: q.status,
        kind: q.kind,
        township_id: q.township_id,
        grid_id: q.grid_id,
        assignee_id: q.assignee_id,
        case_id: q.case_id,
        overdue: q.overdue,
    };
    let (rows, view, numbers) = state
        .run_as(permit, None, move |conn, caller| {
            let (rows, view) = services::tasks::listing(conn, caller, filter, page)?;
            let numbers = if view == View::Worker {
                Default::default()
            } else {
                let ids: Vec<i64> = rows.iter().map(|t| t.case_id).collect();
                services::cases::numbers(conn, &ids)?
            };
            Ok::<_, ApiError>((rows, view, numbers))
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(
        rows,
        page,
        |t| t.id,
        |t| {
            let mut dto = task_dto(t, None, view);
            dto.case_number = numbers.get(&dto.case_id).cloned();
            dto
        },
    )))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskEventDto {
    pub id: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    /// `system`, `officer`, `supervisor`, `worker`.
    pub actor_role: String,
    /// `create`, `assign`, `queue`, `accept`, `decline`, `recuse`, `cancel`, ...
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub assignee_id: Option<i64>,
    pub reason_code: Option<String>,
    pub note: Option<String>,
    /// For assignments and queueing: the explanation.
    pub detail: Option<serde_json::Value>,
}

/// The task's full history, oldest first.
#[utoipa::path(tag = "tasks", params(("id" = i64, Path)), security(("bearer" = [])), responses(
    (status = 200, body = Vec<TaskEventDto>),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/tasks/{id}/events")]
pub async fn task_events(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::TaskEvents)?;
    let id = path.into_inner();
    let events = state
        .run_as(permit, None, move |conn, caller| {
            services::tasks::events(conn, caller, id)
        })
        .await?;
    let body: Vec<TaskEventDto> = events
        .into_iter()
        .map(|e| TaskEventDto {
            id: e.id,
            occurred_at: time::to_utc(e.occurred_at),
            actor_id: e.actor_id,
            actor_role: e.actor_role,
            action: e.action.as_str().to_owned(),
            from_status: e.from_status.map(|s| s.as_str().to_owned()),
            to_status: e.to_status.as_str().to_owned(),
            assignee_id: e.assignee_id,
            reason_code: e.reason_code,
            note: e.note,
            detail: e.detail.and_then(|d| serde_json::from_str(&d).ok()),
        })
        .collect();
    Ok(HttpResponse::Ok().json(body))
}

/// The assignee accepts the task. `If-Match` optional (a stale one is 412).
#[utoipa::path(tag = "tasks", params(("id" = i64, Path)), security(("bearer" = [])), responses(
    (status = 200, body = TaskDto),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "invalid_transition", body = Problem, content_type = "application/problem+json"),
    (status = 412, body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/tasks/{id}/accept")]
pub async fn accept_task(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    req: HttpRequest,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let grace = state.config.party_access_grace;
    let permit = auth.permit(Operation::AcceptTask)?;
    let (id, version, rid) = (path.into_inner(), if_match(&req)?, request_id(&rid));
    let dto = state
        .run_as(permit, rid, move |conn, caller| {
            let task = services::tasks::accept(conn, caller, id, version)?;
            with_party(conn, caller, task, (View::Worker, grace), Answering::Write)
        })
        .await?;
    Ok(respond(actix_web::http::StatusCode::OK, &dto, &dto))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclineTask {
    /// `conflict_of_interest` records a recusal from the case and is not held against you.
    pub reason: DeclineReason,
    pub note: Option<String>,
}

/// The assignee gives the task back with a reason; it goes to the next eligible worker.
#[utoipa::path(tag = "tasks", params(("id" = i64, Path)), request_body = DeclineTask, security(("bearer" = [])), responses(
    (status = 200, body = DeclinedTask),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 412, body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/tasks/{id}/decline")]
pub async fn decline_task(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ApiJson<DeclineTask>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::DeclineTask)?;
    let (id, version, rid) = (path.into_inner(), if_match(&req)?, request_id(&rid));
    let DeclineTask { reason, note } = body.0;
    let note = note_checked(note)?;
    let st = state.clone();
    let (dto, explanation) = state
        .run_as(permit, rid, move |conn, caller| {
            let map = st.grids.current();
            let (task, explanation) =
                services::tasks::decline(conn, caller, &map, rules(&st), id, (reason, note), version)?;
            // The worker no longer holds the task: show it without party data.
            Ok::<_, ApiError>((task_dto(task, None, View::Worker), explanation))
        })
        .await?;
    Ok(respond(
        actix_web::http::StatusCode::OK,
        &dto,
        DeclinedTask {
            task: dto.clone(),
            assignment: explanation,
        },
    ))
}

fn note_checked(note: Option<String>) -> Result<Option<String>, ApiError> {
    let note = note
        .map(|n| valid("note", FreeText::parse(&n, 500)))
        .transpose()?;
    Ok(note.map(FreeText::into_string).filter(|n| !n.is_empty()))
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CancelTask {
    pub note: Option<String>,
}

/// The officer cancels an open task.
#[utoipa::path(tag = "tasks", params(("id" = i64, Path)), request_body(content = Option<CancelTask>, description = "Optional"), security(("bearer" = [])), responses(
    (status = 200, body = TaskDto),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 412, body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/tasks/{id}/cancel")]
pub async fn cancel_task(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ApiJson<Option<CancelTask>>,
) -> Result<HttpResponse, ApiError> {
    let grace = state.config.party_access_grace;
    let permit = auth.permit(Operation::CancelTask)?;
    let (id, version, rid) = (path.into_inner(), if_match(&req)?, request_id(&rid));
    let note = note_checked(body.0.unwrap_or_default().note)?;
    let dto = state
        .run_as(permit, rid, move |conn, caller| {
            let task = services::tasks::cancel(conn, caller, id, note, version)?;
            with_party(conn, caller, task, (View::Full, grace), Answering::Write)
        })
        .await?;
    Ok(respond(actix_web::http::StatusCode::OK, &dto, &dto))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignTask {
    pub worker_id: i64,
    pub note: Option<String>,
}

/// Assign or reassign by hand (an officer of the court, or the township's supervisor).
/// `If-Match` with the task's ETag is required: missing → 428, stale → 412.
#[utoipa::path(tag = "tasks", params(("id" = i64, Path)), request_body = AssignTask, security(("bearer" = [])), responses(
    (status = 200, body = TaskDto),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 412, body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "worker_not_eligible, with why", body = Problem, content_type = "application/problem+json"),
    (status = 428, body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/tasks/{id}/assign")]
pub async fn assign_task(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ApiJson<AssignTask>,
) -> Result<HttpResponse, ApiError> {
    let grace = state.config.party_access_grace;
    let permit = auth.permit(Operation::AssignTask)?;
    let (id, version, rid) = (path.into_inner(), if_match(&req)?, request_id(&rid));
    let AssignTask { worker_id, note } = body.0;
    let note = note_checked(note)?;
    let dto = state
        .run_as(permit, rid, move |conn, caller| {
            let task = services::tasks::reassign(conn, caller, id, worker_id, note, version)?;
            let (task, view) = services::tasks::get(conn, caller, task.id)?;
            with_party(conn, caller, task, (view, grace), Answering::Write)
        })
        .await?;
    Ok(respond(actix_web::http::StatusCode::OK, &dto, &dto))
}

/// Pin a queued task's target on the map (the officer places an address by hand); the task is
/// then assigned automatically, and the response says to whom and why.
#[utoipa::path(tag = "tasks", params(("id" = i64, Path)), request_body = TargetPoint, security(("bearer" = [])), responses(
    (status = 200, body = CreatedTask),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 412, body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/tasks/{id}/target")]
pub async fn pin_task(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    req: HttpRequest,
    path: web::Path<i64>,
    body: ApiJson<TargetPoint>,
) -> Result<HttpResponse, ApiError> {
    let grace = state.config.party_access_grace;
    let permit = auth.permit(Operation::PinTask)?;
    let (id, version, rid) = (path.into_inner(), if_match(&req)?, request_id(&rid));
    let (point, _) = body.0.given().to_wgs84("lat")?;
    let st = state.clone();
    let (dto, explanation) = state
        .run_as(permit, rid, move |conn, caller| {
            let map = st.grids.current();
            let (task, explanation) =
                services::tasks::pin(conn, caller, &map, rules(&st), id, point, version)?;
            Ok::<_, ApiError>((
                with_party(conn, caller, task, (View::Full, grace), Answering::Write)?,
                explanation,
            ))
        })
        .await?;
    Ok(respond(
        actix_web::http::StatusCode::OK,
        &dto,
        CreatedTask {
            task: dto.clone(),
            assignment: explanation,
        },
    ))
}
