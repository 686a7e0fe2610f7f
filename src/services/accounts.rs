//! User accounts: creating and changing them (admins), and reading them.

use crate::auth::password;
use crate::db::{DbConn, write_tx};
use crate::domain::{Capacity, Name, Password, Role, Username, time, worker::Availability};
use crate::error::ApiError;
/// The row this service hands out: a user account.
pub use crate::repo::users::User;
use crate::repo::{
    self, PageRequest,
    audit::Actor,
    users::{NewUser, UserChanges, UserFilter},
    workers::WorkerProfile,
};

/// A validated request for a new account.
#[derive(Debug)]
pub struct NewAccount {
    pub username: Username,
    pub display_name: Name,
    pub password: Password,
    pub role: Role,
    pub court_id: Option<i64>,
    pub township_id: Option<i64>,
}

/// Check that the scope fits the role and that it exists.
fn check_scope(conn: &mut DbConn, account: &NewAccount) -> Result<(), ApiError> {
    match (account.role.needs_court(), account.court_id) {
        (true, None) => return Err(ApiError::invalid("court_id", "an officer needs a court_id")),
        (false, Some(_)) => {
            return Err(ApiError::invalid(
                "court_id",
                format!("a {} has no court_id", account.role),
            ));
        }
        (true, Some(id)) => {
            if repo::courts::find(conn, id)?.is_none() {
                return Err(ApiError::invalid("court_id", format!("no court has id {id}")));
            }
        }
        (false, None) => {}
    }
    match (account.role.needs_township(), account.township_id) {
        (true, None) => Err(ApiError::invalid(
            "township_id",
            format!("a {} needs a township_id", account.role),
        )),
        (false, Some(_)) => Err(ApiError::invalid(
            "township_id",
            format!("a {} has no township_id", account.role),
        )),
        (true, Some(id)) => match repo::townships::find(conn, id)? {
            Some(_) => Ok(()),
            None => Err(ApiError::invalid(
                "township_id",
                format!("no township has id {id}"),
            )),
        },
        (false, None) => Ok(()),
    }
}

/// Create an account (and, for a grid worker, an empty profile) in one transaction.
pub fn create(conn: &mut DbConn, actor: &Actor, account: NewAccount) -> Result<User, ApiError> {
    // Hash before taking the write lock: it is the slow part.
    let password_hash = password::hash(&account.password).map_err(ApiError::internal)?;
    write_tx(conn, |conn| {
        check_scope(conn, &account)?;
        if repo::users::find_by_username(conn, account.username.as_str())?.is_some() {
            return Err(ApiError::conflict(
                "username_taken",
                "that username is already in use",
            ));
        }
        let now = time::now();
        let user = repo::users::insert(
            conn,
            &NewUser {
                username: account.username.as_str(),
                display_name: account.display_name.as_str(),
                password_hash: &password_hash,
                role: account.role.as_str(),
                court_id: account.court_id,
                township_id: account.township_id,
                active: true,
                created_at: now,
                updated_at: now,
            },
        )?;
        if account.role == Role::Worker {
            repo::workers::save_profile(
                conn,
                &WorkerProfile {
                    user_id: user.id,
                    capacity: Capacity::DEFAULT.get(),
                    availability: Availability::Active,
                    on_leave_until: None,
                    updated_at: now,
                },
            )?;
        }
        repo::audit::record(
            conn,
            actor,
            "user.create",
            "user",
            Some(user.id.to_string()),
            Some(serde_json::json!({"username": user.username, "role": user.role})),
        )?;
        Ok(user)
    })
}

/// Validated changes to an account.
#[derive(Debug, Default)]
pub struct AccountChanges {
    pub display_name: Option<Name>,
    pub password: Option<Password>,
    pub active: Option<bool>,
}

/// Change an account. Deactivating it also revokes its refresh tokens, so it cannot renew its
/// access; a password change does the same, signing out every device.
pub fn update(
    conn: &mut DbConn,
    actor: &Actor,
    user_id: i64,
    changes: AccountChanges,
) -> Result<User, ApiError> {
    if changes.active == Some(false) && actor.user_id == Some(user_id) {
        return Err(ApiError::invalid(
            "active",
            "you cannot deactivate your own account",
        ));
    }
    let password_hash = match &changes.password {
        Some(p) => Some(password::hash(p).map_err(ApiError::internal)?),
        None => None,
    };
    write_tx(conn, |conn| {
        if repo::users::find(conn, user_id)?.is_none() {
            return Err(ApiError::NotFound("user"));
        }
        let now = time::now();
        let revoke = changes.active == Some(false) || password_hash.is_some();
        let fields: Vec<&str> = [
            changes.display_name.as_ref().map(|_| "display_name"),
            password_hash.as_ref().map(|_| "password"),
            changes.active.map(|_| "active"),
        ]
        .into_iter()
        .flatten()
        .collect();
        let user = repo::users::update(
            conn,
            user_id,
            &UserChanges {
                display_name: changes.display_name.map(Name::into_string),
                password_hash,
                active: changes.active,
                updated_at: Some(now),
            },
        )?;
        if revoke {
            repo::refresh_tokens::revoke_all_for_user(conn, user_id, now)?;
        }
        repo::audit::record(
            conn,
            actor,
            "user.update",
            "user",
            Some(user_id.to_string()),
            Some(serde_json::json!({"fields": fields, "active": user.active})),
        )?;
        Ok(user)
    })
}

/// One account; 404 when there is none with that id.
pub fn get(conn: &mut DbConn, user_id: i64) -> Result<User, ApiError> {
    repo::users::find(conn, user_id)?.ok_or(ApiError::NotFound("user"))
}

/// A page of the accounts, optionally only those of a role or of a township.
pub fn list(
    conn: &mut DbConn,
    (role, township_id): (Option<Role>, Option<i64>),
    page: PageRequest,
) -> Result<Vec<User>, ApiError> {
    let filter = UserFilter {
        role: role.map(Role::as_str),
        township_id,
    };
    Ok(repo::users::list(conn, filter, page)?)
}
