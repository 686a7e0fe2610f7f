use crate::helpers::{ADMIN_PASSWORD, spawn_app};

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let app = spawn_app().await;
    let r = app
        .post_raw(
            "/api/v1/auth/login",
            None,
            "application/json",
            b"{\"username\": ".to_vec(),
        )
        .await;
    r.assert_problem(400, "malformed_body");
}

#[tokio::test]
async fn unknown_fields_and_wrong_types_name_the_field() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let r = app
        .post_raw(
            "/api/v1/courts",
            Some(&admin),
            "application/json",
            br#"{"code": "C1", "name": "n", "color": "red"}"#.to_vec(),
        )
        .await;
    r.assert_problem(400, "malformed_body");
    assert!(r.body["detail"].as_str().unwrap().contains("color"), "{}", r.text);
    let r = app
        .post_raw(
            "/api/v1/townships",
            Some(&admin),
            "application/json",
            br#"{"code": "T1", "name": "n", "court_id": "one"}"#.to_vec(),
        )
        .await;
    r.assert_problem(400, "malformed_body");
    assert_eq!(r.body["field"], "court_id");
    let r = app
        .post_raw(
            "/api/v1/auth/login",
            None,
            "application/json",
            br#"{"username": "admin"}"#.to_vec(),
        )
        .await;
    r.assert_problem(400, "malformed_body");
    assert!(
        r.body["detail"].as_str().unwrap().contains("password"),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn a_body_that_is_not_json_is_refused_by_media_type() {
    let app = spawn_app().await;
    let body = format!("username=admin&password={ADMIN_PASSWORD}");
    let r = app
        .post_raw(
            "/api/v1/auth/login",
            None,
            "application/x-www-form-urlencoded",
            body.into_bytes(),
        )
        .await;
    r.assert_problem(415, "unsupported_media_type");
    assert!(
        r.body["detail"].as_str().unwrap().contains("application/json"),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn an_oversized_body_is_refused_before_it_is_read() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let huge = format!(r#"{{"code": "C1", "name": "{}"}}"#, "x".repeat(300 * 1024));
    app.post_raw(
        "/api/v1/courts",
        Some(&admin),
        "application/json",
        huge.into_bytes(),
    )
    .await
    .assert_problem(413, "payload_too_large");
}

#[tokio::test]
async fn nul_bytes_and_over_long_names_are_refused() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let r = app
        .post_raw(
            "/api/v1/courts",
            Some(&admin),
            "application/json",
            br#"{"code": "C1", "name": "a\u0000b"}"#.to_vec(),
        )
        .await;
    r.assert_problem(400, "invalid_input");
    assert_eq!(r.body["field"], "name");
    let long = serde_json::json!({"code": "C1", "name": "法".repeat(101)});
    let r = app.post("/api/v1/courts", Some(&admin), &long).await;
    r.assert_problem(400, "invalid_input");
    assert_eq!(r.body["field"], "name");
}
