//! Grid-worker profiles: which grids a worker covers, what they are certified for, how much
//! work they can take and whether they are available. Read by the worker, their township's
//! supervisor and admins; changed by the supervisor and admins.

use std::collections::HashSet;

use chrono::NaiveDate;

use crate::db::{DbConn, write_tx};
use crate::domain::{Availability, Capacity, Role, TaskKind, time};
use crate::error::ApiError;
/// The row this service hands out: a grid a worker covers.
pub use crate::repo::workers::CoveredGrid;
use crate::repo::{
    self,
    users::User,
    workers::{Certification, WorkerProfile},
};
use crate::services::Caller;

/// Everything a profile shows.
pub struct WorkerView {
    pub user: User,
    pub profile: WorkerProfile,
    pub grids: Vec<CoveredGrid>,
    pub certifications: Vec<Certification>,
}

/// A full replacement of the editable part of a profile.
pub struct ProfileUpdate {
    pub primary_grid_id: Option<i64>,
    pub other_grid_ids: Vec<i64>,
    pub certifications: Vec<(TaskKind, NaiveDate, Option<NaiveDate>)>,
    pub capacity: Capacity,
    pub availability: Availability,
    pub on_leave_until: Option<NaiveDate>,
}

/// Find the worker and check the caller may see them. Out-of-scope workers are "not found", so
/// a supervisor cannot probe other townships' accounts.
fn load_in_scope(conn: &mut DbConn, caller: &Caller, worker_id: i64, write: bool) -> Result<User, ApiError> {
    match caller.role {
        Role::Admin | Role::Supervisor => {}
        Role::Worker if !write && caller.id == worker_id => {}
        _ => return Err(ApiError::Forbidden),
    }
    let user = repo::users::find(conn, worker_id)?
        .filter(|u| u.role == Role::Worker)
        .ok_or(ApiError::NotFound("worker"))?;
    if caller.role == Role::Supervisor && user.township_id != caller.township_id {
        return Err(ApiError::NotFound("worker"));
    }
    Ok(user)
}

fn view(conn: &mut DbConn, user: User) -> Result<WorkerView, ApiError> {
    let profile = repo::workers::find_profile(conn, user.id)?.unwrap_or(WorkerProfile {
        user_id: user.id,
        capacity: Capacity::DEFAULT.get(),
        availability: Availability::Active,
        on_leave_until: None,
        updated_at: user.updated_at,
    });
    let grids = repo::workers::covered_grids(conn, user.id)?;
    let certifications = repo::workers::certifications(conn, user.id)?;
    Ok(WorkerView {
        user,
        profile,
        grids,
        certifications,
    })
}

pub fn get(conn: &mut DbConn, caller: &Caller, worker_id: i64) -> Result<WorkerView, ApiError> {
    let user = load_in_scope(conn, caller, worker_id, false)?;
    view(conn, user)
}

/// One worker as the directory shows them: enough to pick someone for a task by hand.
pub struct DirectoryItem {
    pub entry: repo::workers::DirectoryEntry,
    pub grids: Vec<CoveredGrid>,
    /// Task kinds with a certification valid today.
    pub certified_for: Vec<String>,
    /// Tasks the worker holds now (assigned to them and not finished).
    pub open_tasks: u32,
}

