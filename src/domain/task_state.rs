//! The life cycle of an assistance task: its statuses, the actions that move it between them, which
//! role may take each action, and the one function that decides whether a move is legal. Recording
//! the move (who, when, from, to, why) is the caller's job; this module only says what the move is.
//!
//! ```text
//! created ─assign─▶ assigned ─accept─▶ accepted ─check_in─▶ in_progress ─submit─▶ submitted
//! submitted ─approve─▶ approved
//! created|assigned ─queue─▶ queued ─assign─▶ assigned
//! assigned|accepted ─decline─▶ queued
//! submitted ─return─▶ returned ─submit─▶ submitted
//! assigned|accepted|in_progress|returned ─assign─▶ assigned   (reassignment)
//! every open status ─cancel─▶ cancelled;   approved and cancelled are final
//! ```
//!
//! Design decisions, so the service and the API agree:
//! - **Decline** moves `assigned` or `accepted` (a worker may back out until they have checked in)
//!   to `queued`: at that moment nobody holds the task, and `queued` says exactly that. The service
//!   then runs automatic assignment again and, if someone is eligible, applies `assign` from
//!   `queued`, so the log shows two events (declined, then assigned). If nobody is eligible it
//!   stops there and the task waits in `queued` with the reason code from the assignment rule.
//! - **Queue** is the system's move for "nobody is eligible": from `created` (nobody at creation)
//!   and from `assigned` (the system withdraws an assignment the worker never acted on, e.g. the
//!   worker was deactivated or went on leave, and nobody else is eligible). A worker's own refusal
//!   is `decline`, never `queue`.
//! - **Assign** also covers manual reassignment by an officer or supervisor from `assigned`,
//!   `accepted`, `in_progress` and `returned`: a court must be able to move a stuck task even after
//!   a check-in. The new worker starts over at `assigned` (accept, check in, submit). A `submitted`
//!   task cannot be reassigned: its result awaits review, so the officer approves or returns it
//!   first.
//! - **Check-in** from `accepted` starts the work (`in_progress`); further check-ins in
//!   `in_progress` or `returned` are allowed and keep the status, because every visit is evidence
//!   the service records. A worker must accept before checking in.
//! - **Submit** needs at least one check-in (`in_progress`), except after a return for rework:
//!   the worker has already been on site, so `returned` may be submitted again directly (a further
//!   check-in is allowed but not required).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where an assistance task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Just created by an officer; automatic assignment has not run yet.
    Created,
    /// Nobody holds the task: nobody was eligible, or the last worker declined.
    Queued,
    /// Given to a worker, who has not yet accepted.
    Assigned,
    /// The worker accepted and has not yet checked in on site.
    Accepted,
    /// The worker has checked in on site at least once.
    InProgress,
    /// The worker submitted a result; the officer has to review it.
    Submitted,
    /// The officer sent the result back for rework; the same worker resubmits.
    Returned,
    /// The officer accepted the result. Final.
    Approved,
    /// The officer withdrew the task. Final.
    Cancelled,
}

impl TaskStatus {
    /// Every status, in life-cycle order.
    pub const ALL: [TaskStatus; 9] = [
        TaskStatus::Created,
        TaskStatus::Queued,
        TaskStatus::Assigned,
        TaskStatus::Accepted,
        TaskStatus::InProgress,
        TaskStatus::Submitted,
        TaskStatus::Returned,
        TaskStatus::Approved,
        TaskStatus::Cancelled,
    ];

