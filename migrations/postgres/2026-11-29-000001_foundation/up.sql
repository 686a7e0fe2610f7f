-- Foundation: courts, townships, grid polygons, accounts, grid-worker profiles, refresh tokens, audit.
-- Keep column types inside the subset shared with PostgreSQL (see docs/API-DESIGN.md, "Storage").

CREATE TABLE courts (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE townships (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    court_id BIGINT NOT NULL REFERENCES courts (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX townships_court_id ON townships (court_id);

CREATE TABLE grids (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    township_id BIGINT NOT NULL REFERENCES townships (id),
    -- GeoJSON geometry (Polygon or MultiPolygon), WGS-84, [lon, lat] order.
    geometry TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX grids_township_id ON grids (township_id);

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'officer', 'supervisor', 'worker')),
    court_id BIGINT REFERENCES courts (id),
    township_id BIGINT REFERENCES townships (id),
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (
        (role = 'admin' AND court_id IS NULL AND township_id IS NULL)
        OR (role = 'officer' AND court_id IS NOT NULL AND township_id IS NULL)
        OR (role IN ('supervisor', 'worker') AND court_id IS NULL AND township_id IS NOT NULL)
    )
);
CREATE INDEX users_court_id ON users (court_id);
CREATE INDEX users_township_id ON users (township_id);

CREATE TABLE worker_profiles (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    capacity INTEGER NOT NULL CHECK (capacity >= 0),
    availability TEXT NOT NULL CHECK (availability IN ('active', 'on_leave')),
    on_leave_until DATE,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE worker_grids (
    worker_id BIGINT NOT NULL REFERENCES users (id),
    grid_id BIGINT NOT NULL REFERENCES grids (id),
    is_primary BOOLEAN NOT NULL,
    PRIMARY KEY (worker_id, grid_id)
);
CREATE INDEX worker_grids_grid_id ON worker_grids (grid_id);
CREATE UNIQUE INDEX worker_grids_one_primary ON worker_grids (worker_id) WHERE is_primary;

CREATE TABLE worker_certifications (
    worker_id BIGINT NOT NULL REFERENCES users (id),
    task_kind TEXT NOT NULL,
    certified_on DATE NOT NULL,
    expires_on DATE,
    PRIMARY KEY (worker_id, task_kind)
);

CREATE TABLE refresh_tokens (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    family_id TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    issued_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX refresh_tokens_family_id ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_id ON refresh_tokens (user_id);

CREATE TABLE audit_events (
    id BIGSERIAL PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL,
    actor_id BIGINT,
    actor_role TEXT,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT,
    request_id TEXT,
    detail TEXT
);
CREATE INDEX audit_events_object ON audit_events (object_type, object_id);
