//! Assistance tasks: creation with automatic assignment, the worker's accept and decline, the
//! officer's cancel, manual (re)assignment guarded by the task's version, and reads scoped by
//! role. Every change writes a task event (who, when, from, to, why) in the same transaction.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::{DbConn, task_tx};
use crate::domain::access::Scope;
use crate::domain::calendar::WorkCalendar;
use crate::domain::task_record::{EventAction, Priority, Queue};
use crate::domain::task_state::{TaskAction, TaskStatus, transition};
use crate::domain::{Availability, Role, TaskKind, time};
use crate::error::ApiError;
use crate::geo::LatLon;
use crate::repo::{
    self,
    tasks::{NewTask, Placement as Place},
};
use crate::services::Caller;
use crate::services::assignment::{self, Decision, Explanation, Request};
use crate::services::caller::Named;
use crate::services::grid_map::{CourtArea, GridMap};
pub use crate::services::task_access::{View, get, party_visible, view_of};
pub(crate) use crate::services::task_access::{assignee, court_officer, officer_or_supervisor, prepare};
use crate::services::task_log::TaskChange;

/// Working days a worker gets for each kind when the officer names no due date.
pub fn default_working_days(kind: TaskKind) -> u32 {
    match kind {
        TaskKind::ServeDocuments => 5,
        TaskKind::LocatePerson => 10,
        TaskKind::LocateAssets => 15,
        TaskKind::UrgePerformance => 5,
        TaskKind::FacilitateSettlement => 10,
        TaskKind::PublicizeDishonesty => 3,
        TaskKind::ReportRefusal => 5,
        // A removed debtor's notice must come down promptly: courts delete a removed entry
        // within three working days.
        TaskKind::TakeDownNotice => 3,
    }
}

/// Due dates fall at the end of the local working day.
pub const DUE_HOUR_LOCAL: u32 = 18;

/// Why a worker gives a task back. A conflict of interest records a recusal from the case and
/// is not held against the worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeclineReason {
    ConflictOfInterest,
    NotInMyArea,
    Overloaded,
    Unavailable,
    Other,
}

impl DeclineReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DeclineReason::ConflictOfInterest => "conflict_of_interest",
            DeclineReason::NotInMyArea => "not_in_my_area",
            DeclineReason::Overloaded => "overloaded",
            DeclineReason::Unavailable => "unavailable",
            DeclineReason::Other => "other",
        }
    }
}

/// Settings the task rules need.
#[derive(Debug, Clone, Copy)]
pub struct Rules<'a> {
    pub calendar: &'a WorkCalendar,
    pub radius_m: f64,
    pub max_declines: u32,
}

/// A validated request for a new task.
#[derive(Debug, Clone)]
pub struct NewTaskInput {
    pub kind: TaskKind,
    pub party_id: Option<i64>,
    pub urgent: bool,
    pub instructions: String,
    /// WGS-84.
    pub target: Option<LatLon>,
    /// How the point was obtained, e.g. `given:gcj02`, `geocoded`.
    pub target_source: Option<String>,
    pub target_address: Option<String>,
    pub due_on: Option<NaiveDate>,
    /// Why there is no point, when there is none: `no_target_point`, or the geocoder's outcome.
    pub unlocated_reason: &'static str,
}

/// The fields of a task that say where a person is: the target's address and map point.
pub const TARGET_FIELDS: &[&str] = &["target.address", "target.point"];

/// Record that `caller` read the targets (where the debtor or party is to be found) of these
/// tasks: one audit row per response, naming each task as the purpose. Tasks without a target
/// are left out; nothing is written when none has one.
pub fn audit_target_reads<'a>(
    conn: &mut DbConn,
    caller: &Caller,
    via: &str,
    tasks: impl IntoIterator<Item = &'a Task>,
) -> Result<(), ApiError> {
    let ids: Vec<i64> = tasks
        .into_iter()
        .filter(|t| t.target_address.is_some() || t.target_lat.is_some())
        .map(|t| t.id)
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let purpose = ids
        .iter()
        .map(|id| format!("task:{id}"))
        .collect::<Vec<_>>()
        .join(",");
    repo::audit::record_read(
        conn,
        &caller.actor(),
        ("task.target_read", via, None),
        &purpose,
        TARGET_FIELDS,
        Some(serde_json::json!({ "task_ids": ids })),
    )?;
    Ok(())
}

