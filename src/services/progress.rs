//! The applicant's view of their case, reached with an access code and no account: the case's
//! number, court and status, its assistance tasks in coarse terms and a dated timeline (see
//! `domain::progress` for what is shown and what never is). Every read is audited against the
//! case, with the code that opened it as the actor's mark.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::access_code;
use crate::db::{DbConn, write_tx};
use crate::domain::progress::{self, Milestone, PublicTask, TaskFacts, TimelineEntry};
use crate::domain::submission::TaskResult;
use crate::domain::time;
use crate::error::ApiError;
use crate::repo::{self, audit::Actor};

/// A case's progress as its applicant sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseProgress {
    /// e.g. `(2026)苏1283执7号`.
    pub case_number: String,
    pub court_name: String,
    /// `open`, `concluded` or `terminated` (终本).
    pub case_status: String,
    /// The status in Chinese: 执行中, 执行完毕, 终结本次执行.
    pub case_status_label: String,
    pub filed_on: NaiveDate,
    /// The date (China) the case was closed, if it is.
    pub closed_on: Option<NaiveDate>,
    /// The grid workers' assistance tasks, numbered in the order the court created them.
    pub tasks: Vec<PublicTask>,
    /// Every dated step of the case and its tasks, oldest first.
    pub timeline: Vec<TimelineEntry>,
    /// When this view was put together.
    pub as_of: DateTime<Utc>,
}

/// The progress of the case whose live access code `code` is; None when the code is malformed,
/// unknown or revoked — the caller cannot tell which, and need not.
pub fn by_code(
    conn: &mut DbConn,
    code: &str,
    (request_id, client_ip): (Option<String>, Option<String>),
) -> Result<Option<CaseProgress>, ApiError> {
    let Some(canonical) = access_code::normalise(code) else {
        return Ok(None);
    };
    let digest = access_code::digest(&canonical);
    // A cheap read first: failed look-ups (guesses) never take the write lock.
    if repo::access_codes::find_live_by_hash(conn, &digest)?.is_none() {
        return Ok(None);
    }
    write_tx(conn, |conn| {
        // Again inside the transaction: a code revoked a moment ago opens nothing.
        let Some(access) = repo::access_codes::find_live_by_hash(conn, &digest)? else {
            return Ok(None);
        };
        let case = repo::cases::find(conn, access.case_id)?.ok_or(ApiError::NotFound("case"))?;
        let court = repo::courts::find(conn, case.court_id)?.ok_or(ApiError::NotFound("case"))?;
        let facts = task_facts(conn, case.id)?;
        let (tasks, timeline) = progress::assemble(case.filed_on, case.closed_at, facts, time::local_date);
        repo::audit::record(
            conn,
            &Actor {
                user_id: None,
                role: Some("applicant".into()),
                request_id,
                client_ip,
            },
            "case.progress.read",
            "case",
            Some(case.id.to_string()),
            Some(serde_json::json!({ "access_code_id": access.id })),
        )?;
        Ok(Some(CaseProgress {
            case_number: case.case_number,
            court_name: court.name,
            case_status_label: case.status.label().into(),
            case_status: case.status.as_str().to_owned(),
            filed_on: case.filed_on,
            closed_on: case.closed_at.map(time::local_date),
            tasks,
            timeline,
            as_of: time::to_utc(time::now()),
        }))
    })
}

/// What is known about each task of the case.
fn task_facts(conn: &mut DbConn, case_id: i64) -> Result<Vec<TaskFacts>, ApiError> {
    let rows = repo::progress::tasks_of_case(conn, case_id)?;
    let mut firsts = repo::progress::first_milestones(conn, case_id)?;
    let mut results = repo::progress::approved_results(conn, case_id)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let mut outcomes = repo::progress::latest_outcomes(conn, &ids)?;
    let mut facts = Vec::with_capacity(rows.len());
    for (id, kind, status, created_at) in rows {
        let first: BTreeMap<Milestone, _> = firsts
            .remove(&id)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(action, at)| Milestone::of_action(action).map(|m| (m, at)))
            .collect();
        let approved_result = results
            .remove(&id)
            .and_then(|json| serde_json::from_str::<TaskResult>(&json).ok());
        facts.push(TaskFacts {
            task_id: id,
            kind,
            status,
            created_at,
            first,
            approved_result,
            outcome: outcomes.remove(&id),
        });
    }
    Ok(facts)
}
