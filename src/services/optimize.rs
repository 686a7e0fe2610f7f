//! Batch assignment for officers and supervisors: take the queue (or a chosen set of tasks not yet
//! accepted) and assign them all at once so that as many as possible are placed and the total
//! travel distance is the least possible, under each worker's remaining capacity, certifications,
//! recusals and past declines — the exact method of [`crate::domain::batch_assign`]. A dry run
//! returns the plan (with what greedy one-at-a-time assignment would have done, for comparison);
//! a commit applies it in one transaction, every task at the version it was planned with.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::{
    recusals, task_events, tasks, users, worker_certifications, worker_grids, worker_profiles,
};
use crate::db::{DbConn, task_tx};
use crate::domain::batch_assign::{Options, TaskIn, WorkerIn, greedy, optimal};
use crate::domain::task_record::EventAction;
use crate::domain::task_state::{TaskAction, TaskStatus, transition};
use crate::domain::{Availability, Role, time};
use crate::error::ApiError;
use crate::geo::LatLon;
use crate::repo::{self, tasks::Placement, tasks::Task};
use crate::services::Caller;
use crate::services::caller::Named;
use crate::services::grid_map::GridMap;
use crate::services::task_log::TaskChange;

/// Most tasks one request may plan.
pub const MAX_TASKS: usize = 20_000;

