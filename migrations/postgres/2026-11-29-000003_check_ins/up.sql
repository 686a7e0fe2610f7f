-- GPS check-ins of grid workers at task targets. Kept as sent (converted to WGS-84), with the
-- server's flags; nothing is dropped.

CREATE TABLE check_ins (
    id BIGSERIAL PRIMARY KEY,
    task_id BIGINT NOT NULL REFERENCES tasks (id),
    worker_id BIGINT NOT NULL REFERENCES users (id),
    -- The phone's own id for this check-in: a retry with the same id is the same check-in.
    client_id TEXT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    crs_given TEXT NOT NULL,
    accuracy_m DOUBLE PRECISION NOT NULL,
    captured_at TIMESTAMP NOT NULL,
    received_at TIMESTAMP NOT NULL,
    distance_m DOUBLE PRECISION,
    -- JSON array of flag codes.
    flags TEXT NOT NULL,
    -- SHA-256 of the request as sent, to tell a replay from a different request with the same id.
    request_digest TEXT NOT NULL,
    UNIQUE (worker_id, client_id)
);
CREATE INDEX check_ins_task_id ON check_ins (task_id);
CREATE INDEX check_ins_worker_received ON check_ins (worker_id, received_at);
