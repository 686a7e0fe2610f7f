//! Seeds the HTTP load test's county (`scripts/loadtest.sh`): one court, 10 townships, 2,000
//! grids (~50-vertex polygons tiling a 29 km × 22 km rectangle), 10 officers, 10 supervisors,
//! 2,000 grid workers (one per grid), 40,000 cases and 200,000 tasks in realistic states, on
//! SQLite (a file path) or PostgreSQL (a URL).
//!
//! ```sh
//! DATABASE_URL=data/load.sqlite3 cargo run --release --bin seed_load
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/load_bench_seed cargo run --release --bin seed_load
//! ```
//!
//! A binary of its own rather than a subcommand: it is a benchmark fixture, not something a
//! court runs, so it stays out of the product binary and its `--help`. Not an example either:
//! examples link the dev-dependencies, whose features differ from the server's, so a release
//! build of one recompiles the whole dependency graph a second time (about an hour on the shared
//! 2-core machine); this binary reuses the release build the server needs anyway. A database
//! that already holds the load court is left as it is (the manifest is printed again), so a
//! seeded database can be reused.
//!
//! What goes through the service code: the court and townships (`services::organisation`), the
//! grid map (`services::grid_import`, the same validation as `POST /grids/import`), accounts and
//! worker profiles (the repo calls the demo uses), the cases with their parties
//! (`services::cases::create`, with its audit rows), the scoring scheme (`services::scoring`)
//! and every task's target grid (`GridIndex::locate` on the imported map).
//!
//! What is bulk-inserted, and why: the 200,000 tasks with their history (task events, check-ins,
//! submissions, sync-feed entries, score lines). Through `services::tasks::create` each task is
//! a transaction of ~30 statements, and every task event looks up the task's sync-feed holders
//! with a full scan of `sync_feed` (no index on `task_id`; see docs/BENCHMARKS.md), so seeding
//! would grow quadratically — well over an hour. The service path also stamps every event with
//! the current time, while a realistic county has two years of history. The rows are kept valid:
//! every task's events follow the state machine (each step is checked with
//! `domain::task_state::transition`), the task's status, assignee, grid and township agree with
//! its last event and with the map, holders have their sync-feed entry (tasks taken away a
//! tombstone), every task past `accepted` has a check-in near its target, every submitted task a
//! submission, and every approval its score line made by `domain::scoring::approval`. Not
//! written: notification outbox rows (delivered and purged in a running deployment) and
//! `task.create` audit rows for the bulk tasks (the chain stays valid; it is shorter).
//!
//! Environment: `DATABASE_URL` (required), `LOAD_TASKS` (default 200000), `LOAD_CASES` (default
//! tasks / 5). Prints `KEY=value` lines (the manifest) that the load script reads.

use std::collections::HashMap;
use std::time::Instant;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use geo::Coord;
use gridassist::auth::password;
use gridassist::db::schema::{check_ins, score_lines, submissions, sync_feed, task_events, tasks};
use gridassist::db::{Backend, Db, DbConn, write_tx};
use gridassist::domain::identity::{CaseNumber, NationalId, PartyIdentifier, Phone};
use gridassist::domain::scoring;
use gridassist::domain::task_state::{TaskAction, TaskStatus, transition};
use gridassist::domain::{Availability, Capacity, Code, Name, Password, Role, TaskKind, time};
use gridassist::geo::{Crs, LatLon, haversine_m};
use gridassist::repo::{
    self,
    audit::Actor,
    users::NewUser,
    workers::{Certification, WorkerProfile},
};
use gridassist::services::{
    self, Caller,
    cases::{NewCaseInput, PartyInput, PartyRole},
    grid_map::GridMap,
};

pub const COURT_CODE: &str = "LOAD01";
pub const OFFICER_PASSWORD: &str = "load-officer-pass";
pub const SUPERVISOR_PASSWORD: &str = "load-supervisor-pass";
pub const WORKER_PASSWORD: &str = "load-worker-pass";

/// The lattice: 50 × 40 cells of 0.006° × 0.005° (~570 m × 556 m) from 32.00 N 119.80 E.
const COLS: usize = 50;
const ROWS: usize = 40;
const LAT0: f64 = 32.00;
const LON0: f64 = 119.80;
const DLAT: f64 = 0.005;
const DLON: f64 = 0.006;
/// Townships are blocks of 10 × 20 cells: 5 across, 2 down.
const T_COLS: usize = 10;
const T_ROWS: usize = 20;
const TOWNSHIPS: usize = (COLS / T_COLS) * (ROWS / T_ROWS);
const OFFICERS: usize = 10;
const SEGMENTS: usize = 12;
const NODE_JITTER: f64 = 0.15;
const SIDE_WOBBLE: f64 = 0.05;
/// Bound variables per INSERT statement, below SQLite's limit of 32,766.
const MAX_VARS: usize = 30_000;

const SECOND: i64 = 1;
const HOUR: i64 = 3_600 * SECOND;
const DAY: i64 = 24 * HOUR;

fn secs(s: i64) -> chrono::Duration {
    chrono::Duration::seconds(s)
}

/// SplitMix64: small and deterministic, so both backends get the same county.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo).max(1) as u64) as i64
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn percent(&mut self) -> u64 {
        self.next() % 100
    }
}

/// Deterministic noise in [-1, 1) for a key.
fn noise(key: u64) -> f64 {
    let mut m = Mix(key ^ 0x5EED_10AD);
    m.unit() * 2.0 - 1.0
}

// ---------------------------------------------------------------------------------------------
// Grid polygons: the jittered lattice of benches/locate.rs (shared sides, straight outer border,
// 48 vertices per grid), so every point of the rectangle lies in exactly one grid.
// ---------------------------------------------------------------------------------------------

fn node(i: usize, j: usize) -> Coord<f64> {
    let (mut x, mut y) = (i as f64, j as f64);
    if i > 0 && i < COLS && j > 0 && j < ROWS {
        let key = ((i * (ROWS + 1) + j) as u64) << 8;
        x += NODE_JITTER * noise(key);
        y += NODE_JITTER * noise(key | 1);
    }
    Coord { x, y }
}

