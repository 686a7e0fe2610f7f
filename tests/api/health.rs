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
