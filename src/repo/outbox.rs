//! The notification outbox: messages written in the same transaction as the change they announce,
//! then claimed, delivered and marked by the delivery job. A claim is a lease (`locked_until`), so
//! a message whose delivery was cut short by a crash is claimed again once the lease runs out.
//! A message goes to the configured gateway, or — when it names a subscription — to that
//! partner's webhook; the two are claimed separately, so one never waits for the other.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use rand::Rng;
use rand::distributions::Alphanumeric;

use super::PageRequest;
use crate::db::DbConn;
use crate::db::schema::outbox;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct Message {
    pub id: i64,
    /// Sent as `webhook-id`; the same on every attempt so the receiver can drop duplicates.
    pub message_id: String,
    pub event_type: String,
    pub payload: String,
    pub created_at: NaiveDateTime,
    /// `pending`, `delivered` or `dead`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub delivered_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    /// The partner subscription it goes to; None for the configured gateway.
    pub subscription_id: Option<i64>,
}

/// A fresh message id in the Standard Webhooks style (`msg_` and 24 random characters).
fn new_message_id() -> String {
    let suffix: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(24)
        .map(char::from)
        .collect();
    format!("msg_{suffix}")
}

/// Queue a message for the configured gateway, for delivery as soon as possible; returns its
/// message id.
pub fn enqueue(
    conn: &mut DbConn,
    event_type: &str,
    payload: &str,
    now: NaiveDateTime,
) -> QueryResult<String> {
    insert(conn, event_type, payload, now, None)
}

/// Queue a message for one partner subscription's webhook; returns its message id.
pub fn enqueue_to(
    conn: &mut DbConn,
    subscription_id: i64,
    event_type: &str,
    payload: &str,
    now: NaiveDateTime,
) -> QueryResult<String> {
    insert(conn, event_type, payload, now, Some(subscription_id))
}

fn insert(
    conn: &mut DbConn,
    event_type: &str,
    payload: &str,
    now: NaiveDateTime,
    subscription_id: Option<i64>,
) -> QueryResult<String> {
    let message_id = new_message_id();
    diesel::insert_into(outbox::table)
        .values((
            outbox::message_id.eq(&message_id),
            outbox::event_type.eq(event_type),
            outbox::payload.eq(payload),
            outbox::created_at.eq(now),
            outbox::status.eq("pending"),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::subscription_id.eq(subscription_id),
        ))
        .execute(conn)?;
    Ok(message_id)
}

/// Claim up to `limit` pending messages for the configured gateway that are due and not leased,
/// oldest first, leasing each until `lease_until`. Each claim is a conditional update, so two
/// delivery loops never hold the same message at once.
pub fn claim_due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Message>> {
    claim(conn, now, lease_until, limit, false)
}

/// As [`claim_due`], for messages to partner subscriptions.
pub fn claim_due_for_partners(
    conn: &mut DbConn,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Message>> {
    claim(conn, now, lease_until, limit, true)
}

fn claim(
    conn: &mut DbConn,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
    partners: bool,
) -> QueryResult<Vec<Message>> {
    let free = outbox::locked_until.is_null().or(outbox::locked_until.le(now));
    let mut query = outbox::table
        .filter(outbox::status.eq("pending"))
        .filter(outbox::next_attempt_at.le(now))
        .filter(free)
        .order(outbox::id)
        .limit(limit)
        .select(Message::as_select())
        .into_boxed();
    query = if partners {
        query.filter(outbox::subscription_id.is_not_null())
    } else {
        query.filter(outbox::subscription_id.is_null())
    };
    let due: Vec<Message> = query.load(conn)?;
    let mut claimed = Vec::with_capacity(due.len());
    for message in due {
        let n = diesel::update(
            outbox::table
                .find(message.id)
                .filter(outbox::status.eq("pending"))
                .filter(outbox::locked_until.is_null().or(outbox::locked_until.le(now))),
        )
        .set(outbox::locked_until.eq(lease_until))
        .execute(conn)?;
        if n == 1 {
            claimed.push(message);
        }
    }
    Ok(claimed)
}

/// The receiver took it.
pub fn mark_delivered(conn: &mut DbConn, id: i64, attempts: i32, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq("delivered"),
            outbox::attempts.eq(attempts),
            outbox::delivered_at.eq(now),
            outbox::locked_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The attempt failed; try again at `next_at`.
pub fn mark_retry(
    conn: &mut DbConn,
    id: i64,
    attempts: i32,
    next_at: NaiveDateTime,
    error: &str,
) -> QueryResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::attempts.eq(attempts),
            outbox::next_attempt_at.eq(next_at),
            outbox::locked_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(error),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Given up: too many attempts, or a failure that can never succeed. Kept for the record.
pub fn mark_dead(conn: &mut DbConn, id: i64, attempts: i32, error: &str) -> QueryResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq("dead"),
            outbox::attempts.eq(attempts),
            outbox::locked_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(error),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Messages, optionally of one status, in id order.
pub fn list(conn: &mut DbConn, status: Option<&str>, page: PageRequest) -> QueryResult<Vec<Message>> {
    let mut query = outbox::table
        .select(Message::as_select())
        .order(outbox::id)
        .into_boxed();
    if let Some(s) = status {
        query = query.filter(outbox::status.eq(s.to_owned()));
    }
    if let Some(after) = page.after {
        query = query.filter(outbox::id.gt(after));
    }
    query.limit(page.fetch_limit()).load(conn)
}

/// Put a dead message back in line (an admin fixed the receiver).
pub fn requeue(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(outbox::table.find(id).filter(outbox::status.eq("dead")))
        .set((
            outbox::status.eq("pending"),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<Message>> {
    outbox::table
        .find(id)
        .select(Message::as_select())
        .first(conn)
        .optional()
}
