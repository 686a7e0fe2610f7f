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

use crate::fixtures::{collection, id_number, square};
use crate::helpers::{PASSWORD, TestApp, spawn_app};

/// One side of the world: a court with one township, two grids, two workers and a case with
/// tasks in every state. Side A is the callers' own; side B is out of their scope.
pub(crate) struct Side {
    pub(crate) court_id: i64,
    pub(crate) township_id: i64,
    pub(crate) grid_ids: [i64; 2],
    pub(crate) officer: String,
    pub(crate) officer_id: i64,
    pub(crate) supervisor: String,
    /// The worker covering the first grid (tasks there go to them), and a colleague.
    pub(crate) worker_id: i64,
    pub(crate) worker: String,
    pub(crate) colleague_id: i64,
    pub(crate) case_id: i64,
    /// The case's debtor (a party).
    pub(crate) debtor_party_id: i64,
    /// Assigned to `worker`, not yet accepted.
    pub(crate) assigned: i64,
    /// Queued at the court: only an address was known.
    pub(crate) queued: i64,
    /// Accepted and checked in by `worker`, with one photo uploaded.
    pub(crate) in_progress: i64,
    pub(crate) evidence_id: i64,
    /// Submitted, waiting for review.
    pub(crate) submitted: i64,
    /// Approved, with an outcome recorded; its check-in.
    pub(crate) approved: i64,
    pub(crate) check_in_id: i64,
    /// Score lines of `worker`: one left for an appeal, one already appealed.
    pub(crate) free_line: i64,
    pub(crate) appeal_id: i64,
    /// A point inside the first grid (WGS-84).
    pub(crate) point: (f64, f64),
    /// The court's entry on the list of dishonest debtors (its debtor's ID number).
    pub(crate) entry_id: i64,
}

pub(crate) struct World {
    pub(crate) app: TestApp,
    pub(crate) admin: String,
    pub(crate) a: Side,
    pub(crate) b: Side,
    pub(crate) module_id: i64,
    /// Every piece of personal data in the world: none may appear in a refusal.
    pub(crate) personal: Vec<String>,
    /// What only side B's objects contain: none may reach a side-A caller.
    pub(crate) b_markers: Vec<String>,
    pub(crate) counter: std::cell::Cell<u32>,
    /// Partner department A: a key holding only `dishonest:check`, one holding only
    /// `dishonest:subscribe`, and a subscription of its own.
    pub(crate) partner_id: i64,
    pub(crate) check_key: String,
    pub(crate) subscribe_key: String,
    pub(crate) subscription_id: i64,
    /// Partner department B's subscription: out of A's reach.
    pub(crate) b_subscription_id: i64,
}

impl World {
    pub(crate) fn next(&self) -> u32 {
        let n = self.counter.get() + 1;
        self.counter.set(n);
        n
    }

    pub(crate) fn side(&self, in_scope: bool) -> &Side {
        if in_scope { &self.a } else { &self.b }
    }

    pub(crate) fn token(&self, role: Role) -> &str {
        match role {
            Role::Admin => &self.admin,
            Role::Officer => &self.a.officer,
            Role::Supervisor => &self.a.supervisor,
            Role::Worker => &self.a.worker,
        }
    }
}

fn ago(minutes: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::minutes(minutes)).to_rfc3339()
}

pub(crate) fn this_month() -> String {
    gridassist::domain::period::Period::month_of(gridassist::domain::time::today_local()).to_string()
}

fn jpeg(seed: u32) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    bytes.extend(seed.to_be_bytes());
    bytes.extend((0..2000u32).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed as u8)));
    bytes
}

pub(crate) async fn ok(reply: crate::helpers::Reply, what: &str) -> Value {
    assert!(
        reply.status.is_success(),
        "{what}: {} {}",
        reply.status,
        reply.text
    );
    reply.body
}

// ---- building the world -------------------------------------------------------------------

