//! Court walls: one deployment serves several courts, and a court's tasks, cases and parties
//! never reach a worker, supervisor or township of another. Two kinds of check:
//! - the walker: every operation that takes another object's id in its body or query is called
//!   by every role it grants (short of administrators) on an object of the caller's own court
//!   with an id of the other court's in the body or query; it must be refused (a filter naming
//!   another court's object with 403, as documented), with nothing of the other court in the
//!   answer. An operation of the document that takes such an id and has no probe here fails the
//!   test, so a new one cannot slip past;
//! - placement: automatic assignment, manual assignment, pinning and batch assignment never
//!   place a task of one court with a worker, grid or township of another.

use gridassist::domain::Role;
use gridassist::domain::access::{Access, Operation, Scope};
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixtures::endpoints::this_month;
use crate::fixtures::probes::{Probe, call, etag, get, import_entries, leaks, list_entry, post, send};
use crate::fixtures::two_courts::{World, build_world};
use crate::fixtures::work::served_before_a_witness;
use crate::fixtures::{CaseBuilder, WorkerProfile};

/// What the other court's id should get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A filter naming another court's object: 403, exactly (docs/API-DESIGN.md).
    Forbidden,
    /// Any refusal that names the problem: 400 (the field), 403, 404 or 422.
    Refused,
}

struct Cross {
    what: &'static str,
    probe: Probe,
    expect: Expect,
}

fn cross(what: &'static str, probe: Option<Probe>, expect: Expect) -> Cross {
    Cross {
        what,
        probe: probe.expect("a probe"),
        expect,
    }
}

fn filter(what: &'static str, path: String) -> Cross {
    cross(what, get(path), Expect::Forbidden)
}

/// The names of the ids an operation takes in its body or query (not its path), from the
/// OpenAPI document. Client-chosen ids (`client_id`) and free-text audit filters name nothing.
fn referenced_ids(doc: &Value, op: &Value) -> Vec<String> {
    fn walk(doc: &Value, schema: &Value, depth: usize, out: &mut Vec<String>) {
        if depth > 6 {
            return;
        }
        if let Some(reference) = schema["$ref"].as_str() {
            let name = reference.rsplit('/').next().unwrap_or_default();
            walk(doc, &doc["components"]["schemas"][name], depth + 1, out);
            return;
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            for s in schema[key].as_array().into_iter().flatten() {
                walk(doc, s, depth + 1, out);
            }
        }
        if let Some(properties) = schema["properties"].as_object() {
            for (name, s) in properties {
                if name.ends_with("_id") || name.ends_with("_ids") {
                    out.push(name.clone());
                }
                walk(doc, s, depth + 1, out);
            }
        }
        walk(doc, &schema["items"], depth + 1, out);
    }
    let mut out = Vec::new();
    for p in op["parameters"].as_array().into_iter().flatten() {
        let name = p["name"].as_str().unwrap_or_default();
        if p["in"] == "query" && (name.ends_with("_id") || name.ends_with("_ids")) {
            out.push(name.to_owned());
        }
    }
    for content in op["requestBody"]["content"].as_object().into_iter().flatten() {
        walk(doc, &content.1["schema"], 0, &mut out);
    }
    out.retain(|n| n != "client_id" && n != "object_id");
    out.sort();
    out.dedup();
    out
}

