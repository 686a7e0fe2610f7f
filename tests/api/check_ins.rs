//! Check-ins at task targets: conversion, flags, the start of work, retries.

use gridassist::geo::{LatLon, wgs84_to_gcj02};
use serde_json::json;

use crate::fixtures::work::fix;
use crate::fixtures::{TaskBuilder, field};
use crate::helpers::spawn_app;

#[tokio::test]
async fn the_first_check_in_starts_the_work_and_a_retry_records_nothing_new() {
    let app = spawn_app().await;
    let s = field(&app).await;
    let id = TaskBuilder::new(&s)
        .expect_assignee(s.workers[0].0)
        .create(&app)
        .await
        .id;
    let (_, worker) = &s.workers[0];
    let path = format!("/api/v1/tasks/{id}/check-ins");
    let now = chrono::Utc::now();
    let at_door = wgs84_to_gcj02(LatLon {
        lat: 32.00502,
        lon: 120.00501,
    });

    // Not accepted yet: checking in is refused.
    app.post(&path, Some(worker), &fix("c-0", at_door, "gcj02", 8.0, now))
        .await
        .assert_problem(409, "invalid_transition");
    app.accept(worker, id).await;

    let first = app
        .post(&path, Some(worker), &fix("c-1", at_door, "gcj02", 8.0, now))
        .await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.body["task_status"], "in_progress");
    assert_eq!(first.body["flags"], json!([]));
    assert!(first.body["distance_m"].as_f64().unwrap() < 5.0, "{}", first.text);
    assert!(
        (first.body["lat"].as_f64().unwrap() - 32.00502).abs() < 1e-6,
        "stored in WGS-84"
    );

    // The phone lost the answer and sends it again, three times, two at once.
    let body = fix("c-1", at_door, "gcj02", 8.0, now);
    let again = app.post(&path, Some(worker), &body).await;
    let (a, b) = tokio::join!(
        app.post(&path, Some(worker), &body),
        app.post(&path, Some(worker), &body)
    );
    for r in [&again, &a, &b] {
        assert_eq!(r.status, 200, "{}", r.text);
        assert_eq!(r.body["id"], first.body["id"]);
    }
    // Same id, different fix: refused.
    let other = fix("c-1", at_door, "gcj02", 30.0, now);
    app.post(&path, Some(worker), &other)
        .await
        .assert_problem(422, "idempotency_conflict");

    let check_ins = app
        .task_actions(&s.officer, id)
        .await
        .iter()
        .filter(|a| *a == "check_in")
        .count();
    assert_eq!(check_ins, 1);
    let task = app.get(&format!("/api/v1/tasks/{id}"), Some(&s.officer)).await;
    assert_eq!(task.body["status"], "in_progress");
}

#[tokio::test]
async fn doubtful_fixes_are_kept_and_flagged() {
    let app = spawn_app().await;
    let s = field(&app).await;
    let id = TaskBuilder::new(&s)
        .expect_assignee(s.workers[0].0)
        .accepted()
        .create(&app)
        .await
        .id;
    let (_, worker) = &s.workers[0];
    let path = format!("/api/v1/tasks/{id}/check-ins");
    let now = chrono::Utc::now();

    // A GCJ-02 reading sent as if it were WGS-84 lands ~500 m off: far from the target.
    let misread = wgs84_to_gcj02(LatLon {
        lat: 32.005,
        lon: 120.005,
    });
    let r = app
        .post(&path, Some(worker), &fix("f-1", misread, "wgs84", 10.0, now))
        .await;
    assert_eq!(r.body["flags"], json!(["far_from_target"]), "{}", r.text);
    let d = r.body["distance_m"].as_f64().unwrap();
    assert!(d > 200.0 && d < 1000.0, "{d}");

    let here = LatLon {
        lat: 32.005,
        lon: 120.005,
    };
    let r = app
        .post(&path, Some(worker), &fix("f-2", here, "wgs84", 250.0, now))
        .await;
    assert_eq!(r.body["flags"], json!(["poor_accuracy"]));
    // A phone whose clock is an hour behind: skewed, and apparently before the assignment.
    let r = app
        .post(
            &path,
            Some(worker),
            &fix("f-3", here, "wgs84", 10.0, now - chrono::Duration::hours(1)),
        )
        .await;
    assert_eq!(r.body["flags"], json!(["clock_skew", "before_assignment"]));
    assert_eq!(r.status, 201);

    // Only the assignee checks in; bad input names the field.
    let (_, other) = &s.workers[1];
    app.post(&path, Some(other), &fix("x-1", here, "wgs84", 10.0, now))
        .await
        .assert_problem(404, "not_found");
    let mut bad = fix("f-4", here, "wgs84", 10.0, now);
    bad["lat"] = json!(95.0);
    assert_eq!(app.post(&path, Some(worker), &bad).await.body["field"], "lat");
    let mut bad = fix("f-5", here, "wgs84", -1.0, now);
    bad.as_object_mut().unwrap().remove("client_id");
    assert_eq!(
        app.post(&path, Some(worker), &bad).await.body["field"],
        "client_id"
    );
}

