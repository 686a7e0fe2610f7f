use serde_json::json;

use crate::fixtures::county;
use crate::helpers::{PASSWORD, spawn_app};

#[tokio::test]
async fn an_admin_sets_up_courts_and_townships() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let r = app
        .post(
            "/api/v1/courts",
            Some(&admin),
            &json!({"code": "JS1283", "name": " 泰兴市人民法院 "}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["name"], "泰兴市人民法院");
    let court_id = r.body["id"].as_i64().unwrap();
    let r = app
        .post(
            "/api/v1/townships",
            Some(&admin),
            &json!({"code": "321283101", "name": "黄桥镇", "court_id": court_id}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["court_id"], court_id);

    let courts = app.get("/api/v1/courts", Some(&admin)).await;
    assert_eq!(courts.body["items"][0]["code"], "JS1283");
    let townships = app.get("/api/v1/townships", Some(&admin)).await;
    assert_eq!(townships.body["items"][0]["name"], "黄桥镇");
}

#[tokio::test]
async fn duplicate_codes_conflict_and_unknown_courts_are_named() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let court = app.create_court(&admin, "C1").await;
    app.post(
        "/api/v1/courts",
        Some(&admin),
        &json!({"code": "C1", "name": "again"}),
    )
    .await
    .assert_problem(409, "code_taken");
    app.create_township(&admin, "T1", court).await;
    app.post(
        "/api/v1/townships",
        Some(&admin),
        &json!({"code": "T1", "name": "again", "court_id": court}),
    )
    .await
    .assert_problem(409, "code_taken");
    let r = app
        .post(
            "/api/v1/townships",
            Some(&admin),
            &json!({"code": "T2", "name": "x", "court_id": 9999}),
        )
        .await;
    r.assert_problem(400, "invalid_input");
    assert_eq!(r.body["field"], "court_id");
    let r = app
        .post(
            "/api/v1/courts",
            Some(&admin),
            &json!({"code": "bad code", "name": "x"}),
        )
        .await;
    r.assert_problem(400, "invalid_input");
    assert_eq!(r.body["field"], "code");
}

#[tokio::test]
async fn officers_and_supervisors_see_only_their_own_townships() {
    let app = spawn_app().await;
    let c = county(&app).await;
    let other_court = app.create_court(&c.admin, "C2").await;
    let other_township = app.create_township(&c.admin, "T2", other_court).await;
    app.create_township(&c.admin, "T3", c.court_id).await;
    app.create_user(&c.admin, "officer.wang", "officer", Some(c.court_id), None)
        .await;
    app.create_user(&c.admin, "super.li", "supervisor", None, Some(c.township_id))
        .await;
    app.create_user(&c.admin, "worker.zhao", "worker", None, Some(other_township))
        .await;

    let officer = app.token("officer.wang", PASSWORD).await;
    let r = app.get("/api/v1/townships", Some(&officer)).await;
    let codes: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["T1", "T3"]);
    app.get(
        &format!("/api/v1/townships?court_id={other_court}"),
        Some(&officer),
    )
    .await
    .assert_problem(403, "forbidden");

    let supervisor = app.token("super.li", PASSWORD).await;
    let r = app.get("/api/v1/townships", Some(&supervisor)).await;
    let codes: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["T1"]);

    let worker = app.token("worker.zhao", PASSWORD).await;
    app.get("/api/v1/townships", Some(&worker))
        .await
        .assert_problem(403, "forbidden");
    app.get("/api/v1/courts", Some(&officer))
        .await
        .assert_problem(403, "forbidden");
}
