//! Scores for the training and incentive scheme. Every point won or lost is a score line tied to
//! its cause and written in the same transaction as the cause (an approval, a return for rework,
//! a task left unanswered past its deadline, a check-in found false, an outcome, a clawback, a
//! training pass, an appeal), computed with the scheme version in force when the cause happened.
//! Period figures are derived from lines, submissions and task events with set-based SQL; a closed
//! period is frozen as a snapshot, and `recompute` rebuilds a period to prove it reproducible.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
use diesel::{QueryableByName, RunQueryDsl};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{DbConn, task_tx, write_tx};
use crate::domain::period::Period;
use crate::domain::scoring::{
    self, ApprovalDetail, Line, LineCode, OutcomeFacts, Payouts, Scheme, Standing, WorkerPeriod,
};
use crate::domain::submission::Verdict;
use crate::domain::task_record::EventAction;
use crate::domain::task_state::TaskStatus;
use crate::domain::{Role, time};
use crate::error::ApiError;
/// The rows this service hands out: score lines and versions of the scheme.
pub use crate::repo::scores::{SchemeVersion, ScoreLine};
use crate::repo::seals::{Sealed, sealing};
use crate::repo::{
    self,
    scores::NewScoreLine,
    submissions::Outcome,
    tasks::{NewTaskEvent, Task},
};
use crate::services::Caller;

// ---------------------------------------------------------------------------------------------
// The scheme
// ---------------------------------------------------------------------------------------------

/// The scheme version in force at `at`: the newest that took effect by then, or the first one for
/// earlier instants. The built-in default becomes version 1 the first time one is needed.
pub fn scheme_at(conn: &mut DbConn, at: NaiveDateTime) -> Result<(i64, Scheme), ApiError> {
    let row = match repo::scores::scheme_at(conn, at)? {
        Some(row) => row,
        None => match repo::scores::all_schemes(conn)?.into_iter().next() {
            Some(first) => first,
            None => install_default(conn)?,
        },
    };
    let mut scheme: Scheme = serde_json::from_str(&row.body).map_err(|e| {
        ApiError::internal(anyhow::anyhow!(
            "scheme version {} is unreadable: {e}",
            row.version
        ))
    })?;
    // A version stored before a task kind existed (take_down_notice came later) scores that
    // kind at the built-in default, rather than refusing to score it at all.
    let defaults = Scheme::default_scheme();
    for (kind, points) in defaults.points_per_kind {
        scheme.points_per_kind.entry(kind).or_insert(points);
    }
    Ok((row.version, scheme))
}

fn install_default(conn: &mut DbConn) -> Result<SchemeVersion, ApiError> {
    let body = serde_json::to_string(&Scheme::default_scheme()).map_err(ApiError::internal)?;
    let row = SchemeVersion {
        version: 1,
        body,
        // In force for everything, so any event can be scored.
        effective_from: NaiveDateTime::default(),
        created_by: None,
        created_at: time::now(),
        note: Some("built-in default".into()),
    };
    repo::scores::insert_scheme(conn, &row)?;
    Ok(row)
}

/// The current scheme, with its version (when it took effect, and why): supervisors read it,
/// admins edit it.
pub fn current_scheme(conn: &mut DbConn, caller: &Caller) -> Result<(SchemeVersion, Scheme), ApiError> {
    if !matches!(caller.role, Role::Admin | Role::Supervisor) {
        return Err(ApiError::Forbidden);
    }
    let (version, scheme) = write_tx(conn, |conn| scheme_at(conn, time::now()))?;
    let row = repo::scores::all_schemes(conn)?
        .into_iter()
        .find(|s| s.version == version)
        .ok_or(ApiError::NotFound("scheme"))?;
    Ok((row, scheme))
}

/// Every version with when it took effect, oldest first.
pub fn scheme_history(conn: &mut DbConn, caller: &Caller) -> Result<Vec<SchemeVersion>, ApiError> {
    if !matches!(caller.role, Role::Admin | Role::Supervisor) {
        return Err(ApiError::Forbidden);
    }
    Ok(repo::scores::all_schemes(conn)?)
}

/// A new version of the scheme, in force from now on. Past lines keep the version they were made
/// with, so a change never rewrites history.
pub fn put_scheme(
    conn: &mut DbConn,
    caller: &Caller,
    scheme: Scheme,
    note: Option<String>,
) -> Result<SchemeVersion, ApiError> {
    if caller.role != Role::Admin {
        return Err(ApiError::Forbidden);
    }
    scheme
        .validate()
        .map_err(|e| ApiError::invalid(format!("scheme.{}", e.field), e.message))?;
    task_tx(conn, |conn| {
        scheme_at(conn, time::now())?;
        let latest = repo::scores::latest_scheme(conn)?.map_or(0, |s| s.version);
        let now = time::now();
        let row = SchemeVersion {
            version: latest + 1,
            body: serde_json::to_string(&scheme).map_err(ApiError::internal)?,
            effective_from: now,
            created_by: Some(caller.id),
            created_at: now,
            note,
        };
        repo::scores::insert_scheme(conn, &row)?;
        repo::audit::record(
            conn,
            &caller.actor(),
            "scoring.scheme_change",
            "scoring_scheme",
            Some(row.version.to_string()),
            None,
        )?;
        Ok(row)
    })
}

