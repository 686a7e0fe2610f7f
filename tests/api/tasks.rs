//! Cases, tasks and assignment by geography, driven over HTTP.

use serde_json::json;

use crate::fixtures::{
    CaseBuilder, Field, FieldBuilder, Party, TaskBuilder, WorkerProfile, grid_id, id_number,
};
use crate::helpers::{TestApp, spawn_app, spawn_app_with};

/// The field with three workers: w1 and w2 cover G-SW, w3 covers G-NW, all certified to serve
/// documents and urge performance; nobody covers G-SE or G-NE. An officer and the township's
/// supervisor; the case of [`case`].
async fn world(app: &TestApp) -> Field {
    FieldBuilder::new()
        .workers_in(&["G-SW", "G-SW", "G-NW"])
        .certified_for(&["serve_documents", "urge_performance"])
        .case(case("(2026)苏1283执101号", &id_number("32128319800101123")))
        .build(app)
        .await
}

/// A case with particulars: a bank applying, and a debtor with an ID number, a phone and an
/// address inside G-SW.
fn case(number: &str, debtor_id: &str) -> CaseBuilder {
    CaseBuilder::new(number)
        .owed(1_250_000)
        .filed_on("2026-03-02")
        .applicant(Party::organisation("泰兴农商银行").id_number("91350100M000100Y43"))
        .debtor(
            Party::person("张三")
                .id_number(debtor_id)
                .phone("13812345678")
                .address_at("黄桥镇东进路18号", 32.005, 120.005),
        )
}

/// A serve_documents task at a point, with instructions.
fn serve_at(w: &Field, lat: f64, lon: f64) -> TaskBuilder {
    TaskBuilder::new(w).at(lat, lon).instructions("送达执行通知书")
}

#[tokio::test]
async fn cases_are_validated_field_by_field_and_unique_per_court() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let bad_number = case("2026苏1283执1号", &id_number("32128319800101123"))
        .post(&app, &w.officer)
        .await;
    bad_number.assert_problem(400, "invalid_input");
    assert_eq!(bad_number.body["field"], "case_number");
    let mut wrong_check = id_number("32128319800101123");
    wrong_check.replace_range(17.., if wrong_check.ends_with('1') { "2" } else { "1" });
    let bad_id = case("(2026)苏1283执102号", &wrong_check)
        .post(&app, &w.officer)
        .await;
    bad_id.assert_problem(400, "invalid_input");
    assert_eq!(bad_id.body["field"], "parties[1].id_number");
    assert!(
        !bad_id.text.contains(&wrong_check),
        "the refusal must not echo the ID number"
    );
    // The same number in full-width parentheses is the same case.
    let dup = case("（2026）苏1283执101号", &id_number("32128319800101123"))
        .post(&app, &w.officer)
        .await;
    dup.assert_problem(409, "case_number_taken");
    // Officers read their court's cases in full; nobody else reads cases.
    let r = app
        .get(&format!("/api/v1/cases/{}", w.case_id), Some(&w.officer))
        .await;
    assert_eq!(r.body["parties"][1]["id_number"], id_number("32128319800101123"));
    app.get(&format!("/api/v1/cases/{}", w.case_id), Some(&w.supervisor))
        .await
        .assert_problem(403, "forbidden");
    let list = app.get("/api/v1/cases?status=open", Some(&w.officer)).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_task_goes_to_the_least_loaded_eligible_worker_of_the_grid_and_says_why() {
    let app = spawn_app().await;
    let w = world(&app).await;
    // The first task in G-SW: w1 and w2 tie on load and declines; the lower id wins.
    let first = serve_at(&w, 32.005, 120.005).post(&app).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.body["task"]["status"], "assigned");
    assert_eq!(first.body["task"]["assignee_id"], w.workers[0].0);
    assert_eq!(
        first.headers.get("etag").unwrap(),
        first.body["task"]["etag"].as_str().unwrap()
    );
    let explanation = &first.body["assignment"];
    assert_eq!(explanation["attempts"][0]["grid_code"], "G-SW");
    let candidates = explanation["attempts"][0]["choice"]["candidates"]
        .as_array()
        .unwrap();
    assert_eq!(candidates.len(), 2);
    assert!(
        explanation["attempts"][0]["choice"]["reason"]
            .as_str()
            .unwrap()
            .contains("lowest worker id")
    );
    // The second: w1 now holds one task, so w2 is less loaded.
    let second = serve_at(&w, 32.004, 120.004).post(&app).await;
    assert_eq!(
        second.body["task"]["assignee_id"], w.workers[1].0,
        "{}",
        second.text
    );
    assert!(
        second.body["assignment"]["attempts"][0]["choice"]["reason"]
            .as_str()
            .unwrap()
            .contains("least loaded")
    );
    // Its history holds the creation and the assignment with the explanation.
    let id = second.body["task"]["id"].as_i64().unwrap();
    let events = app
        .get(&format!("/api/v1/tasks/{id}/events"), Some(&w.officer))
        .await;
    let actions: Vec<&str> = events
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "assign"]);
    assert_eq!(events.body[1]["detail"]["attempts"][0]["grid_code"], "G-SW");
    // The explanation's stable code, for screens to word in their own language.
    assert_eq!(events.body[1]["detail"]["code"], "assigned_in_target_grid");
    assert!(events.body[1]["detail"].get("radius_m").is_none());
    // Default due date: working days ahead, at the end of a local day.
    let due = chrono::DateTime::parse_from_rfc3339(second.body["task"]["due_at"].as_str().unwrap()).unwrap();
    assert!(due > chrono::Utc::now() + chrono::Duration::days(4), "due {due}");
}

