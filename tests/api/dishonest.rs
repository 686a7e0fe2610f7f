//! The list of dishonest debtors and the partner departments that check against it: courts
//! maintain the list (court-scoped, audited, CSV import with a per-row report); partners check
//! identities with scoped, revocable, rate-limited API keys and hear only "listed or not", the
//! case and the court; they subscribe signed webhooks for additions and removals; and a removal
//! cancels open publicity tasks and sends the worker who posted the notice a take-down task that
//! reaches their phone.

use gridassist::geo::LatLon;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::fixtures::work::{ago, fix, jpeg};
use crate::fixtures::{Case, CaseBuilder, Field, FieldBuilder, Party, Task, TaskBuilder, field, id_number};
use crate::helpers::{Reply, TestApp, spawn_app, spawn_app_with};
use crate::webhook_receiver::{Delivery, Receiver};

/// The case of [`field`].
const CASE: &str = "(2026)苏1283执7号";
/// A case with a debtor who carries an ID number, for the removal flow.
const TD_CASE: &str = "(2026)苏1283执20号";

/// A partner with one key of the given scopes: (partner id, key id, key).
async fn partner_key(app: &TestApp, admin: &str, name: &str, scopes: &[&str]) -> (i64, i64, String) {
    let partner = app
        .post("/api/v1/partners", Some(admin), &json!({"name": name}))
        .await;
    let partner_id = match partner.status {
        StatusCode::CREATED => partner.body["id"].as_i64().unwrap(),
        _ => {
            // The partner exists already: find it.
            let list = app.get("/api/v1/partners?limit=200", Some(admin)).await;
            list.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == name)
                .and_then(|p| p["id"].as_i64())
                .unwrap_or_else(|| panic!("{}", partner.text))
        }
    };
    let key = app
        .issue_partner_key(admin, partner_id, &json!({"scopes": scopes, "label": "审批系统"}))
        .await;
    assert_eq!(key.status, 201, "{}", key.text);
    (
        partner_id,
        key.body["id"].as_i64().unwrap(),
        key.body["key"].as_str().unwrap().to_owned(),
    )
}

fn person() -> String {
    id_number("32128319800101123")
}

fn entry(id: &str, case_number: &str) -> Value {
    json!({"name": "张三", "id_number": id, "case_number": case_number, "listed_on": "2026-01-10",
           "reason": "able_but_refused", "note": "拒不履行还款义务，住址泰兴市黄桥镇"})
}

