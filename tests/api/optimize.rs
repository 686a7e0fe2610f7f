//! Batch assignment of the queue: exact (beats greedy where greedy is wrong), dry run vs commit,
//! scope.

use serde_json::{Value, json};

use crate::fixtures::{Field, TaskBuilder, WorkerProfile, field, grid_id};
use crate::helpers::{TestApp, spawn_app};

/// Worker `worker` in `grid`, certified to locate people, one task at a time.
async fn locates_people_in(app: &TestApp, admin: &str, worker: i64, grid: i64) {
    WorkerProfile::in_grid(grid)
        .certified_for(&["locate_person"])
        .capacity(1)
        .set(app, admin, worker)
        .await;
}

/// A locate_person task at a point, which nobody can take yet: queued.
async fn queued_task(app: &TestApp, f: &Field, lat: f64, lon: f64) -> i64 {
    let task = TaskBuilder::new(f)
        .kind("locate_person")
        .at(lat, lon)
        .create(app)
        .await;
    assert_eq!(task.body()["status"], "queued", "{}", task.created.text);
    task.id
}

fn assigned_to(plan: &Value, task: i64) -> i64 {
    plan["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["task_id"] == task)
        .map(|a| a["worker_id"].as_i64().unwrap())
        .unwrap()
}

#[tokio::test]
async fn the_queue_is_assigned_with_the_least_total_distance_where_greedy_would_not() {
    let app = spawn_app().await;
    let f = field(&app).await;
    let admin = app.admin_token().await;
    // Nobody is certified to locate people yet: both tasks wait in the township's queue.
    // t1 lies between the two grids' centres, a little nearer the south-west one; t2 right by it.
    let t1 = queued_task(&app, &f, 32.0095, 120.0095).await;
    let t2 = queued_task(&app, &f, 32.004, 120.004).await;
    // w1 lives in the south-west grid, w2 in the north-east one; one task each.
    let (w1, w2) = (f.workers[0].0, f.workers[1].0);
    locates_people_in(&app, &admin, w1, grid_id(&app, &admin, "G-SW").await).await;
    locates_people_in(&app, &admin, w2, grid_id(&app, &admin, "G-NE").await).await;

    let path = "/api/v1/assignments/optimize";
    let plan = app.post(path, Some(&f.supervisor), &json!({})).await;
    assert_eq!(plan.status, 200, "{}", plan.text);
    let p = &plan.body;
    assert_eq!(p["committed"], false);
    assert_eq!(p["tasks_considered"], 2);
    // Greedy gives t1 to the nearest (w1) and sends w2 across the map for t2; the optimum swaps.
    assert_eq!(assigned_to(p, t1), w2);
    assert_eq!(assigned_to(p, t2), w1);
    let (best, greedy) = (
        p["total_distance_m"].as_f64().unwrap(),
        p["greedy"]["total_distance_m"].as_f64().unwrap(),
    );
    assert!(best < greedy * 0.6, "{p}");
    assert!(p["saving_pct"].as_f64().unwrap() > 40.0);
    // A dry run changes nothing.
    let still = app.get(&format!("/api/v1/tasks/{t1}"), Some(&f.officer)).await;
    assert_eq!(still.body["status"], "queued");

    let applied = app.post(path, Some(&f.officer), &json!({"dry_run": false})).await;
    assert_eq!(applied.status, 200, "{}", applied.text);
    assert_eq!(applied.body["committed"], true);
    for (task, worker) in [(t1, w2), (t2, w1)] {
        let t = app.get(&format!("/api/v1/tasks/{task}"), Some(&f.officer)).await;
        assert_eq!(t.body["status"], "assigned");
        assert_eq!(t.body["assignee_id"], worker);
        let events = app
            .get(&format!("/api/v1/tasks/{task}/events"), Some(&f.officer))
            .await;
        let last = events.body.as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["reason_code"], "optimized");
    }
    // The queue is empty now.
    let again = app.post(path, Some(&f.officer), &json!({})).await;
    assert_eq!(again.body["tasks_considered"], 0);

    // Chosen tasks must be plannable: an accepted one is refused and nothing is applied.
    app.accept(&f.workers[1].1, t1).await;
    app.post(
        path,
        Some(&f.officer),
        &json!({"task_ids": [t1, t2], "dry_run": false}),
    )
    .await
    .assert_problem(409, "invalid_transition");
    app.post(path, Some(&f.workers[0].1), &json!({}))
        .await
        .assert_problem(403, "forbidden");
    app.post(path, Some(&f.officer), &json!({"task_ids": [999_999]}))
        .await
        .assert_problem(400, "invalid_input");
}
