//! Assistance tasks, their event history, and workers' recusals from cases.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::PageRequest;
use crate::db::DbConn;
use crate::db::schema::{recusals, task_events, tasks};
use crate::domain::TaskKind;
use crate::domain::task_record::{EventAction, Priority, Queue};
use crate::domain::task_state::TaskStatus;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tasks)]
pub struct Task {
    pub id: i64,
    pub case_id: i64,
    pub court_id: i64,
    pub party_id: Option<i64>,
    pub kind: TaskKind,
    pub status: TaskStatus,
    pub priority: Priority,
    pub instructions: String,
    pub target_address: Option<String>,
    pub target_lat: Option<f64>,
    pub target_lon: Option<f64>,
    pub target_source: Option<String>,
    pub grid_id: Option<i64>,
    pub township_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub queue: Option<Queue>,
    pub queue_reason: Option<String>,
    pub due_at: NaiveDateTime,
    pub overdue: bool,
    pub reminded_at: Option<NaiveDateTime>,
    pub escalated_at: Option<NaiveDateTime>,
    pub decline_count: i32,
    pub version: i64,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = tasks)]
pub struct NewTask<'a> {
    pub case_id: i64,
    pub court_id: i64,
    pub party_id: Option<i64>,
    pub kind: TaskKind,
    pub status: TaskStatus,
    pub priority: Priority,
    pub instructions: &'a str,
    pub target_address: Option<&'a str>,
    pub target_lat: Option<f64>,
    pub target_lon: Option<f64>,
    pub target_source: Option<&'a str>,
    pub grid_id: Option<i64>,
    pub township_id: Option<i64>,
    pub due_at: NaiveDateTime,
    pub overdue: bool,
    pub decline_count: i32,
    pub version: i64,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Where a task stands after an assignment decision: with a worker, or in a queue.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = tasks)]
pub struct Placement {
    pub status: TaskStatus,
    pub assignee_id: Option<Option<i64>>,
    pub queue: Option<Option<Queue>>,
    pub queue_reason: Option<Option<String>>,
    pub decline_count: Option<i32>,
    pub updated_at: NaiveDateTime,
}

impl Placement {
    /// Only the status changes (accept): assignee and queue stay as they are.
    pub fn status(status: TaskStatus, at: NaiveDateTime) -> Placement {
        Placement {
            status,
            assignee_id: None,
            queue: None,
            queue_reason: None,
            decline_count: None,
            updated_at: at,
        }
    }

    /// The status changes and the task leaves any queue (cancel); the assignee is kept for
    /// the record.
    pub fn status_unqueued(status: TaskStatus, at: NaiveDateTime) -> Placement {
        Placement {
            queue: Some(None),
            queue_reason: Some(None),
            ..Placement::status(status, at)
        }
    }

    /// The task goes to a worker and leaves any queue.
    pub fn to_worker(status: TaskStatus, worker_id: i64, at: NaiveDateTime) -> Placement {
        Placement {
            assignee_id: Some(Some(worker_id)),
            ..Placement::status_unqueued(status, at)
        }
    }

