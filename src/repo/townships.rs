//! Townships and streets (乡镇/街道), each under one court.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::PageRequest;
use crate::db::DbConn;
use crate::db::schema::townships;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = townships)]
pub struct Township {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub court_id: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = townships)]
pub struct NewTownship<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub court_id: i64,
    pub created_at: NaiveDateTime,
}

/// Which townships a listing may show.
#[derive(Debug, Clone, Copy, Default)]
pub struct TownshipFilter {
    pub court_id: Option<i64>,
    pub township_id: Option<i64>,
}

pub fn insert(conn: &mut DbConn, new: &NewTownship<'_>) -> QueryResult<Township> {
    diesel::insert_into(townships::table)
        .values(new)
        .returning(townships::all_columns)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Township>> {
    townships::table
        .find(id)
        .select(Township::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<Township>> {
    townships::table
        .filter(townships::code.eq(code))
        .select(Township::as_select())
        .first(conn)
        .optional()
}

/// How many townships there are (they are never deleted, so a change in count is a change).
pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    townships::table.count().get_result(conn)
}

/// All townships (a county has tens; used to resolve codes during an import).
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<Township>> {
    townships::table
        .select(Township::as_select())
        .order(townships::id)
        .load(conn)
}

pub fn list(conn: &mut DbConn, filter: TownshipFilter, page: PageRequest) -> QueryResult<Vec<Township>> {
    let mut query = townships::table
        .select(Township::as_select())
        .order(townships::id)
        .into_boxed();
    if let Some(court_id) = filter.court_id {
        query = query.filter(townships::court_id.eq(court_id));
    }
    if let Some(township_id) = filter.township_id {
        query = query.filter(townships::id.eq(township_id));
    }
    if let Some(after) = page.after {
        query = query.filter(townships::id.gt(after));
    }
    query.limit(page.fetch_limit()).load(conn)
}

/// Every township id, in id order (a county has a handful, a province thousands).
pub fn all_ids(conn: &mut DbConn) -> QueryResult<Vec<i64>> {
    townships::table
        .select(townships::id)
        .order(townships::id)
        .load(conn)
}
