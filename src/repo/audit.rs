//! The audit trail: one row per write and per read of personal data, written in the same
//! transaction as the change it records. Rows are append-only (the database refuses UPDATE and
//! DELETE) and hash-chained: each stores the SHA-256 of its content and of the previous row, so
//! [`verify`] finds the first row altered, removed or slipped in.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::db::DbConn;
use crate::db::schema::audit_events;
use crate::domain::time;

/// Who did something, and under which request. Services receive it from the API layer.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub role: Option<String>,
    pub request_id: Option<String>,
    /// The client's address, as the API takes it (the TCP peer, or the configured proxy header).
    pub client_ip: Option<String>,
}

impl Actor {
    /// Work the service does on its own: deadlines, automatic placement.
    pub fn system() -> Actor {
        Actor {
            role: Some("system".into()),
            ..Actor::default()
        }
    }

    /// Work done from the command line, outside any request.
    pub fn cli() -> Actor {
        Actor {
            user_id: None,
            role: Some("cli".into()),
            request_id: None,
            client_ip: None,
        }
    }
}

/// Key of the PostgreSQL advisory lock that orders audit rows ("GRIDAUDT").
const AUDIT_CHAIN_LOCK: i64 = 0x4752_4944_4155_4454;

/// The content a row's hash covers, in a fixed order. JSON keeps the fields unambiguous (no
/// separator can be forged inside a value); the time is written to the microsecond, as stored.
#[allow(clippy::too_many_arguments)]
fn content_hash(
    prev_hash: &str,
    occurred_at: NaiveDateTime,
    actor_id: Option<i64>,
    actor_role: Option<&str>,
    action: &str,
    object_type: &str,
    object_id: Option<&str>,
    request_id: Option<&str>,
    detail: Option<&str>,
    context: &Context,
) -> String {
    let mut content = vec![
        serde_json::json!(prev_hash),
        serde_json::json!(occurred_at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()),
        serde_json::json!(actor_id),
        serde_json::json!(actor_role),
        serde_json::json!(action),
        serde_json::json!(object_type),
        serde_json::json!(object_id),
        serde_json::json!(request_id),
        serde_json::json!(detail),
    ];
    // Rows from before the context columns hash as they always did; a row with any context
    // covers all three, so none of them can be blanked or changed without breaking the chain.
    if !context.is_empty() {
        content.extend([
            serde_json::json!(context.client_ip),
            serde_json::json!(context.purpose),
            serde_json::json!(context.fields),
        ]);
    }
    hex::encode(Sha256::digest(
        serde_json::Value::Array(content).to_string().as_bytes(),
    ))
}

/// Where a request came from and why personal data was read: the columns added after the
/// chain began.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Context {
    client_ip: Option<String>,
    purpose: Option<String>,
    /// A JSON array of the personal fields exposed.
    fields: Option<String>,
}

impl Context {
    fn is_empty(&self) -> bool {
        self.client_ip.is_none() && self.purpose.is_none() && self.fields.is_none()
    }
}

/// Run `f` in the caller's transaction, or in a write transaction of its own when there is none:
/// reading the chain's head and appending to it must be one atomic step.
fn in_transaction<T>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> QueryResult<T>) -> QueryResult<T> {
    use diesel::connection::{Connection, TransactionManager};
    let depth = <DbConn as Connection>::TransactionManager::transaction_manager_status_mut(conn)
        .transaction_depth()?;
    match depth {
        Some(_) => f(conn),
        None => crate::db::write_tx(conn, f),
    }
}

/// Record one event, chained to the one before. `detail` is a small JSON object; it must never
/// hold personal data verbatim (ID numbers, phones), passwords or tokens.
pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    action: &str,
    object_type: &str,
    object_id: Option<String>,
    detail: Option<serde_json::Value>,
) -> QueryResult<()> {
    let context = Context {
        client_ip: actor.client_ip.clone(),
        ..Context::default()
    };
    append(conn, actor, (action, object_type, object_id), detail, context)
}

/// Record a read of personal data: which `fields` (e.g. `party.id_number`) of which object
/// were shown, and for what `purpose` — the task or case the reader works on (`task:42`).
pub fn record_read(
    conn: &mut DbConn,
    actor: &Actor,
    (action, object_type, object_id): (&str, &str, Option<String>),
    purpose: &str,
    fields: &[&str],
    detail: Option<serde_json::Value>,
) -> QueryResult<()> {
    let context = Context {
        client_ip: actor.client_ip.clone(),
        purpose: Some(purpose.to_owned()),
        fields: Some(serde_json::json!(fields).to_string()),
    };
    append(conn, actor, (action, object_type, object_id), detail, context)
}