    /// The task leaves its worker and waits in a queue (`township` or `court`) for a reason.
    pub fn to_queue(status: TaskStatus, queue: Queue, reason: &str, at: NaiveDateTime) -> Placement {
        Placement {
            assignee_id: Some(None),
            queue: Some(Some(queue)),
            queue_reason: Some(Some(reason.into())),
            ..Placement::status(status, at)
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = task_events)]
pub struct NewTaskEvent<'a> {
    pub task_id: i64,
    pub occurred_at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor_role: &'a str,
    pub action: EventAction,
    pub from_status: Option<TaskStatus>,
    pub to_status: TaskStatus,
    pub assignee_id: Option<i64>,
    pub reason_code: Option<&'a str>,
    pub note: Option<&'a str>,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = task_events)]
pub struct TaskEvent {
    pub id: i64,
    pub task_id: i64,
    pub occurred_at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor_role: String,
    pub action: EventAction,
    pub from_status: Option<TaskStatus>,
    pub to_status: TaskStatus,
    pub assignee_id: Option<i64>,
    pub reason_code: Option<String>,
    pub note: Option<String>,
    pub detail: Option<String>,
}

pub fn insert(conn: &mut DbConn, new: &NewTask<'_>) -> QueryResult<Task> {
    diesel::insert_into(tasks::table)
        .values(new)
        .returning(tasks::all_columns)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Task>> {
    tasks::table
        .find(id)
        .select(Task::as_select())
        .first(conn)
        .optional()
}

/// The tasks with these ids, by id (ids with no task are left out): one query where a loop of
/// [`find`] would be one per task (a phone's sync page holds up to 200).
pub fn find_many(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, Task>> {
    // No round trip for nothing: an up-to-date phone's sync asks for no tasks at all.
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(tasks::table
        .filter(tasks::id.eq_any(ids))
        .select(Task::as_select())
        .load(conn)?
        .into_iter()
        .map(|t| (t.id, t))
        .collect())
}

/// Apply a placement if the task is still at `expected_version`; bumps the version. Returns
/// false when someone else changed the task first (the caller answers 412).
pub fn place(conn: &mut DbConn, id: i64, expected_version: i64, placement: &Placement) -> QueryResult<bool> {
    let n = diesel::update(
        tasks::table
            .filter(tasks::id.eq(id))
            .filter(tasks::version.eq(expected_version)),
    )
    .set((placement, tasks::version.eq(expected_version + 1)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Record an event; returns its id.
pub fn record_event(conn: &mut DbConn, event: &NewTaskEvent<'_>) -> QueryResult<i64> {
    diesel::insert_into(task_events::table)
        .values(event)
        .returning(task_events::id)
        .get_result(conn)
}

/// The tasks of one kind on a case, in id order.
pub fn of_case_and_kind(conn: &mut DbConn, case_id: i64, kind: &str) -> QueryResult<Vec<Task>> {
    tasks::table
        .filter(tasks::case_id.eq(case_id))
        .filter(tasks::kind.eq(kind))
        .select(Task::as_select())
        .order(tasks::id)
        .load(conn)
}

pub fn events_of(conn: &mut DbConn, task_id: i64) -> QueryResult<Vec<TaskEvent>> {
    task_events::table
        .filter(task_events::task_id.eq(task_id))
        .select(TaskEvent::as_select())
        .order(task_events::id)
        .load(conn)
}

/// Open tasks held by each of the given workers.
pub fn held_counts(conn: &mut DbConn, worker_ids: &[i64]) -> QueryResult<HashMap<i64, u32>> {
    let rows: Vec<(Option<i64>, i64)> = tasks::table
        .filter(tasks::assignee_id.eq_any(worker_ids))
        .filter(tasks::status.eq_any(TaskStatus::names_where(TaskStatus::has_assignee)))
        .group_by(tasks::assignee_id)
        .select((tasks::assignee_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(w, n)| w.map(|w| (w, n as u32)))
        .collect())
}

/// Declines by each of the given workers since `since`.
pub fn declines_since(
    conn: &mut DbConn,
    worker_ids: &[i64],
    since: NaiveDateTime,
) -> QueryResult<HashMap<i64, u32>> {
    let rows: Vec<(Option<i64>, i64)> = task_events::table
        .filter(task_events::actor_id.eq_any(worker_ids))
        .filter(task_events::action.eq("decline"))
        .filter(task_events::occurred_at.ge(since))
        .group_by(task_events::actor_id)
        .select((task_events::actor_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(w, n)| w.map(|w| (w, n as u32)))
        .collect())
}

/// Which of the given workers have recused themselves from the case.
pub fn recused_among(conn: &mut DbConn, case_id: i64, worker_ids: &[i64]) -> QueryResult<HashSet<i64>> {
    let ids: Vec<i64> = recusals::table
        .filter(recusals::case_id.eq(case_id))
        .filter(recusals::worker_id.eq_any(worker_ids))
        .select(recusals::worker_id)
        .load(conn)?;
    Ok(ids.into_iter().collect())
}

pub fn add_recusal(conn: &mut DbConn, worker_id: i64, case_id: i64, now: NaiveDateTime) -> QueryResult<()> {
    let exists: bool = diesel::select(diesel::dsl::exists(
        recusals::table
            .filter(recusals::worker_id.eq(worker_id))
            .filter(recusals::case_id.eq(case_id)),
    ))
    .get_result(conn)?;
    if !exists {
        diesel::insert_into(recusals::table)
            .values((
                recusals::worker_id.eq(worker_id),
                recusals::case_id.eq(case_id),
                recusals::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Who may see which tasks in a listing, and what the caller asked for.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub court_id: Option<i64>,
    pub township_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub case_id: Option<i64>,
    pub grid_id: Option<i64>,
    pub status: Option<String>,
    pub kind: Option<String>,
    pub overdue: Option<bool>,
}

pub fn list(conn: &mut DbConn, filter: &TaskFilter, page: PageRequest) -> QueryResult<Vec<Task>> {
    let mut query = tasks::table
        .select(Task::as_select())
        .order(tasks::id)
        .into_boxed();
    if let Some(v) = filter.court_id {
        query = query.filter(tasks::court_id.eq(v));
    }
    if let Some(v) = filter.township_id {
        query = query.filter(tasks::township_id.eq(v));
    }
    if let Some(v) = filter.assignee_id {
        query = query.filter(tasks::assignee_id.eq(v));
    }
    if let Some(v) = filter.case_id {
        query = query.filter(tasks::case_id.eq(v));
    }
    if let Some(v) = filter.grid_id {
        query = query.filter(tasks::grid_id.eq(v));
    }
    if let Some(v) = &filter.status {
        query = query.filter(tasks::status.eq(v.clone()));
    }
    if let Some(v) = &filter.kind {
        query = query.filter(tasks::kind.eq(v.clone()));
    }
    if let Some(v) = filter.overdue {
        query = query.filter(tasks::overdue.eq(v));
    }
    if let Some(after) = page.after {
        query = query.filter(tasks::id.gt(after));
    }
    query.limit(page.fetch_limit()).load(conn)
}

/// Tasks that owe work, are not yet reminded and fall due in `(now, by]`.
pub fn unreminded_due_by(conn: &mut DbConn, now: NaiveDateTime, by: NaiveDateTime) -> QueryResult<Vec<Task>> {
    tasks::table
        .filter(tasks::status.eq_any(TaskStatus::names_where(TaskStatus::owes_work)))
        .filter(tasks::reminded_at.is_null())
        .filter(tasks::due_at.gt(now))
        .filter(tasks::due_at.le(by))
        .select(Task::as_select())
        .load(conn)
}

/// Mark the task reminded unless someone (another node) already did; true when this call did.
pub fn claim_reminder(conn: &mut DbConn, task_id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let claimed = diesel::update(tasks::table.find(task_id).filter(tasks::reminded_at.is_null()))
        .set((tasks::reminded_at.eq(now), tasks::version.eq(tasks::version + 1)))
        .execute(conn)?;
    Ok(claimed == 1)
}

/// Tasks that can fall overdue, are due by `now` and are not yet marked overdue.
pub fn newly_late(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Vec<Task>> {
    tasks::table
        .filter(tasks::status.eq_any(TaskStatus::names_where(TaskStatus::can_fall_overdue)))
        .filter(tasks::overdue.eq(false))
        .filter(tasks::due_at.le(now))
        .select(Task::as_select())
        .load(conn)
}

/// Mark the task overdue and escalated unless already marked; true when this call did.
pub fn claim_overdue(conn: &mut DbConn, task_id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let claimed = diesel::update(tasks::table.find(task_id).filter(tasks::overdue.eq(false)))
        .set((
            tasks::overdue.eq(true),
            tasks::escalated_at.eq(now),
            tasks::version.eq(tasks::version + 1),
        ))
        .execute(conn)?;
    Ok(claimed == 1)
}

/// Record the grid and township the task's target resolves to now.
pub fn set_area(
    conn: &mut DbConn,
    task_id: i64,
    grid_id: Option<i64>,
    township_id: Option<i64>,
) -> QueryResult<()> {
    diesel::update(tasks::table.find(task_id))
        .set((tasks::grid_id.eq(grid_id), tasks::township_id.eq(township_id)))
        .execute(conn)?;
    Ok(())
}

/// Pin the task's target on the map if the task is still at `version`; false otherwise.
pub fn pin_target(
    conn: &mut DbConn,
    task_id: i64,
    version: i64,
    point: crate::geo::LatLon,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let moved = diesel::update(tasks::table.find(task_id).filter(tasks::version.eq(version)))
        .set((
            tasks::target_lat.eq(point.lat),
            tasks::target_lon.eq(point.lon),
            tasks::target_source.eq("pinned"),
            tasks::version.eq(version + 1),
            tasks::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(moved == 1)
}
