//! The authorization matrix, walked. Every operation of the OpenAPI document is called by every
//! role (and with no token at all) on an object in the caller's scope and on one outside it, and
//! the answer is held to `gridassist::domain::access`:
//! - no token → 401 for every operation that is not public;
//! - a role the matrix does not grant → 403;
//! - a granted role on an object in its scope → 2xx;
//! - a granted role on an object outside its scope (another court, township or worker) → 403 or
//!   404, or — for lists — a 2xx that holds nothing of the other side.
//!
//! No refused response may carry personal data: every party's name, ID number, phone and
//! address is searched for in every non-2xx body. An operation in the document without a probe
//! here fails the test, so a new endpoint cannot slip past the matrix.

use gridassist::domain::Role;
use gridassist::domain::access::{Access, Operation, Scope};
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixtures::probes::{Body, call, call_as, leaks, probe};
use crate::fixtures::two_courts::{World, build_world};
use crate::fixtures::work::ago;
use crate::fixtures::{TaskBuilder, field};
use crate::helpers::spawn_app;

/// `value` with every number equal to `id` replaced by `by`.
fn replace_id(value: &mut Value, id: i64, by: i64) {
    match value {
        Value::Number(n) if n.as_i64() == Some(id) => *value = json!(by),
        Value::Array(items) => items.iter_mut().for_each(|v| replace_id(v, id, by)),
        Value::Object(map) => map.values_mut().for_each(|v| replace_id(v, id, by)),
        _ => {}
    }
}

