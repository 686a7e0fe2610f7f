use serde_json::json;

use crate::fixtures::county;
use crate::helpers::{PASSWORD, spawn_app};

#[tokio::test]
async fn an_admin_creates_accounts_whose_scope_fits_their_role() {
    let app = spawn_app().await;
    let c = county(&app).await;
    let cases = [
        (
            json!({"role": "officer", "township_id": c.township_id}),
            "court_id",
        ),
        (
            json!({"role": "officer", "court_id": c.court_id, "township_id": c.township_id}),
            "township_id",
        ),
        (json!({"role": "worker", "court_id": c.court_id}), "court_id"),
        (json!({"role": "supervisor"}), "township_id"),
        (json!({"role": "worker", "township_id": 9999}), "township_id"),
        (
            json!({"role": "admin", "township_id": c.township_id}),
            "township_id",
        ),
    ];
    for (i, (scope, field)) in cases.into_iter().enumerate() {
        let mut body = json!({"username": format!("user{i}"), "display_name": "张三", "password": PASSWORD});
        body.as_object_mut()
            .unwrap()
            .extend(scope.as_object().unwrap().clone());
        let r = app.post("/api/v1/users", Some(&c.admin), &body).await;
        r.assert_problem(400, "invalid_input");
        assert_eq!(r.body["field"], field, "case {i}: {}", r.text);
    }
    let r = app
        .post("/api/v1/users", Some(&c.admin), &json!({"username": "Zhang.San", "display_name": "张三", "password": PASSWORD, "role": "worker", "township_id": c.township_id}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["username"], "zhang.san");
    assert!(!r.text.contains("argon2"));
    // A new worker gets a profile at once.
    let profile = app
        .get(&format!("/api/v1/workers/{}", r.body["id"]), Some(&c.admin))
        .await;
    assert_eq!(profile.status, 200, "{}", profile.text);
    assert_eq!(profile.body["availability"], "active");
}

#[tokio::test]
async fn usernames_are_unique_and_passwords_must_be_long_enough() {
    let app = spawn_app().await;
    let c = county(&app).await;
    app.create_user(&c.admin, "officer.wang", "officer", Some(c.court_id), None)
        .await;
    let again = json!({"username": "OFFICER.WANG", "display_name": "x", "password": PASSWORD, "role": "officer", "court_id": c.court_id});
    app.post("/api/v1/users", Some(&c.admin), &again)
        .await
        .assert_problem(409, "username_taken");
    let weak = json!({"username": "officer.li", "display_name": "x", "password": "123456", "role": "officer", "court_id": c.court_id});
    let r = app.post("/api/v1/users", Some(&c.admin), &weak).await;
    r.assert_problem(400, "invalid_input");
    assert_eq!(r.body["field"], "password");
    assert!(!r.text.contains("123456"));
}

#[tokio::test]
async fn users_are_listed_a_page_at_a_time() {
    let app = spawn_app().await;
    let c = county(&app).await;
    for i in 0..5 {
        app.create_user(
            &c.admin,
            &format!("worker{i}"),
            "worker",
            None,
            Some(c.township_id),
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/users?role=worker&limit=2".to_owned();
    loop {
        let r = app.get(&path, Some(&c.admin)).await;
        assert_eq!(r.status, 200, "{}", r.text);
        let items = r.body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|u| u["username"].as_str().unwrap().to_owned()));
        match r.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/users?role=worker&limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, ["worker0", "worker1", "worker2", "worker3", "worker4"]);
    app.get("/api/v1/users?limit=1000", Some(&c.admin))
        .await
        .assert_problem(400, "invalid_input");
    app.get("/api/v1/users?cursor=bogus", Some(&c.admin))
        .await
        .assert_problem(400, "invalid_input");
}

#[tokio::test]
async fn a_password_change_signs_the_user_out_everywhere() {
    let app = spawn_app().await;
    let c = county(&app).await;
    let id = app
        .create_user(&c.admin, "officer.wang", "officer", Some(c.court_id), None)
        .await;
    let login = app.login("officer.wang", PASSWORD).await;
    let refresh = login.body["refresh_token"].as_str().unwrap();
    let r = app
        .patch(
            &format!("/api/v1/users/{id}"),
            Some(&c.admin),
            &json!({"password": "a-brand-new-password"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    app.post("/api/v1/auth/refresh", None, &json!({"refresh_token": refresh}))
        .await
        .assert_problem(401, "invalid_refresh_token");
    app.login("officer.wang", PASSWORD)
        .await
        .assert_problem(401, "invalid_credentials");
    assert_eq!(
        app.login("officer.wang", "a-brand-new-password").await.status,
        200
    );
    app.patch("/api/v1/users/99999", Some(&c.admin), &json!({"active": false}))
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn fields_no_one_may_set_are_refused() {
    let app = spawn_app().await;
    let c = county(&app).await;
    let id = app
        .create_user(&c.admin, "officer.wang", "officer", Some(c.court_id), None)
        .await;
    let r = app
        .patch(
            &format!("/api/v1/users/{id}"),
            Some(&c.admin),
            &json!({"role": "admin"}),
        )
        .await;
    r.assert_problem(400, "malformed_body");
    assert!(r.body["detail"].as_str().unwrap().contains("role"), "{}", r.text);
}