#[tokio::test]
async fn a_worker_who_was_just_nearby_wins_a_tie() {
    let app = spawn_app().await;
    let s = field(&app).await;
    let (w2, w2_token) = &s.workers[1];
    // w2 works a task at the south-west corner of G-SW, then that task is cancelled.
    let id = TaskBuilder::new(&s)
        .at(32.001, 120.001)
        .given_to(*w2)
        .accepted()
        .create(&app)
        .await
        .id;
    let here = LatLon {
        lat: 32.001,
        lon: 120.001,
    };
    let r = app
        .check_in(w2_token, id, &fix("n-1", here, "wgs84", 5.0, chrono::Utc::now()))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    app.cancel(&s.officer, id, &json!({})).await;

    // A new task next door: equal load, no declines; w2's last fix is near, w1's unknown.
    let next = TaskBuilder::new(&s).at(32.002, 120.002).create(&app).await;
    let next = next.created;
    assert_eq!(next.body["task"]["assignee_id"], *w2, "{}", next.text);
    let reason = next.body["assignment"]["attempts"][0]["choice"]["reason"]
        .as_str()
        .unwrap();
    assert!(reason.contains("nearer last check-in"), "{reason}");
}

#[tokio::test]
async fn the_courts_officers_see_where_the_worker_checked_in_and_the_read_is_audited() {
    let w = crate::fixtures::two_courts::build_world().await;
    let path = format!("/api/v1/tasks/{}/check-ins", w.a.approved);
    let r = w.app.get(&path, Some(&w.a.officer)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let list = r.body.as_array().expect("a list");
    assert_eq!(list.len(), 1, "{}", r.text);
    assert_eq!(list[0]["id"], w.a.check_in_id);
    assert_eq!(list[0]["worker_id"], w.a.worker_id);
    assert!(list[0]["lat"].as_f64().is_some() && list[0]["lon"].as_f64().is_some());
    assert!(list[0]["flags"].is_array());

    // Where a worker stood is for the court that judges it: not the township's supervisor, not
    // the worker, not an administrator; another court's officer does not learn the task exists.
    for token in [&w.a.supervisor, &w.a.worker, &w.admin] {
        w.app
            .get(&path, Some(token))
            .await
            .assert_problem(403, "forbidden");
    }
    w.app
        .get(&path, Some(&w.b.officer))
        .await
        .assert_problem(404, "not_found");

    let rows = w
        .app
        .get(
            &format!(
                "/api/v1/audit-events?action=check_in.read&object_id={}",
                w.a.approved
            ),
            Some(&w.admin),
        )
        .await;
    assert_eq!(rows.status, 200, "{}", rows.text);
    let items = rows.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "one read, one row: {}", rows.text);
    assert_eq!(items[0]["actor_role"], "officer");
    assert_eq!(items[0]["purpose"], format!("task:{}", w.a.approved));
}
