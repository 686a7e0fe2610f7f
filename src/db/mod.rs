//! Storage: one diesel code base over SQLite (embedded default) and PostgreSQL, picked by the
//! `DATABASE_URL` scheme. Owns the connection type, the pool, per-connection SQLite pragmas,
//! the embedded migrations of both backends, the write-transaction helper and the stamp that
//! ties a request's writes to its idempotency claim ([`RequestClaim`]), and the audit chain's key
//! handed to the code that appends to the trail ([`ChainMode`]).
//!
//! Everything above this module talks to [`DbConn`] only; backend differences stay here.

pub mod enums;
pub mod schema;

use std::cell::RefCell;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDateTime;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{ManageConnection, Pool, PooledConnection, R2D2Connection};
use diesel::{Connection, ConnectionError, PgConnection, RunQueryDsl, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::domain::audit_chain::AuditKey;

/// Migrations for each backend. The two folders list identical version names (a test checks).
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to whichever backend the deployment uses.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which engine a `DATABASE_URL` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// `postgres://` and `postgresql://` URLs are PostgreSQL; anything else is a SQLite file
    /// path (an optional `sqlite://` prefix is accepted).
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Per-connection SQLite settings. `synchronous=FULL` because court records must survive a power
/// cut once acknowledged (NORMAL may lose the last commits in WAL mode); `busy_timeout` makes a
/// writer wait for another instead of failing with "database is locked" — it comes first, because
/// switching a new file to WAL takes a lock that the pool's other new connections contend for.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; \
     PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = FULL; \
     PRAGMA foreign_keys = ON;";

/// r2d2 manager that opens exactly the backend the URL names. (diesel's generic manager would
/// try each backend in turn, and SQLite accepts any string as a file name — a mistyped
/// PostgreSQL URL would silently become a local file.)
#[derive(Debug, Clone)]
pub struct DbManager {
    backend: Backend,
    url: String,
}

impl DbManager {
    pub fn new(url: &str) -> DbManager {
        let backend = Backend::of_url(url);
        let url = match backend {
            Backend::Sqlite => url.strip_prefix("sqlite://").unwrap_or(url).to_owned(),
            Backend::Postgres => url.to_owned(),
        };
        DbManager { backend, url }
    }
}

impl ManageConnection for DbManager {
    type Connection = DbConn;
    type Error = ConnectionError;

    fn connect(&self) -> Result<DbConn, ConnectionError> {
        match self.backend {
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(&self.url)?;
                conn.batch_execute(SQLITE_PRAGMAS)
                    .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Sqlite(conn))
            }
            Backend::Postgres => {
                let mut conn = PgConnection::establish(&self.url)?;
                conn.batch_execute("SET TIME ZONE 'UTC'")
                    .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Postgres(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), ConnectionError> {
        conn.ping()
            .map(|_| ())
            .map_err(ConnectionError::CouldntSetupConfiguration)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        conn.is_broken()
    }
}

pub type DbPool = Pool<DbManager>;

/// A pooled connection for blocking code, with the database's [`ChainMode`] in force on this
/// thread for as long as it is held (so it is not `Send`).
pub struct PooledConn {
    conn: PooledConnection<DbManager>,
    _mode: ChainModeGuard,
}

impl std::ops::Deref for PooledConn {
    type Target = DbConn;
    fn deref(&self) -> &DbConn {
        &self.conn
    }
}

impl std::ops::DerefMut for PooledConn {
    fn deref_mut(&mut self) -> &mut DbConn {
        &mut self.conn
    }
}

/// Errors of reaching the database (as opposed to errors of a query).
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("no database connection available")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("database query failed")]
    Query(#[from] diesel::result::Error),
    #[error("migrations failed: {0}")]
    Migration(String),
}

/// The shared handle to the database: a pool plus the backend it talks to, and how audit rows
/// written through it are hashed.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
    backend: Backend,
    audit_key: Option<Arc<AuditKey>>,
}

