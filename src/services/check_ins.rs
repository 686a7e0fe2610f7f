//! Check-ins: the assignee's GPS fix at the target. The point is converted to WGS-84 and kept as
//! sent, with flags the officer and scoring see — far from the target, poor accuracy, a device
//! clock far from the server's, a fix taken before the task was assigned. Nothing is dropped.
//! The first check-in starts the work (accepted → in progress). A retried request with the same
//! client id is the same check-in.

use chrono::NaiveDateTime;

use crate::db::{DbConn, task_tx};
use crate::domain::task_record::EventAction;
use crate::domain::task_state::{TaskAction, TaskStatus, transition};
use crate::domain::time;
use crate::error::ApiError;
use crate::geo::{Crs, LatLon, haversine_m};
/// The row this service hands out: a recorded check-in.
pub use crate::repo::check_ins::CheckIn;
use crate::repo::seals::Sealed;
use crate::repo::{self, check_ins::NewCheckIn, tasks::Placement};
use crate::services::Caller;
use crate::services::task_access::court_officer;
use crate::services::task_log::TaskChange;
use crate::services::tasks::{View, get};

/// Accuracy (metres, the phone's own estimate) beyond which a fix is flagged.
pub const POOR_ACCURACY_M: f64 = 100.0;
/// A device clock this far from the server's is flagged.
pub const CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(10);

/// A validated check-in as the phone sent it.
#[derive(Debug, Clone)]
pub struct CheckInInput {
    pub client_id: String,
    /// WGS-84.
    pub point: LatLon,
    pub crs: Crs,
    pub accuracy_m: f64,
    pub captured_at: NaiveDateTime,
    /// SHA-256 of the request's content, to tell a replay from a different request.
    pub digest: String,
}

/// What happened: a new check-in, or the replay of one already recorded.
pub enum Recorded {
    Created(CheckIn, TaskStatus),
    Replayed(CheckIn, TaskStatus),
}

/// The flags of a fix, in a stable order.
pub fn flags(
    distance_m: Option<f64>,
    accuracy_m: f64,
    captured_at: NaiveDateTime,
    received_at: NaiveDateTime,
    assigned_at: Option<NaiveDateTime>,
    radius_m: f64,
) -> Vec<&'static str> {
    let mut flags = Vec::new();
    if distance_m.is_some_and(|d| d > radius_m) {
        flags.push("far_from_target");
    }
    if accuracy_m > POOR_ACCURACY_M {
        flags.push("poor_accuracy");
    }
    if (captured_at - received_at).abs() > CLOCK_SKEW {
        flags.push("clock_skew");
    }
    if assigned_at.is_some_and(|a| captured_at < a) {
        flags.push("before_assignment");
    }
    flags
}

/// Record a check-in, or recognise its replay.
pub fn record(
    conn: &mut DbConn,
    caller: &Caller,
    radius_m: f64,
    task_id: i64,
    input: CheckInInput,
) -> Result<Recorded, ApiError> {
    match record_once(conn, caller, radius_m, task_id, &input) {
        // Two copies of one request raced past the replay check; the database let one in.
        // Read again: this one is now a replay (or a conflict).
        Err(ApiError::Conflict {
            code: "already_exists",
            ..
        }) => record_once(conn, caller, radius_m, task_id, &input),
        other => other,
    }
}

