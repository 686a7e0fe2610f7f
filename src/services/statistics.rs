//! The court's statistics for a period (a month, a quarter or a year, in China's calendar), for
//! its officers and for admins: cases filed and closed, the share of closed cases grid workers
//! helped with, tasks by status, kind and township, how long tasks took to be started on site and
//! completed, and cases per officer (人案比).
//!
//! Definitions (also in docs/APPLICANTS-AND-STATISTICS.md):
//! - cases *filed* in the period: `filed_on` in it, counted by their status now;
//! - cases *closed* (执结) in the period: left `open` in it, as `concluded` (执行完毕) or
//!   `terminated` (终结本次执行); *helped* when at least one of their tasks was approved;
//! - tasks of the period: created in it, counted by their status now;
//! - timings: over the period's tasks, hours from creation to the first check-in and to
//!   approval, medians over the tasks that got that far;
//! - cases per officer: cases filed in the period / the court's active officers now.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::domain::case::CaseStatus;
use crate::domain::period::Period;
use crate::domain::progress::kind_label;
use crate::domain::statistics::{self, hours_between, median, ratio, share};
use crate::domain::task_state::TaskStatus;
use crate::domain::{Role, TaskKind, time};
use crate::error::ApiError;
use crate::repo;
use crate::services::Caller;

/// Cases by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct CaseStatusCounts {
    pub open: u64,
    pub concluded: u64,
    pub terminated: u64,
}

/// Tasks by status, every status present (zeros included).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct TaskStatusCounts {
    pub created: u64,
    pub queued: u64,
    pub assigned: u64,
    pub accepted: u64,
    pub in_progress: u64,
    pub submitted: u64,
    pub returned: u64,
    pub approved: u64,
    pub cancelled: u64,
}

