DROP INDEX sync_feed_task_id;