async fn build_side(app: &TestApp, admin: &str, tag: &str, lon: f64, personal: &mut Vec<String>) -> Side {
    let court_id = app.create_court(admin, &format!("C{tag}")).await;
    let township_code = format!("T{tag}");
    let township_id = app.create_township(admin, &township_code, court_id).await;
    let fc = collection(vec![
        square(&format!("G{tag}1"), &township_code, lon, 32.00, 0.01),
        square(&format!("G{tag}2"), &township_code, lon + 0.01, 32.00, 0.01),
    ]);
    ok(app.import_grids(admin, &fc, "wgs84").await, "import grids").await;
    let grids = app
        .get(&format!("/api/v1/grids?township_id={township_id}"), Some(admin))
        .await;
    let grid = |code: String| {
        grids.body["features"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["properties"]["code"] == code.as_str()))
            .and_then(|f| f["properties"]["id"].as_i64())
            .unwrap_or_else(|| panic!("no grid {code}: {}", grids.text))
    };
    let grid_ids = [grid(format!("G{tag}1")), grid(format!("G{tag}2"))];

    let officer_name = format!("officer.{tag}");
    let supervisor_name = format!("supervisor.{tag}");
    let officer_id = app
        .create_user(admin, &officer_name, "officer", Some(court_id), None)
        .await;
    app.create_user(admin, &supervisor_name, "supervisor", None, Some(township_id))
        .await;
    let mut worker_ids = Vec::new();
    for (n, grid_id) in grid_ids.iter().enumerate() {
        let id = app
            .create_user(
                admin,
                &format!("worker.{tag}{n}"),
                "worker",
                None,
                Some(township_id),
            )
            .await;
        let profile = json!({"primary_grid_id": grid_id, "capacity": 100, "availability": "active",
            "certifications": [{"task_kind": "serve_documents", "certified_on": "2026-01-05"}]});
        ok(
            app.put(&format!("/api/v1/workers/{id}"), Some(admin), &profile)
                .await,
            "profile",
        )
        .await;
        worker_ids.push(id);
    }
    let officer = app.token(&officer_name, PASSWORD).await;
    let supervisor = app.token(&supervisor_name, PASSWORD).await;
    let worker = app.token(&format!("worker.{tag}0"), PASSWORD).await;

    // The parties' personal data; the prefix differs per side so each ID number is its own.
    let debtor_id = id_number(if tag == "A" {
        "32128319800101123"
    } else {
        "32128319700202456"
    });
    let debtor_name = format!("债务人{tag}某某");
    let phone = if tag == "A" { "13912340001" } else { "13912340002" }.to_owned();
    let address = format!("泰兴市{tag}镇幸福路{}号", if tag == "A" { 11 } else { 22 });
    let applicant = format!("申请人{tag}某某");
    personal.extend([
        debtor_id.clone(),
        debtor_name.clone(),
        phone.clone(),
        address.clone(),
        applicant.clone(),
    ]);
    let point = (lon + 0.005, 32.005);
    let case = ok(
        app.post(
            "/api/v1/cases",
            Some(&officer),
            &json!({"case_number": format!("(2026)苏1283执{}号", if tag == "A" { 101 } else { 202 }),
                    "amount_owed_fen": 500000, "filed_on": "2026-01-10",
                    "parties": [
                        {"role": "applicant", "kind": "person", "name": applicant},
                        {"role": "debtor", "kind": "person", "name": debtor_name, "id_number": debtor_id,
                         "phones": [phone], "addresses": [{"text": address, "lat": point.1, "lon": point.0}]}]}),
        )
        .await,
        "case",
    )
    .await;
    let case_id = case["id"].as_i64().expect("case id");
    let debtor_party_id = case["parties"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["role"] == "debtor"))
        .and_then(|p| p["id"].as_i64())
        .unwrap_or_else(|| panic!("the case lists its debtor: {case}"));

    let mut side = Side {
        court_id,
        township_id,
        grid_ids,
        officer,
        officer_id,
        supervisor,
        worker_id: worker_ids[0],
        worker,
        colleague_id: worker_ids[1],
        case_id,
        debtor_party_id,
        assigned: 0,
        queued: 0,
        in_progress: 0,
        evidence_id: 0,
        submitted: 0,
        approved: 0,
        check_in_id: 0,
        free_line: 0,
        appeal_id: 0,
        point,
        entry_id: 0,
    };
    let entry = ok(
        app.post(
            "/api/v1/dishonest-entries",
            Some(&side.officer),
            &json!({"name": debtor_name, "id_number": debtor_id,
                    "case_number": format!("(2026)苏1283执{}号", if tag == "A" { 101 } else { 202 }),
                    "listed_on": "2026-02-01", "reason": "able_but_refused"}),
        )
        .await,
        "list entry",
    )
    .await;
    side.entry_id = entry["id"].as_i64().expect("entry id");
    side.assigned = new_task(app, &side).await;
    let queued = ok(
        app.post(
            &format!("/api/v1/cases/{case_id}/tasks"),
            Some(&side.officer),
            &json!({"kind": "serve_documents", "target_address": "某镇某路18号"}),
        )
        .await,
        "queued task",
    )
    .await;
    side.queued = queued["task"]["id"].as_i64().expect("queued id");
    let (in_progress, _) = task_in_progress(app, &side, 1).await;
    side.in_progress = in_progress;
    side.evidence_id = upload(app, &side, in_progress, 2).await;
    side.submitted = submitted_task(app, &side, 3).await.0;

    // Two approved tasks: one line stays free to appeal, the other is appealed now.
    let (approved, check_in_id) = approved_task(app, &side, 4).await;
    side.approved = approved;
    side.check_in_id = check_in_id;
    ok(
        app.post(
            &format!("/api/v1/tasks/{approved}/outcome"),
            Some(&side.officer),
            &json!({"amount_recovered_fen": 100}),
        )
        .await,
        "outcome",
    )
    .await;
    let first_lines = line_ids(app, &side).await;
    approved_task(app, &side, 5).await;
    let second_lines = line_ids(app, &side).await;
    let appealed = *second_lines
        .iter()
        .find(|l| !first_lines.contains(l))
        .expect("the second approval writes a line");
    side.free_line = first_lines[0];
    let appeal = ok(
        app.post(
            "/api/v1/score-appeals",
            Some(&side.worker),
            &json!({"line_id": appealed, "reason": "评分有误"}),
        )
        .await,
        "appeal",
    )
    .await;
    side.appeal_id = appeal["id"].as_i64().expect("appeal id");
    side
}

