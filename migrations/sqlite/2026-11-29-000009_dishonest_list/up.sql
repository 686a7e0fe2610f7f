-- The list of dishonest judgment debtors (失信被执行人名单) kept by the courts, its history, the
-- partner departments that check identities against it through API keys, their webhook
-- subscriptions, and a per-row destination in the outbox for those webhooks.

-- One debtor listed on one case by one court. Removal is a change of status, never a delete.
CREATE TABLE dishonest_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    court_id BIGINT NOT NULL REFERENCES courts (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('person', 'organisation')),
    -- National ID number (person) or unified social credit code (organisation), canonical form.
    id_number TEXT NOT NULL,
    -- Canonical case number, e.g. (2024)苏1283执1234号.
    case_number TEXT NOT NULL,
    -- The case in this system with that number in that court, when there is one.
    case_id BIGINT REFERENCES cases (id),
    reason TEXT NOT NULL,
    note TEXT,
    listed_on DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('listed', 'removed')),
    removed_on DATE,
    removal_reason TEXT,
    removal_note TEXT,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (court_id, case_number, id_number),
    CHECK (
        (status = 'listed' AND removed_on IS NULL AND removal_reason IS NULL)
        OR (status = 'removed' AND removed_on IS NOT NULL AND removal_reason IS NOT NULL)
    )
);
-- Partners' checks look identities up across every court.
CREATE INDEX dishonest_entries_id_number ON dishonest_entries (id_number, status);

-- What happened to an entry: listed, imported, updated (with the old values), removed.
CREATE TABLE dishonest_entry_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id BIGINT NOT NULL REFERENCES dishonest_entries (id),
    occurred_at TIMESTAMP NOT NULL,
    actor_id BIGINT REFERENCES users (id),
    action TEXT NOT NULL CHECK (action IN ('listed', 'imported', 'updated', 'removed')),
    -- JSON: the fields changed, the removal reason, ...
    detail TEXT
);
CREATE INDEX dishonest_entry_events_entry_id ON dishonest_entry_events (entry_id);

-- Other departments (a permit office, a housing authority, ...) that check identities.
CREATE TABLE partners (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);

-- A partner's API keys: only the SHA-256 of the secret is kept; `prefix` is the public part
-- used to find the row.
CREATE TABLE partner_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    partner_id BIGINT NOT NULL REFERENCES partners (id),
    prefix TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    -- JSON array of scopes, e.g. ["dishonest:check"].
    scopes TEXT NOT NULL,
    label TEXT,
    created_by BIGINT REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP,
    revoked_by BIGINT REFERENCES users (id)
);
CREATE INDEX partner_keys_partner_id ON partner_keys (partner_id);

-- Webhooks a partner registered (with a key holding the subscribe scope) for additions to and
-- removals from the list. The signing secret must be kept to sign; deletion is a timestamp.
CREATE TABLE partner_subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    partner_id BIGINT NOT NULL REFERENCES partners (id),
    key_id BIGINT NOT NULL REFERENCES partner_keys (id),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP
);
CREATE INDEX partner_subscriptions_partner_id ON partner_subscriptions (partner_id);

-- Rows with a subscription go to that partner's webhook; rows without one go, as before, to the
-- configured gateway (GRIDASSIST_WEBHOOK_URL).
ALTER TABLE outbox ADD COLUMN subscription_id BIGINT REFERENCES partner_subscriptions (id);
CREATE INDEX outbox_subscription_id ON outbox (subscription_id);
