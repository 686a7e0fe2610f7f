//! The worker's sync: "what changed for me since cursor N". Reads the worker's sync feed (kept by
//! [`crate::services::task_log`]) in sequence order and turns each entry into the task's current
//! state, with the party data the task needs and any rework reason, or into a tombstone for a task
//! taken away. Because every task change commits in feed order (see [`crate::db::task_tx`]), a
//! phone that resumes from the last sequence it saw never misses a change.

use crate::db::DbConn;
use crate::domain::Role;
use crate::domain::submission::Verdict;
use crate::domain::task_record::FeedChange;
use crate::domain::task_state::TaskStatus;
use crate::error::ApiError;
use crate::repo::{self, cases::Party, submissions::Submission, tasks::Task};
use crate::services::Caller;

/// One change a phone must apply.
#[derive(Debug)]
pub enum Change {
    /// The task is the worker's; here is its current state.
    Upsert {
        seq: i64,
        task: Box<Task>,
        party: Option<Box<Party>>,
        /// When the task was returned for rework: the review asking for it.
        rework: Option<Box<Submission>>,
    },
    /// The task is no longer the worker's (`reassigned`, `declined`, `cancelled`).
    Tombstone { seq: i64, task_id: i64, reason: String },
}

impl Change {
    pub fn seq(&self) -> i64 {
        match self {
            Change::Upsert { seq, .. } | Change::Tombstone { seq, .. } => *seq,
        }
    }
}

/// Up to `limit` changes after `after`, oldest first, and whether more follow.
pub fn changes(
    conn: &mut DbConn,
    caller: &Caller,
    (after, limit): (i64, i64),
    party_grace: chrono::Duration,
) -> Result<(Vec<Change>, bool), ApiError> {
    if caller.role != Role::Worker {
        return Err(ApiError::Forbidden);
    }
    let mut entries = repo::sync_feed::since(conn, caller.id, after, limit + 1)?;
    let more = entries.len() as i64 > limit;
    entries.truncate(limit as usize);
    let mut changes = Vec::with_capacity(entries.len());
    let mut party_reads = Vec::new();
    // The page's tasks in one query; a feed holds each task at most once per worker.
    let ids: Vec<i64> = entries.iter().map(|e| e.task_id).collect();
    let mut tasks = repo::tasks::find_many(conn, &ids)?;
    for entry in entries {
        let task = tasks.remove(&entry.task_id);
        let change = match task {
            Some(task) if entry.change == FeedChange::Upsert && task.assignee_id == Some(caller.id) => {
                let visible = crate::services::tasks::party_visible(
                    &task,
                    crate::services::tasks::View::Worker,
                    party_grace,
                    crate::domain::time::now(),
                );
                let party = match task.party_id {
                    Some(id) if visible => repo::cases::find_party(conn, id)?,
                    _ => None,
                };
                if party.is_some() {
                    party_reads.push(task.id);
                }
                let rework = if task.status == TaskStatus::Returned {
                    repo::submissions::latest(conn, task.id)?
                        .filter(|s| s.decision == Some(Verdict::Returned))
                } else {
                    None
                };
                Change::Upsert {
                    seq: entry.seq,
                    task: Box::new(task),
                    party: party.map(Box::new),
                    rework: rework.map(Box::new),
                }
            }
            _ => Change::Tombstone {
                seq: entry.seq,
                task_id: entry.task_id,
                reason: entry.reason.unwrap_or_else(|| "reassigned".into()),
            },
        };
        changes.push(change);
    }
    if !party_reads.is_empty() {
        // One row per sync, naming every task whose party the phone received.
        let purpose = party_reads
            .iter()
            .map(|id| format!("task:{id}"))
            .collect::<Vec<_>>()
            .join(",");
        repo::audit::record_read(
            conn,
            &caller.actor(),
            ("task.party_read", "sync", None),
            &purpose,
            &["party.name", "party.id_number", "party.phones", "party.addresses"],
            Some(serde_json::json!({ "view": "worker", "task_ids": party_reads })),
        )?;
    }
    let delivered = changes.iter().filter_map(|c| match c {
        Change::Upsert { task, .. } => Some(task.as_ref()),
        Change::Tombstone { .. } => None,
    });
    crate::services::tasks::audit_target_reads(conn, caller, "sync", delivered)?;
    Ok((changes, more))
}