// ---------------------------------------------------------------------------------------------
// Lines from causes
// ---------------------------------------------------------------------------------------------

/// Write one line for `worker_id` (in their current township), unless its cause already did.
fn write_line(
    conn: &mut DbConn,
    worker_id: i64,
    (line, version): (Line, i64),
    cause: (&str, NaiveDateTime),
    task_id: Option<i64>,
) -> Result<ScoreLine, ApiError> {
    let township_id = repo::users::find(conn, worker_id)?.and_then(|u| u.township_id);
    Ok(repo::scores::add_line(
        conn,
        &NewScoreLine {
            worker_id,
            township_id,
            occurred_at: cause.1,
            code: line.code,
            points: line.points,
            task_id,
            source: cause.0.to_owned(),
            scheme_version: version,
            detail: line.detail.to_string(),
            created_at: time::now(),
        },
    )?)
}

/// The line a task event calls for, if any, with the worker it belongs to. Pure given the
/// database, so `recompute` can derive it again.
fn line_for_event(
    conn: &mut DbConn,
    task: &Task,
    action: EventAction,
    from_status: Option<TaskStatus>,
    at: NaiveDateTime,
) -> Result<Option<(i64, Line, i64)>, ApiError> {
    // Overdue while still only assigned: the worker never answered.
    let unanswered = action == EventAction::Overdue && from_status == Some(TaskStatus::Assigned);
    let scored = matches!(action, EventAction::Approve | EventAction::Return) || unanswered;
    let Some(worker_id) = task.assignee_id.filter(|_| scored) else {
        return Ok(None);
    };
    let (version, scheme) = scheme_at(conn, at)?;
    let line = match action {
        EventAction::Approve => {
            let Some(approved) = repo::submissions::of_task(conn, task.id)?
                .into_iter()
                .rev()
                .find(|s| s.decision == Some(Verdict::Approved))
            else {
                return Ok(None);
            };
            let kind = task.kind;
            let rating = approved.rating.and_then(|r| u8::try_from(r).ok()).unwrap_or(0);
            scoring::approval(&scheme, kind, rating, task.due_at, approved.submitted_at)
                .map_err(ApiError::internal)?
        }
        EventAction::Return => scoring::rework_penalty(&scheme),
        EventAction::Overdue if unanswered => scoring::unanswered_penalty(&scheme),
        _ => return Ok(None),
    };
    Ok(Some((worker_id, line, version)))
}

/// Score a task event, in the transaction that records it.
pub fn on_task_event(
    conn: &mut DbConn,
    task: &Task,
    event_id: i64,
    event: &NewTaskEvent<'_>,
) -> Result<Option<i64>, ApiError> {
    if let Some((worker, line, version)) =
        line_for_event(conn, task, event.action, event.from_status, event.occurred_at)?
    {
        let source = format!("task_event:{event_id}");
        let written = write_line(
            conn,
            worker,
            (line, version),
            (&source, event.occurred_at),
            Some(task.id),
        )?;
        return Ok(Some(written.id));
    }
    Ok(None)
}

/// Bonus lines for an outcome: for each bonus the task's latest outcome earns, the difference
/// from what earlier outcomes of the task already earned (a corrected outcome corrects the bonus
/// with a new line).
/// Returns the ids of the lines written.
pub fn on_outcome(conn: &mut DbConn, task: &Task, outcome: &Outcome) -> Result<Vec<i64>, ApiError> {
    let (Some(worker_id), kind) = (task.assignee_id, task.kind) else {
        return Ok(Vec::new());
    };
    let mut written = Vec::new();
    let (version, scheme) = scheme_at(conn, outcome.recorded_at)?;
    let facts = OutcomeFacts {
        assets_seized_fen: outcome.assets_seized_fen,
        amount_recovered_fen: outcome.amount_recovered_fen,
        settlement_performed: outcome.settlement_performed,
    };
    let wanted: BTreeMap<LineCode, Line> = scoring::outcome_bonus(&scheme, kind, facts)
        .into_iter()
        .map(|l| (l.code, l))
        .collect();
    for code in [
        LineCode::OutcomeAssetsSeized,
        LineCode::OutcomeRecovered,
        LineCode::OutcomeSettlement,
    ] {
        let granted: i64 = repo::scores::lines_of_task(conn, task.id, code)?
            .iter()
            .map(|l| l.points)
            .sum();
        let target = wanted.get(&code).map_or(0, |l| l.points);
        if target != granted {
            let detail = wanted
                .get(&code)
                .map_or(serde_json::json!({}), |l| l.detail.clone());
            let line = Line {
                code,
                points: target - granted,
                detail: serde_json::json!({ "outcome_id": outcome.id, "granted_before": granted, "now_worth": target, "rule": detail }),
            };
            let source = format!("outcome:{}", outcome.id);
            let line = write_line(
                conn,
                worker_id,
                (line, version),
                (&source, outcome.recorded_at),
                Some(task.id),
            )?;
            written.push(line.id);
        }
    }
    Ok(written)
}