/// The grid workers a caller may pick from, one page: an officer's court (or one of its
/// townships), a supervisor's own township, any for admins. A township outside the caller's
/// scope is 403, as for other list filters.
pub fn directory(
    conn: &mut DbConn,
    caller: &Caller,
    township_id: Option<i64>,
    page: repo::PageRequest,
) -> Result<Vec<DirectoryItem>, ApiError> {
    let townships: Option<Vec<i64>> = match caller.role {
        Role::Admin => township_id.map(|t| vec![t]),
        Role::Supervisor => {
            let own = caller.township_id.ok_or(ApiError::Forbidden)?;
            if township_id.is_some_and(|t| t != own) {
                return Err(ApiError::Forbidden);
            }
            Some(vec![own])
        }
        Role::Officer => {
            let court = caller.court_id.ok_or(ApiError::Forbidden)?;
            let of_court: Vec<i64> = repo::townships::all(conn)?
                .into_iter()
                .filter(|t| t.court_id == court)
                .map(|t| t.id)
                .collect();
            match township_id {
                Some(t) if !of_court.contains(&t) => return Err(ApiError::Forbidden),
                Some(t) => Some(vec![t]),
                None => Some(of_court),
            }
        }
        Role::Worker => return Err(ApiError::Forbidden),
    };
    let entries = repo::workers::directory(conn, townships.as_deref(), page)?;
    let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
    let mut grids: std::collections::HashMap<i64, Vec<CoveredGrid>> = Default::default();
    for (worker, grid) in repo::workers::covered_grids_of(conn, &ids)? {
        grids.entry(worker).or_default().push(grid);
    }
    let mut certified: std::collections::HashMap<i64, Vec<String>> = Default::default();
    for (worker, kind) in repo::workers::current_certifications(conn, &ids, time::today_local())? {
        certified.entry(worker).or_default().push(kind);
    }
    let held = repo::tasks::held_counts(conn, &ids)?;
    Ok(entries
        .into_iter()
        .map(|entry| DirectoryItem {
            grids: grids.remove(&entry.id).unwrap_or_default(),
            certified_for: certified.remove(&entry.id).unwrap_or_default(),
            open_tasks: held.get(&entry.id).copied().unwrap_or(0),
            entry,
        })
        .collect())
}

/// Check an update against the rules that need no database.
fn check_update(update: &ProfileUpdate, today: NaiveDate) -> Result<(), ApiError> {
    let mut seen = HashSet::new();
    for (i, id) in update.other_grid_ids.iter().enumerate() {
        if Some(*id) == update.primary_grid_id || !seen.insert(*id) {
            return Err(ApiError::invalid(
                format!("other_grid_ids[{i}]"),
                format!("grid {id} is listed twice (or is also the primary grid)"),
            ));
        }
    }
    if update.primary_grid_id.is_none() && !update.other_grid_ids.is_empty() {
        return Err(ApiError::invalid(
            "primary_grid_id",
            "a worker who covers grids needs a primary grid",
        ));
    }
    match (update.availability, update.on_leave_until) {
        (Availability::OnLeave, None) => {
            return Err(ApiError::invalid(
                "on_leave_until",
                "on_leave needs the date the leave ends",
            ));
        }
        (Availability::OnLeave, Some(until)) if until < today => {
            return Err(ApiError::invalid(
                "on_leave_until",
                "the leave must end today or later",
            ));
        }
        (Availability::Active, Some(_)) => {
            return Err(ApiError::invalid(
                "on_leave_until",
                "only a worker on leave has an end date",
            ));
        }
        _ => {}
    }
    let mut kinds = HashSet::new();
    for (i, (kind, certified_on, expires_on)) in update.certifications.iter().enumerate() {
        if !kinds.insert(*kind) {
            return Err(ApiError::invalid(
                format!("certifications[{i}].task_kind"),
                format!("{kind} is listed twice"),
            ));
        }
        if *certified_on > today {
            return Err(ApiError::invalid(
                format!("certifications[{i}].certified_on"),
                "must not be in the future",
            ));
        }
        if expires_on.is_some_and(|e| e < *certified_on) {
            return Err(ApiError::invalid(
                format!("certifications[{i}].expires_on"),
                "must not be before certified_on",
            ));
        }
    }
    Ok(())
}

