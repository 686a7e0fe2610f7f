-- Partner keys are budgeted in identities checked, per minute and per day (issue 15 item 5).
-- A key's own budgets; NULL follows the server's defaults (GRIDASSIST_PARTNER_IDENTITIES_PER_MINUTE,
-- GRIDASSIST_PARTNER_IDENTITIES_PER_DAY), so changing a default reaches every key that has none.
ALTER TABLE partner_keys ADD COLUMN identities_per_minute BIGINT CHECK (identities_per_minute > 0);
ALTER TABLE partner_keys ADD COLUMN identities_per_day BIGINT CHECK (identities_per_day > 0);

-- What a key has spent, one row per key, updated in the check's own transaction so the budgets
-- hold across nodes sharing the database and survive restarts. `minute_full_at`: the instant at
-- which the per-minute allowance is whole again (it refills continuously); `counted_on`: the
-- China-local day that `day_identities` counts (a new day starts from zero).
CREATE TABLE partner_key_usage (
    key_id BIGINT PRIMARY KEY REFERENCES partner_keys (id),
    minute_full_at TIMESTAMP NOT NULL,
    counted_on DATE NOT NULL,
    day_identities BIGINT NOT NULL CHECK (day_identities >= 0)
);
