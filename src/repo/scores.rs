//! The scoring scheme's versions, score lines, closed period snapshots, appeals, training
//! modules and completions, and disputed check-ins.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{
    check_in_disputes, period_snapshots, score_appeals, score_lines, scoring_schemes, training_completions,
    training_modules,
};
use crate::domain::scoring::{AppealStatus, LineCode};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = scoring_schemes)]
pub struct SchemeVersion {
    pub version: i64,
    pub body: String,
    pub effective_from: NaiveDateTime,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub note: Option<String>,
}

pub fn insert_scheme(conn: &mut DbConn, version: &SchemeVersion) -> QueryResult<()> {
    diesel::insert_into(scoring_schemes::table)
        .values((
            scoring_schemes::version.eq(version.version),
            scoring_schemes::body.eq(&version.body),
            scoring_schemes::effective_from.eq(version.effective_from),
            scoring_schemes::created_by.eq(version.created_by),
            scoring_schemes::created_at.eq(version.created_at),
            scoring_schemes::note.eq(&version.note),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The newest version.
pub fn latest_scheme(conn: &mut DbConn) -> QueryResult<Option<SchemeVersion>> {
    scoring_schemes::table
        .order(scoring_schemes::version.desc())
        .select(SchemeVersion::as_select())
        .first(conn)
        .optional()
}

/// The version in force at `at`: the newest that took effect at or before it.
pub fn scheme_at(conn: &mut DbConn, at: NaiveDateTime) -> QueryResult<Option<SchemeVersion>> {
    scoring_schemes::table
        .filter(scoring_schemes::effective_from.le(at))
        .order((
            scoring_schemes::effective_from.desc(),
            scoring_schemes::version.desc(),
        ))
        .select(SchemeVersion::as_select())
        .first(conn)
        .optional()
}

/// Every version, oldest first (few: a handful a year).
pub fn all_schemes(conn: &mut DbConn) -> QueryResult<Vec<SchemeVersion>> {
    scoring_schemes::table
        .order(scoring_schemes::version)
        .select(SchemeVersion::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = score_lines)]
pub struct ScoreLine {
    pub id: i64,
    pub worker_id: i64,
    pub township_id: Option<i64>,
    pub occurred_at: NaiveDateTime,
    pub code: LineCode,
    pub points: i64,
    pub task_id: Option<i64>,
    pub source: String,
    pub scheme_version: i64,
    pub detail: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = score_lines)]
pub struct NewScoreLine {
    pub worker_id: i64,
    pub township_id: Option<i64>,
    pub occurred_at: NaiveDateTime,
    pub code: LineCode,
    pub points: i64,
    pub task_id: Option<i64>,
    pub source: String,
    pub scheme_version: i64,
    pub detail: String,
    pub created_at: NaiveDateTime,
}

/// Add a line unless its cause already made it (same source, code and worker); returns the line
/// (new or existing). Callers hold a task transaction, so the check and the insert do not race;
/// the unique constraint guards the rest.
pub fn add_line(conn: &mut DbConn, line: &NewScoreLine) -> QueryResult<ScoreLine> {
    let existing = score_lines::table
        .filter(score_lines::source.eq(&line.source))
        .filter(score_lines::code.eq(&line.code))
        .filter(score_lines::worker_id.eq(line.worker_id))
        .select(ScoreLine::as_select())
        .first(conn)
        .optional()?;
    match existing {
        Some(line) => Ok(line),
        None => diesel::insert_into(score_lines::table)
            .values(line)
            .returning(score_lines::all_columns)
            .get_result(conn),
    }
}

pub fn find_line(conn: &mut DbConn, id: i64) -> QueryResult<Option<ScoreLine>> {
    score_lines::table
        .find(id)
        .select(ScoreLine::as_select())
        .first(conn)
        .optional()
}

/// A worker's lines in `[from, to)`, oldest first.
pub fn lines_of_worker(
    conn: &mut DbConn,
    worker_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<ScoreLine>> {
    score_lines::table
        .filter(score_lines::worker_id.eq(worker_id))
        .filter(score_lines::occurred_at.ge(from))
        .filter(score_lines::occurred_at.lt(to))
        .order(score_lines::id)
        .select(ScoreLine::as_select())
        .load(conn)
}

/// Lines of a task with a given code (e.g. the approval line a clawback reverses).
pub fn lines_of_task(conn: &mut DbConn, task_id: i64, code: LineCode) -> QueryResult<Vec<ScoreLine>> {
    score_lines::table
        .filter(score_lines::task_id.eq(task_id))
        .filter(score_lines::code.eq(code))
        .order(score_lines::id)
        .select(ScoreLine::as_select())
        .load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = period_snapshots)]
pub struct Snapshot {
    pub period: String,
    pub township_id: i64,
    pub scheme_version: i64,
    pub body: String,
    pub closed_by: Option<i64>,
    pub closed_at: NaiveDateTime,
}

pub fn snapshot(conn: &mut DbConn, period: &str, township_id: i64) -> QueryResult<Option<Snapshot>> {
    period_snapshots::table
        .find((period, township_id))
        .select(Snapshot::as_select())
        .first(conn)
        .optional()
}

pub fn insert_snapshot(conn: &mut DbConn, s: &Snapshot) -> QueryResult<()> {
    diesel::insert_into(period_snapshots::table)
        .values((
            period_snapshots::period.eq(&s.period),
            period_snapshots::township_id.eq(s.township_id),
            period_snapshots::scheme_version.eq(s.scheme_version),
            period_snapshots::body.eq(&s.body),
            period_snapshots::closed_by.eq(s.closed_by),
            period_snapshots::closed_at.eq(s.closed_at),
        ))
        .execute(conn)
        .map(|_| ())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = score_appeals)]
pub struct Appeal {
    pub id: i64,
    pub line_id: i64,
    pub worker_id: i64,
    pub reason: String,
    pub status: AppealStatus,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub decision_reason: Option<String>,
    pub correction_line_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn insert_appeal(
    conn: &mut DbConn,
    line_id: i64,
    worker_id: i64,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<Appeal> {
    diesel::insert_into(score_appeals::table)
        .values((
            score_appeals::line_id.eq(line_id),
            score_appeals::worker_id.eq(worker_id),
            score_appeals::reason.eq(reason),
            score_appeals::status.eq(AppealStatus::Pending),
            score_appeals::created_at.eq(now),
        ))
        .returning(score_appeals::all_columns)
        .get_result(conn)
}

pub fn find_appeal(conn: &mut DbConn, id: i64) -> QueryResult<Option<Appeal>> {
    score_appeals::table
        .find(id)
        .select(Appeal::as_select())
        .first(conn)
        .optional()
}

/// Rule on a pending appeal; false when it was already decided.
pub fn decide_appeal(
    conn: &mut DbConn,
    id: i64,
    (status, reason): (AppealStatus, &str),
    decided_by: i64,
    correction_line_id: Option<i64>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        score_appeals::table
            .find(id)
            .filter(score_appeals::status.eq(AppealStatus::Pending)),
    )
    .set((
        score_appeals::status.eq(status),
        score_appeals::decision_reason.eq(reason),
        score_appeals::decided_by.eq(decided_by),
        score_appeals::decided_at.eq(now),
        score_appeals::correction_line_id.eq(correction_line_id),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Appeals of workers of the given ids (a township's), newest first; optionally one status.
pub fn appeals_of(
    conn: &mut DbConn,
    worker_ids: &[i64],
    status: Option<AppealStatus>,
) -> QueryResult<Vec<Appeal>> {
    let mut query = score_appeals::table
        .filter(score_appeals::worker_id.eq_any(worker_ids))
        .order(score_appeals::id.desc())
        .select(Appeal::as_select())
        .into_boxed();
    if let Some(s) = status {
        query = query.filter(score_appeals::status.eq(s));
    }
    query.load(conn)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = training_modules)]
pub struct Module {
    pub id: i64,
    pub title: String,
    /// JSON array of task kinds.
    pub task_kinds: String,
    /// JSON array of rework reason codes.
    pub reasons: String,
    pub validity_days: i32,
    pub pass_score: i32,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = training_modules)]
pub struct NewModule {
    pub title: String,
    pub task_kinds: String,
    pub reasons: String,
    pub validity_days: i32,
    pub pass_score: i32,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn insert_module(conn: &mut DbConn, m: &NewModule) -> QueryResult<Module> {
    diesel::insert_into(training_modules::table)
        .values(m)
        .returning(training_modules::all_columns)
        .get_result(conn)
}

pub fn modules(conn: &mut DbConn) -> QueryResult<Vec<Module>> {
    training_modules::table
        .order(training_modules::id)
        .select(Module::as_select())
        .load(conn)
}

pub fn find_module(conn: &mut DbConn, id: i64) -> QueryResult<Option<Module>> {
    training_modules::table
        .find(id)
        .select(Module::as_select())
        .first(conn)
        .optional()
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = training_completions)]
pub struct Completion {
    pub id: i64,
    pub module_id: i64,
    pub worker_id: i64,
    pub completed_on: NaiveDate,
    pub quiz_score: i32,
    pub passed: bool,
    pub recorded_by: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = training_completions)]
pub struct NewCompletion {
    pub module_id: i64,
    pub worker_id: i64,
    pub completed_on: NaiveDate,
    pub quiz_score: i32,
    pub passed: bool,
    pub recorded_by: i64,
    pub created_at: NaiveDateTime,
}

pub fn insert_completion(conn: &mut DbConn, c: &NewCompletion) -> QueryResult<Completion> {
    diesel::insert_into(training_completions::table)
        .values(c)
        .returning(training_completions::all_columns)
        .get_result(conn)
}

pub fn completions_of(conn: &mut DbConn, worker_id: i64) -> QueryResult<Vec<Completion>> {
    training_completions::table
        .filter(training_completions::worker_id.eq(worker_id))
        .order(training_completions::id)
        .select(Completion::as_select())
        .load(conn)
}

/// Record that an officer found a check-in false; false when it already was.
pub fn dispute_check_in(
    conn: &mut DbConn,
    check_in_id: i64,
    decided_by: i64,
    reason: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let exists: bool =
        diesel::select(diesel::dsl::exists(check_in_disputes::table.find(check_in_id))).get_result(conn)?;
    if exists {
        return Ok(false);
    }
    diesel::insert_into(check_in_disputes::table)
        .values((
            check_in_disputes::check_in_id.eq(check_in_id),
            check_in_disputes::decided_by.eq(decided_by),
            check_in_disputes::reason.eq(reason),
            check_in_disputes::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(true)
}
