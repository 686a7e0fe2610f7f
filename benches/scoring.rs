//! Scoring a county period: the leaderboards of every township of a county for one month, on a
//! synthetic county of 10 townships, 2,000 grid workers and 100,000 tasks reviewed in the month
//! (with their task events, submissions and score lines), on SQLite and optionally PostgreSQL.
//!
//! Run with `cargo bench --bench scoring` (add `-- --quick` for a short run). To include
//! PostgreSQL, point `BENCH_DATABASE_URL` at a database, e.g.
//! `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_scoring cargo bench --bench scoring`;
//! the bench works in its own schema `gridassist_bench` of that database (dropped and created
//! again on every run, migrations applied fresh) and leaves every other schema alone.
//! `BENCH_KEEP_SQLITE=1` keeps the seeded SQLite file (its path is printed) for `EXPLAIN QUERY PLAN`.
//!
//! Seeding happens outside the timed part: multi-row INSERTs of explicit ids, chunked below
//! 30,000 bound variables per statement, one transaction per table. The timed part calls
//! `services::scoring::compute_boards(conn, period, None)` (`county_month_...`: every township's
//! board in one pass), `services::scoring::worker_periods(conn, period, None)` (`worker_periods_all`)
//! and `compute_board` for one township (`township_month_...`, what a supervisor's request costs).

use std::collections::{BTreeMap, BTreeSet};
use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{Datelike, Months, NaiveDateTime};
use criterion::{Criterion, criterion_group, criterion_main};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::ManageConnection;
use diesel::sql_types::{BigInt, Nullable, Timestamp};
use gridassist::db::schema::{
    cases, courts, score_lines, scoring_schemes, submissions, task_events, tasks, townships, users,
};
use gridassist::db::{DbConn, DbManager, run_migrations};
use gridassist::domain::period::Period;
use gridassist::domain::scoring::{self, Scheme};
use gridassist::domain::{TaskKind, time};
use gridassist::services::scoring::{bounds, compute_board, compute_boards, worker_periods};

const TOWNSHIPS: i64 = 10;
const WORKERS_PER_TOWNSHIP: i64 = 200;
const WORKERS: i64 = TOWNSHIPS * WORKERS_PER_TOWNSHIP;
const TASKS: i64 = 100_000;
/// Bound variables per INSERT statement, below SQLite's limit of 32,766.
const MAX_VARS: usize = 30_000;
const OFFICER_ID: i64 = 1;
const COURT_ID: i64 = 1;
const CASE_ID: i64 = 1;
const SCHEMA_PG: &str = "gridassist_bench";

// ---------------------------------------------------------------------------------------------
// Rows (explicit ids; `treat_none_as_null` so every row binds the same columns and SQLite gets
// one multi-row INSERT per chunk instead of a statement per row)
// ---------------------------------------------------------------------------------------------

#[derive(Insertable)]
#[diesel(table_name = users, treat_none_as_null = true)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    password_hash: String,
    role: &'static str,
    court_id: Option<i64>,
    township_id: Option<i64>,
    active: bool,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = tasks, treat_none_as_null = true)]
struct TaskRow {
    id: i64,
    case_id: i64,
    court_id: i64,
    kind: &'static str,
    status: &'static str,
    priority: &'static str,
    instructions: &'static str,
    township_id: Option<i64>,
    assignee_id: Option<i64>,
    due_at: NaiveDateTime,
    overdue: bool,
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
    detail: Option<String>,
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
    request_digest: String,
    submitted_at: NaiveDateTime,
    decision: Option<&'static str>,
    reviewed_by: Option<i64>,
    reviewed_at: Option<NaiveDateTime>,
    rating: Option<i32>,
    return_reasons: Option<&'static str>,
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

/// Multi-row INSERTs of `rows` in chunks of at most `MAX_VARS` bound variables, on the
/// connection's own backend.
macro_rules! insert_chunked {
    ($conn:expr, $table:expr, $rows:expr, $columns:expr) => {{
        let per_statement = (MAX_VARS / $columns).max(1);
        let mut inserted = 0usize;
        for chunk in $rows.chunks(per_statement) {
            inserted += match &mut *$conn {
                DbConn::Sqlite(c) => diesel::insert_into($table).values(chunk).execute(c),
                DbConn::Postgres(c) => diesel::insert_into($table).values(chunk).execute(c),
            }
            .expect("bulk insert");
        }
        assert_eq!(inserted, $rows.len());
    }};
}

// ---------------------------------------------------------------------------------------------
// The synthetic county
// ---------------------------------------------------------------------------------------------

/// SplitMix64: a tiny deterministic generator, so both backends get exactly the same county.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo) as u64) as i64
    }

    fn percent(&mut self) -> u64 {
        self.next() % 100
    }
}

