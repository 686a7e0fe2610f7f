//! Notifications: written to the outbox with the change they announce, delivered to a real
//! local webhook receiver — signed, retried with backoff while it is down, dead-lettered after
//! too many tries, never lost across a restart, never sent to private addresses unless allowed.

use chrono::NaiveDateTime;
use gridassist::jobs::webhooks::{DeliveryReport, deliver_due, lease};
use gridassist::repo;
use serde_json::{Value, json};

use crate::fixtures::work::nobody_found;
use crate::fixtures::{TaskBuilder, field};
use crate::helpers::{TestApp, spawn_app_with};
use crate::webhook_receiver::Receiver;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

async fn app_with_webhook(url: &str, allow_private: bool, max_attempts: u32) -> TestApp {
    spawn_app_with(&[
        ("GRIDASSIST_WEBHOOK_URL", url.to_owned()),
        ("GRIDASSIST_WEBHOOK_SECRET", SECRET.to_owned()),
        ("GRIDASSIST_WEBHOOK_ALLOW_PRIVATE", allow_private.to_string()),
        ("GRIDASSIST_WEBHOOK_MAX_ATTEMPTS", max_attempts.to_string()),
        // The tests run delivery passes with their own clock.
        ("GRIDASSIST_WEBHOOK_POLL_SECS", "3600".to_owned()),
    ])
    .await
}

async fn pass(app: &TestApp, now: NaiveDateTime) -> DeliveryReport {
    let deliverer = app.app_state.webhook.clone().expect("webhook configured");
    deliver_due(&app.app_state.db, &deliverer, now).await.unwrap()
}

async fn outbox(app: &TestApp) -> Vec<repo::outbox::Message> {
    app.app_state
        .db
        .run(|conn| {
            let page = repo::PageRequest {
                after: None,
                limit: 100,
            };
            Ok::<_, gridassist::error::ApiError>(repo::outbox::list(conn, None, page)?)
        })
        .await
        .unwrap()
}

/// A task created and assigned: one `task.assigned` message in the outbox.
async fn assignment(app: &TestApp) -> i64 {
    let f = field(app).await;
    TaskBuilder::new(&f).create(app).await.id
}

fn now() -> NaiveDateTime {
    gridassist::domain::time::now()
}

#[tokio::test]
async fn delivery_survives_a_receiver_that_is_down_for_the_first_attempts() {
    let receiver = Receiver::start("/hook", 2).await;
    let app = app_with_webhook(&receiver.url, true, 10).await;
    let task = assignment(&app).await;
    let messages = outbox(&app).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].event_type, "task.assigned");
    let payload: Value = serde_json::from_str(&messages[0].payload).unwrap();
    assert_eq!(payload["data"]["task_id"], task);
    assert!(
        !messages[0].payload.contains("乙"),
        "no party data in notifications"
    );

    let t0 = now();
    assert_eq!(pass(&app, t0).await.retried, 1);
    // Backing off: nothing is due at once.
    assert_eq!(pass(&app, t0).await, DeliveryReport::default());
    assert_eq!(pass(&app, t0 + chrono::Duration::minutes(2)).await.retried, 1);
    let report = pass(&app, t0 + chrono::Duration::minutes(10)).await;
    assert_eq!(report.delivered, 1);

    let seen = receiver.deliveries();
    assert_eq!(seen.len(), 3);
    assert!(
        seen.iter()
            .all(|d| d.signed_with(SECRET) && d.webhook_id() == messages[0].message_id)
    );
    assert_eq!(seen[2].json()["type"], "task.assigned");
    let after = outbox(&app).await;
    assert_eq!(after[0].status, "delivered");
    assert_eq!(after[0].attempts, 3);
    // Delivered means done.
    assert_eq!(
        pass(&app, t0 + chrono::Duration::hours(2)).await,
        DeliveryReport::default()
    );
}

#[tokio::test]
async fn a_delivery_cut_short_by_a_restart_is_picked_up_again_and_nothing_is_lost() {
    let receiver = Receiver::start("/hook", 0).await;
    let app = app_with_webhook(&receiver.url, true, 10).await;
    assignment(&app).await;
    // A process claims the message and dies before sending or marking it.
    let t0 = now();
    let lease = lease(app.app_state.webhook.as_ref().unwrap().config().timeout);
    let claimed = app
        .app_state
        .db
        .run(move |conn| {
            Ok::<_, gridassist::error::ApiError>(repo::outbox::claim_due(conn, t0, t0 + lease, 10)?)
        })
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    // While its lease holds, nobody else sends it (no duplicate from a live process).
    assert_eq!(
        pass(&app, t0 + chrono::Duration::seconds(30)).await,
        DeliveryReport::default()
    );
    // Once it runs out, the message goes out, with the same id.
    let report = pass(&app, t0 + lease + chrono::Duration::seconds(1)).await;
    assert_eq!(report.delivered, 1);
    let seen = receiver.deliveries();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].webhook_id(), claimed[0].message_id);
}

