//! The list of dishonest judgment debtors (失信被执行人名单) as the courts maintain it.
//!
//! Every entry belongs to a court. Officers of that court (and admins) list debtors, one by one
//! or from a CSV file, correct an entry's details, and remove a debtor from the list — a change
//! of status with a date and a reason, never a delete; every change is kept in the entry's
//! history. Officers of other courts may read the list (the list is national and public) with ID
//! numbers masked, but not change it: that is `403 forbidden`, not 404, because the entry is
//! visible to them. Supervisors and workers have no business with the list (403). Every read is
//! audited, since entries hold personal data.
//!
//! Additions and removals are announced to partners' webhooks in the same transaction
//! ([`crate::services::partners::announce`]); a removal also cancels the open publicity tasks for
//! the debtor and sends the notice's poster a take-down task ([`crate::services::take_down`]).

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::db::{DbConn, task_tx, write_tx};
use crate::domain::access::Operation;
use crate::domain::calendar::WorkCalendar;
use crate::domain::dishonest::{EntryDraft, EntryStatus, ListingReason, RemovalReason, SeenKeys};
use crate::domain::{Name, Role, time};
use crate::error::ApiError;
/// The rows this service hands out (entries and their history), and the filter a list takes.
pub use crate::repo::dishonest::{Entry, EntryEvent, EntryFilter};
use crate::repo::{
    self, PageRequest,
    courts::Court,
    dishonest::{EntryChanges, NewEntry},
};
use crate::services::Caller;
use crate::services::partners::{self, ListEvent};
use crate::services::take_down::{self, RemovalEffects};

/// Most rows one CSV import may carry (larger lists are imported in parts).
pub const MAX_IMPORT_ROWS: usize = 20_000;

/// How much of an entry the caller sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryView {
    /// Admins and officers of the entry's court: everything.
    Full,
    /// Officers of other courts: a person's ID number masked.
    Masked,
}

pub fn view_of(caller: &Caller, entry: &Entry) -> EntryView {
    match caller.role {
        Role::Admin => EntryView::Full,
        _ if caller.court_id == Some(entry.court_id) => EntryView::Full,
        _ => EntryView::Masked,
    }
}

/// Admins and officers of the court may change its entries; other courts' officers may not.
fn maintainer(caller: &Caller, court_id: i64) -> Result<(), ApiError> {
    match caller.role {
        Role::Admin => Ok(()),
        Role::Officer if caller.court_id == Some(court_id) => Ok(()),
        _ => Err(ApiError::Forbidden),
    }
}

/// The court new entries go to: an officer's own (naming another is 403), the one an admin names.
fn target_court(conn: &mut DbConn, caller: &Caller, requested: Option<i64>) -> Result<Court, ApiError> {
    let court_id = match (caller.role, caller.court_id, requested) {
        (Role::Officer, Some(own), None) => own,
        (Role::Officer, Some(own), Some(asked)) if asked == own => own,
        (Role::Officer, _, _) => return Err(ApiError::Forbidden),
        (Role::Admin, _, Some(asked)) => asked,
        (Role::Admin, _, None) => {
            return Err(ApiError::invalid(
                "court_id",
                "an admin must name the court the entry belongs to",
            ));
        }
        _ => return Err(ApiError::Forbidden),
    };
    repo::courts::find(conn, court_id)?.ok_or_else(|| ApiError::invalid("court_id", "no court has that id"))
}

fn court_of(conn: &mut DbConn, entry: &Entry) -> Result<Court, ApiError> {
    repo::courts::find(conn, entry.court_id)?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("entry {} has no court", entry.id)))
}

/// Store one valid entry with its first history row; the caller checked for duplicates.
fn insert(
    conn: &mut DbConn,
    caller: &Caller,
    court: &Court,
    draft: &EntryDraft,
    action: &str,
) -> Result<Entry, ApiError> {
    let now = time::now();
    let case_id = repo::cases::find_by_number(conn, court.id, draft.case_number.as_str())?.map(|c| c.id);
    let entry = repo::dishonest::insert(
        conn,
        &NewEntry {
            court_id: court.id,
            name: draft.name.as_str(),
            kind: draft.identity.kind(),
            id_number: draft.identity.as_str(),
            case_number: draft.case_number.as_str(),
            case_id,
            reason: draft.reason.as_str(),
            note: draft.note.as_deref(),
            listed_on: draft.listed_on,
            status: EntryStatus::Listed,
            created_by: caller.id,
            created_at: now,
            updated_at: now,
        },
    )?;
    repo::dishonest::record_event(
        conn,
        entry.id,
        (Some(caller.id), action),
        Some(json!({ "reason": draft.reason, "listed_on": draft.listed_on }).to_string()),
        now,
    )?;
    Ok(entry)
}

