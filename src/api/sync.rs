//! `GET /api/v1/me/tasks?since=<cursor>`: the grid worker's phone catches up. Each change is the
//! task's current state (with its ETag, target, the party data the task needs, masked, and any
//! rework reason) or a tombstone for a task taken away. The response always carries the cursor to
//! resume from, so a phone offline for a week pages through everything it missed, in order.

use actix_web::{HttpResponse, get, web};
use base64::Engine;
use serde::{Deserialize, Serialize};
use tracing_actix_web::RequestId;
use utoipa::{IntoParams, ToSchema};

use super::extract::request_id;
use super::pagination::{DEFAULT_LIMIT, MAX_LIMIT};
use super::submissions::{ReviewDto, submission_dto};
use super::tasks::{TaskDto, task_dto};
use crate::auth::AuthUser;
use crate::domain::access::Operation;
use crate::error::{ApiError, Problem};
use crate::services;
use crate::services::sync::Change;
use crate::services::tasks::View;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SyncQuery {
    /// The `cursor` of the previous response; absent for a full sync.
    pub since: Option<String>,
    /// Changes per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// The task is yours; `task` is its current state.
    Upsert,
    /// The task is no longer yours; drop it (`reason`: reassigned, declined, cancelled).
    Tombstone,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskChange {
    pub change: ChangeKind,
    pub task_id: i64,
    /// For an upsert.
    pub task: Option<TaskDto>,
    /// For a task returned for rework: the officer's reasons and comment.
    pub rework: Option<ReviewDto>,
    /// For a tombstone.
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SyncPage {
    /// Oldest first.
    pub changes: Vec<TaskChange>,
    /// Send as `since` next time (always present; unchanged when nothing changed).
    pub cursor: String,
    /// More changes are waiting: ask again at once with `cursor`.
    pub has_more: bool,
}

fn encode(seq: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("seq:{seq}"))
}

fn decode(cursor: &str) -> Option<i64> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    String::from_utf8(bytes).ok()?.strip_prefix("seq:")?.parse().ok()
}

/// The caller's (a grid worker's) task changes since a cursor.
#[utoipa::path(tag = "sync", params(SyncQuery), security(("bearer" = [])), responses(
    (status = 200, body = SyncPage),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Only grid workers sync", body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/me/tasks")]
pub async fn sync_tasks(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    query: web::Query<SyncQuery>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::SyncTasks)?;
    let q = query.into_inner();
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let after = match q.since.as_deref().filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) => decode(c).ok_or_else(|| ApiError::invalid("since", "is not a cursor this API issued"))?,
    };
    let (rid, grace) = (request_id(&rid), state.config.party_access_grace);
    let (changes, has_more) = state
        .run_as(permit, rid, move |conn, caller| {
            services::sync::changes(conn, caller, (after, i64::from(limit)), grace)
        })
        .await?;
    let last = changes.last().map_or(after, Change::seq);
    let changes = changes
        .into_iter()
        .map(|c| match c {
            Change::Upsert {
                task, party, rework, ..
            } => TaskChange {
                change: ChangeKind::Upsert,
                task_id: task.id,
                task: Some(task_dto(*task, party.map(|p| *p), View::Worker)),
                rework: rework.and_then(|s| submission_dto(*s).review),
                reason: None,
            },
            Change::Tombstone { task_id, reason, .. } => TaskChange {
                change: ChangeKind::Tombstone,
                task_id,
                task: None,
                rework: None,
                reason: Some(reason),
            },
        })
        .collect();
    Ok(HttpResponse::Ok().json(SyncPage {
        changes,
        cursor: encode(last),
        has_more,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        assert_eq!(decode(&encode(42)), Some(42));
        assert_eq!(decode("bm9wZQ"), None);
        assert_eq!(decode("!!"), None);
    }
}