fn side_vertex(i: usize, j: usize, horizontal: bool, k: usize) -> Coord<f64> {
    let a = node(i, j);
    let b = if horizontal {
        node(i + 1, j)
    } else {
        node(i, j + 1)
    };
    let t = k as f64 / SEGMENTS as f64;
    let mut c = Coord {
        x: a.x + (b.x - a.x) * t,
        y: a.y + (b.y - a.y) * t,
    };
    let on_border = if horizontal {
        j == 0 || j == ROWS
    } else {
        i == 0 || i == COLS
    };
    if !on_border {
        let key = ((((i * (ROWS + 1) + j) as u64) << 8) | (u64::from(horizontal) << 7) | k as u64)
            ^ 0xABCD_0000_0000_0000;
        let wobble = SIDE_WOBBLE * (std::f64::consts::PI * t).sin() * noise(key);
        if horizontal {
            c.y += wobble;
        } else {
            c.x += wobble;
        }
    }
    c
}

/// The counter-clockwise closed ring of cell (c, r) as GeoJSON positions `[lon, lat]`.
fn cell_ring(c: usize, r: usize) -> Vec<[f64; 2]> {
    let mut ring: Vec<Coord<f64>> = Vec::with_capacity(4 * SEGMENTS + 1);
    ring.push(node(c, r));
    ring.extend((1..SEGMENTS).map(|k| side_vertex(c, r, true, k)));
    ring.push(node(c + 1, r));
    ring.extend((1..SEGMENTS).map(|k| side_vertex(c + 1, r, false, k)));
    ring.push(node(c + 1, r + 1));
    ring.extend((1..SEGMENTS).rev().map(|k| side_vertex(c, r + 1, true, k)));
    ring.push(node(c, r + 1));
    ring.extend((1..SEGMENTS).rev().map(|k| side_vertex(c, r, false, k)));
    ring.push(ring[0]);
    ring.iter()
        .map(|p| [LON0 + p.x * DLON, LAT0 + p.y * DLAT])
        .collect()
}

fn township_code(t: usize) -> String {
    format!("3212991{t:02}")
}

fn township_of_cell(c: usize, r: usize) -> usize {
    (r / T_ROWS) * (COLS / T_COLS) + c / T_COLS
}

fn grid_code(c: usize, r: usize) -> String {
    let t = township_of_cell(c, r);
    let n = (r % T_ROWS) * T_COLS + c % T_COLS + 1;
    format!("{}-{n:03}", township_code(t))
}

fn county_geojson() -> serde_json::Value {
    let mut features = Vec::with_capacity(COLS * ROWS);
    for r in 0..ROWS {
        for c in 0..COLS {
            let t = township_of_cell(c, r);
            features.push(serde_json::json!({
                "type": "Feature",
                "properties": {
                    "code": grid_code(c, r),
                    "name": format!("负载{}镇{}网格", t + 1, grid_code(c, r)),
                    "township_code": township_code(t),
                },
                "geometry": {"type": "Polygon", "coordinates": [cell_ring(c, r)]},
            }));
        }
    }
    serde_json::json!({"type": "FeatureCollection", "features": features})
}

// ---------------------------------------------------------------------------------------------
// Bulk rows
// ---------------------------------------------------------------------------------------------

#[derive(Insertable)]
#[diesel(table_name = tasks, treat_none_as_null = true)]
struct TaskRow {
    id: i64,
    case_id: i64,
    court_id: i64,
    party_id: Option<i64>,
    kind: &'static str,
    status: &'static str,
    priority: &'static str,
    instructions: String,
    target_address: Option<String>,
    target_lat: Option<f64>,
    target_lon: Option<f64>,
    target_source: Option<&'static str>,
    grid_id: Option<i64>,
    township_id: Option<i64>,
    assignee_id: Option<i64>,
    queue: Option<&'static str>,
    queue_reason: Option<&'static str>,
    due_at: NaiveDateTime,
    overdue: bool,
    reminded_at: Option<NaiveDateTime>,
    escalated_at: Option<NaiveDateTime>,
    decline_count: i32,
    version: i64,
    created_by: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = task_events, treat_none_as_null = true)]
struct EventRow {
    id: i64,
    task_id: i64,
    occurred_at: NaiveDateTime,
    actor_id: Option<i64>,
    actor_role: &'static str,
    action: &'static str,
    from_status: Option<&'static str>,
    to_status: &'static str,
    assignee_id: Option<i64>,
    reason_code: Option<&'static str>,
    note: Option<String>,
    detail: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = check_ins, treat_none_as_null = true)]
struct CheckInRow {
    id: i64,
    task_id: i64,
    worker_id: i64,
    client_id: String,
    lat: f64,
    lon: f64,
    crs_given: &'static str,
    accuracy_m: f64,
    captured_at: NaiveDateTime,
    received_at: NaiveDateTime,
    distance_m: Option<f64>,
    flags: &'static str,
    request_digest: String,
}

#[derive(Insertable)]
#[diesel(table_name = submissions, treat_none_as_null = true)]
struct SubmissionRow {
    id: i64,
    task_id: i64,
    worker_id: i64,
    client_id: String,
    kind: &'static str,
    result: &'static str,
    note: Option<String>,
    request_digest: String,
    submitted_at: NaiveDateTime,
    decision: Option<&'static str>,
    reviewed_by: Option<i64>,
    reviewed_at: Option<NaiveDateTime>,
    rating: Option<i32>,
    return_reasons: Option<&'static str>,
    review_comment: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = sync_feed, treat_none_as_null = true)]
struct FeedRow {
    seq: i64,
    worker_id: i64,
    task_id: i64,
    change: &'static str,
    reason: Option<&'static str>,
    recorded_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = score_lines, treat_none_as_null = true)]
struct LineRow {
    id: i64,
    worker_id: i64,
    township_id: Option<i64>,
    occurred_at: NaiveDateTime,
    code: &'static str,
    points: i64,
    task_id: Option<i64>,
    source: String,
    scheme_version: i64,
    detail: String,
    created_at: NaiveDateTime,
}

