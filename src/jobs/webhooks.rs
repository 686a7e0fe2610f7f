//! The notification delivery job: claims due messages from the outbox, sends each to the
//! configured webhook once per pass (signed, with the same `webhook-id` on every attempt), and
//! records how it went — delivered, retried later with exponential backoff and jitter, or
//! dead-lettered after too many attempts or a failure that can never succeed. A claim is a lease,
//! so a delivery cut short by a crash or restart is picked up again once the lease runs out:
//! delivery is at least once and nothing is lost. The clock is a parameter, as in the deadlines
//! sweep, so tests move time instead of sleeping.
//!
//! Messages for partner subscriptions ([`deliver_partner_due`]) go the same way to each
//! partner's own URL, signed with that subscription's secret, under the same SSRF guard, timeout
//! and attempt limit. A message whose subscription was deleted, or whose key was revoked, since
//! it was queued is dead-lettered without being sent: the partner is no longer entitled to it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::NaiveDateTime;

use super::Shutdown;
use crate::db::Db;
use crate::domain::time;
use crate::error::ApiError;
use crate::repo;
use crate::repo::outbox::Message;
use crate::services::webhook::{Attempt, Deliverer, WebhookConfig, backoff};
use crate::state::AppState;

/// How far a lease reaches past the worst case of its pass: time to record the outcomes, and the
/// clocks of different nodes disagreeing a little.
const LEASE_MARGIN: chrono::Duration = chrono::Duration::seconds(30);
/// Messages claimed per pass.
const BATCH: i64 = 20;
/// Stored error texts are cut to this many characters.
const MAX_ERROR_CHARS: usize = 300;

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    pub delivered: usize,
    pub retried: usize,
    pub dead: usize,
}

/// The lease a pass takes on the messages it claims: long enough for every attempt of the batch
/// to run to its timeout, so no other node re-sends a message the pass still holds — and no
/// longer, since messages claimed by a process that crashed wait for their lease to run out
/// (with the default 10-second timeout: 3 min 50 s).
pub fn lease(timeout: Duration) -> chrono::Duration {
    chrono::Duration::from_std(timeout * BATCH as u32).unwrap_or(chrono::Duration::hours(1)) + LEASE_MARGIN
}

/// One pass as of `now`: claim the due messages and try each once.
pub async fn deliver_due(
    db: &Db,
    deliverer: &Deliverer,
    now: NaiveDateTime,
) -> Result<DeliveryReport, ApiError> {
    let lease_until = now + lease(deliverer.config().timeout);
    let claimed = db
        .run(move |conn| Ok::<_, ApiError>(repo::outbox::claim_due(conn, now, lease_until, BATCH)?))
        .await?;
    let max_attempts = deliverer.config().max_attempts as i32;
    let mut report = DeliveryReport::default();
    for message in claimed {
        // The signature's timestamp is the real time of sending: receivers reject old ones.
        let sent_at = chrono::Utc::now().timestamp();
        let attempt = deliverer
            .deliver(&message.message_id, sent_at, &message.payload)
            .await;
        settle(db, &message, attempt, max_attempts, now, &mut report).await?;
    }
    Ok(report)
}

/// How partner webhooks are delivered: the global settings, and one pinned client per
/// subscription (kept between passes so connections are reused).
#[derive(Debug)]
pub struct PartnerWebhooks {
    allow_private: bool,
    timeout: Duration,
    max_attempts: u32,
    deliverers: Mutex<HashMap<i64, Arc<Deliverer>>>,
}

impl PartnerWebhooks {
    pub fn new(allow_private: bool, timeout: Duration, max_attempts: u32) -> PartnerWebhooks {
        PartnerWebhooks {
            allow_private,
            timeout,
            max_attempts: max_attempts.max(1),
            deliverers: Mutex::default(),
        }
    }

    /// The deliverer for a subscription (its URL and secret never change).
    fn deliverer(&self, subscription: i64, url: &str, secret: &str) -> Result<Arc<Deliverer>, String> {
        let mut cache = self.deliverers.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(d) = cache.get(&subscription) {
            return Ok(d.clone());
        }
        let config = WebhookConfig::new(url, secret, self.allow_private, self.timeout, self.max_attempts)
            .map_err(|e| format!("the subscription cannot be used: {e}"))?;
        let deliverer = Arc::new(Deliverer::new(config));
        cache.insert(subscription, deliverer.clone());
        Ok(deliverer)
    }
}

