-- The grid worker's field loop: typed submissions and their review, outcomes, the per-worker
-- sync feed, idempotency keys for retried POSTs, and the notification outbox.

-- A worker's result for a task. A task may collect several (a return for rework asks for a new
-- one); each is reviewed once.
CREATE TABLE submissions (
    id BIGSERIAL PRIMARY KEY,
    task_id BIGINT NOT NULL REFERENCES tasks (id),
    worker_id BIGINT NOT NULL REFERENCES users (id),
    -- The phone's own id for this submission: a retry with the same id is the same submission.
    client_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    -- JSON: the typed result, as validated.
    result TEXT NOT NULL,
    note TEXT,
    request_digest TEXT NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    decision TEXT CHECK (decision IN ('approved', 'returned')),
    reviewed_by BIGINT REFERENCES users (id),
    reviewed_at TIMESTAMP,
    rating INTEGER CHECK (rating BETWEEN 1 AND 5),
    -- JSON array of reason codes, when returned.
    return_reasons TEXT,
    review_comment TEXT,
    UNIQUE (worker_id, client_id)
);
CREATE INDEX submissions_task_id ON submissions (task_id);

-- What enforcement achieved after a task, recorded by the officer; the latest row counts.
CREATE TABLE task_outcomes (
    id BIGSERIAL PRIMARY KEY,
    task_id BIGINT NOT NULL REFERENCES tasks (id),
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL,
    assets_frozen_fen BIGINT NOT NULL CHECK (assets_frozen_fen >= 0),
    assets_seized_fen BIGINT NOT NULL CHECK (assets_seized_fen >= 0),
    amount_recovered_fen BIGINT NOT NULL CHECK (amount_recovered_fen >= 0),
    settlement_performed BOOLEAN NOT NULL,
    note TEXT
);
CREATE INDEX task_outcomes_task_id ON task_outcomes (task_id);

-- One row per (worker, task) the worker's phone must know about; every change re-inserts the
-- row with a new seq, so a phone asking "since seq N" gets each changed task once.
CREATE TABLE sync_feed (
    seq BIGSERIAL PRIMARY KEY,
    worker_id BIGINT NOT NULL REFERENCES users (id),
    task_id BIGINT NOT NULL REFERENCES tasks (id),
    change TEXT NOT NULL CHECK (change IN ('upsert', 'tombstone')),
    -- Why a tombstone: reassigned, declined, cancelled.
    reason TEXT,
    recorded_at TIMESTAMP NOT NULL,
    UNIQUE (worker_id, task_id)
);
CREATE INDEX sync_feed_worker_seq ON sync_feed (worker_id, seq);

-- Responses to POSTs sent with an Idempotency-Key, per user: a replay gets the first answer.
CREATE TABLE idempotency_keys (
    user_id BIGINT NOT NULL REFERENCES users (id),
    idem_key TEXT NOT NULL,
    request_digest TEXT NOT NULL,
    -- NULL while the first request is being handled.
    status_code INTEGER,
    -- JSON object of the response headers a replay repeats (content-type, etag, location).
    response_headers TEXT,
    body TEXT,
    created_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP,
    PRIMARY KEY (user_id, idem_key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

-- Notifications written in the same transaction as the change they announce, delivered to the
-- configured webhook by a background job (at least once, same message_id on every try).
CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    -- JSON body sent as is.
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    -- A delivery in progress holds the row until then; after a crash it is tried again.
    locked_until TIMESTAMP,
    delivered_at TIMESTAMP,
    last_error TEXT
);
CREATE INDEX outbox_status_next ON outbox (status, next_attempt_at);