/// Multi-row INSERTs in chunks below `MAX_VARS` bound variables, on the connection's backend.
macro_rules! insert_chunked {
    ($conn:expr, $table:expr, $rows:expr, $columns:expr) => {{
        let per_statement = (MAX_VARS / $columns).max(1);
        for chunk in $rows.chunks(per_statement) {
            match &mut *$conn {
                DbConn::Sqlite(c) => diesel::insert_into($table).values(chunk).execute(c),
                DbConn::Postgres(c) => diesel::insert_into($table).values(chunk).execute(c),
            }?;
        }
    }};
}

// ---------------------------------------------------------------------------------------------
// People and cases
// ---------------------------------------------------------------------------------------------

struct Worker {
    id: i64,
    township_id: i64,
    kinds: Vec<TaskKind>,
    capacity: i32,
    on_leave: bool,
}

/// A valid national ID number (GB 11643 checksum) for synthetic person `n`.
fn synthetic_id(n: usize) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let prefix = format!(
        "321299{}{:02}{:02}{:03}",
        1960 + n % 40,
        1 + n % 12,
        1 + n % 28,
        100 + n % 900
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

fn case_input(i: usize, officer_id: i64, home: LatLon, today: NaiveDate) -> anyhow::Result<NewCaseInput> {
    let year = 2024 + (i % 3) as i32;
    let e = |f: &str| {
        let f = f.to_owned();
        move |err: gridassist::domain::ValidationError| anyhow::anyhow!("{f}: {err}")
    };
    Ok(NewCaseInput {
        case_number: CaseNumber::parse(&format!("({year})苏1299执{}号", 1 + i / 3), today)
            .map_err(e("case_number"))?,
        officer_id: Some(officer_id),
        amount_owed_fen: 1_000_000 + (i as i64 % 997) * 123_400,
        filed_on: today - chrono::Duration::days(10 + (i % 700) as i64),
        parties: vec![
            PartyInput {
                role: PartyRole::Applicant,
                name: Name::parse(&format!("泰兴市{}建材有限公司", ["兴达", "华通", "恒盛"][i % 3]))
                    .map_err(e("name"))?,
                identifier: None,
                phones: vec![],
                addresses: vec![],
            },
            PartyInput {
                role: PartyRole::Debtor,
                name: Name::parse(&format!("{}{}", SURNAMES[i % 12], GIVEN[(i / 12) % 8]))
                    .map_err(e("name"))?,
                identifier: Some(PartyIdentifier::Person(
                    NationalId::parse(&synthetic_id(i), today).map_err(e("id_number"))?,
                )),
                phones: vec![
                    Phone::parse(&format!("139{:08}", (i * 7919) % 100_000_000)).map_err(e("phones"))?,
                ],
                addresses: vec![(format!("负载县第{}组{}号", 1 + i % 50, 1 + i % 40), Some(home))],
            },
        ],
    })
}

/// One task's history as it is written: each step checked against the state machine.
struct Chain<'a> {
    task_id: i64,
    events: &'a mut Vec<EventRow>,
    next_id: &'a mut i64,
    current: TaskStatus,
    version: i64,
    last_at: NaiveDateTime,
}

impl Chain<'_> {
    fn push(&mut self, row: EventRow) -> i64 {
        let id = row.id;
        self.events.push(row);
        *self.next_id += 1;
        id
    }

    /// The create event (it has no `from` status).
    fn create(&mut self, at: NaiveDateTime, officer_id: i64) {
        let row = EventRow {
            id: *self.next_id,
            task_id: self.task_id,
            occurred_at: at,
            actor_id: Some(officer_id),
            actor_role: "officer",
            action: "create",
            from_status: None,
            to_status: TaskStatus::Created.as_str(),
            assignee_id: None,
            reason_code: None,
            note: None,
            detail: None,
        };
        self.push(row);
        self.last_at = at;
    }

    /// A further step; refused (an error) if the state machine does not allow it.
    fn ev(
        &mut self,
        at: NaiveDateTime,
        actor: Option<(i64, &'static str)>,
        action: TaskAction,
        assignee: Option<i64>,
        reason: Option<&'static str>,
        detail: Option<String>,
    ) -> anyhow::Result<i64> {
        let to =
            transition(self.current, action).map_err(|e| anyhow::anyhow!("task {}: {e}", self.task_id))?;
        let at = at.max(self.last_at + secs(1));
        let row = EventRow {
            id: *self.next_id,
            task_id: self.task_id,
            occurred_at: at,
            actor_id: actor.map(|a| a.0),
            actor_role: actor.map_or("system", |a| a.1),
            action: action.as_str(),
            from_status: Some(self.current.as_str()),
            to_status: to.as_str(),
            assignee_id: assignee,
            reason_code: reason,
            note: None,
            detail,
        };
        let id = self.push(row);
        self.current = to;
        self.version += 1;
        self.last_at = at;
        Ok(id)
    }
}

/// A request digest for a seeded row (64 hex digits, like the service's SHA-256).
fn digest(rng: &mut Mix) -> String {
    format!(
        "{:016x}{:016x}{:016x}{:016x}",
        rng.next(),
        rng.next(),
        rng.next(),
        rng.next()
    )
}