/// One pass as of `now` over messages for partner subscriptions.
pub async fn deliver_partner_due(
    db: &Db,
    partners: &PartnerWebhooks,
    now: NaiveDateTime,
) -> Result<DeliveryReport, ApiError> {
    let lease_until = now + lease(partners.timeout);
    let claimed = db
        .run(move |conn| {
            Ok::<_, ApiError>(repo::outbox::claim_due_for_partners(
                conn,
                now,
                lease_until,
                BATCH,
            )?)
        })
        .await?;
    let max_attempts = partners.max_attempts as i32;
    let mut report = DeliveryReport::default();
    for message in claimed {
        let Some(subscription_id) = message.subscription_id else {
            continue;
        };
        let live = db
            .run(move |conn| Ok::<_, ApiError>(repo::partners::live_subscription(conn, subscription_id)?))
            .await?;
        let attempt = match live {
            None => Attempt::Permanent {
                error: "the subscription was deleted or its API key revoked; not sent".into(),
            },
            Some((subscription, _)) => {
                match partners.deliverer(subscription.id, &subscription.url, &subscription.secret) {
                    Err(error) => Attempt::Permanent { error },
                    Ok(deliverer) => {
                        let sent_at = chrono::Utc::now().timestamp();
                        deliverer
                            .deliver(&message.message_id, sent_at, &message.payload)
                            .await
                    }
                }
            }
        };
        settle(db, &message, attempt, max_attempts, now, &mut report).await?;
    }
    Ok(report)
}

/// Record how an attempt went: delivered, retried later with backoff, or dead.
async fn settle(
    db: &Db,
    message: &Message,
    attempt: Attempt,
    max_attempts: i32,
    now: NaiveDateTime,
    report: &mut DeliveryReport,
) -> Result<(), ApiError> {
    let attempts = message.attempts + 1;
    let (id, event_type) = (message.id, message.event_type.clone());
    let outcome = match attempt {
        Attempt::Delivered { .. } => {
            report.delivered += 1;
            Outcome::Delivered
        }
        Attempt::Retry { error } if attempts < max_attempts => {
            report.retried += 1;
            let delay = backoff(attempts as u32, &mut rand::thread_rng());
            let delay = chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::hours(1));
            Outcome::Retry(now + delay, clip(&error))
        }
        Attempt::Retry { error } | Attempt::Permanent { error } => {
            report.dead += 1;
            Outcome::Dead(clip(&error))
        }
    };
    if let Outcome::Dead(error) = &outcome {
        tracing::warn!(message_id = %message.message_id, event_type, attempts, error, "notification dead-lettered");
    }
    db.run(move |conn| {
        match outcome {
            Outcome::Delivered => repo::outbox::mark_delivered(conn, id, attempts, now)?,
            Outcome::Retry(next_at, error) => repo::outbox::mark_retry(conn, id, attempts, next_at, &error)?,
            Outcome::Dead(error) => repo::outbox::mark_dead(conn, id, attempts, &error)?,
        }
        Ok::<_, ApiError>(())
    })
    .await?;
    Ok(())
}

enum Outcome {
    Delivered,
    Retry(NaiveDateTime, String),
    Dead(String),
}

fn clip(error: &str) -> String {
    error.chars().take(MAX_ERROR_CHARS).collect()
}

/// Deliver to the configured gateway every `interval` in the background, as of the real clock,
/// until shutdown (the batch under way is finished).
pub fn spawn(
    state: Arc<AppState>,
    deliverer: Arc<Deliverer>,
    interval: Duration,
    shutdown: Shutdown,
) -> tokio::task::JoinHandle<()> {
    let db = state.db.clone();
    run_every(interval, shutdown, "notifications", move || {
        let (db, deliverer) = (db.clone(), deliverer.clone());
        async move { deliver_due(&db, &deliverer, time::now()).await }
    })
}

/// Deliver to partners' webhooks every `interval` in the background, until shutdown.
pub fn spawn_partners(
    state: Arc<AppState>,
    interval: Duration,
    shutdown: Shutdown,
) -> tokio::task::JoinHandle<()> {
    run_every(interval, shutdown, "partner webhooks", move || {
        let state = state.clone();
        async move { deliver_partner_due(&state.db, &state.partner_webhooks, time::now()).await }
    })
}

fn run_every<F, Fut>(
    interval: Duration,
    mut shutdown: Shutdown,
    what: &'static str,
    pass: F,
) -> tokio::task::JoinHandle<()>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<DeliveryReport, ApiError>> + Send,
{
    tokio::spawn(async move {
        let mut ticker = super::ticker(interval);
        while shutdown.tick(&mut ticker).await.is_some() {
            // Keep going while whole batches come back, so a backlog drains quickly.
            loop {
                match pass().await {
                    Ok(r) => {
                        if r.delivered + r.retried + r.dead > 0 {
                            tracing::info!(
                                delivered = r.delivered,
                                retried = r.retried,
                                dead = r.dead,
                                "{what}"
                            );
                        }
                        if ((r.delivered + r.retried + r.dead) as i64) < BATCH {
                            break;
                        }
                    }
                    Err(error) => {
                        tracing::warn!(code = error.code(), "{what}: delivery failed");
                        break;
                    }
                }
            }
        }
    })
}
