//! Automatic assignment by geography. The target point falls in a grid; the workers who cover
//! that grid are judged by the assignment rule (`domain::assignment`); if none is eligible the
//! township's other grids are tried, nearest first, within a radius; otherwise the task goes to
//! a queue — the township supervisor's, or the court's when the point is in no township — with a
//! reason code. Every step is kept as the explanation shown to the officer.

use std::collections::HashSet;

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::domain::assignment::{Candidate, Choice, choose};
use crate::domain::task_record::Queue;
use crate::domain::{Availability, TaskKind};
use crate::error::ApiError;
use crate::geo::LatLon;
use crate::repo;
use crate::services::grid_map::{CourtArea, GridMap};

/// Declines in this many days count against a worker when ties are broken.
pub const RECENT_DECLINE_DAYS: i64 = 30;

/// One grid tried, and how its workers were judged.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GridAttempt {
    pub grid_id: i64,
    pub grid_code: String,
    /// Metres from the target to this grid (0 for the grid that holds it).
    pub distance_m: f64,
    pub choice: Choice,
}

/// Why a task went where it went.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Explanation {
    /// The grid that holds the target point, if any.
    pub target_grid_id: Option<i64>,
    pub attempts: Vec<GridAttempt>,
    /// Workers left out before judging (they declined this task).
    pub excluded_worker_ids: Vec<i64>,
    /// What happened, as a stable code for screens to word in their own language:
    /// `assigned_in_target_grid`, `assigned_in_neighbour_grid`, or the queue reason
    /// (`no_target_point`, `geocode_unsure`, `outside_court_area`, `outside_all_grids`,
    /// `nobody_eligible`, `no_workers_in_grid`, `too_many_declines`, …).
    pub code: &'static str,
    /// The search radius (metres) around the target, when neighbouring grids were tried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub radius_m: Option<f64>,
    /// One sentence for the officer (English; `code` is the stable form).
    pub summary: String,
}

/// Where the task goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Assign {
        worker_id: i64,
    },
    /// `reason` is a stable code.
    Queue {
        queue: Queue,
        reason: &'static str,
    },
}

/// The outcome of deciding, with the place the target resolved to.
#[derive(Debug, Clone)]
pub struct Placement {
    pub decision: Decision,
    pub grid_id: Option<i64>,
    pub township_id: Option<i64>,
    pub explanation: Explanation,
}

/// What the rule needs to know about the task.
pub struct Request<'a> {
    pub case_id: i64,
    /// The case's court: only its townships' grids and workers are considered.
    pub court_id: i64,
    pub kind: TaskKind,
    pub target: Option<LatLon>,
    /// The queue reason when there is no target point (e.g. `no_target_point`, `geocode_unsure`).
    pub unlocated_reason: &'static str,
    /// Workers not to consider (they declined this task).
    pub exclude: &'a [i64],
    pub radius_m: f64,
    pub today: NaiveDate,
    pub now: NaiveDateTime,
}

