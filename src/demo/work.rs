//! The demo county's finished and half-finished work, so every screen has something on it the
//! first time it is opened: results waiting for the officer's review (one with a check-in far from
//! the target, flagged), a result returned for more evidence, approved results with the money the
//! court recovered, a worker's pending appeal against a score line, and last month closed with its
//! incentives.
//!
//! Workers check in, upload a photo and submit through the same services as their phones; officers
//! review and record outcomes as in the console; an administrator closes last month. The one
//! shortcut: the lines of the tasks that make up last month are dated back into it (the work
//! itself happened today, when the demo was created).

use chrono::{Datelike, Duration, NaiveDateTime};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::db::{DbConn, write_tx};
use crate::domain::access::Scope;
use crate::domain::media::EvidenceKind;
use crate::domain::period::Period;
use crate::domain::scoring::LineCode;
use crate::domain::{Role, TaskKind, time};
use crate::error::ApiError;
use crate::geo::{Crs, LatLon};
use crate::repo::{self, tasks::Task};
use crate::services::{
    self, Caller,
    check_ins::CheckInInput,
    evidence::{EvidenceStore, Upload, sha256_hex},
    submissions::{Decision, OutcomeInput, ReturnReason, SubmitInput},
};

/// Check-ins this far (metres) from the target are flagged; the demo's far one is ~450 m off.
const CHECKIN_RADIUS_M: f64 = 200.0;

/// What happens to each of the demo's accepted tasks, in order; tasks beyond the list stay
/// accepted (work in progress).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    /// Submitted after a check-in at the target: waiting for review.
    Submitted,
    /// Submitted after a check-in ~450 m away: waiting for review, flagged.
    SubmittedFarAway,
    /// Returned by the officer for more evidence.
    Returned,
    /// Approved, and the court recorded the money recovered.
    ApprovedWithOutcome,
    /// Approved; the worker appeals the approval's points.
    Appealed,
    /// Approved, and counted in last month, which is closed.
    LastMonth,
}

const FATES: [Fate; 10] = [
    Fate::Submitted,
    Fate::SubmittedFarAway,
    Fate::Returned,
    Fate::ApprovedWithOutcome,
    Fate::Appealed,
    Fate::LastMonth,
    Fate::LastMonth,
    Fate::Submitted,
    Fate::LastMonth,
    Fate::ApprovedWithOutcome,
];

/// Work the demo's accepted tasks (ids in creation order) into the states of [`FATES`].
pub(super) fn seed(
    conn: &mut DbConn,
    court_id: i64,
    store: &EvidenceStore,
    accepted: &[i64],
) -> Result<(), ApiError> {
    let admin = find_caller(conn, "admin", Role::Admin, Scope::All, None)?;
    let mut last_month = Vec::new();
    for (&task_id, &fate) in accepted.iter().zip(FATES.iter()) {
        let task = repo::tasks::find(conn, task_id)?.ok_or(ApiError::NotFound("task"))?;
        let (Some(worker_id), Some(target)) = (task.assignee_id, target_of(&task)) else {
            continue;
        };
        let worker = caller(worker_id, Role::Worker, Scope::Own, None, task.township_id);
        let officer = caller(task.created_by, Role::Officer, Scope::Court, Some(court_id), None);
        let at = if fate == Fate::SubmittedFarAway {
            LatLon {
                lat: target.lat + 0.004,
                lon: target.lon,
            }
        } else {
            target
        };
        if result_of(task.kind, 0, &task).is_none() {
            continue;
        }
        check_in(conn, &worker, task.id, at)?;
        let photo = upload_photo(conn, store, &worker, task.id)?;
        let Some(result) = result_of(task.kind, photo, &task) else {
            continue;
        };
        services::submissions::submit(
            conn,
            &worker,
            task.id,
            SubmitInput {
                client_id: format!("demo-submission-{}", task.id),
                result,
                note: None,
            },
            None,
        )?;
        match fate {
            Fate::Submitted | Fate::SubmittedFarAway => {}
            Fate::Returned => {
                let decision = Decision::Return {
                    reasons: vec![ReturnReason::InsufficientEvidence],
                    comment: Some("照片看不清门牌号，请补拍一张能看清门牌的照片".to_owned()),
                };
                services::submissions::review(conn, &officer, task.id, decision, None)?;
            }
            Fate::ApprovedWithOutcome | Fate::Appealed | Fate::LastMonth => {
                let decision = Decision::Approve {
                    rating: 5,
                    comment: Some("材料齐全，工作细致".to_owned()),
                };
                services::submissions::review(conn, &officer, task.id, decision, None)?;
            }
        }
        match fate {
            Fate::ApprovedWithOutcome => {
                let outcome = OutcomeInput {
                    assets_frozen_fen: 0,
                    assets_seized_fen: 0,
                    amount_recovered_fen: 1_200_000,
                    settlement_performed: false,
                    note: Some("被执行人已将 1.2 万元交至法院执行款专户".to_owned()),
                };
                services::submissions::record_outcome(conn, &officer, task.id, outcome)?;
            }
            Fate::Appealed => {
                let line = repo::scores::lines_of_task(conn, task.id, LineCode::Approval)?
                    .into_iter()
                    .find(|l| l.worker_id == worker_id)
                    .ok_or(ApiError::NotFound("score line"))?;
                let reason = "现场去了三次才找到人，评分没有体现工作量";
                services::appeals::appeal(conn, &worker, line.id, reason)?;
            }
            Fate::LastMonth => last_month.push(task.id),
            _ => {}
        }
    }
    close_last_month(conn, &admin, &last_month)
}