    /// The status's name in the API and the database (snake_case, as serialized).
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Created => "created",
            TaskStatus::Queued => "queued",
            TaskStatus::Assigned => "assigned",
            TaskStatus::Accepted => "accepted",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Submitted => "submitted",
            TaskStatus::Returned => "returned",
            TaskStatus::Approved => "approved",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    /// The status with this name, if any (exact, case-sensitive match of [`TaskStatus::as_str`]).
    pub fn parse(s: &str) -> Option<TaskStatus> {
        TaskStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Open = not Approved and not Cancelled.
    pub fn is_open(self) -> bool {
        !matches!(self, TaskStatus::Approved | TaskStatus::Cancelled)
    }

    /// Whether the worker still owes work on it (a submitted task waits on the officer).
    pub fn owes_work(self) -> bool {
        self.has_assignee() && self != TaskStatus::Submitted
    }

    /// Whether it can fall overdue: owed work, and tasks nobody has taken yet.
    pub fn can_fall_overdue(self) -> bool {
        self.is_open() && self != TaskStatus::Submitted
    }

    /// Whether an officer or supervisor may give it to a worker by hand: a queued task, or a
    /// held one not awaiting review (a just-created task is placed automatically first).
    pub fn can_be_assigned_by_hand(self) -> bool {
        self != TaskStatus::Created && transition(self, TaskAction::Assign).is_ok()
    }

    /// Whether a batch may (re)assign it: nobody has started on it.
    pub fn is_plannable(self) -> bool {
        matches!(
            self,
            TaskStatus::Created | TaskStatus::Queued | TaskStatus::Assigned
        )
    }

    /// The stored names of the statuses `holds` is true of, for a query's `IN (…)`: every status
    /// set is derived from the predicates here, never copied.
    pub fn names_where(holds: fn(TaskStatus) -> bool) -> Vec<&'static str> {
        TaskStatus::ALL
            .into_iter()
            .filter(|s| holds(*s))
            .map(TaskStatus::as_str)
            .collect()
    }

    /// Whether the task currently belongs to a worker (Assigned, Accepted, InProgress, Submitted,
    /// Returned).
    pub fn has_assignee(self) -> bool {
        matches!(
            self,
            TaskStatus::Assigned
                | TaskStatus::Accepted
                | TaskStatus::InProgress
                | TaskStatus::Submitted
                | TaskStatus::Returned
        )
    }

    /// Wording for messages to people ("a task that is returned for rework ...").
    fn label(self) -> &'static str {
        match self {
            TaskStatus::Created => "newly created",
            TaskStatus::Queued => "queued",
            TaskStatus::Assigned => "assigned",
            TaskStatus::Accepted => "accepted",
            TaskStatus::InProgress => "in progress",
            TaskStatus::Submitted => "submitted",
            TaskStatus::Returned => "returned for rework",
            TaskStatus::Approved => "approved",
            TaskStatus::Cancelled => "cancelled",
        }
    }
}

impl std::fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something done to a task. See the module notes for where each action is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskAction {
    /// Give the task to a worker, automatically or by hand: created/queued → assigned, and
    /// reassignment assigned/accepted/in_progress/returned → assigned.
    Assign,
    /// Nobody is eligible: created/assigned → queued.
    Queue,
    /// The assignee takes the task on: assigned → accepted.
    Accept,
    /// The assignee refuses before checking in: assigned/accepted → queued.
    Decline,
    /// The assignee records a visit on site: accepted → in_progress; in_progress and returned keep
    /// their status.
    CheckIn,
    /// The assignee hands in a result: in_progress/returned → submitted.
    Submit,
    /// The officer accepts the result: submitted → approved.
    Approve,
    /// The officer sends the result back for rework: submitted → returned.
    Return,
    /// The officer withdraws the task: any open status → cancelled.
    Cancel,
}

impl TaskAction {
    /// Every action, in the order a task usually meets them.
    pub const ALL: [TaskAction; 9] = [
        TaskAction::Assign,
        TaskAction::Queue,
        TaskAction::Accept,
        TaskAction::Decline,
        TaskAction::CheckIn,
        TaskAction::Submit,
        TaskAction::Approve,
        TaskAction::Return,
        TaskAction::Cancel,
    ];

