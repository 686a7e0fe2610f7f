//! Grid-worker profiles, and the directory of workers that officers and supervisors pick from
//! when they assign a task by hand.

use actix_web::{HttpResponse, get, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tracing_actix_web::RequestId;
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiJson, request_id, valid};
use super::pagination::{Page, PageQuery};
use crate::auth::AuthUser;
use crate::domain::access::Operation;
use crate::domain::{Availability, Capacity, TaskKind, time};
use crate::error::{ApiError, Problem};
use crate::services::{
    self,
    workers::{CoveredGrid, ProfileUpdate, WorkerView},
};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct CoveredGridDto {
    pub grid_id: i64,
    pub code: String,
    pub name: String,
    /// The worker's own grid; others are covered in addition.
    pub primary: bool,
}

impl From<CoveredGrid> for CoveredGridDto {
    fn from(g: CoveredGrid) -> CoveredGridDto {
        CoveredGridDto {
            grid_id: g.grid_id,
            code: g.code,
            name: g.name,
            primary: g.is_primary,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificationDto {
    pub task_kind: TaskKind,
    pub certified_on: NaiveDate,
    /// Absent: does not expire.
    pub expires_on: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkerDto {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub township_id: Option<i64>,
    pub active: bool,
    pub grids: Vec<CoveredGridDto>,
    pub certifications: Vec<CertificationDto>,
    /// Most open tasks at once.
    pub capacity: i32,
    pub availability: Availability,
    pub on_leave_until: Option<NaiveDate>,
    pub updated_at: DateTime<Utc>,
}

impl From<WorkerView> for WorkerDto {
    fn from(v: WorkerView) -> WorkerDto {
        WorkerDto {
            id: v.user.id,
            username: v.user.username,
            display_name: v.user.display_name,
            township_id: v.user.township_id,
            active: v.user.active,
            grids: v.grids.into_iter().map(CoveredGridDto::from).collect(),
            certifications: v
                .certifications
                .into_iter()
                .map(|c| CertificationDto {
                    task_kind: c.task_kind,
                    certified_on: c.certified_on,
                    expires_on: c.expires_on,
                })
                .collect(),
            capacity: v.profile.capacity,
            availability: v.profile.availability,
            on_leave_until: v.profile.on_leave_until,
            updated_at: time::to_utc(v.profile.updated_at),
        }
    }
}

/// The editable part of a profile, replaced whole.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWorker {
    /// The worker's own grid (must be in their township).
    pub primary_grid_id: Option<i64>,
    /// Further grids they cover.
    #[serde(default)]
    pub other_grid_ids: Vec<i64>,
    #[serde(default)]
    pub certifications: Vec<CertificationDto>,
    /// 0–200.
    pub capacity: i64,
    pub availability: Availability,
    /// Required with `on_leave`: the last day of leave.
    pub on_leave_until: Option<NaiveDate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkerSummaryDto {
    pub id: i64,
    pub display_name: String,
    pub township_id: Option<i64>,
    pub active: bool,
    /// Primary grid first.
    pub grids: Vec<CoveredGridDto>,
    /// Task kinds the worker holds a certification for today.
    pub certified_for: Vec<String>,
    /// Most open tasks at once.
    pub capacity: i32,
    pub availability: Availability,
    pub on_leave_until: Option<NaiveDate>,
    /// Tasks the worker holds now (assigned and not yet approved or cancelled).
    pub open_tasks: u32,
}

impl From<services::workers::DirectoryItem> for WorkerSummaryDto {
    fn from(item: services::workers::DirectoryItem) -> WorkerSummaryDto {
        let e = item.entry;
        WorkerSummaryDto {
            id: e.id,
            display_name: e.display_name,
            township_id: e.township_id,
            active: e.active,
            grids: item.grids.into_iter().map(CoveredGridDto::from).collect(),
            certified_for: item.certified_for,
            capacity: e.capacity.unwrap_or(Capacity::DEFAULT.get()),
            // A worker without a profile yet has the defaults.
            availability: e.availability.unwrap_or(Availability::Active),
            on_leave_until: e.on_leave_until,
            open_tasks: item.open_tasks,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct WorkerListQuery {
    /// Only this township's workers (for an officer, one of the court's townships; a supervisor
    /// may name only their own).
    pub township_id: Option<i64>,
}

/// The grid workers one may assign a task to by hand, in id order: an officer sees the court's
/// townships, a supervisor their own township, an admin every township. Names, grids,
/// certifications valid today, availability and current load; no contact details.
#[utoipa::path(tag = "workers", params(WorkerListQuery, PageQuery), security(("bearer" = [])), responses(
    (status = 200, body = Page<WorkerSummaryDto>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/workers")]
pub async fn list_workers(
    state: web::Data<AppState>,
    auth: AuthUser,
    filter: web::Query<WorkerListQuery>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::ListWorkers)?;
    let page = query.to_request()?;
    let township_id = filter.township_id;
    let items = state
        .run_as(permit, None, move |conn, caller| {
            services::workers::directory(conn, caller, township_id, page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(
        items,
        page,
        |i| i.entry.id,
        WorkerSummaryDto::from,
    )))
}

/// A grid worker's profile. Admins, the supervisor of the worker's township, and the worker.
#[utoipa::path(tag = "workers", params(("id" = i64, Path)), security(("bearer" = [])), responses(
    (status = 200, body = WorkerDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/workers/{id}")]
pub async fn get_worker(
    state: web::Data<AppState>,
    auth: AuthUser,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::GetWorker)?;
    let id = path.into_inner();
    let view = state
        .run_as(permit, None, move |conn, caller| {
            services::workers::get(conn, caller, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(WorkerDto::from(view)))
}

/// Replace a grid worker's grids, certifications, capacity and availability. Admins and the
/// supervisor of the worker's township.
#[utoipa::path(tag = "workers", params(("id" = i64, Path)), request_body = UpdateWorker, security(("bearer" = [])), responses(
    (status = 200, body = WorkerDto),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
#[put("/api/v1/workers/{id}")]
pub async fn update_worker(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    path: web::Path<i64>,
    body: ApiJson<UpdateWorker>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::UpdateWorker)?;
    let id = path.into_inner();
    let b = body.0;
    let update = ProfileUpdate {
        primary_grid_id: b.primary_grid_id,
        other_grid_ids: b.other_grid_ids,
        certifications: b
            .certifications
            .into_iter()
            .map(|c| (c.task_kind, c.certified_on, c.expires_on))
            .collect(),
        capacity: valid("capacity", Capacity::parse(b.capacity))?,
        availability: b.availability,
        on_leave_until: b.on_leave_until,
    };
    let rid = request_id(&rid);
    let view = state
        .run_as(permit, rid, move |conn, caller| {
            services::workers::update(conn, caller, id, update)
        })
        .await?;
    Ok(HttpResponse::Ok().json(WorkerDto::from(view)))
}
