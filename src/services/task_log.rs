//! Every change to a task is written through here, inside the caller's transaction: the event row
//! (who, when, from, to, why), its audit row sealing the records it wrote, the workers' sync feeds (the holder hears the new state; a worker
//! who lost the task gets a tombstone), the notification the change calls for, in the outbox, and
//! the score line it earns or costs the worker.
//! Keeping the three together is what makes "nothing acknowledged is lost" hold for phones and
//! for the SMS gateway alike. A change is described with the [`TaskChange`] builder and written
//! with [`TaskChange::record`].

use chrono::NaiveDateTime;
use diesel::QueryResult;
use serde_json::json;

use crate::db::DbConn;
use crate::domain::task_record::{EventAction, FeedChange};
use crate::domain::task_state::TaskStatus;
use crate::domain::time;
use crate::error::ApiError;
use crate::repo::{self, audit::Actor, seals::Sealed, tasks::NewTaskEvent, tasks::Task};

/// One change to a task, described field by field and then recorded with everything that
/// follows from it:
///
/// ```ignore
/// TaskChange::new(task.id, EventAction::Decline, TaskStatus::Queued)
///     .by(caller.actor())
///     .from(TaskStatus::Assigned)
///     .reason(reason.as_str())
///     .note(note.as_deref())
///     .record(conn)?;
/// ```
///
/// Unless told otherwise the change is the system's, happens now, and names no assignee.
#[must_use = "a change is written only by `record`"]
pub struct TaskChange<'a> {
    event: NewTaskEvent<'a>,
    actor: Actor,
    subject: Option<(Sealed, i64)>,
}

impl<'a> TaskChange<'a> {
    /// `action` moved (or, for events that keep the status, left) task `task_id` at `to`.
    pub fn new(task_id: i64, action: EventAction, to: TaskStatus) -> TaskChange<'a> {
        TaskChange {
            event: NewTaskEvent {
                task_id,
                occurred_at: time::now(),
                actor_id: None,
                actor_role: "system",
                action,
                from_status: None,
                to_status: to,
                assignee_id: None,
                reason_code: None,
                note: None,
                detail: None,
            },
            actor: Actor::system(),
            subject: None,
        }
    }

    /// Who caused it: the event row keeps their id and role, the audit row the whole actor.
    pub fn by(mut self, actor: Actor) -> Self {
        self.event.actor_id = actor.user_id;
        self.actor = actor;
        self
    }

    /// The status the task had before.
    pub fn from(mut self, from: TaskStatus) -> Self {
        self.event.from_status = Some(from);
        self
    }

    /// The worker the event concerns (the new assignee, or the one who holds the task).
    pub fn assignee(mut self, worker_id: Option<i64>) -> Self {
        self.event.assignee_id = worker_id;
        self
    }

    /// The reason code (a decline reason, a queue reason, the return reasons joined by commas).
    pub fn reason(mut self, code: impl Into<Option<&'a str>>) -> Self {
        self.event.reason_code = code.into();
        self
    }

    /// The person's free-text note, if they wrote one.
    pub fn note(mut self, note: Option<&'a str>) -> Self {
        self.event.note = note;
        self
    }

    /// Machine-readable detail (an explanation, the ids involved), stored as JSON text.
    pub fn detail(mut self, detail: &impl serde::Serialize) -> Self {
        self.event.detail = serde_json::to_string(detail).ok();
        self
    }

    /// When it happened, if not now (a check-in received earlier, a sweep run as of a time).
    pub fn at(mut self, at: NaiveDateTime) -> Self {
        self.event.occurred_at = at;
        self
    }

    /// The record the event is about (a check-in, an evidence file, a submission): the audit row
    /// seals it together with the event row.
    pub fn about(mut self, table: Sealed, id: i64) -> Self {
        self.subject = Some((table, id));
        self
    }

    /// Write the event and everything that follows from it, in the caller's transaction.
    pub fn record(self, conn: &mut DbConn) -> Result<(), ApiError> {
        let role = self.actor.role.as_deref().unwrap_or("system");
        let event = NewTaskEvent {
            actor_role: role,
            ..self.event
        };
        record(conn, &self.actor, &event, self.subject)
    }
}