#[tokio::test]
async fn a_receiver_down_too_long_dead_letters_the_message_and_an_admin_can_send_it_again() {
    let receiver = Receiver::start("/hook", 3).await;
    let app = app_with_webhook(&receiver.url, true, 3).await;
    assignment(&app).await;
    let mut t = now();
    let mut report = DeliveryReport::default();
    for _ in 0..3 {
        let r = pass(&app, t).await;
        report.retried += r.retried;
        report.dead += r.dead;
        t += chrono::Duration::hours(2);
    }
    assert_eq!((report.retried, report.dead), (2, 1));
    assert_eq!(receiver.count(), 3);
    assert_eq!(
        pass(&app, t + chrono::Duration::days(1)).await,
        DeliveryReport::default()
    );

    let admin = app.admin_token().await;
    let dead = app.get("/api/v1/notifications?status=dead", Some(&admin)).await;
    assert_eq!(dead.status, 200, "{}", dead.text);
    let item = &dead.body["items"][0];
    assert_eq!(item["event_type"], "task.assigned");
    assert_eq!(item["attempts"], 3);
    assert!(
        item["last_error"].as_str().unwrap().contains("503"),
        "{}",
        dead.text
    );
    let id = item["id"].as_i64().unwrap();
    let retry = format!("/api/v1/notifications/{id}/retry");
    let f_officer = app.token("officer.wang", crate::helpers::PASSWORD).await;
    app.post(&retry, Some(&f_officer), &json!({}))
        .await
        .assert_problem(403, "forbidden");
    let again = app.post(&retry, Some(&admin), &json!({})).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.body["status"], "pending");
    app.post(&retry, Some(&admin), &json!({}))
        .await
        .assert_problem(409, "invalid_transition");
    assert_eq!(pass(&app, now()).await.delivered, 1);
    let delivered = app
        .get("/api/v1/notifications?status=delivered", Some(&admin))
        .await;
    assert_eq!(delivered.body["items"][0]["id"], id);
}

#[tokio::test]
async fn assignment_reminder_overdue_rework_and_approval_are_announced() {
    let app = spawn_app_with(&[]).await;
    let f = field(&app).await;
    let t = TaskBuilder::new(&f).in_progress().create(&app).await;
    let (task, token) = (t.id, t.token().to_owned());
    let due = app
        .get(&format!("/api/v1/tasks/{task}"), Some(&f.officer))
        .await
        .body["due_at"]
        .as_str()
        .unwrap()
        .parse::<chrono::DateTime<chrono::Utc>>()
        .unwrap()
        .naive_utc();
    for at in [due - chrono::Duration::hours(2), due + chrono::Duration::hours(1)] {
        app.sweep_deadlines(at).await;
    }
    let result = nobody_found();
    for (n, review) in [
        json!({"decision": "reject", "reasons": ["incomplete"]}),
        json!({"decision": "approve", "rating": 3}),
    ]
    .into_iter()
    .enumerate()
    {
        let submitted = app.submit(&token, task, &format!("n-{n}"), &result).await;
        assert_eq!(submitted.status, 201, "{}", submitted.text);
        let reviewed = app.review(&f.officer, task, &review).await;
        assert_eq!(reviewed.status, 200, "{}", reviewed.text);
    }
    let types: Vec<String> = outbox(&app).await.into_iter().map(|m| m.event_type).collect();
    assert_eq!(
        types,
        [
            "task.assigned",
            "task.reminder",
            "task.overdue",
            "task.returned",
            "task.approved"
        ]
    );
    let overdue: Value = serde_json::from_str(&outbox(&app).await[2].payload).unwrap();
    assert_eq!(overdue["data"]["recipient"]["role"], "supervisor");
}

#[tokio::test]
async fn private_targets_are_refused_unless_allowed() {
    let receiver = Receiver::start("/hook", 0).await;
    let app = app_with_webhook(&receiver.url, false, 10).await;
    assignment(&app).await;
    let report = pass(&app, now()).await;
    assert_eq!(
        report.dead, 1,
        "an SSRF refusal never succeeds, so it is not retried"
    );
    assert!(receiver.count() == 0, "no request reached the private address");
    let messages = outbox(&app).await;
    assert!(messages[0].last_error.as_deref().unwrap().contains("private"));
}

#[tokio::test]
async fn the_background_job_delivers_on_its_own() {
    let receiver = Receiver::start("/hook", 0).await;
    let app = spawn_app_with(&[
        ("GRIDASSIST_WEBHOOK_URL", receiver.url.clone()),
        ("GRIDASSIST_WEBHOOK_SECRET", SECRET.to_owned()),
        ("GRIDASSIST_WEBHOOK_ALLOW_PRIVATE", "true".to_owned()),
        ("GRIDASSIST_WEBHOOK_POLL_SECS", "1".to_owned()),
    ])
    .await;
    assignment(&app).await;
    for _ in 0..100 {
        if receiver.count() > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(receiver.count(), 1);
}