fn target_of(task: &Task) -> Option<LatLon> {
    match (task.target_lat, task.target_lon) {
        (Some(lat), Some(lon)) => Some(LatLon { lat, lon }),
        _ => None,
    }
}

/// Move a task to a new placement if it is still at `version`; 412 otherwise.
fn place(conn: &mut DbConn, task: &Task, version: i64, placement: Place) -> Result<(), ApiError> {
    if repo::tasks::place(conn, task.id, version, &placement)? {
        Ok(())
    } else {
        Err(ApiError::PreconditionFailed)
    }
}

/// What a round of automatic placement carries over from earlier rounds.
struct Round<'a> {
    /// Workers who gave the task back.
    exclude: &'a [i64],
    decline_count: i32,
    unlocated_reason: &'static str,
}

/// Decide automatically and apply: assign to the chosen worker, or queue with the reason.
/// Returns the explanation. `by` is None for the system.
fn auto_place(
    conn: &mut DbConn,
    map: &GridMap,
    rules: Rules<'_>,
    task: &Task,
    from: TaskStatus,
    round: Round<'_>,
) -> Result<Explanation, ApiError> {
    let Round {
        exclude,
        decline_count,
        unlocated_reason,
    } = round;
    let now = time::now();
    let request = Request {
        case_id: task.case_id,
        court_id: task.court_id,
        kind: task.kind,
        target: target_of(task),
        unlocated_reason,
        exclude,
        radius_m: rules.radius_m,
        today: time::local_date(now),
        now,
    };
    let placement = assignment::decide(conn, map, &request)?;
    // The target's grid and township, as resolved now.
    repo::tasks::set_area(conn, task.id, placement.grid_id, placement.township_id)?;
    match placement.decision {
        Decision::Assign { worker_id } => {
            let to = transition(from, TaskAction::Assign)?;
            place(
                conn,
                task,
                task.version,
                Place {
                    decline_count: Some(decline_count),
                    ..Place::to_worker(to, worker_id, now)
                },
            )?;
            TaskChange::new(task.id, EventAction::Assign, to)
                .from(from)
                .assignee(Some(worker_id))
                .reason("automatic")
                .detail(&placement.explanation)
                .record(conn)?;
        }
        Decision::Queue { queue, reason } => {
            let to = if from == TaskStatus::Queued {
                from
            } else {
                transition(from, TaskAction::Queue)?
            };
            place(
                conn,
                task,
                task.version,
                Place {
                    decline_count: Some(decline_count),
                    ..Place::to_queue(to, queue, reason, now)
                },
            )?;
            TaskChange::new(task.id, EventAction::Queue, to)
                .from(from)
                .reason(reason)
                .detail(&placement.explanation)
                .record(conn)?;
        }
    }
    Ok(placement.explanation)
}

