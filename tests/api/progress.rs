//! Applicants following their case: access codes issued, re-issued and revoked by the court; the
//! public progress view with the right timeline and none of what it must not show; the rate
//! limits on guessing codes; who may manage codes.

use gridassist::geo::LatLon;
use serde_json::{Value, json};

use crate::fixtures::work::{fix, jpeg};
use crate::fixtures::{Case, CaseBuilder, Field, Party, TaskBuilder, field, id_number};
use crate::helpers::{Reply, SendForReply, TestApp, spawn_app, spawn_app_with};

const DEBTOR_NAME: &str = "王小明";
const DEBTOR_PHONE: &str = "13912345678";
const DEBTOR_ADDRESS: &str = "泰兴市黄桥镇东进路18号";
const APPLICANT_NAME: &str = "李春花";
const APPLICANT_PHONE: &str = "13800001111";
const INSTRUCTIONS: &str = "请于工作日上午送达执行通知书，注意核对身份证";
const SUBMISSION_NOTE: &str = "邻居张大爷协助指认住所";
const REVIEW_COMMENT: &str = "核实无误，回证字迹清晰";
const OUTCOME_NOTE: &str = "扣划工资款一笔";

fn debtor_id() -> String {
    id_number("32128319800101123")
}

fn applicant_id() -> String {
    id_number("32128319900202456")
}

/// A case full of personal data, filed by the field's officer.
async fn case_with_people(app: &TestApp, f: &Field) -> Case {
    CaseBuilder::new("(2026)苏1283执88号")
        .owed(5_000_000)
        .filed_on("2026-03-02")
        .applicant(
            Party::person(APPLICANT_NAME)
                .id_number(&applicant_id())
                .phone(APPLICANT_PHONE)
                .address("泰兴市济川街道阳光小区5栋"),
        )
        .debtor(
            Party::person(DEBTOR_NAME)
                .id_number(&debtor_id())
                .phone(DEBTOR_PHONE)
                .address_at(DEBTOR_ADDRESS, 32.0051234, 120.0054321),
        )
        .create(app, &f.officer)
        .await
}

async fn progress(app: &TestApp, code: &str, from: Option<&str>) -> Reply {
    let mut request = app
        .client
        .get(app.url(&format!("/api/v1/public/cases/{code}/progress")));
    if let Some(address) = from {
        request = request.header("X-Forwarded-For", address);
    }
    request.reply().await
}

/// Every number in the document, with the key it sits under.
fn numbers(value: &Value, key: &str, out: &mut Vec<(String, f64)>) {
    match value {
        Value::Number(n) => out.push((key.to_owned(), n.as_f64().unwrap())),
        Value::Array(items) => items.iter().for_each(|v| numbers(v, key, out)),
        Value::Object(map) => map.iter().for_each(|(k, v)| numbers(v, k, out)),
        _ => {}
    }
}

/// Every key in the document.
fn keys(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Array(items) => items.iter().for_each(|v| keys(v, out)),
        Value::Object(map) => map.iter().for_each(|(k, v)| {
            out.push(k.clone());
            keys(v, out);
        }),
        _ => {}
    }
}

fn today() -> String {
    gridassist::domain::time::today_local().to_string()
}