#[tokio::test]
async fn without_eligible_workers_a_task_tries_neighbouring_grids_then_queues_with_a_reason() {
    let app = spawn_app().await;
    let w = world(&app).await;
    // Nobody covers G-SE; the township's nearest covered grid is G-SW (adjacent).
    let r = serve_at(&w, 32.005, 120.015).post(&app).await;
    assert_eq!(r.body["task"]["status"], "assigned", "{}", r.text);
    assert_eq!(r.body["task"]["assignee_id"], w.workers[0].0);
    assert!(
        r.body["assignment"]["summary"]
            .as_str()
            .unwrap()
            .contains("neighbouring grid G-SW")
    );
    assert_eq!(r.body["assignment"]["attempts"][0]["grid_code"], "G-SE");
    assert_eq!(r.body["assignment"]["code"], "assigned_in_neighbour_grid");
    assert!(r.body["assignment"]["radius_m"].as_f64().unwrap() > 0.0);

    // Nobody is certified to locate assets: queued for the township supervisor.
    let r = serve_at(&w, 32.005, 120.005)
        .kind("locate_assets")
        .post(&app)
        .await;
    assert_eq!(r.body["task"]["status"], "queued", "{}", r.text);
    assert_eq!(r.body["task"]["queue"], "township");
    assert_eq!(r.body["task"]["queue_reason"], "nobody_eligible");
    assert_eq!(r.body["assignment"]["code"], "nobody_eligible");
    assert!(r.body["assignment"]["radius_m"].as_f64().unwrap() > 0.0);
    let verdict = &r.body["assignment"]["attempts"][0]["choice"]["candidates"][0];
    assert_eq!(verdict["ineligible_because"], json!(["not_certified"]));

    // Outside every grid: the court's queue.
    let r = serve_at(&w, 31.5, 119.5).post(&app).await;
    assert_eq!(r.body["task"]["queue"], "court", "{}", r.text);
    assert_eq!(r.body["task"]["queue_reason"], "outside_all_grids");
    assert_eq!(r.body["assignment"]["code"], "outside_all_grids");

    // An address without a point and no geocoder: the court pins it by hand.
    let r = TaskBuilder::new(&w)
        .address_only("黄桥镇东进路18号")
        .post(&app)
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["task"]["queue_reason"], "no_target_point");

    // The supervisor's queue lists what waits in the township.
    let queued = app.get("/api/v1/tasks?status=queued", Some(&w.supervisor)).await;
    assert_eq!(
        queued.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        queued.text
    );
}

