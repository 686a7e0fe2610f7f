//! What a removal from the list of dishonest debtors does to the grid workers' tasks, inside the
//! removal's own transaction (a [`crate::db::task_tx`]):
//!
//! - open `publicize_dishonesty` tasks for that debtor on that case are cancelled, with the reason
//!   `debtor_removed` — nobody should post a notice about someone no longer listed;
//! - every worker who posted a notice for that debtor gets a `take_down_notice` task, urgent and
//!   due in three working days, at the same place, naming the places from their own posting
//!   result. "Posted" means the publicity task was approved, or its worker had already submitted
//!   postings when the removal came (the notice is up even though nobody reviewed it yet). A
//!   poster whose account is deactivated, or who is no longer a grid worker, cannot be sent it:
//!   the task waits in the township's queue (the court's, for a task outside every township) with
//!   the reason `poster_unavailable`. No posting, no take-down task.
//!
//! A publicity task "concerns" the debtor when its party carries the entry's identifier, or when
//! it names no party (a notice for the whole case names every debtor, this one included).
//! Every change goes through [`crate::services::task_log`], so sync feeds, notifications and score
//! lines follow as for any other task change.

use serde_json::json;

use crate::db::DbConn;
use crate::domain::calendar::WorkCalendar;
use crate::domain::dishonest::take_down_instructions;
use crate::domain::submission::TaskResult;
use crate::domain::submission::Verdict;
use crate::domain::task_record::{EventAction, Priority, Queue};
use crate::domain::task_state::{TaskAction, TaskStatus, transition};
use crate::domain::{TaskKind, time};
use crate::error::ApiError;
use crate::repo::{
    self,
    dishonest::Entry,
    tasks::{NewTask, Placement, Task},
};
use crate::services::Caller;
use crate::services::task_log::TaskChange;
use crate::services::tasks::{DUE_HOUR_LOCAL, default_working_days};

/// The tasks a removal changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemovalEffects {
    /// Open publicity tasks cancelled.
    pub cancelled_task_ids: Vec<i64>,
    /// Take-down tasks created, one per posting task.
    pub take_down_task_ids: Vec<i64>,
}

/// Cancel and create as the module says, for `entry` just removed. Must run in a task
/// transaction.
pub fn on_removal(
    conn: &mut DbConn,
    caller: &Caller,
    entry: &Entry,
    calendar: &WorkCalendar,
) -> Result<RemovalEffects, ApiError> {
    let mut effects = RemovalEffects::default();
    let Some(case) = repo::cases::find_by_number(conn, entry.court_id, &entry.case_number)? else {
        return Ok(effects);
    };
    let debtor_parties: Vec<i64> = repo::cases::parties_of(conn, case.id)?
        .into_iter()
        .filter(|p| p.id_number.as_deref() == Some(entry.id_number.as_str()))
        .map(|p| p.id)
        .collect();
    let concerned: Vec<Task> =
        repo::tasks::of_case_and_kind(conn, case.id, TaskKind::PublicizeDishonesty.as_str())?
            .into_iter()
            .filter(|t| t.party_id.is_none_or(|p| debtor_parties.contains(&p)))
            .collect();
    let removed_on = entry.removed_on.unwrap_or_else(time::today_local);
    let mut posted: Vec<(Task, Vec<String>)> = Vec::new();
    for task in concerned {
        let status = task.status;
        if status == TaskStatus::Cancelled {
            continue;
        }
        if let Some(places) = posted_places(conn, &task, status)? {
            posted.push((task.clone(), places));
        }
        if status.is_open() {
            cancel(conn, caller, &task, status, entry)?;
            effects.cancelled_task_ids.push(task.id);
        }
    }
    for (task, places) in posted {
        let Some(poster) = task.assignee_id else {
            continue;
        };
        let id = create_take_down(conn, caller, (&task, poster), &places, (removed_on, calendar))?;
        effects.take_down_task_ids.push(id);
    }
    Ok(effects)
}

/// Where the task's worker posted the notice, if they did: the approved result of an approved
/// task, the latest result of an open one (submitted, or returned for rework).
fn posted_places(
    conn: &mut DbConn,
    task: &Task,
    status: TaskStatus,
) -> Result<Option<Vec<String>>, ApiError> {
    let submissions = repo::submissions::of_task(conn, task.id)?;
    let result = if status == TaskStatus::Approved {
        submissions
            .iter()
            .rev()
            .find(|s| s.decision == Some(Verdict::Approved))
    } else {
        submissions.last()
    };
    let Some(result) = result else {
        return Ok(None);
    };
    let places = match serde_json::from_str::<TaskResult>(&result.result) {
        Ok(TaskResult::PublicizeDishonesty(body)) => body.postings.into_iter().map(|p| p.place).collect(),
        // A stored result is always of its task's kind; if not, the places are unknown but the
        // notice still has to come down.
        _ => Vec::new(),
    };
    Ok(Some(places))
}

