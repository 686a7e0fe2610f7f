//! The audit trail: one row per write (and, later, per read of personal data), written in the
//! same transaction as the change it records.

use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::audit_events;
use crate::domain::time;

/// Who did something, and under which request. Services receive it from the API layer.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub role: Option<String>,
    pub request_id: Option<String>,
}

impl Actor {
    /// Work done from the command line, outside any request.
    pub fn cli() -> Actor {
        Actor {
            user_id: None,
            role: Some("cli".into()),
            request_id: None,
        }
    }
}

/// Record one event. `detail` is a small JSON object; it must never hold personal data
/// verbatim (ID numbers, phones), passwords or tokens.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    object_type: &str,
    object_id: Option<String>,
    detail: Option<serde_json::Value>,
) -> QueryResult<()> {
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::occurred_at.eq(time::now()),
            audit_events::actor_id.eq(actor.user_id),
            audit_events::actor_role.eq(actor.role.as_deref()),
            audit_events::action.eq(action),
            audit_events::object_type.eq(object_type),
            audit_events::object_id.eq(object_id),
            audit_events::request_id.eq(actor.request_id.as_deref()),
            audit_events::detail.eq(detail.map(|d| d.to_string())),
        ))
        .execute(conn)
        .map(|_| ())
}

/// How many audit rows there are for an action (used by tests and the admin CLI).
pub fn count_action(conn: &mut DbConn, action: &str) -> QueryResult<i64> {
    audit_events::table
        .filter(audit_events::action.eq(action))
        .count()
        .get_result(conn)
}