#[tokio::test]
async fn a_declined_task_moves_on_and_a_conflict_of_interest_is_a_recusal() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let r = serve_at(&w, 32.005, 120.005).post(&app).await;
    let id = r.body["task"]["id"].as_i64().unwrap();
    assert_eq!(r.body["task"]["assignee_id"], w.workers[0].0);

    let d = app
        .decline(
            &w.workers[0].1,
            id,
            &json!({"reason": "conflict_of_interest", "note": "债务人是我表哥"}),
        )
        .await;
    assert_eq!(d.status, 200, "{}", d.text);
    assert_eq!(d.body["task"]["assignee_id"], w.workers[1].0);
    assert_eq!(d.body["task"]["status"], "assigned");
    assert!(d.body["task"]["party"].is_null());
    // The first worker can no longer see the task.
    app.get(&format!("/api/v1/tasks/{id}"), Some(&w.workers[0].1))
        .await
        .assert_problem(404, "not_found");

    // w2 declines too (not a conflict): nobody left in G-SW, so the neighbour G-NW's w3 gets it.
    let d = app
        .decline(&w.workers[1].1, id, &json!({"reason": "overloaded"}))
        .await;
    assert_eq!(d.body["task"]["assignee_id"], w.workers[2].0, "{}", d.text);

    // Manual assignment back to the recused worker is refused with the reason.
    let current = app.get(&format!("/api/v1/tasks/{id}"), Some(&w.officer)).await;
    let tag = current.headers.get("etag").unwrap().to_str().unwrap().to_owned();
    let r = app.assign(&w.officer, id, Some(&tag), w.workers[0].0).await;
    r.assert_problem(422, "worker_not_eligible");
    assert!(
        r.body["detail"].as_str().unwrap().contains("recused"),
        "{}",
        r.text
    );

    // A third decline sends it to the supervisor's queue.
    let d = app
        .decline(&w.workers[2].1, id, &json!({"reason": "unavailable"}))
        .await;
    assert_eq!(d.body["task"]["status"], "queued", "{}", d.text);
    assert_eq!(d.body["task"]["queue_reason"], "too_many_declines");
    assert_eq!(
        app.task_actions(&w.officer, id).await,
        [
            "create", "assign", "recuse", "assign", "decline", "assign", "decline", "queue"
        ]
    );
}

#[tokio::test]
async fn the_task_lifecycle_refuses_illegal_moves() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let r = serve_at(&w, 32.005, 120.005).post(&app).await;
    let id = r.body["task"]["id"].as_i64().unwrap();
    // Only the assignee accepts; the officer cannot.
    app.accept(&w.officer, id).await.assert_problem(403, "forbidden");
    app.accept(&w.workers[1].1, id)
        .await
        .assert_problem(404, "not_found");
    let a = app.accept(&w.workers[0].1, id).await;
    assert_eq!(a.body["status"], "accepted", "{}", a.text);
    app.accept(&w.workers[0].1, id)
        .await
        .assert_problem(409, "invalid_transition");
    let c = app.cancel(&w.officer, id, &json!({"note": "已和解"})).await;
    assert_eq!(c.body["status"], "cancelled", "{}", c.text);
    let r = app.cancel(&w.officer, id, &json!({})).await;
    r.assert_problem(409, "invalid_transition");
    assert!(r.body["detail"].as_str().unwrap().contains("cancelled"));
    // A due date in the past is refused.
    let r = serve_at(&w, 32.005, 120.005)
        .due_on("2020-01-01")
        .post(&app)
        .await;
    assert_eq!(r.body["field"], "due_on", "{}", r.text);
}

