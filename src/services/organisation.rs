//! Courts and townships: the organisation that scopes every other object.

use crate::db::{DbConn, write_tx};
use crate::domain::{Code, Name, time};
use crate::error::ApiError;
use crate::repo::{
    self,
    audit::Actor,
    courts::{Court, NewCourt},
    townships::{NewTownship, Township},
};

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