fn secs(s: i64) -> chrono::Duration {
    chrono::Duration::seconds(s)
}

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

fn township_of(worker_id: i64) -> i64 {
    (worker_id - 2) / WORKERS_PER_TOWNSHIP + 1
}

/// What the seeding wrote, to check the boards against.
struct Expected {
    /// Active workers per township (every worker with at least one task).
    active_per_township: BTreeMap<i64, usize>,
    /// Sum of all score line points in the period.
    total_points: i64,
    tasks: usize,
    events: usize,
    submissions: usize,
    lines: usize,
}

/// The month before the current one, in China time.
fn last_month() -> Period {
    let today = time::today_local();
    let first = today.with_day(1).expect("day 1 exists");
    Period::month_of(first - Months::new(1))
}

fn seed(conn: &mut DbConn, period: Period) -> Expected {
    let scheme = Scheme::default_scheme();
    let (from, to) = bounds(period);
    let created = from - secs(30 * DAY);
    let mut rng = Mix(0x5C0_71A6);

    // Scheme version 1, in force for everything.
    let body = serde_json::to_string(&scheme).expect("scheme serialises");
    let epoch = NaiveDateTime::default();
    // Organisation, the officer, the case.
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        diesel::insert_into(scoring_schemes::table)
            .values((
                scoring_schemes::version.eq(1i64),
                scoring_schemes::body.eq(&body),
                scoring_schemes::effective_from.eq(epoch),
                scoring_schemes::created_at.eq(created),
                scoring_schemes::note.eq(Some("bench")),
            ))
            .execute(conn)?;
        diesel::insert_into(courts::table)
            .values((
                courts::id.eq(COURT_ID),
                courts::code.eq("BENCH"),
                courts::name.eq("Bench County Court"),
                courts::created_at.eq(created),
            ))
            .execute(conn)?;
        let rows: Vec<_> = (1..=TOWNSHIPS)
            .map(|t| {
                (
                    townships::id.eq(t),
                    townships::code.eq(format!("T{t:02}")),
                    townships::name.eq(format!("Township {t}")),
                    townships::court_id.eq(COURT_ID),
                    townships::created_at.eq(created),
                )
            })
            .collect();
        insert_chunked!(conn, townships::table, rows, 5);
        let mut people = vec![UserRow {
            id: OFFICER_ID,
            username: "officer".into(),
            display_name: "Officer".into(),
            password_hash: "x".into(),
            role: "officer",
            court_id: Some(COURT_ID),
            township_id: None,
            active: true,
            created_at: created,
            updated_at: created,
        }];
        people.extend((2..2 + WORKERS).map(|id| UserRow {
            id,
            username: format!("worker{id}"),
            display_name: format!("Worker {id}"),
            password_hash: "x".into(),
            role: "worker",
            court_id: None,
            township_id: Some(township_of(id)),
            active: true,
            created_at: created,
            updated_at: created,
        }));
        insert_chunked!(conn, users::table, people, 10);
        diesel::insert_into(cases::table)
            .values((
                cases::id.eq(CASE_ID),
                cases::court_id.eq(COURT_ID),
                cases::case_number.eq("(2026)苏0000执1号"),
                cases::officer_id.eq(OFFICER_ID),
                cases::amount_owed_fen.eq(1_000_000i64),
                cases::status.eq("open"),
                cases::filed_on.eq(created.date()),
                cases::created_by.eq(OFFICER_ID),
                cases::created_at.eq(created),
                cases::updated_at.eq(created),
            ))
            .execute(conn)?;
        Ok(())
    })
    .expect("organisation");

    // Tasks and everything scoring reads about them. Per task: assign (officer), accept, submit,
    // approve or return; 5 % are returned and left for rework, 5 % returned then resubmitted and
    // approved (so "approved first time" has something to exclude), 90 % approved at once; 15 %
    // of first submissions are late.
    let mut task_rows = Vec::with_capacity(TASKS as usize);
    let mut events = Vec::with_capacity(TASKS as usize * 4 + 10_000);
    let mut subs = Vec::with_capacity(TASKS as usize + 5_000);
    let mut lines = Vec::with_capacity(TASKS as usize + 10_000);
    let mut active: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    let mut total_points = 0i64;
    for task_id in 1..=TASKS {
        let worker = 2 + (rng.next() % WORKERS as u64) as i64;
        let township = township_of(worker);
        active.entry(township).or_default().insert(worker);
        let kind = TaskKind::ALL[(rng.next() % TaskKind::ALL.len() as u64) as usize];
        // Latest event at most 14 + 5 + 3 + 1 + 1 + 1 days in: inside any month.
        let t0 = from + secs(rng.range(0, 14 * DAY));
        let due = t0 + secs(5 * DAY);
        let assigned = t0 + secs(60);
        let accepted = assigned + secs(rng.range(300, 48 * HOUR));
        let late = rng.percent() < 15;
        let submitted = if late {
            due + secs(rng.range(HOUR, 72 * HOUR))
        } else {
            let room = (due - accepted).num_seconds() - HOUR;
            accepted + secs(rng.range(HOUR, room))
        };
        let reviewed = submitted + secs(rng.range(HOUR, DAY));
        let fate = rng.percent();
        // (submitted_at, reviewed_at, approved?)
        let mut rounds = vec![(submitted, reviewed, fate >= 10)];
        if fate < 5 {
            let resubmitted = reviewed + secs(rng.range(HOUR, DAY));
            rounds.push((resubmitted, resubmitted + secs(rng.range(HOUR, DAY)), true));
        }
        let final_status = if rounds.last().expect("a round").2 {
            "approved"
        } else {
            "returned"
        };
        task_rows.push(TaskRow {
            id: task_id,
            case_id: CASE_ID,
            court_id: COURT_ID,
            kind: kind.as_str(),
            status: final_status,
            priority: if task_id % 10 == 0 { "urgent" } else { "normal" },
            instructions: "bench",
            township_id: Some(township),
            assignee_id: Some(worker),
            due_at: due,
            overdue: false,
            decline_count: 0,
            version: 2 + 3 * rounds.len() as i64,
            created_by: OFFICER_ID,
            created_at: t0,
            updated_at: rounds.last().expect("a round").1,
        });
        let mut event = |at: NaiveDateTime,
                         actor: i64,
                         role: &'static str,
                         action: &'static str,
                         from_status: &'static str,
                         to_status: &'static str,
                         detail: Option<String>| {
            let id = events.len() as i64 + 1;
            events.push(EventRow {
                id,
                task_id,
                occurred_at: at,
                actor_id: Some(actor),
                actor_role: role,
                action,
                from_status: Some(from_status),
                to_status,
                assignee_id: Some(worker),
                detail,
            });
            id
        };
        event(
            assigned, OFFICER_ID, "officer", "assign", "created", "assigned", None,
        );
        event(accepted, worker, "worker", "accept", "assigned", "accepted", None);
        // On site before the first submission, as the state machine requires (accepted →
        // in_progress by a check-in → submitted).
        let checked_in = accepted + (submitted - accepted) / 2;
        event(
            checked_in,
            worker,
            "worker",
            "check_in",
            "accepted",
            "in_progress",
            None,
        );
        for (round, &(sub_at, rev_at, approved)) in rounds.iter().enumerate() {
            let submission_id = subs.len() as i64 + 1;
            let from_status = if round == 0 { "in_progress" } else { "returned" };
            event(
                sub_at,
                worker,
                "worker",
                "submit",
                from_status,
                "submitted",
                Some(format!("{{\"submission_id\":{submission_id}}}")),
            );
            let rating = approved.then(|| match rng.percent() {
                0..5 => 1,
                5..15 => 2,
                15..35 => 3,
                35..70 => 4,
                _ => 5,
            });
            let (action, to_status) = if approved {
                ("approve", "approved")
            } else {
                ("return", "returned")
            };
            let event_id = event(
                rev_at,
                OFFICER_ID,
                "officer",
                action,
                "submitted",
                to_status,
                Some(format!(
                    "{{\"submission_id\":{submission_id},\"rating\":{}}}",
                    rating.unwrap_or(0)
                )),
            );
            subs.push(SubmissionRow {
                id: submission_id,
                task_id,
                worker_id: worker,
                client_id: format!("bench-{submission_id}"),
                kind: kind.as_str(),
                result: "{\"note\":\"bench\"}",
                request_digest: format!("{submission_id:064x}"),
                submitted_at: sub_at,
                decision: Some(if approved { "approved" } else { "returned" }),
                reviewed_by: Some(OFFICER_ID),
                reviewed_at: Some(rev_at),
                rating: rating.map(i32::from),
                return_reasons: (!approved).then_some("[\"incomplete\"]"),
            });
            let line = if approved {
                scoring::approval(&scheme, kind, rating.expect("approved has a rating"), due, sub_at)
                    .expect("approval line")
            } else {
                scoring::rework_penalty(&scheme)
            };
            total_points += line.points;
            lines.push(LineRow {
                id: lines.len() as i64 + 1,
                worker_id: worker,
                township_id: Some(township),
                occurred_at: rev_at,
                code: line.code.as_str(),
                points: line.points,
                task_id: Some(task_id),
                source: format!("task_event:{event_id}"),
                scheme_version: 1,
                detail: line.detail.to_string(),
                created_at: rev_at,
            });
        }
    }
    assert!(
        lines.iter().all(|l| l.occurred_at >= from && l.occurred_at < to),
        "every line falls in {period}"
    );
    let expected = Expected {
        active_per_township: active.into_iter().map(|(t, w)| (t, w.len())).collect(),
        total_points,
        tasks: task_rows.len(),
        events: events.len(),
        submissions: subs.len(),
        lines: lines.len(),
    };
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        insert_chunked!(conn, tasks::table, task_rows, 16);
        Ok(())
    })
    .expect("tasks");
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        insert_chunked!(conn, task_events::table, events, 10);
        Ok(())
    })
    .expect("task events");
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        insert_chunked!(conn, submissions::table, subs, 13);
        Ok(())
    })
    .expect("submissions");
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        insert_chunked!(conn, score_lines::table, lines, 11);
        Ok(())
    })
    .expect("score lines");
    expected
}