/// List one debtor.
pub fn create(
    conn: &mut DbConn,
    caller: &Caller,
    court_id: Option<i64>,
    draft: EntryDraft,
) -> Result<Entry, ApiError> {
    caller.permit(Operation::CreateEntry)?;
    write_tx(conn, |conn| {
        let court = target_court(conn, caller, court_id)?;
        let (case_number, id_number) = draft.key();
        if let Some(existing) = repo::dishonest::find_key(conn, court.id, &case_number, &id_number)? {
            return Err(ApiError::conflict(
                "already_listed",
                format!(
                    "this debtor is already on the court's list for case {case_number} (entry {}, {})",
                    existing.id,
                    existing.status.as_str()
                ),
            ));
        }
        let entry = insert(conn, caller, &court, &draft, "listed")?;
        // The audit row names the entry, never the identifier.
        repo::audit::record(
            conn,
            &caller.actor(),
            "dishonest_entry.create",
            "dishonest_entry",
            Some(entry.id.to_string()),
            Some(json!({ "court_id": court.id })),
        )?;
        let listeners = partners::listeners(conn)?;
        partners::announce(
            conn,
            &listeners,
            ListEvent::Listed,
            &entry,
            &court,
            entry.created_at,
        )?;
        Ok(entry)
    })
}

/// One entry with its history (a read of personal data: audited).
pub fn get(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
) -> Result<(Entry, Vec<EntryEvent>, EntryView), ApiError> {
    caller.permit(Operation::GetEntry)?;
    let entry = repo::dishonest::find(conn, id)?.ok_or(ApiError::NotFound("entry"))?;
    let events = repo::dishonest::events_of(conn, entry.id)?;
    let view = view_of(caller, &entry);
    repo::audit::record(
        conn,
        &caller.actor(),
        "dishonest_entry.read",
        "dishonest_entry",
        Some(entry.id.to_string()),
        None,
    )?;
    Ok((entry, events, view))
}

/// Entries, filtered (a read of personal data: audited with what was asked, never the ID number
/// searched for).
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    filter: &EntryFilter<'_>,
    page: PageRequest,
) -> Result<Vec<(Entry, EntryView)>, ApiError> {
    caller.permit(Operation::ListEntries)?;
    let rows = repo::dishonest::list(conn, filter, page)?;
    repo::audit::record(
        conn,
        &caller.actor(),
        "dishonest_entry.list",
        "dishonest_entry",
        None,
        Some(json!({
            "court_id": filter.court_id,
            "status": filter.status,
            "by_id_number": filter.id_number.is_some(),
            "by_case_number": filter.case_number.is_some(),
            "returned": rows.len().min(page.limit as usize),
        })),
    )?;
    Ok(rows
        .into_iter()
        .map(|e| {
            let view = view_of(caller, &e);
            (e, view)
        })
        .collect())
}

/// Corrections to a listed entry's details. The identifier and the case cannot change: an entry
/// made for the wrong person or case is removed (`listed_in_error`) and a new one made.
#[derive(Debug, Clone, Default)]
pub struct EntryPatch {
    pub name: Option<Name>,
    pub reason: Option<ListingReason>,
    /// `Some(None)` clears the note.
    pub note: Option<Option<String>>,
    pub listed_on: Option<NaiveDate>,
}