#[derive(Debug, Clone)]
pub struct OptimizeRequest {
    /// None: the caller's queue (queued tasks in their court or township).
    pub task_ids: Option<Vec<i64>>,
    /// Officers may narrow the queue to one township.
    pub township_id: Option<i64>,
    pub commit: bool,
    pub k: usize,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlannedAssignment {
    pub task_id: i64,
    pub worker_id: i64,
    /// Metres from the worker's home point (last check-in, or their primary grid's centre).
    pub distance_m: f64,
    /// Who held it before, when it was assigned already.
    pub previous_worker_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Unplaced {
    pub task_id: i64,
    /// `no_target_point`, `outside_all_townships`, `outside_court_area`, or `no_eligible_capacity`.
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Baseline {
    pub assigned: usize,
    pub total_distance_m: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanDto {
    /// True when the plan was applied.
    pub committed: bool,
    pub tasks_considered: usize,
    pub workers_considered: usize,
    pub assignments: Vec<PlannedAssignment>,
    pub unassigned: Vec<Unplaced>,
    pub total_distance_m: f64,
    /// Greedy one-at-a-time assignment (tasks in id order, nearest eligible worker) on the same
    /// input.
    pub greedy: Baseline,
    /// How much shorter than greedy, percent (0 when greedy placed fewer or equal distance).
    pub saving_pct: f64,
    /// Times the candidate graph was widened to prove optimality.
    pub rounds: u32,
    pub edges: usize,
}

/// (worker id, township, capacity, availability, on leave until).
type ProfileRow = (i64, Option<i64>, i32, Availability, Option<chrono::NaiveDate>);

struct Worker {
    id: i64,
    township_id: i64,
    point: LatLon,
    capacity: u32,
}

fn round(m: f64) -> f64 {
    (m * 10.0).round() / 10.0
}

/// Plan (and, when asked, apply) a batch assignment.
pub fn optimize(
    conn: &mut DbConn,
    caller: &Caller,
    map: &GridMap,
    req: OptimizeRequest,
) -> Result<PlanDto, ApiError> {
    if !matches!(caller.role, Role::Officer | Role::Supervisor) {
        return Err(ApiError::Forbidden);
    }
    if req.commit {
        task_tx(conn, |conn| plan(conn, caller, map, &req))
    } else {
        plan(conn, caller, map, &req)
    }
}

fn in_scope(caller: &Caller, task: &Task) -> bool {
    match caller.role {
        Role::Officer => caller.court_id == Some(task.court_id),
        Role::Supervisor => task.township_id.is_some() && caller.township_id == task.township_id,
        _ => false,
    }
}

fn load_tasks(conn: &mut DbConn, caller: &Caller, req: &OptimizeRequest) -> Result<Vec<Task>, ApiError> {
    match &req.task_ids {
        Some(ids) => {
            if ids.len() > MAX_TASKS {
                return Err(ApiError::invalid(
                    "task_ids",
                    format!("at most {MAX_TASKS} tasks"),
                ));
            }
            let mut unique = ids.clone();
            unique.sort_unstable();
            unique.dedup();
            let found: Vec<Task> = tasks::table
                .filter(tasks::id.eq_any(&unique))
                .select(Task::as_select())
                .order(tasks::id)
                .load(conn)?;
            for id in &unique {
                let Some(task) = found.iter().find(|t| t.id == *id).filter(|t| in_scope(caller, t)) else {
                    return Err(ApiError::invalid(
                        "task_ids",
                        format!("no task {id} in your scope"),
                    ));
                };
                if !task.status.is_plannable() {
                    return Err(ApiError::conflict(
                        "invalid_transition",
                        format!(
                            "task {id} is {}; only tasks nobody has accepted can be planned",
                            task.status
                        ),
                    ));
                }
            }
            Ok(found)
        }
        None => {
            let mut query = tasks::table
                .filter(tasks::status.eq("queued"))
                .select(Task::as_select())
                .order(tasks::id)
                .limit(MAX_TASKS as i64)
                .into_boxed();
            match caller.role {
                Role::Officer => {
                    query = query.filter(tasks::court_id.nullable().eq(caller.court_id));
                    if let Some(t) = req.township_id {
                        // A township of another court is outside the officer's scope: 403, as
                        // every filter naming another court's object answers.
                        caller.check_named(conn, Named::Township(t))?;
                        query = query.filter(tasks::township_id.eq(t));
                    }
                }
                _ => {
                    if req.township_id.is_some_and(|t| Some(t) != caller.township_id) {
                        return Err(ApiError::Forbidden);
                    }
                    query = query.filter(tasks::township_id.eq(caller.township_id));
                }
            }
            Ok(query.load(conn)?)
        }
    }
}

/// The workers of the given townships who can take work today, with their home point and the
/// capacity left once the batch's own tasks are taken off them.
fn load_workers(
    conn: &mut DbConn,
    map: &GridMap,
    township_ids: &[i64],
    batch: &[Task],
) -> Result<Vec<Worker>, ApiError> {
    let today = time::today_local();
    let rows: Vec<ProfileRow> = users::table
        .inner_join(worker_profiles::table.on(worker_profiles::user_id.eq(users::id)))
        .filter(users::role.eq(Role::Worker))
        .filter(users::active.eq(true))
        .filter(users::township_id.eq_any(township_ids))
        .select((
            users::id,
            users::township_id,
            worker_profiles::capacity,
            worker_profiles::availability,
            worker_profiles::on_leave_until,
        ))
        .order(users::id)
        .load(conn)?;
    let available: Vec<_> = rows
        .into_iter()
        .filter(|(_, _, _, availability, until)| {
            *availability != Availability::OnLeave || until.is_some_and(|u| u < today)
        })
        .collect();
    let ids: Vec<i64> = available.iter().map(|r| r.0).collect();
    let held = repo::tasks::held_counts(conn, &ids)?;
    let mut held_in_batch: HashMap<i64, u32> = HashMap::new();
    for t in batch.iter().filter(|t| t.status == TaskStatus::Assigned) {
        if let Some(w) = t.assignee_id {
            *held_in_batch.entry(w).or_default() += 1;
        }
    }
    let recent = repo::check_ins::latest_positions(conn, &ids, time::now() - chrono::Duration::days(30))?;
    let primaries: HashMap<i64, i64> = worker_grids::table
        .filter(worker_grids::worker_id.eq_any(&ids))
        .filter(worker_grids::is_primary.eq(true))
        .select((worker_grids::worker_id, worker_grids::grid_id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let mut workers = Vec::with_capacity(available.len());
    for (id, township, capacity, _, _) in available {
        let Some(township_id) = township else { continue };
        let point = match recent.get(&id) {
            Some(&(lat, lon)) => Some(LatLon { lat, lon }),
            None => primaries
                .get(&id)
                .and_then(|g| map.index.get(*g))
                .and_then(|shape| {
                    use ::geo::Centroid;
                    shape.geometry.centroid()
                })
                .map(|c| LatLon {
                    lat: c.y(),
                    lon: c.x(),
                }),
        };
        // A worker with no known place cannot be measured against; they keep their queue work.
        let Some(point) = point else { continue };
        let holding = held
            .get(&id)
            .copied()
            .unwrap_or(0)
            .saturating_sub(held_in_batch.get(&id).copied().unwrap_or(0));
        workers.push(Worker {
            id,
            township_id,
            point,
            capacity: u32::try_from(capacity).unwrap_or(0).saturating_sub(holding),
        });
    }
    Ok(workers)
}

fn plan(
    conn: &mut DbConn,
    caller: &Caller,
    map: &GridMap,
    req: &OptimizeRequest,
) -> Result<PlanDto, ApiError> {
    let batch = load_tasks(conn, caller, req)?;
    let mut unassigned = Vec::new();
    let mut placeable = Vec::new();
    for task in &batch {
        match (task.target_lat.zip(task.target_lon), task.township_id) {
            (None, _) => unassigned.push(Unplaced {
                task_id: task.id,
                reason: "no_target_point".into(),
            }),
            (_, None) => unassigned.push(Unplaced {
                task_id: task.id,
                reason: "outside_all_townships".into(),
            }),
            // A township of another court (placed before the court walls held) is never
            // planned with that court's workers.
            (Some(_), Some(township)) if map.court_of_township(township) != Some(task.court_id) => unassigned
                .push(Unplaced {
                    task_id: task.id,
                    reason: "outside_court_area".into(),
                }),
            (Some(_), Some(_)) => placeable.push(task),
        }
    }
    let mut townships: Vec<i64> = placeable.iter().filter_map(|t| t.township_id).collect();
    townships.sort_unstable();
    townships.dedup();
    let workers = load_workers(conn, map, &townships, &batch)?;
    let worker_ids: Vec<i64> = workers.iter().map(|w| w.id).collect();
    let today = time::today_local();
    let certified: HashSet<(i64, String)> = worker_certifications::table
        .filter(worker_certifications::worker_id.eq_any(&worker_ids))
        .filter(worker_certifications::certified_on.le(today))
        .filter(
            worker_certifications::expires_on
                .is_null()
                .or(worker_certifications::expires_on.ge(today)),
        )
        .select((worker_certifications::worker_id, worker_certifications::task_kind))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect();
    let case_ids: Vec<i64> = placeable.iter().map(|t| t.case_id).collect();
    let recused: HashSet<(i64, i64)> = recusals::table
        .filter(recusals::case_id.eq_any(&case_ids))
        .select((recusals::worker_id, recusals::case_id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let task_ids: Vec<i64> = placeable.iter().map(|t| t.id).collect();
    let declined: HashSet<(i64, i64)> = task_events::table
        .filter(task_events::task_id.eq_any(&task_ids))
        .filter(task_events::action.eq_any(["decline", "recuse"]))
        .filter(task_events::actor_id.is_not_null())
        .select((task_events::actor_id.assume_not_null(), task_events::task_id))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();

    let task_in: Vec<TaskIn> = placeable
        .iter()
        .map(|t| TaskIn {
            id: t.id,
            point: LatLon {
                lat: t.target_lat.unwrap_or_default(),
                lon: t.target_lon.unwrap_or_default(),
            },
        })
        .collect();
    let worker_in: Vec<WorkerIn> = workers
        .iter()
        .map(|w| WorkerIn {
            id: w.id,
            point: w.point,
            capacity: w.capacity,
        })
        .collect();
    let eligible = |ti: usize, wi: usize| {
        let (t, w) = (placeable[ti], &workers[wi]);
        t.township_id == Some(w.township_id)
            && t.kind
                .qualifying_certifications()
                .iter()
                .any(|q| certified.contains(&(w.id, q.as_str().to_owned())))
            && !recused.contains(&(w.id, t.case_id))
            && !declined.contains(&(w.id, t.id))
    };
    let best = optimal(&task_in, &worker_in, eligible, Options { k: req.k });
    let baseline = greedy(&task_in, &worker_in, eligible);
    unassigned.extend(best.unassigned.iter().map(|&task_id| Unplaced {
        task_id,
        reason: "no_eligible_capacity".into(),
    }));
    unassigned.sort_by_key(|u| u.task_id);
    let by_id: HashMap<i64, &Task> = placeable.iter().map(|t| (t.id, *t)).collect();
    let assignments: Vec<PlannedAssignment> = best
        .assignments
        .iter()
        .map(|a| PlannedAssignment {
            task_id: a.task_id,
            worker_id: a.worker_id,
            distance_m: round(a.distance_m),
            previous_worker_id: by_id
                .get(&a.task_id)
                .filter(|t| t.status == TaskStatus::Assigned)
                .and_then(|t| t.assignee_id),
        })
        .collect();

    if req.commit {
        let now = time::now();
        for a in &assignments {
            let task = by_id[&a.task_id];
            if task.status == TaskStatus::Assigned && task.assignee_id == Some(a.worker_id) {
                continue;
            }
            let from = task.status;
            let to = transition(from, TaskAction::Assign)?;
            if !repo::tasks::place(
                conn,
                task.id,
                task.version,
                &Placement::to_worker(to, a.worker_id, now),
            )? {
                return Err(ApiError::PreconditionFailed);
            }
            TaskChange::new(task.id, EventAction::Assign, to)
                .by(caller.actor())
                .from(from)
                .assignee(Some(a.worker_id))
                .reason("optimized")
                .detail(&serde_json::json!({ "distance_m": a.distance_m, "batch_size": assignments.len() }))
                .at(now)
                .record(conn)?;
        }
        repo::audit::record(
            conn,
            &caller.actor(),
            "assignments.optimize",
            "task",
            None,
            Some(serde_json::json!({ "assigned": assignments.len(), "considered": batch.len() })),
        )?;
    }
    let saving_pct =
        if baseline.assignments.len() == best.assignments.len() && baseline.total_distance_m > 0.0 {
            round((baseline.total_distance_m - best.total_distance_m) / baseline.total_distance_m * 100.0)
        } else {
            0.0
        };
    Ok(PlanDto {
        committed: req.commit,
        tasks_considered: batch.len(),
        workers_considered: workers.len(),
        assignments,
        unassigned,
        total_distance_m: round(best.total_distance_m),
        greedy: Baseline {
            assigned: baseline.assignments.len(),
            total_distance_m: round(baseline.total_distance_m),
        },
        saving_pct,
        rounds: best.rounds,
        edges: best.edges,
    })
}