/// Judge the workers of each of these grids, in the order given: one set of queries for all of
/// them (a task whose home grid has nobody eligible tries its neighbours, and judging them one by
/// one cost six queries each, inside the write lock).
fn judge_grids(conn: &mut DbConn, grid_ids: &[i64], req: &Request<'_>) -> Result<Vec<Choice>, ApiError> {
    let coverers: Vec<_> = repo::workers::covering(conn, grid_ids)?
        .into_iter()
        .filter(|c| !req.exclude.contains(&c.worker_id))
        .collect();
    let mut ids: Vec<i64> = coverers.iter().map(|c| c.worker_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let held = repo::tasks::held_counts(conn, &ids)?;
    let certified = repo::workers::certified_among(conn, &ids, req.kind, req.today)?;
    let recused: HashSet<i64> = repo::tasks::recused_among(conn, req.case_id, &ids)?;
    let since = req.now - chrono::Duration::days(RECENT_DECLINE_DAYS);
    let declines = repo::tasks::declines_since(conn, &ids, since)?;
    let positions = repo::check_ins::latest_positions(conn, &ids, since)?;
    let choices = grid_ids
        .iter()
        .map(|grid_id| {
            let candidates: Vec<Candidate> = coverers
                .iter()
                .filter(|c| c.grid_id == *grid_id)
                .map(|c| Candidate {
                    worker_id: c.worker_id,
                    name: c.display_name.clone(),
                    active: c.active,
                    on_leave_until: if c.availability == Availability::OnLeave {
                        c.on_leave_until
                    } else {
                        None
                    },
                    certified: certified.contains(&c.worker_id),
                    open_tasks: held.get(&c.worker_id).copied().unwrap_or(0),
                    capacity: u32::try_from(c.capacity).unwrap_or(0),
                    recused: recused.contains(&c.worker_id),
                    recent_declines: declines.get(&c.worker_id).copied().unwrap_or(0),
                    last_check_in_distance_m: match (positions.get(&c.worker_id), req.target) {
                        (Some(&(lat, lon)), Some(target)) => {
                            Some(crate::geo::haversine_m(LatLon { lat, lon }, target))
                        }
                        _ => None,
                    },
                })
                .collect();
            choose(&candidates, req.today)
        })
        .collect();
    Ok(choices)
}

/// The township's grids other than `home` within `radius_m` of the target, nearest first (ties
/// by code).
fn neighbours(
    map: &GridMap,
    township_id: i64,
    home: i64,
    target: LatLon,
    radius_m: f64,
) -> Vec<(i64, String, f64)> {
    let mut others: Vec<(i64, String, f64)> = map
        .grids
        .iter()
        .filter(|(id, g)| g.township_id == township_id && **id != home)
        .filter_map(|(id, g)| {
            map.index
                .distance_to(*id, target)
                .map(|d| (*id, g.code.clone(), d))
        })
        .filter(|(_, _, d)| *d <= radius_m)
        .collect();
    others.sort_by(|a, b| a.2.total_cmp(&b.2).then_with(|| a.1.cmp(&b.1)));
    others
}

/// Decide where a task goes, reading (not writing) the database.
pub fn decide(conn: &mut DbConn, map: &GridMap, req: &Request<'_>) -> Result<Placement, ApiError> {
    let excluded_worker_ids = req.exclude.to_vec();
    let radius = |reason| matches!(reason, "nobody_eligible" | "no_workers_in_grid").then_some(req.radius_m);
    let queue = |queue, reason, grid_id, township_id, attempts, summary: String| Placement {
        decision: Decision::Queue { queue, reason },
        grid_id,
        township_id,
        explanation: Explanation {
            target_grid_id: grid_id,
            attempts,
            excluded_worker_ids: excluded_worker_ids.clone(),
            code: reason,
            radius_m: radius(reason),
            summary,
        },
    };
    let Some(target) = req.target else {
        return Ok(queue(
            Queue::Court,
            req.unlocated_reason,
            None,
            None,
            vec![],
            "the target has no map point yet; pin it on the map to assign the task".into(),
        ));
    };
    // Only the grids of the case's own court are candidates: a point on another court's map is
    // never placed there, however close its workers are.
    let shape = match map.locate_for_court(target, req.court_id) {
        CourtArea::Inside(shape) => shape,
        CourtArea::OtherCourt => {
            return Ok(queue(
                Queue::Court,
                "outside_court_area",
                None,
                None,
                vec![],
                "the target lies in another court's area; check the address, or pin it inside this court's area".into(),
            ));
        }
        CourtArea::Outside => {
            return Ok(queue(
                Queue::Court,
                "outside_all_grids",
                None,
                None,
                vec![],
                "the target is outside every grid; the court must assign it by hand".into(),
            ));
        }
    };
    let (home_grid, township_id) = (shape.grid_id, shape.township_id);

    // The home grid first, then the township's other grids nearest first within the radius —
    // measured only when the home grid has nobody eligible (the distances to a township's ~200
    // polygons were most of the CPU of an assignment that the home grid settles).
    // The home grid first; only if nobody there is eligible, the township's other grids within
    // the radius, nearest first, judged together.
    let mut attempts = Vec::new();
    let mut round = vec![(home_grid, shape.code.clone(), 0.0)];
    let mut choices = judge_grids(conn, &[home_grid], req)?;
    for first in [true, false] {
        for ((grid_id, grid_code, distance_m), choice) in round.drain(..).zip(choices.drain(..)) {
            let winner = choice.winner;
            attempts.push(GridAttempt {
                grid_id,
                grid_code: grid_code.clone(),
                distance_m,
                choice,
            });
            if let Some(worker_id) = winner {
                let (code, radius_m, summary) = if grid_id == home_grid {
                    (
                        "assigned_in_target_grid",
                        None,
                        format!("assigned within grid {grid_code}, which holds the target"),
                    )
                } else {
                    (
                        "assigned_in_neighbour_grid",
                        Some(req.radius_m),
                        format!(
                            "nobody eligible in grid {}; assigned in neighbouring grid {grid_code}, {:.0} m away",
                            shape.code, distance_m
                        ),
                    )
                };
                return Ok(Placement {
                    decision: Decision::Assign { worker_id },
                    grid_id: Some(home_grid),
                    township_id: Some(township_id),
                    explanation: Explanation {
                        target_grid_id: Some(home_grid),
                        attempts,
                        excluded_worker_ids,
                        code,
                        radius_m,
                        summary,
                    },
                });
            }
        }
        if first {
            round = neighbours(map, township_id, home_grid, target, req.radius_m);
            let ids: Vec<i64> = round.iter().map(|(id, _, _)| *id).collect();
            choices = if ids.is_empty() {
                Vec::new()
            } else {
                judge_grids(conn, &ids, req)?
            };
        }
    }
    let anyone = attempts.iter().any(|a| !a.choice.candidates.is_empty());
    let (reason, summary) = if anyone {
        (
            "nobody_eligible",
            format!(
                "nobody eligible in grid {} or the township's grids within {:.0} m; queued for the township supervisor",
                shape.code, req.radius_m
            ),
        )
    } else {
        (
            "no_workers_in_grid",
            format!(
                "no grid worker covers grid {} or the township's grids within {:.0} m; queued for the township supervisor",
                shape.code, req.radius_m
            ),
        )
    };
    Ok(queue(
        Queue::Township,
        reason,
        Some(home_grid),
        Some(township_id),
        attempts,
        summary,
    ))
}
