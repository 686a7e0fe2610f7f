-- Enforcement cases, their parties, assistance tasks with their event history, and recusals.

CREATE TABLE cases (
    id BIGSERIAL PRIMARY KEY,
    court_id BIGINT NOT NULL REFERENCES courts (id),
    case_number TEXT NOT NULL,
    officer_id BIGINT NOT NULL REFERENCES users (id),
    amount_owed_fen BIGINT NOT NULL CHECK (amount_owed_fen >= 0),
    status TEXT NOT NULL CHECK (status IN ('open', 'concluded', 'terminated')),
    filed_on DATE NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (court_id, case_number)
);
CREATE INDEX cases_officer_id ON cases (officer_id);

CREATE TABLE parties (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    position INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('applicant', 'debtor')),
    kind TEXT NOT NULL CHECK (kind IN ('person', 'organisation')),
    name TEXT NOT NULL,
    -- National ID number (person) or unified social credit code (organisation).
    id_number TEXT,
    -- JSON array of phone strings.
    phones TEXT NOT NULL,
    -- JSON array of {"text": ..., "lat": ..., "lon": ...} (WGS-84; point optional).
    addresses TEXT NOT NULL
);
CREATE INDEX parties_case_id ON parties (case_id);

CREATE TABLE tasks (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    court_id BIGINT NOT NULL REFERENCES courts (id),
    party_id BIGINT REFERENCES parties (id),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    priority TEXT NOT NULL CHECK (priority IN ('normal', 'urgent')),
    instructions TEXT NOT NULL,
    target_address TEXT,
    target_lat DOUBLE PRECISION,
    target_lon DOUBLE PRECISION,
    -- How the point was obtained: given (with the crs it came in), geocoded, or pinned by hand.
    target_source TEXT,
    grid_id BIGINT REFERENCES grids (id),
    township_id BIGINT REFERENCES townships (id),
    assignee_id BIGINT REFERENCES users (id),
    -- When queued: whose queue ('township' or 'court') and why.
    queue TEXT CHECK (queue IN ('township', 'court')),
    queue_reason TEXT,
    due_at TIMESTAMP NOT NULL,
    overdue BOOLEAN NOT NULL,
    reminded_at TIMESTAMP,
    escalated_at TIMESTAMP,
    decline_count INTEGER NOT NULL,
    -- Bumped by every change; the ETag.
    version BIGINT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX tasks_case_id ON tasks (case_id);
CREATE INDEX tasks_court_status ON tasks (court_id, status);
CREATE INDEX tasks_township_status ON tasks (township_id, status);
CREATE INDEX tasks_assignee_status ON tasks (assignee_id, status);
CREATE INDEX tasks_due_at ON tasks (due_at);

CREATE TABLE task_events (
    id BIGSERIAL PRIMARY KEY,
    task_id BIGINT NOT NULL REFERENCES tasks (id),
    occurred_at TIMESTAMP NOT NULL,
    actor_id BIGINT REFERENCES users (id),
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    assignee_id BIGINT REFERENCES users (id),
    reason_code TEXT,
    note TEXT,
    -- JSON: the assignment explanation, reminder details, ...
    detail TEXT
);
CREATE INDEX task_events_task_id ON task_events (task_id);
CREATE INDEX task_events_actor_action ON task_events (actor_id, action);

CREATE TABLE recusals (
    worker_id BIGINT NOT NULL REFERENCES users (id),
    case_id BIGINT NOT NULL REFERENCES cases (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (worker_id, case_id)
);
