DROP TABLE outbox;
DROP TABLE idempotency_keys;
DROP TABLE sync_feed;
DROP TABLE task_outcomes;
DROP TABLE submissions;