pub fn update(
    conn: &mut DbConn,
    caller: &Caller,
    worker_id: i64,
    update: ProfileUpdate,
) -> Result<WorkerView, ApiError> {
    check_update(&update, time::now().date())?;
    write_tx(conn, |conn| {
        let user = load_in_scope(conn, caller, worker_id, true)?;
        let all_ids: Vec<i64> = update
            .primary_grid_id
            .into_iter()
            .chain(update.other_grid_ids.iter().copied())
            .collect();
        let found = repo::grids::names(conn, &all_ids)?;
        for (i, id) in all_ids.iter().enumerate() {
            let field = if update.primary_grid_id.is_some() && i == 0 {
                "primary_grid_id".to_owned()
            } else {
                format!(
                    "other_grid_ids[{}]",
                    i - usize::from(update.primary_grid_id.is_some())
                )
            };
            match found.iter().find(|(gid, ..)| gid == id) {
                None => return Err(ApiError::invalid(field, format!("no grid has id {id}"))),
                Some((_, code, _, township_id)) if Some(*township_id) != user.township_id => {
                    return Err(ApiError::invalid(
                        field,
                        format!("grid {code} is not in the worker's township"),
                    ));
                }
                Some(_) => {}
            }
        }
        let now = time::now();
        repo::workers::save_profile(
            conn,
            &WorkerProfile {
                user_id: worker_id,
                capacity: update.capacity.get(),
                availability: update.availability,
                on_leave_until: update.on_leave_until,
                updated_at: now,
            },
        )?;
        repo::workers::set_grids(conn, worker_id, update.primary_grid_id, &update.other_grid_ids)?;
        let certs: Vec<Certification> = update
            .certifications
            .iter()
            .map(|(kind, on, until)| Certification {
                worker_id,
                task_kind: *kind,
                certified_on: *on,
                expires_on: *until,
            })
            .collect();
        repo::workers::set_certifications(conn, worker_id, &certs)?;
        repo::audit::record(
            conn,
            &caller.actor(),
            "worker.update",
            "user",
            Some(worker_id.to_string()),
            Some(
                serde_json::json!({"grids": all_ids, "capacity": update.capacity.get(), "availability": update.availability.as_str()}),
            ),
        )?;
        view(conn, user)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> ProfileUpdate {
        ProfileUpdate {
            primary_grid_id: Some(1),
            other_grid_ids: vec![2, 3],
            certifications: vec![],
            capacity: Capacity::DEFAULT,
            availability: Availability::Active,
            on_leave_until: None,
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
    }

    fn field_of(e: ApiError) -> Option<String> {
        match e {
            ApiError::InvalidInput { field, .. } => field,
            _ => None,
        }
    }

    #[test]
    fn a_plain_profile_passes() {
        assert!(check_update(&base(), today()).is_ok());
    }

    #[test]
    fn grids_may_not_repeat_and_others_need_a_primary() {
        let mut u = base();
        u.other_grid_ids = vec![2, 1];
        assert_eq!(
            field_of(check_update(&u, today()).unwrap_err()).as_deref(),
            Some("other_grid_ids[1]")
        );
        let mut u = base();
        u.primary_grid_id = None;
        assert_eq!(
            field_of(check_update(&u, today()).unwrap_err()).as_deref(),
            Some("primary_grid_id")
        );
    }

    #[test]
    fn leave_needs_a_future_end_date_and_only_leave_has_one() {
        let mut u = base();
        u.availability = Availability::OnLeave;
        assert!(check_update(&u, today()).is_err());
        u.on_leave_until = NaiveDate::from_ymd_opt(2026, 5, 31);
        assert!(check_update(&u, today()).is_err());
        u.on_leave_until = NaiveDate::from_ymd_opt(2026, 6, 1);
        assert!(check_update(&u, today()).is_ok());
        u.availability = Availability::Active;
        assert!(check_update(&u, today()).is_err());
    }

    #[test]
    fn certifications_are_unique_dated_and_ordered() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let mut u = base();
        u.certifications = vec![
            (TaskKind::ServeDocuments, d(1, 1), None),
            (TaskKind::ServeDocuments, d(2, 1), None),
        ];
        assert!(check_update(&u, today()).is_err());
        u.certifications = vec![(TaskKind::ServeDocuments, d(7, 1), None)];
        assert!(check_update(&u, today()).is_err());
        u.certifications = vec![(TaskKind::ServeDocuments, d(3, 1), Some(d(2, 1)))];
        assert!(check_update(&u, today()).is_err());
        u.certifications = vec![(TaskKind::ServeDocuments, d(3, 1), Some(d(12, 31)))];
        assert!(check_update(&u, today()).is_ok());
    }
}