/// An officer of the task's court finds a check-in false (the worker was not where they said).
pub fn dispute_check_in(
    conn: &mut DbConn,
    caller: &Caller,
    check_in_id: i64,
    reason: &str,
) -> Result<ScoreLine, ApiError> {
    task_tx(conn, |conn| {
        let check_in = repo::check_ins::find(conn, check_in_id)?.ok_or(ApiError::NotFound("check-in"))?;
        let (task, view) = crate::services::task_access::get(conn, caller, check_in.task_id)
            .map_err(|_| ApiError::NotFound("check-in"))?;
        if !crate::services::task_access::court_officer(caller, view) {
            return Err(ApiError::Forbidden);
        }
        let now = time::now();
        if !repo::scores::dispute_check_in(conn, check_in.id, caller.id, reason, now)? {
            return Err(ApiError::conflict(
                "already_exists",
                "this check-in was already found false",
            ));
        }
        let (version, scheme) = scheme_at(conn, now)?;
        let line = scoring::false_check_in_penalty(&scheme);
        let source = format!("check_in:{}", check_in.id);
        let written = write_line(
            conn,
            check_in.worker_id,
            (line, version),
            (&source, now),
            Some(task.id),
        )?;
        let seals = sealing(conn, &[(Sealed::ScoreLines, written.id)])?;
        repo::audit::record(
            conn,
            &caller.actor(),
            "check_in.dispute",
            "check_in",
            Some(check_in.id.to_string()),
            Some(seals),
        )?;
        Ok(written)
    })
}

/// An officer finds an approved result false: the approval's points are taken back (by the
/// scheme's clawback factor) with a new line; the original stays for the record.
pub fn claw_back(
    conn: &mut DbConn,
    caller: &Caller,
    task_id: i64,
    reason: &str,
) -> Result<ScoreLine, ApiError> {
    task_tx(conn, |conn| {
        let (task, status) = crate::services::task_access::prepare(
            conn,
            caller,
            task_id,
            None,
            crate::services::task_access::court_officer,
        )?;
        if status != crate::domain::task_state::TaskStatus::Approved {
            return Err(ApiError::conflict(
                "invalid_transition",
                "only an approved result can be found false",
            ));
        }
        let approvals = repo::scores::lines_of_task(conn, task.id, LineCode::Approval)?;
        let Some(original) = approvals.last() else {
            return Err(ApiError::conflict(
                "invalid_transition",
                "this task earned no approval points",
            ));
        };
        if !repo::scores::lines_of_task(conn, task.id, LineCode::Clawback)?.is_empty() {
            return Err(ApiError::conflict(
                "already_exists",
                "this result was already found false",
            ));
        }
        let now = time::now();
        let (version, scheme) = scheme_at(conn, now)?;
        let mut line = scoring::clawback(&scheme, original.points);
        if let Some(detail) = line.detail.as_object_mut() {
            detail.insert("reason".into(), reason.into());
        }
        let source = format!("clawback:{}", original.id);
        let written = write_line(
            conn,
            original.worker_id,
            (line, version),
            (&source, now),
            Some(task.id),
        )?;
        let seals = sealing(conn, &[(Sealed::ScoreLines, written.id)])?;
        repo::audit::record(
            conn,
            &caller.actor(),
            "score.clawback",
            "task",
            Some(task.id.to_string()),
            Some(seals),
        )?;
        Ok(written)
    })
}

// ---------------------------------------------------------------------------------------------
// Periods
// ---------------------------------------------------------------------------------------------

/// UTC bounds of a period.
pub fn bounds(period: Period) -> (NaiveDateTime, NaiveDateTime) {
    (
        time::local_to_utc(period.first_day(), 0),
        time::local_to_utc(period.end_day(), 0),
    )
}

#[derive(QueryableByName)]
struct WorkerRow {
    #[diesel(sql_type = BigInt)]
    worker_id: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    township_id: Option<i64>,
}

#[derive(QueryableByName)]
struct SumRow {
    #[diesel(sql_type = BigInt)]
    worker_id: i64,
    #[diesel(sql_type = BigInt)]
    total: i64,
}

