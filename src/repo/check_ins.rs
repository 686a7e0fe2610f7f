//! GPS check-ins at task targets.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::check_ins;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = check_ins)]
pub struct CheckIn {
    pub id: i64,
    pub task_id: i64,
    pub worker_id: i64,
    pub client_id: String,
    pub lat: f64,
    pub lon: f64,
    pub crs_given: String,
    pub accuracy_m: f64,
    pub captured_at: NaiveDateTime,
    pub received_at: NaiveDateTime,
    pub distance_m: Option<f64>,
    /// JSON array of flag codes.
    pub flags: String,
    pub request_digest: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = check_ins)]
pub struct NewCheckIn<'a> {
    pub task_id: i64,
    pub worker_id: i64,
    pub client_id: &'a str,
    pub lat: f64,
    pub lon: f64,
    pub crs_given: &'a str,
    pub accuracy_m: f64,
    pub captured_at: NaiveDateTime,
    pub received_at: NaiveDateTime,
    pub distance_m: Option<f64>,
    pub flags: &'a str,
    pub request_digest: &'a str,
}

pub fn insert(conn: &mut DbConn, new: &NewCheckIn<'_>) -> QueryResult<CheckIn> {
    diesel::insert_into(check_ins::table)
        .values(new)
        .returning(check_ins::all_columns)
        .get_result(conn)
}

/// A task's check-ins, oldest first.
pub fn of_task(conn: &mut DbConn, task_id: i64) -> QueryResult<Vec<CheckIn>> {
    check_ins::table
        .filter(check_ins::task_id.eq(task_id))
        .order((check_ins::received_at.asc(), check_ins::id.asc()))
        .select(CheckIn::as_select())
        .load(conn)
}

pub fn find_by_client_id(conn: &mut DbConn, worker_id: i64, client_id: &str) -> QueryResult<Option<CheckIn>> {
    check_ins::table
        .filter(check_ins::worker_id.eq(worker_id))
        .filter(check_ins::client_id.eq(client_id))
        .select(CheckIn::as_select())
        .first(conn)
        .optional()
}

pub fn count_for_task(conn: &mut DbConn, task_id: i64) -> QueryResult<i64> {
    check_ins::table
        .filter(check_ins::task_id.eq(task_id))
        .count()
        .get_result(conn)
}

/// Each worker's most recent check-in position (WGS-84) since `since`, for the assignment
/// tie-break.
pub fn latest_positions(
    conn: &mut DbConn,
    worker_ids: &[i64],
    since: NaiveDateTime,
) -> QueryResult<HashMap<i64, (f64, f64)>> {
    let rows: Vec<(i64, NaiveDateTime, f64, f64)> = check_ins::table
        .filter(check_ins::worker_id.eq_any(worker_ids))
        .filter(check_ins::received_at.ge(since))
        .select((
            check_ins::worker_id,
            check_ins::received_at,
            check_ins::lat,
            check_ins::lon,
        ))
        .order((
            check_ins::worker_id,
            check_ins::received_at.desc(),
            check_ins::id.desc(),
        ))
        .load(conn)?;
    let mut latest = HashMap::new();
    for (worker, _, lat, lon) in rows {
        latest.entry(worker).or_insert((lat, lon));
    }
    Ok(latest)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<CheckIn>> {
    check_ins::table
        .find(id)
        .select(CheckIn::as_select())
        .first(conn)
        .optional()
}