fn main() -> anyhow::Result<()> {
    let url = std::env::var("DATABASE_URL").map_err(|_| anyhow::anyhow!("set DATABASE_URL"))?;
    let n_tasks: usize = std::env::var("LOAD_TASKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let n_cases: usize = std::env::var("LOAD_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(n_tasks / 5)
        .max(1);
    let db = Db::connect(&url)?;
    db.migrate()?;
    seed(&db, n_tasks, n_cases)?;
    print_manifest(&mut *db.get()?)
}

/// Seed the county unless it is there. Returns true when it was created now.
fn seed(db: &Db, n_tasks: usize, n_cases: usize) -> anyhow::Result<bool> {
    let mut conn = db.get()?;
    if repo::courts::find_by_code(&mut conn, COURT_CODE)?.is_some() {
        eprintln!("seed_load: the load county is already there; reusing it");
        return Ok(false);
    }
    if repo::users::count(&mut conn)? > 0 {
        anyhow::bail!("this database holds accounts but no load county; seed an empty database");
    }
    // Seeding only: a lost seed is re-run, so skip the per-commit flush the service keeps.
    match db.backend() {
        Backend::Sqlite => conn.batch_execute("PRAGMA synchronous = OFF")?,
        Backend::Postgres => conn.batch_execute("SET synchronous_commit = off")?,
    }
    let started = Instant::now();
    let actor = Actor {
        user_id: None,
        role: Some("cli".into()),
        request_id: None,
        client_ip: None,
    };
    let api = |e: gridassist::error::ApiError| anyhow::anyhow!("{e}: {:?}", e.problem().field);

    // Organisation and map.
    let court = services::organisation::create_court(
        &mut conn,
        &actor,
        Code::parse(COURT_CODE)?,
        Name::parse("负载测试县人民法院")?,
    )
    .map_err(api)?;
    let mut township_ids = Vec::new();
    for t in 0..TOWNSHIPS {
        let tw = services::organisation::create_township(
            &mut conn,
            &actor,
            Code::parse(&township_code(t))?,
            Name::parse(&format!("负载{}镇", t + 1))?,
            court.id,
        )
        .map_err(api)?;
        township_ids.push(tw.id);
    }
    let report =
        services::grid_import::import(&mut conn, &actor, &county_geojson(), Crs::Wgs84).map_err(api)?;
    if report.rejected > 0 {
        anyhow::bail!(
            "grids rejected: {:?}",
            report.features.iter().find(|f| f.reason.is_some())
        );
    }
    let grid_ids: HashMap<String, i64> = report
        .features
        .iter()
        .filter_map(|f| Some((f.code.clone()?, f.grid_id?)))
        .collect();
    eprintln!(
        "seed_load: {} grids imported ({:.1?})",
        grid_ids.len(),
        started.elapsed()
    );

    // People: one hash per role (hashing is slow on purpose; every account of a role shares the
    // published load-test password anyway).
    let hash = |p: &str| password::hash(&Password::parse(p).map_err(|e| anyhow::anyhow!("{e}"))?);
    let hashes = [
        hash(OFFICER_PASSWORD)?,
        hash(SUPERVISOR_PASSWORD)?,
        hash(WORKER_PASSWORD)?,
    ];
    let now = time::now();
    let today = time::today_local();
    let mut rng = Mix(0x10AD_5EED);
    let (officer_ids, workers_by_grid) = write_tx(&mut conn, |conn| -> anyhow::Result<_> {
        let add = |conn: &mut DbConn,
                   username: String,
                   display: String,
                   role: Role,
                   court: Option<i64>,
                   township: Option<i64>| {
            let hash = &hashes[match role {
                Role::Officer | Role::Admin => 0,
                Role::Supervisor => 1,
                Role::Worker => 2,
            }];
            repo::users::insert(
                conn,
                &NewUser {
                    username: &username,
                    display_name: &display,
                    password_hash: hash,
                    role: role.as_str(),
                    court_id: court,
                    township_id: township,
                    active: true,
                    created_at: now,
                    updated_at: now,
                },
            )
        };
        let mut officers = Vec::new();
        for k in 1..=OFFICERS {
            officers.push(
                add(
                    conn,
                    format!("load-officer-{k:02}"),
                    format!("执行干警{k:02}"),
                    Role::Officer,
                    Some(court.id),
                    None,
                )?
                .id,
            );
        }
        for (t, &tid) in township_ids.iter().enumerate() {
            add(
                conn,
                format!("load-supervisor-{:02}", t + 1),
                format!("负载{}镇负责人", t + 1),
                Role::Supervisor,
                None,
                Some(tid),
            )?;
        }
        let since = NaiveDate::from_ymd_opt(2024, 1, 8).unwrap_or_default();
        let mut by_grid: HashMap<i64, Worker> = HashMap::new();
        let mut n = 0usize;
        for r in 0..ROWS {
            for c in 0..COLS {
                n += 1;
                let t = township_of_cell(c, r);
                let grid_id = grid_ids[&grid_code(c, r)];
                let user = add(
                    conn,
                    format!("load-worker-{n:04}"),
                    format!("网格员{n:04}"),
                    Role::Worker,
                    None,
                    Some(township_ids[t]),
                )?;
                // 2 % are on leave this week, so automatic assignment has to look next door.
                let on_leave = rng.percent() < 2;
                repo::workers::save_profile(
                    conn,
                    &WorkerProfile {
                        user_id: user.id,
                        capacity: Capacity::DEFAULT.get(),
                        availability: if on_leave {
                            Availability::OnLeave
                        } else {
                            Availability::Active
                        },
                        on_leave_until: on_leave.then(|| today + chrono::Duration::days(7)),
                        updated_at: now,
                    },
                )?;
                repo::workers::set_grids(conn, user.id, Some(grid_id), &[])?;
                // Everyone serves documents, urges performance and posts notices; every third
                // worker also traces people and assets.
                let mut kinds = vec![
                    TaskKind::ServeDocuments,
                    TaskKind::UrgePerformance,
                    TaskKind::PublicizeDishonesty,
                ];
                if n.is_multiple_of(3) {
                    kinds.extend([TaskKind::LocatePerson, TaskKind::LocateAssets]);
                }
                let certs: Vec<Certification> = kinds
                    .iter()
                    .map(|k| Certification {
                        worker_id: user.id,
                        task_kind: *k,
                        certified_on: since,
                        expires_on: None,
                    })
                    .collect();
                repo::workers::set_certifications(conn, user.id, &certs)?;
                by_grid.insert(
                    grid_id,
                    Worker {
                        id: user.id,
                        township_id: township_ids[t],
                        kinds,
                        capacity: Capacity::DEFAULT.get(),
                        on_leave,
                    },
                );
            }
        }
        Ok((officers, by_grid))
    })?;
    eprintln!(
        "seed_load: {} workers ({:.1?})",
        workers_by_grid.len(),
        started.elapsed()
    );

    // Cases, through the service (parties, audit rows); each debtor lives at a random point.
    let map = GridMap::load(&mut conn)?;
    let random_point = |rng: &mut Mix| LatLon {
        lat: LAT0 + rng.unit() * ROWS as f64 * DLAT,
        lon: LON0 + rng.unit() * COLS as f64 * DLON,
    };
    let mut cases: Vec<(i64, i64, Option<i64>, LatLon)> = Vec::with_capacity(n_cases);
    for i in 0..n_cases {
        let officer_id = officer_ids[i % OFFICERS];
        let officer = Caller {
            id: officer_id,
            role: Role::Officer,
            scope: gridassist::domain::access::Scope::Court,
            court_id: Some(court.id),
            township_id: None,
            request_id: None,
            client_ip: None,
        };
        let home = random_point(&mut rng);
        let (case, parties) =
            services::cases::create(&mut conn, &officer, case_input(i, officer_id, home, today)?)
                .map_err(api)?;
        let debtor = parties
            .iter()
            .find(|p| p.role == gridassist::domain::case::PartyRole::Debtor)
            .map(|p| p.id);
        cases.push((case.id, officer_id, debtor, home));
        if (i + 1) % 10_000 == 0 {
            eprintln!("seed_load: {} cases ({:.1?})", i + 1, started.elapsed());
        }
    }
    let (scheme_version, scheme) =
        write_tx(&mut conn, |conn| services::scoring::scheme_at(conn, time::now())).map_err(api)?;

    // Tasks and their history.
    let next_id = |conn: &mut DbConn, table: &str, column: &str| -> anyhow::Result<i64> {
        #[derive(QueryableByName)]
        struct Max {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            m: i64,
        }
        let row: Max = diesel::sql_query(format!("SELECT COALESCE(MAX({column}), 0) AS m FROM {table}"))
            .get_result(conn)?;
        Ok(row.m + 1)
    };
    let first_task_id = next_id(&mut conn, "tasks", "id")?;
    let mut event_id = next_id(&mut conn, "task_events", "id")?;
    let mut check_in_id = next_id(&mut conn, "check_ins", "id")?;
    let mut submission_id = next_id(&mut conn, "submissions", "id")?;
    let mut line_id = next_id(&mut conn, "score_lines", "id")?;
    let first_seq = next_id(&mut conn, "sync_feed", "seq")?;

    let mut task_rows = Vec::with_capacity(n_tasks);
    let mut events = Vec::with_capacity(n_tasks * 6);
    let mut checks = Vec::with_capacity(n_tasks);
    let mut subs = Vec::with_capacity(n_tasks);
    let mut feed: Vec<(NaiveDateTime, i64, i64, &'static str, Option<&'static str>)> =
        Vec::with_capacity(n_tasks);
    let mut lines = Vec::with_capacity(n_tasks);
    let mut held: HashMap<i64, i32> = HashMap::new();
    let mut status_counts: HashMap<&'static str, usize> = HashMap::new();
    let history = 730 * DAY;
    for k in 0..n_tasks {
        let (case_id, officer_id, party_id, home) = cases[k % n_cases];
        // Targets near the debtor's home (same or next grid).
        let target = LatLon {
            lat: (home.lat + (rng.unit() - 0.5) * 0.002).clamp(LAT0 + 1e-6, LAT0 + ROWS as f64 * DLAT - 1e-6),
            lon: (home.lon + (rng.unit() - 0.5) * 0.002).clamp(LON0 + 1e-6, LON0 + COLS as f64 * DLON - 1e-6),
        };
        let shape = map
            .index
            .locate(target)
            .ok_or_else(|| anyhow::anyhow!("seed point {target:?} is in no grid"))?;
        let worker = &workers_by_grid[&shape.grid_id];
        let kind = worker.kinds[(rng.next() % worker.kinds.len() as u64) as usize];
        // The fate of the task: most are long done; a few are open now (about three per worker,
        // well below the capacity of 10 so new tasks still find room).
        let roll = rng.next() % 1000;
        let open = roll < 40;
        let mut status = match roll {
            0..5 => TaskStatus::Queued,
            5..12 => TaskStatus::Assigned,
            12..20 => TaskStatus::Accepted,
            20..30 => TaskStatus::InProgress,
            30..37 => TaskStatus::Submitted,
            37..40 => TaskStatus::Returned,
            40..90 => TaskStatus::Cancelled,
            _ => TaskStatus::Approved,
        };
        if status.has_assignee()
            && (held.get(&worker.id).copied().unwrap_or(0) + 2 >= worker.capacity || worker.on_leave)
        {
            status = TaskStatus::Approved;
        }
        let open = open && status != TaskStatus::Approved;
        let t0 = if open {
            now - secs(rng.range(3 * DAY, 7 * DAY))
        } else {
            now - secs(rng.range(30 * DAY, history))
        };
        let due = if open {
            // Due between 3 and 15 days from now: the deadlines job has nothing to do mid-run.
            now + secs(rng.range(3 * DAY, 15 * DAY))
        } else {
            t0 + secs(rng.range(5 * DAY, 15 * DAY))
        };
        let id = first_task_id + k as i64;
        // Open tasks are recent, so their history is compressed to fit before now.
        let scale = if open { 4 } else { 1 };
        let step = |rng: &mut Mix, lo: i64, hi: i64| secs(rng.range(lo, hi) / scale);
        let mut chain = Chain {
            task_id: id,
            events: &mut events,
            next_id: &mut event_id,
            current: TaskStatus::Created,
            version: 1,
            last_at: t0,
        };
        chain.create(t0, officer_id);
        let officer = Some((officer_id, "officer"));
        let me = Some((worker.id, "worker"));
        let mut assignee = None;
        let mut feed_change: Option<(&'static str, Option<&'static str>)> = None;
        let mut queue = None;
        if status == TaskStatus::Queued {
            chain.ev(
                t0 + secs(1),
                None,
                TaskAction::Queue,
                None,
                Some("nobody_eligible"),
                None,
            )?;
            queue = Some(("township", "nobody_eligible"));
        } else {
            let explanation = serde_json::json!({
                "target_grid_id": shape.grid_id,
                "attempts": [],
                "excluded_worker_ids": [],
                "summary": format!("assigned within grid {}, which holds the target", shape.code),
            });
            chain.ev(
                t0 + secs(1),
                None,
                TaskAction::Assign,
                Some(worker.id),
                Some("automatic"),
                Some(explanation.to_string()),
            )?;
            assignee = Some(worker.id);
            feed_change = Some(("upsert", None));
            let mut at = t0 + step(&mut rng, 10 * 60, 36 * HOUR);
            if status == TaskStatus::Cancelled {
                if rng.percent() < 50 {
                    chain.ev(at, me, TaskAction::Accept, Some(worker.id), None, None)?;
                    at += step(&mut rng, HOUR, 3 * DAY);
                }
                chain.ev(at, officer, TaskAction::Cancel, Some(worker.id), None, None)?;
                feed_change = Some(("tombstone", Some("cancelled")));
            } else if status != TaskStatus::Assigned {
                chain.ev(at, me, TaskAction::Accept, Some(worker.id), None, None)?;
                if status != TaskStatus::Accepted {
                    at += step(&mut rng, HOUR, 48 * HOUR);
                    let (lat, lon) = (
                        target.lat + (rng.unit() - 0.5) * 0.0006,
                        target.lon + (rng.unit() - 0.5) * 0.0006,
                    );
                    let distance = (haversine_m(LatLon { lat, lon }, target) * 10.0).round() / 10.0;
                    let cid = check_in_id;
                    check_in_id += 1;
                    checks.push(CheckInRow {
                        id: cid,
                        task_id: id,
                        worker_id: worker.id,
                        client_id: format!("seed-{id}"),
                        lat,
                        lon,
                        crs_given: "wgs84",
                        accuracy_m: 5.0 + rng.unit() * 25.0,
                        captured_at: at - secs(rng.range(1, 60)),
                        received_at: at,
                        distance_m: Some(distance),
                        flags: "[]",
                        request_digest: digest(&mut rng),
                    });
                    let detail = serde_json::json!({"check_in_id": cid, "distance_m": distance, "flags": []});
                    chain.ev(
                        at,
                        me,
                        TaskAction::CheckIn,
                        Some(worker.id),
                        None,
                        Some(detail.to_string()),
                    )?;
                }
                if matches!(
                    status,
                    TaskStatus::Submitted | TaskStatus::Returned | TaskStatus::Approved
                ) {
                    // 15 % of finished tasks were handed in late; open ones are all still in time.
                    let late = !open && rng.percent() < 15;
                    at = if late {
                        due + secs(rng.range(HOUR, 72 * HOUR))
                    } else if open {
                        at + step(&mut rng, HOUR, 48 * HOUR)
                    } else {
                        (at + step(&mut rng, HOUR, 48 * HOUR)).min(due - secs(HOUR))
                    };
                    at = at.max(chain.last_at + secs(1));
                    let sid = submission_id;
                    submission_id += 1;
                    let detail = serde_json::json!({"submission_id": sid}).to_string();
                    chain.ev(at, me, TaskAction::Submit, Some(worker.id), None, Some(detail))?;
                    let submitted_at = at;
                    let (decision, rating, reasons) = match status {
                        TaskStatus::Submitted => (None, None, None),
                        TaskStatus::Returned => (
                            Some(TaskAction::Return),
                            None,
                            Some("[\"insufficient_evidence\"]"),
                        ),
                        _ => {
                            let r = match rng.percent() {
                                0..5 => 2,
                                5..25 => 3,
                                25..65 => 4,
                                _ => 5,
                            };
                            (Some(TaskAction::Approve), Some(r), None)
                        }
                    };
                    let reviewed_at = decision.map(|_| submitted_at + step(&mut rng, HOUR, 48 * HOUR));
                    subs.push(SubmissionRow {
                        id: sid,
                        task_id: id,
                        worker_id: worker.id,
                        client_id: format!("seed-sub-{id}"),
                        kind: kind.as_str(),
                        result: "{\"note\":\"seeded for the load test\"}",
                        note: None,
                        request_digest: digest(&mut rng),
                        submitted_at,
                        decision: decision.map(|d| {
                            if d == TaskAction::Approve {
                                "approved"
                            } else {
                                "returned"
                            }
                        }),
                        reviewed_by: decision.map(|_| officer_id),
                        reviewed_at,
                        rating,
                        return_reasons: reasons,
                        review_comment: None,
                    });
                    if let (Some(action), Some(rev_at)) = (decision, reviewed_at) {
                        let detail = serde_json::json!({"submission_id": sid, "rating": rating.unwrap_or(0)})
                            .to_string();
                        let eid = chain.ev(rev_at, officer, action, Some(worker.id), None, Some(detail))?;
                        // The score line the review earns, made by the scoring rules themselves.
                        let line = match action {
                            TaskAction::Approve => {
                                scoring::approval(&scheme, kind, rating.unwrap_or(0) as u8, due, submitted_at)
                                    .map_err(|e| anyhow::anyhow!("{e}"))?
                            }
                            _ => scoring::rework_penalty(&scheme),
                        };
                        lines.push(LineRow {
                            id: line_id,
                            worker_id: worker.id,
                            township_id: Some(worker.township_id),
                            occurred_at: rev_at,
                            code: line.code.as_str(),
                            points: line.points,
                            task_id: Some(id),
                            source: format!("task_event:{eid}"),
                            scheme_version,
                            detail: line.detail.to_string(),
                            created_at: rev_at,
                        });
                        line_id += 1;
                    }
                }
            }
        }
        let (current, version, last_at) = (chain.current, chain.version, chain.last_at);
        if current != status || last_at >= now {
            anyhow::bail!("task {id}: history ends {current} at {last_at}, wanted {status} before {now}");
        }
        if status.has_assignee() {
            *held.entry(worker.id).or_default() += 1;
        }
        if let Some((change, reason)) = feed_change {
            feed.push((last_at, worker.id, id, change, reason));
        }
        *status_counts.entry(status.as_str()).or_default() += 1;
        task_rows.push(TaskRow {
            id,
            case_id,
            court_id: court.id,
            party_id,
            kind: kind.as_str(),
            status: status.as_str(),
            priority: if rng.percent() < 10 { "urgent" } else { "normal" },
            instructions: format!("负载测试任务 {id}"),
            target_address: None,
            target_lat: Some(target.lat),
            target_lon: Some(target.lon),
            target_source: Some("given:wgs84"),
            grid_id: Some(shape.grid_id),
            township_id: Some(shape.township_id),
            assignee_id: assignee,
            queue: queue.map(|q| q.0),
            queue_reason: queue.map(|q| q.1),
            due_at: due,
            overdue: false,
            reminded_at: None,
            escalated_at: None,
            decline_count: 0,
            version,
            created_by: officer_id,
            created_at: t0,
            updated_at: last_at,
        });
    }
    // Feed entries in the order the changes happened, as the service appends them.
    feed.sort_by_key(|f| (f.0, f.2));
    let feed_rows: Vec<FeedRow> = feed
        .into_iter()
        .enumerate()
        .map(|(n, (at, worker_id, task_id, change, reason))| FeedRow {
            seq: first_seq + n as i64,
            worker_id,
            task_id,
            change,
            reason,
            recorded_at: at,
        })
        .collect();
    eprintln!(
        "seed_load: generated {} tasks, {} events, {} check-ins, {} submissions, {} feed entries, {} score lines ({:.1?})",
        task_rows.len(),
        events.len(),
        checks.len(),
        subs.len(),
        feed_rows.len(),
        lines.len(),
        started.elapsed()
    );
    write_tx(&mut conn, |conn| -> anyhow::Result<()> {
        insert_chunked!(conn, tasks::table, task_rows, 26);
        insert_chunked!(conn, task_events::table, events, 12);
        insert_chunked!(conn, check_ins::table, checks, 13);
        insert_chunked!(conn, submissions::table, subs, 15);
        insert_chunked!(conn, sync_feed::table, feed_rows, 6);
        insert_chunked!(conn, score_lines::table, lines, 11);
        Ok(())
    })?;
    // Explicit ids do not move PostgreSQL's sequences; the service's inserts must continue past
    // them. (SQLite's AUTOINCREMENT follows the largest id by itself.)
    if db.backend() == Backend::Postgres {
        for (table, column) in [
            ("tasks", "id"),
            ("task_events", "id"),
            ("check_ins", "id"),
            ("submissions", "id"),
            ("sync_feed", "seq"),
            ("score_lines", "id"),
        ] {
            conn.batch_execute(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), (SELECT MAX({column}) FROM {table}))"
            ))?;
        }
        conn.batch_execute("ANALYZE")?;
    } else {
        conn.batch_execute("ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);")?;
    }
    let mut counts: Vec<_> = status_counts.into_iter().collect();
    counts.sort();
    eprintln!(
        "seed_load: done in {:.1?}; tasks by status: {counts:?}",
        started.elapsed()
    );
    Ok(true)
}

