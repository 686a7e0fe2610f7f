//! Grid polygons (网格). Geometry is kept as GeoJSON text in WGS-84; spatial queries are answered
//! by the in-memory index, not the database.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::{grids, townships, worker_grids};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = grids)]
pub struct Grid {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub township_id: i64,
    pub geometry: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A grid as written by an import: created, or updated in place when its code exists.
#[derive(Debug, Clone)]
pub struct GridUpsert {
    pub code: String,
    pub name: String,
    pub township_id: i64,
    pub geometry: String,
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Created(i64),
    Updated(i64),
}

pub fn upsert(conn: &mut DbConn, grid: &GridUpsert, now: NaiveDateTime) -> QueryResult<Upserted> {
    let existing: Option<i64> = grids::table
        .filter(grids::code.eq(&grid.code))
        .select(grids::id)
        .first(conn)
        .optional()?;
    match existing {
        Some(id) => {
            diesel::update(grids::table.find(id))
                .set((
                    grids::name.eq(&grid.name),
                    grids::township_id.eq(grid.township_id),
                    grids::geometry.eq(&grid.geometry),
                    grids::updated_at.eq(now),
                ))
                .execute(conn)?;
            Ok(Upserted::Updated(id))
        }
        None => {
            let id = diesel::insert_into(grids::table)
                .values((
                    grids::code.eq(&grid.code),
                    grids::name.eq(&grid.name),
                    grids::township_id.eq(grid.township_id),
                    grids::geometry.eq(&grid.geometry),
                    grids::created_at.eq(now),
                    grids::updated_at.eq(now),
                ))
                .returning(grids::id)
                .get_result(conn)?;
            Ok(Upserted::Created(id))
        }
    }
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Grid>> {
    grids::table
        .find(id)
        .select(Grid::as_select())
        .first(conn)
        .optional()
}

/// Which grids a listing may show.
#[derive(Debug, Clone, Copy, Default)]
pub struct GridFilter {
    pub court_id: Option<i64>,
    pub township_id: Option<i64>,
    /// Only the grids this worker covers (primary or not).
    pub worker_id: Option<i64>,
}

/// Grids with their township's code and name, filtered; ordered by code.
pub fn list(conn: &mut DbConn, filter: GridFilter) -> QueryResult<Vec<(Grid, String, String)>> {
    let mut query = grids::table
        .inner_join(townships::table)
        .select((Grid::as_select(), townships::code, townships::name))
        .order(grids::code)
        .into_boxed();
    if let Some(court_id) = filter.court_id {
        query = query.filter(townships::court_id.eq(court_id));
    }
    if let Some(township_id) = filter.township_id {
        query = query.filter(grids::township_id.eq(township_id));
    }
    if let Some(worker_id) = filter.worker_id {
        query = query.filter(
            grids::id.eq_any(
                worker_grids::table
                    .filter(worker_grids::worker_id.eq(worker_id))
                    .select(worker_grids::grid_id),
            ),
        );
    }
    query.load(conn)
}

/// Every grid's id, code, name, township and geometry: the input of the spatial index.
/// A grid row as the spatial index needs it: id, code, name, township id, GeoJSON geometry.
pub type GridShapeRow = (i64, String, String, i64, String);

pub fn all_shapes(conn: &mut DbConn) -> QueryResult<Vec<GridShapeRow>> {
    grids::table
        .select((
            grids::id,
            grids::code,
            grids::name,
            grids::township_id,
            grids::geometry,
        ))
        .order(grids::id)
        .load(conn)
}

/// A cheap summary that changes whenever a grid is added or redrawn: the number of grids and
/// the latest `updated_at`. Lets every node notice changes made by another node or the CLI.
pub fn fingerprint(conn: &mut DbConn) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    grids::table
        .select((diesel::dsl::count_star(), diesel::dsl::max(grids::updated_at)))
        .first(conn)
}

/// Names of the given grids, keyed by id (for responses that mention grids).
pub fn names(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String, String, i64)>> {
    grids::table
        .filter(grids::id.eq_any(ids))
        .select((grids::id, grids::code, grids::name, grids::township_id))
        .load(conn)
}
