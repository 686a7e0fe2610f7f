use serde_json::{Value, json};

use crate::fixtures::{TaskBuilder, WorkerProfile, collection, county, grid_id, square};
use crate::helpers::{PASSWORD, spawn_app};

/// A profile in `primary` and `others`, certified to serve documents, capacity 12.
fn profile(primary: i64, others: &[i64]) -> Value {
    WorkerProfile::in_grid(primary)
        .also_in(others)
        .capacity(12)
        .body()
}

#[tokio::test]
async fn a_supervisor_assigns_grids_and_certifications_to_a_worker_in_their_township() {
    let app = spawn_app().await;
    let c = county(&app).await;
    let worker = app
        .create_user(&c.admin, "worker.zhao", "worker", None, Some(c.township_id))
        .await;
    app.create_user(&c.admin, "super.li", "supervisor", None, Some(c.township_id))
        .await;
    let supervisor = app.token("super.li", PASSWORD).await;
    let (sw, se) = (
        grid_id(&app, &c.admin, "G-SW").await,
        grid_id(&app, &c.admin, "G-SE").await,
    );

    let r = app
        .put(
            &format!("/api/v1/workers/{worker}"),
            Some(&supervisor),
            &profile(sw, &[se]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["capacity"], 12);
    assert_eq!(r.body["grids"][0]["code"], "G-SW");
    assert_eq!(r.body["grids"][0]["primary"], true);
    assert_eq!(r.body["grids"][1]["code"], "G-SE");
    assert_eq!(r.body["certifications"][0]["task_kind"], "serve_documents");

    // The worker sees the same profile, and their grids in /me.
    let own = app.token("worker.zhao", PASSWORD).await;
    let r = app.get(&format!("/api/v1/workers/{worker}"), Some(&own)).await;
    assert_eq!(r.body["grids"].as_array().unwrap().len(), 2, "{}", r.text);
    let me = app.get("/api/v1/me", Some(&own)).await;
    assert_eq!(me.body["scope"]["grids"][0]["code"], "G-SW");

    // Going on leave needs the end date.
    let mut leave = profile(sw, &[]);
    leave["availability"] = json!("on_leave");
    let r = app
        .put(&format!("/api/v1/workers/{worker}"), Some(&supervisor), &leave)
        .await;
    r.assert_problem(400, "invalid_input");
    assert_eq!(r.body["field"], "on_leave_until");
    leave["on_leave_until"] = json!("2099-01-31");
    let r = app
        .put(&format!("/api/v1/workers/{worker}"), Some(&supervisor), &leave)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["availability"], "on_leave");
    assert_eq!(r.body["grids"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn profiles_are_out_of_reach_outside_the_supervisors_township() {
    let app = spawn_app().await;
    let c = county(&app).await;
    let other = app.create_township(&c.admin, "T2", c.court_id).await;
    app.import_grids(
        &c.admin,
        &collection(vec![square("G-T2", "T2", 121.0, 32.0, 0.01)]),
        "wgs84",
    )
    .await;
    let far_worker = app
        .create_user(&c.admin, "worker.far", "worker", None, Some(other))
        .await;
    let near_worker = app
        .create_user(&c.admin, "worker.near", "worker", None, Some(c.township_id))
        .await;
    app.create_user(&c.admin, "super.li", "supervisor", None, Some(c.township_id))
        .await;
    app.create_user(&c.admin, "officer.wang", "officer", Some(c.court_id), None)
        .await;
    let supervisor = app.token("super.li", PASSWORD).await;
    let sw = grid_id(&app, &c.admin, "G-SW").await;
    let t2_grid = grid_id(&app, &c.admin, "G-T2").await;

    app.get(&format!("/api/v1/workers/{far_worker}"), Some(&supervisor))
        .await
        .assert_problem(404, "not_found");
    app.put(
        &format!("/api/v1/workers/{far_worker}"),
        Some(&supervisor),
        &profile(t2_grid, &[]),
    )
    .await
    .assert_problem(404, "not_found");
    // A grid of another township cannot be given to this township's worker.
    let r = app
        .put(
            &format!("/api/v1/workers/{near_worker}"),
            Some(&supervisor),
            &profile(t2_grid, &[]),
        )
        .await;
    r.assert_problem(400, "invalid_input");
    assert_eq!(r.body["field"], "primary_grid_id");
    let r = app
        .put(
            &format!("/api/v1/workers/{near_worker}"),
            Some(&supervisor),
            &profile(sw, &[9999]),
        )
        .await;
    assert_eq!(r.body["field"], "other_grid_ids[0]", "{}", r.text);

    // Workers cannot edit profiles, not even their own; officers cannot see them.
    let worker = app.token("worker.near", PASSWORD).await;
    app.put(
        &format!("/api/v1/workers/{near_worker}"),
        Some(&worker),
        &profile(sw, &[]),
    )
    .await
    .assert_problem(403, "forbidden");
    app.get(&format!("/api/v1/workers/{far_worker}"), Some(&worker))
        .await
        .assert_problem(403, "forbidden");
    let officer = app.token("officer.wang", PASSWORD).await;
    app.get(&format!("/api/v1/workers/{near_worker}"), Some(&officer))
        .await
        .assert_problem(403, "forbidden");

    // Admins reach everyone; a failed edit left nothing behind.
    let r = app
        .get(&format!("/api/v1/workers/{near_worker}"), Some(&c.admin))
        .await;
    assert_eq!(r.body["grids"].as_array().unwrap().len(), 0, "{}", r.text);
    assert_eq!(r.body["capacity"], 10);
}

#[tokio::test]
async fn capacity_and_certification_kinds_are_checked() {
    let app = spawn_app().await;
    let c = county(&app).await;
    let worker = app
        .create_user(&c.admin, "worker.zhao", "worker", None, Some(c.township_id))
        .await;
    let sw = grid_id(&app, &c.admin, "G-SW").await;
    let mut body = profile(sw, &[]);
    body["capacity"] = json!(-1);
    let r = app
        .put(&format!("/api/v1/workers/{worker}"), Some(&c.admin), &body)
        .await;
    assert_eq!(r.body["field"], "capacity", "{}", r.text);
    let mut body = profile(sw, &[]);
    body["certifications"] = json!([{"task_kind": "fortune_telling", "certified_on": "2026-01-05"}]);
    let r = app
        .put(&format!("/api/v1/workers/{worker}"), Some(&c.admin), &body)
        .await;
    r.assert_problem(400, "malformed_body");
    assert_eq!(r.body["field"], "certifications[0].task_kind", "{}", r.text);
}

#[tokio::test]
async fn officers_and_supervisors_list_the_workers_they_may_assign_with_load_and_certifications() {
    let app = spawn_app().await;
    let f = crate::fixtures::field(&app).await;
    let admin = app.admin_token().await;
    // A second township of the same court, with a worker, and a township of another court.
    let court = app.get("/api/v1/townships", Some(&admin)).await.body["items"][0]["court_id"]
        .as_i64()
        .unwrap();
    let t2 = app.create_township(&admin, "T2", court).await;
    let other_court = app.create_court(&admin, "C2").await;
    let t3 = app.create_township(&admin, "T3", other_court).await;
    let w3 = app.create_user(&admin, "worker3", "worker", None, Some(t2)).await;
    let (w1, w2) = (f.workers[0].0, f.workers[1].0);
    // One task held by whoever was chosen.
    let created = TaskBuilder::new(&f).post(&app).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let holder = created.body["task"]["assignee_id"].as_i64().unwrap();

    // The officer: every township of the court, in id order, with grids, certifications, load.
    let r = app.get("/api/v1/workers", Some(&f.officer)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let items = r.body["items"].as_array().unwrap();
    let ids: Vec<i64> = items.iter().map(|w| w["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![w1, w2, w3]);
    let first = &items[0];
    assert_eq!(first["display_name"], "worker1");
    assert_eq!(first["grids"][0]["code"], "G-SW");
    assert_eq!(first["grids"][0]["primary"], true);
    assert_eq!(first["certified_for"], json!(["serve_documents"]));
    assert_eq!(first["capacity"], 10);
    assert_eq!(first["availability"], "active");
    assert!(first.get("username").is_none() && first.get("phone").is_none());
    for w in items {
        let expected = u64::from(w["id"].as_i64() == Some(holder));
        assert_eq!(w["open_tasks"], expected, "{w}");
    }
    // A worker without a profile shows the defaults.
    assert_eq!(items[2]["grids"], json!([]));
    assert_eq!(items[2]["certified_for"], json!([]));

    // Narrowed to a township; pages follow the usual cursor.
    let r = app
        .get(&format!("/api/v1/workers?township_id={t2}"), Some(&f.officer))
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{}", r.text);
    let page = app.get("/api/v1/workers?limit=2", Some(&f.officer)).await;
    assert_eq!(page.body["items"].as_array().unwrap().len(), 2);
    let cursor = page.body["next_cursor"].as_str().unwrap().to_owned();
    let next = app
        .get(
            &format!("/api/v1/workers?limit=2&cursor={cursor}"),
            Some(&f.officer),
        )
        .await;
    assert_eq!(next.body["items"][0]["id"], w3);
    assert!(next.body["next_cursor"].is_null());

    // Another court's township is out of the officer's scope.
    app.get(&format!("/api/v1/workers?township_id={t3}"), Some(&f.officer))
        .await
        .assert_problem(403, "forbidden");

    // The supervisor: their own township only.
    let r = app.get("/api/v1/workers", Some(&f.supervisor)).await;
    let ids: Vec<i64> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![w1, w2]);
    app.get(&format!("/api/v1/workers?township_id={t2}"), Some(&f.supervisor))
        .await
        .assert_problem(403, "forbidden");

    // Workers may not list their colleagues; nobody may without signing in.
    app.get("/api/v1/workers", Some(&f.workers[0].1))
        .await
        .assert_problem(403, "forbidden");
    app.get("/api/v1/workers", None)
        .await
        .assert_problem(401, "unauthenticated");
}