#[tokio::test]
async fn the_applicant_sees_the_timeline_and_nothing_that_identifies_anyone() {
    let app = spawn_app().await;
    let f = field(&app).await;
    let case = case_with_people(&app, &f).await;
    let case_id = case.id;
    let f = Field { case_id, ..f };

    // Task 1 goes through the whole field loop, with free text everywhere it is allowed.
    let created = TaskBuilder::new(&f)
        .party(case.debtor_id)
        .instructions(INSTRUCTIONS)
        .at(32.0051234, 120.0054321)
        .address(DEBTOR_ADDRESS)
        .accepted()
        .create(&app)
        .await;
    let task = created.id;
    let worker_id = created.assignee_id.expect("assigned");
    let worker_name = if f.workers[0].0 == worker_id {
        "worker1"
    } else {
        "worker2"
    };
    let token = created.token();
    let here = LatLon {
        lat: 32.0051777,
        lon: 120.0054888,
    };
    let checked_in = app
        .check_in(token, task, &fix("ci-1", here, "wgs84", 8.0, chrono::Utc::now()))
        .await;
    assert_eq!(checked_in.status, 201, "{}", checked_in.text);
    let photo = app.upload_evidence(token, task, "kind=photo", jpeg(77)).await;
    assert_eq!(photo.status, 201, "{}", photo.text);
    let evidence_id = photo.body["id"].as_i64().unwrap();
    let evidence_sha = photo.body["sha256"].as_str().unwrap_or_default().to_owned();
    let submitted = app
        .post(
            &format!("/api/v1/tasks/{task}/submission"),
            Some(token),
            &json!({"client_id": "s-1", "note": SUBMISSION_NOTE, "result": {"kind": "serve_documents", "attempts": [
                {"at": chrono::Utc::now().to_rfc3339(), "place": DEBTOR_ADDRESS, "outcome": "served_personally",
                 "point": {"lat": 32.0051777, "lon": 120.0054888}, "evidence_ids": [evidence_id]}],
                "served_attempt": 0}}),
        )
        .await;
    assert_eq!(submitted.status, 201, "{}", submitted.text);
    let reviewed = app
        .review(
            &f.officer,
            task,
            &json!({"decision": "approve", "rating": 5, "comment": REVIEW_COMMENT}),
        )
        .await;
    assert_eq!(reviewed.status, 200, "{}", reviewed.text);
    let outcome = app
        .record_outcome(
            &f.officer,
            task,
            &json!({"amount_recovered_fen": 987_654_321, "note": OUTCOME_NOTE}),
        )
        .await;
    assert!(outcome.status.is_success(), "{}", outcome.text);
    // Task 2 is withdrawn after a worker accepted it.
    let second = TaskBuilder::new(&f).in_progress().create(&app).await.id;
    let cancelled = app.cancel(&f.officer, second, &json!({})).await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);

    let issued = app.issue_access_code(&f.officer, case_id).await;
    assert_eq!(issued.status, 201, "{}", issued.text);
    assert_eq!(issued.headers["cache-control"], "no-store");
    assert_eq!(issued.body["replaced"], false);
    let code = issued.body["code"].as_str().unwrap().to_owned();
    let groups: Vec<&str> = code.split('-').collect();
    assert_eq!(groups.len(), 4, "{code}");
    assert!(
        groups
            .iter()
            .all(|g| g.len() == 4 && g.chars().all(|c| c.is_ascii_alphanumeric()))
    );

    let view = progress(&app, &code, None).await;
    assert_eq!(view.status, 200, "{}", view.text);
    assert_eq!(view.headers["cache-control"], "no-store");
    let body = &view.body;
    assert_eq!(body["case_number"], "(2026)苏1283执88号");
    assert_eq!(body["court_name"], "C1法院");
    assert_eq!(body["case_status"], "open");
    assert_eq!(body["case_status_label"], "执行中");
    assert_eq!(body["filed_on"], "2026-03-02");
    assert_eq!(body["closed_on"], Value::Null);
    let tasks = body["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 2);
    let first = &tasks[0];
    assert_eq!(first["number"], 1);
    assert_eq!(first["kind"], "serve_documents");
    assert_eq!(first["kind_label"], "文书送达");
    assert_eq!(first["status"], "completed");
    assert_eq!(first["result"], "served");
    assert_eq!(first["result_label"], "已送达");
    for day in [
        "created_on",
        "accepted_on",
        "checked_in_on",
        "submitted_on",
        "approved_on",
    ] {
        assert_eq!(first[day], today(), "{day}");
    }
    assert_eq!(first["cancelled_on"], Value::Null);
    assert_eq!(
        first["outcome"],
        json!({"assets_frozen": false, "assets_seized": false, "money_recovered": true, "settlement_performed": false})
    );
    assert_eq!(tasks[1]["status"], "cancelled");
    assert_eq!(tasks[1]["status_label"], "已撤回");
    assert_eq!(tasks[1]["result"], Value::Null);
    assert_eq!(tasks[1]["cancelled_on"], today());
    let steps: Vec<(String, Value)> = body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["milestone"].as_str().unwrap().to_owned(), e["task"].clone()))
        .collect();
    let expected: Vec<(String, Value)> = [
        ("case_filed", Value::Null),
        ("task_created", json!(1)),
        ("task_accepted", json!(1)),
        ("task_checked_in", json!(1)),
        ("task_submitted", json!(1)),
        ("task_approved", json!(1)),
        ("task_created", json!(2)),
        ("task_accepted", json!(2)),
        ("task_checked_in", json!(2)),
        ("task_cancelled", json!(2)),
    ]
    .into_iter()
    .map(|(m, t)| (m.to_owned(), t))
    .collect();
    assert_eq!(steps, expected);

    // Nothing that identifies the worker, the parties, the places, the evidence or the court's
    // and the worker's own words.
    let raw = &view.text;
    for secret in [
        worker_name,
        "officer.wang",
        DEBTOR_NAME,
        DEBTOR_PHONE,
        DEBTOR_ADDRESS,
        &debtor_id(),
        APPLICANT_NAME,
        APPLICANT_PHONE,
        &applicant_id(),
        "阳光小区",
        "32.005",
        "120.005",
        INSTRUCTIONS,
        SUBMISSION_NOTE,
        REVIEW_COMMENT,
        OUTCOME_NOTE,
        "987654321",
        "5000000",
        "G-SW",
        "T1镇",
        "evidence",
        "sha256",
    ] {
        assert!(!raw.contains(secret), "{secret} leaked: {raw}");
    }
    if !evidence_sha.is_empty() {
        assert!(!raw.contains(&evidence_sha));
    }
    // No ids of anything at all: the only numbers are task numbers within the case.
    let mut found = Vec::new();
    numbers(body, "", &mut found);
    assert!(
        found.iter().all(|(k, _)| k == "number" || k == "task"),
        "unexpected numbers {found:?}"
    );
    let mut names = Vec::new();
    keys(body, &mut names);
    for banned in [
        "id", "worker", "assignee", "lat", "lon", "grid", "township", "party", "note", "comment",
    ] {
        assert!(
            !names.iter().any(|k| k.split('_').any(|part| part == banned)),
            "key with {banned}: {names:?}"
        );
    }

    // Each read is audited against the case, by the anonymous applicant.
    let admin = app.admin_token().await;
    let audit = app
        .get("/api/v1/audit-events?action=case.progress.read", Some(&admin))
        .await;
    let rows = audit.body["items"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{}", audit.text);
    assert_eq!(rows[0]["actor_role"], "applicant");
    assert_eq!(rows[0]["actor_id"], Value::Null);
    assert_eq!(rows[0]["object_type"], "case");
    assert_eq!(rows[0]["object_id"], case_id.to_string());
    let issues = app
        .get("/api/v1/audit-events?action=case.access_code.issue", Some(&admin))
        .await;
    assert_eq!(issues.body["items"].as_array().unwrap().len(), 1);
    assert!(!issues.text.contains(&code) && !issues.text.contains(&code.replace('-', "")));
}

