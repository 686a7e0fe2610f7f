//! Scores: lines tied to their causes summing to totals, the small-sample ranking rule, caps and
//! budgets, appeals, certification gating by training, scope, and the reproducibility of a closed
//! period after a scheme change.

use serde_json::{Value, json};

use crate::fixtures::endpoints::this_month;
use crate::fixtures::work::nobody_found;
use crate::fixtures::{Field, TaskBuilder, WorkerProfile, field, grid_id};
use crate::helpers::{PASSWORD, Reply, SendForReply, TestApp, spawn_app};

/// A new serve_documents task given to field worker `who` (0 or 1) — reassigned by hand when
/// automatic assignment chose the other — taken through to `review`, with a result that needs
/// no evidence. Returns (task id, assignee token).
async fn reviewed_task(app: &TestApp, f: &Field, who: usize, review: Value) -> (i64, String) {
    let (worker, token) = f.workers[who].clone();
    let task = TaskBuilder::new(f)
        .given_to(worker)
        .reviewed(review)
        .create(app)
        .await;
    (task.id, token)
}

async fn board(app: &TestApp, token: &str, township: Option<i64>) -> Value {
    let path = match township {
        Some(t) => format!("/api/v1/scores?period={}&township_id={t}", this_month()),
        None => format!("/api/v1/scores?period={}", this_month()),
    };
    let r = app.get(&path, Some(token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

async fn breakdown(app: &TestApp, token: &str, worker: i64) -> Value {
    app.worker_scores(token, worker)
        .await
        .expect_status(200, "score breakdown")
}

/// This month's incentives as CSV, as a payroll spreadsheet asks for them.
async fn payroll_csv(app: &TestApp, token: &str) -> Reply {
    app.client
        .get(app.url(&format!("/api/v1/incentives?period={}", this_month())))
        .bearer_auth(token)
        .header("accept", "text/csv")
        .reply()
        .await
}

fn points_of(lines: &Value) -> Vec<(String, i64)> {
    lines
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["code"].as_str().unwrap().to_owned(),
                l["points"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn every_point_is_a_line_tied_to_its_cause_and_totals_are_their_sums() {
    let app = spawn_app().await;
    let f = field(&app).await;
    let (w1, t1) = f.workers[0].clone();
    // w1: approved with rating 4 on time; w2: returned, then approved with rating 5.
    let (task, _) = reviewed_task(&app, &f, 0, json!({"decision": "approve", "rating": 4})).await;
    let (task2, t2) = reviewed_task(
        &app,
        &f,
        1,
        json!({"decision": "reject", "reasons": ["incomplete"]}),
    )
    .await;
    let resubmitted = app
        .post(
            &format!("/api/v1/tasks/{task2}/submission"),
            Some(&t2),
            &json!({"client_id": "again", "result": nobody_found()}),
        )
        .await;
    assert_eq!(resubmitted.status, 201);
    app.post(
        &format!("/api/v1/tasks/{task2}/review"),
        Some(&f.officer),
        &json!({"decision": "approve", "rating": 5}),
    )
    .await;

    // Default scheme: serve_documents 10 points × quality (rating 4 → 1.0, 5 → 1.1) × on time.
    let mine = breakdown(&app, &t1, w1).await;
    assert_eq!(points_of(&mine["lines"]), [("approval".to_owned(), 1000)]);
    assert_eq!(mine["lines"][0]["task_id"], task);
    assert!(
        mine["lines"][0]["source"]
            .as_str()
            .unwrap()
            .starts_with("task_event:")
    );
    assert_eq!(mine["lines"][0]["detail"]["rating"], 4);
    let w2 = f.workers[1].0;
    let theirs = breakdown(&app, &f.supervisor, w2).await;
    assert_eq!(
        points_of(&theirs["lines"]),
        [("rework_penalty".to_owned(), -200), ("approval".to_owned(), 1100)]
    );
    assert_eq!(theirs["total_points"], 900);

    // An outcome after urging... serve_documents earns no outcome bonus; a clawback takes back.
    let clawed = app
        .post(
            &format!("/api/v1/tasks/{task}/clawback"),
            Some(&f.officer),
            &json!({"reason": "送达回证系伪造"}),
        )
        .await;
    assert_eq!(clawed.status, 201, "{}", clawed.text);
    assert_eq!(clawed.body["points"], -1000);
    app.post(
        &format!("/api/v1/tasks/{task}/clawback"),
        Some(&f.officer),
        &json!({"reason": "again"}),
    )
    .await
    .assert_problem(409, "already_exists");

    // The board's totals are the sums of the lines.
    let b = board(&app, &f.supervisor, None).await;
    for standing in b["standings"].as_array().unwrap() {
        let worker = standing["worker_id"].as_i64().unwrap();
        let lines = breakdown(&app, &f.supervisor, worker).await;
        let sum: i64 = points_of(&lines["lines"]).iter().map(|(_, p)| p).sum();
        assert_eq!(standing["total_points"].as_i64().unwrap(), sum);
    }
    // A worker sees only their own breakdown.
    app.get(
        &format!("/api/v1/workers/{w2}/scores?period={}", this_month()),
        Some(&t1),
    )
    .await
    .assert_problem(404, "not_found");
}

#[tokio::test]
async fn a_false_check_in_costs_points_once() {
    let app = spawn_app().await;
    let f = field(&app).await;
    let t = TaskBuilder::new(&f).in_progress().create(&app).await;
    let (task, token) = (t.id, t.token().to_owned());
    let check_in = app
        .post(
            &format!("/api/v1/tasks/{task}/check-ins"),
            Some(&token),
            &json!({"client_id": "far", "lat": 32.009, "lon": 120.009, "accuracy_m": 5.0,
                    "captured_at": chrono::Utc::now().to_rfc3339()}),
        )
        .await;
    let id = check_in.body["id"].as_i64().unwrap();
    let path = format!("/api/v1/check-ins/{id}/dispute");
    app.post(&path, Some(&f.supervisor), &json!({"reason": "x"}))
        .await
        .assert_problem(403, "forbidden");
    let disputed = app
        .post(
            &path,
            Some(&f.officer),
            &json!({"reason": "村委会证实当日不在现场"}),
        )
        .await;
    assert_eq!(disputed.status, 201, "{}", disputed.text);
    assert_eq!(disputed.body["code"], "false_check_in");
    assert_eq!(disputed.body["points"], -2000);
    app.post(&path, Some(&f.officer), &json!({"reason": "again"}))
        .await
        .assert_problem(409, "already_exists");
}

#[tokio::test]
async fn a_few_perfect_tasks_do_not_outrank_many_good_ones() {
    let app = spawn_app().await;
    let f = field(&app).await;
    let w1 = f.workers[0].0;
    let (w2, _) = f.workers[1].clone();
    // w1: ten tasks rated 4 (good); w2: two rated 5 (perfect).
    for (who, rating) in std::iter::repeat_n((0, 4), 10).chain(std::iter::repeat_n((1, 5), 2)) {
        reviewed_task(&app, &f, who, json!({"decision": "approve", "rating": rating})).await;
    }
    let b = board(&app, &f.supervisor, None).await;
    let standing = |w: i64| {
        b["standings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["worker_id"] == w)
            .cloned()
            .unwrap()
    };
    let (many, few) = (standing(w1), standing(w2));
    assert_eq!(few["approved"], 2);
    assert_eq!(many["approved"], 10);
    assert_eq!(many["rank"], 1, "{b}");
    assert_eq!(few["rank"], 2);
    assert!(many["ranking_value"].as_f64() > few["ranking_value"].as_f64());
    assert_eq!(many["tier"], "A");
}

#[tokio::test]
async fn payouts_respect_the_per_task_cap_and_the_township_budget() {
    let app = spawn_app().await;
    let f = field(&app).await;
    let admin = app.admin_token().await;
    let current = app.get("/api/v1/scoring/scheme", Some(&admin)).await;
    assert_eq!(current.status, 200, "{}", current.text);
    assert_eq!(current.body["version"], 1);
    let mut scheme = current.body["scheme"].clone();
    // An approval of 10 points pays 1,000 fen uncapped; cap each line at 600 fen, budget 1,000
    // fen for the township, no tier bonus.
    scheme["incentives"]["fen_per_point"] = json!(100);
    scheme["incentives"]["per_task_cap_fen"] = json!(600);
    scheme["incentives"]["township_budget_fen"] = json!(1000);
    scheme["incentives"]["tier_bonus_fen"] = json!({});

    let mut invalid = scheme.clone();
    invalid["tiers"][3]["min_percentile"] = json!(5);
    let r = app
        .put(
            "/api/v1/scoring/scheme",
            Some(&admin),
            &json!({"scheme": invalid}),
        )
        .await;
    r.assert_problem(400, "invalid_input");
    assert!(
        r.body["field"].as_str().unwrap().starts_with("scheme.tiers"),
        "{}",
        r.text
    );
    app.put(
        "/api/v1/scoring/scheme",
        Some(&f.supervisor),
        &json!({"scheme": scheme}),
    )
    .await
    .assert_problem(403, "forbidden");
    let put = app
        .put(
            "/api/v1/scoring/scheme",
            Some(&admin),
            &json!({"scheme": scheme, "note": "试行"}),
        )
        .await;
    assert_eq!(put.status, 201, "{}", put.text);
    assert_eq!(put.body["version"], 2);

    for who in [0, 1, 0, 1] {
        reviewed_task(&app, &f, who, json!({"decision": "approve", "rating": 4})).await;
    }
    let payouts = app
        .get(
            &format!("/api/v1/incentives?period={}", this_month()),
            Some(&f.supervisor),
        )
        .await;
    assert_eq!(payouts.status, 200, "{}", payouts.text);
    let p = &payouts.body;
    assert_eq!(p["budget_fen"], 1000);
    assert_eq!(p["requested_fen"], 2400, "4 lines capped at 600: {p}");
    assert_eq!(p["paid_fen"], 1000, "scaled to the budget exactly: {p}");
    let per_worker = p["per_worker"].as_array().unwrap();
    assert_eq!(per_worker.len(), 2);
    assert!(per_worker.iter().all(|w| w["capped_lines"] == 2));
    let total: i64 = per_worker.iter().map(|w| w["total_fen"].as_i64().unwrap()).sum();
    assert_eq!(total, 1000);

    let csv = payroll_csv(&app, &f.supervisor).await;
    assert_eq!(csv.status, 200);
    assert!(csv.content_type().starts_with("text/csv"));
    let disposition = csv
        .headers
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let text = csv.text;
    // The sheet names its township and period, says the open period is provisional, and uses
    // the console's columns: reward, deductions, tier bonus, requested, paid.
    let month = this_month();
    let (year, mm) = month.split_once('-').unwrap();
    let period_zh = format!("{year}年{}月", mm.parse::<u32>().unwrap());
    let heading = format!(
        "\u{feff}乡镇（街道）,{}\r\n周期,{period_zh}\r\n状态,统计中（暂定），本周期结算前金额可能变化\r\n\r\n\
         账号,姓名,任务奖励(元),扣减(元),档次奖励(元),应发(元),实发(元)\r\n",
        "T1镇"
    );
    assert!(text.starts_with(&heading), "{text}");
    assert!(
        text.contains(",12.00,0.00,0.00,12.00,5.00\r\n"),
        "each worker asks 12 yuan and gets half of 10: {text}"
    );
    assert!(text.ends_with("合计,,24.00,0.00,0.00,24.00,10.00\r\n"), "{text}");
    // The file's name says the same, in Chinese (RFC 6266 filename*) and in ASCII.
    assert!(
        disposition.contains(&format!(
            "filename=\"incentives-{month}-township-{}-provisional.csv\"",
            f.township_id
        )),
        "{disposition}"
    );
    let encoded: String = format!("激励发放-T1镇-{period_zh}（暂定）.csv")
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    assert!(
        disposition.contains(&format!("filename*=UTF-8''{encoded}")),
        "{disposition}"
    );
}

#[tokio::test]
async fn appeals_are_ruled_by_the_workers_supervisor_with_a_correcting_line() {
    let app = spawn_app().await;
    let f = field(&app).await;
    let (_, token) = reviewed_task(
        &app,
        &f,
        0,
        json!({"decision": "reject", "reasons": ["illegible"]}),
    )
    .await;
    let me = app.get("/api/v1/me", Some(&token)).await.body["user"]["id"]
        .as_i64()
        .unwrap();
    let lines = breakdown(&app, &token, me).await;
    let line = lines["lines"][0]["id"].as_i64().unwrap();
    assert_eq!(lines["lines"][0]["code"], "rework_penalty");

    let other = f.workers.iter().find(|(w, _)| *w != me).unwrap().1.clone();
    app.post(
        "/api/v1/score-appeals",
        Some(&other),
        &json!({"line_id": line, "reason": "x"}),
    )
    .await
    .assert_problem(400, "invalid_input");
    let appeal = app
        .post(
            "/api/v1/score-appeals",
            Some(&token),
            &json!({"line_id": line, "reason": "照片清晰，系系统压缩所致"}),
        )
        .await;
    assert_eq!(appeal.status, 201, "{}", appeal.text);
    let id = appeal.body["id"].as_i64().unwrap();
    app.post(
        "/api/v1/score-appeals",
        Some(&token),
        &json!({"line_id": line, "reason": "again"}),
    )
    .await
    .assert_problem(409, "already_exists");
    let pending = app
        .get("/api/v1/score-appeals?status=pending", Some(&f.supervisor))
        .await;
    assert_eq!(pending.body.as_array().unwrap().len(), 1, "{}", pending.text);
    // The listing carries the line appealed: its cause, original points and task.
    let appealed = &pending.body[0]["line"];
    assert_eq!(appealed["code"], "rework_penalty", "{}", pending.text);
    assert_eq!(appealed["points"], -200, "{}", pending.text);
    assert_eq!(
        appealed["task_id"], lines["lines"][0]["task_id"],
        "{}",
        pending.text
    );
    assert!(appealed["occurred_at"].is_string(), "{}", pending.text);

    // A supervisor of another township cannot rule on it.
    let admin = app.admin_token().await;
    let court = app.get("/api/v1/me", Some(&f.officer)).await.body["scope"]["court"]["id"]
        .as_i64()
        .unwrap();
    let t2 = app.create_township(&admin, "T2", court).await;
    app.create_user(&admin, "super.zhao", "supervisor", None, Some(t2))
        .await;
    let zhao = app.token("super.zhao", PASSWORD).await;
    let decision = format!("/api/v1/score-appeals/{id}/decision");
    app.post(
        &decision,
        Some(&zhao),
        &json!({"decision": "accept", "reason": "ok"}),
    )
    .await
    .assert_problem(404, "not_found");
    // Nor see the first township's board.
    let first_township = app.get("/api/v1/me", Some(&f.supervisor)).await.body["scope"]["township"]["id"]
        .as_i64()
        .unwrap();
    app.get(
        &format!(
            "/api/v1/scores?period={}&township_id={first_township}",
            this_month()
        ),
        Some(&zhao),
    )
    .await
    .assert_problem(403, "forbidden");

    let accepted = app
        .post(
            &decision,
            Some(&f.supervisor),
            &json!({"decision": "accept", "reason": "复核属实"}),
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    assert_eq!(accepted.body["status"], "accepted");
    let after = breakdown(&app, &token, me).await;
    assert_eq!(
        points_of(&after["lines"]),
        [
            ("rework_penalty".to_owned(), -200),
            ("appeal_correction".to_owned(), 200)
        ]
    );
    assert_eq!(after["total_points"], 0);
    app.post(
        &decision,
        Some(&f.supervisor),
        &json!({"decision": "reject", "reason": "改判"}),
    )
    .await
    .assert_problem(409, "invalid_transition");
}

#[tokio::test]
async fn a_passed_training_module_certifies_and_repeated_rework_recommends_it() {
    let app = spawn_app().await;
    let f = field(&app).await;
    let admin = app.admin_token().await;
    let module = app
        .post(
            "/api/v1/training/modules",
            Some(&admin),
            &json!({"title": "查找财产线索", "task_kinds": ["locate_assets"], "reasons": ["insufficient_evidence"],
                    "validity_days": 365, "pass_score": 80}),
        )
        .await;
    assert_eq!(module.status, 201, "{}", module.text);
    let module_id = module.body["id"].as_i64().unwrap();

    // Nobody holds the certification: a locate_assets task is queued.
    let queued = TaskBuilder::new(&f).kind("locate_assets").post(&app).await;
    assert_eq!(queued.body["task"]["status"], "queued", "{}", queued.text);

    let (w1, _) = f.workers[0];
    let completions = format!("/api/v1/training/modules/{module_id}/completions");
    let today = gridassist::domain::time::today_local().to_string();
    let failed = app
        .post(
            &completions,
            Some(&f.supervisor),
            &json!({"worker_id": w1, "completed_on": today, "quiz_score": 60}),
        )
        .await;
    assert_eq!(failed.status, 201, "{}", failed.text);
    assert_eq!(failed.body["passed"], false);
    let still = TaskBuilder::new(&f).kind("locate_assets").post(&app).await;
    assert_eq!(still.body["task"]["status"], "queued");
    let passed = app
        .post(
            &completions,
            Some(&f.supervisor),
            &json!({"worker_id": w1, "completed_on": today, "quiz_score": 90}),
        )
        .await;
    assert_eq!(passed.body["passed"], true);
    let assigned = TaskBuilder::new(&f).kind("locate_assets").post(&app).await;
    assert_eq!(assigned.body["task"]["status"], "assigned", "{}", assigned.text);
    assert_eq!(assigned.body["task"]["assignee_id"], w1);
    // The pass earned the training credit.
    let lines = breakdown(&app, &f.supervisor, w1).await;
    assert!(points_of(&lines["lines"]).contains(&("training".to_owned(), 500)));

    // w2's results come back twice for insufficient evidence: the module is recommended to them.
    let w2 = f.workers[1].0;
    let mut returns = 0;
    for _ in 0..2 {
        reviewed_task(
            &app,
            &f,
            1,
            json!({"decision": "reject", "reasons": ["insufficient_evidence"]}),
        )
        .await;
        returns += 1;
    }
    assert_eq!(returns, 2, "w2 got two tasks to return");
    let training = app
        .get(&format!("/api/v1/workers/{w2}/training"), Some(&f.supervisor))
        .await;
    assert_eq!(training.status, 200, "{}", training.text);
    assert_eq!(
        training.body["recommended"][0]["module"]["id"], module_id,
        "{}",
        training.text
    );
    assert_eq!(training.body["recommended"][0]["reason"], "insufficient_evidence");
    assert_eq!(training.body["recommended"][0]["returns"], 2);
    // w1 was never sent back: nothing to recommend.
    let w1_view = app
        .get(&format!("/api/v1/workers/{w1}/training"), Some(&f.supervisor))
        .await;
    assert_eq!(w1_view.body["recommended"], json!([]));
    let w1_training = app
        .get(&format!("/api/v1/workers/{w1}/training"), Some(&f.supervisor))
        .await;
    assert_eq!(w1_training.body["completions"].as_array().unwrap().len(), 2);
}

/// Move everything that happened back by `days`, as if it had happened then (the period it
/// belongs to must have ended before it can be closed).
async fn shift_back(app: &TestApp, days: i64) {
    use diesel::prelude::*;
    use gridassist::db::schema::{score_lines, submissions, task_events, tasks};
    let d = chrono::Duration::days(days);
    app.app_state
        .db
        .run(move |conn| {
            let rows: Vec<(i64, chrono::NaiveDateTime, chrono::NaiveDateTime)> = tasks::table
                .select((tasks::id, tasks::due_at, tasks::created_at))
                .load(conn)?;
            for (id, due, created) in rows {
                diesel::update(tasks::table.find(id))
                    .set((tasks::due_at.eq(due - d), tasks::created_at.eq(created - d)))
                    .execute(conn)?;
            }
            let rows: Vec<(i64, chrono::NaiveDateTime)> = task_events::table
                .select((task_events::id, task_events::occurred_at))
                .load(conn)?;
            for (id, at) in rows {
                diesel::update(task_events::table.find(id))
                    .set(task_events::occurred_at.eq(at - d))
                    .execute(conn)?;
            }
            let rows: Vec<(i64, chrono::NaiveDateTime, Option<chrono::NaiveDateTime>)> = submissions::table
                .select((
                    submissions::id,
                    submissions::submitted_at,
                    submissions::reviewed_at,
                ))
                .load(conn)?;
            for (id, at, reviewed) in rows {
                diesel::update(submissions::table.find(id))
                    .set((
                        submissions::submitted_at.eq(at - d),
                        submissions::reviewed_at.eq(reviewed.map(|r| r - d)),
                    ))
                    .execute(conn)?;
            }
            let rows: Vec<(i64, chrono::NaiveDateTime)> = score_lines::table
                .select((score_lines::id, score_lines::occurred_at))
                .load(conn)?;
            for (id, at) in rows {
                diesel::update(score_lines::table.find(id))
                    .set(score_lines::occurred_at.eq(at - d))
                    .execute(conn)?;
            }
            Ok::<_, gridassist::error::ApiError>(())
        })
        .await
        .unwrap();
}

/// `gridassist scores recompute --period P` against the app's database.
fn recompute_cli(app: &TestApp, period: &str) -> std::process::Output {
    app.cli(&["scores", "recompute", "--period", period])
}

async fn recompute(app: &TestApp, period: &str) -> gridassist::services::scoring::Recomputed {
    let period = gridassist::domain::period::Period::parse(period).unwrap();
    app.app_state
        .db
        .run(move |conn| gridassist::services::scoring::recompute(conn, period))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_closed_period_is_frozen_and_recomputes_identically_after_a_scheme_change() {
    let app = spawn_app().await;
    let f = field(&app).await;
    let admin = app.admin_token().await;
    reviewed_task(&app, &f, 0, json!({"decision": "approve", "rating": 4})).await;
    reviewed_task(
        &app,
        &f,
        1,
        json!({"decision": "reject", "reasons": ["wrong_address"]}),
    )
    .await;
    reviewed_task(&app, &f, 1, json!({"decision": "approve", "rating": 5})).await;
    // All of that happened 40 days ago: last month (or the one before), which has ended.
    shift_back(&app, 40).await;
    let then = gridassist::domain::time::today_local() - chrono::Duration::days(40);
    let period = gridassist::domain::period::Period::month_of(then).to_string();
    let township = app.get("/api/v1/me", Some(&f.supervisor)).await.body["scope"]["township"]["id"]
        .as_i64()
        .unwrap();
    let board_path = format!("/api/v1/scores?period={period}&township_id={township}");
    let open = app.get(&board_path, Some(&admin)).await;
    assert_eq!(open.body["closed"], false);

    // The running month cannot be closed yet; the ended one can, once.
    app.post(
        "/api/v1/scores/close",
        Some(&admin),
        &json!({"period": this_month(), "township_id": township}),
    )
    .await
    .assert_problem(409, "period_open");
    app.post(
        "/api/v1/scores/close",
        Some(&f.supervisor),
        &json!({"period": period, "township_id": township}),
    )
    .await
    .assert_problem(403, "forbidden");
    let closed = app
        .post(
            "/api/v1/scores/close",
            Some(&admin),
            &json!({"period": period, "township_id": township}),
        )
        .await;
    assert_eq!(closed.status, 201, "{}", closed.text);
    assert_eq!(closed.body["standings"], open.body["standings"]);
    app.post(
        "/api/v1/scores/close",
        Some(&admin),
        &json!({"period": period, "township_id": township}),
    )
    .await
    .assert_problem(409, "already_exists");

    // The scheme changes: serving documents is now worth 50 points and everyone is tier A.
    let mut scheme = app.get("/api/v1/scoring/scheme", Some(&admin)).await.body["scheme"].clone();
    scheme["points_per_kind"]["serve_documents"] = json!(5000);
    scheme["tiers"] = json!([{"name": "A", "min_percentile": 0}]);
    scheme["incentives"]["tier_bonus_fen"] = json!({"A": 100});
    let put = app
        .put("/api/v1/scoring/scheme", Some(&admin), &json!({"scheme": scheme}))
        .await;
    assert_eq!(put.status, 201, "{}", put.text);

    // The closed period still reads as it was closed, and recomputes to the same numbers.
    let after = app.get(&board_path, Some(&f.supervisor)).await;
    assert_eq!(after.body["closed"], true);
    assert_eq!(after.body["standings"], closed.body["standings"]);
    assert_eq!(after.body["payouts"], closed.body["payouts"]);
    let report = recompute(&app, &period).await;
    assert!(report.identical, "{report:?}");
    assert_eq!(report.lines_checked, 3);
    assert_eq!(report.snapshots_checked, 1);
    let cli = recompute_cli(&app, &period);
    assert!(cli.status.success(), "{}", String::from_utf8_lossy(&cli.stderr));
    let printed: Value = serde_json::from_slice(&cli.stdout).unwrap();
    assert_eq!(printed["identical"], true);
    // New work is scored under the new version.
    reviewed_task(&app, &f, 0, json!({"decision": "approve", "rating": 4})).await;
    let now = breakdown(&app, &f.supervisor, f.workers[0].0).await;
    assert_eq!(points_of(&now["lines"]), [("approval".to_owned(), 5000)]);

    // A stored line altered behind the system's back is caught.
    let victim = closed.body["standings"][0]["worker_id"].as_i64().unwrap();
    app.app_state
        .db
        .run(move |conn| {
            use diesel::prelude::*;
            use gridassist::db::schema::score_lines;
            diesel::update(score_lines::table.filter(score_lines::worker_id.eq(victim)))
                .set(score_lines::points.eq(score_lines::points + 1))
                .execute(conn)?;
            Ok::<_, gridassist::error::ApiError>(())
        })
        .await
        .unwrap();
    let report = recompute(&app, &period).await;
    assert!(!report.identical);
    assert!(!recompute_cli(&app, &period).status.success());
    assert!(!report.line_mismatches.is_empty());
    assert_eq!(report.snapshot_mismatches, [township]);
}

#[tokio::test]
async fn outcomes_earn_the_bonus_their_kind_calls_for_and_corrections_adjust_it() {
    let app = spawn_app().await;
    let f = field(&app).await;
    let admin = app.admin_token().await;
    let sw = grid_id(&app, &admin, "G-SW").await;
    let w1 = f.workers[0].0;
    WorkerProfile::in_grid(sw)
        .certified_for(&["urge_performance"])
        .set(&app, &admin, w1)
        .await;
    let t = TaskBuilder::new(&f)
        .kind("urge_performance")
        .in_progress()
        .create(&app)
        .await;
    let (task, token) = (t.id, t.token().to_owned());
    let submitted = app
        .post(
            &format!("/api/v1/tasks/{task}/submission"),
            Some(&token),
            &json!({"client_id": "u1", "result": {"kind": "urge_performance", "response": "refused", "statement": "拒绝履行"}}),
        )
        .await;
    assert_eq!(submitted.status, 201, "{}", submitted.text);
    app.post(
        &format!("/api/v1/tasks/{task}/review"),
        Some(&f.officer),
        &json!({"decision": "approve", "rating": 3}),
    )
    .await;
    let outcome = format!("/api/v1/tasks/{task}/outcome");
    // 30,000 yuan recovered: 5 points per 10,000 yuan → 15 points.
    let first = app
        .post(
            &outcome,
            Some(&f.officer),
            &json!({"amount_recovered_fen": 3_000_000}),
        )
        .await;
    assert_eq!(first.status, 201, "{}", first.text);
    // Corrected to 200,000 yuan: capped at 50 points, the difference is a new line.
    app.post(
        &outcome,
        Some(&f.officer),
        &json!({"amount_recovered_fen": 20_000_000}),
    )
    .await;
    let lines = breakdown(&app, &f.supervisor, w1).await;
    let recovered: Vec<i64> = points_of(&lines["lines"])
        .into_iter()
        .filter(|(code, _)| code == "outcome_recovered")
        .map(|(_, p)| p)
        .collect();
    assert_eq!(recovered, [1500, 3500]);
}

#[tokio::test]
async fn a_payroll_cell_that_starts_like_a_formula_is_neutralised_full_width_ones_too() {
    let app = spawn_app().await;
    let f = field(&app).await;
    let admin = app.admin_token().await;
    // A Chinese input method in full-width mode types ＝, which Excel and WPS read as =.
    let (worker, _) = f.workers[0];
    let renamed = app
        .patch(
            &format!("/api/v1/users/{worker}"),
            Some(&admin),
            &json!({"display_name": "＝HYPERLINK(\"http://x.example\",\"点击\")"}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    let (other, _) = f.workers[1];
    let renamed = app
        .patch(
            &format!("/api/v1/users/{other}"),
            Some(&admin),
            &json!({"display_name": "=1+1"}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    for who in [0, 1] {
        reviewed_task(&app, &f, who, json!({"decision": "approve", "rating": 4})).await;
    }
    let csv = payroll_csv(&app, &f.supervisor).await;
    assert_eq!(csv.status, 200);
    let text = csv.text;
    let names: Vec<&str> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(',').map(|(_, rest)| rest))
        .collect();
    assert!(
        names.iter().any(|n| n.starts_with("\"'＝HYPERLINK(")),
        "the full-width = is shown as text: {text}"
    );
    assert!(
        names.iter().any(|n| n.starts_with("'=1+1,")),
        "and so is the ASCII one: {text}"
    );
}
