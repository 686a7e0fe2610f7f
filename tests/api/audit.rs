//! The audit trail: append-only in the database, hash-chained with a key kept outside it,
//! verified over HTTP and from the command line against signed checkpoints kept outside it too;
//! a tampered row is found, and so are a chain recomputed without the key, rows cut from the end
//! and a chain rebuilt with the key since the last checkpoint.

use std::sync::Arc;

use gridassist::domain::audit_chain::{self, AuditKey};
use gridassist::repo::{self, audit::AuditEvent};
use serde_json::json;

use crate::fixtures::{TaskBuilder, field};
use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use crate::webhook_receiver::Receiver;

fn verify_cli(app: &TestApp) -> std::process::Output {
    app.cli(&["audit", "verify"])
}

#[tokio::test]
async fn the_trail_is_append_only_chained_and_verified() {
    let app = spawn_app().await;
    let f = field(&app).await;
    let admin = app.admin_token().await;
    let verify = "/api/v1/audit-events/verify";
    app.post(verify, Some(&f.officer), &json!({}))
        .await
        .assert_problem(403, "forbidden");
    let report = app.post(verify, Some(&admin), &json!({})).await;
    assert_eq!(report.status, 200, "{}", report.text);
    assert_eq!(report.body["ok"], true, "{}", report.text);
    assert!(report.body["rows_checked"].as_u64().unwrap() > 5);
    let head = report.body["head_hash"].as_str().unwrap();
    assert!(
        head.starts_with("hmac-sha256:") && head.len() == 12 + 64,
        "rows are keyed: {head}"
    );
    assert_eq!(report.body["keyed_rows"], report.body["rows_checked"]);

    // Each row names the one before.
    let page = app.get("/api/v1/audit-events?limit=3", Some(&admin)).await;
    assert_eq!(page.status, 200, "{}", page.text);
    let items = page.body["items"].as_array().unwrap();
    assert_eq!(items[0]["action"], "audit.verify");
    assert_eq!(items[0]["prev_hash"], items[1]["hash"]);
    assert_eq!(items[1]["prev_hash"], items[2]["hash"]);
    let older = app
        .get(
            &format!("/api/v1/audit-events?limit=3&before={}", page.body["next_before"]),
            Some(&admin),
        )
        .await;
    assert_eq!(older.body["items"][0]["hash"], items[2]["prev_hash"]);
    let cli = verify_cli(&app);
    assert!(cli.status.success(), "{}", String::from_utf8_lossy(&cli.stderr));

    // The database itself refuses to change or remove a row.
    let refused = app
        .try_sql("UPDATE audit_events SET action = 'nothing' WHERE id = 1")
        .await;
    assert!(refused.is_err());
    let refused = app.try_sql("DELETE FROM audit_events WHERE id = 2").await;
    assert!(refused.is_err());

    // Someone with direct access disables the guard and rewrites row 3: found, named.
    app.run_sql(format!(
        "{} UPDATE audit_events SET object_id = '999' WHERE id = 3;",
        app.audit_guard_off()
    ))
    .await;
    let report = app.post(verify, Some(&admin), &json!({})).await;
    assert_eq!(report.body["ok"], false);
    assert_eq!(
        report.body["first_broken"],
        json!({"id": 3, "reason": "content_altered"})
    );
    let cli = verify_cli(&app);
    assert!(!cli.status.success());
    assert!(String::from_utf8_lossy(&cli.stderr).contains("row 3"));
}

#[tokio::test]
async fn a_removed_row_breaks_the_chain_at_the_next_one() {
    let app = spawn_app().await;
    field(&app).await;
    let admin = app.admin_token().await;
    app.run_sql(format!(
        "{} DELETE FROM audit_events WHERE id = 4;",
        app.audit_guard_off()
    ))
    .await;
    let report = app
        .post("/api/v1/audit-events/verify", Some(&admin), &json!({}))
        .await;
    assert_eq!(
        report.body["first_broken"],
        json!({"id": 5, "reason": "chain_broken"}),
        "{}",
        report.text
    );
}

