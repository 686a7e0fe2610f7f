//! Courts, townships and their grids: the organisation that scopes every other object. Creating
//! courts and townships, and listing each within the caller's scope.

use crate::db::{DbConn, write_tx};
use crate::domain::{Code, Name, Role, time};
use crate::error::ApiError;
use crate::repo::{
    self, PageRequest,
    audit::Actor,
    courts::NewCourt,
    grids::GridFilter,
    townships::{NewTownship, TownshipFilter},
};
/// The rows this service hands out: courts, townships and grids.
pub use crate::repo::{courts::Court, grids::Grid, townships::Township};
use crate::services::Caller;
use crate::services::caller::Named;

pub fn create_court(conn: &mut DbConn, actor: &Actor, code: Code, name: Name) -> Result<Court, ApiError> {
    write_tx(conn, |conn| {
        if repo::courts::find_by_code(conn, code.as_str())?.is_some() {
            return Err(ApiError::conflict(
                "code_taken",
                format!("a court with code {} exists", code.as_str()),
            ));
        }
        let court = repo::courts::insert(
            conn,
            &NewCourt {
                code: code.as_str(),
                name: name.as_str(),
                created_at: time::now(),
            },
        )?;
        repo::audit::record(
            conn,
            actor,
            "court.create",
            "court",
            Some(court.id.to_string()),
            None,
        )?;
        Ok(court)
    })
}

pub fn create_township(
    conn: &mut DbConn,
    actor: &Actor,
    code: Code,
    name: Name,
    court_id: i64,
) -> Result<Township, ApiError> {
    write_tx(conn, |conn| {
        if repo::courts::find(conn, court_id)?.is_none() {
            return Err(ApiError::invalid(
                "court_id",
                format!("no court has id {court_id}"),
            ));
        }
        if repo::townships::find_by_code(conn, code.as_str())?.is_some() {
            return Err(ApiError::conflict(
                "code_taken",
                format!("a township with code {} exists", code.as_str()),
            ));
        }
        let township = repo::townships::insert(
            conn,
            &NewTownship {
                code: code.as_str(),
                name: name.as_str(),
                court_id,
                created_at: time::now(),
            },
        )?;
        repo::audit::record(
            conn,
            actor,
            "township.create",
            "township",
            Some(township.id.to_string()),
            None,
        )?;
        Ok(township)
    })
}

/// A page of the courts (admins).
pub fn list_courts(conn: &mut DbConn, page: PageRequest) -> Result<Vec<Court>, ApiError> {
    Ok(repo::courts::list(conn, page)?)
}

/// A page of the townships the caller may see: any (admins), their court's (officers), their own
/// (supervisors); optionally only those of `court`, which must be within the caller's scope.
pub fn list_townships(
    conn: &mut DbConn,
    caller: &Caller,
    court: Option<i64>,
    page: PageRequest,
) -> Result<Vec<Township>, ApiError> {
    if let Some(court) = court {
        caller.check_named(conn, Named::Court(court))?;
    }
    let (court_id, township_id) = narrowed(caller, (court, None))?;
    let filter = TownshipFilter {
        court_id,
        township_id,
    };
    Ok(repo::townships::list(conn, filter, page)?)
}

/// The grids the caller may see, each with its township's code, ordered by code: any (admins),
/// their court's (officers), their township's (supervisors), those they cover, primary or not
/// (workers); optionally only those of `township`, which must be within the caller's scope.
pub fn list_grids(
    conn: &mut DbConn,
    caller: &Caller,
    township: Option<i64>,
) -> Result<Vec<(Grid, String, String)>, ApiError> {
    if let Some(township) = township {
        caller.check_named(conn, Named::Township(township))?;
    }
    let filter = if caller.role == Role::Worker {
        GridFilter {
            court_id: None,
            township_id: township,
            worker_id: Some(caller.id),
        }
    } else {
        let (court_id, township_id) = narrowed(caller, (None, township))?;
        GridFilter {
            court_id,
            township_id,
            worker_id: None,
        }
    };
    Ok(repo::grids::list(conn, filter)?)
}

/// Where a listing of the organisation looks, as (court, township): what was asked for, with the
/// court an officer's own and the township a supervisor's own; workers list none of it (their
/// grids are listed by [`list_grids`] on its own terms).
fn narrowed(
    caller: &Caller,
    (court, township): (Option<i64>, Option<i64>),
) -> Result<(Option<i64>, Option<i64>), ApiError> {
    match caller.role {
        Role::Admin => Ok((court, township)),
        Role::Officer => Ok((caller.court_id, township)),
        Role::Supervisor => Ok((court, caller.township_id)),
        Role::Worker => Err(ApiError::Forbidden),
    }
}