/// Date the score lines of `task_ids` into last month and close last month for every township.
fn close_last_month(conn: &mut DbConn, admin: &Caller, task_ids: &[i64]) -> Result<(), ApiError> {
    let today = time::today_local();
    let first_of_this_month = today.with_day(1).unwrap_or(today);
    let in_last_month: NaiveDateTime = (first_of_this_month - Duration::days(10))
        .and_hms_opt(2, 0, 0)
        .unwrap_or_default();
    let last = first_of_this_month - Duration::days(1);
    let period = Period::Month {
        year: last.year(),
        month: last.month(),
    };
    write_tx(conn, |conn| -> Result<(), ApiError> {
        use crate::db::schema::score_lines;
        use diesel::prelude::*;
        diesel::update(score_lines::table.filter(score_lines::task_id.eq_any(task_ids)))
            .set(score_lines::occurred_at.eq(in_last_month))
            .execute(conn)?;
        Ok(())
    })?;
    for township_id in repo::townships::all_ids(conn)? {
        services::scoring::close(conn, admin, period, township_id)?;
    }
    Ok(())
}

fn target_of(task: &Task) -> Option<LatLon> {
    Some(LatLon {
        lat: task.target_lat?,
        lon: task.target_lon?,
    })
}

fn caller(id: i64, role: Role, scope: Scope, court_id: Option<i64>, township_id: Option<i64>) -> Caller {
    Caller {
        id,
        role,
        scope,
        court_id,
        township_id,
        request_id: None,
        client_ip: None,
    }
}

fn find_caller(
    conn: &mut DbConn,
    username: &str,
    role: Role,
    scope: Scope,
    court_id: Option<i64>,
) -> Result<Caller, ApiError> {
    let user = repo::users::find_by_username(conn, username)?.ok_or(ApiError::NotFound("user"))?;
    Ok(caller(user.id, role, scope, court_id, None))
}

fn check_in(conn: &mut DbConn, worker: &Caller, task_id: i64, point: LatLon) -> Result<(), ApiError> {
    let client_id = format!("demo-check-in-{task_id}");
    let input = CheckInInput {
        digest: hex::encode(Sha256::digest(format!("{client_id}:{}:{}", point.lat, point.lon))),
        client_id,
        point,
        crs: Crs::Wgs84,
        accuracy_m: 12.0,
        captured_at: time::now() - Duration::minutes(30),
    };
    services::check_ins::record(conn, worker, CHECKIN_RADIUS_M, task_id, input)?;
    Ok(())
}