/// A read of personal data says who read what, for which case or task, from where, under which
/// request — and the chain still verifies with those columns in it.
#[tokio::test]
async fn a_read_of_personal_data_records_its_purpose_fields_and_client_address() {
    let app =
        crate::helpers::spawn_app_with(&[("GRIDASSIST_CLIENT_IP_HEADER", "X-Forwarded-For".to_owned())])
            .await;
    let f = field(&app).await;
    let admin = app.admin_token().await;

    // An officer behind the court's proxy opens the case; the proxy appended 10.20.30.40.
    let read = app
        .client
        .get(app.url(&format!("/api/v1/cases/{}", f.case_id)))
        .bearer_auth(&f.officer)
        .header("X-Forwarded-For", "203.0.113.9, 10.20.30.40")
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    let rows = app
        .get(
            &format!("/api/v1/audit-events?action=case.read&object_id={}", f.case_id),
            Some(&admin),
        )
        .await;
    assert_eq!(rows.status, 200, "{}", rows.text);
    let row = &rows.body["items"][0];
    assert_eq!(row["actor_role"], "officer", "{row}");
    assert_eq!(
        row["client_ip"], "10.20.30.40",
        "the right-most entry, added by our proxy: {row}"
    );
    assert_eq!(row["purpose"], format!("case:{}", f.case_id));
    let fields: Vec<&str> = row["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(fields.contains(&"parties.id_number"), "{row}");
    assert!(row["request_id"].as_str().is_some_and(|r| !r.is_empty()), "{row}");

    // Without the header the TCP peer is recorded; a header that is not an address is ignored.
    let read = app
        .client
        .get(app.url(&format!("/api/v1/cases/{}", f.case_id)))
        .bearer_auth(&f.officer)
        .header("X-Forwarded-For", "<script>")
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    let rows = app
        .get("/api/v1/audit-events?action=case.read", Some(&admin))
        .await;
    assert_eq!(rows.body["items"][0]["client_ip"], "127.0.0.1", "{}", rows.text);

    // Writes carry the address too; and the chain, now covering these columns, verifies.
    let login = app
        .get("/api/v1/audit-events?action=auth.login", Some(&admin))
        .await;
    assert_eq!(login.body["items"][0]["client_ip"], "127.0.0.1", "{}", login.text);
    let verified = app
        .post("/api/v1/audit-events/verify", Some(&admin), &json!({}))
        .await;
    assert_eq!(verified.status, 200, "{}", verified.text);
    assert_eq!(verified.body["ok"], true, "{}", verified.text);

    // Blanking a row's client address breaks the chain at that row.
    let id = rows.body["items"][0]["id"].as_i64().unwrap();
    app.run_sql(format!(
        "{} UPDATE audit_events SET client_ip = NULL WHERE id = {id};",
        app.audit_guard_off()
    ))
    .await;
    let verified = app
        .post("/api/v1/audit-events/verify", Some(&admin), &json!({}))
        .await;
    assert_eq!(verified.body["ok"], false, "{}", verified.text);
    assert_eq!(verified.body["first_broken"]["id"], id, "{}", verified.text);
    assert_eq!(verified.body["first_broken"]["reason"], "content_altered");
}

/// Where a person is to be found — a task's target address and point — is personal data: every
/// response that carries it (a task, a task list, a phone's sync) leaves one audit row naming the
/// tasks; a list of tasks without targets leaves none.
#[tokio::test]
async fn reading_where_a_debtor_is_found_is_audited_per_response() {
    let app = spawn_app().await;
    let f = field(&app).await;
    let admin = app.admin_token().await;
    let created = TaskBuilder::new(&f)
        .address("泰兴市黄桥镇幸福路8号")
        .create(&app)
        .await;
    let task_id = created.id;
    let worker = created.token().to_owned();

    let target_reads = |via: &'static str| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let rows = app
                .get(
                    "/api/v1/audit-events?action=task.target_read&limit=200",
                    Some(&admin),
                )
                .await;
            assert_eq!(rows.status, 200, "{}", rows.text);
            rows.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["object_type"] == via)
                .cloned()
                .collect::<Vec<_>>()
        }
    };
    assert!(
        target_reads("task_list").await.is_empty(),
        "creating is not reading"
    );

    let list = app.get("/api/v1/tasks", Some(&f.officer)).await;
    assert_eq!(list.status, 200, "{}", list.text);
    let rows = target_reads("task_list").await;
    assert_eq!(rows.len(), 1, "one row for the page");
    assert_eq!(rows[0]["actor_role"], "officer");
    assert_eq!(rows[0]["purpose"], format!("task:{task_id}"));
    assert_eq!(rows[0]["fields"], json!(["target.address", "target.point"]));

    let one = app
        .get(&format!("/api/v1/tasks/{task_id}"), Some(&f.supervisor))
        .await;
    assert_eq!(one.status, 200, "{}", one.text);
    // The answer to the creation is not a read: the task.create row already names the task.
    let rows = target_reads("task").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["actor_role"], "supervisor");
    assert_eq!(rows[0]["purpose"], format!("task:{task_id}"));

    let sync = app.get("/api/v1/me/tasks", Some(&worker)).await;
    assert_eq!(sync.status, 200, "{}", sync.text);
    let rows = target_reads("sync").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["actor_role"], "worker");
    assert!(
        rows[0]["purpose"]
            .as_str()
            .unwrap()
            .contains(&format!("task:{task_id}")),
        "{}",
        rows[0]
    );
    // An up-to-date phone is told nothing new, and nothing is recorded.
    let cursor = sync.body["cursor"].as_str().unwrap().to_owned();
    let again = app
        .get(&format!("/api/v1/me/tasks?since={cursor}"), Some(&worker))
        .await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(target_reads("sync").await.len(), 1);
    // No address, no point: nothing to record.
    let empty = app.get("/api/v1/tasks?status=approved", Some(&f.officer)).await;
    assert_eq!(empty.body["items"], json!([]));
    assert_eq!(target_reads("task_list").await.len(), 1);
}

