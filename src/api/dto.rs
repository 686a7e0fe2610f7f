//! Response shapes shared by several resources. Field names are the API contract.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{Role, time};
use crate::services::accounts::User;
use crate::services::organisation::{Court, Township};

#[derive(Debug, Serialize, ToSchema)]
pub struct CourtDto {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl From<Court> for CourtDto {
    fn from(c: Court) -> CourtDto {
        CourtDto {
            id: c.id,
            code: c.code,
            name: c.name,
            created_at: time::to_utc(c.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TownshipDto {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub court_id: i64,
    pub created_at: DateTime<Utc>,
}

impl From<Township> for TownshipDto {
    fn from(t: Township) -> TownshipDto {
        TownshipDto {
            id: t.id,
            code: t.code,
            name: t.name,
            court_id: t.court_id,
            created_at: time::to_utc(t.created_at),
        }
    }
}

/// A user account as shown to admins and to the user themself. Never includes the password hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The officer's court.
    pub court_id: Option<i64>,
    /// The supervisor's or worker's township.
    pub township_id: Option<i64>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserDto {
    fn from(u: User) -> UserDto {
        UserDto {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            // Roles are checked by the database; an unknown one cannot be stored.
            role: u.role,
            court_id: u.court_id,
            township_id: u.township_id,
            active: u.active,
            created_at: time::to_utc(u.created_at),
            updated_at: time::to_utc(u.updated_at),
        }
    }
}
