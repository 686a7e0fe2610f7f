//! The list of dishonest judgment debtors: entries, their history, and lookups by identifier.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::PageRequest;
use crate::db::DbConn;
use crate::db::schema::{courts, dishonest_entries, dishonest_entry_events};
use crate::domain::dishonest::{DebtorKind, EntryStatus};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = dishonest_entries)]
pub struct Entry {
    pub id: i64,
    pub court_id: i64,
    pub name: String,
    pub kind: DebtorKind,
    pub id_number: String,
    pub case_number: String,
    pub case_id: Option<i64>,
    pub reason: String,
    pub note: Option<String>,
    pub listed_on: NaiveDate,
    pub status: EntryStatus,
    pub removed_on: Option<NaiveDate>,
    pub removal_reason: Option<String>,
    pub removal_note: Option<String>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = dishonest_entries)]
pub struct NewEntry<'a> {
    pub court_id: i64,
    pub name: &'a str,
    pub kind: DebtorKind,
    pub id_number: &'a str,
    pub case_number: &'a str,
    pub case_id: Option<i64>,
    pub reason: &'a str,
    pub note: Option<&'a str>,
    pub listed_on: NaiveDate,
    pub status: EntryStatus,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The editable details of a listed entry; None leaves a field as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = dishonest_entries)]
pub struct EntryChanges {
    pub name: Option<String>,
    pub reason: Option<String>,
    pub note: Option<Option<String>>,
    pub listed_on: Option<NaiveDate>,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = dishonest_entry_events)]
pub struct EntryEvent {
    pub id: i64,
    pub entry_id: i64,
    pub occurred_at: NaiveDateTime,
    pub actor_id: Option<i64>,
    /// `listed`, `imported`, `updated` or `removed`.
    pub action: String,
    pub detail: Option<String>,
}

pub fn insert(conn: &mut DbConn, new: &NewEntry<'_>) -> QueryResult<Entry> {
    diesel::insert_into(dishonest_entries::table)
        .values(new)
        .returning(dishonest_entries::all_columns)
        .get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Entry>> {
    dishonest_entries::table
        .find(id)
        .select(Entry::as_select())
        .first(conn)
        .optional()
}

/// The entry a court already has for this debtor on this case, if any (listed or removed).
pub fn find_key(
    conn: &mut DbConn,
    court_id: i64,
    case_number: &str,
    id_number: &str,
) -> QueryResult<Option<Entry>> {
    dishonest_entries::table
        .filter(dishonest_entries::court_id.eq(court_id))
        .filter(dishonest_entries::case_number.eq(case_number))
        .filter(dishonest_entries::id_number.eq(id_number))
        .select(Entry::as_select())
        .first(conn)
        .optional()
}

/// What a listing may be narrowed to.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter<'a> {
    pub court_id: Option<i64>,
    pub status: Option<EntryStatus>,
    pub id_number: Option<&'a str>,
    pub case_number: Option<&'a str>,
}

pub fn list(conn: &mut DbConn, filter: &EntryFilter<'_>, page: PageRequest) -> QueryResult<Vec<Entry>> {
    let mut query = dishonest_entries::table
        .select(Entry::as_select())
        .order(dishonest_entries::id)
        .into_boxed();
    if let Some(v) = filter.court_id {
        query = query.filter(dishonest_entries::court_id.eq(v));
    }
    if let Some(v) = filter.status {
        query = query.filter(dishonest_entries::status.eq(v));
    }
    if let Some(v) = filter.id_number {
        query = query.filter(dishonest_entries::id_number.eq(v.to_owned()));
    }
    if let Some(v) = filter.case_number {
        query = query.filter(dishonest_entries::case_number.eq(v.to_owned()));
    }
    if let Some(after) = page.after {
        query = query.filter(dishonest_entries::id.gt(after));
    }
    query.limit(page.fetch_limit()).load(conn)
}

/// A listed entry as a partner's check reports it.
#[derive(Debug, Clone, Queryable)]
pub struct Listed {
    pub entry_id: i64,
    pub id_number: String,
    pub case_number: String,
    pub court_code: String,
    pub court_name: String,
}

/// The entries currently listed for any of the given identifiers, in entry order.
pub fn listed_for(conn: &mut DbConn, id_numbers: &[String]) -> QueryResult<Vec<Listed>> {
    dishonest_entries::table
        .inner_join(courts::table)
        .filter(dishonest_entries::status.eq(EntryStatus::Listed))
        .filter(dishonest_entries::id_number.eq_any(id_numbers))
        .select((
            dishonest_entries::id,
            dishonest_entries::id_number,
            dishonest_entries::case_number,
            courts::code,
            courts::name,
        ))
        .order(dishonest_entries::id)
        .load(conn)
}

/// Change the details of a listed entry; false when it is no longer listed.
pub fn update(conn: &mut DbConn, id: i64, changes: &EntryChanges) -> QueryResult<bool> {
    let n = diesel::update(
        dishonest_entries::table
            .find(id)
            .filter(dishonest_entries::status.eq(EntryStatus::Listed)),
    )
    .set(changes)
    .execute(conn)?;
    Ok(n == 1)
}

/// Take a listed entry off the list; false when it was not listed (any more).
pub fn remove(
    conn: &mut DbConn,
    id: i64,
    (removed_on, reason, note): (NaiveDate, &str, Option<&str>),
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        dishonest_entries::table
            .find(id)
            .filter(dishonest_entries::status.eq(EntryStatus::Listed)),
    )
    .set((
        dishonest_entries::status.eq(EntryStatus::Removed),
        dishonest_entries::removed_on.eq(removed_on),
        dishonest_entries::removal_reason.eq(reason),
        dishonest_entries::removal_note.eq(note),
        dishonest_entries::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn record_event(
    conn: &mut DbConn,
    entry_id: i64,
    (actor_id, action): (Option<i64>, &str),
    detail: Option<String>,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(dishonest_entry_events::table)
        .values((
            dishonest_entry_events::entry_id.eq(entry_id),
            dishonest_entry_events::occurred_at.eq(at),
            dishonest_entry_events::actor_id.eq(actor_id),
            dishonest_entry_events::action.eq(action),
            dishonest_entry_events::detail.eq(detail),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn events_of(conn: &mut DbConn, entry_id: i64) -> QueryResult<Vec<EntryEvent>> {
    dishonest_entry_events::table
        .filter(dishonest_entry_events::entry_id.eq(entry_id))
        .select(EntryEvent::as_select())
        .order(dishonest_entry_events::id)
        .load(conn)
}
