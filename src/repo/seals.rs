//! Records the audit trail vouches for. A task's work is written to tables of its own — events,
//! check-ins, evidence, submissions, score lines — outside the audit table, so without more an
//! insider could move a GPS fix or swap an evidence digest there and leave the chain intact.
//! Each write's audit row therefore carries a *seal* per record it wrote: the table, the id and a
//! SHA-256 of the record's content (its columns that never change after the insert, in a fixed
//! order, as the database returns them). [`verify`] reads every seal back from the chain and
//! recomputes it, so a changed or removed record is found just like a changed audit row — and
//! the seal itself cannot be changed without breaking the chain.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::db::DbConn;
use crate::db::schema::{audit_events, check_ins, evidence, score_lines, submissions, task_events};

/// A table whose rows are sealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sealed {
    TaskEvents,
    CheckIns,
    Evidence,
    Submissions,
    ScoreLines,
}

impl Sealed {
    /// The table's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Sealed::TaskEvents => "task_events",
            Sealed::CheckIns => "check_ins",
            Sealed::Evidence => "evidence",
            Sealed::Submissions => "submissions",
            Sealed::ScoreLines => "score_lines",
        }
    }

    pub const ALL: [Sealed; 5] = [
        Sealed::TaskEvents,
        Sealed::CheckIns,
        Sealed::Evidence,
        Sealed::Submissions,
        Sealed::ScoreLines,
    ];
}

/// One record vouched for: kept in the audit row's `detail` under `seals`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seal {
    pub table: Sealed,
    pub id: i64,
    pub sha256: String,
}

fn stamp(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

fn digest(content: &Value) -> String {
    hex::encode(Sha256::digest(content.to_string().as_bytes()))
}

type EventRow = (
    i64,
    i64,
    NaiveDateTime,
    Option<i64>,
    String,
    String,
    Option<String>,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
);
type CheckInRow = (
    i64,
    i64,
    i64,
    String,
    f64,
    f64,
    String,
    f64,
    NaiveDateTime,
    NaiveDateTime,
    Option<f64>,
    String,
    String,
);
type EvidenceRow = (
    i64,
    i64,
    i64,
    String,
    String,
    i64,
    String,
    Option<NaiveDateTime>,
    NaiveDateTime,
    Option<String>,
);
/// A submission's review fields are written once, later, by the review (whose own event is
/// sealed); the seal covers what the worker submitted.
type SubmissionRow = (
    i64,
    i64,
    i64,
    String,
    String,
    String,
    Option<String>,
    String,
    NaiveDateTime,
);
type LineRow = (
    i64,
    i64,
    Option<i64>,
    NaiveDateTime,
    String,
    i64,
    Option<i64>,
    String,
    i64,
    String,
    NaiveDateTime,
);

/// The content digests of the given records of one table, by id; a missing id is absent.
fn digests(conn: &mut DbConn, table: Sealed, ids: &[i64]) -> QueryResult<HashMap<i64, String>> {
    let rows: Vec<(i64, Value)> = match table {
        Sealed::TaskEvents => task_events::table
            .filter(task_events::id.eq_any(ids))
            .select(task_events::all_columns)
            .load::<EventRow>(conn)?
            .into_iter()
            .map(|r| {
                let content = json!([
                    r.0,
                    r.1,
                    stamp(r.2),
                    r.3,
                    r.4,
                    r.5,
                    r.6,
                    r.7,
                    r.8,
                    r.9,
                    r.10,
                    r.11
                ]);
                (r.0, content)
            })
            .collect(),
        Sealed::CheckIns => check_ins::table
            .filter(check_ins::id.eq_any(ids))
            .select(check_ins::all_columns)
            .load::<CheckInRow>(conn)?
            .into_iter()
            .map(|r| {
                let content = json!([
                    r.0,
                    r.1,
                    r.2,
                    r.3,
                    r.4,
                    r.5,
                    r.6,
                    r.7,
                    stamp(r.8),
                    stamp(r.9),
                    r.10,
                    r.11,
                    r.12
                ]);
                (r.0, content)
            })
            .collect(),
        Sealed::Evidence => evidence::table
            .filter(evidence::id.eq_any(ids))
            .select(evidence::all_columns)
            .load::<EvidenceRow>(conn)?
            .into_iter()
            .map(|r| {
                let content = json!([r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7.map(stamp), stamp(r.8), r.9]);
                (r.0, content)
            })
            .collect(),
        Sealed::Submissions => submissions::table
            .filter(submissions::id.eq_any(ids))
            .select((
                submissions::id,
                submissions::task_id,
                submissions::worker_id,
                submissions::client_id,
                submissions::kind,
                submissions::result,
                submissions::note,
                submissions::request_digest,
                submissions::submitted_at,
            ))
            .load::<SubmissionRow>(conn)?
            .into_iter()
            .map(|r| {
                let content = json!([r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, stamp(r.8)]);
                (r.0, content)
            })
            .collect(),
        Sealed::ScoreLines => score_lines::table
            .filter(score_lines::id.eq_any(ids))
            .select(score_lines::all_columns)
            .load::<LineRow>(conn)?
            .into_iter()
            .map(|r| {
                let content = json!([
                    r.0,
                    r.1,
                    r.2,
                    stamp(r.3),
                    r.4,
                    r.5,
                    r.6,
                    r.7,
                    r.8,
                    r.9,
                    stamp(r.10)
                ]);
                (r.0, content)
            })
            .collect(),
    };
    Ok(rows.into_iter().map(|(id, c)| (id, digest(&c))).collect())
}

/// Seal records just written (read back from the database, so the digest is of what is stored).
pub fn seal(conn: &mut DbConn, table: Sealed, ids: &[i64]) -> QueryResult<Vec<Seal>> {
    let found = digests(conn, table, ids)?;
    Ok(ids
        .iter()
        .filter_map(|id| {
            found.get(id).map(|sha256| Seal {
                table,
                id: *id,
                sha256: sha256.clone(),
            })
        })
        .collect())
}

/// An audit row's `detail` sealing these records.
pub fn sealing(conn: &mut DbConn, records: &[(Sealed, i64)]) -> QueryResult<Value> {
    let mut seals = Vec::with_capacity(records.len());
    for &(table, id) in records {
        seals.extend(seal(conn, table, &[id])?);
    }
    Ok(json!({ "seals": seals }))
}

/// A sealed record that no longer matches its seal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenSeal {
    /// The audit row holding the seal.
    pub audit_id: i64,
    pub table: Sealed,
    pub record_id: i64,
    /// `record_altered` or `record_missing`.
    pub reason: &'static str,
}

