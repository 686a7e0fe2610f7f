-- Evidence files uploaded by grid workers: metadata here, bytes content-addressed on disk
-- (<data dir>/evidence/<aa>/<bb>/<sha256>). Append-only: a correction is a new row.

CREATE TABLE evidence (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id BIGINT NOT NULL REFERENCES tasks (id),
    uploader_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('photo', 'signature', 'audio', 'pdf')),
    media_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    captured_at TIMESTAMP,
    received_at TIMESTAMP NOT NULL,
    client_id TEXT,
    UNIQUE (uploader_id, client_id)
);
CREATE INDEX evidence_task_id ON evidence (task_id);