async fn line_ids(app: &TestApp, side: &Side) -> Vec<i64> {
    let r = app
        .get(
            &format!(
                "/api/v1/workers/{}/scores?period={}",
                side.worker_id,
                this_month()
            ),
            Some(&side.supervisor),
        )
        .await;
    let lines = ok(r, "breakdown").await;
    lines["lines"]
        .as_array()
        .map(|l| l.iter().filter_map(|l| l["id"].as_i64()).collect())
        .unwrap_or_default()
}

/// A new task in the side's first grid: assigned to its worker.
pub(crate) async fn new_task(app: &TestApp, side: &Side) -> i64 {
    let r = app
        .post(
            &format!("/api/v1/cases/{}/tasks", side.case_id),
            Some(&side.officer),
            &json!({"kind": "serve_documents", "target": {"lat": side.point.1, "lon": side.point.0}}),
        )
        .await;
    let body = ok(r, "new task").await;
    assert_eq!(
        body["task"]["assignee_id"].as_i64(),
        Some(side.worker_id),
        "{body}"
    );
    body["task"]["id"].as_i64().expect("task id")
}

/// A new task, accepted and checked in: (task, check-in).
async fn task_in_progress(app: &TestApp, side: &Side, n: u32) -> (i64, i64) {
    let id = new_task(app, side).await;
    ok(
        app.post(
            &format!("/api/v1/tasks/{id}/accept"),
            Some(&side.worker),
            &json!({}),
        )
        .await,
        "accept",
    )
    .await;
    let check_in = ok(
        app.post(
            &format!("/api/v1/tasks/{id}/check-ins"),
            Some(&side.worker),
            &json!({"client_id": format!("ci-{id}-{n}"), "lat": side.point.1, "lon": side.point.0,
                    "accuracy_m": 8.0, "captured_at": ago(1)}),
        )
        .await,
        "check-in",
    )
    .await;
    (id, check_in["id"].as_i64().expect("check-in id"))
}

async fn upload(app: &TestApp, side: &Side, task: i64, seed: u32) -> i64 {
    let r = app
        .post_raw(
            &format!("/api/v1/tasks/{task}/evidence?kind=photo"),
            Some(&side.worker),
            "application/octet-stream",
            jpeg(seed + task as u32 * 100),
        )
        .await;
    ok(r, "upload").await["id"].as_i64().expect("evidence id")
}

fn result_with(photo: i64) -> Value {
    json!({"kind": "serve_documents", "attempts": [
        {"at": ago(30), "place": "某镇某路1号", "outcome": "refused",
         "witness": {"name": "王某", "organisation": "某村村委会"}, "evidence_ids": [photo]}
    ], "served_attempt": 0})
}

/// (task, its check-in), submitted and waiting for review.
async fn submitted_task(app: &TestApp, side: &Side, n: u32) -> (i64, i64) {
    let (id, check_in) = task_in_progress(app, side, n).await;
    let photo = upload(app, side, id, n).await;
    ok(
        app.post(
            &format!("/api/v1/tasks/{id}/submission"),
            Some(&side.worker),
            &json!({"client_id": format!("sub-{id}"), "result": result_with(photo)}),
        )
        .await,
        "submit",
    )
    .await;
    (id, check_in)
}

/// (task, its check-in)
async fn approved_task(app: &TestApp, side: &Side, n: u32) -> (i64, i64) {
    let (id, check_in) = submitted_task(app, side, n).await;
    ok(
        app.post(
            &format!("/api/v1/tasks/{id}/review"),
            Some(&side.officer),
            &json!({"decision": "approve", "rating": 5}),
        )
        .await,
        "approve",
    )
    .await;
    (id, check_in)
}

