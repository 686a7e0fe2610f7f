//! Results and their review: the assignee submits a typed result for the task's kind (validated
//! field by field, evidence references checked against the task's evidence), the court's officer
//! approves it with a quality rating or returns it for rework with reason codes, and later
//! records the enforcement outcome that scoring uses. A submission is idempotent by the phone's
//! `client_id`: a replay returns the first submission and creates nothing.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::db::schema::evidence;
use crate::db::{DbConn, task_tx};
use crate::domain::media::EvidenceKind;
use crate::domain::submission::Verdict;
use crate::domain::submission::{self, TaskResult};
use crate::domain::task_record::EventAction;
use crate::domain::task_state::{TaskAction, TaskStatus, transition};
use crate::domain::time;
use crate::error::ApiError;
use crate::repo::seals::Sealed;
/// The rows this service hands out: submitted results and recorded outcomes.
pub use crate::repo::submissions::{Outcome, Submission};
use crate::repo::{
    self,
    submissions::{NewSubmission, Review},
    tasks::{Placement, Task},
};
use crate::services::Caller;
use crate::services::task_log::TaskChange;
use crate::services::tasks::{assignee, court_officer, get, prepare};

/// Why an officer sends a result back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnReason {
    InsufficientEvidence,
    WrongPerson,
    WrongAddress,
    Illegible,
    Incomplete,
    NotOnSite,
    Other,
}

impl ReturnReason {
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnReason::InsufficientEvidence => "insufficient_evidence",
            ReturnReason::WrongPerson => "wrong_person",
            ReturnReason::WrongAddress => "wrong_address",
            ReturnReason::Illegible => "illegible",
            ReturnReason::Incomplete => "incomplete",
            ReturnReason::NotOnSite => "not_on_site",
            ReturnReason::Other => "other",
        }
    }
}

/// A result as the phone sent it.
#[derive(Debug, Clone)]
pub struct SubmitInput {
    pub client_id: String,
    pub result: serde_json::Value,
    pub note: Option<String>,
}

impl SubmitInput {
    /// SHA-256 of the request's content, to tell a replay from a different submission that
    /// reuses the client id. serde_json orders object keys, so the same content hashes alike
    /// however the phone ordered it.
    pub fn digest(&self) -> String {
        let canonical = serde_json::json!({ "result": self.result, "note": self.note });
        hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
    }
}

/// A new submission, or the one a replay refers to.
#[derive(Debug)]
pub enum Submitted {
    Created(Submission, Task),
    Replayed(Submission, Task),
}

/// The officer's decision on a submitted result.
#[derive(Debug, Clone)]
pub enum Decision {
    Approve {
        rating: u8,
        comment: Option<String>,
    },
    Return {
        reasons: Vec<ReturnReason>,
        comment: Option<String>,
    },
}

/// The assignee hands in a result.
pub fn submit(
    conn: &mut DbConn,
    caller: &Caller,
    task_id: i64,
    input: SubmitInput,
    if_match: Option<i64>,
) -> Result<Submitted, ApiError> {
    match submit_once(conn, caller, task_id, &input, if_match) {
        // Two copies raced past the replay check (only possible across database engines that
        // do not serialise task changes); the unique constraint let one in. Read it back.
        Err(ApiError::Conflict {
            code: "already_exists",
            ..
        }) => submit_once(conn, caller, task_id, &input, if_match),
        other => other,
    }
}