impl TaskStatusCounts {
    fn add(&mut self, status: TaskStatus, n: u64) {
        let slot = match status {
            TaskStatus::Created => &mut self.created,
            TaskStatus::Queued => &mut self.queued,
            TaskStatus::Assigned => &mut self.assigned,
            TaskStatus::Accepted => &mut self.accepted,
            TaskStatus::InProgress => &mut self.in_progress,
            TaskStatus::Submitted => &mut self.submitted,
            TaskStatus::Returned => &mut self.returned,
            TaskStatus::Approved => &mut self.approved,
            TaskStatus::Cancelled => &mut self.cancelled,
        };
        *slot += n;
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseStatistics {
    /// Cases filed in the period.
    pub filed: u64,
    /// The filed cases by their status now.
    pub filed_by_status: CaseStatusCounts,
    /// Cases closed (执结) in the period: concluded plus terminated.
    pub closed: u64,
    /// Closed as fully enforced (执行完毕).
    pub concluded: u64,
    /// Closed by terminating this round of enforcement (终结本次执行).
    pub terminated: u64,
    /// Closed cases with at least one task a grid worker completed (approved by the court).
    pub closed_with_grid_help: u64,
    /// `closed_with_grid_help / closed`, to 4 places; null when nothing closed.
    pub grid_help_share: Option<f64>,
}

/// Tasks of one kind.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KindStatistics {
    pub kind: TaskKind,
    /// The kind in Chinese.
    pub label: String,
    pub total: u64,
    pub by_status: TaskStatusCounts,
}

/// Tasks in one township; `township_id` null for tasks placed in none (no target point yet).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TownshipStatistics {
    pub township_id: Option<i64>,
    pub code: Option<String>,
    pub name: Option<String>,
    pub total: u64,
    pub by_status: TaskStatusCounts,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TaskStatistics {
    /// Tasks created in the period.
    pub created: u64,
    /// Those tasks by their status now.
    pub by_status: TaskStatusCounts,
    /// By kind, every kind listed.
    pub by_kind: Vec<KindStatistics>,
    /// By township: every township of the court (by code), then tasks in no township.
    pub by_township: Vec<TownshipStatistics>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Timings {
    /// Tasks of the period checked in on site at least once.
    pub checked_in: u64,
    /// Median hours from a task's creation to its first check-in, to 0.01 h; null when none.
    pub median_hours_to_first_check_in: Option<f64>,
    /// Tasks of the period approved.
    pub approved: u64,
    /// Median hours from a task's creation to its approval, to 0.01 h; null when none.
    pub median_hours_to_approval: Option<f64>,
}

/// A court's statistics for a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Statistics {
    /// `2026-11`, `2026-Q4` or `2026`.
    pub period: String,
    /// The period's first day (China).
    pub starts_on: NaiveDate,
    /// The first day after the period.
    pub ends_before: NaiveDate,
    pub court_id: i64,
    pub court_name: String,
    /// When computed: a period still running counts what happened until then.
    pub as_of: DateTime<Utc>,
    pub cases: CaseStatistics,
    pub tasks: TaskStatistics,
    pub timings: Timings,
    /// The court's active enforcement officers (now).
    pub officers: u64,
    /// Cases filed in the period per active officer (人案比), to 2 places; null without officers.
    pub cases_per_officer: Option<f64>,
}

/// The court whose statistics the caller may read: an officer's own (naming another is 403), or
/// the one an admin names (required). Other roles are 403.
fn court_in_scope(caller: &Caller, asked: Option<i64>) -> Result<i64, ApiError> {
    match (caller.role, asked) {
        (Role::Admin, Some(court)) => Ok(court),
        (Role::Admin, None) => Err(ApiError::invalid("court_id", "name the court")),
        (Role::Officer, asked) => {
            let own = caller.court_id.ok_or(ApiError::Forbidden)?;
            match asked {
                Some(court) if court != own => Err(ApiError::Forbidden),
                _ => Ok(own),
            }
        }
        _ => Err(ApiError::Forbidden),
    }
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Compute a court's statistics for a period that has begun.
pub fn for_court(
    conn: &mut DbConn,
    caller: &Caller,
    period: Period,
    court_id: Option<i64>,
) -> Result<Statistics, ApiError> {
    let court_id = court_in_scope(caller, court_id)?;
    if period.first_day() > time::today_local() {
        return Err(ApiError::invalid("period", "the period has not begun yet"));
    }
    let court = repo::courts::find(conn, court_id)?.ok_or(ApiError::NotFound("court"))?;
    let (from, to) = crate::services::scoring::bounds(period);

    let mut cases = CaseStatistics {
        filed: 0,
        filed_by_status: CaseStatusCounts::default(),
        closed: 0,
        concluded: 0,
        terminated: 0,
        closed_with_grid_help: 0,
        grid_help_share: None,
    };
    for row in repo::statistics::cases_filed(conn, court_id, period.first_day(), period.end_day())? {
        let n = count(row.n);
        cases.filed += n;
        match row.status {
            CaseStatus::Open => cases.filed_by_status.open += n,
            CaseStatus::Concluded => cases.filed_by_status.concluded += n,
            CaseStatus::Terminated => cases.filed_by_status.terminated += n,
        }
    }
    for row in repo::statistics::cases_closed(conn, court_id, from, to)? {
        let n = count(row.n);
        match row.status {
            CaseStatus::Concluded => cases.concluded += n,
            CaseStatus::Terminated => cases.terminated += n,
            // Only closed cases have a closing date; an open one cannot appear here.
            CaseStatus::Open => continue,
        }
        cases.closed += n;
        cases.closed_with_grid_help += count(row.helped);
    }
    cases.grid_help_share = share(cases.closed_with_grid_help, cases.closed);

    let counts = repo::statistics::tasks_created(conn, court_id, from, to)?;
    let mut by_status = TaskStatusCounts::default();
    let mut by_kind: BTreeMap<TaskKind, TaskStatusCounts> = TaskKind::ALL
        .into_iter()
        .map(|k| (k, TaskStatusCounts::default()))
        .collect();
    let mut by_township: BTreeMap<Option<i64>, TaskStatusCounts> = BTreeMap::new();
    for row in &counts {
        let n = count(row.n);
        by_status.add(row.status, n);
        by_kind.entry(row.kind).or_default().add(row.status, n);
        by_township.entry(row.township_id).or_default().add(row.status, n);
    }
    let total = |c: &TaskStatusCounts| {
        c.created
            + c.queued
            + c.assigned
            + c.accepted
            + c.in_progress
            + c.submitted
            + c.returned
            + c.approved
            + c.cancelled
    };
    let elsewhere: Vec<i64> = by_township.keys().flatten().copied().collect();
    let mut townships: Vec<TownshipStatistics> = repo::statistics::townships_of(conn, court_id, &elsewhere)?
        .into_iter()
        .map(|(id, code, name)| {
            let by_status = by_township.remove(&Some(id)).unwrap_or_default();
            TownshipStatistics {
                township_id: Some(id),
                code: Some(code),
                name: Some(name),
                total: total(&by_status),
                by_status,
            }
        })
        .collect();
    let unplaced = by_township.remove(&None).unwrap_or_default();
    townships.push(TownshipStatistics {
        township_id: None,
        code: None,
        name: None,
        total: total(&unplaced),
        by_status: unplaced,
    });
    let tasks = TaskStatistics {
        created: total(&by_status),
        by_status,
        by_kind: by_kind
            .into_iter()
            .map(|(kind, by_status)| KindStatistics {
                kind,
                label: kind_label(kind).into(),
                total: total(&by_status),
                by_status,
            })
            .collect(),
        by_township: townships,
    };

    let times = repo::statistics::task_times(conn, court_id, from, to)?;
    let mut to_check_in = hours_between(times.iter().map(|t| (t.created_at, t.first_check_in)));
    let mut to_approval = hours_between(times.iter().map(|t| (t.created_at, t.approved_at)));
    let timings = Timings {
        checked_in: to_check_in.len() as u64,
        median_hours_to_first_check_in: median(&mut to_check_in).map(|h| statistics::round(h, 2)),
        approved: to_approval.len() as u64,
        median_hours_to_approval: median(&mut to_approval).map(|h| statistics::round(h, 2)),
    };

    let officers = count(repo::statistics::active_officers(conn, court_id)?);
    Ok(Statistics {
        period: period.to_string(),
        starts_on: period.first_day(),
        ends_before: period.end_day(),
        court_id,
        court_name: court.name,
        as_of: time::to_utc(time::now()),
        cases_per_officer: ratio(cases.filed, officers),
        cases,
        tasks,
        timings,
        officers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(role: Role, court_id: Option<i64>) -> Caller {
        Caller {
            id: 1,
            role,
            scope: crate::domain::access::Scope::Court,
            court_id,
            township_id: None,
            request_id: None,
            client_ip: None,
        }
    }

    #[test]
    fn officers_read_their_own_court_and_admins_must_name_one() {
        assert_eq!(court_in_scope(&caller(Role::Officer, Some(3)), None).unwrap(), 3);
        assert_eq!(
            court_in_scope(&caller(Role::Officer, Some(3)), Some(3)).unwrap(),
            3
        );
        assert!(matches!(
            court_in_scope(&caller(Role::Officer, Some(3)), Some(4)),
            Err(ApiError::Forbidden)
        ));
        assert_eq!(court_in_scope(&caller(Role::Admin, None), Some(4)).unwrap(), 4);
        assert!(matches!(
            court_in_scope(&caller(Role::Admin, None), None),
            Err(ApiError::InvalidInput { .. })
        ));
        for role in [Role::Supervisor, Role::Worker] {
            assert!(matches!(
                court_in_scope(&caller(role, None), None),
                Err(ApiError::Forbidden)
            ));
        }
    }
}