/// Create a task on a case of the officer's court and assign it automatically.
pub fn create(
    conn: &mut DbConn,
    caller: &Caller,
    map: &GridMap,
    rules: Rules<'_>,
    case_id: i64,
    input: NewTaskInput,
) -> Result<(Task, Explanation), ApiError> {
    let court_id = match (caller.role, caller.court_id) {
        (Role::Officer, Some(c)) => c,
        _ => return Err(ApiError::Forbidden),
    };
    let today = time::today_local();
    let due_on = match input.due_on {
        Some(d) if d < today => return Err(ApiError::invalid("due_on", "must be today or later")),
        Some(d) => d,
        None => rules
            .calendar
            .add_working_days(today, default_working_days(input.kind)),
    };
    task_tx(conn, |conn| {
        let case = repo::cases::find(conn, case_id)?
            .filter(|c| c.court_id == court_id)
            .ok_or(ApiError::NotFound("case"))?;
        if !case.status.is_open() {
            return Err(ApiError::conflict(
                "case_closed",
                format!("the case is {}", case.status),
            ));
        }
        if let Some(party_id) = input.party_id
            && repo::cases::find_party(conn, party_id)?.is_none_or(|p| p.case_id != case.id)
        {
            return Err(ApiError::invalid("party_id", "no party of this case has that id"));
        }
        let now = time::now();
        let task = repo::tasks::insert(
            conn,
            &NewTask {
                case_id: case.id,
                court_id,
                party_id: input.party_id,
                kind: input.kind,
                status: TaskStatus::Created,
                priority: if input.urgent {
                    Priority::Urgent
                } else {
                    Priority::Normal
                },
                instructions: &input.instructions,
                target_address: input.target_address.as_deref(),
                target_lat: input.target.map(|p| p.lat),
                target_lon: input.target.map(|p| p.lon),
                target_source: input.target_source.as_deref(),
                grid_id: None,
                township_id: None,
                due_at: time::local_to_utc(due_on, DUE_HOUR_LOCAL),
                overdue: false,
                decline_count: 0,
                version: 1,
                created_by: caller.id,
                created_at: now,
                updated_at: now,
            },
        )?;
        TaskChange::new(task.id, EventAction::Create, TaskStatus::Created)
            .by(caller.actor())
            .record(conn)?;
        let explanation = auto_place(
            conn,
            map,
            rules,
            &task,
            TaskStatus::Created,
            Round {
                exclude: &[],
                decline_count: 0,
                unlocated_reason: input.unlocated_reason,
            },
        )?;
        let task = repo::tasks::find(conn, task.id)?.ok_or(ApiError::NotFound("task"))?;
        Ok((task, explanation))
    })
}

/// The assignee takes the task on.
pub fn accept(
    conn: &mut DbConn,
    caller: &Caller,
    task_id: i64,
    if_match: Option<i64>,
) -> Result<Task, ApiError> {
    task_tx(conn, |conn| {
        let (task, from) = prepare(conn, caller, task_id, if_match, assignee)?;
        let to = transition(from, TaskAction::Accept)?;
        place(conn, &task, task.version, Place::status(to, time::now()))?;
        TaskChange::new(task.id, EventAction::Accept, to)
            .by(caller.actor())
            .from(from)
            .assignee(Some(caller.id))
            .record(conn)?;
        repo::tasks::find(conn, task.id)?.ok_or(ApiError::NotFound("task"))
    })
}