pub(crate) async fn build_world() -> World {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let mut personal = Vec::new();
    let a = build_side(&app, &admin, "A", 120.00, &mut personal).await;
    let mut b_personal = Vec::new();
    let b = build_side(&app, &admin, "B", 121.00, &mut b_personal).await;
    let mut b_markers = b_personal.clone();
    b_markers.push("(2026)苏1283执202号".into());
    b_markers.push("worker.B0".into());
    personal.extend(b_personal);
    let module = ok(
        app.post(
            "/api/v1/training/modules",
            Some(&admin),
            &json!({"title": "送达规范", "task_kinds": ["serve_documents"], "reasons": ["illegible"],
                    "validity_days": 365, "pass_score": 80}),
        )
        .await,
        "module",
    )
    .await;
    let partner_a = partner(&app, &admin, "住建局A").await;
    let partner_b = partner(&app, &admin, "公安局B").await;
    let check_key = partner_key(&app, &admin, partner_a, "dishonest:check").await;
    let subscribe_key = partner_key(&app, &admin, partner_a, "dishonest:subscribe").await;
    let b_key = partner_key(&app, &admin, partner_b, "dishonest:subscribe").await;
    let subscription_id = subscription(&app, &subscribe_key, "https://a-partner.example/hook").await;
    let b_url = "https://b-partner.example/hook";
    let b_subscription_id = subscription(&app, &b_key, b_url).await;
    b_markers.push(b_url.into());
    World {
        app,
        admin,
        a,
        b,
        module_id: module["id"].as_i64().expect("module id"),
        personal,
        b_markers,
        counter: std::cell::Cell::new(0),
        partner_id: partner_a,
        check_key,
        subscribe_key,
        subscription_id,
        b_subscription_id,
    }
}

async fn partner(app: &TestApp, admin: &str, name: &str) -> i64 {
    ok(
        app.post("/api/v1/partners", Some(admin), &json!({"name": name}))
            .await,
        "partner",
    )
    .await["id"]
        .as_i64()
        .expect("partner id")
}

async fn partner_key(app: &TestApp, admin: &str, partner: i64, scope: &str) -> String {
    ok(
        app.post(
            &format!("/api/v1/partners/{partner}/keys"),
            Some(admin),
            &json!({"scopes": [scope]}),
        )
        .await,
        "partner key",
    )
    .await["key"]
        .as_str()
        .expect("key")
        .to_owned()
}

async fn subscription(app: &TestApp, key: &str, url: &str) -> i64 {
    let r = app
        .client
        .post(app.url("/api/v1/dishonest-subscriptions"))
        .header("authorization", format!("ApiKey {key}"))
        .json(&json!({"url": url}))
        .send()
        .await
        .expect("subscribe");
    ok(crate::helpers::Reply::from(r).await, "subscription").await["id"]
        .as_i64()
        .expect("subscription id")
}

// ---- the probes ----------------------------------------------------------------------------

pub(crate) enum Body {
    None,
    Json(Value),
    Raw(&'static str, Vec<u8>),
}

pub(crate) struct Probe {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) body: Body,
    pub(crate) if_match: Option<String>,
    /// The out-of-scope object is named in the body (`task_ids`, `line_id`, `worker_id`), not
    /// the path: it is invalid input, answered 400 naming the field exactly as an id that does
    /// not exist would be — existence is not revealed either way. The id named.
    pub(crate) body_reference: Option<i64>,
}

pub(crate) fn get(path: String) -> Option<Probe> {
    Some(Probe {
        method: Method::GET,
        path,
        body: Body::None,
        if_match: None,
        body_reference: None,
    })
}

fn delete(path: String) -> Option<Probe> {
    get(path).map(|p| Probe {
        method: Method::DELETE,
        ..p
    })
}

pub(crate) fn send(method: Method, path: String, body: Value) -> Option<Probe> {
    Some(Probe {
        method,
        path,
        body: Body::Json(body),
        if_match: None,
        body_reference: None,
    })
}

pub(crate) fn post(path: String, body: Value) -> Option<Probe> {
    send(Method::POST, path, body)
}

fn by_reference(probe: Option<Probe>, id: i64) -> Option<Probe> {
    probe.map(|p| Probe {
        body_reference: Some(id),
        ..p
    })
}

/// `value` with every number equal to `id` replaced by `by`.
fn replace_id(value: &mut Value, id: i64, by: i64) {
    match value {
        Value::Number(n) if n.as_i64() == Some(id) => *value = json!(by),
        Value::Array(items) => items.iter_mut().for_each(|v| replace_id(v, id, by)),
        Value::Object(map) => map.values_mut().for_each(|v| replace_id(v, id, by)),
        _ => {}
    }
}

pub(crate) async fn etag(w: &World, task: i64) -> String {
    let r = w.app.get(&format!("/api/v1/tasks/{task}"), Some(&w.admin)).await;
    r.headers
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("task {task} has no ETag: {}", r.text))
}

