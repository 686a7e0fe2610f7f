//! Evidence: upload by the assignee, type from the bytes, digest checks, retries, and integrity
//! at download.

use gridassist::services::evidence::{EvidenceStore, sha256_hex};

use crate::fixtures::work::jpeg_of_size;
use crate::fixtures::{Field, TaskBuilder, field};
use crate::helpers::{TestApp, spawn_app_with};

/// The field, with one task on the case assigned to worker1 (the lower id of two tied): the
/// field and the task.
async fn setup(app: &TestApp) -> (Field, i64) {
    let f = field(app).await;
    let task = TaskBuilder::new(&f)
        .expect_assignee(f.workers[0].0)
        .create(app)
        .await;
    (f, task.id)
}

#[tokio::test]
async fn evidence_is_stored_once_served_intact_and_never_served_altered() {
    let app = spawn_app_with(&[]).await;
    let (s, task) = setup(&app).await;
    let (worker, other_worker) = (&s.workers[0].1, &s.workers[1].1);
    let photo = jpeg_of_size(4000);
    let sha = sha256_hex(&photo);
    // Before accepting, the task takes no evidence.
    app.upload_evidence(worker, task, "kind=photo", photo.clone())
        .await
        .assert_problem(409, "invalid_transition");
    app.accept(worker, task).await;

    let query = format!("kind=photo&sha256={sha}&client_id=photo-1&captured_at=2026-11-20T08:00:00Z");
    let first = app.upload_evidence(worker, task, &query, photo.clone()).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.body["media_type"], "image/jpeg");
    assert_eq!(first.body["sha256"], sha.as_str());
    // A retry (lost answer) records nothing new.
    let again = app.upload_evidence(worker, task, &query, photo.clone()).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(
        app.task_actions(&s.officer, task)
            .await
            .iter()
            .filter(|a| *a == "evidence")
            .count(),
        1
    );

    // The officer downloads exactly the bytes, with their digest.
    let id = first.body["id"].as_i64().unwrap();
    let got = app
        .client
        .get(app.url(&format!("/api/v1/evidence/{id}")))
        .bearer_auth(&s.officer)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers().get("content-type").unwrap(), "image/jpeg");
    assert!(
        got.headers()
            .get("repr-digest")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("sha-256=:")
    );
    assert_eq!(got.bytes().await.unwrap().to_vec(), photo);
    // Supervisors, workers and other courts do not download.
    app.get(&format!("/api/v1/evidence/{id}"), Some(&s.supervisor))
        .await
        .assert_problem(403, "forbidden");
    app.get(&format!("/api/v1/evidence/{id}"), Some(worker))
        .await
        .assert_problem(403, "forbidden");

    // The officer and the supervisor see what was uploaded; another worker does not.
    for token in [&s.officer, &s.supervisor, worker] {
        let listed = app
            .get(&format!("/api/v1/tasks/{}/evidence", task), Some(token))
            .await;
        assert_eq!(listed.body.as_array().unwrap().len(), 1, "{}", listed.text);
        assert_eq!(listed.body[0]["sha256"], sha.as_str());
    }
    app.get(&format!("/api/v1/tasks/{}/evidence", task), Some(other_worker))
        .await
        .assert_problem(404, "not_found");

    // One byte changes on disk: detected, reported, not served.
    let store = EvidenceStore::new(app.app_state.config.evidence_dir.clone());
    let path = store.file_path(&sha).unwrap();
    let mut altered = std::fs::read(&path).unwrap();
    altered[100] ^= 0x01;
    std::fs::write(&path, &altered).unwrap();
    let r = app.get(&format!("/api/v1/evidence/{id}"), Some(&s.officer)).await;
    r.assert_problem(500, "evidence_integrity_failed");
    assert!(r.text.len() < 1000, "no file bytes in the answer");
}

#[tokio::test]
async fn uploads_are_judged_by_their_bytes_size_and_digest() {
    let app = spawn_app_with(&[("GRIDASSIST_EVIDENCE_MAX_BYTES", "4096".into())]).await;
    let (s, task) = setup(&app).await;
    let (worker, other_worker) = (&s.workers[0].1, &s.workers[1].1);
    app.accept(worker, task).await;
    let t = task;

    let r = app
        .upload_evidence(
            worker,
            t,
            &format!("kind=photo&sha256={}", "0".repeat(64)),
            jpeg_of_size(100),
        )
        .await;
    r.assert_problem(400, "invalid_input");
    assert_eq!(r.body["field"], "sha256");
    // Declared as a photo, but the bytes are a web page. The refusal says what this upload takes
    // — a photo's file types — not the JSON other operations take.
    let html = app
        .upload_evidence(worker, t, "kind=photo", b"<html><script>".to_vec())
        .await;
    html.assert_problem(415, "unsupported_media_type");
    let detail = html.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("image/jpeg") && detail.contains("image/heic") && !detail.contains("json"),
        "{detail}"
    );
    let detail = app
        .upload_evidence(worker, t, "kind=pdf", b"<html>".to_vec())
        .await
        .body["detail"]
        .clone();
    assert!(detail.as_str().unwrap().contains("application/pdf"), "{detail}");
    // A signature must be a PNG.
    app.upload_evidence(worker, t, "kind=signature", jpeg_of_size(100))
        .await
        .assert_problem(422, "evidence_kind_mismatch");
    app.upload_evidence(worker, t, "kind=photo", jpeg_of_size(5000))
        .await
        .assert_problem(413, "payload_too_large");
    app.upload_evidence(worker, t, "kind=selfie", jpeg_of_size(10))
        .await
        .assert_problem(400, "invalid_input");
    // Only the assignee uploads.
    app.upload_evidence(other_worker, t, "kind=photo", jpeg_of_size(10))
        .await
        .assert_problem(404, "not_found");
    // A PDF and a PNG signature are fine.
    let pdf = app
        .upload_evidence(worker, t, "kind=pdf", b"%PDF-1.7\n1 0 obj".to_vec())
        .await;
    assert_eq!(pdf.status, 201, "{}", pdf.text);
    let png = app
        .upload_evidence(
            worker,
            t,
            "kind=signature",
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
        )
        .await;
    assert_eq!(png.body["media_type"], "image/png", "{}", png.text);
    // A recording from Chrome's MediaRecorder (WebM, Opus) is audio, and only audio.
    let webm = b"\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\xF7\x81\x01\x42\xF2\x81\x04\x42\xF3\x81\x08\
                 \x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02\x18\x53\x80\x67\x01\xFF\xFF\xFF"
        .to_vec();
    let audio = app.upload_evidence(worker, t, "kind=audio", webm.clone()).await;
    assert_eq!(audio.status, 201, "{}", audio.text);
    assert_eq!(audio.body["media_type"], "audio/webm");
    app.upload_evidence(worker, t, "kind=photo", webm)
        .await
        .assert_problem(422, "evidence_kind_mismatch");
    // The same client id for a different file is refused.
    app.upload_evidence(worker, t, "kind=photo&client_id=c1", jpeg_of_size(10))
        .await;
    app.upload_evidence(worker, t, "kind=photo&client_id=c1", jpeg_of_size(11))
        .await
        .assert_problem(422, "idempotency_conflict");
}
