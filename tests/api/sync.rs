//! The worker's sync (`GET /me/tasks?since=`): everything missed, in order, paginated, with
//! tombstones for tasks taken away and the party data masked.

use serde_json::{Value, json};

use crate::helpers::{Field, TestApp, field, id_number, spawn_app};

async fn sync(app: &TestApp, token: &str, since: Option<&str>, limit: u32) -> Value {
    let path = match since {
        Some(c) => format!("/api/v1/me/tasks?since={c}&limit={limit}"),
        None => format!("/api/v1/me/tasks?limit={limit}"),
    };
    let r = app.get(&path, Some(token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

/// Everything a phone gets from `since` on, following pages; returns the changes and the cursor.
async fn sync_all(app: &TestApp, token: &str, since: Option<&str>) -> (Vec<Value>, String) {
    let mut changes = Vec::new();
    let mut cursor = since.map(str::to_owned);
    loop {
        let page = sync(app, token, cursor.as_deref(), 2).await;
        changes.extend(page["changes"].as_array().unwrap().iter().cloned());
        cursor = Some(page["cursor"].as_str().unwrap().to_owned());
        if page["has_more"] == false {
            return (changes, cursor.unwrap());
        }
    }
}

async fn new_task(app: &TestApp, f: &Field, party_id: Option<i64>) -> (i64, i64) {
    let r = app
        .post(
            &format!("/api/v1/cases/{}/tasks", f.case_id),
            Some(&f.officer),
            &json!({"kind": "serve_documents", "party_id": party_id, "target": {"lat": 32.005, "lon": 120.005}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    (
        r.body["task"]["id"].as_i64().unwrap(),
        r.body["task"]["assignee_id"].as_i64().unwrap(),
    )
}

fn ids(changes: &[Value], kind: &str) -> Vec<i64> {
    changes
        .iter()
        .filter(|c| c["change"] == kind)
        .map(|c| c["task_id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_phone_gets_what_it_missed_in_order_with_tombstones_for_tasks_taken_away() {
    let app = spawn_app().await;
    let f = field(&app).await;
    let (w1, t1) = f.workers[0].clone();
    let (w2, t2) = f.workers[1].clone();

    // Tasks alternate between the two workers (least loaded first); w1 holds a, c, e.
    let mut held_by_w1 = Vec::new();
    for _ in 0..6 {
        let (task, assignee) = new_task(&app, &f, None).await;
        if assignee == w1 {
            held_by_w1.push(task);
        }
    }
    assert_eq!(held_by_w1.len(), 3);
    let (changes, cursor) = sync_all(&app, &t1, None).await;
    assert_eq!(ids(&changes, "upsert"), held_by_w1, "oldest first, each once");
    assert!(
        changes
            .iter()
            .all(|c| c["task"]["etag"].as_str().unwrap().starts_with("\"v"))
    );

    // Nothing new: an empty page and the same cursor.
    let idle = sync(&app, &t1, Some(&cursor), 50).await;
    assert_eq!(idle["changes"], json!([]));
    assert_eq!(idle["cursor"], cursor.as_str());

    // While the phone is offline: one task is accepted, one reassigned to w2, one cancelled.
    let [a, b, c] = [held_by_w1[0], held_by_w1[1], held_by_w1[2]];
    app.post(&format!("/api/v1/tasks/{a}/accept"), Some(&t1), &json!({}))
        .await;
    let task_b = app.get(&format!("/api/v1/tasks/{b}"), Some(&f.officer)).await;
    let etag = task_b.body["etag"].as_str().unwrap().to_owned();
    let moved = app
        .client
        .post(app.url(&format!("/api/v1/tasks/{b}/assign")))
        .bearer_auth(&f.officer)
        .header("if-match", etag)
        .json(&json!({"worker_id": w2}))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), 200);
    let cancelled = app
        .post(&format!("/api/v1/tasks/{c}/cancel"), Some(&f.officer), &json!({}))
        .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);

    let (changes, _) = sync_all(&app, &t1, Some(&cursor)).await;
    assert_eq!(ids(&changes, "upsert"), [a]);
    assert_eq!(changes[0]["task"]["status"], "accepted");
    assert_eq!(ids(&changes, "tombstone"), [b, c]);
    let reasons: Vec<&str> = changes.iter().filter_map(|c| c["reason"].as_str()).collect();
    assert_eq!(reasons, ["reassigned", "cancelled"]);
    // The new holder hears about b.
    let (theirs, _) = sync_all(&app, &t2, None).await;
    assert!(ids(&theirs, "upsert").contains(&b));

    // A decline gives the decliner a tombstone.
    let (changes, cursor) = sync_all(&app, &t1, None).await;
    assert_eq!(changes.len(), 3, "a full sync still lists what was taken away");
    let declined = app
        .post(
            &format!("/api/v1/tasks/{a}/decline"),
            Some(&t1),
            &json!({"reason": "overloaded"}),
        )
        .await;
    assert_eq!(declined.status, 200, "{}", declined.text);
    let (changes, _) = sync_all(&app, &t1, Some(&cursor)).await;
    assert_eq!(ids(&changes, "tombstone"), [a]);
    assert_eq!(changes[0]["reason"], "declined");
}

#[tokio::test]
async fn sync_shows_the_party_with_the_id_number_masked_and_is_for_workers_only() {
    let app = spawn_app().await;
    let f = field(&app).await;
    let id = id_number("32128319800101123");
    let case = app
        .post(
            "/api/v1/cases",
            Some(&f.officer),
            &json!({"case_number": "(2026)苏1283执88号", "amount_owed_fen": 5000, "filed_on": "2026-02-01",
                    "parties": [{"role": "applicant", "kind": "person", "name": "甲"},
                                {"role": "debtor", "kind": "person", "name": "张三", "id_number": id,
                                 "phones": ["13812345678"]}]}),
        )
        .await;
    assert_eq!(case.status, 201, "{}", case.text);
    let debtor = case.body["parties"][1]["id"].as_i64().unwrap();
    let r = app
        .post(
            &format!("/api/v1/cases/{}/tasks", case.body["id"]),
            Some(&f.officer),
            &json!({"kind": "serve_documents", "party_id": debtor, "target": {"lat": 32.005, "lon": 120.005}}),
        )
        .await;
    let worker = r.body["task"]["assignee_id"].as_i64().unwrap();
    let token = &f.workers.iter().find(|(w, _)| *w == worker).unwrap().1;
    let page = sync(&app, token, None, 50).await;
    let party = &page["changes"][0]["task"]["party"];
    assert_eq!(party["name"], "张三");
    assert_eq!(
        party["id_number"],
        "321283********1234".replace("1234", &id[14..])
    );
    assert_eq!(party["phones"], json!(["13812345678"]));
    assert!(
        !page.to_string().contains(&id),
        "the full ID number never reaches the phone"
    );

    for token in [&f.officer, &f.supervisor] {
        app.get("/api/v1/me/tasks", Some(token))
            .await
            .assert_problem(403, "forbidden");
    }
    app.get("/api/v1/me/tasks?since=garbage", Some(&f.workers[0].1))
        .await
        .assert_problem(400, "invalid_input");
}

/// A case with a debtor whose ID number is on file, and a task about them assigned to a worker;
/// returns (task id, worker token).
async fn task_about_a_person(app: &TestApp, f: &Field) -> (i64, String) {
    let case = app
        .post(
            "/api/v1/cases",
            Some(&f.officer),
            &json!({"case_number": "(2026)苏1283执99号", "amount_owed_fen": 5000, "filed_on": "2026-02-01",
                    "parties": [{"role": "applicant", "kind": "person", "name": "甲"},
                                {"role": "debtor", "kind": "person", "name": "李四",
                                 "id_number": id_number("32128319800101123"), "phones": ["13812345678"]}]}),
        )
        .await;
    let debtor = case.body["parties"][1]["id"].as_i64().unwrap();
    let r = app
        .post(
            &format!("/api/v1/cases/{}/tasks", case.body["id"]),
            Some(&f.officer),
            &json!({"kind": "serve_documents", "party_id": debtor, "target": {"lat": 32.005, "lon": 120.005}}),
        )
        .await;
    let worker = r.body["task"]["assignee_id"].as_i64().unwrap();
    let token = f.workers.iter().find(|(w, _)| *w == worker).unwrap().1.clone();
    (r.body["task"]["id"].as_i64().unwrap(), token)
}

async fn approve(app: &TestApp, f: &Field, task: i64, token: &str) {
    app.post(&format!("/api/v1/tasks/{task}/accept"), Some(token), &json!({}))
        .await;
    app.post(
        &format!("/api/v1/tasks/{task}/check-ins"),
        Some(token),
        &json!({"client_id": "c", "lat": 32.005, "lon": 120.005, "accuracy_m": 5.0,
                "captured_at": chrono::Utc::now().to_rfc3339()}),
    )
    .await;
    let result = json!({"kind": "serve_documents", "attempts": [
        {"at": chrono::Utc::now().to_rfc3339(), "place": "某路1号", "outcome": "not_found"}]});
    let s = app
        .post(
            &format!("/api/v1/tasks/{task}/submission"),
            Some(token),
            &json!({"client_id": "s", "result": result}),
        )
        .await;
    assert_eq!(s.status, 201, "{}", s.text);
    let r = app
        .post(
            &format!("/api/v1/tasks/{task}/review"),
            Some(&f.officer),
            &json!({"decision": "approve", "rating": 4}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test]
async fn a_worker_keeps_party_data_only_while_the_task_needs_it() {
    // Access ends as soon as the task closes.
    let app = crate::helpers::spawn_app_with(&[("GRIDASSIST_PARTY_ACCESS_GRACE_HOURS", "0".into())]).await;
    let f = field(&app).await;
    let (task, token) = task_about_a_person(&app, &f).await;
    let open = app.get(&format!("/api/v1/tasks/{task}"), Some(&token)).await;
    assert_eq!(open.body["party"]["name"], "李四");
    approve(&app, &f, task, &token).await;
    let closed = app.get(&format!("/api/v1/tasks/{task}"), Some(&token)).await;
    assert_eq!(closed.status, 200);
    assert_eq!(closed.body["status"], "approved");
    assert!(closed.body["party"].is_null(), "{}", closed.text);
    let page = sync(&app, &token, None, 50).await;
    let change = &page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["task_id"] == task)
        .unwrap()
        .clone();
    assert_eq!(change["task"]["status"], "approved");
    assert!(change["task"]["party"].is_null());
    assert!(!page.to_string().contains("13812345678"));
    // The court still sees it all.
    let officer = app.get(&format!("/api/v1/tasks/{task}"), Some(&f.officer)).await;
    assert_eq!(officer.body["party"]["phones"][0], "13812345678");

    // With the default grace (72 h), the worker still sees it just after approval.
    let app = spawn_app().await;
    let f = field(&app).await;
    let (task, token) = task_about_a_person(&app, &f).await;
    approve(&app, &f, task, &token).await;
    let recent = app.get(&format!("/api/v1/tasks/{task}"), Some(&token)).await;
    assert_eq!(recent.body["party"]["name"], "李四");
}