#[derive(QueryableByName)]
struct Sum {
    #[diesel(sql_type = Nullable<BigInt>)]
    total: Option<i64>,
}

/// The boards of every township for the period.
fn county_boards(conn: &mut DbConn, period: Period) -> Vec<gridassist::services::scoring::Board> {
    compute_boards(conn, period, None).expect("boards")
}

/// The work under test really happens: every active worker is on their township's board, and
/// the boards add up to the lines in the database.
fn verify(conn: &mut DbConn, period: Period, expected: &Expected) {
    let (from, to) = bounds(period);
    let sum = diesel::sql_query(
        "SELECT CAST(SUM(points) AS BIGINT) AS total FROM score_lines WHERE occurred_at >= $1 AND occurred_at < $2",
    )
    .bind::<Timestamp, _>(from)
    .bind::<Timestamp, _>(to)
    .get_result::<Sum>(conn)
    .expect("sum of lines")
    .total
    .expect("lines exist");
    assert_eq!(sum, expected.total_points, "lines in the database");

    let boards = county_boards(conn, period);
    let mut standings = 0;
    let mut board_total = 0;
    for board in &boards {
        let want = expected.active_per_township[&board.township_id];
        assert_eq!(
            board.standings.len(),
            want,
            "township {} standings",
            board.township_id
        );
        assert!(
            board.payouts.paid_fen > 0,
            "township {} pays something",
            board.township_id
        );
        standings += board.standings.len();
        board_total += board.standings.iter().map(|s| s.total_points).sum::<i64>();
    }
    assert_eq!(board_total, sum, "the boards add up to the lines");

    let records = worker_periods(conn, period, None).expect("worker periods");
    assert_eq!(
        records.len(),
        standings,
        "worker_periods(None) covers every active worker"
    );
    let assigned: u32 = records.iter().map(|r| r.assigned).sum();
    let accepted: u32 = records.iter().map(|r| r.accepted).sum();
    let reviewed: u32 = records.iter().map(|r| r.tasks_reviewed).sum();
    assert_eq!(assigned as usize, expected.tasks);
    assert_eq!(accepted as usize, expected.tasks);
    assert_eq!(reviewed as usize, expected.submissions);
    assert_eq!(records.iter().map(|r| r.total_points).sum::<i64>(), sum);
    eprintln!(
        "  verified: {standings} standings in {} boards, {} workers, total {} centi-points, \
         {reviewed} reviews, {} approved",
        boards.len(),
        records.len(),
        sum,
        records.iter().map(|r| r.approved).sum::<u32>(),
    );
}

