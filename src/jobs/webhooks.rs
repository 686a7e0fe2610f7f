//! The notification delivery job: claims due messages from the outbox, sends each to the
//! configured webhook once per pass (signed, with the same `webhook-id` on every attempt), and
//! records how it went — delivered, retried later with exponential backoff and jitter, or
//! dead-lettered after too many attempts or a failure that can never succeed. A claim is a lease,
//! so a delivery cut short by a crash or restart is picked up again once the lease runs out:
//! delivery is at least once and nothing is lost. The clock is a parameter, as in the deadlines
//! sweep, so tests move time instead of sleeping.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use chrono::NaiveDateTime;

use crate::db::Db;
use crate::domain::time;
use crate::error::ApiError;
use crate::repo;
use crate::services::webhook::{Attempt, Deliverer, backoff};
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
                Outcome::Retry(next_at, error) => {
                    repo::outbox::mark_retry(conn, id, attempts, next_at, &error)?
                }
                Outcome::Dead(error) => repo::outbox::mark_dead(conn, id, attempts, &error)?,
            }
            Ok::<_, ApiError>(())
        })
        .await?;
    }
    Ok(report)
}

enum Outcome {
    Delivered,
    Retry(NaiveDateTime, String),
    Dead(String),
}

fn clip(error: &str) -> String {
    error.chars().take(MAX_ERROR_CHARS).collect()
}

/// Deliver every `interval` in the background, as of the real clock, until aborted.
pub fn spawn(
    state: web::Data<AppState>,
    deliverer: Arc<Deliverer>,
    interval: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            // Keep going while whole batches come back, so a backlog drains quickly.
            loop {
                match deliver_due(&state.db, &deliverer, time::now()).await {
                    Ok(r) => {
                        if r.delivered + r.retried + r.dead > 0 {
                            tracing::info!(
                                delivered = r.delivered,
                                retried = r.retried,
                                dead = r.dead,
                                "notifications"
                            );
                        }
                        if ((r.delivered + r.retried + r.dead) as i64) < BATCH {
                            break;
                        }
                    }
                    Err(error) => {
                        tracing::warn!(code = error.code(), "notification delivery failed");
                        break;
                    }
                }
            }
        }
    })
}
