//! Grid-worker profiles: covered grids (one primary), certifications, capacity, availability.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{grids, worker_certifications, worker_grids, worker_profiles};
use crate::domain::{Availability, TaskKind};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = worker_profiles)]
#[diesel(treat_none_as_null = true)]
pub struct WorkerProfile {
    pub user_id: i64,
    pub capacity: i32,
    pub availability: Availability,
    pub on_leave_until: Option<NaiveDate>,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = worker_certifications)]
pub struct Certification {
    pub worker_id: i64,
    pub task_kind: TaskKind,
    pub certified_on: NaiveDate,
    pub expires_on: Option<NaiveDate>,
}

/// A covered grid with its code and name.
#[derive(Debug, Clone, Queryable)]
pub struct CoveredGrid {
    pub grid_id: i64,
    pub code: String,
    pub name: String,
    pub is_primary: bool,
}

pub fn find_profile(conn: &mut DbConn, user_id: i64) -> QueryResult<Option<WorkerProfile>> {
    worker_profiles::table
        .find(user_id)
        .select(WorkerProfile::as_select())
        .first(conn)
        .optional()
}

/// Create or replace a worker's profile row.
pub fn save_profile(conn: &mut DbConn, profile: &WorkerProfile) -> QueryResult<()> {
    let updated = diesel::update(worker_profiles::table.find(profile.user_id))
        .set(profile)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(worker_profiles::table)
            .values(profile)
            .execute(conn)?;
    }
    Ok(())
}

pub fn covered_grids(conn: &mut DbConn, worker_id: i64) -> QueryResult<Vec<CoveredGrid>> {
    worker_grids::table
        .inner_join(grids::table)
        .filter(worker_grids::worker_id.eq(worker_id))
        .select((grids::id, grids::code, grids::name, worker_grids::is_primary))
        .order((worker_grids::is_primary.desc(), grids::code))
        .load(conn)
}

