//! The list of dishonest judgment debtors (失信被执行人名单), kept by the courts: list a debtor,
//! import a CSV file, read and correct entries, remove a debtor (which cancels open publicity
//! tasks and sends the notice's poster a take-down task). Officers and admins only; officers of
//! other courts read with ID numbers masked and may not change (403).

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use tracing_actix_web::RequestId;
use utoipa::{IntoParams, ToSchema};

use super::extract::{ApiJson, read_body, request_id, valid};
use super::pagination::{Page, PageQuery};
use crate::auth::AuthUser;
use crate::domain::access::Operation;
use crate::domain::csv;
use crate::domain::dishonest::{
    self, DebtorIdentity, DebtorKind, EntryDraft, EntryStatus, ImportColumns, ListingReason, RawEntry,
    RemovalReason,
};
use crate::domain::identity::CaseNumber;
use crate::domain::{Name, time};
use crate::error::{ApiError, Problem};
use crate::services;
use crate::services::dishonest::{
    Entry, EntryEvent, EntryFilter, EntryPatch, EntryView, ImportRow, ListImportReport, MAX_IMPORT_ROWS,
    Removal, RowError,
};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEntry {
    /// The court the entry belongs to: required for admins; officers may leave it out (their own
    /// court is the only one they may name).
    pub court_id: Option<i64>,
    /// The debtor's name (person) or the organisation's name.
    pub name: String,
    /// `person` or `organisation`; when absent, decided by the identifier.
    pub kind: Option<DebtorKind>,
    /// National ID number (person, GB 11643) or unified social credit code (organisation,
    /// GB 32100).
    pub id_number: String,
    /// e.g. `(2024)苏1283执1234号`; full-width parentheses are accepted.
    pub case_number: String,
    /// Not in the future, not before 2013-10-01.
    pub listed_on: NaiveDate,
    pub reason: ListingReason,
    /// At most 500 characters.
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEntry {
    pub name: Option<String>,
    pub reason: Option<ListingReason>,
    /// A blank note clears it.
    pub note: Option<String>,
    pub listed_on: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoveEntry {
    /// When the debtor left the list; today (China) when absent. Not in the future, not before
    /// the listing date.
    pub removed_on: Option<NaiveDate>,
    pub reason: RemovalReason,
    /// At most 500 characters.
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryEventDto {
    pub id: i64,
    /// `listed`, `imported`, `updated` or `removed`.
    pub action: String,
    pub actor_id: Option<i64>,
    pub occurred_at: DateTime<Utc>,
    /// What changed (`{"changed": {"name": {"from", "to"}}}`), the reason, the dates.
    pub detail: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EntryDto {
    pub id: i64,
    pub court_id: i64,
    pub name: String,
    /// `person` or `organisation`.
    pub kind: String,
    /// In full for admins and officers of the entry's court; a person's number masked
    /// (`320282********1234`) for officers of other courts.
    pub id_number: String,
    pub case_number: String,
    /// The case in this system with that number, when the court filed it here.
    pub case_id: Option<i64>,
    pub reason: String,
    pub note: Option<String>,
    pub listed_on: NaiveDate,
    pub status: EntryStatus,
    pub removed_on: Option<NaiveDate>,
    pub removal_reason: Option<String>,
    pub removal_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Present when one entry is read: everything that happened to it, oldest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<EntryEventDto>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RemovedEntry {
    pub entry: EntryDto,
    /// Open `publicize_dishonesty` tasks for the debtor, cancelled (`debtor_removed`).
    pub cancelled_task_ids: Vec<i64>,
    /// `take_down_notice` tasks created for the workers who posted the notice.
    pub take_down_task_ids: Vec<i64>,
}

fn entry_dto(e: Entry, view: EntryView, history: Option<Vec<EntryEvent>>) -> EntryDto {
    let id_number = match view {
        EntryView::Full => e.id_number,
        EntryView::Masked => dishonest::mask(e.kind, &e.id_number),
    };
    EntryDto {
        id: e.id,
        court_id: e.court_id,
        name: e.name,
        kind: e.kind.as_str().to_owned(),
        id_number,
        case_number: e.case_number,
        case_id: e.case_id,
        reason: e.reason,
        note: e.note,
        listed_on: e.listed_on,
        status: e.status,
        removed_on: e.removed_on,
        removal_reason: e.removal_reason,
        removal_note: e.removal_note,
        created_at: time::to_utc(e.created_at),
        updated_at: time::to_utc(e.updated_at),
        history: history.map(|events| {
            events
                .into_iter()
                .map(|ev| EntryEventDto {
                    id: ev.id,
                    action: ev.action,
                    actor_id: ev.actor_id,
                    occurred_at: time::to_utc(ev.occurred_at),
                    detail: ev
                        .detail
                        .and_then(|d| serde_json::from_str(&d).ok())
                        .unwrap_or(serde_json::Value::Null),
                })
                .collect()
        }),
    }
}

/// List a debtor on the court's list of dishonest debtors. Partners subscribed to the list hear
/// of it.
#[utoipa::path(tag = "dishonest", request_body = CreateEntry, security(("bearer" = [])), responses(
    (status = 201, body = EntryDto),
    (status = 400, description = "A field is invalid; `field` names it", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Not an officer or admin, or another court named", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`already_listed`: the court lists this debtor for this case", body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/dishonest-entries")]
pub async fn create_entry(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    body: ApiJson<CreateEntry>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::CreateEntry)?;
    let b = body.0;
    let raw = RawEntry {
        name: b.name,
        kind: b.kind.map(|k| k.as_str().to_owned()),
        id_number: b.id_number,
        case_number: b.case_number,
        listed_on: b.listed_on.to_string(),
        reason: b.reason.as_str().to_owned(),
        note: b.note,
    };
    let draft = EntryDraft::validate(&raw, time::today_local()).map_err(|problems| {
        let first = problems.into_iter().next();
        first.map_or(ApiError::invalid("body", "invalid entry"), |p| {
            ApiError::invalid(p.field, p.detail)
        })
    })?;
    let (court_id, rid) = (b.court_id, request_id(&rid));
    let entry = state
        .run_as(permit, rid, move |conn, caller| {
            services::dishonest::create(conn, caller, court_id, draft)
        })
        .await?;
    Ok(HttpResponse::Created().json(entry_dto(entry, EntryView::Full, None)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct EntryQuery {
    /// Only this court's entries.
    pub court_id: Option<i64>,
    /// `listed` or `removed`.
    pub status: Option<EntryStatus>,
    /// Only entries for this national ID number or credit code (exact, any spelling of `x`).
    pub id_number: Option<String>,
    /// Only entries on this case number.
    pub case_number: Option<String>,
}

/// Entries of the list, oldest first (officers of every court, admins). Audited.
#[utoipa::path(tag = "dishonest", params(EntryQuery, PageQuery), security(("bearer" = [])), responses(
    (status = 200, body = Page<EntryDto>),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/dishonest-entries")]
pub async fn list_entries(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    filter: web::Query<EntryQuery>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::ListEntries)?;
    let page = query.to_request()?;
    let f = filter.into_inner();
    let today = time::today_local();
    let id_number = match f.id_number.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(raw) => Some(valid("id_number", DebtorIdentity::lookup_key(raw, today))?),
        None => None,
    };
    let case_number = match f.case_number.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(raw) => Some(
            valid("case_number", CaseNumber::parse(raw, today))?
                .as_str()
                .to_owned(),
        ),
        None => None,
    };
    let (court_id, status, rid) = (f.court_id, f.status, request_id(&rid));
    let rows = state
        .run_as(permit, rid, move |conn, caller| {
            let filter = EntryFilter {
                court_id,
                status,
                id_number: id_number.as_deref(),
                case_number: case_number.as_deref(),
            };
            services::dishonest::list(conn, caller, &filter, page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(
        rows,
        page,
        |(e, _)| e.id,
        |(e, view)| entry_dto(e, view, None),
    )))
}

/// One entry with its history. Audited.
#[utoipa::path(tag = "dishonest", params(("id" = i64, Path)), security(("bearer" = [])), responses(
    (status = 200, body = EntryDto),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")
))]
#[get("/api/v1/dishonest-entries/{id:-?\\d+}")]
pub async fn get_entry(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    path: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::GetEntry)?;
    let (id, rid) = (path.into_inner(), request_id(&rid));
    let (entry, events, view) = state
        .run_as(permit, rid, move |conn, caller| {
            services::dishonest::get(conn, caller, id)
        })
        .await?;
    Ok(HttpResponse::Ok().json(entry_dto(entry, view, Some(events))))
}

/// Correct a listed entry's name, reason, note or listing date (officers of its court, admins).
/// The identifier and case cannot change: remove a wrong entry as `listed_in_error` instead.
#[utoipa::path(tag = "dishonest", params(("id" = i64, Path)), request_body = UpdateEntry, security(("bearer" = [])), responses(
    (status = 200, body = EntryDto),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Not an officer of the entry's court or an admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`invalid_transition`: the entry is removed", body = Problem, content_type = "application/problem+json")
))]
#[patch("/api/v1/dishonest-entries/{id:-?\\d+}")]
pub async fn update_entry(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    path: web::Path<i64>,
    body: ApiJson<UpdateEntry>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::UpdateEntry)?;
    let b = body.0;
    let today = time::today_local();
    let patch = EntryPatch {
        name: b
            .name
            .as_deref()
            .map(|n| valid("name", Name::parse(n)))
            .transpose()?,
        reason: b.reason,
        note: b
            .note
            .as_deref()
            .map(|n| valid("note", dishonest::note(Some(n))))
            .transpose()?,
        listed_on: b
            .listed_on
            .map(|d| valid("listed_on", dishonest::listing_date(&d.to_string(), today)))
            .transpose()?,
    };
    let (id, rid) = (path.into_inner(), request_id(&rid));
    let entry = state
        .run_as(permit, rid, move |conn, caller| {
            services::dishonest::update(conn, caller, id, patch)
        })
        .await?;
    Ok(HttpResponse::Ok().json(entry_dto(entry, EntryView::Full, None)))
}