#[tokio::test]
async fn manual_reassignment_needs_the_current_etag_and_only_one_of_two_racing_officers_wins() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let r = serve_at(&w, 32.005, 120.005).post(&app).await;
    let id = r.body["task"]["id"].as_i64().unwrap();
    let tag = r.headers.get("etag").unwrap().to_str().unwrap().to_owned();
    let path = format!("/api/v1/tasks/{id}/assign");

    app.post_if_match(&path, &w.officer, None, &json!({"worker_id": w.workers[1].0}))
        .await
        .assert_problem(428, "if_match_required");
    app.post_if_match(
        &path,
        &w.officer,
        Some("\"v999\""),
        &json!({"worker_id": w.workers[1].0}),
    )
    .await
    .assert_problem(412, "stale_etag");

    // Another officer of the court, racing the first.
    let other = app.officer_of(&w.admin, "officer.li", w.court_id).await;
    let (to_w2, to_w3) = (
        json!({"worker_id": w.workers[1].0}),
        json!({"worker_id": w.workers[2].0}),
    );
    let (a, b) = tokio::join!(
        app.post_if_match(&path, &w.officer, Some(&tag), &to_w2),
        app.post_if_match(&path, &other, Some(&tag), &to_w3),
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 412], "a: {} b: {}", a.text, b.text);
    let winner = if a.status == 200 { &a } else { &b };
    let now = app.get(&format!("/api/v1/tasks/{id}"), Some(&w.officer)).await;
    assert_eq!(now.body["assignee_id"], winner.body["assignee_id"]);
    assert_ne!(now.headers.get("etag").unwrap().to_str().unwrap(), tag);

    // The supervisor reassigns with the fresh tag; a worker of another township is refused.
    let fresh = now.headers.get("etag").unwrap().to_str().unwrap().to_owned();
    let other_township = app.create_township(&w.admin, "T2", w.court_id).await;
    let stranger = app
        .create_user(&w.admin, "worker.far", "worker", None, Some(other_township))
        .await;
    let r = app
        .post_if_match(
            &path,
            &w.supervisor,
            Some(&fresh),
            &json!({"worker_id": stranger}),
        )
        .await;
    r.assert_problem(422, "worker_not_eligible");
    assert!(r.body["detail"].as_str().unwrap().contains("another township"));
    let r = app
        .post_if_match(
            &path,
            &w.supervisor,
            Some(&fresh),
            &json!({"worker_id": w.workers[0].0}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["assignee_id"], w.workers[0].0);
}