async fn create_entry(app: &TestApp, token: &str, body: &Value) -> i64 {
    let r = app.post("/api/v1/dishonest-entries", Some(token), body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["id"].as_i64().unwrap()
}

async fn audit(app: &TestApp, admin: &str, action: &str) -> Vec<Value> {
    let r = app
        .get(
            &format!("/api/v1/audit-events?action={action}&limit=200"),
            Some(admin),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn partner_keys_are_scoped_revocable_and_open_nothing_else() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (partner, check_key_id, check_key) =
        partner_key(&app, &admin, "泰兴市行政审批局", &["dishonest:check"]).await;
    let (_, _, subscribe_key) = partner_key(&app, &admin, "泰兴市行政审批局", &["dishonest:subscribe"]).await;
    let body = json!({"id_number": person()});

    // No key, a user's token, a made-up key, a real id with a wrong secret: 401, asking for a key.
    let none = app
        .send_as(
            reqwest::Method::POST,
            "/api/v1/dishonest-checks",
            None,
            Some(&body),
        )
        .await;
    none.assert_problem(401, "unauthenticated");
    assert_eq!(none.headers["www-authenticate"], "ApiKey");
    app.post("/api/v1/dishonest-checks", Some(&admin), &body)
        .await
        .assert_problem(401, "unauthenticated");
    app.check_identities(
        "gapk_0123456789abcdef_notarealsecretnotarealsecretnotarealsecret",
        &body,
    )
    .await
    .assert_problem(401, "unauthenticated");
    // `gapk_` and 16 hex characters of public id, then the secret.
    let (id_part, secret) = check_key.split_at(21);
    let forged = format!("{id_part}_{}", "A".repeat(43));
    app.check_identities(&forged, &body)
        .await
        .assert_problem(401, "unauthenticated");

    // A key without the scope: 403 naming it. With it: 200.
    let wrong = app.check_identities(&subscribe_key, &body).await;
    wrong.assert_problem(403, "forbidden");
    assert!(wrong.body["detail"].as_str().unwrap().contains("dishonest:check"));
    assert_eq!(app.check_identities(&check_key, &body).await.status, 200);
    let subscribe = app
        .subscribe(&check_key, &json!({"url": "https://hooks.example.org/x"}))
        .await;
    subscribe.assert_problem(403, "forbidden");
    // Webhooks carry ID numbers: https only (unless on-premises receivers are allowed).
    app.subscribe(&subscribe_key, &json!({"url": "http://hooks.example.org/x"}))
        .await
        .assert_problem(400, "invalid_input");

    // A partner key opens no other operation, and the ordinary API does not take it as a token.
    for path in ["/api/v1/me", "/api/v1/dishonest-entries", "/api/v1/partners"] {
        let r = app.as_partner(reqwest::Method::GET, path, &check_key, None).await;
        r.assert_problem(401, "unauthenticated");
        let r = app.get(path, Some(&check_key)).await;
        r.assert_problem(401, "unauthenticated");
    }

    // Admins see the keys without their secrets, with when they were last used.
    let keys = app
        .get(&format!("/api/v1/partners/{partner}/keys"), Some(&admin))
        .await;
    assert_eq!(keys.status, 200, "{}", keys.text);
    assert!(!keys.text.contains(&secret[1..]), "no secret in the listing");
    let listed = &keys.body["items"][0];
    assert_eq!(listed["id"], check_key_id);
    assert_eq!(listed["scopes"], json!(["dishonest:check"]));
    assert!(check_key.starts_with(listed["prefix"].as_str().unwrap()));
    assert!(listed["last_used_at"].is_string());
    assert_eq!(listed["active"], true);

    // Revoked: 401 at once; revoking twice is a conflict.
    let revoke = format!("/api/v1/partners/{partner}/keys/{check_key_id}/revoke");
    let revoked = app.post(&revoke, Some(&admin), &json!({})).await;
    assert_eq!(revoked.status, 200, "{}", revoked.text);
    assert_eq!(revoked.body["active"], false);
    app.check_identities(&check_key, &body)
        .await
        .assert_problem(401, "unauthenticated");
    app.post(&revoke, Some(&admin), &json!({}))
        .await
        .assert_problem(409, "invalid_transition");

    // Only admins manage partners; a key needs a scope.
    let c = crate::fixtures::county(&app).await;
    let officer = app.officer_of(&admin, "officer.zhou", c.court_id).await;
    app.post("/api/v1/partners", Some(&officer), &json!({"name": "住建局"}))
        .await
        .assert_problem(403, "forbidden");
    app.issue_partner_key(&admin, partner, &json!({"scopes": []}))
        .await
        .assert_problem(400, "invalid_input");
    app.issue_partner_key(&admin, partner, &json!({"scopes": ["cases:read"]}))
        .await
        .assert_problem(400, "malformed_body");
    app.issue_partner_key(&admin, 999, &json!({"scopes": ["dishonest:check"]}))
        .await
        .assert_problem(404, "not_found");
}

/// The county of [`field`] with the debtor on the list: (field, entry id).
async fn listed_debtor(app: &TestApp) -> (Field, i64) {
    let f = field(app).await;
    let id = create_entry(app, &f.officer, &entry(&person(), CASE)).await;
    (f, id)
}

#[tokio::test]
async fn a_partner_hears_only_listed_or_not_with_the_case_and_the_court_and_every_check_is_audited() {
    // A full batch of 1,000 right after other checks needs more than the default minute's budget.
    let app = spawn_app_with(&[("GRIDASSIST_PARTNER_IDENTITIES_PER_MINUTE", "5000".to_owned())]).await;
    let (f, entry_id) = listed_debtor(&app).await;
    let admin = app.admin_token().await;
    let org = "91350100M000100Y43";
    let mut org_entry = entry(org, "(2025)苏1283执3号");
    org_entry["name"] = json!("某某建材有限公司");
    create_entry(&app, &f.officer, &org_entry).await;
    let (partner, key_id, key) =
        partner_key(&app, &admin, "泰兴市住房和城乡建设局", &["dishonest:check"]).await;

    let listed = person();
    let unlisted = id_number("32128319900202456");
    let r = app
        .check_identities(
            &key,
            &json!({"id_numbers": [listed.to_lowercase(), unlisted, "12345", org.to_lowercase()]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (
            r.body["checked"].as_u64(),
            r.body["listed"].as_u64(),
            r.body["invalid"].as_u64()
        ),
        (Some(3), Some(2), Some(1))
    );
    let results = r.body["results"].as_array().unwrap();
    assert_eq!(
        results[0],
        json!({"index": 0, "id_number": listed, "listed": true,
               "listings": [{"case_number": CASE, "court": {"code": "C1", "name": "C1法院"}}]}),
        "exactly listed, the case and the court"
    );
    assert_eq!(
        results[1],
        json!({"index": 1, "id_number": unlisted, "listed": false, "listings": []})
    );
    assert_eq!(results[2]["error"]["field"], "id_numbers[2]");
    assert!(results[2].get("listed").is_none());
    assert_eq!(results[3]["listed"], true);
    for secret in [
        "张三",
        "able_but_refused",
        "拒不履行",
        "黄桥镇",
        "某某建材",
        "2026-01-10",
    ] {
        assert!(!r.text.contains(secret), "{secret} leaked: {}", r.text);
    }

    // One identifier works the same; a removed debtor is no longer listed.
    let one = app.check_identities(&key, &json!({"id_number": listed})).await;
    assert_eq!(one.body["results"][0]["listed"], true);
    let removed = app
        .post(
            &format!("/api/v1/dishonest-entries/{entry_id}/removal"),
            Some(&f.officer),
            &json!({"reason": "performed"}),
        )
        .await;
    assert_eq!(removed.status, 200, "{}", removed.text);
    let after = app.check_identities(&key, &json!({"id_number": listed})).await;
    assert_eq!(after.body["results"][0]["listed"], false);

    // Batches: up to 1,000, each item judged on its own.
    let thousand: Vec<String> = (0..1000)
        .map(|i| id_number(&format!("110105194912{:05}", 31000 + i)))
        .collect();
    let big = app.check_identities(&key, &json!({"id_numbers": thousand})).await;
    assert_eq!(big.status, 200, "{}", big.text);
    assert_eq!(big.body["results"].as_array().unwrap().len(), 1000);
    let mut too_many = thousand.clone();
    too_many.push(unlisted.clone());
    let refused = app.check_identities(&key, &json!({"id_numbers": too_many})).await;
    refused.assert_problem(400, "invalid_input");
    assert_eq!(refused.body["field"], "id_numbers");
    assert!(refused.body["detail"].as_str().unwrap().contains("1000"));
    app.check_identities(&key, &json!({"id_numbers": []}))
        .await
        .assert_problem(400, "invalid_input");
    app.check_identities(&key, &json!({"id_number": listed, "id_numbers": [listed]}))
        .await
        .assert_problem(400, "invalid_input");

    // Every check is in the audit trail: the partner, the key, how many, which entries matched —
    // and no ID number in clear.
    let rows = audit(&app, &admin, "dishonest.check").await;
    assert_eq!(rows.len(), 4, "the refused requests checked nothing");
    let first = rows.last().unwrap();
    assert_eq!(first["actor_role"], "partner");
    assert_eq!(first["object_type"], "partner");
    assert_eq!(first["object_id"], partner.to_string());
    assert_eq!(first["detail"]["key_id"], key_id);
    assert_eq!(first["detail"]["identities"], 4);
    assert_eq!(first["detail"]["invalid"], 1);
    assert_eq!(first["detail"]["matched_entries"].as_array().unwrap().len(), 2);
    assert!(
        first["detail"]["matched_entries"]
            .as_array()
            .unwrap()
            .contains(&json!(entry_id))
    );
    let trail = app.get("/api/v1/audit-events?limit=200", Some(&admin)).await;
    for id in [&listed, &unlisted, &listed.to_lowercase()] {
        assert!(
            !trail.text.contains(id.as_str()),
            "an ID number in the audit trail"
        );
    }
}

#[tokio::test]
async fn a_key_over_its_rate_limit_is_told_when_to_retry_and_other_keys_are_not_affected() {
    let app = spawn_app_with(&[
        ("GRIDASSIST_PARTNER_RATE_PER_MINUTE", "1".to_owned()),
        ("GRIDASSIST_PARTNER_BURST", "2".to_owned()),
    ])
    .await;
    let admin = app.admin_token().await;
    let (_, _, key) = partner_key(&app, &admin, "公积金中心", &["dishonest:check"]).await;
    let (_, _, other) = partner_key(&app, &admin, "不动产登记中心", &["dishonest:check"]).await;
    let body = json!({"id_number": person()});
    for _ in 0..2 {
        assert_eq!(app.check_identities(&key, &body).await.status, 200);
    }
    let limited = app.check_identities(&key, &body).await;
    limited.assert_problem(429, "too_many_requests");
    let wait: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(
        app.check_identities(&other, &body).await.status,
        200,
        "each key has its own bucket"
    );
    // A refused request checked nothing: three audit rows, not four.
    assert_eq!(audit(&app, &admin, "dishonest.check").await.len(), 3);
}

/// `n` distinct, well-formed national ID numbers (none of them listed).
fn identities(n: usize, from: usize) -> Vec<String> {
    (from..from + n)
        .map(|i| id_number(&format!("32128319750101{:03}", i % 1000)))
        .collect()
}

async fn check_batch(app: &TestApp, key: &str, ids: &[String]) -> Reply {
    app.check_identities(key, &json!({ "id_numbers": ids })).await
}

fn retry_after(r: &Reply) -> u64 {
    r.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After in seconds")
}

/// The admin's view of one key of a partner.
async fn key_listing(app: &TestApp, admin: &str, partner: i64, key_id: i64) -> Value {
    let keys = app
        .get(&format!("/api/v1/partners/{partner}/keys"), Some(admin))
        .await;
    assert_eq!(keys.status, 200, "{}", keys.text);
    keys.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == key_id)
        .cloned()
        .unwrap()
}

/// The admins' notices that a key has spent most of its daily budget.
async fn budget_alerts(app: &TestApp, admin: &str) -> Vec<Value> {
    let outbox = app.get("/api/v1/notifications?limit=200", Some(admin)).await;
    assert_eq!(outbox.status, 200, "{}", outbox.text);
    outbox.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["event_type"] == "partner_key.daily_budget_alert")
        .cloned()
        .collect()
}

/// Server settings that keep the request-rate limit out of the way of the identity budgets.
fn budget_settings(per_minute: &str, per_day: &str) -> Vec<(&'static str, String)> {
    vec![
        ("GRIDASSIST_PARTNER_RATE_PER_MINUTE", "6000".to_owned()),
        ("GRIDASSIST_PARTNER_BURST", "100".to_owned()),
        ("GRIDASSIST_PARTNER_IDENTITIES_PER_MINUTE", per_minute.to_owned()),
        ("GRIDASSIST_PARTNER_IDENTITIES_PER_DAY", per_day.to_owned()),
    ]
}

#[tokio::test]
async fn a_key_checks_at_most_its_budget_of_identities_a_minute_and_a_refused_request_spends_nothing() {
    let app = spawn_app_with(&budget_settings("5", "1000")).await;
    let admin = app.admin_token().await;
    let (partner, key_id, key) = partner_key(&app, &admin, "公积金中心", &["dishonest:check"]).await;

    // Three of five; then three more do not fit and are refused whole, told when they will.
    let first = check_batch(&app, &key, &identities(3, 0)).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body["checked"], 3);
    let refused = check_batch(&app, &key, &identities(3, 3)).await;
    refused.assert_problem(429, "too_many_requests");
    let wait = retry_after(&refused);
    assert!((1..=60).contains(&wait), "{wait}");
    let detail = refused.body["detail"].as_str().unwrap();
    assert!(detail.contains("5 identities a minute"), "{detail}");
    // The refused three were not counted: two more still fit, then nothing does.
    assert_eq!(check_batch(&app, &key, &identities(2, 6)).await.status, 200);
    check_batch(&app, &key, &identities(1, 8))
        .await
        .assert_problem(429, "too_many_requests");
    // Identifiers answered with an error are not checked and cost nothing.
    let invalid = app
        .check_identities(&key, &json!({"id_numbers": ["12345", "not an id"]}))
        .await;
    assert_eq!(invalid.status, 200, "{}", invalid.text);
    assert_eq!(invalid.body["invalid"], 2);
    // A batch larger than the whole budget could never fit: 400 naming the field and the limit.
    let larger = check_batch(&app, &key, &identities(6, 10)).await;
    larger.assert_problem(400, "invalid_input");
    assert_eq!(larger.body["field"], "id_numbers");
    assert!(
        larger.body["detail"].as_str().unwrap().contains("at most 5"),
        "{}",
        larger.text
    );

    // Only the checks that ran are audited; admins see the budget and today's spending.
    assert_eq!(audit(&app, &admin, "dishonest.check").await.len(), 3);
    let listed = key_listing(&app, &admin, partner, key_id).await;
    assert_eq!(
        listed["budget"],
        json!({"identities_per_minute": 5, "per_minute_is_default": true,
               "identities_per_day": 1000, "per_day_is_default": true, "identities_today": 5})
    );

    // Another key has its own allowance, here one an admin gave it when issuing it.
    let own = app
        .post(
            &format!("/api/v1/partners/{partner}/keys"),
            Some(&admin),
            &json!({"scopes": ["dishonest:check"], "identities_per_minute": 2}),
        )
        .await;
    assert_eq!(own.status, 201, "{}", own.text);
    assert_eq!(own.body["budget"]["identities_per_minute"], 2);
    assert_eq!(own.body["budget"]["per_minute_is_default"], false);
    let own_key = own.body["key"].as_str().unwrap().to_owned();
    check_batch(&app, &own_key, &identities(3, 20))
        .await
        .assert_problem(400, "invalid_input");
    assert_eq!(check_batch(&app, &own_key, &identities(2, 20)).await.status, 200);
    check_batch(&app, &own_key, &identities(1, 22))
        .await
        .assert_problem(429, "too_many_requests");
    // Budgets out of bounds are refused by name.
    for (field, value) in [
        ("identities_per_minute", json!(0)),
        ("identities_per_day", json!(-1)),
    ] {
        let r = app
            .post(
                &format!("/api/v1/partners/{partner}/keys"),
                Some(&admin),
                &json!({"scopes": ["dishonest:check"], field: value}),
            )
            .await;
        r.assert_problem(400, "invalid_input");
        assert_eq!(r.body["field"], field);
    }
}

#[tokio::test]
async fn a_key_checks_at_most_its_daily_budget_and_admins_hear_once_when_most_of_it_is_spent() {
    let app = spawn_app_with(&budget_settings("1000", "10")).await;
    let admin = app.admin_token().await;
    let (partner, key_id, key) = partner_key(&app, &admin, "出入境管理大队", &["dishonest:check"]).await;

    assert_eq!(check_batch(&app, &key, &identities(5, 0)).await.status, 200);
    assert!(
        budget_alerts(&app, &admin).await.is_empty(),
        "half the day's budget is not most of it"
    );
    // Eight of ten is 80 %: the admins are told, once.
    assert_eq!(check_batch(&app, &key, &identities(3, 5)).await.status, 200);
    assert_eq!(check_batch(&app, &key, &identities(2, 8)).await.status, 200);
    let raised = budget_alerts(&app, &admin).await;
    assert_eq!(raised.len(), 1, "{raised:?}");
    let data = &raised[0]["payload"]["data"];
    assert_eq!(data["key_id"], key_id);
    assert_eq!(data["partner_id"], partner);
    assert_eq!(data["identities_checked"], 8);
    assert_eq!(data["identities_per_day"], 10);
    assert_eq!(data["recipient"]["role"], "admin");
    assert!(key.starts_with(data["key_prefix"].as_str().unwrap()));
    let text = raised[0].to_string();
    assert!(!text.contains(&key[21..]), "no secret in the notice");
    assert!(!text.contains(&identities(1, 0)[0]), "no identity in the notice");

    // The day is spent: refused until local midnight, which is more than a minute away unless the
    // test runs in the last minute of a Chinese day.
    let refused = check_batch(&app, &key, &identities(1, 10)).await;
    refused.assert_problem(429, "too_many_requests");
    assert!((1..=86_400).contains(&retry_after(&refused)));
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("10 identities a day")
    );
    assert_eq!(
        key_listing(&app, &admin, partner, key_id).await["budget"]["identities_today"],
        10
    );

    // An admin raises the key's daily budget: it takes effect at the next check. 11 of 20 is
    // under 80 %, so no second notice.
    let path = format!("/api/v1/partners/{partner}/keys/{key_id}");
    let raised_budget = app
        .patch(&path, Some(&admin), &json!({"identities_per_day": 20}))
        .await;
    assert_eq!(raised_budget.status, 200, "{}", raised_budget.text);
    assert_eq!(raised_budget.body["budget"]["identities_per_day"], 20);
    assert_eq!(raised_budget.body["budget"]["per_day_is_default"], false);
    assert_eq!(
        raised_budget.body["budget"]["identities_per_minute"], 1000,
        "left out: unchanged"
    );
    assert_eq!(check_batch(&app, &key, &identities(1, 10)).await.status, 200);
    assert_eq!(budget_alerts(&app, &admin).await.len(), 1);
    let updates = audit(&app, &admin, "partner_key.update").await;
    assert_eq!(updates.len(), 1);
    // `null` returns it to the server's default, which is spent.
    let back = app
        .patch(&path, Some(&admin), &json!({"identities_per_day": null}))
        .await;
    assert_eq!(back.status, 200, "{}", back.text);
    assert_eq!(back.body["budget"]["per_day_is_default"], true);
    check_batch(&app, &key, &identities(1, 11))
        .await
        .assert_problem(429, "too_many_requests");
    // Out of bounds, by name; a revoked key is not re-budgeted; only admins may.
    let bad = app
        .patch(&path, Some(&admin), &json!({"identities_per_day": 0}))
        .await;
    bad.assert_problem(400, "invalid_input");
    assert_eq!(bad.body["field"], "identities_per_day");
    let c = crate::fixtures::county(&app).await;
    let officer = app.officer_of(&admin, "officer.sun", c.court_id).await;
    app.patch(&path, Some(&officer), &json!({"identities_per_day": 50}))
        .await
        .assert_problem(403, "forbidden");
    app.post(&format!("{path}/revoke"), Some(&admin), &json!({}))
        .await;
    app.patch(&path, Some(&admin), &json!({"identities_per_day": 50}))
        .await
        .assert_problem(409, "invalid_transition");
}