#[derive(QueryableByName)]
struct ReviewRow {
    #[diesel(sql_type = BigInt)]
    worker_id: i64,
    #[diesel(sql_type = BigInt)]
    reviewed: i64,
    #[diesel(sql_type = BigInt)]
    approved: i64,
    #[diesel(sql_type = BigInt)]
    on_time: i64,
    #[diesel(sql_type = BigInt)]
    first_time: i64,
}

#[derive(QueryableByName)]
struct DetailRow {
    #[diesel(sql_type = BigInt)]
    worker_id: i64,
    #[diesel(sql_type = Text)]
    detail: String,
}

#[derive(QueryableByName)]
struct EventRow {
    /// Only for ordering.
    #[allow(dead_code)]
    #[diesel(sql_type = BigInt)]
    event_id: i64,
    #[diesel(sql_type = BigInt)]
    worker_id: i64,
    #[diesel(sql_type = BigInt)]
    task_id: i64,
    #[diesel(sql_type = Text)]
    action: EventAction,
    #[diesel(sql_type = Timestamp)]
    occurred_at: NaiveDateTime,
}

/// Every period query binds `$1` from, `$2` to, `$3` the township (NULL: all of them). Two
/// forms rather than `($3 IS NULL OR ...)`, which SQLite cannot answer from an index.
fn township_filter(township_id: Option<i64>) -> &'static str {
    if township_id.is_some() {
        "AND u.township_id = $3"
    } else {
        "AND $3 IS NULL"
    }
}

/// Each active worker's record for the period: grid workers of the township (or of every
/// township) with any line, review or assignment in it. Five set-based queries, whatever the
/// number of workers and tasks.
pub fn worker_periods(
    conn: &mut DbConn,
    period: Period,
    township_id: Option<i64>,
) -> Result<Vec<WorkerPeriod>, ApiError> {
    let (from, to) = bounds(period);
    let scope = township_filter(township_id);
    let bind = |sql: String| {
        diesel::sql_query(sql)
            .bind::<Timestamp, _>(from)
            .bind::<Timestamp, _>(to)
            .bind::<Nullable<BigInt>, _>(township_id)
    };
    let workers: Vec<WorkerRow> = diesel::sql_query(
        "SELECT u.id AS worker_id, u.township_id AS township_id FROM users u \
         WHERE u.role = 'worker' AND ($1 IS NULL OR u.township_id = $1)",
    )
    .bind::<Nullable<BigInt>, _>(township_id)
    .load(conn)?;
    let sums: Vec<SumRow> = bind(format!(
        "SELECT l.worker_id AS worker_id, CAST(SUM(l.points) AS BIGINT) AS total FROM score_lines l \
         JOIN users u ON u.id = l.worker_id \
         WHERE l.occurred_at >= $1 AND l.occurred_at < $2 {scope} GROUP BY l.worker_id"
    ))
    .load(conn)?;
    let reviews: Vec<ReviewRow> = bind(format!(
        "SELECT s.worker_id AS worker_id, COUNT(*) AS reviewed, \
           CAST(SUM(CASE WHEN s.decision = 'approved' THEN 1 ELSE 0 END) AS BIGINT) AS approved, \
           CAST(SUM(CASE WHEN s.decision = 'approved' AND s.submitted_at <= t.due_at THEN 1 ELSE 0 END) AS BIGINT) AS on_time, \
           CAST(SUM(CASE WHEN s.decision = 'approved' AND NOT EXISTS \
             (SELECT 1 FROM submissions p WHERE p.task_id = s.task_id AND p.id < s.id) THEN 1 ELSE 0 END) AS BIGINT) AS first_time \
         FROM submissions s JOIN tasks t ON t.id = s.task_id JOIN users u ON u.id = s.worker_id \
         WHERE s.reviewed_at >= $1 AND s.reviewed_at < $2 {scope} GROUP BY s.worker_id"
    ))
    .load(conn)?;
    let approvals: Vec<DetailRow> = bind(format!(
        "SELECT l.worker_id AS worker_id, l.detail AS detail FROM score_lines l JOIN users u ON u.id = l.worker_id \
         WHERE l.code = 'approval' AND l.occurred_at >= $1 AND l.occurred_at < $2 {scope}"
    ))
    .load(conn)?;
    // Assignments count for the assignee, acceptances for the actor; two index-friendly halves.
    let events: Vec<EventRow> = bind(format!(
        "SELECT e.id AS event_id, e.assignee_id AS worker_id, e.task_id AS task_id, e.action AS action, \
           e.occurred_at AS occurred_at FROM task_events e JOIN users u ON u.id = e.assignee_id \
         WHERE e.action = 'assign' AND e.occurred_at >= $1 AND e.occurred_at < $2 {scope} \
         UNION ALL \
         SELECT e.id AS event_id, e.actor_id AS worker_id, e.task_id AS task_id, e.action AS action, \
           e.occurred_at AS occurred_at FROM task_events e JOIN users u ON u.id = e.actor_id \
         WHERE e.action = 'accept' AND e.occurred_at >= $1 AND e.occurred_at < $2 {scope} \
         ORDER BY event_id"
    ))
    .load(conn)?;

    let mut records: BTreeMap<i64, WorkerPeriod> = BTreeMap::new();
    let township_of: HashMap<i64, i64> = workers
        .iter()
        .filter_map(|w| w.township_id.map(|t| (w.worker_id, t)))
        .collect();
    // The record of a worker in scope (lines of workers outside it are ignored).
    fn entry<'a>(
        records: &'a mut BTreeMap<i64, WorkerPeriod>,
        township_of: &HashMap<i64, i64>,
        worker_id: i64,
    ) -> Option<&'a mut WorkerPeriod> {
        let township_id = *township_of.get(&worker_id)?;
        Some(records.entry(worker_id).or_insert_with(|| WorkerPeriod {
            worker_id,
            township_id,
            ..WorkerPeriod::default()
        }))
    }
    for s in sums {
        if let Some(r) = entry(&mut records, &township_of, s.worker_id) {
            r.total_points = s.total;
        }
    }
    for v in reviews {
        if let Some(r) = entry(&mut records, &township_of, v.worker_id) {
            r.tasks_reviewed = v.reviewed as u32;
            r.approved = v.approved as u32;
            r.on_time = v.on_time as u32;
            r.approved_first_time = v.first_time as u32;
        }
    }
    for a in approvals {
        if let (Some(r), Ok(detail)) = (
            entry(&mut records, &township_of, a.worker_id),
            serde_json::from_str::<ApprovalDetail>(&a.detail),
        ) {
            r.quality_sum_bp += detail.quality_contribution_bp();
        }
    }
    // Response time: from the latest assignment of the task to the worker until they accept.
    let mut assigned_at: HashMap<(i64, i64), NaiveDateTime> = HashMap::new();
    for e in events {
        match e.action {
            EventAction::Assign => {
                assigned_at.insert((e.task_id, e.worker_id), e.occurred_at);
                if let Some(r) = entry(&mut records, &township_of, e.worker_id) {
                    r.assigned += 1;
                }
            }
            _ => {
                let since = assigned_at.get(&(e.task_id, e.worker_id)).copied();
                if let Some(r) = entry(&mut records, &township_of, e.worker_id) {
                    r.accepted += 1;
                    if let Some(since) = since {
                        r.response_secs.push((e.occurred_at - since).num_seconds());
                    }
                }
            }
        }
    }
    Ok(records.into_values().collect())
}

