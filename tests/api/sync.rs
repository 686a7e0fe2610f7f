//! The worker's sync (`GET /me/tasks?since=`): everything missed, in order, paginated, with
//! tombstones for tasks taken away and the party data masked.

use serde_json::{Value, json};

use crate::fixtures::{Case, CaseBuilder, Field, Party, Stage, Task, TaskBuilder, field, id_number};
use crate::helpers::{TestApp, spawn_app};

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
        let task = TaskBuilder::new(&f).create(&app).await;
        if task.assignee_id == Some(w1) {
            held_by_w1.push(task.id);
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
    app.accept(&t1, a).await;
    let task_b = app.get(&format!("/api/v1/tasks/{b}"), Some(&f.officer)).await;
    let etag = task_b.body["etag"].as_str().unwrap().to_owned();
    let moved = app.assign(&f.officer, b, Some(&etag), w2).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    let cancelled = app.cancel(&f.officer, c, &json!({})).await;
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
    let declined = app.decline(&t1, a, &json!({"reason": "overloaded"})).await;
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
    let case = case_about(&app, &f, "(2026)苏1283执88号", "张三").await;
    let task = TaskBuilder::new(&f)
        .on_case(case.id)
        .party(case.debtor_id)
        .create(&app)
        .await;
    let page = sync(&app, task.token(), None, 50).await;
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

/// A case whose debtor `name` has an ID number and a phone on file.
async fn case_about(app: &TestApp, f: &Field, number: &str, name: &str) -> Case {
    CaseBuilder::new(number)
        .owed(5000)
        .filed_on("2026-02-01")
        .debtor(
            Party::person(name)
                .id_number(&id_number("32128319800101123"))
                .phone("13812345678"),
        )
        .create(app, &f.officer)
        .await
}

/// A task about 李四, a debtor whose ID number is on file, assigned to a field worker.
async fn task_about_a_person(app: &TestApp, f: &Field) -> Task {
    let case = case_about(app, f, "(2026)苏1283执99号", "李四").await;
    TaskBuilder::new(f)
        .on_case(case.id)
        .party(case.debtor_id)
        .create(app)
        .await
}

#[tokio::test]
async fn a_worker_keeps_party_data_only_while_the_task_needs_it() {
    // Access ends as soon as the task closes.
    let app = crate::helpers::spawn_app_with(&[("GRIDASSIST_PARTY_ACCESS_GRACE_HOURS", "0".into())]).await;
    let f = field(&app).await;
    let mut task = task_about_a_person(&app, &f).await;
    let token = task.token().to_owned();
    let open = app.get(&format!("/api/v1/tasks/{}", task.id), Some(&token)).await;
    assert_eq!(open.body["party"]["name"], "李四");
    task.advance(&app, Stage::Reviewed).await;
    let task = task.id;
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
    let mut task = task_about_a_person(&app, &f).await;
    let token = task.token().to_owned();
    task.advance(&app, Stage::Reviewed).await;
    let task = task.id;
    let recent = app.get(&format!("/api/v1/tasks/{task}"), Some(&token)).await;
    assert_eq!(recent.body["party"]["name"], "李四");
}