/// Record a task event and everything that follows from it, with its audit row: `actor` is who
/// caused it (the system for deadlines and automatic placement), `subject` the record the event
/// is about when there is one (a check-in, an evidence file, a submission) — the audit row seals
/// it together with the event row and any score line the event earned (see `repo::seals`).
fn record(
    conn: &mut DbConn,
    actor: &Actor,
    event: &NewTaskEvent<'_>,
    subject: Option<(Sealed, i64)>,
) -> Result<(), ApiError> {
    let event_id = repo::tasks::record_event(conn, event)?;
    let mut line = None;
    if let Some(task) = repo::tasks::find(conn, event.task_id)? {
        update_feeds(conn, &task, event)?;
        notify(conn, &task, event)?;
        line = crate::services::scoring::on_task_event(conn, &task, event_id, event)?;
    }
    let mut seals = repo::seals::seal(conn, Sealed::TaskEvents, &[event_id])?;
    if let Some((table, id)) = subject {
        seals.extend(repo::seals::seal(conn, table, &[id])?);
    }
    if let Some(line) = line {
        seals.extend(repo::seals::seal(conn, Sealed::ScoreLines, &[line])?);
    }
    // The event's own fields, minus the free-text note (it may name people; the seal covers it).
    let detail = json!({
        "event_id": event_id,
        "from": event.from_status,
        "to": event.to_status,
        "assignee_id": event.assignee_id,
        "reason": event.reason_code,
        "seals": seals,
    });
    repo::audit::record(
        conn,
        actor,
        &format!("task.{}", event.action),
        "task",
        Some(event.task_id.to_string()),
        Some(detail),
    )?;
    Ok(())
}

/// The worker whose phone should show the task now, if any. An approved task stays with its
/// worker (they want to see the approval); a cancelled, queued or unassigned one is nobody's.
fn holder(task: &Task) -> Option<i64> {
    let status = task.status;
    task.assignee_id
        .filter(|_| status.has_assignee() || status == TaskStatus::Approved)
}

fn update_feeds(conn: &mut DbConn, task: &Task, event: &NewTaskEvent<'_>) -> QueryResult<()> {
    let holder = holder(task);
    let reason = match event.action {
        EventAction::Cancel => "cancelled",
        action if action.gives_back() => "declined",
        _ => "reassigned",
    };
    for worker in repo::sync_feed::holders(conn, task.id)? {
        if Some(worker) != holder {
            repo::sync_feed::touch(
                conn,
                worker,
                task.id,
                (FeedChange::Tombstone, Some(reason)),
                event.occurred_at,
            )?;
        }
    }
    if let Some(worker) = holder {
        repo::sync_feed::touch(
            conn,
            worker,
            task.id,
            (FeedChange::Upsert, None),
            event.occurred_at,
        )?;
    }
    Ok(())
}

/// Which events people are told about, and whom: the assignee for their own work, the township
/// supervisor (or the court, for a task in no township) for overdue work.
fn notify(conn: &mut DbConn, task: &Task, event: &NewTaskEvent<'_>) -> QueryResult<()> {
    let assignee = || json!({ "role": "worker", "user_id": task.assignee_id });
    let (event_type, recipient) = match event.action {
        EventAction::Assign => ("task.assigned", assignee()),
        EventAction::Remind => ("task.reminder", assignee()),
        EventAction::Return => ("task.returned", assignee()),
        EventAction::Approve => ("task.approved", assignee()),
        EventAction::Overdue => match task.township_id {
            Some(township_id) => (
                "task.overdue",
                json!({ "role": "supervisor", "township_id": township_id }),
            ),
            None => (
                "task.overdue",
                json!({ "role": "officer", "court_id": task.court_id }),
            ),
        },
        _ => return Ok(()),
    };
    if recipient.get("user_id").is_some_and(|v| v.is_null()) {
        return Ok(());
    }
    // Only what the gateway needs to word a message; no party data leaves through webhooks.
    let payload = json!({
        "type": event_type,
        "timestamp": time::to_utc(event.occurred_at),
        "data": {
            "task_id": task.id,
            "case_id": task.case_id,
            "kind": task.kind,
            "status": task.status,
            "due_at": time::to_utc(task.due_at),
            "reason": event.reason_code,
            "recipient": recipient,
        }
    });
    repo::outbox::enqueue(conn, event_type, &payload.to_string(), event.occurred_at)?;
    Ok(())
}