/// The assignee gives the task back; it goes to the next eligible worker, or to the
/// supervisor's queue after too many declines.
pub fn decline(
    conn: &mut DbConn,
    caller: &Caller,
    map: &GridMap,
    rules: Rules<'_>,
    task_id: i64,
    (reason, note): (DeclineReason, Option<String>),
    if_match: Option<i64>,
) -> Result<(Task, Explanation), ApiError> {
    task_tx(conn, |conn| {
        let (task, from) = prepare(conn, caller, task_id, if_match, assignee)?;
        let to = transition(from, TaskAction::Decline)?;
        let now = time::now();
        let declines = task.decline_count + 1;
        if reason == DeclineReason::ConflictOfInterest {
            repo::tasks::add_recusal(conn, caller.id, task.case_id, now)?;
        }
        place(
            conn,
            &task,
            task.version,
            Place {
                decline_count: Some(declines),
                ..Place::to_queue(to, Queue::Township, "declined", now)
            },
        )?;
        // A conflict of interest is recorded under its own action so it never counts as a
        // decline against the worker.
        let action = if reason == DeclineReason::ConflictOfInterest {
            EventAction::Recuse
        } else {
            EventAction::Decline
        };
        TaskChange::new(task.id, action, to)
            .by(caller.actor())
            .from(from)
            .reason(reason.as_str())
            .note(note.as_deref())
            .record(conn)?;
        let task = repo::tasks::find(conn, task.id)?.ok_or(ApiError::NotFound("task"))?;
        let explanation = if declines as u32 >= rules.max_declines {
            let explanation = Explanation {
                target_grid_id: task.grid_id,
                attempts: vec![],
                excluded_worker_ids: vec![],
                code: "too_many_declines",
                radius_m: None,
                summary: format!("declined {declines} times; left for the township supervisor to assign"),
            };
            place(
                conn,
                &task,
                task.version,
                Place::to_queue(TaskStatus::Queued, Queue::Township, "too_many_declines", now),
            )?;
            TaskChange::new(task.id, EventAction::Queue, TaskStatus::Queued)
                .from(TaskStatus::Queued)
                .reason("too_many_declines")
                .detail(&explanation)
                .record(conn)?;
            explanation
        } else {
            let decliners = decliners_of(conn, task.id)?;
            auto_place(
                conn,
                map,
                rules,
                &task,
                TaskStatus::Queued,
                Round {
                    exclude: &decliners,
                    decline_count: declines,
                    unlocated_reason: "no_target_point",
                },
            )?
        };
        let task = repo::tasks::find(conn, task.id)?.ok_or(ApiError::NotFound("task"))?;
        Ok((task, explanation))
    })
}