/// A township's leaderboard for a period.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct Board {
    pub period: String,
    pub township_id: i64,
    /// The scheme version whose ranking rules, tiers and incentives apply: the one in force at
    /// the end of the period (the current one while it runs).
    pub scheme_version: i64,
    /// Closed periods are frozen snapshots; open ones are computed now.
    pub closed: bool,
    pub standings: Vec<Standing>,
    pub payouts: Payouts,
}

/// Who may see a township's scores: its supervisor and admins.
fn township_scope(caller: &Caller, township_id: i64) -> Result<(), ApiError> {
    match caller.role {
        Role::Admin => Ok(()),
        Role::Supervisor if caller.township_id == Some(township_id) => Ok(()),
        _ => Err(ApiError::Forbidden),
    }
}

/// The scheme version whose period-level rules (ranking prior, tiers, incentives) apply to a
/// period: the one in force at its end — for a period still running, the current one. Lines keep
/// the version in force at their own cause.
fn period_scheme(conn: &mut DbConn, period: Period) -> Result<(i64, Scheme), ApiError> {
    let (_, to) = bounds(period);
    let last_moment = (to - chrono::Duration::microseconds(1)).min(time::now());
    scheme_at(conn, last_moment)
}

/// Compute a township's board for a period from the current lines and records.
pub fn compute_board(conn: &mut DbConn, period: Period, township_id: i64) -> Result<Board, ApiError> {
    let (version, _) = period_scheme(conn, period)?;
    compute_board_with(conn, period, township_id, version)
}

/// The board under a given scheme version (a closed period's, when recomputing it).
fn compute_board_with(
    conn: &mut DbConn,
    period: Period,
    township_id: i64,
    version: i64,
) -> Result<Board, ApiError> {
    let mut boards = compute_boards_with(conn, period, Some(township_id), version)?;
    Ok(boards
        .pop()
        .unwrap_or_else(|| empty_board(period, township_id, version)))
}