/// The request made for `op`: on side A when `in_scope`, else on side B. `fresh` asks
/// for an object of its own where the call would change or use one up (a granted in-scope
/// call); refusals may share the standing objects. None: the operation has no object outside
/// the caller's scope to aim at.
pub(crate) async fn probe(w: &World, op: Operation, in_scope: bool, fresh: bool) -> Option<Probe> {
    use Operation::*;
    let s = w.side(in_scope);
    let n = w.next();
    let fresh_assigned = || async move {
        if fresh {
            new_task(&w.app, s).await
        } else {
            s.assigned
        }
    };
    match op {
        Healthz => get("/healthz".into()),
        Readyz => get("/readyz".into()),
        Metrics => get("/metrics".into()),
        Login => post(
            "/api/v1/auth/login".into(),
            json!({"username": "officer.A", "password": PASSWORD}),
        ),
        Refresh => {
            let login = w.app.login("officer.A", PASSWORD).await;
            post(
                "/api/v1/auth/refresh".into(),
                json!({"refresh_token": login.body["refresh_token"]}),
            )
        }
        Logout => post("/api/v1/auth/logout".into(), json!({})),
        Me => get("/api/v1/me".into()),
        CreateCourt => post(
            "/api/v1/courts".into(),
            json!({"code": format!("CX{n}"), "name": format!("第{n}法院")}),
        ),
        ListCourts => get("/api/v1/courts".into()),
        CreateTownship => post(
            "/api/v1/townships".into(),
            json!({"code": format!("TX{n}"), "name": format!("第{n}镇"), "court_id": s.court_id}),
        ),
        ListTownships if in_scope => get("/api/v1/townships".into()),
        ListTownships => get(format!("/api/v1/townships?court_id={}", s.court_id)),
        ImportGrids => {
            let code = if in_scope { "TA" } else { "TB" };
            let fc = collection(vec![square(
                &format!("GX{n}"),
                code,
                125.0 + n as f64 * 0.02,
                30.0,
                0.01,
            )]);
            post("/api/v1/grids/import?crs=wgs84".into(), fc)
        }
        ListGrids if in_scope => get("/api/v1/grids".into()),
        ListGrids => get(format!("/api/v1/grids?township_id={}", s.township_id)),
        Locate => get(format!(
            "/api/v1/grids/locate?lat={}&lon={}",
            s.point.1, s.point.0
        )),
        CreateUser => post(
            "/api/v1/users".into(),
            json!({"username": format!("new.user{n}"), "display_name": "新用户", "password": PASSWORD,
                   "role": "worker", "township_id": s.township_id}),
        ),
        ListUsers => get("/api/v1/users".into()),
        GetUser => get(format!("/api/v1/users/{}", s.worker_id)),
        UpdateUser => send(
            Method::PATCH,
            format!("/api/v1/users/{}", s.colleague_id),
            json!({"display_name": format!("改名{n}")}),
        ),
        ListWorkers if in_scope => get("/api/v1/workers".into()),
        ListWorkers => get(format!("/api/v1/workers?township_id={}", s.township_id)),
        GetWorker => get(format!("/api/v1/workers/{}", s.worker_id)),
        UpdateWorker => send(
            Method::PUT,
            format!("/api/v1/workers/{}", s.colleague_id),
            json!({"primary_grid_id": s.grid_ids[1], "capacity": 100, "availability": "active",
                   "certifications": [{"task_kind": "serve_documents", "certified_on": "2026-01-05"}]}),
        ),
        CreateCase if in_scope => post(
            "/api/v1/cases".into(),
            json!({"case_number": format!("(2026)苏1283执{}号", 1000 + n), "amount_owed_fen": 100,
                   "filed_on": "2026-01-10", "parties": [
                       {"role": "applicant", "kind": "person", "name": "甲"},
                       {"role": "debtor", "kind": "person", "name": "乙"}]}),
        ),
        CreateCase => None,
        ListCases => {
            if in_scope {
                get("/api/v1/cases".into())
            } else {
                None
            }
        }
        GetCase => get(format!("/api/v1/cases/{}", s.case_id)),
        CreateTask => post(
            format!("/api/v1/cases/{}/tasks", s.case_id),
            json!({"kind": "serve_documents", "target": {"lat": s.point.1, "lon": s.point.0}}),
        ),
        ListTasks if in_scope => get("/api/v1/tasks".into()),
        ListTasks => get(format!("/api/v1/tasks?township_id={}", s.township_id)),
        GetTask => get(format!("/api/v1/tasks/{}", s.approved)),
        TaskEvents => get(format!("/api/v1/tasks/{}/events", s.approved)),
        AcceptTask => post(
            format!("/api/v1/tasks/{}/accept", fresh_assigned().await),
            json!({}),
        ),
        DeclineTask => post(
            format!("/api/v1/tasks/{}/decline", fresh_assigned().await),
            json!({"reason": "overloaded"}),
        ),
        CancelTask => post(
            format!("/api/v1/tasks/{}/cancel", fresh_assigned().await),
            json!({}),
        ),
        AssignTask => {
            let task = fresh_assigned().await;
            let mut p = post(
                format!("/api/v1/tasks/{task}/assign"),
                json!({"worker_id": s.colleague_id}),
            )?;
            p.if_match = Some(etag(w, task).await);
            Some(p)
        }
        PinTask => {
            let task = if fresh {
                let r = w
                    .app
                    .post(
                        &format!("/api/v1/cases/{}/tasks", s.case_id),
                        Some(&s.officer),
                        &json!({"kind": "serve_documents", "target_address": "某镇某路9号"}),
                    )
                    .await;
                ok(r, "unplaced task").await["task"]["id"].as_i64().expect("id")
            } else {
                s.queued
            };
            post(
                format!("/api/v1/tasks/{task}/target"),
                json!({"lat": s.point.1, "lon": s.point.0}),
            )
        }
        Optimize if in_scope => post("/api/v1/assignments/optimize".into(), json!({"dry_run": true})),
        Optimize => by_reference(
            post(
                "/api/v1/assignments/optimize".into(),
                json!({"dry_run": true, "task_ids": [s.queued]}),
            ),
            s.queued,
        ),
        CreateCheckIn => {
            let task = if fresh {
                let id = new_task(&w.app, s).await;
                ok(
                    w.app
                        .post(&format!("/api/v1/tasks/{id}/accept"), Some(&s.worker), &json!({}))
                        .await,
                    "accept",
                )
                .await;
                id
            } else {
                s.in_progress
            };
            post(
                format!("/api/v1/tasks/{task}/check-ins"),
                json!({"client_id": format!("probe-{n}"), "lat": s.point.1, "lon": s.point.0,
                       "accuracy_m": 8.0, "captured_at": ago(1)}),
            )
        }
        UploadEvidence => Some(Probe {
            method: Method::POST,
            path: format!("/api/v1/tasks/{}/evidence?kind=photo", s.in_progress),
            body: Body::Raw("application/octet-stream", jpeg(10_000 + n)),
            if_match: None,
            body_reference: None,
        }),
        DownloadEvidence => get(format!("/api/v1/evidence/{}", s.evidence_id)),
        ListEvidence => get(format!("/api/v1/tasks/{}/evidence", s.approved)),
        SubmitResult => {
            let (task, photo) = if fresh {
                let (id, _) = task_in_progress(&w.app, s, n).await;
                (id, upload(&w.app, s, id, n).await)
            } else {
                (s.in_progress, s.evidence_id)
            };
            post(
                format!("/api/v1/tasks/{task}/submission"),
                json!({"client_id": format!("probe-{n}"), "result": result_with(photo)}),
            )
        }
        ListSubmissions => get(format!("/api/v1/tasks/{}/submissions", s.approved)),
        ReviewResult => {
            let task = if fresh {
                submitted_task(&w.app, s, n).await.0
            } else {
                s.submitted
            };
            post(
                format!("/api/v1/tasks/{task}/review"),
                json!({"decision": "approve", "rating": 4}),
            )
        }
        RecordOutcome => post(
            format!("/api/v1/tasks/{}/outcome", s.approved),
            json!({"amount_recovered_fen": 200}),
        ),
        GetOutcome => get(format!("/api/v1/tasks/{}/outcome", s.approved)),
        SyncTasks if in_scope => get("/api/v1/me/tasks".into()),
        SyncTasks => None,
        ListNotifications => get("/api/v1/notifications".into()),
        RetryNotification => {
            let id = if fresh { dead_notification(w).await } else { 1 };
            post(format!("/api/v1/notifications/{id}/retry"), json!({}))
        }
        GetScheme => get("/api/v1/scoring/scheme".into()),
        PutScheme => {
            let current = w.app.get("/api/v1/scoring/scheme", Some(&w.admin)).await;
            send(
                Method::PUT,
                "/api/v1/scoring/scheme".into(),
                json!({"scheme": current.body["scheme"]}),
            )
        }
        GetBoard => get(format!(
            "/api/v1/scores?period={}&township_id={}",
            this_month(),
            s.township_id
        )),
        ClosePeriod => post(
            "/api/v1/scores/close".into(),
            json!({"period": format!("2025-{:02}", 1 + n % 12), "township_id": s.township_id}),
        ),
        WorkerScores => get(format!(
            "/api/v1/workers/{}/scores?period={}",
            s.worker_id,
            this_month()
        )),
        Incentives => get(format!(
            "/api/v1/incentives?period={}&township_id={}",
            this_month(),
            s.township_id
        )),
        CreateAppeal => by_reference(
            post(
                "/api/v1/score-appeals".into(),
                json!({"line_id": s.free_line, "reason": "申诉理由"}),
            ),
            s.free_line,
        ),
        ListAppeals if in_scope => get("/api/v1/score-appeals".into()),
        ListAppeals => None,
        DecideAppeal => post(
            format!("/api/v1/score-appeals/{}/decision", s.appeal_id),
            json!({"decision": "reject", "reason": "评分无误"}),
        ),
        CreateModule => post(
            "/api/v1/training/modules".into(),
            json!({"title": format!("模块{n}"), "task_kinds": ["serve_documents"], "reasons": [],
                   "validity_days": 365, "pass_score": 80}),
        ),
        ListModules => get("/api/v1/training/modules".into()),
        RecordCompletion => by_reference(
            post(
                format!("/api/v1/training/modules/{}/completions", w.module_id),
                json!({"worker_id": s.worker_id, "completed_on": gridassist::domain::time::today_local().to_string(),
                   "quiz_score": 90}),
            ),
            s.worker_id,
        ),
        WorkerTraining => get(format!("/api/v1/workers/{}/training", s.worker_id)),
        DisputeCheckIn => post(
            format!("/api/v1/check-ins/{}/dispute", s.check_in_id),
            json!({"reason": "定位与现场不符"}),
        ),
        ClawBack => post(
            format!("/api/v1/tasks/{}/clawback", s.approved),
            json!({"reason": "送达回证系伪造"}),
        ),
        CloseCase => {
            let case = if fresh {
                let r = w
                    .app
                    .post(
                        "/api/v1/cases",
                        Some(&s.officer),
                        &json!({"case_number": format!("(2026)苏1283执{}号", 5000 + n), "amount_owed_fen": 100,
                                "filed_on": "2026-01-10", "parties": [
                                    {"role": "applicant", "kind": "person", "name": "甲"},
                                    {"role": "debtor", "kind": "person", "name": "乙"}]}),
                    )
                    .await;
                ok(r, "case to close").await["id"].as_i64().expect("case id")
            } else {
                s.case_id
            };
            post(
                format!("/api/v1/cases/{case}/close"),
                json!({"status": "concluded"}),
            )
        }
        IssueAccessCode => post(format!("/api/v1/cases/{}/access-code", s.case_id), json!({})),
        AccessCodeState => get(format!("/api/v1/cases/{}/access-code", s.case_id)),
        RevokeAccessCode => {
            if fresh {
                let issued = w
                    .app
                    .post(
                        &format!("/api/v1/cases/{}/access-code", s.case_id),
                        Some(&w.admin),
                        &json!({}),
                    )
                    .await;
                ok(issued, "issue a code to revoke").await;
            }
            delete(format!("/api/v1/cases/{}/access-code", s.case_id))
        }
        CaseProgress => {
            let issued = w
                .app
                .post(
                    &format!("/api/v1/cases/{}/access-code", s.case_id),
                    Some(&w.admin),
                    &json!({}),
                )
                .await;
            let code = ok(issued, "issue a code").await["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            get(format!("/api/v1/public/cases/{code}/progress"))
        }
        CourtStatistics => get(format!(
            "/api/v1/statistics?period={}&court_id={}",
            this_month(),
            s.court_id
        )),
        ListAuditEvents => get("/api/v1/audit-events".into()),
        VerifyAuditEvents => post("/api/v1/audit-events/verify".into(), json!({})),

        CreateEntry => post(
            "/api/v1/dishonest-entries".into(),
            json!({"court_id": s.court_id, "name": "某某", "id_number": id_number(&format!("32128319800101{:03}", n % 1000)),
                   "case_number": format!("(2026)苏1283执{}号", 7000 + n), "listed_on": "2026-02-01",
                   "reason": "able_but_refused"}),
        ),
        ListEntries => get("/api/v1/dishonest-entries".into()),
        GetEntry => get(format!("/api/v1/dishonest-entries/{}", s.entry_id)),
        UpdateEntry => send(
            Method::PATCH,
            format!("/api/v1/dishonest-entries/{}", s.entry_id),
            json!({"note": "复核无误"}),
        ),
        RemoveEntry => {
            let entry = if fresh {
                let r = w
                    .app
                    .post(
                        "/api/v1/dishonest-entries",
                        Some(&w.admin),
                        &json!({"court_id": s.court_id, "name": "某某",
                                "id_number": id_number(&format!("32128319800201{:03}", n % 1000)),
                                "case_number": format!("(2026)苏1283执{}号", 8000 + n),
                                "listed_on": "2026-02-01", "reason": "able_but_refused"}),
                    )
                    .await;
                ok(r, "entry to remove").await["id"].as_i64().expect("entry id")
            } else {
                s.entry_id
            };
            post(
                format!("/api/v1/dishonest-entries/{entry}/removal"),
                json!({"reason": "performed"}),
            )
        }
        ImportEntries => Some(Probe {
            method: Method::POST,
            path: format!("/api/v1/dishonest-entries/import?court_id={}", s.court_id),
            body: Body::Raw(
                "text/csv",
                format!(
                    "姓名,证件号码,案号,列入日期,失信情形\n某某,{},(2026)苏1283执{}号,2026-02-01,able_but_refused\n",
                    id_number(&format!("32128319800301{:03}", n % 1000)),
                    9000 + n
                )
                .into_bytes(),
            ),
            if_match: None,
            body_reference: None,
        }),
        CreatePartner => post("/api/v1/partners".into(), json!({"name": format!("民政局{n}")})),
        ListPartners => get("/api/v1/partners".into()),
        IssueKey => post(
            format!("/api/v1/partners/{}/keys", w.partner_id),
            json!({"scopes": ["dishonest:check"]}),
        ),
        ListKeys => get(format!("/api/v1/partners/{}/keys", w.partner_id)),
        UpdateKey => {
            let issued = w
                .app
                .post(
                    &format!("/api/v1/partners/{}/keys", w.partner_id),
                    Some(&w.admin),
                    &json!({"scopes": ["dishonest:check"]}),
                )
                .await;
            let key = ok(issued, "key to re-budget").await["id"].as_i64().expect("key id");
            send(
                Method::PATCH,
                format!("/api/v1/partners/{}/keys/{key}", w.partner_id),
                json!({"identities_per_day": 5_000 + n, "identities_per_minute": null}),
            )
        }
        RevokeKey => {
            let issued = w
                .app
                .post(
                    &format!("/api/v1/partners/{}/keys", w.partner_id),
                    Some(&w.admin),
                    &json!({"scopes": ["dishonest:check"]}),
                )
                .await;
            let key = ok(issued, "key to revoke").await["id"].as_i64().expect("key id");
            post(
                format!("/api/v1/partners/{}/keys/{key}/revoke", w.partner_id),
                json!({}),
            )
        }
        CheckIdentities => post(
            "/api/v1/dishonest-checks".into(),
            json!({"id_number": id_number("32128319800101123")}),
        ),
        CreateSubscription => post(
            "/api/v1/dishonest-subscriptions".into(),
            json!({"url": format!("https://a-partner.example/hook/{n}")}),
        ),
        ListSubscriptions => get("/api/v1/dishonest-subscriptions".into()),
        DeleteSubscription => {
            let id = if !in_scope {
                w.b_subscription_id
            } else if fresh {
                subscription(&w.app, &w.subscribe_key, &format!("https://a-partner.example/gone/{n}")).await
            } else {
                w.subscription_id
            };
            delete(format!("/api/v1/dishonest-subscriptions/{id}"))
        }
    }
}

/// A notification the webhook gave up on, as the retry endpoint expects.
async fn dead_notification(w: &World) -> i64 {
    let list = w
        .app
        .get("/api/v1/notifications?status=pending", Some(&w.admin))
        .await;
    let id = list.body["items"]
        .as_array()
        .and_then(|items| items.first())
        .and_then(|m| m["id"].as_i64())
        .unwrap_or_else(|| panic!("no pending notification: {}", list.text));
    w.app
        .app_state
        .db
        .run(move |conn| {
            gridassist::repo::outbox::mark_dead(conn, id, 10, "receiver gone")?;
            Ok::<_, gridassist::error::ApiError>(())
        })
        .await
        .expect("mark dead");
    id
}

pub(crate) async fn call(w: &World, p: &Probe, token: Option<&str>) -> crate::helpers::Reply {
    call_as(w, p, token.map(|t| format!("Bearer {t}"))).await
}

/// `p` sent with this `Authorization` header (a partner's `ApiKey …`, say).
pub(crate) async fn call_as(w: &World, p: &Probe, authorization: Option<String>) -> crate::helpers::Reply {
    let mut request = w.app.client.request(p.method.clone(), w.app.url(&p.path));
    if let Some(a) = authorization {
        request = request.header("authorization", a);
    }
    if let Some(tag) = &p.if_match {
        request = request.header("If-Match", tag);
    }
    request = match &p.body {
        Body::None => request,
        Body::Json(v) => request.json(v),
        Body::Raw(content_type, bytes) => request.header("content-type", *content_type).body(bytes.clone()),
    };
    crate::helpers::Reply::from(request.send().await.expect("request")).await
}

pub(crate) fn leaks<'a>(text: &str, secrets: &'a [String]) -> Vec<&'a str> {
    secrets
        .iter()
        .filter(|s| text.contains(s.as_str()))
        .map(String::as_str)
        .collect()
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
    let f = crate::fixtures::field(&app).await;
    let admin = app.admin_token().await;
    let (worker_id, worker) = f.workers[0].clone();
    let created = app
        .post(
            &format!("/api/v1/cases/{}/tasks", f.case_id),
            Some(&f.officer),
            &json!({"kind": "serve_documents", "target": {"lat": 32.005, "lon": 120.005}}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let task = created.body["task"]["id"].as_i64().unwrap();
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