fn record_once(
    conn: &mut DbConn,
    caller: &Caller,
    radius_m: f64,
    task_id: i64,
    input: &CheckInInput,
) -> Result<Recorded, ApiError> {
    task_tx(conn, |conn| {
        if let Some(existing) = repo::check_ins::find_by_client_id(conn, caller.id, &input.client_id)? {
            if existing.task_id != task_id || existing.request_digest != input.digest {
                return Err(ApiError::unprocessable(
                    "idempotency_conflict",
                    "this client_id was already used for a different check-in",
                ));
            }
            let task = repo::tasks::find(conn, task_id)?.ok_or(ApiError::NotFound("task"))?;
            let status = task.status;
            return Ok(Recorded::Replayed(existing, status));
        }
        let (task, view) = get(conn, caller, task_id)?;
        if view != View::Worker {
            return Err(ApiError::Forbidden);
        }
        let from = task.status;
        let to = transition(from, TaskAction::CheckIn)?;
        let received_at = time::now();
        let target = task
            .target_lat
            .zip(task.target_lon)
            .map(|(lat, lon)| LatLon { lat, lon });
        let distance_m = target.map(|t| (haversine_m(input.point, t) * 10.0).round() / 10.0);
        let assigned_at = repo::tasks::events_of(conn, task.id)?
            .into_iter()
            .filter(|e| e.action == EventAction::Assign && e.assignee_id == Some(caller.id))
            .map(|e| e.occurred_at)
            .next_back();
        let flags = flags(
            distance_m,
            input.accuracy_m,
            input.captured_at,
            received_at,
            assigned_at,
            radius_m,
        );
        let flags_json = serde_json::to_string(&flags).map_err(ApiError::internal)?;
        let check_in = repo::check_ins::insert(
            conn,
            &NewCheckIn {
                task_id: task.id,
                worker_id: caller.id,
                client_id: &input.client_id,
                lat: input.point.lat,
                lon: input.point.lon,
                crs_given: input.crs.as_str(),
                accuracy_m: input.accuracy_m,
                captured_at: input.captured_at,
                received_at,
                distance_m,
                flags: &flags_json,
                request_digest: &input.digest,
            },
        )?;
        if to != from
            && !repo::tasks::place(conn, task.id, task.version, &Placement::status(to, received_at))?
        {
            return Err(ApiError::PreconditionFailed);
        }
        TaskChange::new(task.id, EventAction::CheckIn, to)
            .by(caller.actor())
            .from(from)
            .assignee(Some(caller.id))
            .detail(
                &serde_json::json!({"check_in_id": check_in.id, "distance_m": distance_m, "flags": flags}),
            )
            .at(received_at)
            .about(Sealed::CheckIns, check_in.id)
            .record(conn)?;
        Ok(Recorded::Created(check_in, to))
    })
}

/// A task's check-ins with their positions, for officers of the task's court only: where a
/// worker stood is personal data, read to judge the check-in's flags (the supervisor and the
/// worker see the distance and flags in the history, not the point). Each read that returns any
/// is recorded in the audit log.
pub fn list(conn: &mut DbConn, caller: &Caller, task_id: i64) -> Result<Vec<CheckIn>, ApiError> {
    let (task, view) = get(conn, caller, task_id)?;
    if !court_officer(caller, view) {
        return Err(ApiError::Forbidden);
    }
    let rows = repo::check_ins::of_task(conn, task.id)?;
    if !rows.is_empty() {
        repo::audit::record_read(
            conn,
            &caller.actor(),
            ("check_in.read", "task", Some(task.id.to_string())),
            &format!("task:{}", task.id),
            &["check_in.position"],
            Some(serde_json::json!({ "check_ins": rows.len() })),
        )?;
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(min: i64) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 5, 6)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()
            + chrono::Duration::minutes(min)
    }

    #[test]
    fn a_good_fix_has_no_flags() {
        assert!(flags(Some(50.0), 12.0, t(0), t(1), Some(t(-60)), 200.0).is_empty());
    }

    #[test]
    fn each_flag_is_raised_on_its_own_condition() {
        assert_eq!(
            flags(Some(201.0), 12.0, t(0), t(1), None, 200.0),
            ["far_from_target"]
        );
        assert_eq!(
            flags(Some(10.0), 150.0, t(0), t(1), None, 200.0),
            ["poor_accuracy"]
        );
        assert_eq!(flags(Some(10.0), 12.0, t(0), t(11), None, 200.0), ["clock_skew"]);
        assert_eq!(flags(Some(10.0), 12.0, t(30), t(0), None, 200.0), ["clock_skew"]);
        assert_eq!(
            flags(Some(10.0), 12.0, t(0), t(1), Some(t(5)), 200.0),
            ["before_assignment"]
        );
        assert_eq!(flags(None, 12.0, t(0), t(1), None, 200.0), Vec::<&str>::new());
    }
}