/// Workers who have given this task back (not to be offered it again automatically).
fn decliners_of(conn: &mut DbConn, task_id: i64) -> Result<Vec<i64>, ApiError> {
    let mut ids: Vec<i64> = repo::tasks::events_of(conn, task_id)?
        .into_iter()
        .filter(|e| e.action.gives_back())
        .filter_map(|e| e.actor_id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// The officer cancels an open task.
pub fn cancel(
    conn: &mut DbConn,
    caller: &Caller,
    task_id: i64,
    note: Option<String>,
    if_match: Option<i64>,
) -> Result<Task, ApiError> {
    task_tx(conn, |conn| {
        let (task, from) = prepare(conn, caller, task_id, if_match, court_officer)?;
        let to = transition(from, TaskAction::Cancel)?;
        place(conn, &task, task.version, Place::status_unqueued(to, time::now()))?;
        TaskChange::new(task.id, EventAction::Cancel, to)
            .by(caller.actor())
            .from(from)
            .assignee(task.assignee_id)
            .note(note.as_deref())
            .record(conn)?;
        repo::tasks::find(conn, task.id)?.ok_or(ApiError::NotFound("task"))
    })
}

/// Manual (re)assignment by an officer of the court or the township's supervisor. The
/// client must name the version it saw (`If-Match`): two people reassigning at once cannot
/// both win.
pub fn reassign(
    conn: &mut DbConn,
    caller: &Caller,
    task_id: i64,
    worker_id: i64,
    note: Option<String>,
    if_match: Option<i64>,
) -> Result<Task, ApiError> {
    let if_match = if_match.ok_or(ApiError::PreconditionRequired)?;
    task_tx(conn, |conn| {
        let (task, from) = prepare(conn, caller, task_id, Some(if_match), officer_or_supervisor)?;
        let to = transition(from, TaskAction::Assign)?;
        let worker = repo::users::find(conn, worker_id)?
            .filter(|u| u.role == Role::Worker)
            .ok_or_else(|| ApiError::invalid("worker_id", "no grid worker has that id"))?;
        let refuse = |why: String| ApiError::unprocessable("worker_not_eligible", why);
        // The court wall holds whether or not the task has a township yet (an address-only task
        // waits in the court's queue with none).
        let worker_court = match worker.township_id {
            Some(township_id) => repo::townships::find(conn, township_id)?.map(|t| t.court_id),
            None => worker.court_id,
        };
        if worker_court != Some(task.court_id) {
            return Err(refuse("the worker belongs to another court".into()));
        }
        if task.township_id.is_some() && worker.township_id != task.township_id {
            return Err(refuse("the worker belongs to another township".into()));
        }
        if !worker.active {
            return Err(refuse("the worker's account is deactivated".into()));
        }
        let today = time::today_local();
        let profile = repo::workers::find_profile(conn, worker.id)?;
        if let Some(until) = profile
            .as_ref()
            .filter(|p| p.availability == Availability::OnLeave)
            .and_then(|p| p.on_leave_until)
            && until >= today
        {
            return Err(refuse(format!("the worker is on leave until {until}")));
        }
        if !repo::workers::certified_among(conn, &[worker.id], task.kind, today)?.contains(&worker.id) {
            return Err(refuse(format!(
                "the worker holds no current certification for {}",
                task.kind
            )));
        }
        if repo::tasks::recused_among(conn, task.case_id, &[worker.id])?.contains(&worker.id) {
            return Err(refuse(
                "the worker has recused themself from this case (conflict of interest)".into(),
            ));
        }
        place(
            conn,
            &task,
            if_match,
            Place::to_worker(to, worker.id, time::now()),
        )?;
        TaskChange::new(task.id, EventAction::Assign, to)
            .by(caller.actor())
            .from(from)
            .assignee(Some(worker.id))
            .reason("manual")
            .note(note.as_deref())
            .record(conn)?;
        repo::tasks::find(conn, task.id)?.ok_or(ApiError::NotFound("task"))
    })
}

/// The task's history, for those who may see the task.
pub fn events(conn: &mut DbConn, caller: &Caller, task_id: i64) -> Result<Vec<TaskEvent>, ApiError> {
    get(conn, caller, task_id)?;
    Ok(repo::tasks::events_of(conn, task_id)?)
}

/// Tasks the caller may see, filtered (the handlers' way in is [`listing`]).
fn list(
    conn: &mut DbConn,
    caller: &Caller,
    mut filter: repo::tasks::TaskFilter,
    page: repo::PageRequest,
) -> Result<Vec<Task>, ApiError> {
    let named = [
        filter.township_id.map(Named::Township),
        filter.grid_id.map(Named::Grid),
        filter.assignee_id.map(Named::Worker),
        filter.case_id.map(Named::Case),
    ];
    for object in named.into_iter().flatten() {
        caller.check_named(conn, object)?;
    }
    match caller.scope {
        Scope::All => {}
        Scope::Court => filter.court_id = caller.court_id,
        Scope::Township => filter.township_id = caller.township_id,
        Scope::Own => filter.assignee_id = Some(caller.id),
        Scope::Unscoped => return Err(ApiError::Forbidden),
    }
    let tasks = repo::tasks::list(conn, &filter, page)?;
    audit_target_reads(conn, caller, "task_list", &tasks)?;
    Ok(tasks)
}

/// The officer pins a queued task's target on the map (an address the geocoder could not
/// place, or a point outside every grid); it is then assigned automatically.
pub fn pin(
    conn: &mut DbConn,
    caller: &Caller,
    map: &GridMap,
    rules: Rules<'_>,
    task_id: i64,
    point: LatLon,
    if_match: Option<i64>,
) -> Result<(Task, Explanation), ApiError> {
    task_tx(conn, |conn| {
        let (task, from) = prepare(conn, caller, task_id, if_match, court_officer)?;
        if let CourtArea::OtherCourt = map.locate_for_court(point, task.court_id) {
            return Err(ApiError::unprocessable(
                "outside_court_area",
                "the point lies in another court's area; pin the task inside this court's area",
            ));
        }
        if from != TaskStatus::Queued {
            return Err(ApiError::conflict(
                "invalid_transition",
                format!(
                    "only a queued task can be pinned; this one is {}",
                    from.as_str().replace('_', " ")
                ),
            ));
        }
        if !repo::tasks::pin_target(conn, task.id, task.version, point, time::now())? {
            return Err(ApiError::PreconditionFailed);
        }
        TaskChange::new(task.id, EventAction::Pin, from)
            .by(caller.actor())
            .from(from)
            .record(conn)?;
        let task = repo::tasks::find(conn, task.id)?.ok_or(ApiError::NotFound("task"))?;
        let decliners = decliners_of(conn, task.id)?;
        let round = Round {
            exclude: &decliners,
            decline_count: task.decline_count,
            unlocated_reason: "no_target_point",
        };
        let explanation = auto_place(conn, map, rules, &task, TaskStatus::Queued, round)?;
        let task = repo::tasks::find(conn, task.id)?.ok_or(ApiError::NotFound("task"))?;
        Ok((task, explanation))
    })
}

// =============================================================================================
// What the task handlers used to do themselves: checking an officer's request and locating its
// target before `create`, the filter and view of a task list, and the party a task answer shows
// (with the read of personal data audited).
// =============================================================================================

use crate::domain::names::check_chars;
use crate::domain::task_kind::INSTRUCTIONS_MAX_CHARS;
use crate::domain::{FreeText, ValidationError};
use crate::geo::{Crs, validate_point};
/// The row a task answer shows beside the task: its party.
pub use crate::repo::cases::Party;
/// The rows this service hands out: tasks and their events.
pub use crate::repo::tasks::{Task, TaskEvent};
use crate::services::geocoder::{Geocoded, Geocoder};

/// At most this many characters of address text.
const TARGET_ADDRESS_MAX_CHARS: usize = 200;

/// A point as a client gives it: latitude and longitude in `crs` (WGS-84 when absent).
#[derive(Debug, Clone, Copy)]
pub struct GivenPoint {
    pub lat: f64,
    pub lon: f64,
    pub crs: Option<Crs>,
}

impl GivenPoint {
    /// The point checked (400 naming `field`) and converted to WGS-84, with the system it was
    /// given in.
    pub fn to_wgs84(self, field: &str) -> Result<(LatLon, Crs), ApiError> {
        let raw = validate_point(self.lat, self.lon).map_err(|e| ApiError::invalid(field, e.to_string()))?;
        let crs = self.crs.unwrap_or_default();
        Ok((crs.to_wgs84(raw), crs))
    }
}

/// An officer's request for a task, as received.
#[derive(Debug, Clone)]
pub struct TaskRequest {
    pub kind: TaskKind,
    pub party_id: Option<i64>,
    pub urgent: bool,
    pub instructions: String,
    pub target: Option<GivenPoint>,
    pub target_address: Option<String>,
    pub due_on: Option<NaiveDate>,
}

fn invalid(field: &str) -> impl FnOnce(ValidationError) -> ApiError + '_ {
    move |e| ApiError::invalid(field, e.to_string())
}

/// Check a request (400 naming the field) and locate its target. The texts follow the same rules
/// as names (a worker reads them on the phone): no control characters but line breaks, no
/// bidirectional overrides. A target given only as an address is put to the geocoder, when there
/// is one; whatever it says, the task is made — without a point it waits in the court's queue,
/// with the geocoder's answer as the reason.
pub async fn locate_request(
    request: TaskRequest,
    geocoder: Option<&Geocoder>,
    city: Option<&str>,
) -> Result<NewTaskInput, ApiError> {
    let instructions =
        FreeText::parse(&request.instructions, INSTRUCTIONS_MAX_CHARS).map_err(invalid("instructions"))?;
    let target_address = match request
        .target_address
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(a) if a.chars().count() > TARGET_ADDRESS_MAX_CHARS => {
            return Err(ApiError::invalid("target_address", "at most 200 characters"));
        }
        Some(a) => {
            check_chars(a, false).map_err(invalid("target_address"))?;
            Some(a.to_owned())
        }
        None => None,
    };
    let (target, source) = match request.target {
        Some(p) => {
            let (point, crs) = p.to_wgs84("target.lat")?;
            (Some(point), Some(format!("given:{crs}")))
        }
        None => (None, None),
    };
    if target.is_none() && target_address.is_none() {
        return Err(ApiError::invalid(
            "target",
            "give a target point, a target address, or both",
        ));
    }
    let (target, source, unlocated_reason) = match (target, &target_address, geocoder) {
        (Some(p), _, _) => (Some(p), source, "no_target_point"),
        (None, Some(address), Some(geocoder)) => match geocoder.geocode(address, city).await {
            Geocoded::Found { point, .. } => (Some(point), Some("geocoded".to_owned()), "no_target_point"),
            other => (None, None, other.code()),
        },
        (None, _, _) => (None, None, "no_target_point"),
    };
    Ok(NewTaskInput {
        kind: request.kind,
        party_id: request.party_id,
        urgent: request.urgent,
        instructions: instructions.into_string(),
        target,
        target_source: source,
        target_address,
        due_on: request.due_on,
        unlocated_reason,
    })
}