fn submit_once(
    conn: &mut DbConn,
    caller: &Caller,
    task_id: i64,
    input: &SubmitInput,
    if_match: Option<i64>,
) -> Result<Submitted, ApiError> {
    let digest = input.digest();
    task_tx(conn, |conn| {
        if let Some(existing) = repo::submissions::find_by_client_id(conn, caller.id, &input.client_id)? {
            if existing.task_id != task_id || existing.request_digest != digest {
                return Err(ApiError::unprocessable(
                    "idempotency_conflict",
                    "this client_id was already used for a different submission",
                ));
            }
            let task = repo::tasks::find(conn, task_id)?.ok_or(ApiError::NotFound("task"))?;
            return Ok(Submitted::Replayed(existing, task));
        }
        let (task, from) = prepare(conn, caller, task_id, if_match, assignee)?;
        let to = transition(from, TaskAction::Submit)?;
        let now = time::now();
        let result = submission::parse(task.kind, input.result.clone(), time::to_utc(now))
            .map_err(|e| ApiError::invalid(format!("result.{}", e.field), e.message))?;
        check_evidence(conn, task.id, &result)?;
        let result_json = serde_json::to_string(&result).map_err(ApiError::internal)?;
        let row = repo::submissions::insert(
            conn,
            &NewSubmission {
                task_id: task.id,
                worker_id: caller.id,
                client_id: &input.client_id,
                kind: task.kind,
                result: &result_json,
                note: input.note.as_deref(),
                request_digest: &digest,
                submitted_at: now,
            },
        )?;
        if !repo::tasks::place(conn, task.id, task.version, &Placement::status(to, now))? {
            return Err(ApiError::PreconditionFailed);
        }
        TaskChange::new(task.id, EventAction::Submit, to)
            .by(caller.actor())
            .from(from)
            .assignee(Some(caller.id))
            .note(input.note.as_deref())
            .detail(&serde_json::json!({ "submission_id": row.id }))
            .at(now)
            .about(Sealed::Submissions, row.id)
            .record(conn)?;
        let task = repo::tasks::find(conn, task.id)?.ok_or(ApiError::NotFound("task"))?;
        Ok(Submitted::Created(row, task))
    })
}

/// Every evidence id the result names must be evidence of this task, of a kind that fits.
fn check_evidence(conn: &mut DbConn, task_id: i64, result: &TaskResult) -> Result<(), ApiError> {
    use diesel::prelude::*;
    let refs = result.evidence_refs();
    if refs.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = refs.iter().map(|r| r.id).collect();
    let found: Vec<(i64, EvidenceKind)> = evidence::table
        .filter(evidence::task_id.eq(task_id))
        .filter(evidence::id.eq_any(&ids))
        .select((evidence::id, evidence::kind))
        .load(conn)?;
    for r in refs {
        let field = format!("result.{}", r.path);
        let Some((_, kind)) = found.iter().find(|(id, _)| *id == r.id) else {
            return Err(ApiError::invalid(
                field,
                format!("no evidence with id {} was uploaded for this task", r.id),
            ));
        };
        if !r.accepted.contains(kind) {
            let wanted: Vec<&str> = r.accepted.iter().map(|k| k.as_str()).collect();
            return Err(ApiError::invalid(
                field,
                format!(
                    "evidence {} is a {}; expected {}",
                    r.id,
                    kind.as_str(),
                    wanted.join(" or ")
                ),
            ));
        }
    }
    Ok(())
}

/// The court's officer reviews the submitted result.
pub fn review(
    conn: &mut DbConn,
    caller: &Caller,
    task_id: i64,
    decision: Decision,
    if_match: Option<i64>,
) -> Result<(Submission, Task), ApiError> {
    let (action, rating, reasons, comment) = match &decision {
        Decision::Approve { rating, comment } => {
            if !(1..=5).contains(rating) {
                return Err(ApiError::invalid("rating", "must be between 1 and 5"));
            }
            (
                TaskAction::Approve,
                Some(i32::from(*rating)),
                vec![],
                comment.as_deref(),
            )
        }
        Decision::Return { reasons, comment } => {
            if reasons.is_empty() {
                return Err(ApiError::invalid(
                    "reasons",
                    "name at least one reason for the rework",
                ));
            }
            let blank = comment.as_deref().is_none_or(|c| c.trim().is_empty());
            if reasons.contains(&ReturnReason::Other) && blank {
                return Err(ApiError::invalid(
                    "comment",
                    "say what is wrong when the reason is `other`",
                ));
            }
            (TaskAction::Return, None, reasons.clone(), comment.as_deref())
        }
    };
    task_tx(conn, |conn| {
        let (task, from) = prepare(conn, caller, task_id, if_match, court_officer)?;
        let to = transition(from, action)?;
        let pending = repo::submissions::latest(conn, task.id)?
            .filter(|s| s.decision.is_none())
            .ok_or_else(|| {
                ApiError::internal(anyhow::anyhow!("task {} submitted without a submission", task.id))
            })?;
        let now = time::now();
        let codes: Vec<&str> = reasons.iter().map(|r| r.as_str()).collect();
        let decided = if action == TaskAction::Approve {
            Verdict::Approved
        } else {
            Verdict::Returned
        };
        let written = repo::submissions::review(
            conn,
            pending.id,
            &Review {
                decision: decided,
                reviewed_by: caller.id,
                reviewed_at: now,
                rating,
                return_reasons: (!codes.is_empty())
                    .then(|| serde_json::to_string(&codes).unwrap_or_default()),
                review_comment: comment,
            },
        )?;
        if !written || !repo::tasks::place(conn, task.id, task.version, &Placement::status(to, now))? {
            return Err(ApiError::PreconditionFailed);
        }
        let reason_code = codes.join(",");
        TaskChange::new(task.id, EventAction::from(action), to)
            .by(caller.actor())
            .from(from)
            .assignee(task.assignee_id)
            .reason((!reason_code.is_empty()).then_some(reason_code.as_str()))
            .note(comment)
            .detail(&serde_json::json!({ "submission_id": pending.id, "rating": rating }))
            .at(now)
            .record(conn)?;
        let reviewed = repo::submissions::latest(conn, task.id)?.unwrap_or(pending);
        let task = repo::tasks::find(conn, task.id)?.ok_or(ApiError::NotFound("task"))?;
        Ok((reviewed, task))
    })
}

