//! Sign-in, token rotation and sign-out.
//!
//! A login starts a refresh-token *family*. Each refresh spends the presented token and issues
//! a new one in the same family; presenting a spent token again means it was copied, so the
//! whole family is revoked and both holders must sign in again.

use std::time::Duration;

use crate::auth::{JwtKeys, password, refresh};
use crate::db::{DbConn, write_tx};
use crate::domain::time;
use crate::error::ApiError;
use crate::repo::{self, audit::Actor, refresh_tokens::NewRefreshToken, users::User};

/// What a successful login or refresh hands the client.
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
    pub user: User,
}

/// Issue an access token and a refresh token in `family_id` (inside the caller's transaction).
fn issue(
    conn: &mut DbConn,
    jwt: &JwtKeys,
    refresh_ttl: Duration,
    user: User,
    family_id: &str,
) -> Result<Session, ApiError> {
    let (access_token, expires_in) = jwt.issue(user.id, user.role).map_err(ApiError::internal)?;
    let refresh_token = refresh::generate();
    let now = time::now();
    let ttl = chrono::Duration::from_std(refresh_ttl).map_err(ApiError::internal)?;
    repo::refresh_tokens::insert(
        conn,
        &NewRefreshToken {
            user_id: user.id,
            family_id,
            token_hash: &refresh::digest(&refresh_token),
            issued_at: now,
            expires_at: now + ttl,
        },
    )?;
    Ok(Session {
        access_token,
        refresh_token,
        expires_in,
        user,
    })
}

/// Check a username and password. Unknown user, wrong password and deactivated account all
/// give the same answer, after the same amount of work.
pub fn login(
    conn: &mut DbConn,
    jwt: &JwtKeys,
    refresh_ttl: Duration,
    username: &str,
    password_attempt: &str,
    origin: Actor,
) -> Result<Session, ApiError> {
    let username = username.to_ascii_lowercase();
    let user = repo::users::find_by_username(conn, &username)?;
    let verified = match &user {
        Some(u) => password::verify(&u.password_hash, password_attempt) && u.active,
        None => {
            password::verify_against_dummy(password_attempt);
            false
        }
    };
    match user {
        Some(user) if verified => write_tx(conn, |conn| {
            let actor = Actor {
                user_id: Some(user.id),
                role: Some(user.role.as_str().to_owned()),
                ..origin.clone()
            };
            repo::audit::record(
                conn,
                &actor,
                "auth.login",
                "user",
                Some(user.id.to_string()),
                None,
            )?;
            issue(conn, jwt, refresh_ttl, user, &refresh::new_family_id())
        }),
        other => {
            let actor = Actor {
                user_id: other.map(|u| u.id),
                role: None,
                ..origin
            };
            write_tx(conn, |conn| {
                repo::audit::record(
                    conn,
                    &actor,
                    "auth.login_failed",
                    "user",
                    actor.user_id.map(|id| id.to_string()),
                    None,
                )
            })?;
            Err(ApiError::InvalidCredentials)
        }
    }
}

enum Rotation {
    Rotated(Box<Session>),
    /// Refused after revoking the family (the revocation must be committed, so it is not an
    /// error inside the transaction).
    Refused,
}

/// Exchange a refresh token for a new pair.
pub fn rotate(
    conn: &mut DbConn,
    jwt: &JwtKeys,
    refresh_ttl: Duration,
    presented: &str,
    origin: Actor,
) -> Result<Session, ApiError> {
    let digest = refresh::digest(presented);
    let outcome = write_tx(conn, |conn| {
        let token =
            repo::refresh_tokens::find_by_hash(conn, &digest)?.ok_or(ApiError::InvalidRefreshToken)?;
        let now = time::now();
        if token.revoked_at.is_some() || token.expires_at <= now {
            return Err(ApiError::InvalidRefreshToken);
        }
        let actor = Actor {
            user_id: Some(token.user_id),
            role: None,
            ..origin.clone()
        };
        let user = repo::users::find(conn, token.user_id)?;
        let reused = token.used_at.is_some() || !repo::refresh_tokens::mark_used(conn, token.id, now)?;
        match user {
            Some(user) if user.active && !reused => {
                repo::audit::record(
                    conn,
                    &actor,
                    "auth.refresh",
                    "user",
                    Some(user.id.to_string()),
                    None,
                )?;
                let session = issue(conn, jwt, refresh_ttl, user, &token.family_id)?;
                Ok(Rotation::Rotated(Box::new(session)))
            }
            _ => {
                repo::refresh_tokens::revoke_family(conn, &token.family_id, now)?;
                let action = if reused {
                    "auth.refresh_reuse_detected"
                } else {
                    "auth.refresh_refused"
                };
                repo::audit::record(
                    conn,
                    &actor,
                    action,
                    "user",
                    Some(token.user_id.to_string()),
                    None,
                )?;
                Ok(Rotation::Refused)
            }
        }
    })?;
    match outcome {
        Rotation::Rotated(session) => Ok(*session),
        Rotation::Refused => Err(ApiError::InvalidRefreshToken),
    }
}

/// Sign out: revoke the family of the given refresh token (which must be the caller's), or
/// every family of the caller when none is given.
pub fn logout(
    conn: &mut DbConn,
    actor: &Actor,
    user_id: i64,
    presented: Option<&str>,
) -> Result<(), ApiError> {
    write_tx(conn, |conn| {
        let now = time::now();
        match presented {
            Some(token) => {
                let found = repo::refresh_tokens::find_by_hash(conn, &refresh::digest(token))?;
                match found {
                    Some(t) if t.user_id == user_id => {
                        repo::refresh_tokens::revoke_family(conn, &t.family_id, now)?;
                    }
                    _ => return Err(ApiError::InvalidRefreshToken),
                }
            }
            None => {
                repo::refresh_tokens::revoke_all_for_user(conn, user_id, now)?;
            }
        }
        repo::audit::record(
            conn,
            actor,
            "auth.logout",
            "user",
            Some(user_id.to_string()),
            None,
        )?;
        Ok(())
    })
}
