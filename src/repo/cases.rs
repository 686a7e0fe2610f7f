//! Enforcement cases (执行案件) and their parties.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::PageRequest;
use crate::db::DbConn;
use crate::db::schema::{cases, parties, tasks};
use crate::domain::case::{CaseStatus, PartyKind, PartyRole};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cases)]
pub struct Case {
    pub id: i64,
    pub court_id: i64,
    pub case_number: String,
    pub officer_id: i64,
    pub amount_owed_fen: i64,
    pub status: CaseStatus,
    pub filed_on: NaiveDate,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// When the case left `open` (concluded or terminated).
    pub closed_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = cases)]
pub struct NewCase<'a> {
    pub court_id: i64,
    pub case_number: &'a str,
    pub officer_id: i64,
    pub amount_owed_fen: i64,
    pub status: CaseStatus,
    pub filed_on: NaiveDate,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = parties)]
pub struct Party {
    pub id: i64,
    pub case_id: i64,
    pub position: i32,
    pub role: PartyRole,
    pub kind: PartyKind,
    pub name: String,
    pub id_number: Option<String>,
    /// JSON array of phone strings.
    pub phones: String,
    /// JSON array of `{text, lat, lon}`.
    pub addresses: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = parties)]
pub struct NewParty<'a> {
    pub case_id: i64,
    pub position: i32,
    pub role: PartyRole,
    pub kind: PartyKind,
    pub name: &'a str,
    pub id_number: Option<&'a str>,
    pub phones: &'a str,
    pub addresses: &'a str,
}

#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub court_id: Option<i64>,
    pub status: Option<CaseStatus>,
    pub officer_id: Option<i64>,
    /// A piece of the case number or of a party's name (SQL `LIKE` wildcards taken literally).
    pub text: Option<String>,
}

pub fn insert(conn: &mut DbConn, new: &NewCase<'_>) -> QueryResult<Case> {
    diesel::insert_into(cases::table)
        .values(new)
        .returning(cases::all_columns)
        .get_result(conn)
}

pub fn insert_party(conn: &mut DbConn, new: &NewParty<'_>) -> QueryResult<i64> {
    diesel::insert_into(parties::table)
        .values(new)
        .returning(parties::id)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Case>> {
    cases::table
        .find(id)
        .select(Case::as_select())
        .first(conn)
        .optional()
}

pub fn exists_number(conn: &mut DbConn, court_id: i64, case_number: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        cases::table
            .filter(cases::court_id.eq(court_id))
            .filter(cases::case_number.eq(case_number)),
    ))
    .get_result(conn)
}

/// The court's case with this (canonical) number, if it is filed here.
pub fn find_by_number(conn: &mut DbConn, court_id: i64, case_number: &str) -> QueryResult<Option<Case>> {
    cases::table
        .filter(cases::court_id.eq(court_id))
        .filter(cases::case_number.eq(case_number))
        .select(Case::as_select())
        .first(conn)
        .optional()
}

pub fn parties_of(conn: &mut DbConn, case_id: i64) -> QueryResult<Vec<Party>> {
    parties::table
        .filter(parties::case_id.eq(case_id))
        .select(Party::as_select())
        .order(parties::position)
        .load(conn)
}

pub fn find_party(conn: &mut DbConn, id: i64) -> QueryResult<Option<Party>> {
    parties::table
        .find(id)
        .select(Party::as_select())
        .first(conn)
        .optional()
}

/// How many of the case's tasks are still open (neither approved nor cancelled).
pub fn open_task_count(conn: &mut DbConn, case_id: i64) -> QueryResult<i64> {
    tasks::table
        .filter(tasks::case_id.eq(case_id))
        .filter(
            tasks::status.eq_any(crate::domain::task_state::TaskStatus::names_where(
                crate::domain::task_state::TaskStatus::is_open,
            )),
        )
        .count()
        .get_result(conn)
}

/// Close an open case as `concluded` or `terminated`; false when it was no longer open.
pub fn close(conn: &mut DbConn, id: i64, status: CaseStatus, at: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(cases::table.find(id).filter(cases::status.eq(CaseStatus::Open)))
        .set((
            cases::status.eq(status),
            cases::closed_at.eq(Some(at)),
            cases::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn list(conn: &mut DbConn, filter: CaseFilter, page: PageRequest) -> QueryResult<Vec<Case>> {
    let mut query = cases::table
        .select(Case::as_select())
        .order(cases::id)
        .into_boxed();
    if let Some(court_id) = filter.court_id {
        query = query.filter(cases::court_id.eq(court_id));
    }
    if let Some(status) = filter.status {
        query = query.filter(cases::status.eq(status));
    }
    if let Some(officer_id) = filter.officer_id {
        query = query.filter(cases::officer_id.eq(officer_id));
    }
    if let Some(text) = filter.text.as_deref() {
        let pattern = format!("%{}%", escape_like(text));
        let by_party = parties::table
            .filter(parties::name.like(pattern.clone()).escape('\\'))
            .select(parties::case_id);
        query = query.filter(
            cases::case_number
                .like(pattern)
                .escape('\\')
                .or(cases::id.eq_any(by_party)),
        );
    }
    if let Some(after) = page.after {
        query = query.filter(cases::id.gt(after));
    }
    query.limit(page.fetch_limit()).load(conn)
}

/// `text` with `LIKE`'s wildcards (and the escape character) escaped by a backslash.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The names of the debtors of each of `case_ids` (in party order), by case id.
pub fn debtor_names(
    conn: &mut DbConn,
    case_ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, Vec<String>>> {
    let rows: Vec<(i64, String)> = parties::table
        .filter(parties::case_id.eq_any(case_ids))
        .filter(parties::role.eq(PartyRole::Debtor.as_str()))
        .order((parties::case_id, parties::position))
        .select((parties::case_id, parties::name))
        .load(conn)?;
    let mut out: std::collections::HashMap<i64, Vec<String>> = std::collections::HashMap::new();
    for (case_id, name) in rows {
        out.entry(case_id).or_default().push(name);
    }
    Ok(out)
}

/// The case numbers of `case_ids`, by case id.
pub fn numbers(conn: &mut DbConn, case_ids: &[i64]) -> QueryResult<std::collections::HashMap<i64, String>> {
    let rows: Vec<(i64, String)> = cases::table
        .filter(cases::id.eq_any(case_ids))
        .select((cases::id, cases::case_number))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}