fn prepare(conn: &mut DbConn, backend: &str, period: Period) {
    let started = Instant::now();
    let expected = seed(conn, period);
    let seeded = started.elapsed();
    if let DbConn::Postgres(_) = conn {
        conn.batch_execute("ANALYZE").expect("analyze");
    }
    eprintln!(
        "[{backend}] seeded {period} in {:.1} s: {} users, {} tasks, {} task events, {} submissions, {} score lines{}",
        seeded.as_secs_f64(),
        WORKERS + 1,
        expected.tasks,
        expected.events,
        expected.submissions,
        expected.lines,
        if backend == "postgres" {
            format!(" (+ ANALYZE {:.1} s)", (started.elapsed() - seeded).as_secs_f64())
        } else {
            String::new()
        },
    );
    let started = Instant::now();
    verify(conn, period, &expected);
    eprintln!(
        "  first (cold) verification pass: {:.2} s",
        started.elapsed().as_secs_f64()
    );
}

fn run(c: &mut Criterion, backend: &str, conn: &mut DbConn, period: Period) {
    let mut group = c.benchmark_group("scoring");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(3));
    group.measurement_time(Duration::from_secs(30));
    group.bench_function(format!("county_month_2000w_100k_tasks/{backend}"), |b| {
        b.iter(|| black_box(county_boards(conn, black_box(period))))
    });
    group.bench_function(format!("worker_periods_all/{backend}"), |b| {
        b.iter(|| black_box(worker_periods(conn, black_box(period), None).expect("worker periods")))
    });
    // One township's board, as `GET /api/v1/scores` computes it for a supervisor.
    group.bench_function(format!("township_month_200w_10k_tasks/{backend}"), |b| {
        b.iter(|| black_box(compute_board(conn, black_box(period), 1).expect("board")))
    });
    group.finish();
}

