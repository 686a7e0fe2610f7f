//! Who may see and act on a task: the view a caller gets of it (full, supervisor's, worker's)
//! and the checks every task action starts with. Kept apart from the task use cases so that
//! scoring's findings and the other services can load a task within the caller's scope without
//! depending on task creation and assignment.

use crate::db::DbConn;
use crate::domain::Role;
use crate::domain::access::Scope;
use crate::domain::task_state::TaskStatus;
use crate::error::ApiError;
use crate::repo::{self, tasks::Task};
use crate::services::Caller;

/// How much of a task the caller may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Officers of the task's court and admins: everything.
    Full,
    /// The township's supervisor: phones masked.
    Supervisor,
    /// The assignee: what the task needs, ID numbers masked.
    Worker,
}

/// Whether the caller may see the task's party (name, ID, phones, addresses): the court and the
/// township always; the assignee while the task is open and for `grace` after it closed — the
/// worker needs the data to do the task, not afterwards.
pub fn party_visible(task: &Task, view: View, grace: chrono::Duration, now: chrono::NaiveDateTime) -> bool {
    match view {
        View::Full | View::Supervisor => true,
        View::Worker => task.status.is_open() || task.updated_at + grace > now,
    }
}

/// Who may see a task, and how much; out of scope is "not found".
pub fn view_of(caller: &Caller, task: &Task) -> Result<View, ApiError> {
    // The scope the matrix granted for this operation decides; the role is not consulted again.
    let allowed = match caller.scope {
        Scope::All => Some(View::Full),
        Scope::Court if caller.court_id == Some(task.court_id) => Some(View::Full),
        Scope::Township if task.township_id.is_some() && caller.township_id == task.township_id => {
            Some(View::Supervisor)
        }
        Scope::Own if task.assignee_id == Some(caller.id) => Some(View::Worker),
        _ => None,
    };
    allowed.ok_or(ApiError::NotFound("task"))
}

/// A task the caller may see, and how much of it.
pub fn get(conn: &mut DbConn, caller: &Caller, task_id: i64) -> Result<(Task, View), ApiError> {
    let task = repo::tasks::find(conn, task_id)?.ok_or(ApiError::NotFound("task"))?;
    let view = view_of(caller, &task)?;
    Ok((task, view))
}

/// Check an `If-Match` version, when the client sent one.
pub(crate) fn check_version(task: &Task, if_match: Option<i64>) -> Result<(), ApiError> {
    match if_match {
        Some(v) if v != task.version => Err(ApiError::PreconditionFailed),
        _ => Ok(()),
    }
}

/// Who may act on a task: the assignee (worker view), an officer of its court, or either an
/// officer of its court or the township's supervisor.
pub(crate) fn assignee(caller: &Caller, view: View) -> bool {
    view == View::Worker && caller.role == Role::Worker
}

pub(crate) fn court_officer(caller: &Caller, view: View) -> bool {
    view == View::Full && caller.role == Role::Officer
}

pub(crate) fn officer_or_supervisor(caller: &Caller, view: View) -> bool {
    court_officer(caller, view) || view == View::Supervisor
}

/// Load a task for an action: in the caller's scope (404 otherwise), one they may act on (403),
/// still at the version they saw (412); returns it with its current status.
pub(crate) fn prepare(
    conn: &mut DbConn,
    caller: &Caller,
    task_id: i64,
    if_match: Option<i64>,
    allowed: fn(&Caller, View) -> bool,
) -> Result<(Task, TaskStatus), ApiError> {
    let (task, view) = get(conn, caller, task_id)?;
    if !allowed(caller, view) {
        return Err(ApiError::Forbidden);
    }
    check_version(&task, if_match)?;
    let from = task.status;
    Ok((task, from))
}