// --- The insider: a chain recomputed, cut short or rebuilt --------------------------------------

/// Every row, oldest first.
async fn all_rows(app: &TestApp) -> Vec<AuditEvent> {
    let mut rows = app
        .app_state
        .db
        .run(|conn| {
            Ok::<_, gridassist::error::ApiError>(repo::audit::list(conn, (None, None, None), None, 100_000)?)
        })
        .await
        .unwrap();
    rows.reverse();
    rows
}

/// The content a row's hash covers, as `src/repo/audit.rs` forms it. Whoever reads the source
/// knows it; the test checks it against the server's own keyed hashes before relying on it.
fn content_of(row: &AuditEvent, prev_hash: &str) -> String {
    let mut content = vec![
        json!(prev_hash),
        json!(row.occurred_at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()),
        json!(row.actor_id),
        json!(row.actor_role),
        json!(row.action),
        json!(row.object_type),
        json!(row.object_id),
        json!(row.request_id),
        json!(row.detail),
    ];
    if row.client_ip.is_some() || row.purpose.is_some() || row.fields.is_some() {
        content.extend([json!(row.client_ip), json!(row.purpose), json!(row.fields)]);
    }
    serde_json::Value::Array(content).to_string()
}

fn the_key(app: &TestApp) -> Arc<AuditKey> {
    app.app_state.db.audit_key().unwrap().clone()
}

/// What an insider with write access to the database does: switch the append-only guard off,
/// change row `from` (`edit` is SQL for it), and recompute that row and every later one with
/// `hash` — the public SHA-256, or the keyed hash when they also hold the key.
async fn rewrite_from(app: &TestApp, from: i64, edit: &str, hash: impl Fn(&str) -> String) {
    app.run_sql(format!("{} {edit}", app.audit_guard_off())).await;
    let rows = all_rows(app).await;
    let mut previous = String::new();
    let mut updates = String::new();
    for row in rows {
        if row.id >= from {
            let new_hash = hash(&content_of(&row, &previous));
            // Hex digits and the scheme's prefix only: safe to inline.
            updates.push_str(&format!(
                "UPDATE audit_events SET prev_hash = '{previous}', hash = '{new_hash}' WHERE id = {};",
                row.id
            ));
            previous = new_hash;
        } else {
            previous = row.hash.clone().unwrap();
        }
    }
    app.run_sql(updates).await;
}

async fn verify_http(app: &TestApp, admin: &str) -> crate::helpers::Reply {
    let report = app
        .post("/api/v1/audit-events/verify", Some(admin), &json!({}))
        .await;
    assert_eq!(report.status, 200, "{}", report.text);
    report
}

