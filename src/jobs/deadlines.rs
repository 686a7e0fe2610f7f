//! The deadlines sweep: reminds the assignee a day before a task falls due, marks tasks overdue
//! when the due time passes and escalates them to the township supervisor (or the court when the
//! task is in no township). Each step is a conditional update, so running the sweep twice — or on
//! two nodes at once — does each thing once. The clock is a parameter: tests pass the time they
//! want instead of sleeping.

use std::time::Duration;

use actix_web::web;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use super::Shutdown;
use crate::db::schema::tasks;
use crate::db::{DbConn, task_tx};
use crate::domain::task_record::{EventAction, Queue};
use crate::domain::task_state::TaskStatus;
use crate::domain::time;
use crate::error::ApiError;
use crate::repo::tasks::Task;
use crate::services::task_log::TaskChange;
use crate::state::AppState;

/// How long before the due time the assignee is reminded.
pub const REMINDER_LEAD: chrono::Duration = chrono::Duration::hours(24);

/// What one sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    pub reminded: usize,
    pub overdue: usize,
}

/// An event by the system that leaves the task's status as it is.
fn system_event(
    conn: &mut DbConn,
    task: &Task,
    at: NaiveDateTime,
    (action, reason): (EventAction, &str),
    detail: serde_json::Value,
) -> Result<(), ApiError> {
    TaskChange::new(task.id, action, task.status)
        .from(task.status)
        .assignee(task.assignee_id)
        .reason(reason)
        .detail(&detail)
        .at(at)
        .record(conn)
}

/// Run one sweep as of `now` (UTC).
pub fn sweep(conn: &mut DbConn, now: NaiveDateTime) -> Result<SweepReport, ApiError> {
    task_tx(conn, |conn| -> Result<SweepReport, ApiError> {
        let mut report = SweepReport::default();

        let due_soon: Vec<Task> = tasks::table
            .filter(tasks::status.eq_any(TaskStatus::names_where(TaskStatus::owes_work)))
            .filter(tasks::reminded_at.is_null())
            .filter(tasks::due_at.gt(now))
            .filter(tasks::due_at.le(now + REMINDER_LEAD))
            .select(Task::as_select())
            .load(conn)?;
        for task in due_soon {
            let claimed = diesel::update(tasks::table.find(task.id).filter(tasks::reminded_at.is_null()))
                .set((tasks::reminded_at.eq(now), tasks::version.eq(tasks::version + 1)))
                .execute(conn)?;
            if claimed == 1 {
                let detail = serde_json::json!({"due_at": time::to_utc(task.due_at), "notify": "assignee"});
                system_event(conn, &task, now, (EventAction::Remind, "due_soon"), detail)?;
                report.reminded += 1;
            }
        }

        let late: Vec<Task> = tasks::table
            .filter(tasks::status.eq_any(TaskStatus::names_where(TaskStatus::can_fall_overdue)))
            .filter(tasks::overdue.eq(false))
            .filter(tasks::due_at.le(now))
            .select(Task::as_select())
            .load(conn)?;
        for task in late {
            let claimed = diesel::update(tasks::table.find(task.id).filter(tasks::overdue.eq(false)))
                .set((
                    tasks::overdue.eq(true),
                    tasks::escalated_at.eq(now),
                    tasks::version.eq(tasks::version + 1),
                ))
                .execute(conn)?;
            if claimed == 1 {
                // Queued in the court (outside every township): the court escalates to itself.
                let to = if task.queue == Some(Queue::Court) {
                    "court"
                } else {
                    "supervisor"
                };
                let detail = serde_json::json!({"due_at": time::to_utc(task.due_at), "notify": to});
                system_event(conn, &task, now, (EventAction::Overdue, "past_due"), detail)?;
                report.overdue += 1;
            }
        }
        Ok(report)
    })
}

/// Sweep every `interval` in the background, as of the real clock.
pub fn spawn(
    state: web::Data<AppState>,
    interval: Duration,
    mut shutdown: Shutdown,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = super::ticker(interval);
        while shutdown.tick(&mut ticker).await.is_some() {
            match state.db.run(|conn| sweep(conn, time::now())).await {
                Ok(r) if r.reminded + r.overdue > 0 => {
                    tracing::info!(reminded = r.reminded, overdue = r.overdue, "deadline sweep")
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(code = error.code(), "deadline sweep failed"),
            }
        }
    })
}
