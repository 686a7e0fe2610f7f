//! The notification outbox as admins see it: what is waiting, delivered or dead, and putting a
//! dead message back in line once the gateway is fixed.

use crate::db::{DbConn, write_tx};
use crate::domain::{Role, time};
use crate::error::ApiError;
/// The row this service hands out: an outbox message.
pub use crate::repo::outbox::Message;
use crate::repo::{self, PageRequest};
use crate::services::Caller;

fn admin(caller: &Caller) -> Result<(), ApiError> {
    if caller.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    status: Option<&str>,
    page: PageRequest,
) -> Result<Vec<Message>, ApiError> {
    admin(caller)?;
    Ok(repo::outbox::list(conn, status, page)?)
}

/// Deliver a dead message again, from its first attempt.
pub fn retry(conn: &mut DbConn, caller: &Caller, id: i64) -> Result<Message, ApiError> {
    admin(caller)?;
    write_tx(conn, |conn| {
        let message = repo::outbox::find(conn, id)?.ok_or(ApiError::NotFound("notification"))?;
        if !repo::outbox::requeue(conn, id, time::now())? {
            return Err(ApiError::conflict(
                "invalid_transition",
                format!(
                    "only a dead notification can be retried; this one is {}",
                    message.status
                ),
            ));
        }
        repo::audit::record(
            conn,
            &caller.actor(),
            "notification.retry",
            "notification",
            Some(id.to_string()),
            None,
        )?;
        repo::outbox::find(conn, id)?.ok_or(ApiError::NotFound("notification"))
    })
}
