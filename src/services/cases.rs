//! Enforcement cases: an officer files a case of their court with its applicants and debtors,
//! reads it, and closes it (结案) as concluded or terminated once its tasks are settled.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::db::{DbConn, task_tx, write_tx};
use crate::domain::identity::{CaseNumber, PartyIdentifier, Phone};
use crate::domain::{Name, Role, time};
use crate::error::ApiError;
use crate::geo::LatLon;
/// The rows this service hands out: cases and their parties.
pub use crate::repo::cases::{Case, Party};
use crate::repo::{
    self,
    cases::{NewCase, NewParty},
};
use crate::services::Caller;

pub use crate::domain::case::{CaseStatus, PartyKind, PartyRole};

/// A known address of a party; the point is WGS-84 when known.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StoredAddress {
    pub text: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

/// A validated party.
#[derive(Debug, Clone)]
pub struct PartyInput {
    pub role: PartyRole,
    pub name: Name,
    pub identifier: Option<PartyIdentifier>,
    pub phones: Vec<Phone>,
    pub addresses: Vec<(String, Option<LatLon>)>,
}

/// A validated new case.
#[derive(Debug, Clone)]
pub struct NewCaseInput {
    pub case_number: CaseNumber,
    /// The handling officer; the caller when absent.
    pub officer_id: Option<i64>,
    pub amount_owed_fen: i64,
    pub filed_on: NaiveDate,
    pub parties: Vec<PartyInput>,
}

/// The caller's court, if they are an officer; others may not file or read cases.
fn officer_court(caller: &Caller) -> Result<i64, ApiError> {
    match (caller.role, caller.court_id) {
        (Role::Officer, Some(court)) => Ok(court),
        _ => Err(ApiError::Forbidden),
    }
}

pub fn create(
    conn: &mut DbConn,
    caller: &Caller,
    input: NewCaseInput,
) -> Result<(Case, Vec<Party>), ApiError> {
    let court_id = officer_court(caller)?;
    if !input.parties.iter().any(|p| p.role == PartyRole::Applicant) {
        return Err(ApiError::invalid(
            "parties",
            "a case needs at least one applicant",
        ));
    }
    if !input.parties.iter().any(|p| p.role == PartyRole::Debtor) {
        return Err(ApiError::invalid("parties", "a case needs at least one debtor"));
    }
    if input.filed_on > time::today_local() {
        return Err(ApiError::invalid("filed_on", "must not be in the future"));
    }
    write_tx(conn, |conn| {
        let officer_id = input.officer_id.unwrap_or(caller.id);
        let officer = repo::users::find(conn, officer_id)?;
        if !officer.is_some_and(|o| o.role == Role::Officer && o.active && o.court_id == Some(court_id)) {
            return Err(ApiError::invalid(
                "officer_id",
                "must be an active officer of your court",
            ));
        }
        if repo::cases::exists_number(conn, court_id, input.case_number.as_str())? {
            return Err(ApiError::conflict(
                "case_number_taken",
                format!(
                    "case {} is already filed in this court",
                    input.case_number.as_str()
                ),
            ));
        }
        let now = time::now();
        let case = repo::cases::insert(
            conn,
            &NewCase {
                court_id,
                case_number: input.case_number.as_str(),
                officer_id,
                amount_owed_fen: input.amount_owed_fen,
                status: CaseStatus::Open,
                filed_on: input.filed_on,
                created_by: caller.id,
                created_at: now,
                updated_at: now,
            },
        )?;
        for (position, party) in input.parties.iter().enumerate() {
            let phones: Vec<&str> = party.phones.iter().map(Phone::as_str).collect();
            let addresses: Vec<StoredAddress> = party
                .addresses
                .iter()
                .map(|(text, point)| StoredAddress {
                    text: text.clone(),
                    lat: point.map(|p| p.lat),
                    lon: point.map(|p| p.lon),
                })
                .collect();
            let (kind, id_number) = match &party.identifier {
                Some(PartyIdentifier::Person(id)) => (PartyKind::Person, Some(id.as_str())),
                Some(PartyIdentifier::Organisation(code)) => (PartyKind::Organisation, Some(code.as_str())),
                None => (PartyKind::Person, None),
            };
            repo::cases::insert_party(
                conn,
                &NewParty {
                    case_id: case.id,
                    position: position as i32,
                    role: party.role,
                    kind,
                    name: party.name.as_str(),
                    id_number,
                    phones: &serde_json::to_string(&phones).map_err(ApiError::internal)?,
                    addresses: &serde_json::to_string(&addresses).map_err(ApiError::internal)?,
                },
            )?;
        }
        // The audit row names the case, never the parties' identifiers.
        repo::audit::record(
            conn,
            &caller.actor(),
            "case.create",
            "case",
            Some(case.id.to_string()),
            Some(serde_json::json!({"parties": input.parties.len()})),
        )?;
        let parties = repo::cases::parties_of(conn, case.id)?;
        Ok((case, parties))
    })
}