fn append(
    conn: &mut DbConn,
    actor: &Actor,
    (action, object_type, object_id): (&str, &str, Option<String>),
    detail: Option<serde_json::Value>,
    context: Context,
) -> QueryResult<()> {
    let occurred_at = time::now();
    let detail = detail.map(|d| d.to_string());
    in_transaction(conn, |conn| {
        // Appends to the chain happen one at a time: on PostgreSQL under an advisory lock held
        // to the end of the transaction, on SQLite because writers are serialised already.
        if let DbConn::Postgres(_) = conn {
            diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
                .bind::<diesel::sql_types::BigInt, _>(AUDIT_CHAIN_LOCK)
                .execute(conn)?;
        }
        let head: Option<Option<String>> = audit_events::table
            .order(audit_events::id.desc())
            .select(audit_events::hash)
            .first(conn)
            .optional()?;
        let prev_hash = head.flatten().unwrap_or_default();
        let hash = content_hash(
            &prev_hash,
            occurred_at,
            actor.user_id,
            actor.role.as_deref(),
            action,
            object_type,
            object_id.as_deref(),
            actor.request_id.as_deref(),
            detail.as_deref(),
            &context,
        );
        diesel::insert_into(audit_events::table)
            .values((
                audit_events::occurred_at.eq(occurred_at),
                audit_events::actor_id.eq(actor.user_id),
                audit_events::actor_role.eq(actor.role.as_deref()),
                audit_events::action.eq(action),
                audit_events::object_type.eq(object_type),
                audit_events::object_id.eq(object_id.as_deref()),
                audit_events::request_id.eq(actor.request_id.as_deref()),
                audit_events::detail.eq(detail.as_deref()),
                audit_events::prev_hash.eq(&prev_hash),
                audit_events::hash.eq(&hash),
                audit_events::client_ip.eq(context.client_ip.as_deref()),
                audit_events::purpose.eq(context.purpose.as_deref()),
                audit_events::fields.eq(context.fields.as_deref()),
            ))
            .execute(conn)
            .map(|_| ())
    })
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: i64,
    pub occurred_at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor_role: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub request_id: Option<String>,
    pub detail: Option<String>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
    pub client_ip: Option<String>,
    pub purpose: Option<String>,
    pub fields: Option<String>,
}

/// What walking the chain found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Verification {
    /// True when every chained row matches its content and follows the row before.
    pub ok: bool,
    pub rows_checked: u64,
    /// Rows written before the trail was chained (a prefix; not verifiable).
    pub unchained_prefix: u64,
    /// The hash of the last row: record it elsewhere (a ticket, a printout) to detect later
    /// removal of rows from the end, which a chain alone cannot show.
    pub head_hash: Option<String>,
    /// The first row that does not verify, and why.
    pub first_broken: Option<BrokenLink>,
    /// Records outside the trail (task events, check-ins, evidence, submissions, score lines)
    /// whose seal was recomputed (see `repo::seals`).
    pub records_checked: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct BrokenLink {
    pub id: i64,
    /// `content_altered` (the row's hash does not match its content), `chain_broken` (its
    /// `prev_hash` is not the previous row's hash: a row was removed or inserted), or
    /// `unchained_row` (a row without hashes after the chain began), `record_altered` or
    /// `record_missing` (a record the row seals was changed or removed since; `record` names it).
    pub reason: String,
    /// For `record_altered` / `record_missing`: the sealed record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<SealedRecord>,
}

/// A record outside the trail, named by its table and id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SealedRecord {
    /// `task_events`, `check_ins`, `evidence`, `submissions` or `score_lines`.
    pub table: String,
    pub id: i64,
}

/// Walk the whole chain in id order, a page at a time, and report the first broken link.
pub fn verify(conn: &mut DbConn) -> QueryResult<Verification> {
    const PAGE: i64 = 5_000;
    let mut report = Verification {
        ok: true,
        rows_checked: 0,
        unchained_prefix: 0,
        head_hash: None,
        first_broken: None,
        records_checked: 0,
    };
    let mut after = 0_i64;
    let mut previous: Option<String> = None;
    let mut chained = false;
    loop {
        let rows: Vec<AuditEvent> = audit_events::table
            .filter(audit_events::id.gt(after))
            .order(audit_events::id)
            .limit(PAGE)
            .select(AuditEvent::as_select())
            .load(conn)?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for row in rows {
            report.rows_checked += 1;
            let broken = |reason: &str| BrokenLink {
                id: row.id,
                reason: reason.to_owned(),
                record: None,
            };
            let (Some(prev_hash), Some(hash)) = (&row.prev_hash, &row.hash) else {
                if chained {
                    report.first_broken.get_or_insert(broken("unchained_row"));
                } else {
                    report.unchained_prefix += 1;
                }
                continue;
            };
            chained = true;
            let expected = content_hash(
                prev_hash,
                row.occurred_at,
                row.actor_id,
                row.actor_role.as_deref(),
                &row.action,
                &row.object_type,
                row.object_id.as_deref(),
                row.request_id.as_deref(),
                row.detail.as_deref(),
                &Context {
                    client_ip: row.client_ip.clone(),
                    purpose: row.purpose.clone(),
                    fields: row.fields.clone(),
                },
            );
            if &expected != hash {
                report.first_broken.get_or_insert(broken("content_altered"));
            } else if previous.as_deref().unwrap_or_default() != prev_hash.as_str() {
                report.first_broken.get_or_insert(broken("chain_broken"));
            }
            previous = Some(hash.clone());
        }
        if report.first_broken.is_some() {
            break;
        }
    }
    report.ok = report.first_broken.is_none();
    report.head_hash = previous;
    Ok(report)
}

/// Audit rows, newest first, optionally for one object or action.
pub fn list(
    conn: &mut DbConn,
    (object_type, object_id, action): (Option<&str>, Option<&str>, Option<&str>),
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditEvent>> {
    let mut query = audit_events::table
        .order(audit_events::id.desc())
        .limit(limit)
        .select(AuditEvent::as_select())
        .into_boxed();
    if let Some(t) = object_type {
        query = query.filter(audit_events::object_type.eq(t.to_owned()));
    }
    if let Some(id) = object_id {
        query = query.filter(audit_events::object_id.eq(id.to_owned()));
    }
    if let Some(a) = action {
        query = query.filter(audit_events::action.eq(a.to_owned()));
    }
    if let Some(b) = before {
        query = query.filter(audit_events::id.lt(b));
    }
    query.load(conn)
}

/// How many audit rows there are for an action (used by tests and the admin CLI).
pub fn count_action(conn: &mut DbConn, action: &str) -> QueryResult<i64> {
    audit_events::table
        .filter(audit_events::action.eq(action))
        .count()
        .get_result(conn)
}