pub fn update(conn: &mut DbConn, caller: &Caller, id: i64, patch: EntryPatch) -> Result<Entry, ApiError> {
    caller.permit(Operation::UpdateEntry)?;
    write_tx(conn, |conn| {
        let entry = repo::dishonest::find(conn, id)?.ok_or(ApiError::NotFound("entry"))?;
        maintainer(caller, entry.court_id)?;
        if entry.status != EntryStatus::Listed {
            return Err(ApiError::conflict(
                "invalid_transition",
                "a removed entry is kept as it was; it cannot be changed",
            ));
        }
        let mut changed = serde_json::Map::new();
        let mut note_change = |field: &str, from: serde_json::Value, to: serde_json::Value| {
            if from != to {
                changed.insert(field.to_owned(), json!({ "from": from, "to": to }));
            }
        };
        let name = patch.name.map(Name::into_string);
        if let Some(n) = &name {
            note_change("name", json!(entry.name), json!(n));
        }
        if let Some(r) = patch.reason {
            note_change("reason", json!(entry.reason), json!(r));
        }
        if let Some(n) = &patch.note {
            note_change("note", json!(entry.note), json!(n));
        }
        if let Some(d) = patch.listed_on {
            note_change("listed_on", json!(entry.listed_on), json!(d));
        }
        if changed.is_empty() {
            return Ok(entry);
        }
        let now = time::now();
        let changes = EntryChanges {
            name,
            reason: patch.reason.map(|r| r.as_str().to_owned()),
            note: patch.note,
            listed_on: patch.listed_on,
            updated_at: Some(now),
        };
        if !repo::dishonest::update(conn, entry.id, &changes)? {
            return Err(ApiError::conflict(
                "invalid_transition",
                "the entry was removed meanwhile",
            ));
        }
        let fields: Vec<String> = changed.keys().cloned().collect();
        repo::dishonest::record_event(
            conn,
            entry.id,
            (Some(caller.id), "updated"),
            Some(json!({ "changed": changed }).to_string()),
            now,
        )?;
        repo::audit::record(
            conn,
            &caller.actor(),
            "dishonest_entry.update",
            "dishonest_entry",
            Some(entry.id.to_string()),
            Some(json!({ "fields": fields })),
        )?;
        repo::dishonest::find(conn, entry.id)?.ok_or(ApiError::NotFound("entry"))
    })
}

/// A removal as the court decided it.
#[derive(Debug, Clone)]
pub struct Removal {
    /// When the debtor left the list; not in the future, not before they were listed.
    pub removed_on: NaiveDate,
    pub reason: RemovalReason,
    pub note: Option<String>,
}

/// Take a debtor off the list, and follow through: partners are told, open publicity tasks are
/// cancelled and the notice's posters get take-down tasks — one transaction.
pub fn remove(
    conn: &mut DbConn,
    caller: &Caller,
    id: i64,
    removal: Removal,
    calendar: &WorkCalendar,
) -> Result<(Entry, RemovalEffects), ApiError> {
    caller.permit(Operation::RemoveEntry)?;
    if removal.removed_on > time::today_local() {
        return Err(ApiError::invalid("removed_on", "must not be in the future"));
    }
    task_tx(conn, |conn| {
        let entry = repo::dishonest::find(conn, id)?.ok_or(ApiError::NotFound("entry"))?;
        maintainer(caller, entry.court_id)?;
        if entry.status != EntryStatus::Listed {
            return Err(ApiError::conflict(
                "invalid_transition",
                format!(
                    "the debtor was already removed from the list on {}",
                    entry.removed_on.map(|d| d.to_string()).unwrap_or_default()
                ),
            ));
        }
        if removal.removed_on < entry.listed_on {
            return Err(ApiError::invalid(
                "removed_on",
                format!("must not be before the listing date, {}", entry.listed_on),
            ));
        }
        let now = time::now();
        let terms = (
            removal.removed_on,
            removal.reason.as_str(),
            removal.note.as_deref(),
        );
        if !repo::dishonest::remove(conn, entry.id, terms, now)? {
            return Err(ApiError::conflict(
                "invalid_transition",
                "the debtor was removed from the list meanwhile",
            ));
        }
        repo::dishonest::record_event(
            conn,
            entry.id,
            (Some(caller.id), "removed"),
            Some(
                json!({ "reason": removal.reason, "removed_on": removal.removed_on, "note": removal.note })
                    .to_string(),
            ),
            now,
        )?;
        let entry = repo::dishonest::find(conn, entry.id)?.ok_or(ApiError::NotFound("entry"))?;
        let effects = take_down::on_removal(conn, caller, &entry, calendar)?;
        repo::audit::record(
            conn,
            &caller.actor(),
            "dishonest_entry.remove",
            "dishonest_entry",
            Some(entry.id.to_string()),
            Some(json!({
                "reason": removal.reason,
                "cancelled_tasks": effects.cancelled_task_ids,
                "take_down_tasks": effects.take_down_task_ids,
            })),
        )?;
        let court = court_of(conn, &entry)?;
        let listeners = partners::listeners(conn)?;
        partners::announce(conn, &listeners, ListEvent::Removed, &entry, &court, now)?;
        Ok((entry, effects))
    })
}