/// What the load script needs to know, as `KEY=value` lines on standard output.
fn print_manifest(conn: &mut DbConn) -> anyhow::Result<()> {
    use gridassist::db::schema::{cases, users};
    let court =
        repo::courts::find_by_code(conn, COURT_CODE)?.ok_or_else(|| anyhow::anyhow!("no load court"))?;
    let (min_case, max_case): (Option<i64>, Option<i64>) = cases::table
        .filter(cases::court_id.eq(court.id))
        .select((diesel::dsl::min(cases::id), diesel::dsl::max(cases::id)))
        .first(conn)?;
    let workers: i64 = users::table
        .filter(users::role.eq(gridassist::domain::Role::Worker))
        .filter(users::username.like("load-worker-%"))
        .count()
        .get_result(conn)?;
    let task_count: i64 = tasks::table.count().get_result(conn)?;
    println!("LOAD_COURT_ID={}", court.id);
    println!("LOAD_CASE_MIN={}", min_case.unwrap_or(0));
    println!("LOAD_CASE_MAX={}", max_case.unwrap_or(0));
    println!("LOAD_WORKERS={workers}");
    println!("LOAD_OFFICERS={OFFICERS}");
    println!("LOAD_TASKS_NOW={task_count}");
    println!("LOAD_LAT_MIN={LAT0}");
    println!("LOAD_LAT_MAX={}", LAT0 + ROWS as f64 * DLAT);
    println!("LOAD_LON_MIN={LON0}");
    println!("LOAD_LON_MAX={}", LON0 + COLS as f64 * DLON);
    println!("LOAD_OFFICER_PASSWORD={OFFICER_PASSWORD}");
    println!("LOAD_WORKER_PASSWORD={WORKER_PASSWORD}");
    Ok(())
}