    /// The action's name in the API and the event log (snake_case, as serialized).
    pub fn as_str(self) -> &'static str {
        match self {
            TaskAction::Assign => "assign",
            TaskAction::Queue => "queue",
            TaskAction::Accept => "accept",
            TaskAction::Decline => "decline",
            TaskAction::CheckIn => "check_in",
            TaskAction::Submit => "submit",
            TaskAction::Approve => "approve",
            TaskAction::Return => "return",
            TaskAction::Cancel => "cancel",
        }
    }

    /// The action with this name, if any (exact, case-sensitive match of [`TaskAction::as_str`]).
    pub fn parse(s: &str) -> Option<TaskAction> {
        TaskAction::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Wording for messages to people ("... cannot be checked in").
    fn participle(self) -> &'static str {
        match self {
            TaskAction::Assign => "assigned",
            TaskAction::Queue => "queued",
            TaskAction::Accept => "accepted",
            TaskAction::Decline => "declined",
            TaskAction::CheckIn => "checked in",
            TaskAction::Submit => "submitted",
            TaskAction::Approve => "approved",
            TaskAction::Return => "returned for rework",
            TaskAction::Cancel => "cancelled",
        }
    }
}

impl std::fmt::Display for TaskAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An action that is not allowed from the task's current status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a task that is {} cannot be {}", .from.label(), .action.participle())]
pub struct InvalidTransition {
    /// The status the task is in.
    pub from: TaskStatus,
    /// The action that was refused.
    pub action: TaskAction,
}

impl InvalidTransition {
    /// The machine-readable error code the API returns.
    pub fn code(&self) -> &'static str {
        "invalid_transition"
    }
}

/// The status after `action`, or why not.
pub fn transition(from: TaskStatus, action: TaskAction) -> Result<TaskStatus, InvalidTransition> {
    use TaskAction as A;
    use TaskStatus as S;
    let to = match (action, from) {
        (A::Assign, S::Created | S::Queued) => S::Assigned,
        // Reassignment; a submitted result must be reviewed first (see the module notes).
        (A::Assign, S::Assigned | S::Accepted | S::InProgress | S::Returned) => S::Assigned,
        (A::Queue, S::Created | S::Assigned) => S::Queued,
        (A::Accept, S::Assigned) => S::Accepted,
        // Once on site the worker has started; backing out then is for an officer to decide.
        (A::Decline, S::Assigned | S::Accepted) => S::Queued,
        (A::CheckIn, S::Accepted | S::InProgress) => S::InProgress,
        (A::CheckIn, S::Returned) => S::Returned,
        (A::Submit, S::InProgress | S::Returned) => S::Submitted,
        (A::Approve, S::Submitted) => S::Approved,
        (A::Return, S::Submitted) => S::Returned,
        (A::Cancel, s) if s.is_open() => S::Cancelled,
        _ => return Err(InvalidTransition { from, action }),
    };
    Ok(to)
}

/// Who takes an action on a task. Admins set the system up and take no part in tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The backend itself (automatic assignment and queueing).
    System,
    /// A court enforcement officer.
    Officer,
    /// A township or street supervisor.
    Supervisor,
    /// A grid worker; only the task's assignee, which the caller checks.
    Worker,
}

impl Actor {
    /// Every actor.
    pub const ALL: [Actor; 4] = [Actor::System, Actor::Officer, Actor::Supervisor, Actor::Worker];