#[tokio::test]
async fn reissuing_kills_the_old_code_and_revoking_leaves_none() {
    let app = spawn_app().await;
    let f = field(&app).await;
    let first = app.issue_access_code(&f.officer, f.case_id).await;
    let old = first.body["code"].as_str().unwrap().to_owned();
    assert_eq!(progress(&app, &old, None).await.status, 200);
    // Typed by hand: lower case, spaces instead of dashes.
    let typed = old.to_lowercase().replace('-', " ");
    assert_eq!(progress(&app, &typed, None).await.status, 200);

    let second = app.issue_access_code(&f.officer, f.case_id).await;
    assert_eq!(second.status, 201, "{}", second.text);
    assert_eq!(second.body["replaced"], true);
    let new = second.body["code"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    let dead = progress(&app, &old, None).await;
    dead.assert_problem(404, "not_found");
    // One answer whatever the reason: revoked, never issued, malformed.
    let never = progress(&app, "ABCD-EFGH-JKMN-PQRS", None).await;
    let malformed = progress(&app, "not-a-code", None).await;
    assert_eq!(dead.body, never.body);
    assert_eq!(dead.body, malformed.body);
    assert_eq!(progress(&app, &new, None).await.status, 200);

    let state = app
        .get(
            &format!("/api/v1/cases/{}/access-code", f.case_id),
            Some(&f.officer),
        )
        .await;
    assert_eq!(state.status, 200, "{}", state.text);
    assert_eq!(state.body["active"], true);
    assert!(!state.text.contains(&new));

    let revoked = app
        .delete(
            &format!("/api/v1/cases/{}/access-code", f.case_id),
            Some(&f.officer),
        )
        .await;
    assert_eq!(revoked.status, 204, "{}", revoked.text);
    progress(&app, &new, None).await.assert_problem(404, "not_found");
    app.delete(
        &format!("/api/v1/cases/{}/access-code", f.case_id),
        Some(&f.officer),
    )
    .await
    .assert_problem(404, "not_found");
    let state = app
        .get(
            &format!("/api/v1/cases/{}/access-code", f.case_id),
            Some(&f.officer),
        )
        .await;
    assert_eq!(state.body["active"], false);
    assert!(state.body["revoked_at"].is_string());
}

#[tokio::test]
async fn only_the_cases_court_and_admins_manage_its_codes_and_a_retry_never_replays_one() {
    let app = spawn_app().await;
    let f = field(&app).await;
    let admin = app.admin_token().await;
    let other_court = app.create_court(&admin, "C2").await;
    let stranger = app.officer_of(&admin, "officer.zhou", other_court).await;
    let path = format!("/api/v1/cases/{}/access-code", f.case_id);
    app.issue_access_code(&stranger, f.case_id)
        .await
        .assert_problem(404, "not_found");
    app.get(&path, Some(&stranger))
        .await
        .assert_problem(404, "not_found");
    app.delete(&path, Some(&stranger))
        .await
        .assert_problem(404, "not_found");
    app.issue_access_code(&f.supervisor, f.case_id)
        .await
        .assert_problem(403, "forbidden");
    app.issue_access_code(&f.workers[0].1, f.case_id)
        .await
        .assert_problem(403, "forbidden");
    app.issue_access_code(&f.officer, 999_999)
        .await
        .assert_problem(404, "not_found");
    let by_admin = app.issue_access_code(&admin, f.case_id).await;
    assert_eq!(by_admin.status, 201, "{}", by_admin.text);

    // The same Idempotency-Key twice: the secret is not stored for replay, so the retry issues a
    // fresh code (and the first stops working).
    let mut codes = Vec::new();
    for _ in 0..2 {
        let reply = app
            .post_with_key(&path, &f.officer, "issue-once", &json!({}))
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        assert!(reply.headers.get("idempotent-replayed").is_none());
        codes.push(reply.body["code"].as_str().unwrap().to_owned());
    }
    assert_ne!(codes[0], codes[1]);
    progress(&app, &codes[0], None)
        .await
        .assert_problem(404, "not_found");
    assert_eq!(progress(&app, &codes[1], None).await.status, 200);
    let stored: Vec<Option<String>> = app
        .app_state
        .db
        .run(|conn| {
            use diesel::prelude::*;
            use gridassist::db::schema::idempotency_keys;
            idempotency_keys::table
                .select(idempotency_keys::body)
                .load(conn)
                .map_err(gridassist::error::ApiError::from)
        })
        .await
        .unwrap();
    for body in stored.into_iter().flatten() {
        assert!(!codes.iter().any(|c| body.contains(c.as_str())), "{body}");
    }
}

#[tokio::test]
async fn guessing_codes_from_one_address_is_stopped_with_retry_after() {
    let app = spawn_app_with(&[
        ("GRIDASSIST_PROGRESS_MAX_FAILURES", "3".into()),
        ("GRIDASSIST_PROGRESS_MAX_LOOKUPS", "5".into()),
        ("GRIDASSIST_CLIENT_IP_HEADER", "X-Forwarded-For".into()),
    ])
    .await;
    let f = field(&app).await;
    let code = app.issue_access_code(&f.officer, f.case_id).await.body["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let guesser = "203.0.113.7";
    for guess in ["ABCD-EFGH-JKMN-PQRS", "ABCD-EFGH-JKMN-PQRT", "garbage"] {
        progress(&app, guess, Some(guesser))
            .await
            .assert_problem(404, "not_found");
    }
    let stopped = progress(&app, "ABCD-EFGH-JKMN-PQRU", Some(guesser)).await;
    stopped.assert_problem(429, "too_many_attempts");
    let wait: u64 = stopped.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    // Even the right code, and even claiming another address in front of the proxy's entry.
    progress(&app, &code, Some(guesser))
        .await
        .assert_problem(429, "too_many_attempts");
    progress(&app, &code, Some(&format!("198.51.100.1, {guesser}")))
        .await
        .assert_problem(429, "too_many_attempts");

    // Another address is unaffected, up to the looser cap on all look-ups.
    let applicant = "198.51.100.20";
    for _ in 0..5 {
        let r = progress(&app, &code, Some(applicant)).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let r = progress(&app, &code, Some(applicant)).await;
    r.assert_problem(429, "too_many_attempts");
    assert!(r.headers.contains_key("retry-after"));
}
