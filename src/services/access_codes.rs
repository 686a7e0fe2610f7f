//! Issuing and revoking applicants' access codes. Officers of the case's court (and admins) issue
//! a code to hand to the applicant — printed on the acceptance notice or sent by SMS — and the
//! applicant follows the case's progress with it, without an account. Issuing again revokes the
//! previous code (a lost or leaked code is replaced, not added to); revoking leaves the case with
//! none. The code is shown once, in the answer to the issue; only its digest is kept. Both are
//! audited.

use crate::auth::access_code;
use crate::db::{DbConn, write_tx};
use crate::domain::access::Operation;
use crate::domain::{Role, time};
use crate::error::ApiError;
/// The row this service hands out: an access code (its digest, never the code).
pub use crate::repo::access_codes::AccessCode;
use crate::repo::{self, cases::Case};
use crate::services::Caller;

/// A newly issued code: the code itself (shown this once), its record, and whether it replaced
/// a live one.
#[derive(Debug, Clone)]
pub struct Issued {
    pub code: String,
    pub record: AccessCode,
    pub replaced: bool,
}

/// The case, if the caller may manage its access codes: an officer of its court, or an admin.
/// Other roles are 403; another court's case is 404, as if it did not exist.
fn managed_case(conn: &mut DbConn, caller: &Caller, case_id: i64) -> Result<Case, ApiError> {
    caller.permit(Operation::IssueAccessCode)?;
    repo::cases::find(conn, case_id)?
        .filter(|c| caller.role == Role::Admin || caller.court_id == Some(c.court_id))
        .ok_or(ApiError::NotFound("case"))
}

/// Issue a new code for the case, revoking the one before.
pub fn issue(conn: &mut DbConn, caller: &Caller, case_id: i64) -> Result<Issued, ApiError> {
    write_tx(conn, |conn| {
        let case = managed_case(conn, caller, case_id)?;
        let now = time::now();
        let replaced = repo::access_codes::revoke_live(conn, case.id, caller.id, now)?;
        let code = access_code::generate();
        let canonical = access_code::normalise(&code)
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("a generated access code does not parse")))?;
        let record =
            repo::access_codes::insert(conn, case.id, &access_code::digest(&canonical), caller.id, now)?;
        repo::audit::record(
            conn,
            &caller.actor(),
            "case.access_code.issue",
            "case",
            Some(case.id.to_string()),
            Some(serde_json::json!({ "access_code_id": record.id, "replaced": replaced })),
        )?;
        Ok(Issued {
            code,
            record,
            replaced: replaced.is_some(),
        })
    })
}

/// Revoke the case's live code; 404 when it has none.
pub fn revoke(conn: &mut DbConn, caller: &Caller, case_id: i64) -> Result<(), ApiError> {
    write_tx(conn, |conn| {
        let case = managed_case(conn, caller, case_id)?;
        let revoked = repo::access_codes::revoke_live(conn, case.id, caller.id, time::now())?
            .ok_or(ApiError::NotFound("access code"))?;
        repo::audit::record(
            conn,
            &caller.actor(),
            "case.access_code.revoke",
            "case",
            Some(case.id.to_string()),
            Some(serde_json::json!({ "access_code_id": revoked })),
        )?;
        Ok(())
    })
}

/// The case's latest code (live or revoked), without the code itself.
pub fn latest(conn: &mut DbConn, caller: &Caller, case_id: i64) -> Result<Option<AccessCode>, ApiError> {
    let case = managed_case(conn, caller, case_id)?;
    Ok(repo::access_codes::latest_of_case(conn, case.id)?)
}
