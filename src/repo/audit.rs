//! The audit trail: one row per write and per read of personal data, written in the same
//! transaction as the change it records. Rows are append-only (the database refuses UPDATE,
//! DELETE and, on PostgreSQL, TRUNCATE) and hash-chained: each stores a hash of its content and
//! of the previous row — an HMAC with the audit key kept outside the database (rows from before
//! the key: the public SHA-256) — so [`verify`] finds the first row altered, removed or slipped
//! in, and, compared with checkpoints kept outside the database, rows cut from the end.
//!
//! The key reaches [`record`] through the connection's [`ChainMode`] (see `db`), so callers pass
//! nothing for it.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::schema::audit_events;
use crate::db::{ChainMode, DbConn};
use crate::domain::audit_chain::{self, AuditKey, Checkpoint};
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
/// The hash itself is keyed or public (`domain::audit_chain`); the content is the same.
#[allow(clippy::too_many_arguments)]
fn content(
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
    serde_json::Value::Array(content).to_string()
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
        let content = content(
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
        let hash = match crate::db::chain_mode() {
            Some(ChainMode::Keyed(key)) => key.row_hash(&content),
            // A database being seeded before it is first served; once a keyed row exists, a row
            // with the public hash would be a break in the chain, so it is refused.
            Some(ChainMode::Unkeyed) if !audit_chain::is_keyed(&prev_hash) => {
                audit_chain::legacy_hash(&content)
            }
            Some(ChainMode::Unkeyed) => {
                return Err(chain_error(
                    "the audit trail is keyed: writing to it needs the audit key",
                ));
            }
            None => {
                return Err(chain_error(
                    "no audit chain mode: use the connection through Db::run or Db::get",
                ));
            }
        };
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

fn chain_error(message: &'static str) -> diesel::result::Error {
    #[derive(Debug, thiserror::Error)]
    #[error("{0}")]
    struct ChainError(&'static str);
    diesel::result::Error::QueryBuilderError(Box::new(ChainError(message)))
}

/// What walking the chain found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Verification {
    /// True when every chained row matches its content and follows the row before, every
    /// checkpoint matches the trail, and every checkpoint's signature verifies.
    pub ok: bool,
    pub rows_checked: u64,
    /// Rows written before the trail was chained (a prefix; not verifiable).
    pub unchained_prefix: u64,
    /// Rows hashed with the audit key. Rows before the first of them carry the public SHA-256
    /// of deployments from before the key; none may follow it.
    pub keyed_rows: u64,
    /// The id of the last row.
    pub head_id: Option<i64>,
    /// The hash of the last row.
    pub head_hash: Option<String>,
    /// The first row that does not verify, and why.
    pub first_broken: Option<BrokenLink>,
    /// How many signed checkpoints (kept outside the database) the trail was compared with.
    pub checkpoints_checked: u64,
    /// Checkpoint lines whose signature does not verify (forged, altered, or signed with another
    /// key). Any makes `ok` false.
    pub invalid_checkpoints: u64,
    /// The most recent checkpoint compared.
    pub latest_checkpoint: Option<CheckpointSummary>,
    /// Records outside the trail (task events, check-ins, evidence, submissions, score lines)
    /// whose seal was recomputed (see `repo::seals`).
    pub records_checked: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct BrokenLink {
    pub id: i64,
    /// `content_altered` (the row's hash does not match its content — or, for a keyed row, was
    /// not made with the key), `chain_broken` (its `prev_hash` is not the previous row's hash: a
    /// row was removed or inserted), `unchained_row` (a row without hashes after the chain
    /// began), `unkeyed_row` (a row with the public hash after a keyed row or after the first
    /// checkpoint: recomputed without the key), `truncated` (a checkpointed row is gone: rows
    /// were cut from the end — also when rows were written after the cut) or
    /// `rewritten_since_checkpoint` (a checkpointed row has another hash, or another number of
    /// rows up to it, than the checkpoint recorded: the chain was rebuilt with the key). `id` is
    /// the checkpoint's row for these two.
    pub reason: String,
    /// The checkpoint that revealed the break (for the last two reasons).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<CheckpointSummary>,
    /// For `record_altered` / `record_missing` (a record the row seals was changed or removed
    /// since it was written): the sealed record.
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

/// A checkpoint of the chain's head, as the report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CheckpointSummary {
    /// The chain's last row when the checkpoint was taken (0: the trail was empty).
    pub row_id: i64,
    /// Rows up to and including that row.
    pub row_count: u64,
    /// That row's hash.
    pub head_hash: Option<String>,
    /// When the checkpoint was taken.
    pub at: DateTime<Utc>,
}

impl From<&Checkpoint> for CheckpointSummary {
    fn from(c: &Checkpoint) -> CheckpointSummary {
        CheckpointSummary {
            row_id: c.row_id,
            row_count: c.row_count,
            head_hash: c.head_hash.clone(),
            at: time::to_utc(c.at),
        }
    }
}

/// Walk the whole chain in id order, a page at a time, and report the first broken link.
///
/// Keyed rows are checked with `key`. Every checkpoint is compared with the trail: its row must
/// be there, with the hash and the number of rows before it that it recorded, and every row
/// after the earliest checkpoint must be keyed — so a chain rewritten (with the key or without)
/// or cut short since a checkpoint is found, and so is one recomputed entirely with the public
/// formula.
pub fn verify(conn: &mut DbConn, key: &AuditKey, checkpoints: &[Checkpoint]) -> QueryResult<Verification> {
    let mut walk = Walk::new(key, checkpoints);
    walk.run(conn, 0)?;
    Ok(walk.finish())
}

/// Check only the rows after `anchor` (a checkpoint written earlier): its row must still be
/// there with its hash, and every later row keyed and chained to it. The background job's cheap
/// round before it writes the next checkpoint; `rows_checked` counts the rows after `anchor`.
pub fn verify_since(conn: &mut DbConn, key: &AuditKey, anchor: &Checkpoint) -> QueryResult<Verification> {
    let mut walk = Walk::new(key, std::slice::from_ref(anchor));
    walk.report.head_id = Some(anchor.row_id).filter(|id| *id > 0);
    walk.report.head_hash = anchor.head_hash.clone();
    if anchor.row_id > 0 {
        let row: Option<Option<String>> = audit_events::table
            .find(anchor.row_id)
            .select(audit_events::hash)
            .first(conn)
            .optional()?;
        match row {
            Some(hash) if hash == anchor.head_hash => {}
            Some(_) => walk.broken(anchor.row_id, "rewritten_since_checkpoint", Some(anchor)),
            None => walk.broken(anchor.row_id, "truncated", Some(anchor)),
        }
    }
    if walk.report.first_broken.is_none() {
        walk.expected.clear();
        walk.previous = anchor.head_hash.clone();
        walk.chained = anchor.head_hash.is_some();
        walk.keyed_seen = anchor.head_hash.as_deref().is_some_and(audit_chain::is_keyed);
        walk.run(conn, anchor.row_id)?;
    }
    Ok(walk.finish())
}

/// The state of one walk along the chain.
struct Walk<'a> {
    key: &'a AuditKey,
    report: Verification,
    /// The hash of the last chained row seen.
    previous: Option<String>,
    chained: bool,
    keyed_seen: bool,
    /// Rows with a greater id must be keyed: the earliest checkpoint's row.
    keyed_after: Option<i64>,
    /// Checkpoints not yet reached, by row id.
    expected: BTreeMap<i64, Vec<&'a Checkpoint>>,
}

impl<'a> Walk<'a> {
    fn new(key: &'a AuditKey, checkpoints: &'a [Checkpoint]) -> Walk<'a> {
        let mut expected: BTreeMap<i64, Vec<&Checkpoint>> = BTreeMap::new();
        for c in checkpoints.iter().filter(|c| c.row_id > 0) {
            expected.entry(c.row_id).or_default().push(c);
        }
        Walk {
            key,
            report: Verification {
                ok: true,
                rows_checked: 0,
                unchained_prefix: 0,
                keyed_rows: 0,
                head_id: None,
                head_hash: None,
                first_broken: None,
                checkpoints_checked: checkpoints.len() as u64,
                invalid_checkpoints: 0,
                latest_checkpoint: checkpoints
                    .iter()
                    .max_by_key(|c| (c.at, c.row_id))
                    .map(Into::into),
                records_checked: 0,
            },
            previous: None,
            chained: false,
            keyed_seen: false,
            keyed_after: checkpoints.iter().map(|c| c.row_id).min(),
            expected,
        }
    }

    fn broken(&mut self, id: i64, reason: &str, checkpoint: Option<&Checkpoint>) {
        self.report.first_broken.get_or_insert(BrokenLink {
            id,
            reason: reason.to_owned(),
            checkpoint: checkpoint.map(Into::into),
            record: None,
        });
    }

    /// Walk the rows after `after`, a page at a time, until the end or the first break.
    fn run(&mut self, conn: &mut DbConn, after: i64) -> QueryResult<()> {
        const PAGE: i64 = 5_000;
        let mut after = after;
        while self.report.first_broken.is_none() {
            let rows: Vec<AuditEvent> = audit_events::table
                .filter(audit_events::id.gt(after))
                .order(audit_events::id)
                .limit(PAGE)
                .select(AuditEvent::as_select())
                .load(conn)?;
            let Some(last) = rows.last() else { break };
            after = last.id;
            for row in rows {
                self.row(row);
                if self.report.first_broken.is_some() {
                    break;
                }
            }
        }
        Ok(())
    }

    fn row(&mut self, row: AuditEvent) {
        self.report.rows_checked += 1;
        // A checkpointed row the walk passed over is gone (rows written since do not hide that).
        if let Some((&id, checkpoints)) = self.expected.first_key_value()
            && id < row.id
        {
            let checkpoint = checkpoints[0];
            return self.broken(id, "truncated", Some(checkpoint));
        }
        let after_first_checkpoint = self.keyed_after.is_some_and(|first| row.id > first);
        let (Some(prev_hash), Some(hash)) = (&row.prev_hash, &row.hash) else {
            if self.chained || after_first_checkpoint {
                return self.broken(row.id, "unchained_row", None);
            }
            self.report.unchained_prefix += 1;
            return self.reached(&row);
        };
        let content = content(
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
        let keyed = audit_chain::is_keyed(hash);
        if !keyed && (self.keyed_seen || after_first_checkpoint) {
            return self.broken(row.id, "unkeyed_row", None);
        }
        let matches = if keyed {
            self.key.row_hash_matches(&content, hash)
        } else {
            audit_chain::legacy_hash(&content) == *hash
        };
        if !matches {
            return self.broken(row.id, "content_altered", None);
        }
        if self.previous.as_deref().unwrap_or_default() != prev_hash.as_str() {
            return self.broken(row.id, "chain_broken", None);
        }
        self.chained = true;
        if keyed {
            self.keyed_seen = true;
            self.report.keyed_rows += 1;
        }
        self.previous = Some(hash.clone());
        self.reached(&row);
    }

    /// The row verified: compare it with the checkpoints taken at it, and make it the head.
    fn reached(&mut self, row: &AuditEvent) {
        if let Some(checkpoints) = self.expected.remove(&row.id) {
            let count = self.report.rows_checked;
            if let Some(differs) = checkpoints
                .into_iter()
                .find(|c| c.head_hash != row.hash || c.row_count != count)
            {
                return self.broken(row.id, "rewritten_since_checkpoint", Some(differs));
            }
        }
        self.report.head_id = Some(row.id);
        self.report.head_hash = row.hash.clone();
    }

    fn finish(mut self) -> Verification {
        // Checkpointed rows beyond the end: rows were removed from the end.
        if self.report.first_broken.is_none()
            && let Some((&id, checkpoints)) = self.expected.first_key_value()
        {
            let checkpoint = checkpoints[0];
            self.broken(id, "truncated", Some(checkpoint));
        }
        self.report.ok = self.report.first_broken.is_none() && self.report.invalid_checkpoints == 0;
        self.report
    }
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::db::Db;

    fn write(db: &Db, action: &str) -> QueryResult<()> {
        let mut conn = db.get().unwrap();
        record(&mut conn, &Actor::cli(), action, "test", None, None)
    }

    /// A deployment from before the key: its public-hash rows still verify, keyed rows follow
    /// them, and from then on nothing can append a public-hash row.
    #[test]
    fn an_existing_public_chain_continues_keyed_and_never_goes_back() {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("a.sqlite3").to_string_lossy().into_owned();
        let unkeyed = Db::connect(&url).unwrap();
        unkeyed.migrate().unwrap();
        let key = Arc::new(AuditKey::from_secret(&[3; 32]));
        let keyed = unkeyed.clone().with_audit_key(key.clone());

        write(&unkeyed, "old.one").unwrap();
        write(&unkeyed, "old.two").unwrap();
        let mut conn = keyed.get().unwrap();
        let report = verify(&mut conn, &key, &[]).unwrap();
        assert!(report.ok && report.keyed_rows == 0, "{report:?}");
        drop(conn);

        write(&keyed, "new.one").unwrap();
        write(&keyed, "new.two").unwrap();
        let mut conn = keyed.get().unwrap();
        let report = verify(&mut conn, &key, &[]).unwrap();
        assert!(report.ok, "{report:?}");
        assert_eq!((report.rows_checked, report.keyed_rows), (4, 2));
        assert!(report.head_hash.as_deref().is_some_and(audit_chain::is_keyed));
        // Another key cannot vouch for the keyed rows.
        let other = AuditKey::from_secret(&[4; 32]);
        let report = verify(&mut conn, &other, &[]).unwrap();
        assert_eq!(
            report.first_broken.map(|b| (b.id, b.reason)),
            Some((3, "content_altered".into()))
        );
        drop(conn);

        let refused = write(&unkeyed, "downgrade").unwrap_err();
        assert!(refused.to_string().contains("keyed"), "{refused}");
    }

    #[test]
    fn nothing_is_appended_without_a_chain_mode() {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("b.sqlite3").to_string_lossy().into_owned();
        let db = Db::connect(&url).unwrap();
        db.migrate().unwrap();
        // A bare connection, as if someone bypassed `Db`: no mode on this thread.
        let mut conn = {
            use diesel::Connection;
            DbConn::Sqlite(diesel::SqliteConnection::establish(&url).unwrap())
        };
        assert!(crate::db::chain_mode().is_none());
        let refused = record(&mut conn, &Actor::cli(), "x", "test", None, None).unwrap_err();
        assert!(refused.to_string().contains("no audit chain mode"), "{refused}");
    }

    #[test]
    fn checkpoints_find_a_cut_and_a_rebuild() {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("c.sqlite3").to_string_lossy().into_owned();
        let key = Arc::new(AuditKey::from_secret(&[3; 32]));
        let db = Db::connect(&url).unwrap().with_audit_key(key.clone());
        db.migrate().unwrap();
        for n in 0..5 {
            write(&db, &format!("a{n}")).unwrap();
        }
        let mut conn = db.get().unwrap();
        let report = verify(&mut conn, &key, &[]).unwrap();
        let at = |row_id: i64, row_count: u64, head_hash: Option<String>| Checkpoint {
            row_id,
            row_count,
            head_hash,
            at: time::now(),
        };
        let good = at(5, 5, report.head_hash.clone());
        let report = verify(&mut conn, &key, std::slice::from_ref(&good)).unwrap();
        assert!(report.ok && report.checkpoints_checked == 1, "{report:?}");
        assert_eq!(report.latest_checkpoint.map(|c| c.row_id), Some(5));

        let beyond = at(7, 7, Some("hmac-sha256:00".into()));
        let report = verify(&mut conn, &key, &[good.clone(), beyond]).unwrap();
        assert_eq!(
            report.first_broken.map(|b| (b.id, b.reason)),
            Some((7, "truncated".into()))
        );
        let other_hash = at(5, 5, Some("hmac-sha256:00".into()));
        let report = verify(&mut conn, &key, &[other_hash]).unwrap();
        assert_eq!(
            report.first_broken.map(|b| (b.id, b.reason)),
            Some((5, "rewritten_since_checkpoint".into()))
        );
        let other_count = at(5, 6, good.head_hash.clone());
        let report = verify(&mut conn, &key, &[other_count]).unwrap();
        assert!(!report.ok);

        // The job's incremental check: from a good anchor, new rows verify.
        drop(conn);
        write(&db, "after").unwrap();
        let mut conn = db.get().unwrap();
        let since = verify_since(&mut conn, &key, &good).unwrap();
        assert!(
            since.ok && since.rows_checked == 1 && since.head_id == Some(6),
            "{since:?}"
        );
        let gone = at(9, 9, Some("hmac-sha256:00".into()));
        let since = verify_since(&mut conn, &key, &gone).unwrap();
        assert_eq!(since.first_broken.map(|b| b.reason), Some("truncated".into()));
    }
}
