-- Every task event looks up the task's sync-feed rows (to supersede them): without this index
-- each one scanned the whole feed (measured: 6 ms on SQLite, 42 ms on PostgreSQL at 200,000
-- tasks, twice per task creation). See docs/BENCHMARKS.md.
CREATE INDEX sync_feed_task_id ON sync_feed (task_id);