#[tokio::test]
async fn a_budget_holds_across_nodes_sharing_the_database_under_concurrent_checks() {
    let settings = budget_settings("12", "1000");
    let one = spawn_app_with(&settings).await;
    let two = one.another_node(&settings).await;
    let admin = one.admin_token().await;
    let (partner, key_id, key) = partner_key(&one, &admin, "市场监管局", &["dishonest:check"]).await;
    // 30 checks of one identity at once, alternating between the nodes: exactly 12 fit.
    let checks = (0..30).map(|i| {
        let node = if i % 2 == 0 { &one } else { &two };
        let ids = identities(1, i);
        let key = key.clone();
        async move { check_batch(node, &key, &ids).await }
    });
    let replies = futures_util::future::join_all(checks).await;
    let ok = replies.iter().filter(|r| r.status == 200).count();
    let refused = replies.iter().filter(|r| r.status == 429).count();
    assert_eq!(
        (ok, refused),
        (12, 18),
        "{:?}",
        replies.iter().map(|r| &r.text).collect::<Vec<_>>()
    );
    assert_eq!(audit(&one, &admin, "dishonest.check").await.len(), 12);
    let listed = key_listing(&two, &admin, partner, key_id).await;
    assert_eq!(listed["budget"]["identities_today"], 12);
}

