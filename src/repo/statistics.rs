//! The court's statistics for a period: a handful of set-based queries (grouped counts and one
//! row per task for the timings), written in the SQL both engines share. Every query binds `$1`
//! the court and `$2`/`$3` the period's bounds (dates for filing, UTC instants otherwise).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text, Timestamp};

use crate::db::DbConn;
use crate::db::schema::{townships, users};
use crate::domain::TaskKind;
use crate::domain::case::CaseStatus;
use crate::domain::task_state::TaskStatus;

#[derive(Debug, Clone, QueryableByName)]
pub struct StatusCount {
    #[diesel(sql_type = Text)]
    pub status: CaseStatus,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Cases filed in `[from, to)`, by their status now.
pub fn cases_filed(
    conn: &mut DbConn,
    court_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<StatusCount>> {
    diesel::sql_query(
        "SELECT c.status AS status, COUNT(*) AS n FROM cases c \
         WHERE c.court_id = $1 AND c.filed_on >= $2 AND c.filed_on < $3 GROUP BY c.status",
    )
    .bind::<BigInt, _>(court_id)
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .load(conn)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct ClosedCount {
    #[diesel(sql_type = Text)]
    pub status: CaseStatus,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    /// Of those, cases with at least one task a grid worker completed (approved).
    #[diesel(sql_type = BigInt)]
    pub helped: i64,
}

/// Cases closed in `[from, to)`, by how they closed, with how many grid workers helped.
pub fn cases_closed(
    conn: &mut DbConn,
    court_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<ClosedCount>> {
    diesel::sql_query(
        "SELECT c.status AS status, COUNT(*) AS n, \
           CAST(SUM(CASE WHEN EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id AND t.status = 'approved') \
             THEN 1 ELSE 0 END) AS BIGINT) AS helped \
         FROM cases c WHERE c.court_id = $1 AND c.closed_at >= $2 AND c.closed_at < $3 GROUP BY c.status",
    )
    .bind::<BigInt, _>(court_id)
    .bind::<Timestamp, _>(from)
    .bind::<Timestamp, _>(to)
    .load(conn)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct TaskCount {
    #[diesel(sql_type = Text)]
    pub status: TaskStatus,
    #[diesel(sql_type = Text)]
    pub kind: TaskKind,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub township_id: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Tasks created in `[from, to)`, counted by status now, kind and township.
pub fn tasks_created(
    conn: &mut DbConn,
    court_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<TaskCount>> {
    diesel::sql_query(
        "SELECT t.status AS status, t.kind AS kind, t.township_id AS township_id, COUNT(*) AS n FROM tasks t \
         WHERE t.court_id = $1 AND t.created_at >= $2 AND t.created_at < $3 \
         GROUP BY t.status, t.kind, t.township_id",
    )
    .bind::<BigInt, _>(court_id)
    .bind::<Timestamp, _>(from)
    .bind::<Timestamp, _>(to)
    .load(conn)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct TaskTimes {
    #[diesel(sql_type = Timestamp)]
    pub created_at: NaiveDateTime,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub first_check_in: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    pub approved_at: Option<NaiveDateTime>,
}

/// For each task created in `[from, to)`: when it was created, first checked in and approved.
pub fn task_times(
    conn: &mut DbConn,
    court_id: i64,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<TaskTimes>> {
    diesel::sql_query(
        "SELECT t.created_at AS created_at, \
           MIN(CASE WHEN e.action = 'check_in' THEN e.occurred_at END) AS first_check_in, \
           MIN(CASE WHEN e.action = 'approve' THEN e.occurred_at END) AS approved_at \
         FROM tasks t LEFT JOIN task_events e ON e.task_id = t.id AND e.action IN ('check_in', 'approve') \
         WHERE t.court_id = $1 AND t.created_at >= $2 AND t.created_at < $3 \
         GROUP BY t.id, t.created_at",
    )
    .bind::<BigInt, _>(court_id)
    .bind::<Timestamp, _>(from)
    .bind::<Timestamp, _>(to)
    .load(conn)
}

/// The court's townships and any others named in `also` (a task may lie in a neighbouring
/// court's township): (id, code, name), by code.
pub fn townships_of(
    conn: &mut DbConn,
    court_id: i64,
    also: &[i64],
) -> QueryResult<Vec<(i64, String, String)>> {
    townships::table
        .filter(townships::court_id.eq(court_id).or(townships::id.eq_any(also)))
        .order(townships::code)
        .select((townships::id, townships::code, townships::name))
        .load(conn)
}

/// The court's active enforcement officers.
pub fn active_officers(conn: &mut DbConn, court_id: i64) -> QueryResult<i64> {
    users::table
        .filter(users::court_id.eq(court_id))
        .filter(users::role.eq(crate::domain::Role::Officer))
        .filter(users::active.eq(true))
        .count()
        .get_result(conn)
}
