//! Results and review end to end: every task kind from creation to approval over HTTP, with an
//! offline replay (the same submission three times, two at once) and a rework loop; validation
//! of results naming the field; outcomes.

use serde_json::{Value, json};

use crate::fixtures::work::{ago, jpeg, pdf, png};
use crate::fixtures::{FieldBuilder, TaskBuilder, field};
use crate::helpers::{TestApp, spawn_app};

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

/// A valid result for each kind, with the evidence it needs uploaded first.
async fn result_for(app: &TestApp, token: &str, task: i64, kind: &str, round: u32) -> Value {
    let seed = round * 50;
    match kind {
        "serve_documents" => {
            let photo = app.upload(token, task, "photo", jpeg(seed)).await;
            json!({"kind": kind, "attempts": [
                {"at": ago(90), "place": "泰兴市济川街道某路1号", "outcome": "not_found", "evidence_ids": []},
                {"at": ago(30), "place": "泰兴市济川街道某路1号", "outcome": "refused",
                 "witness": {"name": "王某", "organisation": "某村村委会"}, "evidence_ids": [photo]}
            ], "served_attempt": 1})
        }
        "locate_person" => {
            let photo = app.upload(token, task, "photo", jpeg(seed + 1)).await;
            json!({"kind": kind, "found": true,
                   "whereabouts": {"address": "泰兴市某镇某村3组", "point": {"lat": 32.006, "lon": 120.006}},
                   "verified_by": "neighbour", "evidence_ids": [photo]})
        }
        "locate_assets" => {
            let photo = app.upload(token, task, "photo", jpeg(seed + 2)).await;
            json!({"kind": kind, "searched": "走访邻居并查看车库",
                   "assets": [{"type": "vehicle", "description": "白色轿车 苏M12345", "estimated_value_fen": 8000000,
                               "evidence_ids": [photo]}]})
        }
        "urge_performance" => {
            let receipt = app.upload(token, task, "pdf", pdf(seed)).await;
            json!({"kind": kind, "response": "paid_in_part", "amount_paid_now_fen": 50000,
                   "receipt_evidence_ids": [receipt], "evidence_ids": []})
        }
        "facilitate_settlement" => {
            let applicant = app.upload(token, task, "signature", png(seed)).await;
            let debtor = app.upload(token, task, "signature", png(seed + 1)).await;
            json!({"kind": kind, "reached": true, "terms": "分三期于2027年3月前付清",
                   "signature_evidence_ids": [applicant, debtor], "evidence_ids": []})
        }
        "publicize_dishonesty" => {
            let photo = app.upload(token, task, "photo", jpeg(seed + 3)).await;
            json!({"kind": kind, "postings": [{"place": "某村公告栏", "posted_at": ago(20), "evidence_ids": [photo]}]})
        }
        "report_refusal" => {
            let photo = app.upload(token, task, "photo", jpeg(seed + 4)).await;
            json!({"kind": kind, "occurred_at": ago(45), "conduct": ["obstructed_service"],
                   "description": "拒不开门，并阻止送达", "evidence_ids": [photo]})
        }
        "take_down_notice" => {
            let photo = app.upload(token, task, "photo", jpeg(seed + 5)).await;
            json!({"kind": kind, "removals": [{"place": "某村公告栏", "removed_at": ago(10), "evidence_ids": [photo]}]})
        }
        other => panic!("no sample result for {other}"),
    }
}

#[tokio::test]
async fn every_kind_goes_from_creation_to_approval_through_rework_and_a_replayed_submission() {
    let app = spawn_app().await;
    let f = FieldBuilder::new().certified_for(&KINDS).build(&app).await;
    for kind in KINDS {
        let t = TaskBuilder::new(&f).kind(kind).in_progress().create(&app).await;
        let (task, token) = (t.id, t.token().to_owned());

        // Offline replay: the phone sends the same submission three times, twice at once.
        let result = result_for(&app, &token, task, kind, 1).await;
        let client_id = format!("{kind}-first");
        let (a, b) = tokio::join!(
            app.submit(&token, task, &client_id, &result),
            app.submit(&token, task, &client_id, &result)
        );
        let c = app.submit(&token, task, &client_id, &result).await;
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
        let second = app.submit(&token, task, &format!("{kind}-second"), &result).await;
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
    let t = TaskBuilder::new(&f).in_progress().create(&app).await;
    let (task, token) = (t.id, t.token().to_owned());
    let photo = app.upload(&token, task, "photo", jpeg(9)).await;
    let pdf_id = app.upload(&token, task, "pdf", pdf(9)).await;
    let attempt = |extra: Value| {
        let mut a = json!({"at": ago(10), "place": "某路1号", "outcome": "refused", "evidence_ids": [photo]});
        a.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({"kind": "serve_documents", "attempts": [a], "served_attempt": 0})
    };
    // 留置送达 needs a witness or a recording of the scene (art. 89): neither is refused.
    let unrecorded = json!({"evidence_ids": []});
    app.submit(&token, task, "v1", &attempt(unrecorded.clone()))
        .await
        .assert_problem(400, "invalid_input");
    let r = app.submit(&token, task, "v1", &attempt(unrecorded)).await;
    assert!(
        r.body["field"]
            .as_str()
            .unwrap()
            .starts_with("result.attempts[0].witness"),
        "{}",
        r.text
    );
    // The wrong kind of result for the task.
    let r = app
        .submit(
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
    let r = app.submit(&token, task, "v3", &unknown).await;
    r.assert_problem(400, "invalid_input");
    assert_eq!(
        r.body["field"], "result.attempts[0].evidence_ids[0]",
        "{}",
        r.text
    );
    let mut wrong_kind = attempt(witness.clone());
    wrong_kind["attempts"][0]["evidence_ids"] = json!([pdf_id]);
    let r = app.submit(&token, task, "v4", &wrong_kind).await;
    r.assert_problem(400, "invalid_input");
    assert!(r.body["detail"].as_str().unwrap().contains("pdf"), "{}", r.text);
    // Nothing was recorded by the refused attempts; the valid one goes through.
    let ok = app.submit(&token, task, "v5", &attempt(witness)).await;
    assert_eq!(ok.status, 201, "{}", ok.text);
    // The same client id with different content is a conflict, not a replay.
    let r = app
        .submit(
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
    app.submit(&token, task, "v6", &again)
        .await
        .assert_problem(409, "invalid_transition");
}

#[tokio::test]
async fn reviews_need_reasons_or_a_rating_and_only_the_courts_officer_reviews() {
    let app = spawn_app().await;
    let f = field(&app).await;
    let t = TaskBuilder::new(&f).in_progress().create(&app).await;
    let (task, token) = (t.id, t.token().to_owned());
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
    assert_eq!(app.submit(&token, task, "s1", &result).await.status, 201);
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
