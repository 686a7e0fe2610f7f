//! Idempotency keys: the first answer to a POST sent with an `Idempotency-Key`, per user, so a
//! retry gets the same answer instead of a second effect. The primary key (user, key) is what
//! makes two concurrent copies produce one effect: only one insert can win.
//!
//! A claim is identified by its `created_at` (a fencing token): a retry that takes over an
//! abandoned claim gives it a new one, and storing an answer, releasing the key and stamping it
//! (`db::RequestClaim`: the request's write transactions set `completed_at`) only ever touch the
//! claim the request still holds.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::idempotency_keys;

/// How long keys are kept (the mobile contract promises at least 24 hours); the housekeeping
/// job purges older ones.
pub const RETENTION: chrono::Duration = chrono::Duration::hours(48);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys)]
pub struct KeyRecord {
    pub user_id: i64,
    pub idem_key: String,
    pub request_digest: String,
    /// None while the first request is still being handled.
    pub status_code: Option<i32>,
    /// JSON object of header name → value.
    pub response_headers: Option<String>,
    pub body: Option<String>,
    /// When the claim was taken (or taken over): the claim's fencing token.
    pub created_at: NaiveDateTime,
    /// Set by the request's first committed write (so: it had an effect), and again when the
    /// answer is stored. Set while `status_code` is None: the effect happened, the answer is
    /// not stored (yet, or ever — the process died in between).
    pub completed_at: Option<NaiveDateTime>,
}

/// Claim a key for a request about to run. Ok(true) when this request holds it now; Ok(false)
/// when the key exists already (read it with [`find`]).
pub fn claim(
    conn: &mut DbConn,
    user_id: i64,
    key: &str,
    digest: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let inserted = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::user_id.eq(user_id),
            idempotency_keys::idem_key.eq(key),
            idempotency_keys::request_digest.eq(digest),
            idempotency_keys::created_at.eq(now),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)) => {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

pub fn find(conn: &mut DbConn, user_id: i64, key: &str) -> QueryResult<Option<KeyRecord>> {
    idempotency_keys::table
        .find((user_id, key))
        .select(KeyRecord::as_select())
        .first(conn)
        .optional()
}

/// Take over a claim whose request never finished (the server stopped mid-request): only if it is
/// still unfinished, wrote nothing, and is still the claim we saw, so two retries cannot both
/// take it over. The new `created_at` (`now`) is the new claim's token.
pub fn take_over(
    conn: &mut DbConn,
    user_id: i64,
    key: &str,
    seen_created_at: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        idempotency_keys::table
            .find((user_id, key))
            .filter(idempotency_keys::status_code.is_null())
            .filter(idempotency_keys::completed_at.is_null())
            .filter(idempotency_keys::created_at.eq(seen_created_at)),
    )
    .set(idempotency_keys::created_at.eq(now))
    .execute(conn)?;
    Ok(n == 1)
}

/// Store the answer to replay, if the claim taken at `claimed_at` is still this request's.
pub fn complete(
    conn: &mut DbConn,
    user_id: i64,
    (key, claimed_at): (&str, NaiveDateTime),
    (status, headers, body): (i32, &str, &str),
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        idempotency_keys::table
            .find((user_id, key))
            .filter(idempotency_keys::created_at.eq(claimed_at))
            .filter(idempotency_keys::status_code.is_null()),
    )
    .set((
        idempotency_keys::status_code.eq(status),
        idempotency_keys::response_headers.eq(headers),
        idempotency_keys::body.eq(body),
        idempotency_keys::completed_at.eq(now),
    ))
    .execute(conn)
    .map(|_| ())
}

/// Forget a claim (the request failed on our side; a retry should run it again) — unless it
/// wrote something, or is no longer this request's.
pub fn release(conn: &mut DbConn, user_id: i64, key: &str, claimed_at: NaiveDateTime) -> QueryResult<()> {
    diesel::delete(
        idempotency_keys::table
            .find((user_id, key))
            .filter(idempotency_keys::created_at.eq(claimed_at))
            .filter(idempotency_keys::status_code.is_null())
            .filter(idempotency_keys::completed_at.is_null()),
    )
    .execute(conn)
    .map(|_| ())
}

/// Forget this request's own claim even though it wrote: its answer holds a secret that must not
/// be stored, so a retry runs afresh (and issues a new secret) rather than replaying it.
pub fn forget(conn: &mut DbConn, user_id: i64, key: &str, claimed_at: NaiveDateTime) -> QueryResult<()> {
    diesel::delete(
        idempotency_keys::table
            .find((user_id, key))
            .filter(idempotency_keys::created_at.eq(claimed_at))
            .filter(idempotency_keys::status_code.is_null()),
    )
    .execute(conn)
    .map(|_| ())
}

/// Drop keys older than `before`; returns how many.
pub fn purge(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(before))).execute(conn)
}