// ---------------------------------------------------------------------------------------------
// CSV import
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RowStatus {
    /// Listed now.
    Created,
    /// The court already lists this debtor for this case (or an earlier row of the file does).
    Duplicate,
    /// Not imported; `errors` says why.
    Rejected,
}

/// One problem of a row, naming its column when it is about one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RowError {
    /// The column (`name`, `id_number`, …); absent when the row as a whole is wrong.
    pub column: Option<String>,
    pub detail: String,
}

/// What happened to one row of the file.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RowReport {
    /// The line of the file the row starts on (the header is line 1).
    pub line: usize,
    pub status: RowStatus,
    /// The entry created, or the existing one a duplicate repeats.
    pub entry_id: Option<i64>,
    pub errors: Vec<RowError>,
}

/// The outcome of an import, row by row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ListImportReport {
    pub created: usize,
    pub duplicates: usize,
    pub rejected: usize,
    pub rows: Vec<RowReport>,
}

/// One row as read and validated: the entry, or its problems.
pub type ImportRow = (usize, Result<EntryDraft, Vec<RowError>>);

/// Import rows into a court's list: valid new rows are listed, all in one transaction; duplicates
/// (of existing entries or of earlier rows) and invalid rows are reported, not imported.
pub fn import(
    conn: &mut DbConn,
    caller: &Caller,
    court_id: Option<i64>,
    rows: Vec<ImportRow>,
) -> Result<ListImportReport, ApiError> {
    caller.permit(Operation::ImportEntries)?;
    write_tx(conn, |conn| {
        let court = target_court(conn, caller, court_id)?;
        let listeners = partners::listeners(conn)?;
        let mut seen = SeenKeys::default();
        let mut report = ListImportReport {
            created: 0,
            duplicates: 0,
            rejected: 0,
            rows: Vec::with_capacity(rows.len()),
        };
        for (line, row) in rows {
            let row_report = |status, entry_id, errors| RowReport {
                line,
                status,
                entry_id,
                errors,
            };
            let draft = match row {
                Ok(draft) => draft,
                Err(errors) => {
                    report.rejected += 1;
                    report.rows.push(row_report(RowStatus::Rejected, None, errors));
                    continue;
                }
            };
            let (case_number, id_number) = draft.key();
            if let Err(first) = seen.first((case_number.clone(), id_number.clone()), line) {
                report.duplicates += 1;
                let error = RowError {
                    column: None,
                    detail: format!("repeats line {first}"),
                };
                report
                    .rows
                    .push(row_report(RowStatus::Duplicate, None, vec![error]));
                continue;
            }
            if let Some(existing) = repo::dishonest::find_key(conn, court.id, &case_number, &id_number)? {
                report.duplicates += 1;
                let error = RowError {
                    column: None,
                    detail: format!(
                        "already on the list as entry {} ({})",
                        existing.id,
                        existing.status.as_str()
                    ),
                };
                report
                    .rows
                    .push(row_report(RowStatus::Duplicate, Some(existing.id), vec![error]));
                continue;
            }
            let entry = insert(conn, caller, &court, &draft, "imported")?;
            partners::announce(
                conn,
                &listeners,
                ListEvent::Listed,
                &entry,
                &court,
                entry.created_at,
            )?;
            report.created += 1;
            report
                .rows
                .push(row_report(RowStatus::Created, Some(entry.id), Vec::new()));
        }
        repo::audit::record(
            conn,
            &caller.actor(),
            "dishonest_entry.import",
            "court",
            Some(court.id.to_string()),
            Some(json!({
                "created": report.created,
                "duplicates": report.duplicates,
                "rejected": report.rejected,
            })),
        )?;
        Ok(report)
    })
}