#[tokio::test]
async fn webhooks_to_loopback_private_or_link_local_addresses_are_refused_when_subscribing() {
    // Room for a dozen requests at once under the key's request rate.
    let app = spawn_app_with(&[("GRIDASSIST_PARTNER_BURST", "20".to_owned())]).await;
    let admin = app.admin_token().await;
    let (_, _, key) = partner_key(&app, &admin, "不动产登记中心", &["dishonest:subscribe"]).await;
    for url in [
        "https://127.0.0.1/hook",
        "https://127.0.0.1:8443/hook",
        "https://10.20.30.40/hook",
        "https://192.168.1.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[fe80::1]/hook",
        // A name is resolved and judged by what it resolves to.
        "https://localhost/hook",
        "https://localhost:9443/hook",
    ] {
        let r = app.subscribe(&key, &json!({ "url": url })).await;
        r.assert_problem(400, "invalid_input");
        assert_eq!(r.body["field"], "url", "{url}: {}", r.text);
        assert!(
            r.body["detail"].as_str().unwrap().contains("public"),
            "{url}: {}",
            r.text
        );
    }
    // Nothing was registered.
    let none = app.subscriptions(&key).await;
    assert_eq!(none.body["items"], json!([]));
    // A public address is taken. So is a name that does not resolve now: nothing is known
    // against it, and every delivery resolves and checks again.
    for url in ["https://203.0.114.7/hook", "https://hooks.partner.example/x"] {
        let r = app.subscribe(&key, &json!({ "url": url })).await;
        assert_eq!(r.status, 201, "{url}: {}", r.text);
    }
}

