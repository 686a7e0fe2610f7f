//! The facts behind an applicant's view of a case: its tasks, the first time each milestone
//! action happened to each, approved results and recorded outcomes. Four set-based queries per
//! case, whatever the number of tasks and events.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};

use crate::db::DbConn;
use crate::db::schema::{submissions, task_outcomes, tasks};
use crate::domain::TaskKind;
use crate::domain::progress::MILESTONE_ACTIONS;
use crate::domain::submission::Verdict;
use crate::domain::task_record::EventAction;
use crate::domain::task_state::TaskStatus;

/// A task of the case: (id, kind, status, created_at).
pub type TaskRow = (i64, TaskKind, TaskStatus, NaiveDateTime);

pub fn tasks_of_case(conn: &mut DbConn, case_id: i64) -> QueryResult<Vec<TaskRow>> {
    tasks::table
        .filter(tasks::case_id.eq(case_id))
        .order(tasks::id)
        .select((tasks::id, tasks::kind, tasks::status, tasks::created_at))
        .load(conn)
}

#[derive(QueryableByName)]
struct FirstRow {
    #[diesel(sql_type = BigInt)]
    task_id: i64,
    #[diesel(sql_type = Text)]
    action: EventAction,
    #[diesel(sql_type = Nullable<Timestamp>)]
    first_at: Option<NaiveDateTime>,
}

/// For each task of the case and each milestone action, when it first happened.
pub fn first_milestones(
    conn: &mut DbConn,
    case_id: i64,
) -> QueryResult<HashMap<i64, Vec<(EventAction, NaiveDateTime)>>> {
    let actions = MILESTONE_ACTIONS
        .iter()
        .map(|a| format!("'{}'", a.as_str()))
        .collect::<Vec<_>>()
        .join(", ");
    let rows: Vec<FirstRow> = diesel::sql_query(format!(
        "SELECT e.task_id AS task_id, e.action AS action, MIN(e.occurred_at) AS first_at \
         FROM task_events e JOIN tasks t ON t.id = e.task_id \
         WHERE t.case_id = $1 AND e.action IN ({actions}) \
         GROUP BY e.task_id, e.action"
    ))
    .bind::<BigInt, _>(case_id)
    .load(conn)?;
    let mut by_task: HashMap<i64, Vec<(EventAction, NaiveDateTime)>> = HashMap::new();
    for row in rows {
        if let Some(at) = row.first_at {
            by_task.entry(row.task_id).or_default().push((row.action, at));
        }
    }
    Ok(by_task)
}

/// The approved result (JSON) of each task of the case that has one; the latest approval wins.
pub fn approved_results(conn: &mut DbConn, case_id: i64) -> QueryResult<HashMap<i64, String>> {
    let rows: Vec<(i64, String)> = submissions::table
        .inner_join(tasks::table)
        .filter(tasks::case_id.eq(case_id))
        .filter(submissions::decision.eq(Verdict::Approved))
        .order(submissions::id)
        .select((submissions::task_id, submissions::result))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// The latest recorded outcome of each of the tasks: (frozen, seized, recovered fen, settled).
pub fn latest_outcomes(
    conn: &mut DbConn,
    task_ids: &[i64],
) -> QueryResult<HashMap<i64, (i64, i64, i64, bool)>> {
    let rows: Vec<(i64, i64, i64, i64, bool)> = task_outcomes::table
        .filter(task_outcomes::task_id.eq_any(task_ids))
        .order(task_outcomes::id)
        .select((
            task_outcomes::task_id,
            task_outcomes::assets_frozen_fen,
            task_outcomes::assets_seized_fen,
            task_outcomes::amount_recovered_fen,
            task_outcomes::settlement_performed,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(task, frozen, seized, recovered, settled)| (task, (frozen, seized, recovered, settled)))
        .collect())
}