/// A trail with some history, verified once (which checkpoints its head): returns the admin's
/// token and the checkpointed head row.
async fn checkpointed_trail(app: &TestApp) -> (String, i64) {
    field(app).await;
    let admin = app.admin_token().await;
    let report = verify_http(app, &admin).await;
    assert_eq!(report.body["ok"], true, "{}", report.text);
    let head = report.body["head_id"].as_i64().unwrap();
    assert!(head > 10, "{}", report.text);
    (admin, head)
}

#[tokio::test]
async fn a_chain_recomputed_with_the_public_formula_is_found() {
    let app = spawn_app().await;
    let (admin, _) = checkpointed_trail(&app).await;
    let key = the_key(&app);
    // The test's idea of the content is the server's: its keyed hashes come out the same.
    let rows = all_rows(&app).await;
    let mut previous = String::new();
    for row in &rows {
        assert_eq!(
            key.row_hash(&content_of(row, &previous)),
            *row.hash.as_ref().unwrap(),
            "row {}",
            row.id
        );
        previous = row.hash.clone().unwrap();
    }

    // Row 3 edited, and it and every later row recomputed with the public formula: before the
    // key this verified; now row 3 carries a public hash after keyed rows.
    rewrite_from(
        &app,
        3,
        "UPDATE audit_events SET object_id = '999' WHERE id = 3;",
        audit_chain::legacy_hash,
    )
    .await;
    let report = verify_http(&app, &admin).await;
    assert_eq!(report.body["ok"], false, "{}", report.text);
    assert_eq!(
        report.body["first_broken"],
        json!({"id": 3, "reason": "unkeyed_row"}),
        "{}",
        report.text
    );
    let cli = verify_cli(&app);
    assert!(!cli.status.success());
    let stderr = String::from_utf8_lossy(&cli.stderr);
    assert!(stderr.contains("row 3 (unkeyed_row)"), "{stderr}");

    // Posing as keyed does not help: the prefix without the key's MAC is an altered row.
    rewrite_from(&app, 3, "SELECT 1;", |content| {
        format!("hmac-sha256:{}", audit_chain::legacy_hash(content))
    })
    .await;
    let report = verify_http(&app, &admin).await;
    assert_eq!(
        report.body["first_broken"],
        json!({"id": 3, "reason": "content_altered"}),
        "{}",
        report.text
    );

    // The whole trail recomputed with the public formula, so no keyed row is left to follow:
    // the checkpoints (the first taken when the server started) still say it was keyed.
    rewrite_from(&app, 1, "SELECT 1;", audit_chain::legacy_hash).await;
    let report = verify_http(&app, &admin).await;
    assert_eq!(report.body["ok"], false, "{}", report.text);
    assert_eq!(report.body["first_broken"]["id"], 1, "{}", report.text);
    let reason = report.body["first_broken"]["reason"].as_str().unwrap();
    // `unkeyed_row` when the server's first checkpoint saw an empty trail, the checkpoint's
    // own mismatch when it already held the first row.
    assert!(
        ["unkeyed_row", "rewritten_since_checkpoint"].contains(&reason),
        "{}",
        report.text
    );
    assert!(!verify_cli(&app).status.success());
}

#[tokio::test]
async fn rows_cut_from_the_end_are_found_against_the_last_checkpoint() {
    let app = spawn_app().await;
    let (admin, head) = checkpointed_trail(&app).await;
    // The guard is dropped and the last rows deleted, the checkpointed head among them; what
    // is left is a perfect chain.
    let cut = head - 3;
    cut_trail_after(&app, cut).await;

    let cli = verify_cli(&app);
    assert!(!cli.status.success());
    let stderr = String::from_utf8_lossy(&cli.stderr);
    assert!(stderr.contains(&format!("row {head} (truncated)")), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&cli.stdout).unwrap();
    assert_eq!(report["rows_checked"].as_i64().unwrap(), cut);
    assert_eq!(report["first_broken"]["checkpoint"]["row_id"], head, "{report}");

    // Over HTTP too, and still after new rows were written behind the cut (this verification's
    // own row, a sign-in).
    for _ in 0..2 {
        let report = verify_http(&app, &admin).await;
        assert_eq!(report.body["ok"], false, "{}", report.text);
        assert_eq!(report.body["first_broken"]["id"], head, "{}", report.text);
        assert_eq!(report.body["first_broken"]["reason"], "truncated");
        assert_eq!(
            report.body["latest_checkpoint"]["row_id"], head,
            "{}",
            report.text
        );
        assert!(report.body["latest_checkpoint"]["at"].as_str().is_some());
        app.admin_token().await;
    }
}

