-- Applicants' access to the progress of their case, and when a case was closed (for the court's
-- statistics).

-- Access codes handed to a case's applicant. Only the SHA-256 of the code is kept: the code itself
-- is shown once, to the officer who issues it. Re-issuing revokes the previous code; at most one
-- code per case is live at a time.
CREATE TABLE case_access_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    -- Hex SHA-256 of the normalised code (upper case, no separators).
    code_hash TEXT NOT NULL UNIQUE,
    issued_by BIGINT NOT NULL REFERENCES users (id),
    issued_at TIMESTAMP NOT NULL,
    revoked_by BIGINT REFERENCES users (id),
    revoked_at TIMESTAMP
);
CREATE UNIQUE INDEX case_access_codes_one_live ON case_access_codes (case_id) WHERE revoked_at IS NULL;

-- Set when the case leaves 'open' (concluded or terminated).
ALTER TABLE cases ADD COLUMN closed_at TIMESTAMP;

-- Statistics per court and period: cases by filing date and by closing date, tasks by creation.
CREATE INDEX cases_court_filed ON cases (court_id, filed_on);
CREATE INDEX cases_court_closed ON cases (court_id, closed_at);
CREATE INDEX tasks_court_created ON tasks (court_id, created_at);
