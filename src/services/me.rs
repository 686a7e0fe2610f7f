//! The signed-in caller's own account and scope, as `/me` shows them: the account, the court of
//! an officer, the township of a supervisor or worker, and the grids a worker covers.

use crate::db::DbConn;
use crate::error::ApiError;
use crate::repo;
use crate::services::Caller;
use crate::services::accounts::User;
use crate::services::organisation::{Court, Township};
use crate::services::workers::CoveredGrid;

/// The caller's account and what it is scoped to.
#[derive(Debug)]
pub struct Profile {
    pub user: User,
    pub court: Option<Court>,
    pub township: Option<Township>,
    pub grids: Vec<CoveredGrid>,
}

/// The caller's account as the database holds it now, with their court, township and grids.
pub fn profile(conn: &mut DbConn, caller: &Caller) -> Result<Profile, ApiError> {
    let user = repo::users::find(conn, caller.id)?.ok_or(ApiError::Unauthenticated)?;
    let court = match caller.court_id {
        Some(id) => repo::courts::find(conn, id)?,
        None => None,
    };
    let township = match caller.township_id {
        Some(id) => repo::townships::find(conn, id)?,
        None => None,
    };
    let grids = repo::workers::covered_grids(conn, caller.id)?;
    Ok(Profile {
        user,
        court,
        township,
        grids,
    })
}