/// What a task list may be narrowed to; the caller's scope narrows it further.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListFilter {
    pub status: Option<TaskStatus>,
    pub kind: Option<TaskKind>,
    pub township_id: Option<i64>,
    pub grid_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub case_id: Option<i64>,
    pub overdue: Option<bool>,
}

/// Tasks the caller may see, narrowed by `filter`, and how much of them the caller's role sees
/// (listings carry no party data).
pub fn listing(
    conn: &mut DbConn,
    caller: &Caller,
    filter: ListFilter,
    page: repo::PageRequest,
) -> Result<(Vec<Task>, View), ApiError> {
    let view = match caller.role {
        Role::Supervisor => View::Supervisor,
        Role::Worker => View::Worker,
        _ => View::Full,
    };
    let filter = repo::tasks::TaskFilter {
        court_id: None,
        township_id: filter.township_id,
        assignee_id: filter.assignee_id,
        case_id: filter.case_id,
        grid_id: filter.grid_id,
        status: filter.status.map(|s| s.as_str().to_owned()),
        kind: filter.kind.map(|k| k.as_str().to_owned()),
        overdue: filter.overdue,
    };
    Ok((list(conn, caller, filter, page)?, view))
}

/// The personal fields a task's party carries (the ID number masked below the full view).
pub const PARTY_FIELDS: &[&str] = &["party.name", "party.id_number", "party.phones", "party.addresses"];