/// The calls that name an object of court B while acting within court A, for `role`.
async fn cross_probes(w: &World, op: Operation, role: Role) -> Vec<Cross> {
    use Expect::*;
    use Operation::*;
    let (a, b) = (&w.a, &w.b);
    let n = w.next();
    match op {
        Optimize => vec![
            cross(
                "another court's township",
                post(
                    "/api/v1/assignments/optimize".into(),
                    json!({"dry_run": true, "township_id": b.township_id}),
                ),
                Forbidden,
            ),
            cross(
                "another court's task",
                post(
                    "/api/v1/assignments/optimize".into(),
                    json!({"dry_run": true, "task_ids": [b.queued]}),
                ),
                Refused,
            ),
        ],
        CreateCase => {
            let mut case = CaseBuilder::new(&format!("(2026)苏1283执{}号", 3000 + n)).body();
            case["officer_id"] = json!(b.officer_id);
            vec![cross(
                "another court's officer in charge",
                post("/api/v1/cases".into(), case),
                Refused,
            )]
        }
        CreateTask => vec![cross(
            "another court's party",
            post(
                format!("/api/v1/cases/{}/tasks", a.case_id),
                a.task().party(b.debtor_party_id).body(),
            ),
            Refused,
        )],
        CreateEntry => vec![cross(
            "another court's list",
            post(
                "/api/v1/dishonest-entries".into(),
                list_entry(b.court_id, "32128319800401", n, 7500 + n),
            ),
            Refused,
        )],
        ImportEntries => vec![Cross {
            what: "another court's list",
            probe: import_entries(b.court_id, "32128319800501", n, 9500 + n),
            expect: Refused,
        }],
        ListGrids => vec![filter(
            "another court's township",
            format!("/api/v1/grids?township_id={}", b.township_id),
        )],
        ListTownships => vec![filter(
            "another court",
            format!("/api/v1/townships?court_id={}", b.court_id),
        )],
        ListWorkers => vec![filter(
            "another court's township",
            format!("/api/v1/workers?township_id={}", b.township_id),
        )],
        GetBoard | Incentives => {
            let path = if op == GetBoard { "scores" } else { "incentives" };
            vec![filter(
                "another court's township",
                format!(
                    "/api/v1/{path}?period={}&township_id={}",
                    this_month(),
                    b.township_id
                ),
            )]
        }
        CourtStatistics => vec![filter(
            "another court",
            format!(
                "/api/v1/statistics?period={}&court_id={}",
                this_month(),
                b.court_id
            ),
        )],
        ListTasks => vec![
            filter(
                "another court's township",
                format!("/api/v1/tasks?township_id={}", b.township_id),
            ),
            filter(
                "another court's grid",
                format!("/api/v1/tasks?grid_id={}", b.grid_ids[0]),
            ),
            filter(
                "another court's worker",
                format!("/api/v1/tasks?assignee_id={}", b.worker_id),
            ),
            filter(
                "another court's case",
                format!("/api/v1/tasks?case_id={}", b.case_id),
            ),
        ],
        AssignTask => {
            // The officer's court queue holds an address-only task with no township yet; the
            // supervisor acts on a task of their township.
            let task = if role == Role::Officer {
                a.queued
            } else {
                a.assigned
            };
            let mut p = post(
                format!("/api/v1/tasks/{task}/assign"),
                json!({"worker_id": b.colleague_id}),
            );
            if let Some(p) = p.as_mut() {
                p.if_match = Some(etag(w, task).await);
            }
            vec![cross("another court's worker", p, Refused)]
        }
        SubmitResult => vec![cross(
            "another court's evidence",
            post(
                format!("/api/v1/tasks/{}/submission", a.in_progress),
                json!({"client_id": format!("cross-{n}"),
                       "result": served_before_a_witness(b.evidence_id)}),
            ),
            Refused,
        )],
        RecordCompletion => vec![cross(
            "another court's worker",
            post(
                format!("/api/v1/training/modules/{}/completions", w.module_id),
                json!({"worker_id": b.worker_id,
                       "completed_on": gridassist::domain::time::today_local().to_string(), "quiz_score": 90}),
            ),
            Refused,
        )],
        UpdateWorker => vec![
            cross(
                "another court's grid as the primary grid",
                send(
                    Method::PUT,
                    format!("/api/v1/workers/{}", a.colleague_id),
                    WorkerProfile::in_grid(b.grid_ids[0]).capacity(100).body(),
                ),
                Refused,
            ),
            cross(
                "another court's grid among the other grids",
                send(
                    Method::PUT,
                    format!("/api/v1/workers/{}", a.colleague_id),
                    WorkerProfile::in_grid(a.grid_ids[1])
                        .also_in(&[b.grid_ids[1]])
                        .capacity(100)
                        .body(),
                ),
                Refused,
            ),
        ],
        CreateAppeal => vec![cross(
            "another court's score line",
            post(
                "/api/v1/score-appeals".into(),
                json!({"line_id": b.free_line, "reason": "申诉理由"}),
            ),
            Refused,
        )],
        _ => Vec::new(),
    }
}

