//! The deadlines sweep: reminds the assignee a day before a task falls due, marks tasks overdue
//! when the due time passes and escalates them to the township supervisor (or the court when the
//! task is in no township). Each step is a conditional update, so running the sweep twice — or on
//! two nodes at once — does each thing once. The clock is a parameter: tests pass the time they
//! want instead of sleeping. `jobs::deadlines` runs it on a timer.

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::db::{DbConn, task_tx};
use crate::domain::task_record::{EventAction, Queue};
use crate::domain::time;
use crate::error::ApiError;
use crate::repo::{self, tasks::Task};
use crate::services::task_log::TaskChange;

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

        for task in repo::tasks::unreminded_due_by(conn, now, now + REMINDER_LEAD)? {
            if repo::tasks::claim_reminder(conn, task.id, now)? {
                let detail = serde_json::json!({"due_at": time::to_utc(task.due_at), "notify": "assignee"});
                system_event(conn, &task, now, (EventAction::Remind, "due_soon"), detail)?;
                report.reminded += 1;
            }
        }

        for task in repo::tasks::newly_late(conn, now)? {
            if repo::tasks::claim_overdue(conn, task.id, now)? {
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