/// What a task answer replies to. A read discloses the target (where the person is) and is
/// audited as such; the answer to a write shows the caller the task they just changed, and the
/// write's own audit row already names it — so no second transaction per write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answering {
    Read,
    Write,
}

/// The party a task answer shows the caller, when their view (and, for the assignee, the time
/// since the task closed: `grace`) lets them see it; the read of personal data is audited.
pub fn party_for(
    conn: &mut DbConn,
    caller: &Caller,
    task: &Task,
    (view, grace): (View, chrono::Duration),
    answering: Answering,
) -> Result<Option<Party>, ApiError> {
    let party = match task.party_id {
        Some(id) if party_visible(task, view, grace, time::now()) => repo::cases::find_party(conn, id)?,
        _ => None,
    };
    if party.is_some() {
        let target: &[&str] = match answering {
            Answering::Read => TARGET_FIELDS,
            Answering::Write => &[],
        };
        let fields: Vec<&str> = PARTY_FIELDS.iter().chain(target).copied().collect();
        repo::audit::record_read(
            conn,
            &caller.actor(),
            ("task.party_read", "task", Some(task.id.to_string())),
            &format!("task:{}", task.id),
            &fields,
            Some(serde_json::json!({"view": format!("{view:?}").to_lowercase()})),
        )?;
    } else if answering == Answering::Read {
        audit_target_reads(conn, caller, "task", [task])?;
    }
    Ok(party)
}