fn bench(c: &mut Criterion) {
    let period = last_month();
    eprintln!(
        "scoring bench: {TOWNSHIPS} townships × {WORKERS_PER_TOWNSHIP} workers, {TASKS} tasks in {period} (China time)"
    );

    // SQLite: a fresh file with the service's own connection settings (WAL, synchronous=FULL).
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("scoring-bench.db");
    let mut conn = DbManager::new(path.to_str().expect("utf-8 path"))
        .connect()
        .expect("open sqlite");
    run_migrations(&mut conn).expect("sqlite migrations");
    prepare(&mut conn, "sqlite", period);
    run(c, "sqlite", &mut conn, period);
    drop(conn);
    if std::env::var_os("BENCH_KEEP_SQLITE").is_some() {
        let kept = dir.keep();
        eprintln!(
            "kept the SQLite database at {}",
            kept.join("scoring-bench.db").display()
        );
    }

    // PostgreSQL, when asked for: a schema of our own, created fresh.
    if let Ok(url) = std::env::var("BENCH_DATABASE_URL") {
        let mut conn = DbManager::new(&url).connect().expect("open BENCH_DATABASE_URL");
        assert!(
            matches!(conn, DbConn::Postgres(_)),
            "BENCH_DATABASE_URL must be postgres://"
        );
        conn.batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {SCHEMA_PG} CASCADE; CREATE SCHEMA {SCHEMA_PG}; SET search_path TO {SCHEMA_PG}"
        ))
        .expect("bench schema");
        run_migrations(&mut conn).expect("postgres migrations");
        prepare(&mut conn, "postgres", period);
        run(c, "postgres", &mut conn, period);
        conn.batch_execute(&format!("DROP SCHEMA {SCHEMA_PG} CASCADE"))
            .expect("drop bench schema");
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
