//! Training: modules (what they certify, for how long, which rework reasons they address) and
//! completions recorded by supervisors or admins. A passed module certifies the worker for its
//! task kinds — the certification automatic assignment requires — and earns the scheme's training
//! credit. A worker whose results keep coming back for the same reason is recommended the modules
//! that address it.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::db::schema::{submissions, worker_certifications};
use crate::db::{DbConn, task_tx, write_tx};
use crate::domain::submission::Verdict;
use crate::domain::{Role, TaskKind, scoring, time};
use crate::error::ApiError;
/// The rows this service hands out: training modules and recorded completions.
pub use crate::repo::scores::{Completion, Module};
use crate::repo::seals::Sealed;
use crate::repo::{
    self,
    scores::{NewCompletion, NewModule},
};
use crate::services::Caller;

/// Returns for the same reason within this many days make a pattern.
pub const RECOMMEND_WINDOW_DAYS: i64 = 90;
/// How many returns for one reason make a pattern.
pub const RECOMMEND_AFTER: usize = 2;

#[derive(Debug, Clone)]
pub struct ModuleInput {
    pub title: String,
    pub task_kinds: Vec<TaskKind>,
    pub reasons: Vec<String>,
    pub validity_days: i32,
    pub pass_score: i32,
}

pub fn create_module(conn: &mut DbConn, caller: &Caller, input: ModuleInput) -> Result<Module, ApiError> {
    if caller.role != Role::Admin {
        return Err(ApiError::Forbidden);
    }
    let kinds: Vec<&str> = input.task_kinds.iter().map(|k| k.as_str()).collect();
    write_tx(conn, |conn| {
        let module = repo::scores::insert_module(
            conn,
            &NewModule {
                title: input.title.clone(),
                task_kinds: serde_json::to_string(&kinds).map_err(ApiError::internal)?,
                reasons: serde_json::to_string(&input.reasons).map_err(ApiError::internal)?,
                validity_days: input.validity_days,
                pass_score: input.pass_score,
                created_by: Some(caller.id),
                created_at: time::now(),
            },
        )?;
        repo::audit::record(
            conn,
            &caller.actor(),
            "training.module_create",
            "training_module",
            Some(module.id.to_string()),
            None,
        )?;
        Ok(module)
    })
}

pub fn modules(conn: &mut DbConn) -> Result<Vec<Module>, ApiError> {
    Ok(repo::scores::modules(conn)?)
}

fn worker_in_scope(
    conn: &mut DbConn,
    caller: &Caller,
    worker_id: i64,
) -> Result<repo::users::User, ApiError> {
    let worker = repo::users::find(conn, worker_id)?
        .filter(|u| u.role == Role::Worker)
        .ok_or(ApiError::NotFound("worker"))?;
    let allowed = match caller.role {
        Role::Admin => true,
        Role::Supervisor => worker.township_id.is_some() && worker.township_id == caller.township_id,
        Role::Worker => worker.id == caller.id,
        Role::Officer => false,
    };
    if allowed {
        Ok(worker)
    } else {
        Err(ApiError::NotFound("worker"))
    }
}

/// A supervisor (of the worker's township) or an admin records a completion.
pub fn record_completion(
    conn: &mut DbConn,
    caller: &Caller,
    module_id: i64,
    worker_id: i64,
    (completed_on, quiz_score): (NaiveDate, i32),
) -> Result<Completion, ApiError> {
    if !matches!(caller.role, Role::Admin | Role::Supervisor) {
        return Err(ApiError::Forbidden);
    }
    if completed_on > time::today_local() {
        return Err(ApiError::invalid("completed_on", "cannot be in the future"));
    }
    task_tx(conn, |conn| {
        let module =
            repo::scores::find_module(conn, module_id)?.ok_or(ApiError::NotFound("training module"))?;
        let worker = worker_in_scope(conn, caller, worker_id)
            .map_err(|_| ApiError::invalid("worker_id", "no grid worker in your scope has that id"))?;
        let now = time::now();
        let passed = quiz_score >= module.pass_score;
        let mut sealed = Vec::new();
        let completion = repo::scores::insert_completion(
            conn,
            &NewCompletion {
                module_id: module.id,
                worker_id: worker.id,
                completed_on,
                quiz_score,
                passed,
                recorded_by: caller.id,
                created_at: now,
            },
        )?;
        if passed {
            let kinds: Vec<String> = serde_json::from_str(&module.task_kinds).unwrap_or_default();
            let expires_on = completed_on + chrono::Duration::days(i64::from(module.validity_days));
            for kind in kinds {
                certify(conn, worker.id, &kind, completed_on, expires_on)?;
            }
            let (version, scheme) = crate::services::scoring::scheme_at(conn, now)?;
            let line = scoring::training(&scheme);
            if line.points != 0 {
                let written = repo::scores::add_line(
                    conn,
                    &repo::scores::NewScoreLine {
                        worker_id: worker.id,
                        township_id: worker.township_id,
                        occurred_at: now,
                        code: line.code,
                        points: line.points,
                        task_id: None,
                        source: format!("training:{}", completion.id),
                        scheme_version: version,
                        detail: line.detail.to_string(),
                        created_at: now,
                    },
                )?;
                sealed.push((Sealed::ScoreLines, written.id));
            }
        }
        let mut detail = repo::seals::sealing(conn, &sealed)?;
        detail["module_id"] = module.id.into();
        detail["passed"] = passed.into();
        repo::audit::record(
            conn,
            &caller.actor(),
            "training.completion",
            "user",
            Some(worker.id.to_string()),
            Some(detail),
        )?;
        Ok(completion)
    })
}