/// Replace the set of grids a worker covers.
pub fn set_grids(conn: &mut DbConn, worker_id: i64, primary: Option<i64>, others: &[i64]) -> QueryResult<()> {
    diesel::delete(worker_grids::table.filter(worker_grids::worker_id.eq(worker_id))).execute(conn)?;
    let rows: Vec<_> = primary
        .map(|g| (g, true))
        .into_iter()
        .chain(others.iter().map(|&g| (g, false)))
        .map(|(grid_id, is_primary)| {
            (
                worker_grids::worker_id.eq(worker_id),
                worker_grids::grid_id.eq(grid_id),
                worker_grids::is_primary.eq(is_primary),
            )
        })
        .collect();
    for row in rows {
        diesel::insert_into(worker_grids::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn certifications(conn: &mut DbConn, worker_id: i64) -> QueryResult<Vec<Certification>> {
    worker_certifications::table
        .filter(worker_certifications::worker_id.eq(worker_id))
        .select(Certification::as_select())
        .order(worker_certifications::task_kind)
        .load(conn)
}

/// Replace a worker's certifications.
pub fn set_certifications(
    conn: &mut DbConn,
    worker_id: i64,
    certifications: &[Certification],
) -> QueryResult<()> {
    diesel::delete(worker_certifications::table.filter(worker_certifications::worker_id.eq(worker_id)))
        .execute(conn)?;
    for c in certifications {
        diesel::insert_into(worker_certifications::table)
            .values(c)
            .execute(conn)?;
    }
    Ok(())
}

/// A worker who covers a grid, with what assignment needs to know of them.
#[derive(Debug, Clone, Queryable)]
pub struct Coverer {
    pub grid_id: i64,
    pub worker_id: i64,
    pub display_name: String,
    pub active: bool,
    pub capacity: i32,
    pub availability: Availability,
    pub on_leave_until: Option<NaiveDate>,
}

/// The workers covering each of the given grids (primary or not), in worker id order.
pub fn covering(conn: &mut DbConn, grid_ids: &[i64]) -> QueryResult<Vec<Coverer>> {
    use crate::db::schema::users;
    worker_grids::table
        .inner_join(users::table.on(users::id.eq(worker_grids::worker_id)))
        .inner_join(worker_profiles::table.on(worker_profiles::user_id.eq(worker_grids::worker_id)))
        .filter(worker_grids::grid_id.eq_any(grid_ids))
        .filter(users::role.eq(crate::domain::Role::Worker))
        .select((
            worker_grids::grid_id,
            users::id,
            users::display_name,
            users::active,
            worker_profiles::capacity,
            worker_profiles::availability,
            worker_profiles::on_leave_until,
        ))
        .order((worker_grids::grid_id, users::id))
        .load(conn)
}

/// Which of the given workers hold a certification qualifying them for `task_kind` (see
/// [`TaskKind::qualifying_certifications`]) valid on `today`.
pub fn certified_among(
    conn: &mut DbConn,
    worker_ids: &[i64],
    task_kind: TaskKind,
    today: NaiveDate,
) -> QueryResult<std::collections::HashSet<i64>> {
    let kinds = task_kind.qualifying_certifications();
    let ids: Vec<i64> = worker_certifications::table
        .filter(worker_certifications::worker_id.eq_any(worker_ids))
        .filter(worker_certifications::task_kind.eq_any(kinds))
        .filter(worker_certifications::certified_on.le(today))
        .filter(
            worker_certifications::expires_on
                .is_null()
                .or(worker_certifications::expires_on.ge(today)),
        )
        .select(worker_certifications::worker_id)
        .load(conn)?;
    Ok(ids.into_iter().collect())
}

/// One entry of the worker directory: the account, with its profile when it has one.
#[derive(Debug, Clone, Queryable)]
pub struct DirectoryEntry {
    pub id: i64,
    pub display_name: String,
    pub township_id: Option<i64>,
    pub active: bool,
    pub capacity: Option<i32>,
    pub availability: Option<Availability>,
    pub on_leave_until: Option<NaiveDate>,
}

/// Grid workers in id order, one page; only those of the given townships when `township_ids`
/// is given.
pub fn directory(
    conn: &mut DbConn,
    township_ids: Option<&[i64]>,
    page: crate::repo::PageRequest,
) -> QueryResult<Vec<DirectoryEntry>> {
    use crate::db::schema::users;
    let mut query = users::table
        .left_join(worker_profiles::table)
        .filter(users::role.eq(crate::domain::Role::Worker))
        .select((
            users::id,
            users::display_name,
            users::township_id,
            users::active,
            worker_profiles::capacity.nullable(),
            worker_profiles::availability.nullable(),
            worker_profiles::on_leave_until.nullable(),
        ))
        .order(users::id)
        .into_boxed();
    if let Some(ids) = township_ids {
        query = query.filter(users::township_id.eq_any(ids.to_vec()));
    }
    if let Some(after) = page.after {
        query = query.filter(users::id.gt(after));
    }
    query.limit(page.fetch_limit()).load(conn)
}

/// The grids each of the given workers covers, primary first.
pub fn covered_grids_of(conn: &mut DbConn, worker_ids: &[i64]) -> QueryResult<Vec<(i64, CoveredGrid)>> {
    let rows: Vec<(i64, i64, String, String, bool)> = worker_grids::table
        .inner_join(grids::table)
        .filter(worker_grids::worker_id.eq_any(worker_ids))
        .select((
            worker_grids::worker_id,
            grids::id,
            grids::code,
            grids::name,
            worker_grids::is_primary,
        ))
        .order((
            worker_grids::worker_id,
            worker_grids::is_primary.desc(),
            grids::code,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(worker, grid_id, code, name, is_primary)| {
            (
                worker,
                CoveredGrid {
                    grid_id,
                    code,
                    name,
                    is_primary,
                },
            )
        })
        .collect())
}

/// The task kinds each of the given workers holds a certification for, valid on `today`.
pub fn current_certifications(
    conn: &mut DbConn,
    worker_ids: &[i64],
    today: NaiveDate,
) -> QueryResult<Vec<(i64, String)>> {
    worker_certifications::table
        .filter(worker_certifications::worker_id.eq_any(worker_ids))
        .filter(worker_certifications::certified_on.le(today))
        .filter(
            worker_certifications::expires_on
                .is_null()
                .or(worker_certifications::expires_on.ge(today)),
        )
        .select((worker_certifications::worker_id, worker_certifications::task_kind))
        .order((worker_certifications::worker_id, worker_certifications::task_kind))
        .load(conn)
}
