DROP TABLE partner_key_usage;
ALTER TABLE partner_keys DROP COLUMN identities_per_day;
ALTER TABLE partner_keys DROP COLUMN identities_per_minute;