#[tokio::test]
async fn each_role_sees_the_party_data_its_work_needs_and_no_more() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let r = serve_at(&w, 32.005, 120.005).party(w.debtor_id).post(&app).await;
    let id = r.body["task"]["id"].as_i64().unwrap();
    let full_id = id_number("32128319800101123");

    let officer = app.get(&format!("/api/v1/tasks/{id}"), Some(&w.officer)).await;
    assert_eq!(officer.body["party"]["id_number"], full_id.as_str());
    assert_eq!(officer.body["party"]["phones"][0], "13812345678");

    let supervisor = app.get(&format!("/api/v1/tasks/{id}"), Some(&w.supervisor)).await;
    assert_eq!(
        supervisor.body["party"]["id_number"],
        format!("{}********{}", &full_id[..6], &full_id[14..])
    );
    assert_eq!(supervisor.body["party"]["phones"][0], "138****5678");
    assert!(!supervisor.text.contains(&full_id) && !supervisor.text.contains("13812345678"));

    let worker = app
        .get(&format!("/api/v1/tasks/{id}"), Some(&w.workers[0].1))
        .await;
    assert_eq!(worker.status, 200, "{}", worker.text);
    assert!(!worker.text.contains(&full_id));
    assert_eq!(worker.body["party"]["phones"][0], "13812345678");

    // Listings carry no party data at all; workers list only their own tasks.
    let list = app.get("/api/v1/tasks", Some(&w.workers[0].1)).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    assert!(!list.text.contains("张三"));
    let none = app.get("/api/v1/tasks", Some(&w.workers[2].1)).await;
    assert_eq!(none.body["items"].as_array().unwrap().len(), 0);

    // Another court's officer cannot find it.
    let c2 = app.create_court(&w.admin, "C2").await;
    let far = app.officer_of(&w.admin, "officer.far", c2).await;
    app.get(&format!("/api/v1/tasks/{id}"), Some(&far))
        .await
        .assert_problem(404, "not_found");
    assert_eq!(
        app.get("/api/v1/tasks", Some(&far)).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

/// A stand-in for Amap's geocoding service: a real HTTP server on loopback.
async fn fake_amap() -> String {
    use actix_web::{App, HttpResponse, HttpServer, web};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = HttpServer::new(|| {
        App::new().route(
            "/v3/geocode/geo",
            web::get().to(|q: web::Query<std::collections::HashMap<String, String>>| async move {
                let address = q.get("address").cloned().unwrap_or_default();
                // GCJ-02 of a point inside G-NW (WGS-84 32.015, 120.005).
                let gcj = gridassist::geo::wgs84_to_gcj02(gridassist::geo::LatLon { lat: 32.015, lon: 120.005 });
                let body = if address.contains("18号") {
                    json!({"status": "1", "info": "OK", "infocode": "10000", "count": "1",
                           "geocodes": [{"formatted_address": "江苏省泰州市泰兴市黄桥镇", "level": "门牌号",
                                         "location": format!("{:.6},{:.6}", gcj.lon, gcj.lat)}]})
                } else {
                    json!({"status": "1", "info": "OK", "infocode": "10000", "count": "1",
                           "geocodes": [{"formatted_address": "江苏省泰州市泰兴市黄桥镇", "level": "乡镇", "location": "120.0,32.0"}]})
                };
                HttpResponse::Ok().json(body)
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    tokio::spawn(server);
    format!("http://127.0.0.1:{port}/v3/geocode/geo")
}

#[tokio::test]
async fn an_address_only_target_is_geocoded_or_left_for_the_court_to_pin() {
    let url = fake_amap().await;
    let app = spawn_app_with(&[
        ("GRIDASSIST_GEOCODER_URL", url),
        ("GRIDASSIST_GEOCODER_KEY", "test-key".into()),
    ])
    .await;
    let w = world(&app).await;
    let r = TaskBuilder::new(&w)
        .address_only("黄桥镇东进路18号")
        .post(&app)
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["task"]["target"]["source"], "geocoded");
    assert_eq!(
        r.body["task"]["assignee_id"], w.workers[2].0,
        "G-NW's worker: {}",
        r.text
    );
    let r = TaskBuilder::new(&w).address_only("黄桥镇").post(&app).await;
    assert_eq!(r.body["task"]["status"], "queued");
    assert_eq!(r.body["task"]["queue_reason"], "geocode_unsure");
}

#[tokio::test]
async fn the_deadline_sweep_reminds_then_marks_overdue_and_escalates_exactly_once() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let today = gridassist::domain::time::today_local();
    let r = serve_at(&w, 32.005, 120.005)
        .due_on(&today.to_string())
        .post(&app)
        .await;
    let id = r.body["task"]["id"].as_i64().unwrap();
    let due = chrono::DateTime::parse_from_rfc3339(r.body["task"]["due_at"].as_str().unwrap())
        .unwrap()
        .naive_utc();
    // A queued task with the same due date (nobody certified) escalates too.
    serve_at(&w, 32.005, 120.005)
        .kind("locate_assets")
        .due_on(&today.to_string())
        .post(&app)
        .await;

    // Two hours before: a reminder, once, however often the sweep runs.
    let before = due - chrono::Duration::hours(2);
    assert_eq!(
        app.sweep_deadlines(before).await,
        gridassist::jobs::deadlines::SweepReport {
            reminded: 1,
            overdue: 0
        }
    );
    assert_eq!(app.sweep_deadlines(before).await, Default::default());
    assert_eq!(
        app.get("/api/v1/tasks?overdue=true", Some(&w.officer)).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // An hour after: both overdue, escalated to the supervisor, once.
    let after = due + chrono::Duration::hours(1);
    assert_eq!(
        app.sweep_deadlines(after).await,
        gridassist::jobs::deadlines::SweepReport {
            reminded: 0,
            overdue: 2
        }
    );
    assert_eq!(app.sweep_deadlines(after).await, Default::default());
    let overdue = app.get("/api/v1/tasks?overdue=true", Some(&w.supervisor)).await;
    assert_eq!(
        overdue.body["items"].as_array().unwrap().len(),
        2,
        "{}",
        overdue.text
    );
    let events = app
        .get(&format!("/api/v1/tasks/{id}/events"), Some(&w.officer))
        .await;
    let tail: Vec<(&str, &str)> = events.body.as_array().unwrap()[2..]
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["actor_role"].as_str().unwrap()))
        .collect();
    assert_eq!(tail, [("remind", "system"), ("overdue", "system")]);
    assert_eq!(events.body[3]["detail"]["notify"], "supervisor");
    // The task's version moved, so a reassignment based on the old ETag is refused.
    let stale = r.headers.get("etag").unwrap().to_str().unwrap().to_owned();
    app.assign(&w.officer, id, Some(&stale), w.workers[1].0)
        .await
        .assert_problem(412, "stale_etag");
}

#[tokio::test]
async fn an_officer_pins_an_unplaced_address_and_the_task_is_assigned() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let r = TaskBuilder::new(&w)
        .address_only("黄桥镇东进路18号")
        .post(&app)
        .await;
    let id = r.body["task"]["id"].as_i64().unwrap();
    assert_eq!(r.body["task"]["queue"], "court");
    // Pinned on an Amap base map, so the point is GCJ-02.
    let gcj = gridassist::geo::wgs84_to_gcj02(gridassist::geo::LatLon {
        lat: 32.005,
        lon: 120.005,
    });
    let p = app
        .post(
            &format!("/api/v1/tasks/{id}/target"),
            Some(&w.officer),
            &json!({"lat": gcj.lat, "lon": gcj.lon, "crs": "gcj02"}),
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.text);
    assert_eq!(p.body["task"]["status"], "assigned");
    assert_eq!(p.body["task"]["target"]["source"], "pinned");
    assert_eq!(p.body["task"]["assignee_id"], w.workers[0].0);
    assert!((p.body["task"]["target"]["lat"].as_f64().unwrap() - 32.005).abs() < 1e-6);
    // Only a queued task can be pinned.
    let again = app
        .post(
            &format!("/api/v1/tasks/{id}/target"),
            Some(&w.officer),
            &json!({"lat": 32.0, "lon": 120.0}),
        )
        .await;
    again.assert_problem(409, "invalid_transition");
}

#[tokio::test]
async fn every_assignment_rule_shows_in_the_explanation() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let sw = grid_id(&app, &w.admin, "G-SW").await;
    // Four more workers in G-SW, each kept out by one rule.
    let mut extra = Vec::new();
    for name in ["w.leave", "w.inactive", "w.full", "w.uncertified"] {
        extra.push(
            app.create_user(&w.admin, name, "worker", None, Some(w.township_id))
                .await,
        );
    }
    WorkerProfile::in_grid(sw)
        .on_leave_until("2099-12-31")
        .set(&app, &w.admin, extra[0])
        .await;
    WorkerProfile::in_grid(sw).set(&app, &w.admin, extra[1]).await;
    app.patch(
        &format!("/api/v1/users/{}", extra[1]),
        Some(&w.admin),
        &json!({"active": false}),
    )
    .await;
    WorkerProfile::in_grid(sw)
        .capacity(0)
        .set(&app, &w.admin, extra[2])
        .await;
    WorkerProfile::in_grid(sw)
        .certified_for(&["urge_performance"])
        .set(&app, &w.admin, extra[3])
        .await;

    // w1 declined something recently: tied on load with w2, w2 wins on fewer recent declines.
    let first = serve_at(&w, 32.005, 120.005).post(&app).await;
    let first_id = first.body["task"]["id"].as_i64().unwrap();
    assert_eq!(first.body["task"]["assignee_id"], w.workers[0].0);
    app.decline(&w.workers[0].1, first_id, &json!({"reason": "overloaded"}))
        .await;
    let c = app.cancel(&w.officer, first_id, &json!({})).await;
    assert_eq!(c.status, 200, "{}", c.text);

    let r = serve_at(&w, 32.004, 120.006).post(&app).await;
    assert_eq!(r.body["task"]["assignee_id"], w.workers[1].0, "{}", r.text);
    let choice = &r.body["assignment"]["attempts"][0]["choice"];
    assert!(
        choice["reason"]
            .as_str()
            .unwrap()
            .contains("fewer recent declines"),
        "{}",
        choice["reason"]
    );
    let verdict = |id: i64| {
        choice["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["worker_id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(verdict(extra[0])["ineligible_because"], json!(["on_leave"]));
    assert_eq!(verdict(extra[1])["ineligible_because"], json!(["inactive"]));
    assert_eq!(verdict(extra[2])["ineligible_because"], json!(["at_capacity"]));
    assert_eq!(verdict(extra[3])["ineligible_because"], json!(["not_certified"]));
    assert_eq!(verdict(w.workers[1].0)["rank"], 1);
    assert_eq!(verdict(w.workers[0].0)["rank"], 2);

    // By hand, the rules still hold, and the refusal says which.
    let id = r.body["task"]["id"].as_i64().unwrap();
    let tag = r.headers.get("etag").unwrap().to_str().unwrap().to_owned();
    for (worker, why) in [
        (extra[0], "on leave"),
        (extra[1], "deactivated"),
        (extra[3], "certification"),
    ] {
        let refused = app.assign(&w.officer, id, Some(&tag), worker).await;
        refused.assert_problem(422, "worker_not_eligible");
        assert!(
            refused.body["detail"].as_str().unwrap().contains(why),
            "{}",
            refused.text
        );
    }

    // Lists filter by kind, grid and assignee within the caller's scope.
    let mine = app
        .get(
            &format!(
                "/api/v1/tasks?assignee_id={}&kind=serve_documents&status=assigned",
                w.workers[1].0
            ),
            Some(&w.officer),
        )
        .await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 1, "{}", mine.text);
    let in_grid = app
        .get(
            &format!("/api/v1/tasks?grid_id={sw}&status=cancelled"),
            Some(&w.supervisor),
        )
        .await;
    assert_eq!(
        in_grid.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        in_grid.text
    );
    app.get("/api/v1/tasks?kind=astrology", Some(&w.officer))
        .await
        .assert_problem(400, "invalid_input");
}

#[tokio::test]
async fn instructions_follow_the_text_rules_of_names_bidirectional_overrides_and_controls_refused() {
    let app = spawn_app().await;
    let w = world(&app).await;
    // U+202E makes "送达通知书exe.txt" read backwards on the worker's phone; a bell or an escape
    // has no place in text people read either. Party names refuse both; so do instructions.
    for (bad, what) in [
        ("送达\u{202E}txt.exe", "a right-to-left override"),
        ("送达\u{2067}通知书", "a directional isolate"),
        ("送达\u{7}通知书", "a control character"),
        ("送达\u{1b}[31m通知书", "an escape"),
    ] {
        let r = serve_at(&w, 32.005, 120.005).instructions(bad).post(&app).await;
        r.assert_problem(400, "invalid_input");
        assert_eq!(r.body["field"], "instructions", "{what}: {}", r.text);
        let mut party = case("(2026)苏1283执150号", &id_number("32128319800101123")).body();
        party["parties"][1]["name"] = json!(bad);
        let r = app.post("/api/v1/cases", Some(&w.officer), &party).await;
        r.assert_problem(400, "invalid_input");
        assert_eq!(r.body["field"], "parties[1].name", "{what}: {}", r.text);
    }
    // Line breaks and tabs stay: instructions are paragraphs.
    let r = serve_at(&w, 32.005, 120.005)
        .instructions("  第一步：送达执行通知书\r\n第二步：\t拍照留存  ")
        .post(&app)
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        r.body["task"]["instructions"],
        "第一步：送达执行通知书\r\n第二步：\t拍照留存"
    );
    // A cancellation note goes through the same rules.
    let task = r.body["task"]["id"].as_i64().unwrap();
    let cancel = app
        .cancel(&w.officer, task, &json!({"note": "撤回\u{202E}"}))
        .await;
    cancel.assert_problem(400, "invalid_input");
    assert_eq!(cancel.body["field"], "note");
}

#[tokio::test]
async fn the_case_list_searches_numbers_and_party_names_and_names_debtors_and_officers() {
    let app = spawn_app().await;
    let w = world(&app).await;
    CaseBuilder::new("(2026)苏1283执202号")
        .debtor(Party::person("李四_百分%"))
        .create(&app, &w.officer)
        .await;
    let items = |path: &'static str| {
        let app = &app;
        let token = w.officer.clone();
        async move {
            let r = app.get(path, Some(&token)).await;
            assert_eq!(r.status, 200, "{path}: {}", r.text);
            r.body["items"].as_array().unwrap().clone()
        }
    };
    // The list names the debtors and the officer in charge.
    let all = items("/api/v1/cases").await;
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["debtors"], json!(["张三"]));
    assert!(
        all[0]["officer_name"].as_str().is_some_and(|n| !n.is_empty()),
        "{}",
        all[0]
    );
    // By a piece of the case number, in full-width parentheses too.
    let by_number = items("/api/v1/cases?q=%EF%BC%882026%EF%BC%89%E8%8B%8F1283%E6%89%A7202").await;
    assert_eq!(by_number.len(), 1);
    assert_eq!(by_number[0]["case_number"], "(2026)苏1283执202号");
    // By a party's name, applicant or debtor; LIKE's wildcards are plain characters.
    assert_eq!(items("/api/v1/cases?q=%E5%BC%A0%E4%B8%89").await.len(), 1);
    assert_eq!(items("/api/v1/cases?q=%E5%86%9C%E5%95%86").await.len(), 1);
    assert_eq!(items("/api/v1/cases?q=_%E7%99%BE%E5%88%86%25").await.len(), 1);
    assert_eq!(items("/api/v1/cases?q=%25").await.len(), 1);
    assert!(items("/api/v1/cases?q=%E7%8E%8B%E4%BA%94").await.is_empty());
    let long = format!("/api/v1/cases?q={}", "9".repeat(101));
    app.get(&long, Some(&w.officer))
        .await
        .assert_problem(400, "invalid_input");
    // One case names its officer too.
    let one = app
        .get(&format!("/api/v1/cases/{}", w.case_id), Some(&w.officer))
        .await;
    assert_eq!(one.body["officer_name"], all[0]["officer_name"], "{}", one.text);
    assert!(one.body.get("debtors").is_none(), "{}", one.text);
    // Tasks name their case by its number for officers and supervisors.
    let task = serve_at(&w, 32.005, 120.005).create(&app).await;
    let r = app
        .get(&format!("/api/v1/tasks/{}", task.id), Some(&w.officer))
        .await;
    assert_eq!(r.body["case_number"], "(2026)苏1283执101号", "{}", r.text);
    let r = app
        .get(
            &format!("/api/v1/tasks?case_id={}", w.case_id),
            Some(&w.supervisor),
        )
        .await;
    assert_eq!(
        r.body["items"][0]["case_number"], "(2026)苏1283执101号",
        "{}",
        r.text
    );
}
