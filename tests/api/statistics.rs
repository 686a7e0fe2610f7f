//! The court's statistics against a small county built by hand: cases filed and closed (with
//! the share grid workers helped), tasks by status, kind and township, median hours to the first
//! check-in and to approval, cases per officer; period boundaries in China time; scope; bad and
//! future periods. Also closing a case, which the closing figures rest on.

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{Value, json};

use crate::fixtures::{CaseBuilder, Field, Stage, TaskBuilder, field};
use crate::helpers::{TestApp, spawn_app};

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(h, min, 0)
        .unwrap()
}

async fn new_case(app: &TestApp, officer: &str, number: &str, filed_on: &str) -> i64 {
    CaseBuilder::new(number)
        .filed_on(filed_on)
        .create(app, officer)
        .await
        .id
}

/// Put a task's creation and its events of each action (oldest first) at the given instants, as
/// if they had happened then.
async fn backdate(
    app: &TestApp,
    task: i64,
    created: NaiveDateTime,
    actions: Vec<(&'static str, Vec<NaiveDateTime>)>,
) {
    use diesel::prelude::*;
    use gridassist::db::schema::{task_events, tasks};
    app.app_state
        .db
        .run(move |conn| {
            diesel::update(tasks::table.find(task))
                .set(tasks::created_at.eq(created))
                .execute(conn)?;
            for (action, times) in actions {
                let ids: Vec<i64> = task_events::table
                    .filter(task_events::task_id.eq(task))
                    .filter(task_events::action.eq(action))
                    .order(task_events::id)
                    .select(task_events::id)
                    .load(conn)?;
                assert_eq!(ids.len(), times.len(), "task {task}: {action} events");
                for (id, at) in ids.into_iter().zip(times) {
                    diesel::update(task_events::table.find(id))
                        .set(task_events::occurred_at.eq(at))
                        .execute(conn)?;
                }
            }
            Ok::<_, gridassist::error::ApiError>(())
        })
        .await
        .unwrap();
}

async fn closed_at(app: &TestApp, case_id: i64, at: NaiveDateTime) {
    use diesel::prelude::*;
    use gridassist::db::schema::cases;
    app.app_state
        .db
        .run(move |conn| {
            diesel::update(cases::table.find(case_id))
                .set(cases::closed_at.eq(Some(at)))
                .execute(conn)
                .map_err(gridassist::error::ApiError::from)
        })
        .await
        .unwrap();
}

async fn statistics(app: &TestApp, token: &str, query: &str) -> crate::helpers::Reply {
    app.get(&format!("/api/v1/statistics?{query}"), Some(token)).await
}

fn statuses(pairs: &[(&str, u64)]) -> Value {
    let mut all = json!({"created": 0, "queued": 0, "assigned": 0, "accepted": 0, "in_progress": 0,
                         "submitted": 0, "returned": 0, "approved": 0, "cancelled": 0});
    for (status, n) in pairs {
        all[*status] = json!(n);
    }
    all
}

/// The hand-built county (see the module notes); returns the field and the id of township T1.
struct Scenario {
    f: Field,
    township_id: i64,
    other_officer: String,
}

async fn scenario(app: &TestApp) -> Scenario {
    let f = field(app).await;
    let admin = app.admin_token().await;
    let me = app.get("/api/v1/me", Some(&f.officer)).await;
    let court = me.body["scope"]["court"]["id"].as_i64().unwrap();
    let township_id = app.get("/api/v1/townships", Some(&f.officer)).await.body["items"][0]["id"]
        .as_i64()
        .unwrap();
    // A second active officer and a deactivated one (not counted).
    app.create_user(&admin, "officer.zhao", "officer", Some(court), None)
        .await;
    let gone = app
        .create_user(&admin, "officer.qian", "officer", Some(court), None)
        .await;
    let r = app
        .patch(
            &format!("/api/v1/users/{gone}"),
            Some(&admin),
            &json!({"active": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    // Another court's case in the same month: never counted for C1.
    let other_court = app.create_court(&admin, "C2").await;
    let other_officer = app.officer_of(&admin, "officer.zhou", other_court).await;
    new_case(app, &other_officer, "(2026)苏1283执900号", "2026-03-03").await;

    // A: filed 2 March, one task checked in twice and approved, concluded in March.
    let a = new_case(app, &f.officer, "(2026)苏1283执101号", "2026-03-02").await;
    let a1 = TaskBuilder::new(&f)
        .on_case(a)
        .visits(2)
        .approved()
        .create(app)
        .await
        .id;
    assert_eq!(app.close_case(&f.officer, a, "concluded").await.status, 200);
    backdate(
        app,
        a1,
        utc(2026, 3, 3, 0, 0),
        vec![
            ("check_in", vec![utc(2026, 3, 3, 2, 0), utc(2026, 3, 3, 5, 0)]),
            ("approve", vec![utc(2026, 3, 4, 0, 0)]),
        ],
    )
    .await;
    closed_at(app, a, utc(2026, 3, 5, 2, 0)).await;

    // B: filed 10 March, its task withdrawn, terminated (终本) in March. The task was created at
    // 01:00 on 1 March in China, still 28 February in UTC.
    let b = new_case(app, &f.officer, "(2026)苏1283执102号", "2026-03-10").await;
    let b1 = TaskBuilder::new(&f).on_case(b).create(app).await.id;
    let r = app.cancel(&f.officer, b1, &json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(app.close_case(&f.officer, b, "terminated").await.status, 200);
    backdate(app, b1, utc(2026, 2, 28, 17, 0), vec![]).await;
    closed_at(app, b, utc(2026, 3, 12, 0, 0)).await;

    // C: filed 20 March and still open: a task in progress, and one known only by its address,
    // waiting in the court's queue in no township.
    let c = new_case(app, &f.officer, "(2026)苏1283执103号", "2026-03-20").await;
    let c1 = TaskBuilder::new(&f).on_case(c).in_progress().create(app).await.id;
    backdate(
        app,
        c1,
        utc(2026, 3, 21, 0, 0),
        vec![("check_in", vec![utc(2026, 3, 21, 6, 0)])],
    )
    .await;
    let queued = TaskBuilder::new(&f)
        .on_case(c)
        .address_only("泰兴市某镇某村")
        .create(app)
        .await;
    assert_eq!(queued.body()["status"], "queued");
    backdate(app, queued.id, utc(2026, 3, 22, 0, 0), vec![]).await;

    // D: the field's case, filed 10 January; its task approved in January; concluded at 23:30 on
    // 31 March in China.
    let d1 = TaskBuilder::new(&f).approved().create(app).await.id;
    assert_eq!(
        app.close_case(&f.officer, f.case_id, "concluded").await.status,
        200
    );
    backdate(
        app,
        d1,
        utc(2026, 1, 15, 0, 0),
        vec![
            ("check_in", vec![utc(2026, 1, 15, 1, 0)]),
            ("approve", vec![utc(2026, 1, 16, 0, 0)]),
        ],
    )
    .await;
    closed_at(app, f.case_id, utc(2026, 3, 31, 15, 30)).await;
    Scenario {
        f,
        township_id,
        other_officer,
    }
}

#[tokio::test]
async fn a_month_counts_cases_tasks_timings_and_officers_exactly() {
    let app = spawn_app().await;
    let s = scenario(&app).await;
    let r = statistics(&app, &s.f.officer, "period=2026-03").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let b = &r.body;
    assert_eq!(b["period"], "2026-03");
    assert_eq!(b["starts_on"], "2026-03-01");
    assert_eq!(b["ends_before"], "2026-04-01");
    assert_eq!(b["court_name"], "C1法院");
    assert_eq!(
        b["cases"],
        json!({"filed": 3, "filed_by_status": {"open": 1, "concluded": 1, "terminated": 1},
               "closed": 3, "concluded": 2, "terminated": 1, "closed_with_grid_help": 2,
               "grid_help_share": 0.6667})
    );
    assert_eq!(b["tasks"]["created"], 4);
    let by_status = statuses(&[
        ("approved", 1),
        ("cancelled", 1),
        ("in_progress", 1),
        ("queued", 1),
    ]);
    assert_eq!(b["tasks"]["by_status"], by_status);
    let kinds = b["tasks"]["by_kind"].as_array().unwrap();
    assert_eq!(kinds.len(), gridassist::domain::TaskKind::ALL.len());
    for k in kinds {
        if k["kind"] == "serve_documents" {
            assert_eq!(k["label"], "文书送达");
            assert_eq!(k["total"], 4);
            assert_eq!(k["by_status"], by_status);
        } else {
            assert_eq!(k["total"], 0, "{k}");
        }
    }
    assert_eq!(
        b["tasks"]["by_township"],
        json!([
            {"township_id": s.township_id, "code": "T1", "name": "T1镇", "total": 3,
             "by_status": statuses(&[("approved", 1), ("cancelled", 1), ("in_progress", 1)])},
            {"township_id": null, "code": null, "name": null, "total": 1,
             "by_status": statuses(&[("queued", 1)])}
        ])
    );
    // First check-ins after 2 h (A1, the earlier of its two visits) and 6 h (C1); approval after 24 h.
    assert_eq!(
        b["timings"],
        json!({"checked_in": 2, "median_hours_to_first_check_in": 4.0,
               "approved": 1, "median_hours_to_approval": 24.0})
    );
    assert_eq!(b["officers"], 2);
    assert_eq!(b["cases_per_officer"], 1.5);

    // The quarter adds January's case D and its task.
    let q = statistics(&app, &s.f.officer, "period=2026-Q1").await;
    assert_eq!(q.status, 200, "{}", q.text);
    assert_eq!(q.body["cases"]["filed"], 4);
    assert_eq!(q.body["cases"]["closed"], 3);
    assert_eq!(q.body["tasks"]["created"], 5);
    assert_eq!(
        q.body["timings"],
        json!({"checked_in": 3, "median_hours_to_first_check_in": 2.0,
               "approved": 2, "median_hours_to_approval": 24.0})
    );
    assert_eq!(q.body["cases_per_officer"], 2.0);

    // February: only B1's creation would be there in UTC, but it is March in China.
    let feb = statistics(&app, &s.f.officer, "period=2026-02").await;
    assert_eq!(feb.body["tasks"]["created"], 0, "{}", feb.text);

    // An admin names the court and sees the same figures.
    let admin = app.admin_token().await;
    let court_id = b["court_id"].as_i64().unwrap();
    let by_admin = statistics(&app, &admin, &format!("period=2026-03&court_id={court_id}")).await;
    assert_eq!(by_admin.status, 200, "{}", by_admin.text);
    for part in ["cases", "tasks", "timings", "officers", "cases_per_officer"] {
        assert_eq!(by_admin.body[part], b[part], "{part}");
    }
    // The other court's officer sees only their own case.
    let other = statistics(&app, &s.other_officer, "period=2026-03").await;
    assert_eq!(other.body["cases"]["filed"], 1, "{}", other.text);
    assert_eq!(other.body["tasks"]["created"], 0);
    assert_eq!(other.body["officers"], 1);
}

#[tokio::test]
async fn an_empty_period_is_zeros_and_nulls_and_bad_periods_and_scopes_are_refused() {
    let app = spawn_app().await;
    let f = field(&app).await;
    let empty = statistics(&app, &f.officer, "period=2025-06").await;
    assert_eq!(empty.status, 200, "{}", empty.text);
    assert_eq!(
        empty.body["cases"],
        json!({"filed": 0, "filed_by_status": {"open": 0, "concluded": 0, "terminated": 0},
               "closed": 0, "concluded": 0, "terminated": 0, "closed_with_grid_help": 0,
               "grid_help_share": null})
    );
    assert_eq!(empty.body["tasks"]["created"], 0);
    assert_eq!(empty.body["tasks"]["by_status"], statuses(&[]));
    assert_eq!(
        empty.body["tasks"]["by_kind"].as_array().unwrap().len(),
        gridassist::domain::TaskKind::ALL.len()
    );
    assert_eq!(empty.body["tasks"]["by_township"].as_array().unwrap().len(), 2);
    assert_eq!(
        empty.body["timings"],
        json!({"checked_in": 0, "median_hours_to_first_check_in": null,
               "approved": 0, "median_hours_to_approval": null})
    );
    assert_eq!(empty.body["officers"], 1);
    assert_eq!(empty.body["cases_per_officer"], 0.0);
    // The running month is fine.
    let now = gridassist::domain::period::Period::month_of(gridassist::domain::time::today_local());
    assert_eq!(
        statistics(&app, &f.officer, &format!("period={now}"))
            .await
            .status,
        200
    );

    for bad in ["period=2026-13", "period=soon", "", "period=2100"] {
        let r = statistics(&app, &f.officer, bad).await;
        r.assert_problem(400, "invalid_input");
        assert_eq!(r.body["field"], "period", "{bad}: {}", r.text);
    }
    let admin = app.admin_token().await;
    let r = statistics(&app, &admin, "period=2026-03").await;
    r.assert_problem(400, "invalid_input");
    assert_eq!(r.body["field"], "court_id");
    statistics(&app, &admin, "period=2026-03&court_id=999999")
        .await
        .assert_problem(404, "not_found");
    let other_court = app.create_court(&admin, "C9").await;
    statistics(
        &app,
        &f.officer,
        &format!("period=2026-03&court_id={other_court}"),
    )
    .await
    .assert_problem(403, "forbidden");
    statistics(&app, &f.supervisor, "period=2026-03")
        .await
        .assert_problem(403, "forbidden");
    statistics(&app, &f.workers[0].1, "period=2026-03")
        .await
        .assert_problem(403, "forbidden");
    let r = app.get("/api/v1/statistics?period=2026-03", None).await;
    r.assert_problem(401, "unauthenticated");
}

#[tokio::test]
async fn a_case_closes_once_its_tasks_are_settled_and_then_takes_no_new_tasks() {
    let app = spawn_app().await;
    let f = field(&app).await;
    let mut task = TaskBuilder::new(&f).create(&app).await;
    app.close_case(&f.officer, f.case_id, "concluded")
        .await
        .assert_problem(409, "case_has_open_tasks");
    app.close_case(&f.supervisor, f.case_id, "concluded")
        .await
        .assert_problem(403, "forbidden");
    let r = app.close_case(&f.officer, f.case_id, "finished").await;
    r.assert_problem(400, "malformed_body");
    let admin = app.admin_token().await;
    let other_court = app.create_court(&admin, "C2").await;
    let stranger = app.officer_of(&admin, "officer.zhou", other_court).await;
    app.close_case(&stranger, f.case_id, "concluded")
        .await
        .assert_problem(404, "not_found");

    task.advance(&app, Stage::Reviewed).await;
    let closed = app.close_case(&f.officer, f.case_id, "terminated").await;
    assert_eq!(closed.status, 200, "{}", closed.text);
    assert_eq!(closed.body["status"], "terminated");
    assert!(closed.body["closed_at"].is_string());
    app.close_case(&f.officer, f.case_id, "concluded")
        .await
        .assert_problem(409, "case_closed");
    TaskBuilder::new(&f)
        .post(&app)
        .await
        .assert_problem(409, "case_closed");

    // The applicant sees the case closed, with the closing as the last step.
    let code = app.issue_access_code(&f.officer, f.case_id).await.body["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let view = app
        .get(&format!("/api/v1/public/cases/{code}/progress"), None)
        .await;
    assert_eq!(view.status, 200, "{}", view.text);
    assert_eq!(view.body["case_status"], "terminated");
    assert_eq!(view.body["case_status_label"], "终结本次执行");
    assert_eq!(
        view.body["closed_on"],
        gridassist::domain::time::today_local().to_string()
    );
    let timeline = view.body["timeline"].as_array().unwrap();
    assert_eq!(timeline.last().unwrap()["milestone"], "case_closed");
    let audit = app
        .get("/api/v1/audit-events?action=case.close", Some(&admin))
        .await;
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 1, "{}", audit.text);
}