impl Db {
    /// Open a pool. For SQLite the parent directory of the file is created.
    pub fn connect(url: &str) -> Result<Db, DbError> {
        let manager = DbManager::new(url);
        let parent = std::path::Path::new(&manager.url).parent();
        if let (Backend::Sqlite, Some(parent)) = (manager.backend, parent)
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent)
                .map_err(|e| DbError::Migration(format!("cannot create {parent:?}: {e}")))?;
        }
        let max_size = match manager.backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        };
        let backend = manager.backend;
        let pool = Pool::builder()
            .max_size(max_size)
            .connection_timeout(Duration::from_secs(10))
            .build(manager)?;
        Ok(Db {
            pool,
            backend,
            audit_key: None,
        })
    }

    /// Audit rows written through this handle are hashed with `key` (the service always sets
    /// one). Without it they are hashed with the public formula, which `repo::audit` allows only
    /// before the first keyed row: for tools that seed a database before it is ever served.
    pub fn with_audit_key(mut self, key: Arc<AuditKey>) -> Db {
        self.audit_key = Some(key);
        self
    }

    /// The audit chain's key, when one is set.
    pub fn audit_key(&self) -> Option<&Arc<AuditKey>> {
        self.audit_key.as_ref()
    }

    fn chain_mode(&self) -> ChainMode {
        match &self.audit_key {
            Some(key) => ChainMode::Keyed(key.clone()),
            None => ChainMode::Unkeyed,
        }
    }

    /// How many connections the pool holds and how many are idle.
    pub fn pool_state(&self) -> diesel::r2d2::State {
        self.pool.state()
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A pooled connection, for blocking code (CLI, start-up). Request handlers use [`Db::run`].
    pub fn get(&self) -> Result<PooledConn, DbError> {
        let conn = self.pool.get()?;
        Ok(PooledConn {
            conn,
            _mode: ChainModeGuard::set(Some(self.chain_mode())),
        })
    }

    /// Run blocking database work on the blocking thread pool, off the async workers.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        // Read on the request's task, used on the blocking thread (see [`RequestClaim`]).
        let claim = REQUEST_CLAIM.try_with(RequestClaim::clone).ok();
        let mode = self.chain_mode();
        let joined = tokio::task::spawn_blocking(move || {
            let _claim = ActiveClaim::set(claim);
            let _mode = ChainModeGuard::set(Some(mode));
            let mut conn = pool.get().map_err(DbError::from)?;
            f(&mut conn)
        })
        .await;
        match joined {
            Ok(result) => result,
            // The closure panicked: report it as an unavailable database rather than unwinding
            // through the request. The panic itself has been printed by the runtime.
            Err(_) => Err(E::from(DbError::Migration("database task failed".into()))),
        }
    }

    /// Apply pending migrations; returns the versions applied.
    pub fn migrate(&self) -> Result<Vec<String>, DbError> {
        let mut conn = self.get()?;
        run_migrations(&mut conn)
    }
}

/// Apply pending migrations on one connection.
pub fn run_migrations(conn: &mut DbConn) -> Result<Vec<String>, DbError> {
    let applied = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        DbConn::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
    }
    .map_err(|e| DbError::Migration(e.to_string()))?;
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// How many embedded migrations the database has not applied yet (readiness check).
pub fn pending_migrations(conn: &mut DbConn) -> Result<usize, DbError> {
    let pending = match conn {
        DbConn::Sqlite(c) => c.pending_migrations(SQLITE_MIGRATIONS).map(|p| p.len()),
        DbConn::Postgres(c) => c.pending_migrations(POSTGRES_MIGRATIONS).map(|p| p.len()),
    }
    .map_err(|e| DbError::Migration(e.to_string()))?;
    Ok(pending)
}

