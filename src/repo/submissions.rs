//! Workers' typed results for tasks, the officer's review of each, and the outcomes officers
//! record afterwards.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{submissions, task_outcomes};
use crate::domain::TaskKind;
use crate::domain::submission::Verdict;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = submissions)]
pub struct Submission {
    pub id: i64,
    pub task_id: i64,
    pub worker_id: i64,
    pub client_id: String,
    pub kind: TaskKind,
    /// JSON of the validated result.
    pub result: String,
    pub note: Option<String>,
    pub request_digest: String,
    pub submitted_at: NaiveDateTime,
    /// None while awaiting review.
    pub decision: Option<Verdict>,
    pub reviewed_by: Option<i64>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub rating: Option<i32>,
    /// JSON array of reason codes.
    pub return_reasons: Option<String>,
    pub review_comment: Option<String>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = submissions)]
pub struct NewSubmission<'a> {
    pub task_id: i64,
    pub worker_id: i64,
    pub client_id: &'a str,
    pub kind: TaskKind,
    pub result: &'a str,
    pub note: Option<&'a str>,
    pub request_digest: &'a str,
    pub submitted_at: NaiveDateTime,
}

/// The review written onto a submission.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = submissions)]
pub struct Review<'a> {
    pub decision: Verdict,
    pub reviewed_by: i64,
    pub reviewed_at: NaiveDateTime,
    pub rating: Option<i32>,
    pub return_reasons: Option<String>,
    pub review_comment: Option<&'a str>,
}

pub fn insert(conn: &mut DbConn, new: &NewSubmission<'_>) -> QueryResult<Submission> {
    diesel::insert_into(submissions::table)
        .values(new)
        .returning(submissions::all_columns)
        .get_result(conn)
}

pub fn find_by_client_id(
    conn: &mut DbConn,
    worker_id: i64,
    client_id: &str,
) -> QueryResult<Option<Submission>> {
    submissions::table
        .filter(submissions::worker_id.eq(worker_id))
        .filter(submissions::client_id.eq(client_id))
        .select(Submission::as_select())
        .first(conn)
        .optional()
}

/// A task's submissions, oldest first.
pub fn of_task(conn: &mut DbConn, task_id: i64) -> QueryResult<Vec<Submission>> {
    submissions::table
        .filter(submissions::task_id.eq(task_id))
        .order(submissions::id)
        .select(Submission::as_select())
        .load(conn)
}

/// The newest submission of a task.
pub fn latest(conn: &mut DbConn, task_id: i64) -> QueryResult<Option<Submission>> {
    submissions::table
        .filter(submissions::task_id.eq(task_id))
        .order(submissions::id.desc())
        .select(Submission::as_select())
        .first(conn)
        .optional()
}

/// Write the review onto a submission still awaiting one; false when it was already reviewed.
pub fn review(conn: &mut DbConn, id: i64, review: &Review<'_>) -> QueryResult<bool> {
    let n = diesel::update(
        submissions::table
            .find(id)
            .filter(submissions::decision.is_null()),
    )
    .set(review)
    .execute(conn)?;
    Ok(n == 1)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = task_outcomes)]
pub struct Outcome {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub task_id: i64,
    pub recorded_by: i64,
    pub recorded_at: NaiveDateTime,
    pub assets_frozen_fen: i64,
    pub assets_seized_fen: i64,
    pub amount_recovered_fen: i64,
    pub settlement_performed: bool,
    pub note: Option<String>,
}

pub fn insert_outcome(conn: &mut DbConn, outcome: &Outcome) -> QueryResult<Outcome> {
    diesel::insert_into(task_outcomes::table)
        .values(outcome)
        .returning(task_outcomes::all_columns)
        .get_result(conn)
}

/// The outcome that counts: the latest recorded.
pub fn latest_outcome(conn: &mut DbConn, task_id: i64) -> QueryResult<Option<Outcome>> {
    task_outcomes::table
        .filter(task_outcomes::task_id.eq(task_id))
        .order(task_outcomes::id.desc())
        .select(Outcome::as_select())
        .first(conn)
        .optional()
}
