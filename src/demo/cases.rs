//! The demo county's casework: thirty cases across the townships with tasks in every state a
//! newcomer should see — assigned with explanations, queued (nobody certified, no map point, off
//! the map), accepted, declined for a conflict of interest, and overdue. Everything goes through
//! the same services as the API. What happens after acceptance is [`super::work`]'s.

use crate::db::{DbConn, write_tx};
use crate::domain::access::Scope;
use crate::domain::identity::{CaseNumber, NationalId, PartyIdentifier, Phone};
use crate::domain::{Name, Role, TaskKind, time};
use crate::error::ApiError;
use crate::geo::LatLon;
use crate::repo;
use crate::services::{
    self, Caller,
    cases::{NewCaseInput, PartyInput, PartyRole},
    grid_map::GridMap,
    tasks::{DeclineReason, NewTaskInput, Rules},
};

use super::{LAT0, LON0, TOWNSHIPS, point_in_grid};

/// A valid national ID number (GB 11643 checksum) for synthetic person `n`.
fn synthetic_id(n: usize) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let prefix = format!(
        "321283{}{:02}{:02}{:03}",
        1960 + n % 40,
        1 + n % 12,
        1 + n % 28,
        100 + n
    );
    let sum: u32 = prefix
        .chars()
        .zip(W)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{prefix}{check}")
}

const SURNAMES: [&str; 12] = [
    "张", "王", "李", "赵", "刘", "陈", "杨", "黄", "周", "吴", "徐", "孙",
];
const GIVEN: [&str; 8] = ["伟", "芳", "军", "秀英", "建国", "丽", "强", "桂兰"];
const KINDS: [TaskKind; 6] = [
    TaskKind::ServeDocuments,
    TaskKind::UrgePerformance,
    TaskKind::LocatePerson,
    TaskKind::ServeDocuments,
    TaskKind::PublicizeDishonesty,
    TaskKind::LocateAssets,
];

fn label(kind: TaskKind) -> &'static str {
    match kind {
        TaskKind::ServeDocuments => "送达法律文书",
        TaskKind::LocatePerson => "查找被执行人下落",
        TaskKind::LocateAssets => "查找被执行人财产",
        TaskKind::UrgePerformance => "督促履行",
        TaskKind::FacilitateSettlement => "促成和解",
        TaskKind::PublicizeDishonesty => "张贴失信曝光公告",
        TaskKind::ReportRefusal => "报告拒执线索",
        TaskKind::TakeDownNotice => "撤除失信曝光公告",
    }
}

fn invalid(field: &'static str) -> impl Fn(crate::domain::ValidationError) -> ApiError {
    move |e| ApiError::invalid(field, e.to_string())
}

/// One demo case for officer `officer`, debtor living in grid `n` of township `t`.
fn case_input(
    i: usize,
    officer: &Caller,
    home: LatLon,
    t: usize,
    n: usize,
) -> Result<NewCaseInput, ApiError> {
    let today = time::today_local();
    let debtor = format!("{}{}", SURNAMES[i % 12], GIVEN[(i / 2) % 8]);
    Ok(NewCaseInput {
        case_number: CaseNumber::parse(&format!("(2026)苏1283执{}号", 1001 + i), today)
            .map_err(invalid("case_number"))?,
        officer_id: Some(officer.id),
        amount_owed_fen: 5_000_000 + (i as i64) * 1_234_500,
        filed_on: today - chrono::Duration::days(20 + i as i64),
        parties: vec![
            PartyInput {
                role: PartyRole::Applicant,
                name: Name::parse(&format!("泰兴市{}建材有限公司", ["兴达", "华通", "恒盛"][i % 3]))
                    .map_err(invalid("name"))?,
                identifier: None,
                phones: vec![],
                addresses: vec![],
            },
            PartyInput {
                role: PartyRole::Debtor,
                name: Name::parse(&debtor).map_err(invalid("name"))?,
                identifier: Some(PartyIdentifier::Person(
                    NationalId::parse(&synthetic_id(i), today).map_err(invalid("id_number"))?,
                )),
                phones: vec![
                    Phone::parse(&format!("139{:08}", 52_000_000 + i * 7919)).map_err(invalid("phones"))?,
                ],
                addresses: vec![(format!("{}第{n}组{}号", TOWNSHIPS[t].1, 1 + i % 40), Some(home))],
            },
        ],
    })
}