fn upload_photo(
    conn: &mut DbConn,
    store: &EvidenceStore,
    worker: &Caller,
    task_id: i64,
) -> Result<i64, ApiError> {
    let bytes = photo_png(task_id);
    let upload = Upload {
        kind: EvidenceKind::Photo,
        media_type: "image/png",
        sha256: sha256_hex(&bytes),
        bytes,
        captured_at: Some(time::now() - Duration::minutes(25)),
        client_id: Some(format!("demo-photo-{task_id}")),
    };
    let stored = services::evidence::upload(conn, store, worker, task_id, upload)?;
    Ok(match stored {
        services::evidence::Stored::Created(e) | services::evidence::Stored::Replayed(e) => e.id,
    })
}

/// A plausible result of the task's kind, with the photo as its evidence (none for the kinds the
/// demo does not file).
fn result_of(kind: TaskKind, photo: i64, task: &Task) -> Option<Value> {
    let at = (time::now() - Duration::minutes(20)).and_utc().to_rfc3339();
    let place = task
        .target_address
        .clone()
        .unwrap_or_else(|| "被执行人住所".to_owned());
    Some(match kind {
        TaskKind::ServeDocuments => json!({
            "kind": "serve_documents",
            "attempts": [{
                "at": at, "place": place, "outcome": "served_to_adult_family_member",
                "recipient": { "name": "王丽", "relation": "配偶" },
                "evidence_ids": [photo], "note": "家属当场签收送达回证"
            }],
            "served_attempt": 0
        }),
        TaskKind::UrgePerformance => json!({
            "kind": "urge_performance",
            "response": "paid_in_part",
            "amount_paid_now_fen": 1_200_000,
            "receipt_evidence_ids": [photo],
            "statement": "先付一部分，余款下月付清"
        }),
        TaskKind::LocatePerson => json!({
            "kind": "locate_person",
            "found": true,
            "whereabouts": { "address": format!("{place}（租住）") },
            "verified_by": "village_committee",
            "evidence_ids": [photo]
        }),
        TaskKind::LocateAssets => json!({
            "kind": "locate_assets",
            "searched": "走访村委会和邻居，查看其经营的店铺",
            "assets": [{
                "type": "vehicle", "description": "白色小型轿车一辆",
                "estimated_value_fen": 8_500_000,
                "location": { "address": place }, "evidence_ids": [photo]
            }]
        }),
        TaskKind::PublicizeDishonesty => json!({
            "kind": "publicize_dishonesty",
            "postings": [{ "place": "村务公开栏", "posted_at": at, "evidence_ids": [photo] }]
        }),
        TaskKind::FacilitateSettlement | TaskKind::ReportRefusal | TaskKind::TakeDownNotice => return None,
    })
}

/// A small PNG "photo" (a door plate in a wall), different for each task so no two uploads share
/// a digest: the demo's photos show something rather than a single pixel.
fn photo_png(seed: i64) -> Vec<u8> {
    const W: u32 = 160;
    const H: u32 = 120;
    let tint = (seed.unsigned_abs() % 5) as u8 * 12;
    let mut raw = Vec::with_capacity(((W * 3 + 1) * H) as usize);
    for y in 0..H {
        raw.push(0); // no filter
        for x in 0..W {
            let plate = (60..100).contains(&x) && (40..70).contains(&y);
            let brick = (y / 12 + if (y / 12) % 2 == 0 { x / 24 } else { (x + 12) / 24 }) % 2 == 0;
            let rgb = match (plate, brick) {
                (true, _) => [30, 70 + tint, 160],
                (false, true) => [170, 90 + tint / 2, 70],
                (false, false) => [150, 80, 60 + tint],
            };
            raw.extend_from_slice(&rgb);
        }
    }
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&W.to_be_bytes());
    ihdr.extend_from_slice(&H.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &zlib(&raw));
    chunk(&mut png, b"IEND", &[]);
    png
}

fn zlib(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

fn chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    png.extend_from_slice(&(data.len() as u32).to_be_bytes());
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    png.extend_from_slice(&crc.sum().to_be_bytes());
}
