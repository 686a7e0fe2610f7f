//! `Idempotency-Key` on POSTs: a replay gets the first answer and does nothing; the same key
//! for a different request is refused; concurrent copies produce one effect.

use serde_json::json;

use crate::helpers::{Reply, TestApp, field, spawn_app};

async fn post_with_key(app: &TestApp, path: &str, token: &str, key: &str, body: &serde_json::Value) -> Reply {
    let response = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    Reply::from(response).await
}

async fn accepts(app: &TestApp, officer: &str, task: i64) -> usize {
    let events = app
        .get(&format!("/api/v1/tasks/{task}/events"), Some(officer))
        .await;
    events
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "accept")
        .count()
}

#[tokio::test]
async fn a_retried_post_is_answered_from_the_first_and_does_nothing_twice() {
    let app = spawn_app().await;
    let f = field(&app).await;
    let created = app
        .post(
            &format!("/api/v1/cases/{}/tasks", f.case_id),
            Some(&f.officer),
            &json!({"kind": "serve_documents", "target": {"lat": 32.005, "lon": 120.005}}),
        )
        .await;
    let task = created.body["task"]["id"].as_i64().unwrap();
    let token = f.workers[0].1.clone();
    let path = format!("/api/v1/tasks/{task}/accept");

    // Sent three times, twice at once: one accept.
    let empty = json!({});
    let (a, b) = tokio::join!(
        post_with_key(&app, &path, &token, "accept-1", &empty),
        post_with_key(&app, &path, &token, "accept-1", &empty)
    );
    let c = post_with_key(&app, &path, &token, "accept-1", &json!({})).await;
    for r in [&a, &b] {
        // The loser of the race either waited for the answer or was told to retry.
        assert!(
            r.status == 200 || r.body["code"] == "request_in_progress",
            "{} {}",
            r.status,
            r.text
        );
    }
    assert_eq!(c.status, 200, "{}", c.text);
    assert_eq!(c.headers.get("idempotent-replayed").unwrap(), "true");
    assert_eq!(c.body["status"], "accepted");
    assert_eq!(
        c.headers.get("etag"),
        a.headers.get("etag").or(b.headers.get("etag"))
    );
    assert_eq!(accepts(&app, &f.officer, task).await, 1);
    // Without the key, accepting again is the illegal transition it is.
    app.post(&path, Some(&token), &json!({}))
        .await
        .assert_problem(409, "invalid_transition");

    // The same key for another request is refused, and does nothing.
    let other = post_with_key(
        &app,
        &format!("/api/v1/tasks/{task}/decline"),
        &token,
        "accept-1",
        &json!({"reason": "overloaded"}),
    )
    .await;
    other.assert_problem(422, "idempotency_conflict");
    let still = app.get(&format!("/api/v1/tasks/{task}"), Some(&token)).await;
    assert_eq!(still.body["status"], "accepted");

    // Keys are per user: another user's identical key is theirs alone.
    let theirs = post_with_key(&app, &path, &f.workers[1].1, "accept-1", &json!({})).await;
    theirs.assert_problem(404, "not_found");

    // An error answer is replayed too (it is the answer), but a fresh key runs afresh.
    let refused = post_with_key(&app, &path, &token, "accept-2", &json!({})).await;
    refused.assert_problem(409, "invalid_transition");
    let replayed = post_with_key(&app, &path, &token, "accept-2", &json!({})).await;
    replayed.assert_problem(409, "invalid_transition");
    assert_eq!(replayed.headers.get("idempotent-replayed").unwrap(), "true");

    // A key must be sane.
    let long = "k".repeat(300);
    post_with_key(&app, &path, &token, &long, &json!({}))
        .await
        .assert_problem(400, "invalid_input");
}
