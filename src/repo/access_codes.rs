//! Applicants' access codes: digests only, at most one live code per case (a partial unique
//! index), revoked rather than deleted so the audit trail's ids keep pointing somewhere.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::case_access_codes;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = case_access_codes)]
pub struct AccessCode {
    pub id: i64,
    pub case_id: i64,
    pub code_hash: String,
    pub issued_by: i64,
    pub issued_at: NaiveDateTime,
    pub revoked_by: Option<i64>,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn insert(
    conn: &mut DbConn,
    case_id: i64,
    code_hash: &str,
    issued_by: i64,
    at: NaiveDateTime,
) -> QueryResult<AccessCode> {
    diesel::insert_into(case_access_codes::table)
        .values((
            case_access_codes::case_id.eq(case_id),
            case_access_codes::code_hash.eq(code_hash),
            case_access_codes::issued_by.eq(issued_by),
            case_access_codes::issued_at.eq(at),
        ))
        .returning(case_access_codes::all_columns)
        .get_result(conn)
}

/// Revoke the case's live code, if any; returns the id of the code revoked.
pub fn revoke_live(conn: &mut DbConn, case_id: i64, by: i64, at: NaiveDateTime) -> QueryResult<Option<i64>> {
    let live = live_of_case(conn, case_id)?;
    if let Some(code) = &live {
        diesel::update(
            case_access_codes::table
                .find(code.id)
                .filter(case_access_codes::revoked_at.is_null()),
        )
        .set((
            case_access_codes::revoked_by.eq(Some(by)),
            case_access_codes::revoked_at.eq(Some(at)),
        ))
        .execute(conn)?;
    }
    Ok(live.map(|c| c.id))
}

/// The case's live code.
pub fn live_of_case(conn: &mut DbConn, case_id: i64) -> QueryResult<Option<AccessCode>> {
    case_access_codes::table
        .filter(case_access_codes::case_id.eq(case_id))
        .filter(case_access_codes::revoked_at.is_null())
        .select(AccessCode::as_select())
        .first(conn)
        .optional()
}

/// The case's most recent code, live or not.
pub fn latest_of_case(conn: &mut DbConn, case_id: i64) -> QueryResult<Option<AccessCode>> {
    case_access_codes::table
        .filter(case_access_codes::case_id.eq(case_id))
        .order(case_access_codes::id.desc())
        .select(AccessCode::as_select())
        .first(conn)
        .optional()
}

/// The live code with this digest. The lookup is by the digest's unique index: an equality match
/// on a hash reveals nothing about how close a guess came.
pub fn find_live_by_hash(conn: &mut DbConn, code_hash: &str) -> QueryResult<Option<AccessCode>> {
    case_access_codes::table
        .filter(case_access_codes::code_hash.eq(code_hash))
        .filter(case_access_codes::revoked_at.is_null())
        .select(AccessCode::as_select())
        .first(conn)
        .optional()
}
