//! The audit trail: append-only in the database, hash-chained, verified over HTTP and from the
//! command line, and a tampered row is found.

use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use serde_json::json;

use crate::helpers::{TestApp, field, spawn_app};

fn on_postgres(app: &TestApp) -> bool {
    app.app_state.config.database_url.starts_with("postgres")
}

/// Run SQL as someone with direct access to the database file or server would.
async fn behind_the_back(app: &TestApp, sqlite: &'static str, postgres: &'static str) {
    let sql = if on_postgres(app) { postgres } else { sqlite };
    app.app_state
        .db
        .run(move |conn| {
            conn.batch_execute(sql)?;
            Ok::<_, gridassist::error::ApiError>(())
        })
        .await
        .unwrap();
}

fn verify_cli(app: &TestApp) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_gridassist"))
        .args(["audit", "verify"])
        .env("DATABASE_URL", &app.app_state.config.database_url)
        .env("GRIDASSIST_DATA_DIR", &app.app_state.config.data_dir)
        .env("GRIDASSIST_LOG_FORMAT", "text")
        .output()
        .unwrap()
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
    assert_eq!(report.body["head_hash"].as_str().unwrap().len(), 64);

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
        .app_state
        .db
        .run(|conn| {
            diesel::sql_query("UPDATE audit_events SET action = 'nothing' WHERE id = 1").execute(conn)?;
            Ok::<_, gridassist::error::ApiError>(())
        })
        .await;
    assert!(refused.is_err());
    let refused = app
        .app_state
        .db
        .run(|conn| {
            diesel::sql_query("DELETE FROM audit_events WHERE id = 2").execute(conn)?;
            Ok::<_, gridassist::error::ApiError>(())
        })
        .await;
    assert!(refused.is_err());

    // Someone with direct access disables the guard and rewrites row 3: found, named.
    behind_the_back(
        &app,
        "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete; \
         UPDATE audit_events SET object_id = '999' WHERE id = 3;",
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change; \
         UPDATE audit_events SET object_id = '999' WHERE id = 3;",
    )
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
    behind_the_back(
        &app,
        "DROP TRIGGER audit_events_no_delete; DELETE FROM audit_events WHERE id = 4;",
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change; DELETE FROM audit_events WHERE id = 4;",
    )
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
    let sql_sqlite = format!(
        "DROP TRIGGER audit_events_no_update; UPDATE audit_events SET client_ip = NULL WHERE id = {id};"
    );
    let sql_pg = format!(
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change; UPDATE audit_events SET client_ip = NULL WHERE id = {id};"
    );
    let sql = if on_postgres(&app) { sql_pg } else { sql_sqlite };
    app.app_state
        .db
        .run(move |conn| {
            conn.batch_execute(&sql)?;
            Ok::<_, gridassist::error::ApiError>(())
        })
        .await
        .unwrap();
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
    let created = app
        .post(
            &format!("/api/v1/cases/{}/tasks", f.case_id),
            Some(&f.officer),
            &json!({"kind": "serve_documents", "target": {"lat": 32.005, "lon": 120.005},
                    "target_address": "泰兴市黄桥镇幸福路8号"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let task_id = created.body["task"]["id"].as_i64().unwrap();
    let worker = f
        .workers
        .iter()
        .find(|(id, _)| Some(*id) == created.body["task"]["assignee_id"].as_i64())
        .map(|(_, token)| token.clone())
        .expect("assigned to a field worker");

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
