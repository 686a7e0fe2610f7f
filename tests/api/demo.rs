//! The demo county that `gridassist demo` serves: every role can sign in with the published
//! passwords, and the map answers for phones in any coordinate system.

use gridassist::demo;
use gridassist::geo::{gcj02_to_bd09, wgs84_to_gcj02};
use serde_json::json;

use crate::helpers::spawn_empty_app;

#[tokio::test]
async fn the_demo_county_serves_every_role_and_locates_phone_coordinates() {
    let app = spawn_empty_app().await;
    let db = app.app_state.db.clone();
    let evidence_dir = app.app_state.config.evidence_dir.clone();
    let created = tokio::task::spawn_blocking(move || demo::seed(&db, &evidence_dir))
        .await
        .unwrap()
        .unwrap();
    assert!(created);
    let db = app.app_state.db.clone();
    let evidence_dir = app.app_state.config.evidence_dir.clone();
    let again = tokio::task::spawn_blocking(move || demo::seed(&db, &evidence_dir))
        .await
        .unwrap()
        .unwrap();
    assert!(!again, "a second run reuses the county");
    // A database with other accounts is never seeded.
    let other = crate::helpers::spawn_app().await;
    let db = other.app_state.db.clone();
    let evidence_dir = other.app_state.config.evidence_dir.clone();
    let refused = tokio::task::spawn_blocking(move || demo::seed(&db, &evidence_dir))
        .await
        .unwrap();
    assert!(
        refused
            .unwrap_err()
            .to_string()
            .contains("only seeds an empty database")
    );
    app.app_state.grids.rebuild(&app.app_state.db).await.unwrap();

    let admin = app.token("admin", demo::ADMIN_PASSWORD).await;
    let officer = app.token("officer-1", demo::OFFICER_PASSWORD).await;
    let supervisor = app.token("supervisor-3", demo::SUPERVISOR_PASSWORD).await;
    let worker = app.token("worker-6-64", demo::WORKER_PASSWORD).await;

    let grids = app.get("/api/v1/grids", Some(&admin)).await;
    assert_eq!(grids.body["features"].as_array().unwrap().len(), 384);
    let me = app.get("/api/v1/me", Some(&worker)).await;
    assert_eq!(
        me.body["scope"]["grids"][0]["code"], "321283104-064",
        "{}",
        me.text
    );
    let me = app.get("/api/v1/me", Some(&supervisor)).await;
    assert_eq!(me.body["scope"]["township"]["name"], "虹桥镇");

    // A worker is refused an admin operation.
    let r = app
        .post(
            "/api/v1/courts",
            Some(&worker),
            &json!({"code": "X1", "name": "x"}),
        )
        .await;
    r.assert_problem(403, "forbidden");

    // Casework in every state a newcomer should see.
    let tasks = app.get("/api/v1/tasks?limit=200", Some(&officer)).await;
    let items = tasks.body["items"].as_array().unwrap();
    assert!(items.len() >= 50, "{} tasks", items.len());
    let count = |f: &dyn Fn(&serde_json::Value) -> bool| items.iter().filter(|t| f(t)).count();
    assert!(count(&|t| t["status"] == "assigned") > 0);
    assert!(count(&|t| t["status"] == "accepted") > 0);
    assert!(count(&|t| t["queue_reason"] == "no_target_point") > 0);
    assert!(count(&|t| t["queue_reason"] == "outside_all_grids") > 0);
    assert!(count(&|t| t["overdue"] == true) > 0);
    assert!(count(&|t| t["decline_count"] == 1) > 0);
    let cases = app.get("/api/v1/cases", Some(&officer)).await;
    assert!(!cases.body["items"].as_array().unwrap().is_empty());

    // ... and the work after acceptance, so the officer's and the supervisor's screens are not
    // empty the first time: results to review (one with a flagged check-in), one returned, ones
    // approved with the money recovered, a pending appeal, and last month closed.
    let submitted: Vec<_> = items.iter().filter(|t| t["status"] == "submitted").collect();
    assert!(submitted.len() >= 2, "{} submitted", submitted.len());
    let mut flagged = 0;
    for t in &submitted {
        let events = app
            .get(&format!("/api/v1/tasks/{}/events", t["id"]), Some(&officer))
            .await;
        if events.text.contains("far_from_target") {
            flagged += 1;
        }
        let evidence = app
            .get(&format!("/api/v1/tasks/{}/evidence", t["id"]), Some(&officer))
            .await;
        assert_eq!(
            evidence.body.as_array().map(Vec::len),
            Some(1),
            "{}",
            evidence.text
        );
    }
    assert_eq!(flagged, 1, "one result to review has a far check-in");
    assert!(count(&|t| t["status"] == "returned") > 0);
    let approved: Vec<_> = items.iter().filter(|t| t["status"] == "approved").collect();
    assert!(approved.len() >= 4, "{} approved", approved.len());
    let mut recovered = 0;
    for t in &approved {
        let outcome = app
            .get(&format!("/api/v1/tasks/{}/outcome", t["id"]), Some(&officer))
            .await;
        if outcome.status == 200 {
            recovered += outcome.body["amount_recovered_fen"].as_i64().unwrap_or(0);
        }
    }
    assert!(recovered >= 1_200_000, "recovered {recovered} fen");
    let appeals = app
        .get("/api/v1/score-appeals?status=pending", Some(&admin))
        .await;
    assert!(appeals.text.contains("评分没有体现工作量"), "{}", appeals.text);
    let last = {
        use chrono::Datelike;
        let first = gridassist::domain::time::today_local().with_day(1).unwrap();
        let day = first - chrono::Duration::days(1);
        format!("{}-{:02}", day.year(), day.month())
    };
    let mut paid_last_month = 0;
    for township in 1..=6 {
        let board = app
            .get(
                &format!("/api/v1/scores?period={last}&township_id={township}"),
                Some(&admin),
            )
            .await;
        assert_eq!(board.status, 200, "{}", board.text);
        assert_eq!(
            board.body["closed"], true,
            "{last} is closed in township {township}"
        );
        paid_last_month += board.body["standings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["total_points"].as_i64().unwrap_or(0) > 0)
            .count();
    }
    assert!(
        paid_last_month >= 2,
        "{paid_last_month} workers scored last month"
    );

    // Grid 28 of 黄桥镇 as an Amap phone (GCJ-02) and a Baidu phone (BD-09) report it.
    let gcj = wgs84_to_gcj02(demo::point_in_grid(0, 28));
    let bd = gcj02_to_bd09(gcj);
    for (p, crs) in [
        (gcj, "gcj02"),
        (bd, "bd09"),
        (demo::point_in_grid(0, 28), "wgs84"),
    ] {
        let path = format!("/api/v1/grids/locate?lat={}&lon={}&crs={crs}", p.lat, p.lon);
        let r = app.get(&path, Some(&officer)).await;
        assert_eq!(r.status, 200, "{crs}: {}", r.text);
        assert_eq!(r.body["grid"]["code"], "321283101-028", "{crs}");
        assert_eq!(r.body["township"]["name"], "黄桥镇");
    }
}