/// Remove a debtor from the list (officers of the entry's court, admins): the entry is kept with
/// status `removed`, partners hear of it, open publicity tasks for the debtor are cancelled and
/// each worker who posted the notice gets a `take_down_notice` task — all in one transaction.
#[utoipa::path(tag = "dishonest", params(("id" = i64, Path)), request_body = RemoveEntry, security(("bearer" = [])), responses(
    (status = 200, body = RemovedEntry),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Not an officer of the entry's court or an admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "`invalid_transition`: already removed", body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/dishonest-entries/{id}/removal")]
pub async fn remove_entry(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    path: web::Path<i64>,
    body: ApiJson<RemoveEntry>,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::RemoveEntry)?;
    let b = body.0;
    let removal = Removal {
        removed_on: b.removed_on.unwrap_or_else(time::today_local),
        reason: b.reason,
        note: valid("note", dishonest::note(b.note.as_deref()))?,
    };
    let (id, rid) = (path.into_inner(), request_id(&rid));
    let app = state.clone();
    let (entry, effects) = state
        .run_as(permit, rid, move |conn, caller| {
            services::dishonest::remove(conn, caller, id, removal, &app.calendar)
        })
        .await?;
    Ok(HttpResponse::Ok().json(RemovedEntry {
        entry: entry_dto(entry, EntryView::Full, None),
        cancelled_task_ids: effects.cancelled_task_ids,
        take_down_task_ids: effects.take_down_task_ids,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportEntriesQuery {
    /// The court to import into: required for admins; officers import into their own court.
    pub court_id: Option<i64>,
}

/// Read an import file into validated rows.
fn import_rows(bytes: &[u8]) -> Result<Vec<ImportRow>, ApiError> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        ApiError::invalid(
            "body",
            "the file is not UTF-8; save it as \"CSV UTF-8\" (Excel: 另存为 → CSV UTF-8)",
        )
    })?;
    let records = csv::read(text).map_err(|e| ApiError::invalid("body", e.to_string()))?;
    let mut records = records.into_iter();
    let header = records
        .next()
        .ok_or_else(|| ApiError::invalid("body", "the file is empty; it needs a header row"))?;
    let columns = valid("header", ImportColumns::from_header(&header.fields))?;
    if records.len() > MAX_IMPORT_ROWS {
        return Err(ApiError::unprocessable(
            "too_many_rows",
            format!("at most {MAX_IMPORT_ROWS} rows per import; split the file"),
        ));
    }
    let today = time::today_local();
    Ok(records
        .map(|record| {
            let row = match columns.entry(&record.fields) {
                Err(detail) => Err(vec![RowError { column: None, detail }]),
                Ok(raw) => EntryDraft::validate(&raw, today).map_err(|problems| {
                    problems
                        .into_iter()
                        .map(|p| RowError {
                            column: Some(p.field.to_owned()),
                            detail: p.detail,
                        })
                        .collect()
                }),
            };
            (record.line, row)
        })
        .collect())
}