/// What recomputing every seal found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SealReport {
    pub records_checked: u64,
    pub first_broken: Option<BrokenSeal>,
}

#[derive(Deserialize)]
struct Sealing {
    #[serde(default)]
    seals: Vec<Seal>,
}

/// Recompute every seal in the trail, a page of audit rows at a time, and report the first
/// record (in trail order) that was changed or removed since it was written.
pub fn verify(conn: &mut DbConn) -> QueryResult<SealReport> {
    const PAGE: i64 = 2_000;
    let mut report = SealReport::default();
    let mut after = 0_i64;
    loop {
        let rows: Vec<(i64, Option<String>)> = audit_events::table
            .filter(audit_events::id.gt(after))
            .filter(audit_events::detail.like("%\"seals\"%"))
            .order(audit_events::id)
            .limit(PAGE)
            .select((audit_events::id, audit_events::detail))
            .load(conn)?;
        let Some(&(last, _)) = rows.last() else { break };
        after = last;
        let sealed: Vec<(i64, Seal)> = rows
            .into_iter()
            .flat_map(|(audit_id, detail)| {
                let seals = detail
                    .and_then(|d| serde_json::from_str::<Sealing>(&d).ok())
                    .map(|s| s.seals)
                    .unwrap_or_default();
                seals.into_iter().map(move |s| (audit_id, s))
            })
            .collect();
        let mut current: HashMap<Sealed, HashMap<i64, String>> = HashMap::new();
        for table in Sealed::ALL {
            let ids: Vec<i64> = sealed
                .iter()
                .filter(|(_, s)| s.table == table)
                .map(|(_, s)| s.id)
                .collect();
            if !ids.is_empty() {
                current.insert(table, digests(conn, table, &ids)?);
            }
        }
        for (audit_id, seal) in sealed {
            report.records_checked += 1;
            let reason = match current.get(&seal.table).and_then(|d| d.get(&seal.id)) {
                None => "record_missing",
                Some(now) if *now != seal.sha256 => "record_altered",
                Some(_) => continue,
            };
            report.first_broken = Some(BrokenSeal {
                audit_id,
                table: seal.table,
                record_id: seal.id,
                reason,
            });
            return Ok(report);
        }
    }
    Ok(report)
}

/// Verify the seals after the chain, into the chain's report: a chain that holds but vouches for
/// a record that changed is not ok. (A broken chain is reported first; its seals are not read.)
pub fn verify_into(conn: &mut DbConn, report: &mut super::audit::Verification) -> QueryResult<()> {
    if !report.ok {
        return Ok(());
    }
    let seals = verify(conn)?;
    report.records_checked = seals.records_checked;
    if let Some(broken) = seals.first_broken {
        report.ok = false;
        report.first_broken = Some(super::audit::BrokenLink {
            id: broken.audit_id,
            reason: broken.reason.to_owned(),
            checkpoint: None,
            record: Some(super::audit::SealedRecord {
                table: broken.table.as_str().to_owned(),
                id: broken.record_id,
            }),
        });
    }
    Ok(())
}