#[tokio::test]
async fn emptying_the_table_is_refused_and_once_forced_is_found() {
    let app = spawn_app().await;
    let (admin, head) = checkpointed_trail(&app).await;
    // PostgreSQL's TRUNCATE skips row triggers; a statement trigger refuses it. SQLite has no
    // TRUNCATE; its unqualified DELETE runs the row trigger.
    let empty = if app.on_postgres() {
        "TRUNCATE audit_events"
    } else {
        "DELETE FROM audit_events"
    };
    let refused = app.try_sql(empty).await;
    assert!(refused.is_err(), "emptying the trail must be refused");
    assert!(all_rows(&app).await.len() as i64 >= head);

    app.run_sql(if app.on_postgres() {
        "DROP TRIGGER audit_events_no_truncate ON audit_events; TRUNCATE audit_events;"
    } else {
        "DROP TRIGGER audit_events_no_delete; DELETE FROM audit_events;"
    })
    .await;
    let report = verify_http(&app, &admin).await;
    assert_eq!(report.body["ok"], false, "{}", report.text);
    assert_eq!(report.body["rows_checked"], 0);
    assert_eq!(
        report.body["first_broken"]["reason"], "truncated",
        "{}",
        report.text
    );
    let cli = verify_cli(&app);
    assert!(!cli.status.success());
    assert!(String::from_utf8_lossy(&cli.stderr).contains("(truncated)"));
}

/// Someone holding the database and the key can rebuild a chain that verifies row by row; the
/// checkpoints taken before still show that it changed.
#[tokio::test]
async fn a_chain_rebuilt_with_the_key_differs_from_the_checkpoints() {
    let app = spawn_app().await;
    let (admin, head) = checkpointed_trail(&app).await;
    let key = the_key(&app);
    rewrite_from(
        &app,
        3,
        "UPDATE audit_events SET object_id = '999' WHERE id = 3;",
        |content| key.row_hash(content),
    )
    .await;
    let report = verify_http(&app, &admin).await;
    assert_eq!(report.body["ok"], false, "{}", report.text);
    assert_eq!(report.body["first_broken"]["id"], head, "{}", report.text);
    assert_eq!(
        report.body["first_broken"]["reason"], "rewritten_since_checkpoint",
        "{}",
        report.text
    );
}

#[tokio::test]
async fn a_forged_checkpoint_is_reported_and_fails_the_verification() {
    let app = spawn_app().await;
    let (admin, head) = checkpointed_trail(&app).await;
    let dir = app.app_state.config.audit_checkpoint_dir.clone();
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    let last = text.lines().last().unwrap();
    assert!(last.contains(&format!("\"row_id\":{head}")), "{text}");
    // Someone moves the last checkpoint back, to hide rows they are about to cut.
    let forged = last.replacen(&format!("\"row_id\":{head}"), "\"row_id\":5", 1);
    std::fs::write(&file, format!("{text}{forged}\n")).unwrap();
    let report = verify_http(&app, &admin).await;
    assert_eq!(report.body["ok"], false, "{}", report.text);
    assert_eq!(report.body["first_broken"], serde_json::Value::Null);
    assert_eq!(report.body["invalid_checkpoints"], 1, "{}", report.text);
    let cli = verify_cli(&app);
    assert!(!cli.status.success());
    assert!(String::from_utf8_lossy(&cli.stderr).contains("1 checkpoint line(s) do not verify"));
}

