//! Courts (法院).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::PageRequest;
use crate::db::DbConn;
use crate::db::schema::courts;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = courts)]
pub struct Court {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = courts)]
pub struct NewCourt<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewCourt<'_>) -> QueryResult<Court> {
    diesel::insert_into(courts::table)
        .values(new)
        .returning(courts::all_columns)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Court>> {
    courts::table
        .find(id)
        .select(Court::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<Court>> {
    courts::table
        .filter(courts::code.eq(code))
        .select(Court::as_select())
        .first(conn)
        .optional()
}

pub fn list(conn: &mut DbConn, page: PageRequest) -> QueryResult<Vec<Court>> {
    let mut query = courts::table
        .select(Court::as_select())
        .order(courts::id)
        .into_boxed();
    if let Some(after) = page.after {
        query = query.filter(courts::id.gt(after));
    }
    query.limit(page.fetch_limit()).load(conn)
}
