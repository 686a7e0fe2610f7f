//! The per-worker sync feed: one row per (worker, task) the worker's phone must hear about,
//! re-inserted with a fresh sequence number on every change, so "what changed since N" is one
//! index range scan and a phone gets each changed task once however often it changed.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConn;
use crate::db::schema::sync_feed;
use crate::domain::task_record::FeedChange;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sync_feed)]
pub struct FeedEntry {
    pub seq: i64,
    pub worker_id: i64,
    pub task_id: i64,
    pub change: FeedChange,
    pub reason: Option<String>,
    pub recorded_at: NaiveDateTime,
}

/// Record that `worker_id` must hear about `task_id` again: drop the old row, add a new one.
pub fn touch(
    conn: &mut DbConn,
    worker_id: i64,
    task_id: i64,
    (change, reason): (FeedChange, Option<&str>),
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(
        sync_feed::table
            .filter(sync_feed::worker_id.eq(worker_id))
            .filter(sync_feed::task_id.eq(task_id)),
    )
    .execute(conn)?;
    diesel::insert_into(sync_feed::table)
        .values((
            sync_feed::worker_id.eq(worker_id),
            sync_feed::task_id.eq(task_id),
            sync_feed::change.eq(change),
            sync_feed::reason.eq(reason),
            sync_feed::recorded_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Workers whose phones currently hold the task (their latest entry is an upsert).
pub fn holders(conn: &mut DbConn, task_id: i64) -> QueryResult<Vec<i64>> {
    sync_feed::table
        .filter(sync_feed::task_id.eq(task_id))
        .filter(sync_feed::change.eq(FeedChange::Upsert))
        .select(sync_feed::worker_id)
        .load(conn)
}

/// The worker's entries after `after` (exclusive), oldest first, at most `limit`.
pub fn since(conn: &mut DbConn, worker_id: i64, after: i64, limit: i64) -> QueryResult<Vec<FeedEntry>> {
    sync_feed::table
        .filter(sync_feed::worker_id.eq(worker_id))
        .filter(sync_feed::seq.gt(after))
        .order(sync_feed::seq)
        .limit(limit)
        .select(FeedEntry::as_select())
        .load(conn)
}
