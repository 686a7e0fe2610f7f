use crate::helpers::spawn_app;

#[tokio::test]
async fn liveness_answers_ok() {
    let app = spawn_app().await;
    let r = app.get("/healthz", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "ok");
}

#[tokio::test]
async fn readiness_reports_the_database_and_current_migrations() {
    let app = spawn_app().await;
    let r = app.get("/readyz", None).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["status"], "ready");
    let expected = if std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(r.body["database"], expected);
}

#[tokio::test]
async fn unknown_paths_get_a_problem_document() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/no-such-thing", None).await;
    r.assert_problem(404, "not_found");
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let a = app.get("/healthz", None).await;
    let b = app.get("/healthz", None).await;
    let id_a = a.headers.get("x-request-id").expect("x-request-id header");
    let id_b = b.headers.get("x-request-id").expect("x-request-id header");
    assert_ne!(id_a, id_b);
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern_without_concrete_paths() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.get("/api/v1/users/4242", Some(&admin)).await;
    app.get("/api/v1/grids/locate?lat=32.123456&lon=120.654321", Some(&admin))
        .await;
    let r = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = r.text().await.unwrap();
    assert!(
        text.contains(
            r#"gridassist_http_requests_total{method="GET",route="/api/v1/users/{id}",status="404"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"route="/api/v1/grids/locate",status="404"} 1"#),
        "{text}"
    );
    assert!(text.contains("gridassist_grids 0"));
    assert!(text.contains("gridassist_db_connections{state=\"idle\"}"));
    assert!(
        !text.contains("4242") && !text.contains("32.123456"),
        "no concrete paths or queries"
    );
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let ok = app.get("/api/v1/me", Some(&admin)).await;
    let problem = app.get("/api/v1/me", None).await;
    let missing = app.get("/no/such/page", None).await;
    for r in [&ok, &problem, &missing] {
        for (name, value) in [
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "no-referrer"),
            (
                "content-security-policy",
                "default-src 'none'; frame-ancestors 'none'",
            ),
            ("cache-control", "no-store"),
        ] {
            assert_eq!(
                r.headers.get(name).map(|v| v.to_str().unwrap()),
                Some(value),
                "{name} on {}",
                r.status
            );
        }
    }
}

#[tokio::test]
async fn a_wrong_method_on_a_real_path_is_405_naming_the_allowed_ones() {
    let app = spawn_app().await;
    let r = app
        .client
        .delete(app.url("/api/v1/tasks/5"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "GET");
    let r = app.client.put(app.url("/api/v1/cases")).send().await.unwrap();
    assert_eq!(r.headers()["allow"], "GET, POST");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], "method_not_allowed");
    // A path that does not exist at all stays 404.
    let r = app
        .client
        .delete(app.url("/api/v1/nothing/here"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // A literal segment is its own route, not an id: only POST imports.
    let r = app
        .client
        .patch(app.url("/api/v1/dishonest-entries/import"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "POST");
    // The right method on an id that is no number: nothing there.
    let admin = app.admin_token().await;
    let r = app.get("/api/v1/dishonest-entries/x1", Some(&admin)).await;
    r.assert_problem(404, "not_found");
}

#[tokio::test]
async fn only_configured_origins_may_call_from_a_browser() {
    let app = crate::helpers::spawn_app_with(&[(
        "GRIDASSIST_CORS_ORIGINS",
        "https://console.court.example".to_owned(),
    )])
    .await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/me"))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .send()
    };
    let allowed = preflight("https://console.court.example").await.unwrap();
    assert!(allowed.status().is_success(), "{}", allowed.status());
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://console.court.example"
    );
    assert!(
        allowed
            .headers()
            .get("access-control-allow-credentials")
            .is_none()
    );
    let other = preflight("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());

    // Without the setting there are no CORS headers at all.
    let plain = crate::helpers::spawn_app().await;
    let r = plain
        .client
        .get(plain.url("/healthz"))
        .header("origin", "https://console.court.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("access-control-allow-origin").is_none());
}