/// A task's submissions, oldest first, for whoever may see the task.
pub fn list(conn: &mut DbConn, caller: &Caller, task_id: i64) -> Result<Vec<Submission>, ApiError> {
    get(conn, caller, task_id)?;
    let submissions = repo::submissions::of_task(conn, task_id)?;
    if !submissions.is_empty() {
        // Results name places, witnesses and signatories: a read of personal data.
        repo::audit::record_read(
            conn,
            &caller.actor(),
            ("submission.read", "task", Some(task_id.to_string())),
            &format!("task:{task_id}"),
            &["submission.result"],
            Some(serde_json::json!({"submissions": submissions.len()})),
        )?;
    }
    Ok(submissions)
}

/// What enforcement achieved, as the officer records it.
#[derive(Debug, Clone)]
pub struct OutcomeInput {
    pub assets_frozen_fen: i64,
    pub assets_seized_fen: i64,
    pub amount_recovered_fen: i64,
    pub settlement_performed: bool,
    pub note: Option<String>,
}

/// The court's officer records (or corrects, by recording again) the outcome of an approved task.
pub fn record_outcome(
    conn: &mut DbConn,
    caller: &Caller,
    task_id: i64,
    input: OutcomeInput,
) -> Result<Outcome, ApiError> {
    for (field, value) in [
        ("assets_frozen_fen", input.assets_frozen_fen),
        ("assets_seized_fen", input.assets_seized_fen),
        ("amount_recovered_fen", input.amount_recovered_fen),
    ] {
        if !(0..=MAX_FEN).contains(&value) {
            return Err(ApiError::invalid(field, "must be between 0 and 10^13 fen"));
        }
    }
    task_tx(conn, |conn| {
        let (task, status) = prepare(conn, caller, task_id, None, court_officer)?;
        if status != TaskStatus::Approved {
            return Err(ApiError::conflict(
                "invalid_transition",
                format!(
                    "an outcome is recorded once the result is approved; this task is {}",
                    status.as_str().replace('_', " ")
                ),
            ));
        }
        let now = time::now();
        let outcome = repo::submissions::insert_outcome(
            conn,
            &Outcome {
                id: 0,
                task_id: task.id,
                recorded_by: caller.id,
                recorded_at: now,
                assets_frozen_fen: input.assets_frozen_fen,
                assets_seized_fen: input.assets_seized_fen,
                amount_recovered_fen: input.amount_recovered_fen,
                settlement_performed: input.settlement_performed,
                note: input.note.clone(),
            },
        )?;
        let lines = crate::services::scoring::on_outcome(conn, &task, &outcome)?;
        let sealed: Vec<(Sealed, i64)> = lines.into_iter().map(|id| (Sealed::ScoreLines, id)).collect();
        let seals = repo::seals::sealing(conn, &sealed)?;
        repo::audit::record(
            conn,
            &caller.actor(),
            "task.outcome",
            "task",
            Some(task.id.to_string()),
            Some(seals),
        )?;
        Ok(outcome)
    })
}

/// The outcome that counts for a task, for whoever may see the task.
pub fn outcome(conn: &mut DbConn, caller: &Caller, task_id: i64) -> Result<Option<Outcome>, ApiError> {
    get(conn, caller, task_id)?;
    Ok(repo::submissions::latest_outcome(conn, task_id)?)
}

/// Upper bound for money figures: 10^13 fen is 1,000 billion yuan.
const MAX_FEN: i64 = 10_000_000_000_000;