fn empty_board(period: Period, township_id: i64, version: i64) -> Board {
    Board {
        period: period.to_string(),
        township_id,
        scheme_version: version,
        closed: false,
        standings: vec![],
        payouts: Payouts {
            per_worker: vec![],
            budget_fen: 0,
            requested_fen: 0,
            scale_bp: scoring::BP_ONE,
            paid_fen: 0,
        },
    }
}

/// Every township's board for a period (or one township's), from one pass over the period's
/// records and lines: scoring a whole county costs about as much as scoring one township.
pub fn compute_boards(
    conn: &mut DbConn,
    period: Period,
    township_id: Option<i64>,
) -> Result<Vec<Board>, ApiError> {
    let (version, _) = period_scheme(conn, period)?;
    compute_boards_with(conn, period, township_id, version)
}

#[derive(QueryableByName)]
struct LineRow {
    #[diesel(sql_type = BigInt)]
    worker_id: i64,
    #[diesel(sql_type = Text)]
    code: LineCode,
    #[diesel(sql_type = BigInt)]
    points: i64,
}

fn compute_boards_with(
    conn: &mut DbConn,
    period: Period,
    township_id: Option<i64>,
    version: i64,
) -> Result<Vec<Board>, ApiError> {
    let (from, to) = bounds(period);
    let row = repo::scores::all_schemes(conn)?
        .into_iter()
        .find(|s| s.version == version)
        .ok_or(ApiError::NotFound("scheme version"))?;
    let scheme: Scheme = serde_json::from_str(&row.body).map_err(ApiError::internal)?;
    let mut by_township: BTreeMap<i64, Vec<WorkerPeriod>> = BTreeMap::new();
    for record in worker_periods(conn, period, township_id)? {
        if record.total_points != 0 || record.tasks_reviewed > 0 || record.assigned > 0 {
            by_township.entry(record.township_id).or_default().push(record);
        }
    }
    // Lines go with the worker's current township, like their record.
    let lines: Vec<LineRow> = diesel::sql_query(format!(
        "SELECT l.worker_id AS worker_id, l.code AS code, l.points AS points FROM score_lines l \
         JOIN users u ON u.id = l.worker_id \
         WHERE l.occurred_at >= $1 AND l.occurred_at < $2 {} ORDER BY l.id",
        township_filter(township_id)
    ))
    .bind::<Timestamp, _>(from)
    .bind::<Timestamp, _>(to)
    .bind::<Nullable<BigInt>, _>(township_id)
    .load(conn)?;
    let township_of: HashMap<i64, i64> = by_township
        .iter()
        .flat_map(|(t, records)| records.iter().map(move |r| (r.worker_id, *t)))
        .collect();
    let mut lines_by_township: HashMap<i64, Vec<(i64, LineCode, i64)>> = HashMap::new();
    for l in lines {
        if let Some(t) = township_of.get(&l.worker_id) {
            lines_by_township
                .entry(*t)
                .or_default()
                .push((l.worker_id, l.code, l.points));
        }
    }
    let townships: Vec<i64> = match township_id {
        Some(t) => vec![t],
        None => by_township.keys().copied().collect(),
    };
    Ok(townships
        .into_iter()
        .map(|t| {
            let active = by_township.remove(&t).unwrap_or_default();
            let standings = scoring::leaderboard(&scheme, &active);
            let lines = lines_by_township.remove(&t).unwrap_or_default();
            let payouts = scoring::payouts(&scheme, &lines, &standings);
            Board {
                period: period.to_string(),
                township_id: t,
                scheme_version: version,
                closed: false,
                standings,
                payouts,
            }
        })
        .collect())
}

/// The board a caller asked for: the snapshot of a closed period, or computed now. Without a
/// township named, a supervisor's own (anyone else must name one).
pub fn board(
    conn: &mut DbConn,
    caller: &Caller,
    period: Period,
    township: Option<i64>,
) -> Result<Board, ApiError> {
    let township_id = match (township, caller.role) {
        (Some(t), _) => t,
        (None, Role::Supervisor) => caller.township_id.ok_or(ApiError::Forbidden)?,
        (None, _) => return Err(ApiError::invalid("township_id", "name the township")),
    };
    township_scope(caller, township_id)?;
    repo::townships::find(conn, township_id)?.ok_or(ApiError::NotFound("township"))?;
    current_board(conn, period, township_id)
}

/// The board a caller asked for (as [`board`]), with the township's name and the names of the
/// workers its payouts name: what the finance office's payout sheet shows.
pub fn payouts(
    conn: &mut DbConn,
    caller: &Caller,
    period: Period,
    township: Option<i64>,
) -> Result<PayoutSheet, ApiError> {
    let board = board(conn, caller, period, township)?;
    let township_name = repo::townships::find(conn, board.township_id)?
        .map(|t| t.name)
        .unwrap_or_default();
    let mut names = HashMap::new();
    for p in &board.payouts.per_worker {
        if let Some(u) = repo::users::find(conn, p.worker_id)? {
            names.insert(p.worker_id, (u.username, u.display_name));
        }
    }
    Ok(PayoutSheet {
        board,
        township_name,
        names,
    })
}

