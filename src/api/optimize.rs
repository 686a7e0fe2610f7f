//! `POST /api/v1/assignments/optimize`: batch assignment of the queue (or chosen tasks) by an
//! officer or a township supervisor — a dry run shows the plan, a commit applies it.

use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use tracing_actix_web::RequestId;
use utoipa::ToSchema;

use super::extract::{ApiJson, request_id};
use crate::auth::AuthUser;
use crate::domain::access::Operation;
use crate::domain::batch_assign::DEFAULT_K;
use crate::error::{ApiError, Problem};
use crate::services;
use crate::services::optimize::{MAX_TASKS, OptimizeRequest, PlanDto};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OptimizeBody {
    /// The tasks to plan (nobody may have accepted them yet); absent: the caller's queue.
    pub task_ids: Option<Vec<i64>>,
    /// Officers: only the queue of this township.
    pub township_id: Option<i64>,
    /// `true` (default): only show the plan. `false`: apply it in one transaction.
    pub dry_run: Option<bool>,
    /// Nearest eligible workers first considered per task (1–64, default 8); affects only speed.
    pub k: Option<usize>,
}

/// Assign a batch of tasks at once: as many as possible, with the least total travel distance,
/// under capacity, certifications, recusals and declines (an exact min-cost-flow method). The
/// plan is compared with greedy one-at-a-time assignment on the same input.
#[utoipa::path(tag = "tasks", request_body = Option<OptimizeBody>, security(("bearer" = [])), responses(
    (status = 200, body = PlanDto),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "a chosen task was already accepted", body = Problem, content_type = "application/problem+json"),
    (status = 412, description = "a task changed while the plan was applied; nothing was applied", body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/assignments/optimize")]
pub async fn optimize(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    body: ApiJson<Option<OptimizeBody>>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::Optimize)?;
    let b = body.0.unwrap_or(OptimizeBody {
        task_ids: None,
        township_id: None,
        dry_run: None,
        k: None,
    });
    let k = b.k.unwrap_or(DEFAULT_K);
    if !(1..=64).contains(&k) {
        return Err(ApiError::invalid("k", "from 1 to 64"));
    }
    if b.task_ids
        .as_ref()
        .is_some_and(|ids| ids.is_empty() || ids.len() > MAX_TASKS)
    {
        return Err(ApiError::invalid(
            "task_ids",
            format!("1 to {MAX_TASKS} task ids"),
        ));
    }
    let request = OptimizeRequest {
        task_ids: b.task_ids,
        township_id: b.township_id,
        commit: !b.dry_run.unwrap_or(true),
        k,
    };
    let rid = request_id(&rid);
    let st = state.clone();
    let plan = state
        .run_as(permit, rid, move |conn, caller| {
            let map = st.grids.current();
            services::optimize::optimize(conn, caller, &map, request)
        })
        .await?;
    Ok(HttpResponse::Ok().json(plan))
}
