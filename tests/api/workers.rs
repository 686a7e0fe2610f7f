use serde_json::{Value, json};

use crate::helpers::{PASSWORD, collection, county, grid_id, spawn_app, square};

fn profile(primary: i64, others: &[i64]) -> Value {
    json!({
        "primary_grid_id": primary,
        "other_grid_ids": others,
        "certifications": [{"task_kind": "serve_documents", "certified_on": "2026-01-05"}],
        "capacity": 12,
        "availability": "active"
    })
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