/// Certify (or renew) a worker for a kind; a later pass extends, never shortens.
fn certify(
    conn: &mut DbConn,
    worker_id: i64,
    kind: &str,
    certified_on: NaiveDate,
    expires_on: NaiveDate,
) -> Result<(), ApiError> {
    let existing: Option<Option<NaiveDate>> = worker_certifications::table
        .filter(worker_certifications::worker_id.eq(worker_id))
        .filter(worker_certifications::task_kind.eq(kind))
        .select(worker_certifications::expires_on)
        .first(conn)
        .optional()?;
    match existing {
        None => {
            diesel::insert_into(worker_certifications::table)
                .values((
                    worker_certifications::worker_id.eq(worker_id),
                    worker_certifications::task_kind.eq(kind),
                    worker_certifications::certified_on.eq(certified_on),
                    worker_certifications::expires_on.eq(Some(expires_on)),
                ))
                .execute(conn)?;
        }
        // Unlimited, or already valid longer: keep it.
        Some(None) => {}
        Some(Some(until)) if until >= expires_on => {}
        Some(Some(_)) => {
            diesel::update(
                worker_certifications::table
                    .filter(worker_certifications::worker_id.eq(worker_id))
                    .filter(worker_certifications::task_kind.eq(kind)),
            )
            .set((
                worker_certifications::certified_on.eq(certified_on),
                worker_certifications::expires_on.eq(Some(expires_on)),
            ))
            .execute(conn)?;
        }
    }
    Ok(())
}

/// A worker's training: completions, and the modules recommended because results keep coming
/// back for a reason a module addresses (and the worker holds no current pass of it).
pub struct WorkerTraining {
    pub completions: Vec<Completion>,
    /// (module, the reason, how many returns for it in the window).
    pub recommended: Vec<(Module, String, usize)>,
}

pub fn of_worker(conn: &mut DbConn, caller: &Caller, worker_id: i64) -> Result<WorkerTraining, ApiError> {
    let worker = worker_in_scope(conn, caller, worker_id)?;
    let completions = repo::scores::completions_of(conn, worker.id)?;
    let since = time::now() - chrono::Duration::days(RECOMMEND_WINDOW_DAYS);
    let returned: Vec<Option<String>> = submissions::table
        .filter(submissions::worker_id.eq(worker.id))
        .filter(submissions::decision.eq(Verdict::Returned))
        .filter(submissions::reviewed_at.ge(since))
        .select(submissions::return_reasons)
        .load(conn)?;
    let mut by_reason: BTreeMap<String, usize> = BTreeMap::new();
    for reasons in returned.into_iter().flatten() {
        for reason in serde_json::from_str::<Vec<String>>(&reasons).unwrap_or_default() {
            *by_reason.entry(reason).or_default() += 1;
        }
    }
    let today = time::today_local();
    let mut recommended = Vec::new();
    for module in repo::scores::modules(conn)? {
        let addresses: Vec<String> = serde_json::from_str(&module.reasons).unwrap_or_default();
        let passed_recently = completions.iter().any(|c| {
            c.module_id == module.id
                && c.passed
                && c.completed_on + chrono::Duration::days(i64::from(module.validity_days)) >= today
                // A pass after the returns answers them.
                && time::local_to_utc(c.completed_on, 0) >= since
        });
        if passed_recently {
            continue;
        }
        if let Some((reason, n)) = addresses
            .iter()
            .filter_map(|r| by_reason.get(r).map(|n| (r.clone(), *n)))
            .filter(|(_, n)| *n >= RECOMMEND_AFTER)
            .max_by_key(|(_, n)| *n)
        {
            recommended.push((module, reason, n));
        }
    }
    Ok(WorkerTraining {
        completions,
        recommended,
    })
}