/// Run `f` in a write transaction: committed if it returns `Ok`, rolled back otherwise.
///
/// On SQLite the transaction starts with `BEGIN IMMEDIATE`, taking the write lock up front: a
/// deferred transaction that reads first and writes later can fail with SQLITE_BUSY at the
/// upgrade, which `busy_timeout` cannot wait out. Must not be nested in another transaction.
pub fn write_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    // Held until the transaction has committed or rolled back (dropped on return). Not taken
    // inside a transaction: `BEGIN` then fails at once, as a nested call always has, instead of
    // waiting for a turn this thread already holds.
    let mut _writer_turn = None;
    match conn {
        DbConn::Sqlite(c) => {
            if AnsiTransactionManager::transaction_manager_status_mut(c)
                .transaction_depth()?
                .is_none()
            {
                _writer_turn = Some(sqlite_writer_turn(c)?);
            }
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        DbConn::Postgres(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    // The transaction state lives in the inner connection, so the multi-connection's manager
    // commits or rolls back exactly what was begun above.
    type Tm = <DbConn as Connection>::TransactionManager;
    match f(conn).and_then(|value| stamp_claim(conn).map(|()| value).map_err(E::from)) {
        Ok(value) => match Tm::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(commit_error) => {
                let _ = Tm::rollback_transaction(conn);
                Err(commit_error.into())
            }
        },
        Err(error) => {
            // The caller's error is the one worth reporting; a failed rollback marks the
            // connection broken and r2d2 discards it.
            let _ = Tm::rollback_transaction(conn);
            Err(error)
        }
    }
}

/// The `Idempotency-Key` claim of the request being handled (see `api::idempotency`): the row
/// (user, key) whose `created_at` was `claimed_at` when this request took it.
///
/// A request's effect and the answer stored for its key are two commits, and a crash can fall
/// between them. So every write transaction run for a claimed request also stamps the claim —
/// sets its `completed_at` — in the same transaction, and commits only if the claim is still
/// this request's. The key row then tells a retry what happened to a request that died: no stamp,
/// nothing was written and the request may run again; a stamp without an answer, the effect
/// happened and only the answer was lost. And a request whose claim was taken over by a retry
/// cannot commit behind the retry's back (its transaction fails with [`ClaimLost`]).
#[derive(Debug, Clone)]
pub struct RequestClaim {
    pub user_id: i64,
    pub key: String,
    pub claimed_at: NaiveDateTime,
}

/// A write transaction found its request's idempotency claim taken over by a retry; nothing was
/// committed.
#[derive(Debug, thiserror::Error)]
#[error("the request's Idempotency-Key claim was taken over by a retry")]
pub struct ClaimLost;

tokio::task_local! {
    static REQUEST_CLAIM: RequestClaim;
}

thread_local! {
    static ACTIVE_CLAIM: RefCell<Option<RequestClaim>> = const { RefCell::new(None) };
}

/// Run `handler` (the rest of a request) on behalf of `claim`: every [`Db::run`] it makes stamps
/// the claim in each write transaction.
pub async fn with_claim<F: std::future::Future>(claim: RequestClaim, handler: F) -> F::Output {
    REQUEST_CLAIM.scope(claim, handler).await
}

/// The claim of the request a blocking database closure runs for, cleared when it ends.
struct ActiveClaim;

impl ActiveClaim {
    fn set(claim: Option<RequestClaim>) -> ActiveClaim {
        ACTIVE_CLAIM.with(|c| *c.borrow_mut() = claim);
        ActiveClaim
    }
}

impl Drop for ActiveClaim {
    fn drop(&mut self) {
        ACTIVE_CLAIM.with(|c| c.borrow_mut().take());
    }
}

/// Inside a write transaction: stamp the active request's claim, or fail if it is no longer
/// ours. Does nothing outside a claimed request (jobs, the command line, requests without a key).
fn stamp_claim(conn: &mut DbConn) -> Result<(), diesel::result::Error> {
    use diesel::prelude::*;
    use schema::idempotency_keys as keys;
    let Some(claim) = ACTIVE_CLAIM.with(|c| c.borrow().clone()) else {
        return Ok(());
    };
    let stamped = diesel::update(
        keys::table
            .find((claim.user_id, &claim.key))
            .filter(keys::created_at.eq(claim.claimed_at))
            .filter(keys::status_code.is_null()),
    )
    .set(keys::completed_at.eq(crate::domain::time::now()))
    .execute(conn)?;
    if stamped == 1 {
        Ok(())
    } else {
        Err(diesel::result::Error::QueryBuilderError(Box::new(ClaimLost)))
    }
}

/// How the audit rows written on this thread are hashed: with the key of the [`Db`] the
/// connection came from, or (only for a database never served) with the public formula.
///
/// The key reaches `repo::audit` through a thread-local set by [`Db::run`] and [`Db::get`] rather
/// than through every `record(...)` call: those are many and spread over every service, and the
/// key is a property of the deployment, not of a call. It is per [`Db`], not process-global,
/// because one process may serve several databases (the test suite runs many servers, each with
/// its own data directory and key).
#[derive(Clone)]
pub enum ChainMode {
    Keyed(Arc<AuditKey>),
    Unkeyed,
}

thread_local! {
    static CHAIN_MODE: RefCell<Option<ChainMode>> = const { RefCell::new(None) };
}

/// The chain mode in force on this thread; `None` outside [`Db::run`] and [`Db::get`].
pub fn chain_mode() -> Option<ChainMode> {
    CHAIN_MODE.with(|m| m.borrow().clone())
}

/// Puts a chain mode in force until dropped, then restores the one before (a connection taken
/// with [`Db::get`] inside [`Db::run`] must not clear the outer mode). Not `Send`: the mode
/// belongs to the thread that set it.
struct ChainModeGuard {
    previous: Option<ChainMode>,
    _not_send: std::marker::PhantomData<*const ()>,
}

impl ChainModeGuard {
    fn set(mode: Option<ChainMode>) -> ChainModeGuard {
        let previous = CHAIN_MODE.with(|m| m.replace(mode));
        ChainModeGuard {
            previous,
            _not_send: std::marker::PhantomData,
        }
    }
}

impl Drop for ChainModeGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CHAIN_MODE.with(|m| *m.borrow_mut() = previous);
    }
}

