//! Results and review end to end: every task kind from creation to approval over HTTP, with an
//! offline replay (the same submission three times, two at once) and a rework loop; validation
//! of results naming the field; outcomes.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::{Field, Reply, TestApp, field, grid_id, spawn_app};

const KINDS: [&str; 8] = [
    "serve_documents",
    "locate_person",
    "locate_assets",
    "urge_performance",
    "facilitate_settlement",
    "publicize_dishonesty",
    "report_refusal",
    "take_down_notice",
];

/// Certify both field workers for every kind.
async fn certify_for_everything(app: &TestApp, f: &Field) {
    let admin = app.admin_token().await;
    let certifications: Vec<Value> = KINDS
        .iter()
        .map(|k| json!({"task_kind": k, "certified_on": "2026-01-05"}))
        .collect();
    let sw = grid_id(app, &admin, "G-SW").await;
    for (id, _) in &f.workers {
        let r = app
            .put(
                &format!("/api/v1/workers/{id}"),
                Some(&admin),
                &json!({"primary_grid_id": sw, "capacity": 10, "availability": "active",
                        "certifications": certifications}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
}

fn token_of(f: &Field, worker_id: i64) -> String {
    f.workers
        .iter()
        .find(|(id, _)| *id == worker_id)
        .map(|(_, t)| t.clone())
        .expect("assigned to a field worker")
}

pub fn jpeg(seed: u8) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    bytes.extend((0..2000).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    bytes
}

fn png(seed: u8) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend((0..500).map(|i| (i as u8).wrapping_mul(7).wrapping_add(seed)));
    bytes
}

fn pdf(seed: u8) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.extend((0..500).map(|i| (i as u8).wrapping_mul(13).wrapping_add(seed)));
    bytes
}

async fn upload(app: &TestApp, token: &str, task: i64, kind: &str, bytes: Vec<u8>) -> i64 {
    let r = app
        .post_raw(
            &format!("/api/v1/tasks/{task}/evidence?kind={kind}"),
            Some(token),
            "application/octet-stream",
            bytes,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["id"].as_i64().unwrap()
}

fn ago(minutes: i64) -> String {
    (Utc::now() - Duration::minutes(minutes)).to_rfc3339()
}

/// A task of `kind` on the field's case, accepted and checked in by its assignee. Returns the
/// task id and the assignee's token.
pub async fn task_in_progress(app: &TestApp, f: &Field, kind: &str) -> (i64, String) {
    let created = app
        .post(
            &format!("/api/v1/cases/{}/tasks", f.case_id),
            Some(&f.officer),
            &json!({"kind": kind, "party_id": null, "target": {"lat": 32.005, "lon": 120.005}}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.body["task"]["id"].as_i64().unwrap();
    let token = token_of(f, created.body["task"]["assignee_id"].as_i64().unwrap());
    let accepted = app
        .post(&format!("/api/v1/tasks/{id}/accept"), Some(&token), &json!({}))
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    let checked_in = app
        .post(
            &format!("/api/v1/tasks/{id}/check-ins"),
            Some(&token),
            &json!({"client_id": format!("ci-{id}"), "lat": 32.005, "lon": 120.005,
                    "accuracy_m": 8.0, "captured_at": ago(1)}),
        )
        .await;
    assert_eq!(checked_in.status, 201, "{}", checked_in.text);
    (id, token)
}

/// A valid result for each kind, with the evidence it needs uploaded first.
async fn result_for(app: &TestApp, token: &str, task: i64, kind: &str, round: u8) -> Value {
    let seed = round.wrapping_mul(50);
    match kind {
        "serve_documents" => {
            let photo = upload(app, token, task, "photo", jpeg(seed)).await;
            json!({"kind": kind, "attempts": [
                {"at": ago(90), "place": "泰兴市济川街道某路1号", "outcome": "not_found", "evidence_ids": []},
                {"at": ago(30), "place": "泰兴市济川街道某路1号", "outcome": "refused",
                 "witness": {"name": "王某", "organisation": "某村村委会"}, "evidence_ids": [photo]}
            ], "served_attempt": 1})
        }
        "locate_person" => {
            let photo = upload(app, token, task, "photo", jpeg(seed + 1)).await;
            json!({"kind": kind, "found": true,
                   "whereabouts": {"address": "泰兴市某镇某村3组", "point": {"lat": 32.006, "lon": 120.006}},
                   "verified_by": "neighbour", "evidence_ids": [photo]})
        }
        "locate_assets" => {
            let photo = upload(app, token, task, "photo", jpeg(seed + 2)).await;
            json!({"kind": kind, "searched": "走访邻居并查看车库",
                   "assets": [{"type": "vehicle", "description": "白色轿车 苏M12345", "estimated_value_fen": 8000000,
                               "evidence_ids": [photo]}]})
        }
        "urge_performance" => {
            let receipt = upload(app, token, task, "pdf", pdf(seed)).await;
            json!({"kind": kind, "response": "paid_in_part", "amount_paid_now_fen": 50000,
                   "receipt_evidence_ids": [receipt], "evidence_ids": []})
        }
        "facilitate_settlement" => {
            let applicant = upload(app, token, task, "signature", png(seed)).await;
            let debtor = upload(app, token, task, "signature", png(seed + 1)).await;
            json!({"kind": kind, "reached": true, "terms": "分三期于2027年3月前付清",
                   "signature_evidence_ids": [applicant, debtor], "evidence_ids": []})
        }
        "publicize_dishonesty" => {
            let photo = upload(app, token, task, "photo", jpeg(seed + 3)).await;
            json!({"kind": kind, "postings": [{"place": "某村公告栏", "posted_at": ago(20), "evidence_ids": [photo]}]})
        }
        "report_refusal" => {
            let photo = upload(app, token, task, "photo", jpeg(seed + 4)).await;
            json!({"kind": kind, "occurred_at": ago(45), "conduct": ["obstructed_service"],
                   "description": "拒不开门，并阻止送达", "evidence_ids": [photo]})
        }
        "take_down_notice" => {
            let photo = upload(app, token, task, "photo", jpeg(seed + 5)).await;
            json!({"kind": kind, "removals": [{"place": "某村公告栏", "removed_at": ago(10), "evidence_ids": [photo]}]})
        }
        other => panic!("no sample result for {other}"),
    }
}

async fn submit(app: &TestApp, token: &str, task: i64, client_id: &str, result: &Value) -> Reply {
    app.post(
        &format!("/api/v1/tasks/{task}/submission"),
        Some(token),
        &json!({"client_id": client_id, "result": result}),
    )
    .await
}

#[tokio::test]
async fn every_kind_goes_from_creation_to_approval_through_rework_and_a_replayed_submission() {
    let app = spawn_app().await;
    let f = field(&app).await;
    certify_for_everything(&app, &f).await;
    for kind in KINDS {
        let (task, token) = task_in_progress(&app, &f, kind).await;

        // Offline replay: the phone sends the same submission three times, twice at once.
        let result = result_for(&app, &token, task, kind, 1).await;
        let client_id = format!("{kind}-first");
        let (a, b) = tokio::join!(
            submit(&app, &token, task, &client_id, &result),
            submit(&app, &token, task, &client_id, &result)
        );
        let c = submit(&app, &token, task, &client_id, &result).await;
        let mut statuses = [a.status.as_u16(), b.status.as_u16(), c.status.as_u16()];
        statuses.sort_unstable();
        assert_eq!(
            statuses,
            [200, 200, 201],
            "{kind}: {} / {} / {}",
            a.text,
            b.text,
            c.text
        );
        assert_eq!(a.body["submission"]["id"], c.body["submission"]["id"]);
        assert_eq!(c.body["task"]["status"], "submitted");
        assert_eq!(c.body["submission"]["result"]["kind"], kind);
        let listed = app
            .get(&format!("/api/v1/tasks/{task}/submissions"), Some(&f.officer))
            .await;
        assert_eq!(
            listed.body.as_array().unwrap().len(),
            1,
            "{kind}: {}",
            listed.text
        );

        // The officer returns it for rework; the phone's sync shows why.
        let returned = app
            .post(
                &format!("/api/v1/tasks/{task}/review"),
                Some(&f.officer),
                &json!({"decision": "reject", "reasons": ["insufficient_evidence", "illegible"],
                        "comment": "照片模糊，请补拍"}),
            )
            .await;
        assert_eq!(returned.status, 200, "{kind}: {}", returned.text);
        assert_eq!(returned.body["task"]["status"], "returned");
        let sync = app.get("/api/v1/me/tasks", Some(&token)).await;
        let change = sync.body["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["task_id"] == task)
            .cloned()
            .expect("the returned task is in the sync");
        assert_eq!(change["change"], "upsert");
        assert_eq!(change["task"]["status"], "returned");
        assert_eq!(
            change["rework"]["reasons"],
            json!(["insufficient_evidence", "illegible"])
        );
        assert_eq!(change["rework"]["comment"], "照片模糊，请补拍");

        // Rework: a new submission, straight from `returned`, then approval with a rating.
        let result = result_for(&app, &token, task, kind, 2).await;
        let second = submit(&app, &token, task, &format!("{kind}-second"), &result).await;
        assert_eq!(second.status, 201, "{kind}: {}", second.text);
        let approved = app
            .post(
                &format!("/api/v1/tasks/{task}/review"),
                Some(&f.officer),
                &json!({"decision": "approve", "rating": 4}),
            )
            .await;
        assert_eq!(approved.status, 200, "{kind}: {}", approved.text);
        assert_eq!(approved.body["task"]["status"], "approved");
        assert_eq!(approved.body["submission"]["review"]["rating"], 4);

        let listed = app
            .get(&format!("/api/v1/tasks/{task}/submissions"), Some(&f.officer))
            .await;
        let reviews: Vec<&str> = listed
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["review"]["decision"].as_str().unwrap())
            .collect();
        assert_eq!(reviews, ["returned", "approved"], "{kind}");
        // An approved task is final.
        app.post(
            &format!("/api/v1/tasks/{task}/review"),
            Some(&f.officer),
            &json!({"decision": "approve", "rating": 5}),
        )
        .await
        .assert_problem(409, "invalid_transition");
    }
}

#[tokio::test]
async fn results_are_validated_field_by_field_and_against_the_tasks_evidence() {
    let app = spawn_app().await;
    let f = field(&app).await;
    let (task, token) = task_in_progress(&app, &f, "serve_documents").await;
    let photo = upload(&app, &token, task, "photo", jpeg(9)).await;
    let pdf_id = upload(&app, &token, task, "pdf", pdf(9)).await;
    let attempt = |extra: Value| {
        let mut a = json!({"at": ago(10), "place": "某路1号", "outcome": "refused", "evidence_ids": [photo]});
        a.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({"kind": "serve_documents", "attempts": [a], "served_attempt": 0})
    };
    // 留置送达 needs a witness.
    submit(&app, &token, task, "v1", &attempt(json!({})))
        .await
        .assert_problem(400, "invalid_input");
    let r = submit(&app, &token, task, "v1", &attempt(json!({}))).await;
    assert!(
        r.body["field"]
            .as_str()
            .unwrap()
            .starts_with("result.attempts[0].witness"),
        "{}",
        r.text
    );
    // The wrong kind of result for the task.
    let r = submit(
        &app,
        &token,
        task,
        "v2",
        &json!({"kind": "locate_person", "found": false, "note": "无"}),
    )
    .await;
    r.assert_problem(400, "invalid_input");
    assert_eq!(r.body["field"], "result.kind");
    // Evidence that is not this task's, or of the wrong kind.
    let witness = json!({"witness": {"name": "王某"}});
    let mut unknown = attempt(witness.clone());
    unknown["attempts"][0]["evidence_ids"] = json!([999_999]);
    let r = submit(&app, &token, task, "v3", &unknown).await;
    r.assert_problem(400, "invalid_input");
    assert_eq!(
        r.body["field"], "result.attempts[0].evidence_ids[0]",
        "{}",
        r.text
    );
    let mut wrong_kind = attempt(witness.clone());
    wrong_kind["attempts"][0]["evidence_ids"] = json!([pdf_id]);
    let r = submit(&app, &token, task, "v4", &wrong_kind).await;
    r.assert_problem(400, "invalid_input");
    assert!(r.body["detail"].as_str().unwrap().contains("pdf"), "{}", r.text);
    // Nothing was recorded by the refused attempts; the valid one goes through.
    let ok = submit(&app, &token, task, "v5", &attempt(witness)).await;
    assert_eq!(ok.status, 201, "{}", ok.text);
    // The same client id with different content is a conflict, not a replay.
    let r = submit(
        &app,
        &token,
        task,
        "v5",
        &json!({"kind": "serve_documents", "attempts": []}),
    )
    .await;
    r.assert_problem(422, "idempotency_conflict");
    // A submitted task takes no second submission.
    let mut again = attempt(json!({"witness": {"name": "李某"}}));
    again["attempts"][0]["place"] = json!("某路2号");
    submit(&app, &token, task, "v6", &again)
        .await
        .assert_problem(409, "invalid_transition");
}

#[tokio::test]
async fn reviews_need_reasons_or_a_rating_and_only_the_courts_officer_reviews() {
    let app = spawn_app().await;
    let f = field(&app).await;
    let (task, token) = task_in_progress(&app, &f, "serve_documents").await;
    let path = format!("/api/v1/tasks/{task}/review");
    // Nothing submitted yet.
    app.post(
        &path,
        Some(&f.officer),
        &json!({"decision": "approve", "rating": 3}),
    )
    .await
    .assert_problem(409, "invalid_transition");
    let result = result_for(&app, &token, task, "serve_documents", 1).await;
    assert_eq!(submit(&app, &token, task, "s1", &result).await.status, 201);
    for (body, field) in [
        (json!({"decision": "approve"}), "rating"),
        (json!({"decision": "approve", "rating": 6}), "rating"),
        (json!({"decision": "reject"}), "reasons"),
        (json!({"decision": "reject", "reasons": ["other"]}), "comment"),
        (
            json!({"decision": "return", "reasons": ["wrong_person"], "rating": 2}),
            "rating",
        ),
    ] {
        let r = app.post(&path, Some(&f.officer), &body).await;
        r.assert_problem(400, "invalid_input");
        assert_eq!(r.body["field"], field, "{body}: {}", r.text);
    }
    app.post(&path, Some(&token), &json!({"decision": "approve", "rating": 3}))
        .await
        .assert_problem(403, "forbidden");
    app.post(
        &path,
        Some(&f.supervisor),
        &json!({"decision": "approve", "rating": 3}),
    )
    .await
    .assert_problem(403, "forbidden");

    // Outcomes follow approval only.
    let outcome = format!("/api/v1/tasks/{task}/outcome");
    app.post(&outcome, Some(&f.officer), &json!({"amount_recovered_fen": 100}))
        .await
        .assert_problem(409, "invalid_transition");
    let approved = app
        .post(
            &path,
            Some(&f.officer),
            &json!({"decision": "approve", "rating": 5, "comment": "规范"}),
        )
        .await;
    assert_eq!(approved.status, 200, "{}", approved.text);
    app.get(&outcome, Some(&f.officer))
        .await
        .assert_problem(404, "not_found");
    app.post(&outcome, Some(&f.officer), &json!({"amount_recovered_fen": -1}))
        .await
        .assert_problem(400, "invalid_input");
    let first = app
        .post(
            &outcome,
            Some(&f.officer),
            &json!({"assets_frozen_fen": 120000, "amount_recovered_fen": 50000}),
        )
        .await;
    assert_eq!(first.status, 201, "{}", first.text);
    let corrected = app
        .post(
            &outcome,
            Some(&f.officer),
            &json!({"amount_recovered_fen": 80000, "settlement_performed": true}),
        )
        .await;
    assert_eq!(corrected.status, 201);
    let latest = app.get(&outcome, Some(&f.supervisor)).await;
    assert_eq!(latest.status, 200, "{}", latest.text);
    assert_eq!(latest.body["amount_recovered_fen"], 80000);
    assert_eq!(latest.body["assets_frozen_fen"], 0);
    assert_eq!(latest.body["settlement_performed"], true);
}