#[tokio::test]
async fn officers_maintain_their_courts_entries_and_read_other_courts_masked() {
    let app = spawn_app().await;
    let f = field(&app).await;
    let admin = app.admin_token().await;
    let court1 = app.get("/api/v1/courts", Some(&admin)).await.body["items"][0]["id"]
        .as_i64()
        .unwrap();
    let court2 = app.create_court(&admin, "C2").await;
    let other = app.officer_of(&admin, "officer.c2", court2).await;
    let id = person();

    let entry_id = create_entry(&app, &f.officer, &entry(&id, CASE)).await;
    let again = app
        .post(
            "/api/v1/dishonest-entries",
            Some(&f.officer),
            &entry(&id, "(2026)苏1283执7号"),
        )
        .await;
    again.assert_problem(409, "already_listed");
    let mut bad = entry(&id.replace('1', "2"), CASE);
    bad["kind"] = json!("person");
    let refused = app
        .post("/api/v1/dishonest-entries", Some(&f.officer), &bad)
        .await;
    refused.assert_problem(400, "invalid_input");
    assert_eq!(refused.body["field"], "id_number");
    let mut elsewhere = entry(&id, "(2026)苏1283执8号");
    elsewhere["court_id"] = json!(court2);
    app.post("/api/v1/dishonest-entries", Some(&f.officer), &elsewhere)
        .await
        .assert_problem(403, "forbidden");
    let no_court = app
        .post(
            "/api/v1/dishonest-entries",
            Some(&admin),
            &entry(&id, "(2026)苏1283执9号"),
        )
        .await;
    no_court.assert_problem(400, "invalid_input");
    assert_eq!(no_court.body["field"], "court_id");
    let by_admin = app
        .post("/api/v1/dishonest-entries", Some(&admin), &elsewhere)
        .await;
    assert_eq!(
        by_admin.status, 201,
        "an admin lists for any court: {}",
        by_admin.text
    );
    app.get("/api/v1/dishonest-entries", Some(&f.supervisor))
        .await
        .assert_problem(403, "forbidden");
    app.get("/api/v1/dishonest-entries", Some(&f.workers[0].1))
        .await
        .assert_problem(403, "forbidden");

    // The owning court sees the whole number, another court the masked one and may not change it.
    let own = app
        .get(&format!("/api/v1/dishonest-entries/{entry_id}"), Some(&f.officer))
        .await;
    assert_eq!(own.body["id_number"], id.as_str());
    let theirs = app
        .get(&format!("/api/v1/dishonest-entries/{entry_id}"), Some(&other))
        .await;
    assert_eq!(theirs.status, 200, "{}", theirs.text);
    assert_eq!(theirs.body["id_number"], format!("321283********{}", &id[14..]));
    assert!(!theirs.text.contains(&id));
    let listing = app
        .get(
            &format!("/api/v1/dishonest-entries?court_id={court1}"),
            Some(&other),
        )
        .await;
    assert_eq!(listing.body["items"].as_array().unwrap().len(), 1);
    assert!(!listing.text.contains(&id));
    let found = app
        .get(
            &format!("/api/v1/dishonest-entries?id_number={}", id.to_lowercase()),
            Some(&other),
        )
        .await;
    assert_eq!(found.body["items"].as_array().unwrap().len(), 2, "{}", found.text);
    app.get("/api/v1/dishonest-entries?id_number=123", Some(&other))
        .await
        .assert_problem(400, "invalid_input");
    app.patch(
        &format!("/api/v1/dishonest-entries/{entry_id}"),
        Some(&other),
        &json!({"name": "李四"}),
    )
    .await
    .assert_problem(403, "forbidden");
    app.post(
        &format!("/api/v1/dishonest-entries/{entry_id}/removal"),
        Some(&other),
        &json!({"reason": "performed"}),
    )
    .await
    .assert_problem(403, "forbidden");

    // Corrections and removal by the court; both are history, never a delete.
    let fixed = app
        .patch(
            &format!("/api/v1/dishonest-entries/{entry_id}"),
            Some(&f.officer),
            &json!({"name": "张叁", "note": ""}),
        )
        .await;
    assert_eq!(fixed.status, 200, "{}", fixed.text);
    assert_eq!(fixed.body["name"], "张叁");
    assert_eq!(fixed.body["note"], Value::Null);
    let removal = format!("/api/v1/dishonest-entries/{entry_id}/removal");
    app.post(
        &removal,
        Some(&f.officer),
        &json!({"reason": "performed", "removed_on": "2026-01-09"}),
    )
    .await
    .assert_problem(400, "invalid_input");
    app.post(
        &removal,
        Some(&f.officer),
        &json!({"reason": "performed", "removed_on": "2099-01-01"}),
    )
    .await
    .assert_problem(400, "invalid_input");
    app.post(&removal, Some(&f.officer), &json!({"reason": "paid"}))
        .await
        .assert_problem(400, "malformed_body");
    let removed = app
        .post(
            &removal,
            Some(&f.officer),
            &json!({"reason": "performed", "note": "已全部履行"}),
        )
        .await;
    assert_eq!(removed.status, 200, "{}", removed.text);
    assert_eq!(removed.body["entry"]["status"], "removed");
    assert_eq!(removed.body["entry"]["removal_reason"], "performed");
    assert!(removed.body["entry"]["removed_on"].is_string());
    app.post(&removal, Some(&f.officer), &json!({"reason": "performed"}))
        .await
        .assert_problem(409, "invalid_transition");
    app.patch(
        &format!("/api/v1/dishonest-entries/{entry_id}"),
        Some(&f.officer),
        &json!({"name": "王五"}),
    )
    .await
    .assert_problem(409, "invalid_transition");
    let history = app
        .get(&format!("/api/v1/dishonest-entries/{entry_id}"), Some(&f.officer))
        .await;
    let actions: Vec<&str> = history.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["listed", "updated", "removed"]);
    assert_eq!(
        history.body["history"][1]["detail"]["changed"]["name"],
        json!({"from": "张三", "to": "张叁"})
    );
    let still = app
        .get("/api/v1/dishonest-entries?status=removed", Some(&f.officer))
        .await;
    assert_eq!(still.body["items"][0]["id"], entry_id);

    // Reads of the list are reads of personal data: audited, without the number searched for.
    let reads = audit(&app, &admin, "dishonest_entry.read").await;
    assert!(reads.len() >= 3);
    let lists = audit(&app, &admin, "dishonest_entry.list").await;
    assert!(lists.iter().any(|r| r["detail"]["by_id_number"] == true));
    let trail = app.get("/api/v1/audit-events?limit=200", Some(&admin)).await;
    assert!(!trail.text.contains(&id), "no ID number in the audit trail");
}

