//! The audit trail for admins: reading it, and verifying its hash chain against the checkpoints
//! kept outside the database.

use crate::db::DbConn;
use crate::domain::Role;
use crate::error::ApiError;
use crate::repo;
/// The rows this service hands out: audit events, and the chain's verification report.
pub use crate::repo::audit::{AuditEvent, Verification};
use crate::services::Caller;
use crate::services::audit_checkpoints::{self, CheckpointStore};

fn admin(caller: &Caller) -> Result<(), ApiError> {
    if caller.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// Audit rows, newest first.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    filter: (Option<&str>, Option<&str>, Option<&str>),
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEvent>, ApiError> {
    admin(caller)?;
    Ok(repo::audit::list(conn, filter, before, limit)?)
}

/// Walk the chain and compare it with the checkpoints (a verified head is checkpointed); the
/// check itself is recorded (after the walk, so it is not part of it).
pub fn verify(
    conn: &mut DbConn,
    caller: &Caller,
    checkpoints: &CheckpointStore,
) -> Result<Verification, ApiError> {
    admin(caller)?;
    let report = audit_checkpoints::verify_trail(conn, checkpoints, &[])?;
    repo::audit::record(
        conn,
        &caller.actor(),
        "audit.verify",
        "audit_events",
        None,
        Some(serde_json::json!({ "ok": report.ok, "rows_checked": report.rows_checked })),
    )?;
    Ok(report)
}
