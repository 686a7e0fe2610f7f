-- Scores for the training and incentive scheme: the versioned scheme, score lines (every point
-- won or lost, tied to its cause), closed period snapshots, appeals, training modules and
-- completions, and check-ins an officer found false.

-- Each change of the scheme is a new version, in force from effective_from.
CREATE TABLE scoring_schemes (
    version BIGINT PRIMARY KEY,
    -- JSON of the scheme.
    body TEXT NOT NULL,
    effective_from TIMESTAMP NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    note TEXT
);

-- Points in centi-points (1 point = 100). A worker's total is the sum of their lines; a
-- correction is a new line, never an edit.
CREATE TABLE score_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    worker_id BIGINT NOT NULL REFERENCES users (id),
    -- The worker's township when the line was made (leaderboards are per township).
    township_id BIGINT REFERENCES townships (id),
    -- When the cause happened; decides the period.
    occurred_at TIMESTAMP NOT NULL,
    code TEXT NOT NULL,
    points BIGINT NOT NULL,
    task_id BIGINT REFERENCES tasks (id),
    -- What caused it, e.g. `task_event:812`, `outcome:31`, `training:7`, `appeal:4`,
    -- `check_in:55`: one cause makes a given line once.
    source TEXT NOT NULL,
    scheme_version BIGINT NOT NULL REFERENCES scoring_schemes (version),
    -- JSON: how the number was made.
    detail TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (source, code, worker_id)
);
CREATE INDEX score_lines_worker_time ON score_lines (worker_id, occurred_at);
CREATE INDEX score_lines_township_time ON score_lines (township_id, occurred_at);

-- A closed period's standings and payouts, frozen.
CREATE TABLE period_snapshots (
    period TEXT NOT NULL,
    township_id BIGINT NOT NULL REFERENCES townships (id),
    scheme_version BIGINT NOT NULL REFERENCES scoring_schemes (version),
    -- JSON: the leaderboard and the payouts as computed at closing.
    body TEXT NOT NULL,
    closed_by BIGINT REFERENCES users (id),
    closed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (period, township_id)
);

CREATE TABLE score_appeals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    line_id BIGINT NOT NULL REFERENCES score_lines (id),
    worker_id BIGINT NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'rejected')),
    decided_by BIGINT REFERENCES users (id),
    decided_at TIMESTAMP,
    decision_reason TEXT,
    correction_line_id BIGINT REFERENCES score_lines (id),
    created_at TIMESTAMP NOT NULL,
    -- One appeal per line.
    UNIQUE (line_id)
);
CREATE INDEX score_appeals_worker ON score_appeals (worker_id);

CREATE TABLE training_modules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    -- JSON array of the task kinds a pass certifies.
    task_kinds TEXT NOT NULL,
    -- JSON array of the rework reasons the module addresses (for recommendations).
    reasons TEXT NOT NULL,
    validity_days INTEGER NOT NULL CHECK (validity_days > 0),
    pass_score INTEGER NOT NULL CHECK (pass_score BETWEEN 0 AND 100),
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE training_completions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    module_id BIGINT NOT NULL REFERENCES training_modules (id),
    worker_id BIGINT NOT NULL REFERENCES users (id),
    completed_on DATE NOT NULL,
    quiz_score INTEGER NOT NULL CHECK (quiz_score BETWEEN 0 AND 100),
    passed BOOLEAN NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX training_completions_worker ON training_completions (worker_id);

-- Check-ins an officer found false (the worker was not there), with why.
CREATE TABLE check_in_disputes (
    check_in_id BIGINT PRIMARY KEY REFERENCES check_ins (id),
    decided_by BIGINT NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX task_events_action_time ON task_events (action, occurred_at);
