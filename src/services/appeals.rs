//! Score appeals: a worker contests one of their score lines with a reason; the supervisor of
//! their township accepts it — a correcting line brings the line to the value it should have had
//! (nothing, unless they say otherwise) — or rejects it with a reason. Every step is audited; the
//! original line is never edited.

use crate::db::{DbConn, task_tx};
use crate::domain::scoring::{self, AppealStatus};
use crate::domain::{Role, time};
use crate::error::ApiError;
/// The row this service hands out: an appeal against a score line.
pub use crate::repo::scores::Appeal;
use crate::repo::seals::Sealed;
use crate::repo::{self, scores::NewScoreLine};
use crate::services::Caller;

/// The worker appeals one of their own lines.
pub fn appeal(conn: &mut DbConn, caller: &Caller, line_id: i64, reason: &str) -> Result<Appeal, ApiError> {
    if caller.role != Role::Worker {
        return Err(ApiError::Forbidden);
    }
    task_tx(conn, |conn| {
        let line = repo::scores::find_line(conn, line_id)?
            .filter(|l| l.worker_id == caller.id)
            .ok_or_else(|| ApiError::invalid("line_id", "none of your score lines has that id"))?;
        if line.code == scoring::LineCode::AppealCorrection {
            return Err(ApiError::invalid(
                "line_id",
                "a correction from an appeal cannot itself be appealed",
            ));
        }
        let appeal =
            repo::scores::insert_appeal(conn, line.id, caller.id, reason, time::now()).map_err(|e| {
                match ApiError::from(e) {
                    ApiError::Conflict { .. } => {
                        ApiError::conflict("already_exists", "this line was already appealed")
                    }
                    other => other,
                }
            })?;
        repo::audit::record(
            conn,
            &caller.actor(),
            "score.appeal",
            "score_appeal",
            Some(appeal.id.to_string()),
            None,
        )?;
        Ok(appeal)
    })
}

/// How the supervisor rules.
#[derive(Debug, Clone)]
pub enum Ruling {
    /// The line should have been worth `corrected_points` (0 voids it).
    Accept {
        corrected_points: i64,
        reason: String,
    },
    Reject {
        reason: String,
    },
}

/// The supervisor of the worker's township rules on a pending appeal.
pub fn decide(
    conn: &mut DbConn,
    caller: &Caller,
    appeal_id: i64,
    ruling: Ruling,
) -> Result<Appeal, ApiError> {
    if caller.role != Role::Supervisor {
        return Err(ApiError::Forbidden);
    }
    task_tx(conn, |conn| {
        let appeal = repo::scores::find_appeal(conn, appeal_id)?.ok_or(ApiError::NotFound("appeal"))?;
        let worker = repo::users::find(conn, appeal.worker_id)?.ok_or(ApiError::NotFound("appeal"))?;
        if worker.township_id.is_none() || worker.township_id != caller.township_id {
            return Err(ApiError::NotFound("appeal"));
        }
        if appeal.status != AppealStatus::Pending {
            return Err(ApiError::conflict(
                "invalid_transition",
                format!("this appeal was already {}", appeal.status),
            ));
        }
        let now = time::now();
        let (status, reason, correction) = match &ruling {
            Ruling::Reject { reason } => (AppealStatus::Rejected, reason.as_str(), None),
            Ruling::Accept {
                corrected_points,
                reason,
            } => {
                let line =
                    repo::scores::find_line(conn, appeal.line_id)?.ok_or(ApiError::NotFound("line"))?;
                let correction = scoring::appeal_correction(line.points, *corrected_points);
                let written = repo::scores::add_line(
                    conn,
                    &NewScoreLine {
                        worker_id: line.worker_id,
                        township_id: worker.township_id,
                        occurred_at: now,
                        code: correction.code,
                        points: correction.points,
                        task_id: line.task_id,
                        source: format!("appeal:{}", appeal.id),
                        scheme_version: line.scheme_version,
                        detail: correction.detail.to_string(),
                        created_at: now,
                    },
                )?;
                (AppealStatus::Accepted, reason.as_str(), Some(written.id))
            }
        };
        if !repo::scores::decide_appeal(conn, appeal.id, (status, reason), caller.id, correction, now)? {
            return Err(ApiError::PreconditionFailed);
        }
        let sealed: Vec<(Sealed, i64)> = correction
            .map(|id| (Sealed::ScoreLines, id))
            .into_iter()
            .collect();
        let seals = repo::seals::sealing(conn, &sealed)?;
        repo::audit::record(
            conn,
            &caller.actor(),
            &format!("score.appeal_{status}"),
            "score_appeal",
            Some(appeal.id.to_string()),
            Some(seals),
        )?;
        repo::scores::find_appeal(conn, appeal.id)?.ok_or(ApiError::NotFound("appeal"))
    })
}

/// Appeals the caller may see: a worker's own, a supervisor's township's, all for admins.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    status: Option<AppealStatus>,
) -> Result<Vec<Appeal>, ApiError> {
    let workers: Vec<i64> = match caller.role {
        Role::Worker => vec![caller.id],
        Role::Supervisor => match caller.township_id {
            Some(t) => repo::users::ids_in_township(conn, t, "worker")?,
            None => vec![],
        },
        Role::Admin => repo::users::ids_with_role(conn, "worker")?,
        Role::Officer => return Err(ApiError::Forbidden),
    };
    Ok(repo::scores::appeals_of(conn, &workers, status)?)
}

/// An appeal with the line it is against (what the supervisor rules on: its cause, its points
/// and its task).
pub type AppealWithLine = (Appeal, Option<repo::scores::ScoreLine>);

/// [`list`], each appeal with its line.
pub fn list_with_lines(
    conn: &mut DbConn,
    caller: &Caller,
    status: Option<AppealStatus>,
) -> Result<Vec<AppealWithLine>, ApiError> {
    let appeals = list(conn, caller, status)?;
    let mut out = Vec::with_capacity(appeals.len());
    for appeal in appeals {
        let line = repo::scores::find_line(conn, appeal.line_id)?;
        out.push((appeal, line));
    }
    Ok(out)
}
