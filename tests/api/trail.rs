//! Every write is in the chain. Every state-changing operation of the OpenAPI document is called
//! once, as a role it grants (a partner's key for partner operations, no token for public ones),
//! and the audit trail must have grown by a row recording it: a write row (not a read of personal
//! data) naming the operation's object — the id in its path or the id of what it created. The
//! records a task's work writes outside the audit table (events, check-ins, evidence,
//! submissions, score lines) are sealed in those rows, so a changed GPS fix or evidence digest
//! is found by `audit verify`.

use gridassist::domain::Role;
use gridassist::domain::access::{Access, Operation};
use gridassist::repo::audit::AuditEvent;
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixtures::probes::{Body, call, call_as, probe};
use crate::fixtures::two_courts::{World, build_world};
use crate::helpers::TestApp;

/// Operations whose row names no object of their own, and why.
const OBJECTLESS: &[(&str, &str)] = &[
    (
        "login",
        "names the account signing in, which the request does not carry",
    ),
    ("refresh", "names the account whose token is renewed"),
    ("logout", "names the account signing out"),
    ("verify_audit_events", "the trail itself"),
    ("import_grids", "a batch of grids, counted in the row"),
    ("import_entries", "a batch of list entries, counted in the row"),
    ("close_period", "a township's period"),
    ("put_scheme", "names the new scheme version"),
    ("optimize", "a batch of tasks; each task's own event row names it"),
    (
        "check_identities",
        "a batch of identities, counted in the row (never the ID numbers)",
    ),
];

async fn rows_after(app: &TestApp, after: i64) -> Vec<AuditEvent> {
    app.app_state
        .db
        .run(move |conn| {
            gridassist::repo::audit::list(conn, (None, None, None), None, 10_000)
                .map(|rows| rows.into_iter().filter(|r| r.id > after).collect::<Vec<_>>())
                .map_err(gridassist::db::DbError::from)
        })
        .await
        .expect("read the trail")
}

async fn head(app: &TestApp) -> i64 {
    rows_after(app, 0).await.iter().map(|r| r.id).max().unwrap_or(0)
}

/// The ids a call is about: the numbers in its path and the ids in its answer.
fn candidates(path: &str, body: &Value) -> Vec<String> {
    fn walk(v: &Value, depth: usize, out: &mut Vec<String>) {
        if depth > 3 {
            return;
        }
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    if let (true, Some(n)) = (k == "id" || k.ends_with("_id") || k == "version", v.as_i64()) {
                        out.push(n.to_string());
                    }
                    walk(v, depth + 1, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, depth + 1, out)),
            _ => {}
        }
    }
    let mut out: Vec<String> = path
        .split(['/', '?', '&', '='])
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_owned)
        .collect();
    walk(body, 0, &mut out);
    out
}

fn role_for(op: Operation) -> Option<Role> {
    match op.access() {
        Access::Granted(grants) => grants
            .iter()
            .map(|(r, _)| *r)
            .find(|r| *r != Role::Admin)
            .or(Some(Role::Admin)),
        _ => None,
    }
}

async fn call_once(w: &World, op: Operation) -> Option<(String, crate::helpers::Reply)> {
    let mut p = probe(w, op, true, true).await?;
    // A dry run changes nothing; the batch is walked as it is applied.
    if let (Operation::Optimize, Body::Json(body)) = (op, &mut p.body) {
        body["dry_run"] = json!(false);
    }
    let reply = match op.access() {
        Access::Public => call(w, &p, None).await,
        Access::Partner(scope) => {
            let key = match scope {
                gridassist::domain::dishonest::PartnerScope::Check => &w.check_key,
                gridassist::domain::dishonest::PartnerScope::Subscribe => &w.subscribe_key,
            };
            call_as(w, &p, Some(format!("ApiKey {key}"))).await
        }
        Access::Granted(_) => {
            let role = role_for(op)?;
            call(w, &p, Some(w.token(role))).await
        }
    };
    Some((p.path, reply))
}