/// A case of the caller's court, or 404.
pub fn get(conn: &mut DbConn, caller: &Caller, case_id: i64) -> Result<(Case, Vec<Party>), ApiError> {
    let court_id = officer_court(caller)?;
    let case = repo::cases::find(conn, case_id)?
        .filter(|c| c.court_id == court_id)
        .ok_or(ApiError::NotFound("case"))?;
    let parties = repo::cases::parties_of(conn, case.id)?;
    repo::audit::record_read(
        conn,
        &caller.actor(),
        ("case.read", "case", Some(case.id.to_string())),
        &format!("case:{}", case.id),
        &[
            "parties.name",
            "parties.id_number",
            "parties.phones",
            "parties.addresses",
        ],
        None,
    )?;
    Ok((case, parties))
}

/// How a case is closed (结案).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closing {
    /// 执行完毕: the judgment has been enforced.
    Concluded,
    /// 终结本次执行 (终本): nothing more can be enforced for now (e.g. no assets found).
    Terminated,
}

impl Closing {
    /// The status the case is left in.
    pub fn status(self) -> CaseStatus {
        match self {
            Closing::Concluded => CaseStatus::Concluded,
            Closing::Terminated => CaseStatus::Terminated,
        }
    }
}

/// An officer of the court closes an open case. Its open tasks must be settled first (approved
/// or cancelled), so no grid worker is left working on a closed case. Runs as a task transaction,
/// so no task can be created on the case while it closes.
pub fn close(conn: &mut DbConn, caller: &Caller, case_id: i64, closing: Closing) -> Result<Case, ApiError> {
    let court_id = officer_court(caller)?;
    task_tx(conn, |conn| {
        let case = repo::cases::find(conn, case_id)?
            .filter(|c| c.court_id == court_id)
            .ok_or(ApiError::NotFound("case"))?;
        if !case.status.is_open() {
            return Err(ApiError::conflict(
                "case_closed",
                format!("the case is already {}", case.status),
            ));
        }
        let open_tasks = repo::cases::open_task_count(conn, case.id)?;
        if open_tasks > 0 {
            return Err(ApiError::conflict(
                "case_has_open_tasks",
                format!("{open_tasks} task(s) of the case are still open; approve or cancel them first"),
            ));
        }
        if !repo::cases::close(conn, case.id, closing.status(), time::now())? {
            return Err(ApiError::conflict("case_closed", "the case was closed meanwhile"));
        }
        repo::audit::record(
            conn,
            &caller.actor(),
            "case.close",
            "case",
            Some(case.id.to_string()),
            Some(serde_json::json!({ "status": closing.status().as_str() })),
        )?;
        repo::cases::find(conn, case.id)?.ok_or(ApiError::NotFound("case"))
    })
}

/// A case as the court's list shows it: with its debtors' names and the officer in charge.
#[derive(Debug, Clone)]
pub struct ListedCase {
    pub case: Case,
    pub debtors: Vec<String>,
    pub officer_name: Option<String>,
}

/// The cases of the caller's court, optionally only those whose case number or a party's name
/// contains `text`. The list shows the debtors' names: one audited read per page.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    status: Option<CaseStatus>,
    text: Option<String>,
    page: repo::PageRequest,
) -> Result<Vec<ListedCase>, ApiError> {
    let court_id = officer_court(caller)?;
    // Case numbers are stored with ASCII parentheses; people type full-width ones too.
    let text = text
        .map(|t| t.trim().replace('（', "(").replace('）', ")"))
        .filter(|t| !t.is_empty());
    let filter = repo::cases::CaseFilter {
        court_id: Some(court_id),
        status,
        officer_id: None,
        text: text.clone(),
    };
    let cases = repo::cases::list(conn, filter, page)?;
    let ids: Vec<i64> = cases.iter().map(|c| c.id).collect();
    let mut debtors = repo::cases::debtor_names(conn, &ids)?;
    let mut officer_ids: Vec<i64> = cases.iter().map(|c| c.officer_id).collect();
    officer_ids.sort_unstable();
    officer_ids.dedup();
    let officers = repo::users::display_names(conn, &officer_ids)?;
    if !cases.is_empty() {
        repo::audit::record_read(
            conn,
            &caller.actor(),
            ("case.list", "case", None),
            "cases",
            &["parties.name"],
            Some(serde_json::json!({ "cases": ids, "search": text.is_some() })),
        )?;
    }
    Ok(cases
        .into_iter()
        .map(|case| ListedCase {
            debtors: debtors.remove(&case.id).unwrap_or_default(),
            officer_name: officers.get(&case.officer_id).cloned(),
            case,
        })
        .collect())
}

/// The name of the officer in charge of `case` (承办人), when the account exists.
pub fn officer_name(conn: &mut DbConn, case: &Case) -> Result<Option<String>, ApiError> {
    Ok(repo::users::display_names(conn, &[case.officer_id])?.remove(&case.officer_id))
}

/// The case numbers of the cases `case_ids` (tasks name their case by it), by case id.
pub fn numbers(
    conn: &mut DbConn,
    case_ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>, ApiError> {
    let mut ids = case_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    Ok(repo::cases::numbers(conn, &ids)?)
}