fn cancel(
    conn: &mut DbConn,
    caller: &Caller,
    task: &Task,
    from: TaskStatus,
    entry: &Entry,
) -> Result<(), ApiError> {
    let to = transition(from, TaskAction::Cancel)?;
    let now = time::now();
    if !repo::tasks::place(conn, task.id, task.version, &Placement::status_unqueued(to, now))? {
        return Err(ApiError::PreconditionFailed);
    }
    let removal_reason = entry.removal_reason.as_deref().unwrap_or_default();
    // The note is read by people: the reason in words, the code stays in the detail.
    let note = match crate::domain::dishonest::RemovalReason::parse(removal_reason) {
        Some(reason) => format!("被执行人已移出失信被执行人名单（{}）", reason.label()),
        None => "被执行人已移出失信被执行人名单".to_owned(),
    };
    TaskChange::new(task.id, EventAction::Cancel, to)
        .by(caller.actor())
        .from(from)
        .assignee(task.assignee_id)
        .reason("debtor_removed")
        .note(Some(&note))
        .detail(&json!({ "dishonest_entry_id": entry.id, "removal_reason": removal_reason }))
        .at(now)
        .record(conn)
}

/// The take-down task for one posting task, assigned to its poster (or queued when they cannot
/// take it); returns its id.
fn create_take_down(
    conn: &mut DbConn,
    caller: &Caller,
    (posting, poster): (&Task, i64),
    places: &[String],
    (removed_on, calendar): (chrono::NaiveDate, &WorkCalendar),
) -> Result<i64, ApiError> {
    let now = time::now();
    let kind = TaskKind::TakeDownNotice;
    let due_on = calendar.add_working_days(time::local_date(now), default_working_days(kind));
    let case_number = repo::cases::find(conn, posting.case_id)?
        .map(|c| c.case_number)
        .unwrap_or_default();
    let instructions = take_down_instructions(&case_number, removed_on, places);
    let task = repo::tasks::insert(
        conn,
        &NewTask {
            case_id: posting.case_id,
            court_id: posting.court_id,
            party_id: posting.party_id,
            kind,
            status: TaskStatus::Created,
            priority: Priority::Urgent,
            instructions: &instructions,
            target_address: posting.target_address.as_deref(),
            target_lat: posting.target_lat,
            target_lon: posting.target_lon,
            target_source: posting.target_source.as_deref(),
            grid_id: posting.grid_id,
            township_id: posting.township_id,
            due_at: time::local_to_utc(due_on, DUE_HOUR_LOCAL),
            overdue: false,
            decline_count: 0,
            version: 1,
            created_by: caller.id,
            created_at: now,
            updated_at: now,
        },
    )?;
    TaskChange::new(task.id, EventAction::Create, TaskStatus::Created)
        .by(caller.actor())
        .at(now)
        .record(conn)?;
    let available =
        repo::users::find(conn, poster)?.is_some_and(|u| u.active && u.role == crate::domain::Role::Worker);
    let detail =
        |summary: &str| json!({ "summary": summary, "posting_task_id": posting.id, "poster_id": poster });
    if available {
        let to = transition(TaskStatus::Created, TaskAction::Assign)?;
        if !repo::tasks::place(
            conn,
            task.id,
            task.version,
            &Placement::to_worker(to, poster, now),
        )? {
            return Err(ApiError::PreconditionFailed);
        }
        // Placing the take-down with its poster is the system's doing, as automatic placement is.
        TaskChange::new(task.id, EventAction::Assign, to)
            .from(TaskStatus::Created)
            .assignee(Some(poster))
            .reason("poster")
            .detail(&detail("assigned to the worker who posted the notice"))
            .at(now)
            .record(conn)?;
    } else {
        let to = transition(TaskStatus::Created, TaskAction::Queue)?;
        let queue = if posting.township_id.is_some() {
            Queue::Township
        } else {
            Queue::Court
        };
        let placement = Placement::to_queue(to, queue, "poster_unavailable", now);
        if !repo::tasks::place(conn, task.id, task.version, &placement)? {
            return Err(ApiError::PreconditionFailed);
        }
        TaskChange::new(task.id, EventAction::Queue, to)
            .from(TaskStatus::Created)
            .reason("poster_unavailable")
            .detail(&detail(
                "the worker who posted the notice can no longer take tasks",
            ))
            .at(now)
            .record(conn)?;
    }
    Ok(task.id)
}
