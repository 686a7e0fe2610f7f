//! `Idempotency-Key` on POSTs: a replay gets the first answer and does nothing; the same key
//! for a different request is refused; concurrent copies produce one effect.

use serde_json::json;

use crate::fixtures::{TaskBuilder, field};
use crate::helpers::{TestApp, spawn_app};

async fn accepts(app: &TestApp, officer: &str, task: i64) -> usize {
    app.task_actions(officer, task)
        .await
        .iter()
        .filter(|a| *a == "accept")
        .count()
}

#[tokio::test]
async fn a_retried_post_is_answered_from_the_first_and_does_nothing_twice() {
    let app = spawn_app().await;
    let f = field(&app).await;
    let task = TaskBuilder::new(&f).create(&app).await.id;
    let token = f.workers[0].1.clone();
    let path = format!("/api/v1/tasks/{task}/accept");

    // Sent three times, twice at once: one accept.
    let empty = json!({});
    let (a, b) = tokio::join!(
        app.post_with_key(&path, &token, "accept-1", &empty),
        app.post_with_key(&path, &token, "accept-1", &empty)
    );
    let c = app.post_with_key(&path, &token, "accept-1", &json!({})).await;
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
    let other = app
        .post_with_key(
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
    let theirs = app
        .post_with_key(&path, &f.workers[1].1, "accept-1", &json!({}))
        .await;
    theirs.assert_problem(404, "not_found");

    // An error answer is replayed too (it is the answer), but a fresh key runs afresh.
    let refused = app.post_with_key(&path, &token, "accept-2", &json!({})).await;
    refused.assert_problem(409, "invalid_transition");
    let replayed = app.post_with_key(&path, &token, "accept-2", &json!({})).await;
    replayed.assert_problem(409, "invalid_transition");
    assert_eq!(replayed.headers.get("idempotent-replayed").unwrap(), "true");

    // A key must be sane.
    let long = "k".repeat(300);
    app.post_with_key(&path, &token, &long, &json!({}))
        .await
        .assert_problem(400, "invalid_input");
}

async fn tasks(app: &TestApp, officer: &str) -> usize {
    let page = app.get("/api/v1/tasks?limit=100", Some(officer)).await;
    page.body["items"].as_array().unwrap().len()
}

/// Put a claim in the state a dead process left it in: taken `age` ago, stamped (it wrote
/// something) or not, no answer.
async fn dead_claim(app: &TestApp, user_id: i64, key: &str, digest: &str, stamped: bool) {
    use diesel::prelude::*;
    use gridassist::db::schema::idempotency_keys as keys;
    let (key, digest) = (key.to_owned(), digest.to_owned());
    let at = gridassist::domain::time::now() - gridassist::api::idempotency::ABANDONED_AFTER * 2;
    app.app_state
        .db
        .run(move |conn| {
            diesel::insert_into(keys::table)
                .values((
                    keys::user_id.eq(user_id),
                    keys::idem_key.eq(key),
                    keys::request_digest.eq(digest),
                    keys::created_at.eq(at),
                    keys::completed_at.eq(stamped.then_some(at)),
                ))
                .execute(conn)
                .map(|_| ())
                .map_err(gridassist::error::ApiError::from)
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn a_request_cut_short_by_a_crash_runs_again_only_if_it_wrote_nothing() {
    use diesel::prelude::*;
    use gridassist::db::schema::idempotency_keys as keys;
    let app = spawn_app().await;
    let f = field(&app).await;
    let path = format!("/api/v1/cases/{}/tasks", f.case_id);
    let body = TaskBuilder::new(&f).body();
    let first = app.post_with_key(&path, &f.officer, "first", &body).await;
    assert_eq!(first.status, 201, "{}", first.text);
    // The officer's id and what "the same request" hashes to, as stored for the first copy.
    let (officer_id, digest) = app
        .app_state
        .db
        .run(|conn| {
            keys::table
                .filter(keys::idem_key.eq("first"))
                .select((keys::user_id, keys::request_digest))
                .first::<(i64, String)>(conn)
                .map_err(gridassist::error::ApiError::from)
        })
        .await
        .unwrap();
    assert_eq!(tasks(&app, &f.officer).await, 1);

    // The process died after claiming "unstamped" and before writing anything: the retry runs.
    dead_claim(&app, officer_id, "unstamped", &digest, false).await;
    let retry = app.post_with_key(&path, &f.officer, "unstamped", &body).await;
    assert_eq!(retry.status, 201, "{}", retry.text);
    assert!(retry.headers.get("idempotent-replayed").is_none());
    assert_eq!(tasks(&app, &f.officer).await, 2);
    // …and from then on it is answered like any other.
    let again = app.post_with_key(&path, &f.officer, "unstamped", &body).await;
    assert_eq!(again.headers.get("idempotent-replayed").unwrap(), "true");

    // The process died after its write committed, before the answer was stored: the retry is
    // told so, and nothing is made twice.
    dead_claim(&app, officer_id, "stamped", &digest, true).await;
    let lost = app.post_with_key(&path, &f.officer, "stamped", &body).await;
    lost.assert_problem(409, "answer_lost");
    assert_eq!(tasks(&app, &f.officer).await, 2);

    // A claim that is not silent yet is still its request's: wait.
    app.app_state
        .db
        .run(move |conn| {
            let now = gridassist::domain::time::now();
            gridassist::repo::idempotency::claim(conn, officer_id, "running", &digest, now)
                .map_err(gridassist::error::ApiError::from)
        })
        .await
        .unwrap();
    app.post_with_key(&path, &f.officer, "running", &body)
        .await
        .assert_problem(409, "request_in_progress");
    assert_eq!(tasks(&app, &f.officer).await, 2);
}

#[tokio::test]
async fn a_request_whose_claim_was_taken_over_cannot_commit() {
    use gridassist::db::{self, RequestClaim};
    let app = spawn_app().await;
    let f = field(&app).await;
    let path = format!("/api/v1/cases/{}/tasks", f.case_id);
    let body = TaskBuilder::new(&f).body();
    let done = app.post_with_key(&path, &f.officer, "taken-over", &body).await;
    assert_eq!(done.status, 201, "{}", done.text);
    // A slow copy, holding the claim as it was before a retry took it over (and answered), writes
    // now.
    let me = app.get("/api/v1/me", Some(&f.officer)).await;
    let stale = RequestClaim {
        user_id: me.body["user"]["id"].as_i64().unwrap(),
        key: "taken-over".to_owned(),
        claimed_at: gridassist::domain::time::now() - chrono::Duration::minutes(5),
    };
    let state = app.app_state.clone();
    let write = db::with_claim(stale, async move {
        state
            .db
            .run(|conn| {
                db::write_tx(conn, |conn| {
                    gridassist::repo::audit::record(
                        conn,
                        &gridassist::repo::audit::Actor::cli(),
                        "probe",
                        "probe",
                        None,
                        None,
                    )?;
                    Ok::<_, gridassist::error::ApiError>(())
                })
            })
            .await
    })
    .await;
    let error = write.unwrap_err();
    assert_eq!(error.code(), "request_in_progress");
    let admin = app.admin_token().await;
    let audit = app.get("/api/v1/audit-events?limit=200", Some(&admin)).await;
    assert!(
        !audit.text.contains("\"probe\""),
        "the write committed: {}",
        audit.text
    );
}