#[tokio::test]
async fn every_state_changing_operation_leaves_an_audit_row_naming_its_object() {
    let w = build_world().await;
    let doc = w.app.get("/api/openapi.json", None).await;
    let mut failures = Vec::new();
    let mut walked = 0;
    for (path, item) in doc.body["paths"].as_object().expect("paths") {
        for (method, op_doc) in item.as_object().expect("path item") {
            if method.eq_ignore_ascii_case(Method::GET.as_str()) {
                continue;
            }
            let id = op_doc["operationId"].as_str().unwrap_or_default();
            let op = Operation::from_id(id).unwrap_or_else(|| panic!("{id} has no matrix row"));
            let before = head(&w.app).await;
            let Some((called, reply)) = call_once(&w, op).await else {
                failures.push(format!("{method} {path} ({id}): no probe"));
                continue;
            };
            walked += 1;
            if !reply.status.is_success() {
                failures.push(format!("{id}: {} {}", reply.status, reply.text));
                continue;
            }
            let rows = rows_after(&w.app, before).await;
            let writes: Vec<&AuditEvent> = rows.iter().filter(|r| r.purpose.is_none()).collect();
            let objectless = OBJECTLESS.iter().any(|(o, _)| *o == id);
            let named = candidates(&called, &reply.body);
            let found = writes
                .iter()
                .any(|r| objectless || r.object_id.as_ref().is_some_and(|o| named.contains(o)));
            if !found {
                failures.push(format!(
                    "{method} {path} ({id}) left no audit row naming {named:?}; rows: {:?}",
                    rows.iter()
                        .map(|r| format!("{} {}:{:?}", r.action, r.object_type, r.object_id))
                        .collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {walked} writes are not in the trail:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(walked > 40, "only {walked} operations were walked");
}

/// A task's work, changed behind the service's back — a GPS fix moved, an evidence digest
/// swapped, a submitted result rewritten, a score line inflated, an event removed — is found by
/// `verify`, naming the audit row whose seal no longer matches.
#[tokio::test]
async fn records_changed_behind_the_services_back_break_their_seal() {
    let w = build_world().await;
    let clean = verify(&w).await;
    assert_eq!(clean.status, 200, "{}", clean.text);
    assert_eq!(clean.body["ok"], true, "{}", clean.text);
    assert!(
        clean.body["records_checked"].as_u64().unwrap_or(0) > 20,
        "{}",
        clean.text
    );

    // (table, the rows changed, the change, the column to restore; None: the rows are removed)
    let a = &w.a;
    let tamperings: Vec<(&str, String, String, Option<&str>)> = vec![
        (
            "check_ins",
            format!("id = {}", a.check_in_id),
            "UPDATE check_ins SET lat = lat + 0.01".into(),
            Some("lat"),
        ),
        (
            "evidence",
            format!("id = {}", a.evidence_id),
            format!("UPDATE evidence SET sha256 = '{}'", "0".repeat(64)),
            Some("sha256"),
        ),
        (
            "submissions",
            format!("task_id = {}", a.approved),
            "UPDATE submissions SET note = 'rewritten'".into(),
            Some("note"),
        ),
        (
            "score_lines",
            format!("id = {}", a.free_line),
            "UPDATE score_lines SET points = points + 100".into(),
            Some("points"),
        ),
        (
            "task_events",
            format!("task_id = {} AND action = 'accept'", a.in_progress),
            "DELETE FROM task_events".into(),
            None,
        ),
    ];
    for (table, rows, change, column) in tamperings {
        let restore = match column {
            Some(c) => format!(
                "UPDATE {table} SET {c} = (SELECT {c} FROM tamper_backup WHERE tamper_backup.id = {table}.id) WHERE {rows}"
            ),
            None => format!("INSERT INTO {table} SELECT * FROM tamper_backup"),
        };
        w.app
            .run_sql(format!(
                "CREATE TABLE tamper_backup AS SELECT * FROM {table} WHERE {rows}; {change} WHERE {rows}"
            ))
            .await;
        let report = verify(&w).await;
        assert_eq!(report.status, 200, "{}", report.text);
        assert_eq!(report.body["ok"], false, "{table}: {}", report.text);
        let broken = &report.body["first_broken"];
        let expected = if column.is_some() {
            "record_altered"
        } else {
            "record_missing"
        };
        assert_eq!(broken["reason"], expected, "{table}: {}", report.text);
        assert_eq!(broken["record"]["table"], table, "{}", report.text);
        w.app
            .run_sql(format!("{restore}; DROP TABLE tamper_backup"))
            .await;
        let mended = verify(&w).await;
        assert_eq!(mended.body["ok"], true, "restored {table}: {}", mended.text);
    }
}

async fn verify(w: &World) -> crate::helpers::Reply {
    w.app
        .post("/api/v1/audit-events/verify", Some(&w.admin), &json!({}))
        .await
}
