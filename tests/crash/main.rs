//! Durability under crashes, run against the real `gridassist` binary (not the in-process
//! server): SIGKILL mid-load again and again, restart, re-send every unanswered request with its
//! `Idempotency-Key`, and check that every acknowledged write is there exactly once, retries made
//! no duplicates, the database is intact (SQLite `integrity_check`, the audit chain), and every
//! assignment notification reaches the webhook receiver after the restarts. And SIGTERM: requests
//! in flight are finished and the process exits 0.
//!
//! SQLite by default; a fresh PostgreSQL database when `TEST_DATABASE_URL` is set. The CI run
//! kills the server 10 times; `CRASH_ROUNDS=50 cargo test --release --test crash` is the longer
//! run documented in docs/SECURITY.md.

mod harness;
mod load;
#[path = "../support/postgres.rs"]
mod postgres;
#[path = "../support/process.rs"]
mod process;
mod sigterm;
// Shared with tests/api, which uses the rest of it.
#[allow(dead_code)]
#[path = "../support/webhook_receiver.rs"]
mod webhook_receiver;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};
use rand::Rng;
use serde_json::Value;

use harness::{Api, Database, Server, WEBHOOK_SECRET};
use load::{Ledger, Op, State};
use webhook_receiver::Receiver;

/// Officers' loops creating tasks at once (the workers' loops come on top, one per worker).
const CREATORS: usize = 4;
const WORKERS: usize = 4;

#[derive(QueryableByName)]
struct IntegrityRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    integrity_check: String,
}

#[derive(QueryableByName)]
struct ForeignKeyRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    table: String,
}