/// What the finance office's payout sheet is made from: the board, the township's name, and
/// each paid worker's (username, display name).
pub struct PayoutSheet {
    pub board: Board,
    pub township_name: String,
    pub names: HashMap<i64, (String, String)>,
}

/// A township's board for a period, for a caller already judged entitled to it: the snapshot of
/// a closed period, or computed now.
fn current_board(conn: &mut DbConn, period: Period, township_id: i64) -> Result<Board, ApiError> {
    if let Some(snapshot) = repo::scores::snapshot(conn, &period.to_string(), township_id)? {
        let mut board: Board = serde_json::from_str(&snapshot.body).map_err(ApiError::internal)?;
        board.closed = true;
        return Ok(board);
    }
    write_tx(conn, |conn| compute_board(conn, period, township_id))
}

/// Close a period for a township: its board is computed once more and frozen. Only a period that
/// has ended can be closed.
pub fn close(
    conn: &mut DbConn,
    caller: &Caller,
    period: Period,
    township_id: i64,
) -> Result<Board, ApiError> {
    if caller.role != Role::Admin {
        return Err(ApiError::Forbidden);
    }
    if time::today_local() < period.end_day() {
        return Err(ApiError::conflict(
            "period_open",
            format!(
                "{period} has not ended yet; it can be closed from {}",
                period.end_day()
            ),
        ));
    }
    task_tx(conn, |conn| {
        repo::townships::find(conn, township_id)?.ok_or(ApiError::NotFound("township"))?;
        if repo::scores::snapshot(conn, &period.to_string(), township_id)?.is_some() {
            return Err(ApiError::conflict(
                "already_exists",
                format!("{period} is already closed"),
            ));
        }
        let mut board = compute_board(conn, period, township_id)?;
        board.closed = true;
        repo::scores::insert_snapshot(
            conn,
            &repo::scores::Snapshot {
                period: period.to_string(),
                township_id,
                scheme_version: board.scheme_version,
                body: serde_json::to_string(&board).map_err(ApiError::internal)?,
                closed_by: Some(caller.id),
                closed_at: time::now(),
            },
        )?;
        repo::audit::record(
            conn,
            &caller.actor(),
            "scores.close_period",
            "township",
            Some(township_id.to_string()),
            Some(serde_json::json!({ "period": period.to_string() })),
        )?;
        Ok(board)
    })
}