async fn import(app: &TestApp, token: &str, query: &str, content_type: &str, body: Vec<u8>) -> Reply {
    app.post_raw(
        &format!("/api/v1/dishonest-entries/import{query}"),
        Some(token),
        content_type,
        body,
    )
    .await
}

#[tokio::test]
async fn a_csv_import_keeps_good_rows_and_reports_the_rest_by_line_and_column() {
    let app = spawn_app().await;
    let f = field(&app).await;
    let admin = app.admin_token().await;
    let existing = id_number("32128319750505111");
    let existing_id = create_entry(&app, &f.officer, &entry(&existing, "(2025)苏1283执40号")).await;
    let good = id_number("32128319800101123");
    let file = format!(
        "\u{feff}姓名,证件号码,案号,列入日期,失信情形,备注\r\n\
         张三,{good},(2025)苏1283执41号,2026/1/5,able_but_refused,\"拒不履行，\"\"多次\"\"传唤未到\"\r\n\
         某某公司,91350100M000100Y43,（2025）苏1283执42号,2026-01-06,evaded_enforcement,\r\n\
         李四,320283X,(2025)苏1283执43号,2026-01-07,rude,\r\n\
         张三,{good},(2025)苏1283执41号,2026-01-05,able_but_refused,\r\n\
         \r\n\
         王五,{existing},(2025)苏1283执40号,2026-01-08,able_but_refused,\r\n\
         赵六,{good}\r\n"
    );
    let r = import(&app, &f.officer, "", "text/csv; charset=utf-8", file.into_bytes()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (
            r.body["created"].as_u64(),
            r.body["duplicates"].as_u64(),
            r.body["rejected"].as_u64()
        ),
        (Some(2), Some(2), Some(2))
    );
    let rows = r.body["rows"].as_array().unwrap();
    let summary: Vec<(u64, &str)> = rows
        .iter()
        .map(|row| (row["line"].as_u64().unwrap(), row["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        summary,
        [
            (2, "created"),
            (3, "created"),
            (4, "rejected"),
            (5, "duplicate"),
            (7, "duplicate"),
            (8, "rejected")
        ]
    );
    let columns: Vec<&str> = rows[2]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["column"].as_str().unwrap())
        .collect();
    assert_eq!(columns, ["id_number", "reason"]);
    assert!(
        rows[3]["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("line 2")
    );
    assert_eq!(rows[4]["entry_id"], existing_id);
    assert_eq!(rows[5]["errors"][0]["column"], Value::Null);

    // The good rows are on the list, as written (canonical case number, quoted note).
    let created = rows[0]["entry_id"].as_i64().unwrap();
    let read = app
        .get(&format!("/api/v1/dishonest-entries/{created}"), Some(&f.officer))
        .await;
    assert_eq!(read.body["note"], "拒不履行，\"多次\"传唤未到");
    assert_eq!(read.body["listed_on"], "2026-01-05");
    assert_eq!(read.body["history"][0]["action"], "imported");
    let org = app
        .get(
            &format!("/api/v1/dishonest-entries/{}", rows[1]["entry_id"]),
            Some(&f.officer),
        )
        .await;
    assert_eq!(org.body["kind"], "organisation");
    assert_eq!(org.body["case_number"], "(2025)苏1283执42号");
    let all = app.get("/api/v1/dishonest-entries", Some(&f.officer)).await;
    assert_eq!(all.body["items"].as_array().unwrap().len(), 3);
    assert_eq!(
        audit(&app, &admin, "dishonest_entry.import").await[0]["detail"]["created"],
        2
    );

    // Files that cannot be read at all are refused whole, naming what is wrong.
    let header = "name,id_number,case_number,listed_on,reason\n";
    import(&app, &f.officer, "", "application/json", header.into())
        .await
        .assert_problem(415, "unsupported_media_type");
    let gbk = [
        b"name,id_number,case_number,listed_on,reason\n".to_vec(),
        vec![0xd5, 0xc5, 0xc8, 0xfd],
    ]
    .concat();
    let not_utf8 = import(&app, &f.officer, "", "text/csv", gbk).await;
    not_utf8.assert_problem(400, "invalid_input");
    assert_eq!(not_utf8.body["field"], "body");
    let missing = import(&app, &f.officer, "", "text/csv", b"name,id_number\n".to_vec()).await;
    missing.assert_problem(400, "invalid_input");
    assert_eq!(missing.body["field"], "header");
    import(&app, &admin, "", "text/csv", header.into())
        .await
        .assert_problem(400, "invalid_input");
    import(&app, &f.officer, "?court_id=999", "text/csv", header.into())
        .await
        .assert_problem(403, "forbidden");
    import(&app, &f.supervisor, "", "text/csv", header.into())
        .await
        .assert_problem(403, "forbidden");
}

/// The field, its workers certified to publicise dishonesty (and serve documents).
async fn publicity_field(app: &TestApp) -> Field {
    FieldBuilder::new()
        .certified_for(&["serve_documents", "publicize_dishonesty"])
        .build(app)
        .await
}

/// A case whose debtor carries `id`.
async fn case_with_debtor(app: &TestApp, f: &Field, case_number: &str, id: &str) -> Case {
    CaseBuilder::new(case_number)
        .owed(500_000)
        .debtor(Party::person("张三").id_number(id))
        .create(app, &f.officer)
        .await
}

/// A task of `kind` on the case, about its debtor.
fn task(f: &Field, case: &Case, kind: &str) -> TaskBuilder {
    TaskBuilder::new(f)
        .on_case(case.id)
        .party(case.debtor_id)
        .kind(kind)
        .instructions("在村公告栏张贴失信被执行人曝光公告")
}

/// A publicity task on the case whose assignee posted the notice at `place` (with a photo),
/// approved by the officer.
async fn posted_notice(app: &TestApp, f: &Field, case: &Case, place: &str) -> Task {
    let place = place.to_owned();
    task(f, case, "publicize_dishonesty")
        .photo()
        .result(move |photo| {
            json!({"kind": "publicize_dishonesty", "postings": [
                {"place": place, "posted_at": ago(5), "evidence_ids": [photo]}]})
        })
        .approved()
        .create(app)
        .await
}

async fn sync(app: &TestApp, token: &str, since: Option<&str>) -> (Vec<Value>, String) {
    let path = match since {
        Some(c) => format!("/api/v1/me/tasks?since={c}&limit=200"),
        None => "/api/v1/me/tasks?limit=200".to_owned(),
    };
    let r = app.get(&path, Some(token)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    (
        r.body["changes"].as_array().unwrap().clone(),
        r.body["cursor"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn a_removal_cancels_open_publicity_and_sends_the_poster_a_take_down_task_to_their_phone() {
    let app = spawn_app().await;
    let f = publicity_field(&app).await;
    let id = person();
    let case = case_with_debtor(&app, &f, TD_CASE, &id).await;
    let case_id = case.id;
    let posted = posted_notice(&app, &f, &case, "黄桥镇某村公告栏").await;
    let (posted, poster) = (posted.id, posted.assignee_id.expect("assigned"));
    let open = task(&f, &case, "publicize_dishonesty").create(&app).await;
    let (open, holder_token) = (open.id, open.token().to_owned());
    let serve = task(&f, &case, "serve_documents").create(&app).await.id;
    let entry_id = create_entry(&app, &f.officer, &entry(&id, TD_CASE)).await;
    let poster_token = f.token_of(poster);
    let (_, poster_cursor) = sync(&app, &poster_token, None).await;
    let (_, holder_cursor) = sync(&app, &holder_token, None).await;

    let removed = app
        .post(
            &format!("/api/v1/dishonest-entries/{entry_id}/removal"),
            Some(&f.officer),
            &json!({"reason": "performed"}),
        )
        .await;
    assert_eq!(removed.status, 200, "{}", removed.text);
    assert_eq!(removed.body["cancelled_task_ids"], json!([open]));
    let take_downs = removed.body["take_down_task_ids"].as_array().unwrap();
    assert_eq!(take_downs.len(), 1, "{}", removed.text);
    let take_down = take_downs[0].as_i64().unwrap();

    // The open publicity task is cancelled, with why; the approved one and other kinds stay.
    let cancelled = app.get(&format!("/api/v1/tasks/{open}"), Some(&f.officer)).await;
    assert_eq!(cancelled.body["status"], "cancelled");
    let events = app
        .get(&format!("/api/v1/tasks/{open}/events"), Some(&f.officer))
        .await;
    let last = events.body.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["action"].as_str(), last["reason_code"].as_str()),
        (Some("cancel"), Some("debtor_removed"))
    );
    assert_eq!(
        app.get(&format!("/api/v1/tasks/{posted}"), Some(&f.officer))
            .await
            .body["status"],
        "approved"
    );
    assert_eq!(
        app.get(&format!("/api/v1/tasks/{serve}"), Some(&f.officer))
            .await
            .body["status"],
        "assigned"
    );

    // The take-down task is the poster's: urgent, at the same place, naming where they posted.
    let t = app
        .get(&format!("/api/v1/tasks/{take_down}"), Some(&f.officer))
        .await;
    assert_eq!(t.body["kind"], "take_down_notice");
    assert_eq!(t.body["status"], "assigned");
    assert_eq!(t.body["assignee_id"], poster);
    assert_eq!(t.body["priority"], "urgent");
    assert_eq!(t.body["case_id"], case_id);
    assert_eq!(t.body["target"]["lat"], 32.005);
    let instructions = t.body["instructions"].as_str().unwrap();
    assert!(
        instructions.contains(TD_CASE) && instructions.contains("黄桥镇某村公告栏"),
        "{instructions}"
    );
    let assigned = app
        .get(&format!("/api/v1/tasks/{take_down}/events"), Some(&f.officer))
        .await;
    assert_eq!(assigned.body[1]["reason_code"], "poster");

    // It reaches the poster's phone; the cancelled task leaves its holder's.
    let (changes, _) = sync(&app, &poster_token, Some(&poster_cursor)).await;
    let upsert = changes
        .iter()
        .find(|c| c["task_id"] == take_down)
        .unwrap_or_else(|| panic!("no take-down in {changes:?}"));
    assert_eq!(upsert["change"], "upsert");
    assert_eq!(upsert["task"]["kind"], "take_down_notice");
    let (changes, _) = sync(&app, &holder_token, Some(&holder_cursor)).await;
    assert!(
        changes
            .iter()
            .any(|c| c["task_id"] == open && c["change"] == "tombstone" && c["reason"] == "cancelled"),
        "{changes:?}"
    );

    // The poster takes it on like any task and is told of the approval.
    app.accept(&poster_token, take_down)
        .await
        .expect_success("accept the take-down");
    let captured = chrono::Utc::now() - chrono::Duration::minutes(1);
    let at_the_board = LatLon {
        lat: 32.005,
        lon: 120.005,
    };
    app.check_in(
        &poster_token,
        take_down,
        &fix("ci-td", at_the_board, "wgs84", 5.0, captured),
    )
    .await
    .expect_success("check in at the notice board");
    let photo = app.upload(&poster_token, take_down, "photo", jpeg(201)).await;
    let result = json!({"kind": "take_down_notice", "removals": [
        {"place": "黄桥镇某村公告栏", "removed_at": captured.to_rfc3339(), "evidence_ids": [photo]}]});
    app.submit(&poster_token, take_down, "s-td", &result)
        .await
        .expect_success("submit the take-down");
    app.review(
        &f.officer,
        take_down,
        &json!({"decision": "approve", "rating": 5}),
    )
    .await
    .expect_success("approve the take-down");
    let audit_rows = audit(&app, &app.admin_token().await, "dishonest_entry.remove").await;
    assert_eq!(audit_rows[0]["detail"]["take_down_tasks"], json!([take_down]));
}

#[tokio::test]
async fn without_a_posted_notice_there_is_no_take_down_and_a_poster_who_left_goes_to_the_queue() {
    let app = spawn_app().await;
    let f = publicity_field(&app).await;
    let admin = app.admin_token().await;

    // Nobody posted: the open task is cancelled, nothing is sent out.
    let first = id_number("32128319700707777");
    let case_a = case_with_debtor(&app, &f, "(2026)苏1283执21号", &first).await;
    let open = task(&f, &case_a, "publicize_dishonesty").create(&app).await.id;
    let entry_a = create_entry(&app, &f.officer, &entry(&first, "(2026)苏1283执21号")).await;
    let removed = app
        .post(
            &format!("/api/v1/dishonest-entries/{entry_a}/removal"),
            Some(&f.officer),
            &json!({"reason": "settled"}),
        )
        .await;
    assert_eq!(removed.status, 200, "{}", removed.text);
    assert_eq!(removed.body["cancelled_task_ids"], json!([open]));
    assert_eq!(removed.body["take_down_task_ids"], json!([]));

    // The poster's account was deactivated since: the take-down waits for the supervisor.
    let second = id_number("32128319700808888");
    let case_b = case_with_debtor(&app, &f, "(2026)苏1283执22号", &second).await;
    let poster = posted_notice(&app, &f, &case_b, "社区服务中心")
        .await
        .assignee_id
        .expect("assigned");
    let entry_b = create_entry(&app, &f.officer, &entry(&second, "(2026)苏1283执22号")).await;
    let off = app
        .patch(
            &format!("/api/v1/users/{poster}"),
            Some(&admin),
            &json!({"active": false}),
        )
        .await;
    assert_eq!(off.status, 200, "{}", off.text);
    let removed = app
        .post(
            &format!("/api/v1/dishonest-entries/{entry_b}/removal"),
            Some(&f.officer),
            &json!({"reason": "performed"}),
        )
        .await;
    assert_eq!(removed.status, 200, "{}", removed.text);
    let take_down = removed.body["take_down_task_ids"][0].as_i64().unwrap();
    let t = app
        .get(&format!("/api/v1/tasks/{take_down}"), Some(&f.supervisor))
        .await;
    assert_eq!(t.body["status"], "queued");
    assert_eq!(t.body["queue"], "township");
    assert_eq!(t.body["queue_reason"], "poster_unavailable");
}

async fn deliver(app: &TestApp) -> gridassist::jobs::webhooks::DeliveryReport {
    gridassist::jobs::webhooks::deliver_partner_due(
        &app.app_state.db,
        &app.app_state.partner_webhooks,
        gridassist::domain::time::now(),
    )
    .await
    .unwrap()
}

/// The delivery's JSON body, after checking it is signed with the subscription's secret.
fn verified(secret: &str, delivery: &Delivery) -> Value {
    assert!(
        delivery.signed_with(secret),
        "signed with the subscription's secret"
    );
    delivery.json()
}

#[tokio::test]
async fn subscribed_partners_hear_of_additions_and_removals_until_their_key_is_revoked() {
    let receiver = Receiver::start("/hook", 0).await;
    let url = receiver.url.clone();
    let app = spawn_app_with(&[
        ("GRIDASSIST_WEBHOOK_ALLOW_PRIVATE", "true".to_owned()),
        ("GRIDASSIST_WEBHOOK_POLL_SECS", "3600".to_owned()),
    ])
    .await;
    let f = field(&app).await;
    let admin = app.admin_token().await;
    let (partner, key_id, key) = partner_key(
        &app,
        &admin,
        "泰兴市公安局出入境管理大队",
        &["dishonest:check", "dishonest:subscribe"],
    )
    .await;
    let created = app.subscribe(&key, &json!({"url": url})).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    app.subscribe(&key, &json!({"url": url, "secret": "whsec_c2hvcnQ="}))
        .await
        .assert_problem(400, "invalid_input");
    let listed = app.subscriptions(&key).await;
    assert_eq!(listed.body["items"][0]["url"], url.as_str());
    assert!(!listed.text.contains(&secret), "the secret is shown once");
    // Another partner neither sees nor deletes it.
    let (_, _, stranger) = partner_key(&app, &admin, "某县民政局", &["dishonest:subscribe"]).await;
    let theirs = app.subscriptions(&stranger).await;
    assert_eq!(theirs.body["items"], json!([]));
    app.send_as(
        reqwest::Method::DELETE,
        &format!("/api/v1/dishonest-subscriptions/{}", created.body["id"]),
        Some(format!("ApiKey {stranger}")),
        None,
    )
    .await
    .assert_problem(404, "not_found");

    // An addition: queued with the change, delivered signed, with what a check would say.
    let id = person();
    let entry_id = create_entry(&app, &f.officer, &entry(&id, CASE)).await;
    assert_eq!(deliver(&app).await.delivered, 1);
    let added = verified(&secret, &receiver.deliveries()[0]);
    assert_eq!(added["type"], "dishonest.listed");
    assert_eq!(added["data"]["id_number"], id.as_str());
    assert_eq!(added["data"]["case_number"], CASE);
    assert_eq!(added["data"]["court"]["code"], "C1");
    assert_eq!(added["data"]["entry_id"], entry_id);
    let raw = receiver.deliveries()[0].body.clone();
    for secret in ["张三", "able_but_refused", "拒不履行"] {
        assert!(!raw.contains(secret), "{secret} leaked to the partner");
    }
    // Admins running the outbox see the message, the ID number masked.
    let outbox = app.get("/api/v1/notifications", Some(&admin)).await;
    let message = outbox.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["event_type"] == "dishonest.listed")
        .unwrap()
        .clone();
    assert_eq!(message["status"], "delivered");
    assert!(message["subscription_id"].is_i64());
    assert!(!outbox.text.contains(&id));

    // A removal, in the same transaction as the change.
    let removed = app
        .post(
            &format!("/api/v1/dishonest-entries/{entry_id}/removal"),
            Some(&f.officer),
            &json!({"reason": "performed"}),
        )
        .await;
    assert_eq!(removed.status, 200, "{}", removed.text);
    assert_eq!(deliver(&app).await.delivered, 1);
    let gone = verified(&secret, &receiver.deliveries()[1]);
    assert_eq!(gone["type"], "dishonest.removed");
    assert_eq!(gone["data"]["id_number"], id.as_str());
    assert!(gone["data"]["removed_on"].is_string());

    // Revoking the key ends the subscription: what was queued is not sent, nothing new is queued.
    create_entry(&app, &f.officer, &entry(&id_number("32128319900202456"), CASE)).await;
    let revoked = app
        .post(
            &format!("/api/v1/partners/{partner}/keys/{key_id}/revoke"),
            Some(&admin),
            &json!({}),
        )
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.text);
    let report = deliver(&app).await;
    assert_eq!((report.delivered, report.dead), (0, 1));
    create_entry(&app, &f.officer, &entry(&id_number("32128319910303789"), CASE)).await;
    assert_eq!(deliver(&app).await, Default::default());
    assert_eq!(receiver.count(), 2);
}