#[tokio::test]
async fn every_id_in_a_body_or_query_is_held_to_the_callers_court() {
    let w = build_world().await;
    let doc = w.app.get("/api/openapi.json", None).await;
    let mut failures = Vec::new();
    let mut checked = 0;
    for (path, item) in doc.body["paths"].as_object().expect("paths") {
        for (method, op_doc) in item.as_object().expect("path item") {
            let id = op_doc["operationId"].as_str().unwrap_or_default();
            let op = Operation::from_id(id).unwrap_or_else(|| panic!("{id} has no matrix row"));
            let names = referenced_ids(&doc.body, op_doc);
            let Access::Granted(grants) = op.access() else {
                continue;
            };
            if names.is_empty() {
                continue;
            }
            for &(role, scope) in grants {
                if scope == Scope::All {
                    continue;
                }
                let probes = cross_probes(&w, op, role).await;
                if probes.is_empty() {
                    failures.push(format!(
                        "{method} {path} ({id}) takes {names:?} but has no cross-court probe for {role:?}"
                    ));
                }
                for c in probes {
                    let r = call(&w, &c.probe, Some(w.token(role))).await;
                    checked += 1;
                    let status = r.status.as_u16();
                    let fine = match c.expect {
                        Expect::Forbidden => status == 403 && r.body["code"] == "forbidden",
                        Expect::Refused => matches!(status, 400 | 403 | 404 | 422),
                    };
                    if !fine {
                        failures.push(format!(
                            "{id} as {role:?} naming {}: {status} {} (expected {:?})",
                            c.what, r.text, c.expect
                        ));
                    }
                    for leak in leaks(&r.text, &w.b_markers)
                        .into_iter()
                        .chain(leaks(&r.text, &w.personal))
                    {
                        failures.push(format!(
                            "{id} as {role:?} naming {}: the answer holds {leak}",
                            c.what
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} cross-court calls broke the wall:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked >= 25, "only {checked} cross-court calls were made");

    // Nothing the refused calls named was changed: the court-queue task is still nobody's, the
    // colleague still works their own grid.
    let queued = w
        .app
        .get(&format!("/api/v1/tasks/{}", w.a.queued), Some(&w.admin))
        .await;
    assert_eq!(queued.body["assignee_id"], Value::Null, "{}", queued.text);
    let colleague = w
        .app
        .get(&format!("/api/v1/workers/{}", w.a.colleague_id), Some(&w.admin))
        .await;
    assert_ne!(
        colleague.body["primary_grid_id"].as_i64(),
        Some(w.b.grid_ids[0]),
        "{}",
        colleague.text
    );
}

/// A task of court A whose target lies on court B's map: queued for A's officer with the reason,
/// never assigned to B's worker (who covers that spot) — and B's worker's phone hears nothing.
#[tokio::test]
async fn a_target_on_another_courts_map_is_queued_not_placed_there() {
    let w = build_world().await;
    let b = &w.b;
    let body = task_of_a_at_bs_point(&w).await;
    let task = &body["task"];
    assert_eq!(task["status"], "queued", "{body}");
    assert_eq!(task["queue"], "court", "{body}");
    assert_eq!(task["queue_reason"], "outside_court_area", "{body}");
    assert_eq!(task["assignee_id"], Value::Null, "{body}");
    assert_eq!(task["grid_id"], Value::Null, "{body}");
    assert_eq!(task["township_id"], Value::Null, "{body}");
    let id = task["id"].as_i64().expect("id");

    let sync = w.app.get("/api/v1/me/tasks", Some(&b.worker)).await;
    let ids: Vec<i64> = sync.body["tasks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["id"].as_i64())
        .collect();
    assert!(!ids.contains(&id), "B's worker received A's task: {}", sync.text);
    // B's supervisor does not see it either.
    let seen = w
        .app
        .get(&format!("/api/v1/tasks/{id}"), Some(&b.supervisor))
        .await;
    assert_eq!(seen.status, 404, "{}", seen.text);
}

/// Manual assignment refuses another court's worker, also for an address-only task that waits
/// in the court queue with no township yet; pinning on another court's map is refused the same
/// way; nothing changes.
#[tokio::test]
async fn assigning_or_pinning_across_the_wall_is_refused_by_name() {
    let w = build_world().await;
    let (a, b) = (&w.a, &w.b);
    let tag = etag(&w, a.queued).await;
    let r = w.app.assign(&a.officer, a.queued, Some(&tag), b.worker_id).await;
    r.assert_problem(422, "worker_not_eligible");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("another court"),
        "{}",
        r.text
    );

    let pinned = w
        .app
        .post(
            &format!("/api/v1/tasks/{}/target", a.queued),
            Some(&a.officer),
            &json!({"lat": b.point.1, "lon": b.point.0}),
        )
        .await;
    pinned.assert_problem(422, "outside_court_area");

    let task = w
        .app
        .get(&format!("/api/v1/tasks/{}", a.queued), Some(&a.officer))
        .await;
    assert_eq!(task.body["status"], "queued", "{}", task.text);
    assert_eq!(task.body["assignee_id"], Value::Null, "{}", task.text);
    assert_eq!(task.body["target"]["lat"], Value::Null, "{}", task.text);
    assert_eq!(etag(&w, a.queued).await, tag, "a refused call changes nothing");

    // Pinned inside the court's own area, the same task is placed with the court's own worker.
    let pinned = w
        .app
        .post(
            &format!("/api/v1/tasks/{}/target", a.queued),
            Some(&a.officer),
            &json!({"lat": a.point.1, "lon": a.point.0}),
        )
        .await;
    let body = pinned.expect_success("pin inside");
    assert_eq!(body["task"]["assignee_id"].as_i64(), Some(a.worker_id), "{body}");
}

/// Batch assignment: another court's township is refused (403), and a committed plan over the
/// court's queue never hands a task to another court's worker.
#[tokio::test]
async fn batch_assignment_stays_within_the_court() {
    let w = build_world().await;
    let (a, b) = (&w.a, &w.b);
    let refused = w
        .app
        .post(
            "/api/v1/assignments/optimize",
            Some(&a.officer),
            &json!({"dry_run": true, "township_id": b.township_id}),
        )
        .await;
    refused.assert_problem(403, "forbidden");

    // A task of A's placed at B's point waits in A's court queue; committing A's queue leaves it
    // unplaced with the reason rather than giving it to B's workers next door.
    let stray = task_of_a_at_bs_point(&w).await["task"]["id"]
        .as_i64()
        .expect("id");
    let plan = w
        .app
        .post(
            "/api/v1/assignments/optimize",
            Some(&a.officer),
            &json!({"dry_run": false, "task_ids": [stray]}),
        )
        .await;
    let plan = plan.expect_success("commit");
    let assigned: Vec<i64> = plan["assignments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x["worker_id"].as_i64())
        .collect();
    assert!(
        !assigned.contains(&b.worker_id) && !assigned.contains(&b.colleague_id),
        "{plan}"
    );
    let task = w
        .app
        .get(&format!("/api/v1/tasks/{stray}"), Some(&a.officer))
        .await;
    assert_eq!(task.body["assignee_id"], Value::Null, "{}", task.text);
    // And the court's ordinary work still goes to its own worker.
    a.assigned_task(&w.app).await;
}

/// Court A's officer files a task on A's case with its target on court B's map.
async fn task_of_a_at_bs_point(w: &World) -> Value {
    w.a.task()
        .at(w.b.point.1, w.b.point.0)
        .post(&w.app)
        .await
        .expect_success("task at the other court's point")
}