/// One worker's lines in a period and their standing, for the worker themself, their township's
/// supervisor and admins.
#[derive(Debug, Serialize, ToSchema)]
pub struct Breakdown {
    pub worker_id: i64,
    pub period: String,
    /// Sum of the lines, centi-points.
    pub total_points: i64,
    pub standing: Option<Standing>,
    #[schema(value_type = Vec<Object>)]
    pub lines: Vec<LineView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LineView {
    pub id: i64,
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    pub code: String,
    /// Centi-points (1 point = 100).
    pub points: i64,
    pub task_id: Option<i64>,
    pub source: String,
    pub scheme_version: i64,
    pub detail: serde_json::Value,
}

pub fn breakdown(
    conn: &mut DbConn,
    caller: &Caller,
    worker_id: i64,
    period: Period,
) -> Result<Breakdown, ApiError> {
    let worker = repo::users::find(conn, worker_id)?
        .filter(|u| u.role == Role::Worker)
        .ok_or(ApiError::NotFound("worker"))?;
    let allowed = match caller.role {
        Role::Admin => true,
        Role::Supervisor => worker.township_id.is_some() && caller.township_id == worker.township_id,
        Role::Worker => caller.id == worker.id,
        Role::Officer => false,
    };
    if !allowed {
        return Err(ApiError::NotFound("worker"));
    }
    let (from, to) = bounds(period);
    let lines = repo::scores::lines_of_worker(conn, worker.id, from, to)?;
    let standing = match worker.township_id {
        Some(t) => current_board(conn, period, t)?
            .standings
            .into_iter()
            .find(|s| s.worker_id == worker.id),
        None => None,
    };
    Ok(Breakdown {
        worker_id: worker.id,
        period: period.to_string(),
        total_points: lines.iter().map(|l| l.points).sum(),
        standing,
        lines: lines.into_iter().map(line_view).collect(),
    })
}

pub fn line_view(l: ScoreLine) -> LineView {
    LineView {
        id: l.id,
        occurred_at: time::to_utc(l.occurred_at),
        code: l.code.as_str().to_owned(),
        points: l.points,
        task_id: l.task_id,
        source: l.source,
        scheme_version: l.scheme_version,
        detail: serde_json::from_str(&l.detail).unwrap_or(serde_json::Value::Null),
    }
}

// ---------------------------------------------------------------------------------------------
// Reproducibility
// ---------------------------------------------------------------------------------------------

/// What `gridassist scores recompute` found.
#[derive(Debug, Serialize)]
pub struct Recomputed {
    pub period: String,
    /// Lines derived again from task events and compared with the stored ones.
    pub lines_checked: usize,
    /// Lines whose derivation differs from what is stored (source, stored, derived).
    pub line_mismatches: Vec<(String, i64, i64)>,
    /// Townships whose closed snapshot differs from a fresh computation.
    pub snapshot_mismatches: Vec<i64>,
    /// Townships with a closed snapshot that was compared.
    pub snapshots_checked: usize,
    pub identical: bool,
}

#[derive(QueryableByName)]
struct StoredEventLine {
    #[diesel(sql_type = BigInt)]
    event_id: i64,
    #[diesel(sql_type = BigInt)]
    task_id: i64,
    #[diesel(sql_type = Text)]
    action: EventAction,
    #[diesel(sql_type = Nullable<Text>)]
    from_status: Option<TaskStatus>,
    #[diesel(sql_type = Timestamp)]
    occurred_at: NaiveDateTime,
    #[diesel(sql_type = Nullable<BigInt>)]
    assignee_id: Option<i64>,
}

/// Rebuild a period: derive every event-caused line again with the scheme version in force at
/// its event and compare with the stored lines, then recompute every closed township board from
/// the lines and compare with its snapshot. Nothing is written.
pub fn recompute(conn: &mut DbConn, period: Period) -> Result<Recomputed, ApiError> {
    let (from, to) = bounds(period);
    let events: Vec<StoredEventLine> = diesel::sql_query(
        "SELECT e.id AS event_id, e.task_id AS task_id, e.action AS action, e.from_status AS from_status, \
           e.occurred_at AS occurred_at, e.assignee_id AS assignee_id FROM task_events e \
         WHERE e.action IN ('approve', 'return', 'overdue') AND e.occurred_at >= $1 AND e.occurred_at < $2 \
         ORDER BY e.id",
    )
    .bind::<Timestamp, _>(from)
    .bind::<Timestamp, _>(to)
    .load(conn)?;
    let stored: HashMap<String, i64> = diesel::sql_query(
        "SELECT source, points FROM score_lines WHERE source LIKE 'task_event:%' AND occurred_at >= $1 AND occurred_at < $2",
    )
    .bind::<Timestamp, _>(from)
    .bind::<Timestamp, _>(to)
    .load::<SourcePoints>(conn)?
    .into_iter()
    .map(|r| (r.source, r.points))
    .collect();
    let mut mismatches = Vec::new();
    let mut checked = 0;
    let mut tasks: HashMap<i64, Task> = HashMap::new();
    for e in events {
        let task = match tasks.get(&e.task_id) {
            Some(t) => t.clone(),
            None => {
                let t = repo::tasks::find(conn, e.task_id)?.ok_or(ApiError::NotFound("task"))?;
                tasks.insert(e.task_id, t.clone());
                t
            }
        };
        // The line belongs to whoever held the task at the event.
        let as_then = Task {
            assignee_id: e.assignee_id.or(task.assignee_id),
            ..task
        };
        let derived = line_for_event(conn, &as_then, e.action, e.from_status, e.occurred_at)?
            .map(|(_, line, _)| line.points);
        let source = format!("task_event:{}", e.event_id);
        let stored_points = stored.get(&source).copied();
        if derived.is_some() || stored_points.is_some() {
            checked += 1;
            if derived != stored_points {
                mismatches.push((source, stored_points.unwrap_or(0), derived.unwrap_or(0)));
            }
        }
    }
    let mut snapshot_mismatches = Vec::new();
    let mut snapshots_checked = 0;
    for township in repo::townships::all_ids(conn)? {
        if let Some(snapshot) = repo::scores::snapshot(conn, &period.to_string(), township)? {
            snapshots_checked += 1;
            let frozen: Board = serde_json::from_str(&snapshot.body).map_err(ApiError::internal)?;
            let mut fresh = compute_board_with(conn, period, township, snapshot.scheme_version)?;
            fresh.closed = true;
            if serde_json::to_value(&fresh).ok() != serde_json::to_value(&frozen).ok() {
                snapshot_mismatches.push(township);
            }
        }
    }
    let identical = mismatches.is_empty() && snapshot_mismatches.is_empty();
    Ok(Recomputed {
        period: period.to_string(),
        lines_checked: checked,
        line_mismatches: mismatches,
        snapshot_mismatches,
        snapshots_checked,
        identical,
    })
}

#[derive(QueryableByName)]
struct SourcePoints {
    #[diesel(sql_type = Text)]
    source: String,
    #[diesel(sql_type = BigInt)]
    points: i64,
}
