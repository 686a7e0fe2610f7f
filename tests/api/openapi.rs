use crate::helpers::spawn_app;

/// The checked-in spec is what the code generates. To accept a change on purpose:
/// `cargo run -- openapi > api-spec/openapi.json` (or run this test with UPDATE_OPENAPI=1).
#[test]
fn checked_in_openapi_document_matches_the_code() {
    let generated = gridassist::api::openapi_json();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/api-spec/openapi.json");
    if std::env::var("UPDATE_OPENAPI").is_ok() {
        std::fs::write(path, &generated).unwrap();
    }
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        checked_in == generated,
        "api-spec/openapi.json is stale: run `cargo run -- openapi > api-spec/openapi.json`"
    );
}

#[tokio::test]
async fn the_server_serves_its_openapi_document() {
    let app = spawn_app().await;
    let r = app.get("/api/openapi.json", None).await;
    assert_eq!(r.status, 200);
    assert!(r.body["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/auth/login",
        "/api/v1/grids/locate",
        "/api/v1/grids/import",
        "/api/v1/workers/{id}",
        "/api/v1/me",
    ] {
        assert!(
            r.body["paths"].get(path).is_some(),
            "{path} missing from the document"
        );
    }
}