/// The writers of one SQLite file in this process, queued on a mutex.
///
/// SQLite lets one transaction write at a time; the others wait in its busy handler, which polls
/// with sleeps growing to 100 ms and serves nobody in order. Under a steady stream of writes
/// (the HTTP load test: 32 clients creating tasks) that made some writers wait past the 10 s
/// `busy_timeout` and fail with "database is locked", and left the write lock idle while
/// sleepers dozed. Queuing the process's own writers on a mutex hands the lock over as soon as
/// the previous transaction ends; `busy_timeout` still covers writers from other processes (the
/// command-line tools). One mutex per database file, so the test suite's many servers (one file
/// each, in one process) do not wait on each other.
fn sqlite_writer_turn(
    conn: &mut SqliteConnection,
) -> Result<std::sync::MutexGuard<'static, ()>, diesel::result::Error> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};

    #[derive(diesel::QueryableByName)]
    struct MainFile {
        #[diesel(sql_type = diesel::sql_types::Text)]
        file: String,
    }
    static QUEUES: OnceLock<Mutex<HashMap<String, &'static Mutex<()>>>> = OnceLock::new();
    let file = diesel::sql_query("SELECT file FROM pragma_database_list WHERE name = 'main'")
        .get_result::<MainFile>(conn)?
        .file;
    let queue: &'static Mutex<()> = {
        let mut queues = QUEUES
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // One small allocation per database file for the life of the process.
        queues
            .entry(file)
            .or_insert_with(|| Box::leak(Box::new(Mutex::new(()))))
    };
    // A panic while holding the turn poisons the mutex but leaves nothing half-done: the
    // transaction was rolled back with the connection.
    Ok(queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
}

/// Key of the PostgreSQL advisory lock that orders task changes (any fixed number; "GRIDTASK").
const TASK_CHANGES_LOCK: i64 = 0x4752_4944_5441_534B;

/// A write transaction that changes tasks. Phones sync by the sequence number of the worker's
/// feed rows (`sync_feed.seq`), so those numbers must become visible in the order they were drawn:
/// otherwise a phone could read seq 11, move its cursor past it, and never see seq 10 committed a
/// moment later. On SQLite writers are already serialised; on PostgreSQL the transaction first
/// takes an advisory lock, before touching any row, so task changes commit one at a time (and no
/// lock-order deadlock is possible).
pub fn task_tx<T, E, F>(conn: &mut DbConn, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConn) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    write_tx(conn, |conn| {
        if let DbConn::Postgres(_) = conn {
            diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
                .bind::<diesel::sql_types::BigInt, _>(TASK_CHANGES_LOCK)
                .execute(conn)?;
        }
        f(conn)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_puts_its_chain_mode_in_force_and_restores_the_one_before() {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("m.sqlite3").to_string_lossy().into_owned();
        let unkeyed = Db::connect(&url).unwrap();
        let keyed = unkeyed
            .clone()
            .with_audit_key(Arc::new(AuditKey::from_secret(&[1; 32])));
        assert!(chain_mode().is_none());
        let outer = keyed.get().unwrap();
        assert!(matches!(chain_mode(), Some(ChainMode::Keyed(_))));
        {
            let _inner = unkeyed.get().unwrap();
            assert!(matches!(chain_mode(), Some(ChainMode::Unkeyed)));
        }
        assert!(matches!(chain_mode(), Some(ChainMode::Keyed(_))));
        drop(outer);
        assert!(chain_mode().is_none());
    }

    #[test]
    fn backend_is_chosen_by_url_scheme() {
        assert_eq!(Backend::of_url("postgres://u@h/db"), Backend::Postgres);
        assert_eq!(Backend::of_url("postgresql://u@h/db"), Backend::Postgres);
        assert_eq!(Backend::of_url("data/gridassist.db"), Backend::Sqlite);
        assert_eq!(Backend::of_url("sqlite://data/x.db"), Backend::Sqlite);
        assert_eq!(DbManager::new("sqlite://data/x.db").url, "data/x.db");
    }
}
