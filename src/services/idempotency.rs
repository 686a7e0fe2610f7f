//! The storage side of `Idempotency-Key` (the HTTP side — reading the header, replaying a stored
//! answer — is `api::idempotency`): claiming a key for a request, finding what an earlier copy
//! left, taking over a claim abandoned by a server that stopped, storing the answer, and giving
//! the key back after a failure of ours or an answer holding a secret.

use chrono::NaiveDateTime;

use crate::db::DbConn;
use crate::domain::time;
use crate::error::ApiError;
use crate::repo;
/// What a key holds: the request's digest, and its answer once stored.
pub use crate::repo::idempotency::KeyRecord;
/// How long keys are kept before the housekeeping job purges them.
pub use crate::repo::idempotency::RETENTION;

/// A claim unanswered this long after its last sign of life belongs to a request that died with
/// the server; a retry may take it over. Taking over a request that is in fact still running is
/// safe — its writes can no longer commit (`db::ClaimLost`) — so this need only outlast an
/// ordinary request, and keeps a retry after a crash waiting no longer than that.
pub const ABANDONED_AFTER: chrono::Duration = chrono::Duration::seconds(30);

/// What a request sent with a key is to do.
#[derive(Debug)]
pub enum Claim {
    /// This request holds the key, taken at this time (the claim's token): run it and store the
    /// answer.
    Run(NaiveDateTime),
    /// The key was used for this very request before: answer as then.
    Replay(KeyRecord),
}

/// Claim `key` for the caller's request with this digest: run it, replay the answer stored for an
/// earlier copy, or refuse — 422 `idempotency_conflict` for a different request under the same
/// key, 409 `request_in_progress` while an earlier copy runs, 409 `answer_lost` when an earlier
/// copy had its effect but its answer died with the server.
pub fn claim(conn: &mut DbConn, user_id: i64, key: &str, digest: &str) -> Result<Claim, ApiError> {
    let now = time::now();
    if repo::idempotency::claim(conn, user_id, key, digest, now)? {
        return Ok(Claim::Run(now));
    }
    let Some(record) = repo::idempotency::find(conn, user_id, key)? else {
        // Purged between the insert and the read: claim it afresh.
        return if repo::idempotency::claim(conn, user_id, key, digest, now)? {
            Ok(Claim::Run(now))
        } else {
            Err(in_progress())
        };
    };
    if record.request_digest != digest {
        return Err(ApiError::unprocessable(
            "idempotency_conflict",
            "this Idempotency-Key was already used for a different request",
        ));
    }
    if record.status_code.is_some() {
        return Ok(Claim::Replay(record));
    }
    let last_sign_of_life = record
        .completed_at
        .map_or(record.created_at, |c| c.max(record.created_at));
    if now - last_sign_of_life <= ABANDONED_AFTER {
        return Err(in_progress());
    }
    if record.completed_at.is_some() {
        return Err(ApiError::conflict(
            "answer_lost",
            "this request was carried out, but the server stopped before its answer was recorded; \
             look the result up instead of sending it again",
        ));
    }
    if repo::idempotency::take_over(conn, user_id, key, record.created_at, now)? {
        return Ok(Claim::Run(now));
    }
    Err(in_progress())
}

fn in_progress() -> ApiError {
    ApiError::conflict(
        "request_in_progress",
        "a request with this Idempotency-Key is still being handled; retry in a moment",
    )
}

/// Give the key back so that a retry runs again: after a failure of ours (unless the request
/// wrote something), or — `secret` — because the answer holds a secret that must never be
/// stored (even though the request wrote).
pub fn release(
    conn: &mut DbConn,
    (user_id, key, claimed_at): (i64, &str, NaiveDateTime),
    secret: bool,
) -> Result<(), ApiError> {
    if secret {
        repo::idempotency::forget(conn, user_id, key, claimed_at)?;
    } else {
        repo::idempotency::release(conn, user_id, key, claimed_at)?;
    }
    Ok(())
}

/// Store the answer to replay — status, headers (a JSON object), body — if the claim taken at
/// `claimed_at` is still this request's.
pub fn complete(
    conn: &mut DbConn,
    (user_id, key, claimed_at): (i64, &str, NaiveDateTime),
    answer: (i32, &str, &str),
) -> Result<(), ApiError> {
    repo::idempotency::complete(conn, user_id, (key, claimed_at), answer, time::now())?;
    Ok(())
}