/// `cargo test --bin seed_load`: seeds a small county (the full map and staff, 3,000 tasks)
/// and checks with the service code that what was bulk-inserted is a county the service could
/// have produced. On SQLite, and on PostgreSQL too when `TEST_DATABASE_URL` is set.
#[cfg(test)]
mod tests {
    use super::*;
    use diesel::Connection;
    use gridassist::domain::period::Period;
    use gridassist::services::check_ins::{CheckInInput, Recorded};
    use gridassist::services::tasks::{NewTaskInput, Rules};

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }

    fn count(conn: &mut DbConn, sql: &str) -> i64 {
        diesel::sql_query(sql).get_result::<Count>(conn).unwrap().n
    }

    fn check(db: &Db) {
        db.migrate().unwrap();
        assert!(seed(db, 3_000, 600).unwrap());
        assert!(!seed(db, 3_000, 600).unwrap(), "a seeded database is reused");
        let mut conn = db.get().unwrap();
        let conn = &mut *conn;
        assert_eq!(count(conn, "SELECT COUNT(*) AS n FROM grids"), 2_000);
        assert_eq!(count(conn, "SELECT COUNT(*) AS n FROM worker_grids"), 2_000);
        assert_eq!(count(conn, "SELECT COUNT(*) AS n FROM tasks"), 3_000);
        // Every task stands where its last event left it, and only holders have an upsert.
        assert_eq!(
            count(
                conn,
                "SELECT COUNT(*) AS n FROM tasks t WHERE t.status <> (SELECT e.to_status FROM task_events e \
                 WHERE e.task_id = t.id ORDER BY e.id DESC LIMIT 1)"
            ),
            0
        );
        assert_eq!(
            count(
                conn,
                "SELECT COUNT(*) AS n FROM tasks t WHERE t.status IN ('assigned', 'accepted', 'in_progress', \
                 'submitted', 'returned', 'approved') AND NOT EXISTS (SELECT 1 FROM sync_feed f WHERE f.task_id = t.id \
                 AND f.worker_id = t.assignee_id AND f.change = 'upsert')"
            ),
            0
        );
        assert_eq!(
            count(
                conn,
                "SELECT COUNT(*) AS n FROM tasks t WHERE t.status IN ('in_progress', 'submitted', 'returned', 'approved') \
                 AND NOT EXISTS (SELECT 1 FROM check_ins c WHERE c.task_id = t.id)"
            ),
            0
        );
        // The audit chain (cases were filed through the service) verifies.
        // Seeded through an unkeyed handle: the public formula throughout, which a server's
        // keyed rows may follow. (The key only checks keyed rows; there are none.)
        let unused_key = gridassist::domain::audit_chain::AuditKey::from_secret(&[0; 32]);
        let audit = repo::audit::verify(conn, &unused_key, &[]).unwrap();
        assert_eq!(audit.keyed_rows, 0);
        assert!(audit.ok && audit.rows_checked >= 600, "{audit:?}");
        // Every review's score line is what the scoring rules derive again.
        let mut month = time::today_local() - chrono::Duration::days(760);
        let mut lines_checked = 0;
        while month <= time::today_local() {
            let recomputed = services::scoring::recompute(conn, Period::month_of(month)).unwrap();
            assert!(recomputed.identical, "{recomputed:?}");
            lines_checked += recomputed.lines_checked;
            month += chrono::Duration::days(28);
        }
        assert!(lines_checked > 2_000, "{lines_checked} lines checked");

        // The service carries on from the seeded state: a worker's sync shows their accepted
        // task, a check-in on it starts the work, and a new task is assigned automatically.
        let (task_id, worker_id): (i64, i64) = tasks::table
            .filter(tasks::status.eq("accepted"))
            .select((tasks::id, tasks::assignee_id.assume_not_null()))
            .first(conn)
            .unwrap();
        let worker = Caller {
            id: worker_id,
            role: Role::Worker,
            scope: gridassist::domain::access::Scope::Own,
            court_id: None,
            township_id: None,
            request_id: None,
            client_ip: None,
        };
        let (changes, _) =
            services::sync::changes(conn, &worker, (0, 200), chrono::Duration::hours(72)).unwrap();
        assert!(
            changes
                .iter()
                .any(|c| matches!(c, services::sync::Change::Upsert { task, .. } if task.id == task_id))
        );
        let task = repo::tasks::find(conn, task_id).unwrap().unwrap();
        let target = LatLon {
            lat: task.target_lat.unwrap(),
            lon: task.target_lon.unwrap(),
        };
        let recorded = services::check_ins::record(
            conn,
            &worker,
            200.0,
            task_id,
            CheckInInput {
                client_id: "after-seed".into(),
                point: target,
                crs: Crs::Wgs84,
                accuracy_m: 10.0,
                captured_at: time::now(),
                digest: "0".repeat(64),
            },
        )
        .unwrap();
        assert!(matches!(recorded, Recorded::Created(_, TaskStatus::InProgress)));

        let court = repo::courts::find_by_code(conn, COURT_CODE).unwrap().unwrap();
        let officer = repo::users::find_by_username(conn, "load-officer-01")
            .unwrap()
            .unwrap();
        let officer = Caller {
            id: officer.id,
            role: Role::Officer,
            scope: gridassist::domain::access::Scope::Court,
            court_id: Some(court.id),
            township_id: None,
            request_id: None,
            client_ip: None,
        };
        let case_id: i64 = gridassist::db::schema::cases::table
            .select(gridassist::db::schema::cases::id)
            .first(conn)
            .unwrap();
        let map = GridMap::load(conn).unwrap();
        let calendar = gridassist::domain::calendar::WorkCalendar::builtin().unwrap();
        let rules = Rules {
            calendar: &calendar,
            radius_m: 3000.0,
            max_declines: 3,
        };
        let (created, _) = services::tasks::create(
            conn,
            &officer,
            &map,
            rules,
            case_id,
            NewTaskInput {
                kind: TaskKind::ServeDocuments,
                party_id: None,
                urgent: false,
                instructions: "after seeding".into(),
                target: Some(target),
                target_source: Some("given:wgs84".into()),
                target_address: None,
                due_on: None,
                unlocated_reason: "no_target_point",
            },
        )
        .unwrap();
        assert_eq!(
            created.status,
            gridassist::domain::task_state::TaskStatus::Assigned
        );
        assert!(created.id > 3_000, "new ids continue after the seeded ones");
    }

    #[test]
    fn seeded_county_is_one_the_service_accepts_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(dir.path().join("load.sqlite3").to_str().unwrap()).unwrap();
        check(&db);
    }

    #[test]
    fn seeded_county_is_one_the_service_accepts_on_postgres() {
        let Ok(base) = std::env::var("TEST_DATABASE_URL") else {
            eprintln!("TEST_DATABASE_URL unset: PostgreSQL not checked");
            return;
        };
        let name = format!("seed_load_test_{}", std::process::id());
        let mut admin = diesel::PgConnection::establish(&base).unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap();
        let (prefix, _) = base.rsplit_once('/').unwrap();
        let db = Db::connect(&format!("{prefix}/{name}")).unwrap();
        check(&db);
        drop(db);
        admin
            .batch_execute(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
            .unwrap();
    }
}