    /// The actor's name in the API and the event log (snake_case, as serialized).
    pub fn as_str(self) -> &'static str {
        match self {
            Actor::System => "system",
            Actor::Officer => "officer",
            Actor::Supervisor => "supervisor",
            Actor::Worker => "worker",
        }
    }

    /// The actor with this name, if any (exact, case-sensitive match of [`Actor::as_str`]).
    pub fn parse(s: &str) -> Option<Actor> {
        Actor::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which role may perform each action (documentation and authorization): Assign →
/// officer/supervisor/system, Accept/Decline/CheckIn/Submit → the assignee worker,
/// Approve/Return/Cancel → officer, Queue → system. Whether a worker is *the* assignee, and whether
/// an officer or supervisor is in scope for the case, are the caller's checks.
pub fn may_perform(actor: Actor, action: TaskAction) -> bool {
    use TaskAction as A;
    match action {
        A::Assign => matches!(actor, Actor::System | Actor::Officer | Actor::Supervisor),
        A::Queue => actor == Actor::System,
        A::Accept | A::Decline | A::CheckIn | A::Submit => actor == Actor::Worker,
        A::Approve | A::Return | A::Cancel => actor == Actor::Officer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_sets_are_derived_from_the_predicates() {
        let names = TaskStatus::names_where;
        assert_eq!(
            names(TaskStatus::has_assignee),
            ["assigned", "accepted", "in_progress", "submitted", "returned"]
        );
        assert_eq!(
            names(TaskStatus::is_open),
            [
                "created",
                "queued",
                "assigned",
                "accepted",
                "in_progress",
                "submitted",
                "returned"
            ]
        );
        assert_eq!(
            names(TaskStatus::owes_work),
            ["assigned", "accepted", "in_progress", "returned"]
        );
        assert_eq!(
            names(TaskStatus::can_fall_overdue),
            [
                "created",
                "queued",
                "assigned",
                "accepted",
                "in_progress",
                "returned"
            ]
        );
        assert_eq!(names(TaskStatus::is_plannable), ["created", "queued", "assigned"]);
    }
    use TaskAction as A;
    use TaskStatus as S;
    use std::collections::{BTreeSet, HashSet, VecDeque};

    /// The column order of `EXPECTED`.
    const COLUMNS: [TaskAction; 9] = [
        A::Assign,
        A::Queue,
        A::Accept,
        A::Decline,
        A::CheckIn,
        A::Submit,
        A::Approve,
        A::Return,
        A::Cancel,
    ];

    // Short names so the table below reads as a grid. `X` = invalid_transition.
    const X: Option<TaskStatus> = None;
    const ASG: Option<TaskStatus> = Some(S::Assigned);
    const QUE: Option<TaskStatus> = Some(S::Queued);
    const ACC: Option<TaskStatus> = Some(S::Accepted);
    const INP: Option<TaskStatus> = Some(S::InProgress);
    const SUB: Option<TaskStatus> = Some(S::Submitted);
    const RET: Option<TaskStatus> = Some(S::Returned);
    const APP: Option<TaskStatus> = Some(S::Approved);
    const CAN: Option<TaskStatus> = Some(S::Cancelled);

    /// The whole transition table written out by hand.
    #[rustfmt::skip]
    const EXPECTED: [(TaskStatus, [Option<TaskStatus>; 9]); 9] = [
        //                 assign queue accept decline check_in submit approve return cancel
        (S::Created,    [ASG,   QUE,  X,     X,      X,       X,     X,      X,     CAN]),
        (S::Queued,     [ASG,   X,    X,     X,      X,       X,     X,      X,     CAN]),
        (S::Assigned,   [ASG,   QUE,  ACC,   QUE,    X,       X,     X,      X,     CAN]),
        (S::Accepted,   [ASG,   X,    X,     QUE,    INP,     X,     X,      X,     CAN]),
        (S::InProgress, [ASG,   X,    X,     X,      INP,     SUB,   X,      X,     CAN]),
        (S::Submitted,  [X,     X,    X,     X,      X,       X,     APP,    RET,   CAN]),
        (S::Returned,   [ASG,   X,    X,     X,      RET,     SUB,   X,      X,     CAN]),
        (S::Approved,   [X,     X,    X,     X,      X,       X,     X,      X,     X  ]),
        (S::Cancelled,  [X,     X,    X,     X,      X,       X,     X,      X,     X  ]),
    ];

    fn apply(from: TaskStatus, actions: &[TaskAction]) -> Result<TaskStatus, InvalidTransition> {
        actions.iter().try_fold(from, |s, &a| transition(s, a))
    }

    #[test]
    fn the_table_covers_every_status_and_action_in_order() {
        assert_eq!(COLUMNS, TaskAction::ALL);
        let rows: Vec<TaskStatus> = EXPECTED.iter().map(|(s, _)| *s).collect();
        assert_eq!(rows, TaskStatus::ALL);
    }

    #[test]
    fn every_status_action_pair_gives_exactly_the_expected_result() {
        for (from, row) in EXPECTED {
            for (action, expected) in COLUMNS.into_iter().zip(row) {
                let got = transition(from, action);
                match expected {
                    Some(to) => assert_eq!(got, Ok(to), "{from} + {action}"),
                    None => assert_eq!(got, Err(InvalidTransition { from, action }), "{from} + {action}"),
                }
            }
        }
    }

    #[test]
    fn the_table_has_the_expected_number_of_legal_moves() {
        // A guard against a row being edited by accident: 25 legal pairs out of 81.
        let legal = EXPECTED
            .iter()
            .flat_map(|(_, row)| row.iter())
            .filter(|e| e.is_some())
            .count();
        assert_eq!(legal, 25);
    }

    #[test]
    fn names_round_trip_and_match_json() {
        for s in TaskStatus::ALL {
            assert_eq!(TaskStatus::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
            assert_eq!(
                serde_json::from_str::<TaskStatus>(&format!("\"{s}\"")).unwrap(),
                s
            );
        }
        for a in TaskAction::ALL {
            assert_eq!(TaskAction::parse(a.as_str()), Some(a));
            assert_eq!(serde_json::to_string(&a).unwrap(), format!("\"{a}\""));
            assert_eq!(
                serde_json::from_str::<TaskAction>(&format!("\"{a}\"")).unwrap(),
                a
            );
        }
        for a in Actor::ALL {
            assert_eq!(Actor::parse(a.as_str()), Some(a));
            assert_eq!(serde_json::to_string(&a).unwrap(), format!("\"{a}\""));
        }
        assert_eq!(TaskStatus::InProgress.as_str(), "in_progress");
        assert_eq!(TaskAction::CheckIn.as_str(), "check_in");
        for bad in ["", "InProgress", "in progress", "APPROVED", "done"] {
            assert_eq!(TaskStatus::parse(bad), None, "{bad:?}");
        }
        for bad in ["", "checkin", "Assign", "reassign"] {
            assert_eq!(TaskAction::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Actor::parse("admin"), None);
    }

    #[test]
    fn names_are_distinct() {
        let s: HashSet<_> = TaskStatus::ALL.iter().map(|s| s.as_str()).collect();
        let a: HashSet<_> = TaskAction::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!((s.len(), a.len()), (9, 9));
    }

    #[test]
    fn open_and_assignee_are_exactly_as_documented() {
        let open: Vec<_> = TaskStatus::ALL.into_iter().filter(|s| s.is_open()).collect();
        assert_eq!(
            open,
            [
                S::Created,
                S::Queued,
                S::Assigned,
                S::Accepted,
                S::InProgress,
                S::Submitted,
                S::Returned
            ]
        );
        let held: Vec<_> = TaskStatus::ALL.into_iter().filter(|s| s.has_assignee()).collect();
        assert_eq!(
            held,
            [S::Assigned, S::Accepted, S::InProgress, S::Submitted, S::Returned]
        );
    }

    #[test]
    fn error_has_its_code_and_human_wording() {
        let e = transition(S::Approved, A::Cancel).unwrap_err();
        assert_eq!(e.code(), "invalid_transition");
        assert_eq!(e.to_string(), "a task that is approved cannot be cancelled");
        assert_eq!(
            transition(S::Assigned, A::CheckIn).unwrap_err().to_string(),
            "a task that is assigned cannot be checked in"
        );
        assert_eq!(
            transition(S::InProgress, A::Decline).unwrap_err().to_string(),
            "a task that is in progress cannot be declined"
        );
        assert_eq!(
            transition(S::Returned, A::Approve).unwrap_err().to_string(),
            "a task that is returned for rework cannot be approved"
        );
        assert_eq!(
            transition(S::Created, A::Submit).unwrap_err().to_string(),
            "a task that is newly created cannot be submitted"
        );
        // No message leaks snake_case names.
        for from in TaskStatus::ALL {
            for action in TaskAction::ALL {
                if let Err(e) = transition(from, action) {
                    assert!(!e.to_string().contains('_'), "{e}");
                }
            }
        }
    }

    #[test]
    fn happy_path() {
        let steps = [
            (A::Assign, S::Assigned),
            (A::Accept, S::Accepted),
            (A::CheckIn, S::InProgress),
            (A::CheckIn, S::InProgress),
            (A::Submit, S::Submitted),
            (A::Approve, S::Approved),
        ];
        let mut s = S::Created;
        for (action, expected) in steps {
            s = transition(s, action).unwrap();
            assert_eq!(s, expected, "after {action}");
        }
        assert!(!s.is_open());
    }

    #[test]
    fn returned_work_is_resubmitted_with_or_without_another_visit() {
        let at_review = apply(S::Created, &[A::Assign, A::Accept, A::CheckIn, A::Submit]).unwrap();
        assert_eq!(at_review, S::Submitted);
        let returned = transition(at_review, A::Return).unwrap();
        assert_eq!(returned, S::Returned);
        assert!(returned.has_assignee());
        // Directly, without a new check-in.
        assert_eq!(apply(returned, &[A::Submit, A::Approve]), Ok(S::Approved));
        // Or after further visits, which keep the status.
        assert_eq!(apply(returned, &[A::CheckIn, A::CheckIn]), Ok(S::Returned));
        // Returned twice before approval.
        assert_eq!(
            apply(
                returned,
                &[A::Submit, A::Return, A::CheckIn, A::Submit, A::Approve]
            ),
            Ok(S::Approved)
        );
        // The worker cannot walk away from rework, nor re-accept it.
        assert!(transition(returned, A::Decline).is_err());
        assert!(transition(returned, A::Accept).is_err());
    }

    #[test]
    fn decline_queues_then_assign_or_stay_queued() {
        // Declined straight away; the next eligible worker gets it (two events).
        let declined = apply(S::Created, &[A::Assign, A::Decline]).unwrap();
        assert_eq!(declined, S::Queued);
        assert!(!declined.has_assignee());
        assert_eq!(transition(declined, A::Assign), Ok(S::Assigned));
        // Declined after accepting but before any visit.
        assert_eq!(
            apply(S::Created, &[A::Assign, A::Accept, A::Decline]),
            Ok(S::Queued)
        );
        // Nobody left: the task simply stays queued; queueing again is not a move.
        assert!(transition(declined, A::Queue).is_err());
        // Nobody at creation, then someone becomes eligible and later declines.
        assert_eq!(
            apply(
                S::Created,
                &[A::Queue, A::Assign, A::Decline, A::Assign, A::Accept]
            ),
            Ok(S::Accepted)
        );
        // The system withdraws an untouched assignment when nobody else is eligible.
        assert_eq!(apply(S::Created, &[A::Assign, A::Queue]), Ok(S::Queued));
        // After a check-in the worker can no longer decline.
        assert!(apply(S::Created, &[A::Assign, A::Accept, A::CheckIn, A::Decline]).is_err());
    }

    #[test]
    fn reassignment_starts_the_new_worker_over() {
        for held in [S::Assigned, S::Accepted, S::InProgress, S::Returned] {
            let s = transition(held, A::Assign).unwrap();
            assert_eq!(s, S::Assigned, "from {held}");
            // The new worker must accept and check in before submitting.
            assert!(transition(s, A::Submit).is_err());
            assert!(transition(s, A::CheckIn).is_err());
            assert_eq!(apply(s, &[A::Accept, A::CheckIn, A::Submit]), Ok(S::Submitted));
        }
        assert!(transition(S::Submitted, A::Assign).is_err());
    }

    #[test]
    fn submitting_needs_a_check_in_first() {
        assert!(apply(S::Created, &[A::Assign, A::Accept, A::Submit]).is_err());
        assert!(apply(S::Created, &[A::Assign, A::Submit]).is_err());
    }

    #[test]
    fn cancel_from_each_open_status() {
        let reach: [(TaskStatus, &[TaskAction]); 7] = [
            (S::Created, &[]),
            (S::Queued, &[A::Queue]),
            (S::Assigned, &[A::Assign]),
            (S::Accepted, &[A::Assign, A::Accept]),
            (S::InProgress, &[A::Assign, A::Accept, A::CheckIn]),
            (S::Submitted, &[A::Assign, A::Accept, A::CheckIn, A::Submit]),
            (
                S::Returned,
                &[A::Assign, A::Accept, A::CheckIn, A::Submit, A::Return],
            ),
        ];
        for (status, path) in reach {
            let s = apply(S::Created, path).unwrap();
            assert_eq!(s, status);
            assert_eq!(transition(s, A::Cancel), Ok(S::Cancelled), "from {status}");
        }
    }

    #[test]
    fn nothing_leaves_approved_or_cancelled() {
        for terminal in [S::Approved, S::Cancelled] {
            for action in TaskAction::ALL {
                assert_eq!(
                    transition(terminal, action),
                    Err(InvalidTransition {
                        from: terminal,
                        action
                    }),
                    "{terminal} + {action}"
                );
            }
        }
    }

    fn reachable_from(start: TaskStatus) -> BTreeSet<&'static str> {
        let mut seen = BTreeSet::from([start.as_str()]);
        let mut todo = VecDeque::from([start]);
        while let Some(s) = todo.pop_front() {
            for a in TaskAction::ALL {
                if let Ok(next) = transition(s, a)
                    && seen.insert(next.as_str())
                {
                    todo.push_back(next);
                }
            }
        }
        seen
    }

    #[test]
    fn every_status_is_reachable_and_every_open_one_can_still_finish_either_way() {
        let all: BTreeSet<_> = TaskStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(reachable_from(S::Created), all);
        for s in TaskStatus::ALL.into_iter().filter(|s| s.is_open()) {
            let r = reachable_from(s);
            assert!(r.contains("approved") && r.contains("cancelled"), "from {s}");
        }
    }

    #[test]
    fn moves_agree_with_openness_and_assignee() {
        for from in TaskStatus::ALL {
            for action in TaskAction::ALL {
                if let Ok(to) = transition(from, action) {
                    assert!(from.is_open(), "{from} + {action}");
                    // The actions a worker takes are on their own task and leave it theirs,
                    // except declining, which gives it up.
                    if matches!(action, A::Accept | A::CheckIn | A::Submit) {
                        assert!(from.has_assignee() && to.has_assignee(), "{from} + {action}");
                    }
                    if action == A::Decline {
                        assert!(from.has_assignee() && !to.has_assignee());
                    }
                    if action == A::Assign {
                        assert!(to.has_assignee());
                    }
                }
            }
        }
    }

    #[test]
    fn who_may_do_what() {
        // Columns: system, officer, supervisor, worker.
        #[rustfmt::skip]
        let expected: [(TaskAction, [bool; 4]); 9] = [
            (A::Assign,  [true,  true,  true,  false]),
            (A::Queue,   [true,  false, false, false]),
            (A::Accept,  [false, false, false, true ]),
            (A::Decline, [false, false, false, true ]),
            (A::CheckIn, [false, false, false, true ]),
            (A::Submit,  [false, false, false, true ]),
            (A::Approve, [false, true,  false, false]),
            (A::Return,  [false, true,  false, false]),
            (A::Cancel,  [false, true,  false, false]),
        ];
        assert_eq!(expected.map(|(a, _)| a), TaskAction::ALL);
        for (action, row) in expected {
            for (actor, allowed) in Actor::ALL.into_iter().zip(row) {
                assert_eq!(may_perform(actor, action), allowed, "{actor} {action}");
            }
        }
    }
}