#[tokio::test]
async fn every_operation_answers_every_role_as_the_matrix_says() {
    let w = build_world().await;
    let doc = w.app.get("/api/openapi.json", None).await;
    let mut operations = Vec::new();
    for (path, item) in doc.body["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let id = op["operationId"].as_str().unwrap_or_default();
            let operation = Operation::from_id(id)
                .unwrap_or_else(|| panic!("{method} {path} ({id}) is not in the authorization matrix"));
            operations.push(operation);
        }
    }
    assert_eq!(
        operations.len(),
        Operation::ALL.len(),
        "every matrix row is documented"
    );

    let mut failures = Vec::new();
    let mut checked = 0;
    for &op in &operations {
        let access = op.access();
        // No token.
        if let Some(p) = probe(&w, op, true, false).await {
            let r = call(&w, &p, None).await;
            checked += 1;
            match access {
                Access::Public if r.status.as_u16() == 401 || r.status.is_server_error() => {
                    failures.push(format!("{}: public, but {} without a token", op.id(), r.status))
                }
                Access::Granted(_) | Access::Partner(_) if r.status.as_u16() != 401 => {
                    failures.push(format!("{}: {} without a token, not 401", op.id(), r.status))
                }
                _ => {}
            }
        }
        if access == Access::Public {
            continue;
        }
        if let Access::Partner(scope) = access {
            checked += check_partner_operation(&w, op, scope, &mut failures).await;
            continue;
        }
        for role in Role::ALL {
            let token = w.token(role).to_owned();
            match op.grant(role) {
                None => {
                    let p = probe(&w, op, true, false).await.expect("in-scope probe");
                    let r = call(&w, &p, Some(&token)).await;
                    checked += 1;
                    if r.status.as_u16() != 403 || r.body["code"] != "forbidden" {
                        failures.push(format!(
                            "{} as {role:?}: {} {}, not 403",
                            op.id(),
                            r.status,
                            r.text
                        ));
                    }
                    for leak in leaks(&r.text, &w.personal) {
                        failures.push(format!("{} as {role:?}: the refusal holds {leak}", op.id()));
                    }
                }
                Some(scope) => {
                    let p = probe(&w, op, true, true).await.expect("in-scope probe");
                    let r = call(&w, &p, Some(&token)).await;
                    checked += 1;
                    if !r.status.is_success() {
                        failures.push(format!(
                            "{} as {role:?} in scope: {} {}",
                            op.id(),
                            r.status,
                            r.text
                        ));
                        for leak in leaks(&r.text, &w.personal) {
                            failures.push(format!("{} as {role:?}: the refusal holds {leak}", op.id()));
                        }
                    }
                    if matches!(scope, Scope::All | Scope::Unscoped) {
                        continue;
                    }
                    let Some(p) = probe(&w, op, false, false).await else {
                        continue;
                    };
                    let r = call(&w, &p, Some(&token)).await;
                    checked += 1;
                    let status = r.status.as_u16();
                    if r.status.is_success() {
                        for marker in leaks(&r.text, &w.b_markers) {
                            failures.push(format!(
                                "{} as {role:?} out of scope: {status} with {marker}",
                                op.id()
                            ));
                        }
                    } else if let (Some(id), 400) = (p.body_reference, status) {
                        // Same answer as for an id that does not exist at all.
                        const GHOST: i64 = 9_999_999;
                        let mut ghost = p;
                        if let Body::Json(body) = &mut ghost.body {
                            replace_id(body, id, GHOST);
                        }
                        let unknown = call(&w, &ghost, Some(&token)).await;
                        let mut expected = r.body.clone();
                        expected["detail"] = json!(
                            r.body["detail"]
                                .as_str()
                                .unwrap_or_default()
                                .replace(&id.to_string(), &GHOST.to_string())
                        );
                        if unknown.status != r.status || unknown.body != expected {
                            failures.push(format!(
                                "{} as {role:?}: out of scope ({}) and nonexistent ({}) answer differently",
                                op.id(),
                                r.text,
                                unknown.text
                            ));
                        }
                    } else if status != 403 && status != 404 {
                        failures.push(format!(
                            "{} as {role:?} out of scope: {status} {}, not 403/404",
                            op.id(),
                            r.text
                        ));
                    } else {
                        for leak in leaks(&r.text, &w.personal) {
                            failures.push(format!("{} as {role:?}: the refusal holds {leak}", op.id()));
                        }
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} calls broke the matrix:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 200, "only {checked} calls were made");
}

/// A partner operation: every user token is refused (401, as for no credential), a key without
/// the scope is 403, a key holding it succeeds, and another partner's subscription is not found.
async fn check_partner_operation(
    w: &World,
    op: Operation,
    scope: gridassist::domain::dishonest::PartnerScope,
    failures: &mut Vec<String>,
) -> usize {
    use gridassist::domain::dishonest::PartnerScope;
    let mut checked = 0;
    for role in Role::ALL {
        let p = probe(w, op, true, false).await.expect("probe");
        let r = call(w, &p, Some(w.token(role))).await;
        checked += 1;
        if r.status.as_u16() != 401 {
            failures.push(format!(
                "{} with a {role:?} token: {}, not 401",
                op.id(),
                r.status
            ));
        }
    }
    let (holding, lacking) = match scope {
        PartnerScope::Check => (&w.check_key, &w.subscribe_key),
        PartnerScope::Subscribe => (&w.subscribe_key, &w.check_key),
    };
    let p = probe(w, op, true, false).await.expect("probe");
    let r = call_as(w, &p, Some(format!("ApiKey {lacking}"))).await;
    checked += 1;
    if r.status.as_u16() != 403 {
        failures.push(format!(
            "{} with a key lacking {}: {} {}",
            op.id(),
            scope.as_str(),
            r.status,
            r.text
        ));
    }
    let p = probe(w, op, true, true).await.expect("probe");
    let r = call_as(w, &p, Some(format!("ApiKey {holding}"))).await;
    checked += 1;
    if !r.status.is_success() {
        failures.push(format!(
            "{} with a key holding {}: {} {}",
            op.id(),
            scope.as_str(),
            r.status,
            r.text
        ));
    }
    let p = probe(w, op, false, false).await.expect("probe");
    let r = call_as(w, &p, Some(format!("ApiKey {holding}"))).await;
    checked += 1;
    if r.status.is_success() {
        for marker in leaks(&r.text, &w.b_markers) {
            failures.push(format!(
                "{} out of the partner's scope: {} with {marker}",
                op.id(),
                r.status
            ));
        }
    } else if r.status.as_u16() != 404 && r.status.as_u16() != 403 {
        failures.push(format!(
            "{} out of the partner's scope: {} {}",
            op.id(),
            r.status,
            r.text
        ));
    }
    checked
}

/// No mass assignment: a field the caller may not set — status, assignee, score, role, court —
/// is refused with a 400 that names it, and nothing changes.
#[tokio::test]
async fn fields_a_caller_may_not_set_are_refused_by_name() {
    let app = spawn_app().await;
    let f = field(&app).await;
    let admin = app.admin_token().await;
    let (worker_id, worker) = f.workers[0].clone();
    let task = TaskBuilder::new(&f).create(&app).await.id;
    let before = app.get(&format!("/api/v1/tasks/{task}"), Some(&admin)).await;

    let attempts: Vec<(&str, Method, String, &str, Value)> = vec![
        (
            "officer",
            Method::POST,
            format!("/api/v1/cases/{}/tasks", f.case_id),
            "status",
            json!({"kind": "serve_documents", "status": "approved"}),
        ),
        (
            "officer",
            Method::POST,
            format!("/api/v1/cases/{}/tasks", f.case_id),
            "assignee_id",
            json!({"kind": "serve_documents", "assignee_id": worker_id}),
        ),
        (
            "officer",
            Method::POST,
            "/api/v1/cases".into(),
            "court_id",
            json!({"case_number": "(2026)苏1283执9号", "amount_owed_fen": 1, "filed_on": "2026-01-10", "court_id": 99,
                "parties": [{"role": "applicant", "kind": "person", "name": "甲"},
                            {"role": "debtor", "kind": "person", "name": "乙"}]}),
        ),
        (
            "worker",
            Method::POST,
            format!("/api/v1/tasks/{task}/check-ins"),
            "status",
            json!({"lat": 32.005, "lon": 120.005, "accuracy_m": 5.0, "captured_at": ago(1), "status": "approved"}),
        ),
        (
            "worker",
            Method::POST,
            format!("/api/v1/tasks/{task}/decline"),
            "assignee_id",
            json!({"reason": "overloaded", "assignee_id": worker_id}),
        ),
        (
            "admin",
            Method::PATCH,
            format!("/api/v1/users/{worker_id}"),
            "role",
            json!({"role": "admin"}),
        ),
        (
            "admin",
            Method::PATCH,
            format!("/api/v1/users/{worker_id}"),
            "court_id",
            json!({"court_id": 1}),
        ),
        (
            "admin",
            Method::PUT,
            format!("/api/v1/workers/{worker_id}"),
            "score",
            json!({"capacity": 10, "availability": "active", "score": 100}),
        ),
        (
            "worker",
            Method::POST,
            "/api/v1/score-appeals".into(),
            "points",
            json!({"line_id": 1, "reason": "x", "points": 1000}),
        ),
        (
            "officer",
            Method::POST,
            format!("/api/v1/tasks/{task}/review"),
            "score",
            json!({"decision": "approve", "rating": 5, "score": 100}),
        ),
    ];
    for (who, method, path, field_name, body) in attempts {
        let token = match who {
            "officer" => f.officer.clone(),
            "worker" => worker.clone(),
            _ => admin.clone(),
        };
        let r = app.send_json(method.clone(), &path, Some(&token), &body).await;
        r.assert_problem(400, "malformed_body");
        assert_eq!(
            r.body["field"], field_name,
            "{method} {path}: the problem must name `{field_name}`: {}",
            r.text
        );
    }
    let after = app.get(&format!("/api/v1/tasks/{task}"), Some(&admin)).await;
    assert_eq!(before.body, after.body, "a refused request changed the task");
    let me = app.get("/api/v1/me", Some(&worker)).await;
    assert_eq!(me.body["user"]["role"], "worker");
}