#[tokio::test]
async fn the_checkpoint_command_writes_once_per_new_head() {
    let app = spawn_app().await;
    field(&app).await;
    let first = app.cli(&["audit", "checkpoint"]);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let first: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(first["written"], true, "{first}");
    assert_eq!(first["sent"], serde_json::Value::Null, "no receiver configured");
    let rows = all_rows(&app).await;
    assert_eq!(first["checkpoint"]["row_id"], rows.last().unwrap().id);
    assert_eq!(first["checkpoint"]["row_count"], rows.len());
    assert_eq!(first["checkpoint"]["head_hash"], json!(rows.last().unwrap().hash));
    let again = app.cli(&["audit", "checkpoint"]);
    let again: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["written"], false, "{again}");
    assert_eq!(again["checkpoint"], first["checkpoint"]);
}

// --- The outside receiver -----------------------------------------------------------------------

const RECEIVER_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Wait until the receiver holds a checkpoint of row `at_least` or later; returns every
/// checkpoint line it acknowledged.
async fn received(receiver: &Receiver, key: &AuditKey, at_least: i64) -> Vec<String> {
    for _ in 0..200 {
        let lines: Vec<String> = receiver
            .deliveries()
            .into_iter()
            .filter(|d| d.signed_with(RECEIVER_SECRET))
            .map(|d| d.body)
            .collect();
        let furthest = lines
            .iter()
            .filter_map(|l| key.read_checkpoint_line(l).ok())
            .map(|c| c.row_id)
            .max();
        if furthest.is_some_and(|f| f >= at_least) {
            return lines;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no checkpoint of row {at_least} reached the receiver");
}

#[tokio::test]
async fn checkpoints_reach_an_outside_receiver_which_reveals_a_cut_the_data_directory_hides() {
    let receiver = Receiver::start("/checkpoints", 1).await;
    let app = spawn_app_with(&[
        ("GRIDASSIST_AUDIT_CHECKPOINT_URL", receiver.url.clone()),
        ("GRIDASSIST_AUDIT_CHECKPOINT_SECRET", RECEIVER_SECRET.to_owned()),
        ("GRIDASSIST_WEBHOOK_ALLOW_PRIVATE", "true".to_owned()),
        ("GRIDASSIST_AUDIT_CHECKPOINT_SECS", "1".to_owned()),
    ])
    .await;
    let key = the_key(&app);
    field(&app).await;
    let head = all_rows(&app).await.last().unwrap().id;
    // The first call was refused (503) and retried the next round; every call is signed.
    let lines = received(&receiver, &key, head).await;
    let seen = receiver.deliveries();
    assert!(seen.len() >= 2, "{seen:?}");
    assert!(
        seen.iter()
            .all(|d| d.signed_with(RECEIVER_SECRET) && d.webhook_id().starts_with("audit-checkpoint-"))
    );
    for line in &lines {
        key.read_checkpoint_line(line).unwrap();
    }

    // An insider cuts the last rows and also wipes this node's checkpoints.
    let cut = head - 3;
    cut_trail_after(&app, cut).await;
    std::fs::remove_dir_all(&app.app_state.config.audit_checkpoint_dir).unwrap();

    // The receiver's copy, handed to `audit verify`, shows the cut.
    let copy = app.app_state.config.data_dir.join("receiver-copy.txt");
    std::fs::write(&copy, lines.join("\n")).unwrap();
    let cli = app.cli(&["audit", "verify", "--checkpoints", copy.to_str().unwrap()]);
    assert!(!cli.status.success());
    let stderr = String::from_utf8_lossy(&cli.stderr);
    assert!(stderr.contains("(truncated)"), "{stderr}");
}

#[tokio::test]
async fn verifying_without_the_servers_key_is_refused_rather_than_misreported() {
    let app = spawn_app().await;
    let elsewhere = tempfile::tempdir().unwrap();
    let out = app
        .command(&["audit", "verify"])
        .env("GRIDASSIST_DATA_DIR", elsewhere.path())
        .env_remove("GRIDASSIST_AUDIT_KEY")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no audit chain key"), "{stderr}");
    assert!(!elsewhere.path().join("audit-chain.key").exists());
}

/// What an insider with the database does to hide the last rows: drop the append-only guard and
/// delete every row after `cut`.
async fn cut_trail_after(app: &TestApp, cut: i64) {
    app.run_sql(format!(
        "{} DELETE FROM audit_events WHERE id > {cut};",
        app.audit_guard_off()
    ))
    .await;
}