/// Import a CSV file (UTF-8, with or without BOM; header row with the columns `name`, `kind`
/// (optional), `id_number`, `case_number`, `listed_on`, `reason`, `note` (optional) — Chinese
/// headings such as 姓名, 证件号码, 案号 are understood too). Each row is judged on its own: good
/// rows are listed, all in one transaction; duplicates and bad rows are reported by line, bad ones
/// naming the column.
#[utoipa::path(tag = "dishonest", params(ImportEntriesQuery), request_body(content = String, content_type = "text/csv", description = "The file, UTF-8"), security(("bearer" = [])), responses(
    (status = 200, body = ListImportReport),
    (status = 400, description = "Not UTF-8, not CSV, or a bad header (`field` = `body` or `header`)", body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 413, body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Not sent as `text/csv`", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "`too_many_rows`: more than 20,000 rows", body = Problem, content_type = "application/problem+json")
))]
#[post("/api/v1/dishonest-entries/import")]
pub async fn import_entries(
    state: web::Data<AppState>,
    auth: AuthUser,
    rid: RequestId,
    req: HttpRequest,
    query: web::Query<ImportEntriesQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let permit = auth.permit(Operation::ImportEntries)?;
    let is_csv = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("text/csv"));
    if !is_csv {
        return Err(ApiError::UnsupportedMediaType("CSV (text/csv)".into()));
    }
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let limit = state.config.import_limit;
    if declared.is_some_and(|n| n > limit) {
        return Err(ApiError::PayloadTooLarge);
    }
    let bytes = read_body(&mut payload.into_inner(), limit).await?;
    let rows = import_rows(&bytes)?;
    let (court_id, rid) = (query.into_inner().court_id, request_id(&rid));
    let report = state
        .run_as(permit, rid, move |conn, caller| {
            services::dishonest::import(conn, caller, court_id, rows)
        })
        .await?;
    Ok(HttpResponse::Ok().json(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_files_must_be_utf8_csv_with_a_known_header() {
        let e = import_rows(b"name,id_number\n\xb9\xfe").unwrap_err();
        assert_eq!(e.problem().field.as_deref(), Some("body"));
        assert!(e.to_string().contains("UTF-8"));
        let e = import_rows(b"").unwrap_err();
        assert!(e.to_string().contains("header"), "{e}");
        let e = import_rows("name,colour\n张三,red".as_bytes()).unwrap_err();
        assert_eq!(e.problem().field.as_deref(), Some("header"));
        let e = import_rows(b"\"open").unwrap_err();
        assert!(e.to_string().starts_with("line 1:"), "{e}");
    }

    #[test]
    fn rows_carry_their_line_and_every_problem_with_its_column() {
        let text = "\u{feff}name,id_number,case_number,listed_on,reason\r\n\
                    张三,91350100M000100Y43,(2025)苏1283执1号,2026-01-05,able_but_refused\r\n\
                    \r\n\
                    ,x,(2025)苏1283执2号,2026-01-05,rude\r\n\
                    only,three,fields\r\n";
        let rows = import_rows(text.as_bytes()).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].0, 2);
        assert!(rows[0].1.is_ok());
        assert_eq!(rows[1].0, 4);
        let errors = rows[1].1.as_ref().unwrap_err();
        let columns: Vec<_> = errors.iter().map(|e| e.column.as_deref()).collect();
        assert_eq!(columns, [Some("name"), Some("id_number"), Some("reason")]);
        assert_eq!(rows[2].0, 5);
        let errors = rows[2].1.as_ref().unwrap_err();
        assert_eq!(errors[0].column, None);
        assert!(errors[0].detail.contains("3 fields"), "{errors:?}");
    }
}