fn rounds() -> u32 {
    match std::env::var("CRASH_ROUNDS") {
        Ok(v) => v
            .trim()
            .parse()
            .ok()
            .filter(|n| *n >= 1)
            .expect("CRASH_ROUNDS must be a whole number of at least 1"),
        Err(_) => 10,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_writes_survive_repeated_sigkill() {
    let rounds = rounds();
    let started = Instant::now();
    let receiver = Receiver::start("/hook", 0).await;
    let db = Database::fresh();
    let mut server = Server::new(
        &db,
        &[
            ("GRIDASSIST_WEBHOOK_URL", receiver.url.clone()),
            ("GRIDASSIST_WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()),
            ("GRIDASSIST_WEBHOOK_ALLOW_PRIVATE", "true".to_owned()),
            ("GRIDASSIST_WEBHOOK_POLL_SECS", "1".to_owned()),
            ("GRIDASSIST_WEBHOOK_TIMEOUT_SECS", "1".to_owned()),
        ],
    );
    harness::create_admin(&server);
    server.start().await;
    let seed = harness::seed(&Api::new(&server.base), WORKERS).await;
    let ledger = Ledger::new(&seed.officer, seed.case_id, &seed.workers);

    for _ in 0..rounds {
        // A fresh client per server run: no pooled connection to a dead process.
        let api = Api::new(&server.base);
        // The phones come back: everything unanswered goes again, with the same key.
        ledger.resend(&api, ledger.pending(false)).await;
        let stop = Arc::new(AtomicBool::new(false));
        let writers = ledger.spawn_writers(&api, CREATORS, stop.clone());
        let pause = rand::thread_rng().gen_range(300..2500);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        server.kill();
        stop.store(true, Ordering::Relaxed);
        for writer in writers {
            writer.await.expect("writer");
        }
        server.start().await;
    }

    // After the last restart every request is sent until it has a final answer, as a phone
    // would. A request cut short by a crash holds its key until the claim is abandoned, so this
    // bound is generous: it is a liveness bound, not a speed assertion.
    let api = Api::new(&server.base);
    let settle_by = Instant::now() + Duration::from_secs(240);
    loop {
        let pending = ledger.pending(true);
        if pending.is_empty() {
            break;
        }
        assert!(
            Instant::now() < settle_by,
            "still unanswered after 4 minutes: {:?}",
            pending.iter().map(|i| &i.key).collect::<Vec<_>>()
        );
        ledger.resend(&api, pending).await;
        if !ledger.pending(true).is_empty() {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    // Read everything back through the API.
    let officer = api.token(&ledger.officer, harness::PASSWORD).await;
    let tasks = harness::all_tasks(&api, &officer).await;
    let mut by_marker: HashMap<String, Vec<&Value>> = HashMap::new();
    for task in &tasks {
        let instructions = task["instructions"].as_str().unwrap_or_default().to_owned();
        by_marker.entry(instructions).or_default().push(task);
    }
    let task_by_id: HashMap<i64, &Value> = tasks
        .iter()
        .filter_map(|t| t["id"].as_i64().map(|id| (id, t)))
        .collect();
    let ledger_entries = ledger.snapshot();
    let known: BTreeSet<String> = ledger_entries
        .iter()
        .filter(|(i, _)| i.op == Op::Create)
        .map(|(i, _)| Ledger::marker(&i.key))
        .collect();
    for marker in by_marker.keys() {
        assert!(known.contains(marker), "a task nobody asked for: {marker:?}");
    }
    let (mut acked, mut refused) = (HashMap::<&str, usize>::new(), Vec::new());
    let mut checked_in = Vec::new();
    for (intent, state) in &ledger_entries {
        let label = match intent.op {
            Op::Create => "tasks",
            Op::Accept { .. } => "accepts",
            Op::CheckIn { .. } => "check-ins",
        };
        match (&intent.op, state) {
            (Op::Create, State::Acked(body)) => {
                let found = by_marker.get(&Ledger::marker(&intent.key));
                let found = found.map(Vec::as_slice).unwrap_or_default();
                assert_eq!(
                    found.len(),
                    1,
                    "{}: acknowledged, found {} tasks",
                    intent.key,
                    found.len()
                );
                assert_eq!(found[0]["id"], body["task"]["id"], "{}", intent.key);
            }
            (Op::Create, _) => {
                let n = by_marker.get(&Ledger::marker(&intent.key)).map_or(0, Vec::len);
                assert!(n <= 1, "{}: {n} tasks for one key", intent.key);
            }
            (Op::Accept { task }, State::Acked(_)) => {
                let status = task_by_id.get(task).map(|t| t["status"].clone());
                assert!(
                    matches!(
                        status.as_ref().and_then(Value::as_str),
                        Some("accepted" | "in_progress")
                    ),
                    "{}: acknowledged, task is {status:?}",
                    intent.key
                );
            }
            (Op::CheckIn { task }, State::Acked(_)) => {
                let status = task_by_id.get(task).map(|t| t["status"].clone());
                assert_eq!(
                    status.as_ref().and_then(Value::as_str),
                    Some("in_progress"),
                    "{}",
                    intent.key
                );
                checked_in.push(*task);
            }
            _ => {}
        }
        match state {
            State::Acked(_) => *acked.entry(label).or_default() += 1,
            State::Refused(reply) => refused.push((intent.key.clone(), reply.status, reply.text.clone())),
            State::Pending { .. } => unreachable!("settled above"),
        }
    }
    // A refusal is a final answer the client must live with; the only one a crash may cause is
    // that the request was carried out but its answer was lost with the process.
    for (key, status, text) in &refused {
        assert!(
            *status == 409 && text.contains("\"answer_lost\""),
            "{key}: refused with {status}: {text}"
        );
    }
    // Retried accepts and check-ins acted once: each task's history has one of each.
    for task in &checked_in {
        let events = api.get(&format!("/api/v1/tasks/{task}/events"), &officer).await;
        assert_eq!(events.status, 200, "{}", events.text);
        let count = |action: &str| {
            events
                .body
                .as_array()
                .map_or(0, |e| e.iter().filter(|e| e["action"] == action).count())
        };
        assert_eq!(
            (count("create"), count("accept"), count("check_in")),
            (1, 1, 1),
            "task {task}: {}",
            events.text
        );
    }

    // Notifications: every assignment is delivered after the crashes (at least once; a message
    // whose delivery was cut short may arrive twice, with the same webhook-id).
    let assigned: BTreeSet<i64> = tasks
        .iter()
        .filter(|t| t["assignee_id"].is_i64())
        .filter_map(|t| t["id"].as_i64())
        .collect();
    let deliver_by = Instant::now() + Duration::from_secs(180);
    let (delivered_ids, received, duplicates) = loop {
        let seen = receiver.deliveries();
        assert!(
            seen.iter().all(|d| d.signed_with(WEBHOOK_SECRET)),
            "a badly signed delivery"
        );
        let delivered: BTreeSet<i64> = seen
            .iter()
            .map(|d| d.json())
            .filter(|body| body["type"] == "task.assigned")
            .filter_map(|body| body["data"]["task_id"].as_i64())
            .collect();
        let distinct: BTreeSet<&str> = seen.iter().map(|d| d.webhook_id()).collect();
        if assigned.is_subset(&delivered) {
            break (delivered, seen.len(), seen.len() - distinct.len());
        }
        assert!(
            Instant::now() < deliver_by,
            "task.assigned never delivered for tasks {:?}",
            assigned.difference(&delivered).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert!(!delivered_ids.is_empty());

    // The last stop is one more crash; then the files and the audit chain are checked cold.
    server.kill();
    if let Some(path) = db.sqlite_path() {
        let mut conn = SqliteConnection::establish(&path.to_string_lossy()).expect("open the SQLite file");
        let integrity: Vec<IntegrityRow> = diesel::sql_query("PRAGMA integrity_check")
            .load(&mut conn)
            .expect("integrity_check");
        let integrity: Vec<String> = integrity.into_iter().map(|r| r.integrity_check).collect();
        assert_eq!(integrity, ["ok"]);
        let dangling: Vec<ForeignKeyRow> = diesel::sql_query("PRAGMA foreign_key_check")
            .load(&mut conn)
            .expect("foreign_key_check");
        let dangling: Vec<String> = dangling.into_iter().map(|r| r.table).collect();
        assert!(
            dangling.is_empty(),
            "rows with dangling references in {dangling:?}"
        );
    }
    let verify = server.cli(&["audit", "verify"], "");
    let report = String::from_utf8_lossy(&verify.stdout);
    assert!(
        verify.status.success() && report.contains("\"ok\": true"),
        "audit verify: {report}\n{}",
        String::from_utf8_lossy(&verify.stderr)
    );

    let counts = ledger.counts();
    eprintln!(
        "crash test on {}: {rounds} SIGKILLs; acknowledged {} tasks, {} accepts, {} check-ins \
         ({} tasks in all); {} requests sent, {} re-sent, {} without an answer, {} request_in_progress, \
         {} 5xx, {} answer_lost; {} deliveries for {} assignments ({} duplicates); {:.0} s",
        db.engine(),
        acked.get("tasks").unwrap_or(&0),
        acked.get("accepts").unwrap_or(&0),
        acked.get("check-ins").unwrap_or(&0),
        tasks.len(),
        counts.sent,
        counts.resent,
        counts.no_answer,
        counts.in_progress,
        counts.server_errors,
        refused.len(),
        received,
        assigned.len(),
        duplicates,
        started.elapsed().as_secs_f64()
    );
}