/// Seed the cases and their tasks; returns the ids of the tasks left accepted (and not late), in
/// creation order, for [`super::work`] to carry further.
pub(super) fn seed(conn: &mut DbConn, court_id: i64) -> Result<Vec<i64>, ApiError> {
    let map = GridMap::load(conn)?;
    let calendar = crate::domain::calendar::WorkCalendar::builtin().map_err(ApiError::internal)?;
    let rules = Rules {
        calendar: &calendar,
        radius_m: 3000.0,
        max_declines: 3,
    };
    let mut officers = Vec::new();
    for k in 1..=3 {
        if let Some(u) = repo::users::find_by_username(conn, &format!("officer-{k}"))? {
            officers.push(Caller {
                id: u.id,
                role: Role::Officer,
                scope: Scope::Court,
                court_id: Some(court_id),
                township_id: None,
                request_id: None,
                client_ip: None,
            });
        }
    }
    if officers.is_empty() {
        return Ok(Vec::new());
    }
    let mut created = Vec::new();
    for i in 0..30usize {
        let officer = &officers[i % officers.len()];
        let (t, n) = (i % 6, 1 + (i * 7) % 64);
        let home = point_in_grid(t, n);
        let (case, parties) = services::cases::create(conn, officer, case_input(i, officer, home, t, n)?)?;
        let debtor_id = parties.iter().find(|p| p.role == PartyRole::Debtor).map(|p| p.id);
        for k in 0..(1 + i % 3) {
            let kind = KINDS[(i + k) % KINDS.len()];
            // Some tasks have only an address (they wait to be pinned); one is off the map.
            let (target, address) = match (i + k) % 10 {
                7 => (None, Some(format!("{}某村委会旁", TOWNSHIPS[t].1))),
                9 if i == 9 => (
                    Some(LatLon {
                        lat: LAT0 - 0.05,
                        lon: LON0 - 0.05,
                    }),
                    None,
                ),
                _ => (Some(home), None),
            };
            let input = NewTaskInput {
                kind,
                party_id: debtor_id,
                urgent: i % 8 == 0,
                instructions: format!("{}：{}", label(kind), case.case_number),
                target,
                target_source: target.map(|_| "given:wgs84".to_owned()),
                target_address: address,
                due_on: None,
                unlocated_reason: "no_target_point",
            };
            let (task, _) = services::tasks::create(conn, officer, &map, rules, case.id, input)?;
            created.push(task);
        }
    }
    // Most workers have accepted their tasks; one declined for a conflict of interest.
    let mut accepted = Vec::new();
    for (k, task) in created.iter().enumerate() {
        let Some(worker_id) = task.assignee_id else {
            continue;
        };
        let worker = Caller {
            id: worker_id,
            role: Role::Worker,
            scope: Scope::Own,
            court_id: None,
            township_id: task.township_id,
            request_id: None,
            client_ip: None,
        };
        if k == 3 {
            let why = (
                DeclineReason::ConflictOfInterest,
                Some("与被执行人系亲属".to_owned()),
            );
            services::tasks::decline(conn, &worker, &map, rules, task.id, why, None)?;
        } else if k % 5 < 3 {
            services::tasks::accept(conn, &worker, task.id, None)?;
            accepted.push(task.id);
        }
    }
    // A few tasks were filed a fortnight ago and are late now: the deadlines job escalates them.
    let late: Vec<i64> = created.iter().step_by(9).map(|t| t.id).collect();
    write_tx(conn, |conn| -> Result<(), ApiError> {
        use crate::db::schema::tasks;
        use diesel::prelude::*;
        let now = time::now();
        diesel::update(tasks::table.filter(tasks::id.eq_any(&late)))
            .set((
                tasks::created_at.eq(now - chrono::Duration::days(14)),
                tasks::due_at.eq(now - chrono::Duration::days(2)),
            ))
            .execute(conn)?;
        Ok(())
    })?;
    crate::services::deadlines::sweep(conn, time::now())?;
    accepted.retain(|id| !late.contains(id));
    Ok(accepted)
}
